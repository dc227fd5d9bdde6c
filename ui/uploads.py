"""Save browser uploads into the uploads folder, safely.

A file name from the browser is untrusted: only its last component is kept and
unusual characters are replaced, so `../` or an absolute path cannot escape the
folder. Zip archives are extracted member by member through ingest/zipguard.py,
the guard `foi ingest` uses: members whose names escape the folder, encrypted
members and links are refused, and so are archives over the member count,
total size or compression ratio limits (zip bombs).
"""

from __future__ import annotations

import filecmp
import re
import shutil
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from glob import escape as glob_escape
from pathlib import Path, PurePosixPath

from ingest import zipguard
from ingest.errors import SkippedFile
from ingest.readers import SUPPORTED_EXTENSIONS
from ingest.zipguard import ZipLimits

_UNSAFE = re.compile(r"[^\w.\- ()+,@=]")
_MAX_NAME = 180


@dataclass(frozen=True)
class UploadPolicy:
    """What may be uploaded.

    Attributes:
        allowed_extensions: Lower-case suffixes accepted (".zip" enables archives).
        max_bytes: Largest accepted file, and largest member of an archive.
        zip_limits: Member count, total size and compression ratio an archive may have.
    """

    allowed_extensions: frozenset[str] = frozenset(SUPPORTED_EXTENSIONS)
    max_bytes: int = 100_000_000
    zip_limits: ZipLimits = ZipLimits()

    @classmethod
    def from_settings(cls, settings) -> "UploadPolicy":
        """The policy set by `settings.upload_extensions`, `settings.max_upload_mb` and the `zip_*` settings."""
        extensions = {e.strip().lower() for e in settings.upload_extensions if e.strip()}
        return cls(
            allowed_extensions=frozenset(e if e.startswith(".") else "." + e for e in extensions),
            max_bytes=int(settings.max_upload_mb * 1_000_000),
            zip_limits=settings.zip_limits,
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
    # The same guard as `foi ingest` (ingest/zipguard.py); a member may be as large as an upload.
    limits = replace(policy.zip_limits, max_member_bytes=policy.max_bytes)
    saved_before, rejected_before = len(result.saved), len(result.rejected)
    try:
        with zipguard.open_zip(str(archive), "zip archive") as zf:
            checked = zipguard.plan(zf, limits)
            for refused in checked.refused:
                result.rejected.append(Rejected(f"{archive.name}: {refused.path}", refused.reason))
            budget = zipguard.Budget(limits)
            for path, member in checked.members:
                _extract_member(zf, archive.name, path, member, folder, policy, budget, result)
    except SkippedFile as exc:
        # Refused as a whole (a bomb found while extracting): take back what it had written.
        for path in result.saved[saved_before:]:
            path.unlink(missing_ok=True)
        del result.saved[saved_before:], result.rejected[rejected_before:]
        result.rejected.append(Rejected(archive.name, exc.reason))


def _extract_member(zf, archive_name, path, member, folder, policy, budget, result) -> None:
    label = f"{archive_name}: {member.filename}"
    relative = safe_relative(path)
    reason = "no usable file name" if relative is None else _check(relative.name, member.file_size, policy)
    if reason:
        result.rejected.append(Rejected(label, reason))
        return
    target = None
    try:
        data = zipguard.read_member(zf, member, budget)
        target = _free_name(_inside(folder, relative))
        target.write_bytes(data)
    except SkippedFile as exc:
        if exc.reason.startswith("zip bomb"):
            raise
        result.rejected.append(Rejected(label, exc.reason))
        return
    except (OSError, ValueError) as exc:
        if target is not None:
            target.unlink(missing_ok=True)
        result.rejected.append(Rejected(label, f"cannot extract ({exc})"))
        return
    earlier = _same_content(target, target.with_name(relative.name)) if target.name != relative.name else None
    if earlier is not None:
        target.unlink()
        target = earlier
    result.saved.append(target)


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


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _human(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size:,} bytes"
