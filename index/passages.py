"""The passage index of a store: FTS5 (BM25) search, planning and statistics, sentence keys and boilerplate."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable

from index import boilerplate_delta, lexical
from index.boilerplate import sentence_keys
from index.lexical import LexicalPlan
from index.term_counts import apply_term_counts, fill_term_counts, has_term_counts, prefix_counts, stage_term_counts
from ingest.context import embedded_text

BOILERPLATE_IN_MEMORY = 200_000
"""A committed generation with at most this many boilerplate passages keeps their table in memory."""
LEXICAL_OPTIMIZE_MAX_PASSAGES = 100_000
"""Up to this many passages, every write merges FTS5 into one segment (well under a second)."""
LEXICAL_MERGE_PAGES = 2_000
"""Above it, a write does at most this many pages (4 KB each) of FTS5 merge work."""


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()  # index.pipeline.text_hash, without the model's imports


class PassageIndex:
    """The passage side of `index.store.Store`, which mixes it in: one FTS5 text row per vector id,
    its sentence keys, and each passage's boilerplate share.

    Expects `_db` (the store's connection), `_rows_in`, `_readonly` (a committed generation, which
    never changes), `_clause_counts` (what such a generation has counted so far) and `_boilerplate`.
    """

    _db: sqlite3.Connection
    _readonly: bool
    _clause_counts: dict[tuple[str, int], int]
    _boilerplate: dict[int, tuple[float, str]] | bool | None

    def lexical_search(
        self, match: str, limit: int, *, budget: int | None = None, ceiling: int | None = None
    ) -> list[tuple[int, float]]:
        """(vector_id, BM25 score) pairs for an FTS5 MATCH expression, best first.

        SQLite's bm25() is negative, lower is better; it is negated here. On a
        collection of more than `budget` (default `lexical.scoring_budget`: 2% of the passages, 100 to 20,000)
        passages, an expression made by `lexical.match_expression` is first
        narrowed so that it scores about `budget` of them at most
        (`lexical.plan`: the most frequent clauses are left out). When no clause
        fits, the budget doubles up to `ceiling` (default `lexical.SCORED_PASSAGES`,
        or `budget` when one is given) until the rarest clauses fit; a query of only
        words commoner than that lists the newest passages holding them all, with score 0.
        """
        if not match:
            return []
        chosen = self.lexical_plan(match, budget, ceiling)
        if chosen.ranked:
            rows = self._db.execute(
                "SELECT rowid, bm25(passages) FROM passages WHERE passages MATCH ? ORDER BY bm25(passages) LIMIT ?",
                (chosen.match, limit),
            )
            return [(int(row[0]), -float(row[1])) for row in rows]
        # Only common words: the newest passages holding all of them (vector ids only grow), score 0.
        for expression in (chosen.match, chosen.fallback):
            rows = self._db.execute(
                "SELECT rowid FROM passages WHERE passages MATCH ? ORDER BY rowid DESC LIMIT ?", (expression, limit)
            ).fetchall()
            if rows:
                break
        return [(int(row[0]), 0.0) for row in rows]

    def lexical_plan(self, match: str, budget: int | None = None, ceiling: int | None = None) -> LexicalPlan:
        """How `lexical_search` will run `match`: unchanged when the collection is small or
        the expression is not one `match_expression` made."""
        parts = lexical.clauses(match)
        total = self.passage_count()
        if ceiling is None:
            ceiling = lexical.SCORED_PASSAGES if budget is None else budget
        budget = lexical.scoring_budget(total) if budget is None else budget
        if parts is None or total <= budget:
            return LexicalPlan(match)
        parts = lexical.possessives_as_words(parts)
        # Counting stops just past the budget: a common word costs no more to rule out than a rare one.
        chosen = lexical.plan(parts, self._count_clauses(parts, budget + 1), budget)
        # The share budget is about quality, SCORED_PASSAGES about cost: when no word of the query is
        # rare by the share ("agency" in 143 of 5,462 passages), rank by the rarest words within the
        # smallest doubled budget that holds one, rather than list the passages holding every word.
        while not chosen.ranked and budget < ceiling:
            budget = min(2 * budget, ceiling)
            chosen = lexical.plan(parts, self._count_clauses(parts, budget + 1), budget)
        return chosen

    def _count_clauses(self, parts: list[str], cap: int) -> dict[str, int]:
        """How many passages each clause matches, up to `cap`: one statement for the clauses
        not yet counted (a committed generation remembers its counts)."""
        counts = {part: self._clause_counts[(part, cap)] for part in parts if (part, cap) in self._clause_counts}
        missing = [part for part in parts if part not in counts]
        one = "(SELECT COUNT(*) FROM (SELECT 1 FROM passages WHERE passages MATCH ? LIMIT ?))"
        for begin in range(0, len(missing), 200):  # within SQLite's limit on parameters
            batch = missing[begin : begin + 200]
            row = self._db.execute(
                "SELECT " + ", ".join([one] * len(batch)), [value for part in batch for value in (part, cap)]
            ).fetchone()
            counts.update(zip(batch, (int(value) for value in row)))
        if missing and self._readonly:
            if len(self._clause_counts) > 100_000:  # a bound on memory for a long-running server
                self._clause_counts.clear()
            self._clause_counts.update(((part, cap), counts[part]) for part in missing)
        return counts

    def optimize_lexical(self) -> None:
        """Merge the FTS5 index after a write, at a cost bounded by the change.

        With one segment, a term's postings are found with one b-tree look-up instead of one per
        segment (on the Sheffield corpus, lexical search went from 0.8 to 0.3 ms), so a small
        index is merged whole. A large one would pay seconds to rewrite every posting for a
        one-document change; there a bounded 'merge' (at most `LEXICAL_MERGE_PAGES` pages of
        work) folds small segments in, and FTS5's automerge keeps the segment count logarithmic.
        """
        if self.passage_count() <= LEXICAL_OPTIMIZE_MAX_PASSAGES:
            self._db.execute("INSERT INTO passages(passages) VALUES ('optimize')")
        else:
            self._db.execute("INSERT INTO passages(passages, rank) VALUES ('merge', ?)", (LEXICAL_MERGE_PAGES,))

    def passage_count(self) -> int:
        """How many passages the lexical index holds, read from FTS5's own statistics.

        FTS5 keeps the row count that bm25() uses as the first varint of its
        "averages" record (rowid 1 of the `passages_data` shadow table), so this
        costs one look-up where `COUNT(*)` reads every row.
        """
        row = self._db.execute("SELECT block FROM passages_data WHERE id = 1").fetchone()
        if row is None or not row[0]:
            return 0
        # An SQLite varint: big-endian groups of 7 bits while the high bit is set; a ninth byte counts 8.
        value = 0
        for i, byte in enumerate(bytes(row[0])[:9]):
            if i == 8:
                return (value << 8) | byte
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        return value

    def vectors_without_passages(self) -> list[int]:
        rows = self._db.execute("SELECT vector_id FROM vectors WHERE vector_id NOT IN (SELECT rowid FROM passages)")
        return [row[0] for row in rows]

    def term_document_counts(self, prefixes: Iterable[str]) -> tuple[int, dict[str, int]]:
        """How many passages hold a word starting with each prefix, and how many passages there are.

        Prefixes stand in for stems ("seiz" counts "seized" and "seizures"). Read from the
        precomputed `term_counts` table (`index.term_counts`); an index from before m005 that has
        not been upgraded sums FTS5's vocabulary instead (the same numbers, slower).
        """
        total = self.passage_count()
        if self._counts_terms():
            self.flush_term_counts()
            return total, prefix_counts(self._db, prefixes)
        self._db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.passage_terms USING fts5vocab(main, 'passages', 'row')")
        counts = {}
        for prefix in prefixes:
            row = self._db.execute(
                "SELECT COALESCE(SUM(doc), 0) FROM temp.passage_terms WHERE term >= ? AND term < ?",
                (prefix, prefix + "\uffff"),
            ).fetchone()
            counts[prefix] = int(row[0])
        return total, counts

    def _counts_terms(self) -> bool:
        """Whether this store has `term_counts` (every store from format 5 on; asked once)."""
        if getattr(self, "_has_term_counts", None) is None:
            self._has_term_counts = has_term_counts(self._db)
        return self._has_term_counts

    def flush_term_counts(self) -> None:
        """Count the terms of the passages added since the last flush (`Store.commit` calls this)."""
        if getattr(self, "_terms_staged", False):
            apply_term_counts(self._db, 1)
            self._terms_staged = False

    def fill_term_counts(self) -> None:
        """Recount `term_counts` from the FTS5 vocabulary in one pass (m005, bulk builds)."""
        self.flush_term_counts()
        fill_term_counts(self._db)
        self._has_term_counts = True

    def remove_passages(self, vector_ids: list[int]) -> None:
        """Delete passages from the FTS5 index, their terms from `term_counts` and their sentence keys."""
        if self._counts_terms() and vector_ids:
            self.flush_term_counts()
            column = "COALESCE(context || char(10), '') || text" if self.passages_have_context() else "text"
            texts = [row[0] for row in self._rows_in(f"SELECT {column} FROM passages WHERE rowid IN ({{marks}})", vector_ids)]
            stage_term_counts(self._db, texts)
            apply_term_counts(self._db, -1)
        self._db.executemany("DELETE FROM passages WHERE rowid = ?", [(v,) for v in vector_ids])
        self._db.executemany("DELETE FROM vector_sentences WHERE vector_id = ?", [(v,) for v in vector_ids])

    def refresh_boilerplate(self, min_documents: int, *, full: bool = False) -> str:
        """Recount in how many documents each sentence occurs, and each chunk's boilerplate share,
        for what this write changed (see `index.boilerplate_delta`); returns "full" or "delta"."""
        return boilerplate_delta.refresh(self._db, min_documents, full=full)

    def boilerplate_of(self, vector_ids: Iterable[int]) -> dict[int, tuple[float, str]]:
        """(ratio, signature) for the given vector ids that carry boilerplate."""
        if self._readonly:
            if self._boilerplate is None:
                self._boilerplate = self._all_boilerplate()
            if self._boilerplate is not False:
                return {v: self._boilerplate[v] for v in vector_ids if v in self._boilerplate}
        rows = self._rows_in(
            "SELECT vector_id, ratio, signature FROM boilerplate WHERE vector_id IN ({marks})", (int(v) for v in vector_ids)
        )
        return {row[0]: (float(row[1]), row[2] or "") for row in rows}

    def _all_boilerplate(self) -> dict[int, tuple[float, str]] | bool:
        """The whole boilerplate table, for a committed generation to keep in memory; False when it
        is too large to be worth holding (then each search asks SQLite for its candidates)."""
        if self._db.execute("SELECT COUNT(*) FROM boilerplate").fetchone()[0] > BOILERPLATE_IN_MEMORY:
            return False
        rows = self._db.execute("SELECT vector_id, ratio, signature FROM boilerplate")
        return {row[0]: (float(row[1]), row[2] or "") for row in rows}

    def index_missing_sentences(self) -> int:
        """Record the sentence keys of passages that have none yet (indexes from before m003)."""
        rows = self._db.execute(
            "SELECT rowid, text FROM passages WHERE rowid NOT IN (SELECT DISTINCT vector_id FROM vector_sentences)"
        ).fetchall()
        for vector_id, text in rows:
            self._db.executemany(
                "INSERT INTO vector_sentences VALUES (?, ?, ?)",
                [(vector_id, key, chars) for key, chars in sentence_keys(text)],
            )
        return len(rows)

    def add_passage(self, vector_id: int, text: str, context: str = "") -> None:
        """Index a chunk's text and its context (a store from before m008 has no context column;
        only an index whose manifest says `chunk_context` "none" writes to one, with no context)."""
        if self.passages_have_context():
            self._db.execute(
                "INSERT INTO passages(rowid, text, context) VALUES (?, ?, ?)", (vector_id, text, context or None)
            )
        elif context:
            raise ValueError("this index's passages have no context column: run its migrations first")
        else:
            self._db.execute("INSERT INTO passages(rowid, text) VALUES (?, ?)", (vector_id, text))
        if self._counts_terms():
            # Counted in one statement at the next flush; a row's terms are those of both columns.
            stage_term_counts(self._db, [f"{context}\n{text}" if context else text])
            self._terms_staged = True
        self._db.executemany(
            "INSERT INTO vector_sentences VALUES (?, ?, ?)",
            [(vector_id, key, chars) for key, chars in sentence_keys(text)],
        )

    def passages_have_context(self) -> bool:
        """Whether the FTS5 table has the `context` column (format 8, m008_chunk_context; asked once)."""
        if getattr(self, "_passage_context", None) is None:
            columns = [row[1] for row in self._db.execute("PRAGMA table_info(passages)")]
            self._passage_context = "context" in columns
        return self._passage_context

    def add_context_column(self) -> int:
        """Rebuild the FTS5 table with a `context` column (m008), its rows copied with none; returns
        how many. FTS5 cannot add a column in place; its terms are the same, so `term_counts` stands."""
        if self.passages_have_context():
            return 0
        self._db.execute(
            "CREATE VIRTUAL TABLE passages_with_context USING fts5(text, context, tokenize = 'unicode61 remove_diacritics 2')"
        )
        copied = self._db.execute("INSERT INTO passages_with_context(rowid, text) SELECT rowid, text FROM passages").rowcount
        self._db.execute("DROP TABLE passages")
        self._db.execute("ALTER TABLE passages_with_context RENAME TO passages")
        self._db.execute("INSERT INTO passages(passages) VALUES ('optimize')")
        self._passage_context = True
        return copied

    def passages_unlike_vectors(self) -> int:
        """How many passages' text and context do not hash to their vector's `text_hash` (what the
        model embedded, `ingest.context.embedded_text`): a context changed or lost after embedding."""
        column = "p.context" if self.passages_have_context() else "NULL"
        rows = self._db.execute(
            f"SELECT v.text_hash, p.text, {column} FROM vectors v JOIN passages p ON p.rowid = v.vector_id"
        )
        return sum(1 for key, text, context in rows if _sha1(embedded_text(context or "", text)) != key)

    def passage_contexts(self, vector_ids: Iterable[int]) -> dict[int, str]:
        """The context each passage was embedded and indexed with (none for those without one)."""
        if not self.passages_have_context():
            return {}
        rows = self._rows_in(
            "SELECT rowid, context FROM passages WHERE rowid IN ({marks}) AND context IS NOT NULL", (int(v) for v in vector_ids)
        )
        return {int(row[0]): row[1] for row in rows}

    def sentence_document_counts(self, hashes: Iterable[str]) -> dict[str, int]:
        """In how many documents each normalised sentence (`index.boilerplate.sentence_keys`) occurs."""
        rows = self._rows_in("SELECT hash, documents FROM sentence_documents WHERE hash IN ({marks})", hashes)
        return {row[0]: int(row[1]) for row in rows}
