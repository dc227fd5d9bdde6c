"""Split a document into overlapping chunks sized in the embedding model's tokens."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from ingest.context import CONTEXT_TOKENS, NO_CONTEXT, SCHEME, SCHEMES, chunk_context, embedded_text, fit_context
from ingest.documents import Document
from ingest.tables import CELL_SEPARATOR, TABLE_KINDS

TokenCounter = Callable[[str], int]

# Paragraphs first, then lines, sentences, clauses, words, and characters as a last resort.
SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: `text == document.text[start:end]`.

    `context` (see `ingest.context`) is embedded and indexed with the text, never quoted:
    the model and the lexical index see `embedded_text`, citations the span alone.
    """

    seq: int
    start: int
    end: int
    text: str
    page_start: int | None
    page_end: int | None
    context: str = ""

    @property
    def embedded_text(self) -> str:
        """What the model embeds: the context line, then the text."""
        return embedded_text(self.context, self.text)


class Chunker:
    """Chunks documents so that no chunk exceeds `max_tokens` of the model.

    Args:
        count_tokens: Counts the model's tokens in a string.
        chunk_tokens: Target chunk size in tokens.
        chunk_overlap: Overlap between neighbours in tokens.
        max_tokens: The model's hard limit; chunk_tokens is capped to it.
        context: The context scheme (`ingest.context.SCHEMES`): "none", or give each chunk its
            context, at most `CONTEXT_TOKENS` tokens and only as many as the chunk leaves of `max_tokens`.
    """

    def __init__(
        self, count_tokens: TokenCounter, *, chunk_tokens: int, chunk_overlap: int, max_tokens: int,
        context: str = NO_CONTEXT,
    ):
        # Imported here: the store imports `Chunk`, and reading an index needs no splitter (0.27 s of imports).
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        # The splitter measures the same pieces many times over (about 8 calls per
        # distinct string on real email threads); counting is the chunker's whole cost.
        self.count_tokens = functools.lru_cache(maxsize=65536)(count_tokens)
        self.max_tokens = max_tokens
        if context not in SCHEMES:
            raise ValueError(f"unknown chunk context scheme {context!r} (known: {', '.join(SCHEMES)})")
        self.context = context
        self.chunk_tokens = min(chunk_tokens, max_tokens)
        self._splitter = RecursiveCharacterTextSplitter(
            separators=SEPARATORS,
            keep_separator="end",
            chunk_size=self.chunk_tokens,
            chunk_overlap=min(chunk_overlap, self.chunk_tokens // 2),
            length_function=self.count_tokens,
            strip_whitespace=True,
        )

    def chunk(self, document: Document) -> list[Chunk]:
        """Split `document` into chunks carrying their character spans and pages.

        A spreadsheet (a document with a row map) is cut only between its row lines,
        never across a sheet; see `_row_spans`.
        """
        text = document.text
        spans = self._row_spans(text) if document.rows else self._text_spans(text)
        table = bool(document.rows) or document.kind in TABLE_KINDS
        chunks = []
        for seq, (start, end) in enumerate(spans):
            chunks.append(
                Chunk(
                    seq=seq,
                    start=start,
                    end=end,
                    text=text[start:end],
                    page_start=document.page_at(start),
                    page_end=document.page_at(max(start, end - 1)),
                    context=self._context_of(document, start, end, table) if self.context != NO_CONTEXT else "",
                )
            )
        return chunks

    def _context_of(self, document: Document, start: int, end: int, table: bool) -> str:
        # The model truncates past max_tokens: the context only takes the room the chunk leaves.
        room = self.max_tokens - self.count_tokens(document.text[start:end]) - 1
        title = document.title if self.context == SCHEME else ""
        parts = chunk_context(document.text, start, title, table=table)
        return fit_context(parts, min(CONTEXT_TOKENS, room), self.count_tokens)

    def _text_spans(self, text: str) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        previous_start, previous_end = -1, 0
        for piece in self._splitter.split_text(text):
            start = self._locate(text, piece, previous_start, previous_end)
            if start < 0:
                continue  # the splitter never invents text; this is defensive
            spans.extend(self._fit(text, start, start + len(piece)))
            previous_start, previous_end = start, start + len(piece)
        return spans

    def _row_spans(self, text: str) -> list[tuple[int, int]]:
        """Runs of whole lines of at most `chunk_tokens`, each within one blank-line-separated
        block (a sheet). Every row line names its columns, so each run carries its header
        context; a line too long for one chunk is cut between its "Header: value" cells."""
        spans: list[tuple[int, int]] = []
        run_start, run_end, run_tokens = -1, -1, 0
        offset = 0
        for line in text.split("\n"):
            start, end = offset, offset + len(line)
            offset = end + 1
            if not line.strip():
                if run_start >= 0:
                    spans.append((run_start, run_end))
                run_start, run_tokens = -1, 0
                continue
            tokens = self.count_tokens(line)
            if tokens > self.chunk_tokens:
                if run_start >= 0:
                    spans.append((run_start, run_end))
                run_start, run_tokens = -1, 0
                spans.extend(self._cells_spans(text, start, end))
                continue
            if run_start >= 0 and run_tokens + tokens > self.chunk_tokens:
                spans.append((run_start, run_end))
                run_start, run_tokens = -1, 0
            if run_start < 0:
                run_start = start
            run_end, run_tokens = end, run_tokens + tokens
        if run_start >= 0:
            spans.append((run_start, run_end))
        return spans

    def _cells_spans(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Cut one long row line into runs of whole "Header: value" cells."""
        spans: list[tuple[int, int]] = []
        run_start, run_end, run_tokens = start, start, 0
        cell_start = start
        while cell_start < end:
            cut = text.find(CELL_SEPARATOR, cell_start, end)
            cell_end = end if cut < 0 else cut + 1  # the ";" stays with its cell
            tokens = self.count_tokens(text[cell_start:cell_end])
            if run_end > run_start and run_tokens + tokens > self.chunk_tokens:
                spans.extend(self._fit(text, run_start, run_end))
                run_start, run_tokens = cell_start, 0
            run_end, run_tokens = cell_end, run_tokens + tokens
            cell_start = cell_end + (1 if cut >= 0 else 0)
        if run_end > run_start:
            spans.extend(self._fit(text, run_start, run_end))
        return spans

    @staticmethod
    def _locate(text: str, piece: str, previous_start: int, previous_end: int) -> int:
        """Where `piece` starts: the latest occurrence that still touches the previous
        piece, so repeated text (tables, boilerplate) maps to the right place."""
        gap = previous_end
        while gap < len(text) and text[gap].isspace():
            gap += 1
        start = text.rfind(piece, previous_start + 1, gap + len(piece))
        if start < 0:
            start = text.find(piece, previous_start + 1)
        if start < 0:
            start = text.find(piece)
        return start

    def _fit(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Cut a span that still exceeds the model limit at word boundaries."""
        if self.count_tokens(text[start:end]) <= self.max_tokens:
            return [(start, end)]
        middle = text.rfind(" ", start + 1, (start + end) // 2 + 1)
        if middle <= start:
            middle = (start + end) // 2
        return self._fit(text, start, middle) + self._fit(text, middle, end)
