"""Find the files to ingest under the paths a user gives, and say what is left out."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.documents import Skipped
from ingest.readers import SUPPORTED_EXTENSIONS, unsupported_reason

logger = logging.getLogger(__name__)


@dataclass
class Discovery:
    """The files found, and the paths left out with a reason.

    Attributes:
        files: Supported files, sorted and without duplicates.
        skipped: Paths not ingested (hidden, unsupported, missing, ...), in walk order.
    """

    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def discover(paths: Iterable[Path], *, skip_folders: Iterable[Path] = ()) -> Discovery:
    """Expand files and folders into the list of files to ingest.

    Folders are walked recursively; symlinked folders are followed once each,
    so a link loop ends. Hidden files and folders (name starting with ".")
    found in a folder are skipped, but a path named explicitly is always
    considered. Files are returned as absolute paths with symlinks resolved,
    so one file has one location whatever directory the user typed it from;
    skipped paths are reported as typed.

    Args:
        paths: Files and folders, as the user typed them.
        skip_folders: Folders a walk never enters (the index directory itself, whose
            manifest, lock and stores are not documents); naming one explicitly still reads it.

    Returns:
        The files with a supported extension, and everything else with its reason.
    """
    walker = _Walker({Path(folder).resolve() for folder in skip_folders})
    for path in paths:
        path = Path(path)
        if not path.exists():
            walker.skip(path, "no such file or folder")
        elif path.is_dir():
            walker.walk(path)
        else:
            walker.add_file(path)
    return Discovery(files=sorted(walker.files.values()), skipped=walker.skipped)


class _Walker:
    def __init__(self, skip_folders: set[Path]) -> None:
        self._skip_folders = skip_folders
        # Keyed (and stored) by the resolved path so one file reached two ways is listed once.
        self.files: dict[Path, Path] = {}
        self.skipped: list[Skipped] = []
        self._seen_folders: set[tuple[int, int]] = set()

    def skip(self, path: Path, reason: str) -> None:
        logger.debug("skipped %s: %s", path, reason)
        self.skipped.append(Skipped(path=str(path), reason=reason))

    def add_file(self, path: Path) -> None:
        if not path.is_file():
            self.skip(path, "not a regular file")
        elif path.suffix.lower() not in SUPPORTED_EXTENSIONS:
            self.skip(path, unsupported_reason(path.name))
        elif path.name.startswith("~$"):
            self.skip(path, "Office lock file")
        else:
            resolved = path.resolve()
            self.files.setdefault(resolved, resolved)

    def walk(self, folder: Path) -> None:
        try:
            info = folder.stat()
            key = (info.st_dev, info.st_ino)
            if key in self._seen_folders:
                self.skip(folder, "folder already scanned (symlink loop or duplicate)")
                return
            self._seen_folders.add(key)
            entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
        except OSError as exc:
            self.skip(folder, f"cannot open folder: {exc.strerror or exc}")
            return
        for entry in entries:
            path = folder / entry.name
            try:
                is_dir = entry.is_dir()
                exists = is_dir or entry.is_file()
            except OSError as exc:
                self.skip(path, f"cannot open: {exc.strerror or exc}")
                continue
            if entry.name.startswith("."):
                self.skip(path, "hidden folder" if is_dir else "hidden file")
            elif not exists and entry.is_symlink():
                self.skip(path, "broken link (no such file or folder)")
            elif is_dir and path.resolve() in self._skip_folders:
                logger.info("not reading %s: it is the index directory", path)
            elif is_dir:
                self.walk(path)
            else:
                self.add_file(path)
