"""Precomputed document frequencies of the passage index's FTS5 terms (the `term_counts` table).

`term_counts(term, passages)` holds, for every term FTS5 indexed, how many passages contain it.
It is kept exact on every add and remove: a passage's distinct terms are read from a temporary
FTS5 table with the same tokenizer as `passages` (so FTS5 itself tokenises, nothing is
re-implemented), through fts5vocab. Summing it over a prefix is one b-tree range scan, where
summing fts5vocab 'row' reads every term's postings.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

TOKENIZER = "unicode61 remove_diacritics 2"
"""Must stay the tokenizer of the `passages` table (index/store.py)."""

TERM_COUNTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS term_counts (term TEXT PRIMARY KEY, passages INTEGER NOT NULL) WITHOUT ROWID;
"""


def _scratch(db: sqlite3.Connection) -> None:
    """The temporary, contentless FTS5 table (and its vocabulary) that tokenises passages being added or removed."""
    db.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.term_scratch USING fts5(text, content = '', tokenize = '{TOKENIZER}')")
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.term_scratch_vocab USING fts5vocab(temp, 'term_scratch', 'row')")


def has_term_counts(db: sqlite3.Connection) -> bool:
    row = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'term_counts'").fetchone()
    return row is not None


def stage_term_counts(db: sqlite3.Connection, texts: Iterable[str]) -> None:
    """Tokenise `texts` (one passage each) into the scratch table; `apply_term_counts` counts them."""
    _scratch(db)
    db.executemany("INSERT INTO temp.term_scratch(text) VALUES (?)", ((text,) for text in texts))


def apply_term_counts(db: sqlite3.Connection, sign: int) -> None:
    """Add (sign 1) or subtract (sign -1) the distinct terms of the staged passages, then empty the stage.

    One statement for however many passages were staged: a bulk add costs one aggregation, not one per passage.
    """
    _scratch(db)
    db.execute(
        "INSERT INTO term_counts(term, passages) SELECT term, ? * doc FROM temp.term_scratch_vocab WHERE true "
        "ON CONFLICT(term) DO UPDATE SET passages = passages + excluded.passages",
        (sign,),
    )
    if sign < 0:  # only the staged terms can have reached 0: look them up, not the whole table
        db.execute("DELETE FROM term_counts WHERE term IN (SELECT term FROM temp.term_scratch_vocab) AND passages <= 0")
    db.execute("INSERT INTO temp.term_scratch(term_scratch) VALUES ('delete-all')")


def fill_term_counts(db: sqlite3.Connection) -> None:
    """Recount every term from the passage index's own vocabulary in one pass (migration, bulk builds)."""
    db.executescript(TERM_COUNTS_SCHEMA)
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.passage_terms USING fts5vocab(main, 'passages', 'row')")
    db.execute("DELETE FROM term_counts")
    db.execute("INSERT INTO term_counts(term, passages) SELECT term, doc FROM temp.passage_terms")


def prefix_counts(db: sqlite3.Connection, prefixes: Iterable[str]) -> dict[str, int]:
    """How many passages hold a term starting with each prefix, summed over `term_counts`."""
    counts = {}
    for prefix in prefixes:
        row = db.execute(
            "SELECT COALESCE(SUM(passages), 0) FROM term_counts WHERE term >= ? AND term < ?",
            (prefix, prefix + "\uffff"),
        ).fetchone()
        counts[prefix] = int(row[0])
    return counts
