"""`foi cases` and `foi case` without the search and answer stack: an index's snapshots, upgraded if needed.

`Assistant` imports the embedder, FAISS search, answer composition and their
libraries; listing cases reads only the stored case tables, so the command
opens the index through this smaller object (the same `Browsing.cases`).
"""

from __future__ import annotations

import logging

from assistant.browse import Browsing
from index.directory import IndexDirectory
from index.migrations import pending, upgrade
from index.snapshots import Snapshots

logger = logging.getLogger(__name__)


class CaseReader(Browsing):
    """The cases of the index in `settings.index_dir` (`cases`, `case`; see `assistant.browse.Browsing`)."""

    def __init__(self, settings):
        self.settings = settings
        self.directory = IndexDirectory(settings.index_dir)
        if self.directory.exists() and pending(self.directory.read_manifest().migrations):
            applied = upgrade(self.directory, lock_timeout=settings.lock_timeout)
            logger.warning("upgraded the index at %s to the current format (%s)", self.directory.root,
                           ", ".join(applied))
        self.snapshots = Snapshots(self.directory)

    def close(self) -> None:
        self.snapshots.close()
