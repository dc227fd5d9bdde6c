"""Zip archives: every member in a supported format becomes a document, read in memory.

Nothing is extracted to disk. Each member passes ingest/zipguard.py first;
`part` is the member's path inside the archive ("2019/response.pdf"), and a
document from inside a member keeps its own part after it
("bundle.mbox / message 2"). A zip inside the zip is read too, one level deep.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePosixPath

from ingest.documents import Skipped
from ingest.errors import SkippedFile
from ingest.readers.base import ReadResult, one_line
from ingest import zipguard
from ingest.zipguard import Budget, ZipLimits

logger = logging.getLogger(__name__)

MAX_NESTING = 1  # a zip inside a zip is read; a zip inside that one is not

# The limits come from the caller's settings through `read_bytes(..., zip_limits=)`; a context
# variable carries them (and the budget an outer archive shares with its nested ones) through
# the readers in between, whose signature is only (data, name).
_LIMITS: contextvars.ContextVar[ZipLimits] = contextvars.ContextVar("zip_limits", default=ZipLimits())
_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("zip_budget", default=None)
_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("zip_depth", default=0)


@contextmanager
def limits_in_force(limits: ZipLimits | None) -> Iterator[None]:
    """Apply `limits` to every archive read inside the block (None keeps the current ones)."""
    if limits is None:
        yield
        return
    token = _LIMITS.set(limits)
    try:
        yield
    finally:
        _LIMITS.reset(token)


def current_limits() -> ZipLimits:
    """The zip limits in force for the file being read."""
    return _LIMITS.get()


def read(data: bytes, name: str) -> ReadResult:
    """Read the supported members of a zip archive.

    Args:
        data: The archive's bytes.
        name: The archive's file name.

    Returns:
        One document per readable member (and per message or attachment inside one),
        and the members skipped or refused, each with its reason.

    Raises:
        SkippedFile: Not a zip, nested too deep, too many members, or a zip bomb.
    """
    depth = _DEPTH.get()
    if depth > MAX_NESTING:
        raise SkippedFile("nested archive not read (only one level of zips inside a zip is read)")
    limits = _LIMITS.get()
    budget = _BUDGET.get() or Budget(limits)
    with zipguard.open_zip(data, ".zip") as archive:
        # A nested archive may only expand into what its outer one has left.
        checked = zipguard.plan(archive, limits, remaining=budget.remaining if depth else None)
        if not checked.members and not checked.refused:
            raise SkippedFile("empty archive (no files)")
        result = ReadResult(skipped=list(checked.refused))
        budget_token, depth_token = _BUDGET.set(budget), _DEPTH.set(depth + 1)
        try:
            for path, info in checked.members:
                _read_member(archive, path, info, budget, result)
        finally:
            _BUDGET.reset(budget_token)
            _DEPTH.reset(depth_token)
    return result


def _read_member(archive, path: str, info, budget: Budget, result: ReadResult) -> None:
    # Imported here because the dispatcher imports this module.
    from ingest.readers.dispatch import SUPPORTED_EXTENSIONS, read_bytes, unsupported_reason

    if PurePosixPath(path).suffix.lower() not in SUPPORTED_EXTENSIONS:
        result.skipped.append(Skipped(path=path, reason=unsupported_reason(path)))
        return
    try:
        data = zipguard.read_member(archive, info, budget)
        inner = read_bytes(data, PurePosixPath(path).name)
    except SkippedFile as exc:
        if exc.reason.startswith("zip bomb"):
            raise  # the budget is shared: the archive as a whole is refused
        result.skipped.append(Skipped(path=path, reason=exc.reason))
        return
    except Exception as exc:
        logger.debug("%s could not be read", path, exc_info=True)
        result.skipped.append(Skipped(path=path, reason=f"could not be read: {type(exc).__name__}: {one_line(exc)}"))
        return
    for document in inner.documents:
        document.part = path if document.part is None else f"{path} / {document.part}"
        result.documents.append(document)
    for skipped in inner.skipped:
        result.skipped.append(Skipped(path=f"{path} / {skipped.path}", reason=skipped.reason))
