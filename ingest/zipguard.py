"""The one guard every zip archive passes, whether `foi ingest` reads it or the UI unpacks it.

A zip from an FOI response is untrusted: a member name can point outside any
folder (`../`, `/etc/...`, `C:\\...`), a member can be encrypted or a
symbolic link, and a small archive can expand to gigabytes (a zip bomb). The
guard refuses such members one by one, and whole archives whose member count,
total expanded size or compression ratio exceed the limits, before anything
is decompressed. Reading a member counts the bytes really produced, so a size
in the archive's directory that lies cannot get past the budget either.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ingest.documents import Skipped
from ingest.errors import SkippedFile

_MB = 1_000_000
# Below this size a member's compression ratio says nothing (a 2 kB run of spaces compresses 200:1).
RATIO_MIN_BYTES = _MB
_SKIPPED_FOLDERS = {"__MACOSX"}


@dataclass(frozen=True)
class ZipLimits:
    """How much one archive may hold (from settings `zip_max_total_mb`, `zip_max_ratio`, `zip_max_members`).

    Attributes:
        max_total_bytes: Most bytes the archive's members may expand to, nested archives included.
        max_ratio: Largest expanded-to-compressed ratio of a member of at least 1 MB.
        max_members: Most files in one archive.
        max_member_bytes: Largest single member (a file's own size limit, `max_file_mb`).
    """

    max_total_bytes: int = 1_000 * _MB
    max_ratio: float = 100.0
    max_members: int = 2_000
    max_member_bytes: int = 100 * _MB


@dataclass
class ZipPlan:
    """The members that may be read, in archive order, and those refused with a reason."""

    members: list[tuple[str, zipfile.ZipInfo]] = field(default_factory=list)
    refused: list[Skipped] = field(default_factory=list)


class Budget:
    """Bytes an archive (and the archives inside it) may still expand to."""

    def __init__(self, limits: ZipLimits):
        self.limits = limits
        self.remaining = limits.max_total_bytes

    def spend(self, count: int) -> None:
        self.remaining -= count
        if self.remaining < 0:
            raise SkippedFile(f"zip bomb: expands beyond the {size_text(self.limits.max_total_bytes)} limit")


def open_zip(source: bytes | str, label: str = ".zip") -> zipfile.ZipFile:
    """Open an archive from its bytes or a path; a file that is not one is a SkippedFile."""
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise SkippedFile(f"corrupt {label}: {exc}") from exc


def plan(archive: zipfile.ZipFile, limits: ZipLimits, remaining: int | None = None) -> ZipPlan:
    """Check an archive's directory, before decompressing anything.

    Args:
        archive: The open archive.
        limits: The limits in force.
        remaining: For an archive inside another, the bytes its outer archive has left.

    Returns:
        The members to read as (path inside the archive, info), and the refused ones
        (`Skipped.path` is the member's name as stored).

    Raises:
        SkippedFile: The whole archive is refused: too many members, or a zip bomb
            (total expanded size or a member's compression ratio over the limits).
    """
    files = [info for info in archive.infolist() if not info.is_dir()]
    if len(files) > limits.max_members:
        raise SkippedFile(f"archive has {len(files):,} members (limit {limits.max_members:,})")
    total = sum(info.file_size for info in files)
    if total > limits.max_total_bytes:
        raise SkippedFile(
            f"zip bomb: members expand to {size_text(total)} (limit {size_text(limits.max_total_bytes)})"
        )
    if remaining is not None and total > remaining:
        raise SkippedFile(
            f"zip bomb: a nested archive expands to {size_text(total)}, beyond what is left of the "
            f"{size_text(limits.max_total_bytes)} limit"
        )
    for info in files:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= RATIO_MIN_BYTES and ratio > limits.max_ratio:
            raise SkippedFile(
                f"zip bomb: {info.filename} expands {ratio:,.0f} times (limit {limits.max_ratio:g})"
            )
    result = ZipPlan()
    for info in files:
        path, reason = member_path(info.filename)
        if reason is None:
            reason = _member_problem(info, limits)
        if reason is None and path is not None:
            result.members.append((path, info))
        else:
            result.refused.append(Skipped(path=info.filename, reason=reason or "no usable name"))
    return result


def member_path(name: str) -> tuple[str | None, str | None]:
    """The member's path inside the archive, or None and why it is refused.

    Example:
        >>> member_path("../../etc/passwd")
        (None, 'unsafe path in archive (escapes the archive folder)')
    """
    unified = name.replace("\\", "/")
    parts = unified.split("/")
    if unified.startswith("/") or (len(parts[0]) == 2 and parts[0][1] == ":"):
        return None, "unsafe path in archive (absolute path)"
    if ".." in parts:
        return None, "unsafe path in archive (escapes the archive folder)"
    if any(ord(ch) < 32 for ch in unified):
        return None, "unsafe path in archive (control characters in the name)"
    kept = [part for part in parts if part not in ("", ".")]
    if not kept:
        return None, "no usable name"
    if any(part.startswith(".") or part in _SKIPPED_FOLDERS for part in kept):
        return None, "hidden file"
    return str(PurePosixPath(*kept)), None


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget) -> bytes:
    """A member's bytes, counted against `budget` as they are decompressed.

    Raises:
        SkippedFile: The member is corrupt, or the archive ran out of budget.
    """
    limit = budget.limits.max_member_bytes
    chunks, size = [], 0
    try:
        with archive.open(info) as source:
            while block := source.read(1 << 20):
                size += len(block)
                budget.spend(len(block))
                if size > limit:
                    raise SkippedFile(f"larger than the {size_text(limit)} limit")
                chunks.append(block)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError, NotImplementedError) as exc:
        raise SkippedFile(f"corrupt archive member: {exc}") from exc
    return b"".join(chunks)


def _member_problem(info: zipfile.ZipInfo, limits: ZipLimits) -> str | None:
    if info.flag_bits & 0x1:
        return "encrypted archive member (password required)"
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        return "symbolic link in archive"
    if info.file_size > limits.max_member_bytes:
        return f"larger than the {size_text(limits.max_member_bytes)} limit ({size_text(info.file_size)})"
    return None


def size_text(size: int) -> str:
    """`5,000 bytes` or `1.5 MB` (1 MB = 1,000,000 bytes), for a reason line."""
    return f"{size:,} bytes" if size < 100_000 else f"{size / _MB:,.1f}".removesuffix(".0") + " MB"
