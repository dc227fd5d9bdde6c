"""Cases stored at ingest: which locations form which case, refreshed only where a write touched.

`case_members` holds every location with the case it belongs to (NULL for a
mailbox attachment, which no case lists), its place in the case's reading order
and the compact FOI fields a case reads (`ingest.foi.case_links.case_fields`);
`case_refs` maps each reference to the cases holding it. At the end of every
write, `refresh_cases` compares `case_members` with `locations`: the locations
added, changed or removed, the cases they were in, the cases of the same files
and every case sharing a reference with any of them (to a fixpoint) are grouped
again; every other case stays as stored. A case's status depends on the day it
is asked about, so it is computed at query time (`assistant.cases`).
"""

from __future__ import annotations

import json
import sqlite3

from ingest.foi.case_events import CaseRecord
from index.write_tracking import touched_paths
from ingest.foi.case_links import case_fields, case_record, group_records

CASE_TABLES_SCHEMA = """
CREATE TABLE IF NOT EXISTS case_members (
    path TEXT NOT NULL,
    part TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    case_id TEXT,
    seq INTEGER,
    fields TEXT NOT NULL,
    PRIMARY KEY (path, part)
);
CREATE INDEX IF NOT EXISTS case_members_case ON case_members(case_id, seq);
CREATE TABLE IF NOT EXISTS case_refs (
    ref TEXT NOT NULL,
    case_id TEXT NOT NULL,
    PRIMARY KEY (ref, case_id)
);
CREATE INDEX IF NOT EXISTS case_refs_case ON case_refs(case_id);
"""


def has_case_tables(store) -> bool:
    """Whether the store has the tables (an index written before format 6 has not)."""
    return store._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'case_members'").fetchone() is not None


def stored_case_groups(store) -> dict[str, list[CaseRecord]]:
    """Case id -> its records in reading order, as stored in `store` (an `index.store.Store`)."""
    db = store._db
    groups: dict[str, list[CaseRecord]] = {}
    rows = db.execute("SELECT case_id, doc_id, path, part, fields FROM case_members "
                      "WHERE case_id IS NOT NULL ORDER BY case_id, seq")
    for case_id, doc_id, path, part, fields in rows:
        groups.setdefault(case_id, []).append(case_record(doc_id, path, part or None, json.loads(fields)))
    return groups


def refresh_cases(store, *, everything: bool = False) -> dict[str, int]:
    """Regroup the cases a write touched in `store` (a writable `index.store.Store`; see the module
    docstring), inside the caller's transaction.

    Only the location paths the writer's connection changed are compared
    (`index.write_tracking`), unless `everything` is asked for or no case was ever stored (an
    index written before format 6's migration ran), when every location is.

    Returns:
        `{"locations": touched locations, "cases_before": cases dropped, "cases_after": cases written}`.
    """
    db = store._db
    scope = None if everything or _never_grouped(db) else touched_paths(db)
    if scope is None:
        locations = db.execute("SELECT path, part, doc_id FROM locations")
        current = {(path, part): doc_id for path, part, doc_id in locations}
        known = {(path, part): (doc_id, case_id)
                 for path, part, doc_id, case_id in db.execute("SELECT path, part, doc_id, case_id FROM case_members")}
    else:  # only the paths this write touched can differ between the two tables
        current = _current_of(db, scope)
        known = _known_of(db, "path", scope)
    touched = {loc for loc, doc_id in current.items() if known.get(loc, (None, None))[0] != doc_id}
    touched |= {loc for loc in known if loc not in current}
    if not touched:
        return {"locations": 0, "cases_before": 0, "cases_after": 0}
    fields = _fields_of(db, {current[loc] for loc in touched if loc in current})
    paths = {path for path, _ in touched}
    affected = {case_id for loc, (_, case_id) in known.items() if case_id and (loc in touched or loc[0] in paths)}
    refs = {ref for loc in touched if loc in current for ref in _refs(fields[current[loc]])}
    while True:
        refs |= set(_column(db, "SELECT ref FROM case_refs WHERE case_id IN ({marks})", affected))
        more = set(_column(db, "SELECT case_id FROM case_refs WHERE ref IN ({marks})", refs)) - affected
        if not more:
            break
        affected |= more
    if scope is not None:  # the other members of the affected cases, and where they are now
        known |= _known_of(db, "case_id", affected)
        current |= _current_of(db, {path for path, _ in known} - set(scope))
    regroup = {loc for loc, (_, case_id) in known.items() if case_id in affected or loc in touched}
    regroup |= {loc for loc in current if loc[0] in paths}
    stored = {(path, part): json.loads(text) for path, part, text in _rows(
        db, "SELECT path, part, fields FROM case_members WHERE case_id IN ({marks})", affected)}
    live = [loc for loc in regroup if loc in current]
    missing = {current[loc] for loc in live if loc in touched or loc not in stored} - fields.keys()
    fields |= _fields_of(db, missing)
    records = [case_record(current[loc], loc[0], loc[1] or None,
                           fields[current[loc]] if loc in touched or loc not in stored else stored[loc])
               for loc in live]
    for path, part in regroup:
        db.execute("DELETE FROM case_members WHERE path = ? AND part = ?", (path, part))
    for case_id in affected:
        db.execute("DELETE FROM case_refs WHERE case_id = ?", (case_id,))
    groups = group_records(records)
    placed: set[tuple[str, str]] = set()
    for case_id, members in groups.items():
        for seq, record in enumerate(members):
            placed.add((record.path, record.part or ""))
            db.execute("INSERT INTO case_members VALUES (?, ?, ?, ?, ?, ?)", (
                record.path, record.part or "", record.doc_id, case_id, seq, json.dumps(record.metadata)))
        for ref in {ref for record in members for ref in _refs(record.metadata)}:
            db.execute("INSERT OR IGNORE INTO case_refs VALUES (?, ?)", (ref, case_id))
    for record in records:
        if (record.path, record.part or "") not in placed:
            db.execute("INSERT INTO case_members VALUES (?, ?, ?, NULL, NULL, ?)", (
                record.path, record.part or "", record.doc_id, json.dumps(record.metadata)))
    return {"locations": len(touched), "cases_before": len(affected), "cases_after": len(groups)}


def _never_grouped(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM case_members LIMIT 1").fetchone() is None


def _current_of(db: sqlite3.Connection, paths) -> dict[tuple[str, str], str]:
    return {(path, part): doc_id for path, part, doc_id in _rows(
        db, "SELECT path, part, doc_id FROM locations WHERE path IN ({marks})", paths)}


def _known_of(db: sqlite3.Connection, column: str, values) -> dict[tuple[str, str], tuple[str, str | None]]:
    return {(path, part): (doc_id, case_id) for path, part, doc_id, case_id in _rows(
        db, f"SELECT path, part, doc_id, case_id FROM case_members WHERE {column} IN ({{marks}})", values)}


def _refs(fields: dict) -> list[str]:
    return (fields.get("foi") or {}).get("references") or []


def _fields_of(db: sqlite3.Connection, doc_ids: set[str]) -> dict[str, dict]:
    return {doc_id: case_fields(json.loads(metadata)) for doc_id, metadata in _rows(
        db, "SELECT doc_id, metadata FROM documents WHERE doc_id IN ({marks})", doc_ids)}


def _rows(db: sqlite3.Connection, sql: str, values) -> list[tuple]:
    values = [v for v in dict.fromkeys(values) if v is not None]
    rows: list[tuple] = []
    for begin in range(0, len(values), 500):
        batch = values[begin : begin + 500]
        rows += [tuple(row) for row in db.execute(sql.format(marks=",".join("?" * len(batch))), batch)]
    return rows


def _column(db: sqlite3.Connection, sql: str, values) -> list:
    return [row[0] for row in _rows(db, sql, values)]
