"""The store's two kinds of SQLite connection: the one writer's, and a reader snapshot's pool.

The store is one WAL-mode database written in place. A writer's changes all belong to one
transaction (`WriteConnection`), so readers see none of them until its COMMIT. A read snapshot
(`PinnedConnections`) keeps a read transaction open on each of its connections, all at the same
committed generation, and lends them out one statement at a time: any thread may run a statement
(Gradio runs a streaming answer's steps on different threads), and no statement ever runs on a
connection that sees a later generation than the snapshot's.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from index.generation_row import generation_number

READERS_PER_SNAPSHOT = 4
"""Connections one snapshot may hold, so that threads reading it at once do not queue."""


class SnapshotGone(RuntimeError):
    """The snapshot released its read transactions and the store has moved on since."""


def _statements(script: str):
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                yield pending
            pending = ""


class WriteConnection:
    """The writer's connection: everything it runs belongs to one transaction (`BEGIN IMMEDIATE`,
    opened by the first statement) until `commit_transaction()`. `with connection:` is a savepoint,
    and `executescript` runs statement by statement, so neither commits half a write."""

    def __init__(self, path: Path):
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")  # a COMMIT is on disk when it returns
        self._db = db
        self._depth = 0

    def _begin(self) -> None:
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")

    def execute(self, sql: str, parameters=()):
        self._begin()
        return self._db.execute(sql, parameters)

    def executemany(self, sql: str, rows):
        self._begin()
        return self._db.executemany(sql, rows)

    def executescript(self, script: str) -> None:
        for statement in _statements(script):
            self.execute(statement)

    def commit(self) -> None:
        """Nothing: only the index directory commits, once, at the end of a write."""

    def commit_transaction(self) -> None:
        if self._db.in_transaction:
            self._db.execute("COMMIT")

    def rollback_transaction(self) -> None:
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def checkpoint(self) -> tuple[int, int, int]:
        """Copy the WAL into the database file, and empty it when no reader is behind; never waits."""
        self._db.execute("PRAGMA busy_timeout = 0")
        try:
            return tuple(self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
        finally:
            self._db.execute("PRAGMA busy_timeout = 5000")

    def __enter__(self):
        self._begin()
        self._depth += 1
        self._db.execute(f"SAVEPOINT foi_{self._depth}")
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        name = f"foi_{self._depth}"
        self._depth -= 1
        if not self._db.in_transaction:  # SQLite rolled the whole transaction back itself (a full disk)
            return False
        if exc_type is not None:
            self._db.execute(f"ROLLBACK TO {name}")
        self._db.execute(f"RELEASE {name}")
        return False

    def close(self) -> None:
        self._db.close()

    def __getattr__(self, name):
        return getattr(self._db, name)


class _Rows:
    """The fetched rows of one statement, read like a cursor."""

    def __init__(self, rows: list):
        self._rows = rows
        self._next = 0

    def fetchone(self):
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> list:
        rest, self._next = self._rows[self._next :], len(self._rows)
        return rest

    def __iter__(self):
        return iter(self.fetchall())


class PinnedConnections:
    """Read connections of one snapshot, each in a read transaction at generation `generation`.

    The first connection fixes the generation (None for a bare store without a generation row).
    More are opened while the store is still at it; once it has moved on, the snapshot makes do
    with the connections it has. `unpin()` ends the read transactions (an idle snapshot must not
    keep the WAL from being checkpointed); `pin()` starts one again if the store is unchanged.
    """

    def __init__(self, uri: str, *, size: int = READERS_PER_SNAPSHOT):
        self._uri = uri
        self._size = size
        self._all: list[sqlite3.Connection] = []
        self._free: list[sqlite3.Connection] = []
        self._busy = 0
        self._can_grow = True
        self._cond = threading.Condition()
        db = self._connect()
        db.execute("BEGIN")
        try:
            self.generation = generation_number(db)
        except sqlite3.DatabaseError:
            self.close()
            raise
        self._free.append(db)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._uri, uri=True, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        self._all.append(db)
        return db

    def _try_pin(self, db: sqlite3.Connection) -> bool:
        if db.in_transaction:
            return True
        db.execute("BEGIN")
        if generation_number(db) == self.generation:
            return True
        db.execute("ROLLBACK")
        return False

    def _borrow(self) -> sqlite3.Connection:
        with self._cond:
            while True:
                for db in list(self._free):
                    self._free.remove(db)
                    if self._pinned_or_dropped(db):
                        return db
                if self._can_grow and len(self._all) < self._size:
                    db = self._connect()
                    if self._pinned_or_dropped(db):
                        return db
                    continue
                if self._busy == 0:
                    raise SnapshotGone("this snapshot's generation is no longer the store's; open a new one")
                self._cond.wait()

    def _pinned_or_dropped(self, db: sqlite3.Connection) -> bool:
        """Pin `db` at the snapshot's generation (counted busy), or close it: the store has moved on,
        so no new connection could see this generation either."""
        if self._try_pin(db):
            self._busy += 1
            return True
        self._all.remove(db)
        db.close()
        self._can_grow = False
        return False

    def _give_back(self, db: sqlite3.Connection) -> None:
        with self._cond:
            self._busy -= 1
            self._free.append(db)
            self._cond.notify()

    def execute(self, sql: str, parameters=()) -> _Rows:
        db = self._borrow()
        try:
            return _Rows(db.execute(sql, parameters).fetchall())
        finally:
            self._give_back(db)

    def pin(self) -> bool:
        """Make sure one connection holds a read transaction at the snapshot's generation."""
        with self._cond:
            if self._busy or any(db.in_transaction for db in self._free):
                return True
            for db in self._free:
                if self._try_pin(db):
                    self._can_grow = True
                    return True
            return False

    def unpin(self) -> None:
        """End the read transactions of the idle connections."""
        with self._cond:
            for db in self._free:
                if db.in_transaction:
                    db.execute("ROLLBACK")

    def close(self) -> None:
        with self._cond:
            connections, self._all, self._free = self._all, [], []
        for db in connections:
            db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False
