"""Save browser uploads into the uploads folder, safely.

A file name from the browser is untrusted: only its last component is kept and
unusual characters are replaced, so `../` or an absolute path cannot escape the
folder. Zip archives are extracted member by member under the same rules, with
limits on member count and total size (zip bombs), never following links.
"""

from __future__ import annotations

import filecmp
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from glob import escape as glob_escape
from pathlib import Path, PurePosixPath

from ingest.readers import SUPPORTED_EXTENSIONS

_UNSAFE = re.compile(r"[^\w.\- ()+,@=]")
_MAX_NAME = 180


@dataclass(frozen=True)
class UploadPolicy:
    """What may be uploaded.

    Attributes:
        allowed_extensions: Lower-case suffixes accepted (".zip" enables archives).
        max_bytes: Largest accepted file, and largest member of an archive.
        max_zip_members: Most files extracted from one archive.
        max_zip_bytes: Most bytes extracted from one archive in total.
    """

    allowed_extensions: frozenset[str] = frozenset(SUPPORTED_EXTENSIONS | {".zip"})
    max_bytes: int = 100_000_000
    max_zip_members: int = 2_000
    max_zip_bytes: int = 500_000_000

    @classmethod
    def from_settings(cls, settings) -> "UploadPolicy":
        """The policy set by `settings.upload_extensions` and `settings.max_upload_mb`."""
        extensions = {e.strip().lower() for e in settings.upload_extensions if e.strip()}
        return cls(
            allowed_extensions=frozenset(e if e.startswith(".") else "." + e for e in extensions),
            max_bytes=int(settings.max_upload_mb * 1_000_000),
        )


@dataclass(frozen=True)
class Rejected:
    """An upload (or archive member) that was not saved, and why."""

    name: str
    reason: str


@dataclass
class UploadResult:
    """Files saved into the uploads folder and uploads rejected."""

    saved: list[Path] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "saved": [str(p) for p in self.saved],
            "rejected": [{"name": r.name, "reason": r.reason} for r in self.rejected],
        }


def safe_name(name: str) -> str:
    """The last component of `name`, reduced to safe characters; "" if nothing usable remains.

    Example:
        >>> safe_name("../../etc/passwd.txt")
        'passwd.txt'
    """
    name = unicodedata.normalize("NFC", name).replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > _MAX_NAME:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: _MAX_NAME - len(suffix) - 1] + dot + suffix) if dot and len(suffix) < 10 else name[:_MAX_NAME]
    return name


def safe_relative(member: str) -> Path | None:
    """A relative path built from the safe parts of an archive member name, or None."""
    parts = [safe_name(p) for p in PurePosixPath(member.replace("\\", "/")).parts if p not in ("", ".", "..", "/")]
    parts = [p for p in parts if p]
    return Path(*parts) if parts else None


def save_uploads(paths: Iterable[str | Path], dest: str | Path, policy: UploadPolicy = UploadPolicy()) -> UploadResult:
    """Copy uploaded files into `dest`, extracting zip archives; never raise for a bad upload.

    Args:
        paths: Temporary files as received; their base names are the browser's names.
        dest: The uploads folder (created if missing).
        policy: Allowed extensions and size limits.

    Returns:
        What was saved and what was rejected, with reasons.
    """
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    result = UploadResult()
    for source in map(Path, paths):
        name = safe_name(source.name)
        reason = _check(name, _size(source), policy)
        if reason:
            result.rejected.append(Rejected(source.name, reason))
        elif name.lower().endswith(".zip"):
            _extract(source, dest / Path(name).stem, policy, result)
        else:
            target = _inside(dest, Path(name))
            existing = _same_content(source, target)
            if existing is None:
                target = _free_name(target)
                shutil.copyfile(source, target)
            result.saved.append(target)
    return result


def discard_upload(path: str | Path, dest: str | Path) -> bool:
    """Delete `path` if it is a file inside the uploads folder `dest`; True if deleted.

    Files outside the uploads folder are the user's own and are never touched.
    """
    root, target = Path(dest).resolve(), Path(path).resolve()
    if root not in target.parents or not target.is_file():
        return False
    target.unlink()
    return True


def _check(name: str, size: int | None, policy: UploadPolicy) -> str | None:
    suffix = Path(name).suffix.lower()
    if not name or not Path(name).stem:
        return "no usable file name"
    if suffix not in policy.allowed_extensions:
        return f"file type not allowed ({suffix or 'no extension'})"
    if size is None:
        return "cannot read the uploaded file"
    if size > policy.max_bytes:
        return f"too large ({_human(size)}; limit {_human(policy.max_bytes)})"
    return None


def _extract(archive: Path, folder: Path, policy: UploadPolicy, result: UploadResult) -> None:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        result.rejected.append(Rejected(archive.name, f"not a readable zip archive ({exc})"))
        return
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > policy.max_zip_members:
            result.rejected.append(Rejected(archive.name, f"archive has {len(members)} files (limit {policy.max_zip_members})"))
            return
        budget = policy.max_zip_bytes
        for member in members:
            label = f"{archive.name}: {member.filename}"
            relative = safe_relative(member.filename)
            if relative is None:
                result.rejected.append(Rejected(label, "no usable file name"))
                continue
            if relative.suffix.lower() == ".zip":
                result.rejected.append(Rejected(label, "nested archives are not extracted"))
                continue
            if _is_symlink(member):
                result.rejected.append(Rejected(label, "symbolic links are not extracted"))
                continue
            reason = _check(relative.name, member.file_size, policy)
            if reason is None and member.file_size > budget:
                reason = f"archive expands beyond {_human(policy.max_zip_bytes)}"
            if reason:
                result.rejected.append(Rejected(label, reason))
                continue
            target = None
            try:
                target = _free_name(_inside(folder, relative))
                # The declared size can lie: count the bytes actually written.
                written = _copy_limited(zf, member, target, min(policy.max_bytes, budget))
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as exc:
                if target is not None:
                    target.unlink(missing_ok=True)
                result.rejected.append(Rejected(label, f"cannot extract ({exc})"))
                continue
            budget -= written
            earlier = _same_content(target, target.with_name(relative.name)) if target.name != relative.name else None
            if earlier is not None:
                target.unlink()
                target = earlier
            result.saved.append(target)


def _copy_limited(zf: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, limit: int) -> int:
    written = 0
    with zf.open(member) as source, open(target, "wb") as sink:
        while block := source.read(1 << 20):
            written += len(block)
            if written > limit:
                raise ValueError("expands beyond the size limit")
            sink.write(block)
    return written


def _same_content(source: Path, target: Path) -> Path | None:
    """`target` or a numbered sibling already holding exactly the bytes of `source`, else None."""
    for candidate in [target, *sorted(target.parent.glob(f"{glob_escape(target.stem)} (*){glob_escape(target.suffix)}"))]:
        if candidate != source and candidate.is_file() and filecmp.cmp(source, candidate, shallow=False):
            return candidate
    return None


def _free_name(target: Path) -> Path:
    """`target`, or `name (2).ext`, `name (3).ext`, ... if taken: an upload never replaces an earlier one."""
    candidate, n = target, 1
    while candidate.exists():
        n += 1
        candidate = target.with_name(f"{target.stem} ({n}){target.suffix}")
    return candidate


def _inside(root: Path, relative: Path) -> Path:
    """`root / relative`, refusing anything that resolves outside `root`."""
    root = root.resolve()
    target = (root / relative).resolve()
    if root != target.parent and root not in target.parents:
        raise ValueError(f"refusing to write outside the uploads folder: {relative}")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _is_symlink(member: zipfile.ZipInfo) -> bool:
    return (member.external_attr >> 16) & 0o170000 == 0o120000


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _human(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size:,} bytes"
