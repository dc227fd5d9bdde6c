"""Small text helpers shared by every layer (ingest is the lowest, so they live here)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

_SPACE = re.compile(r"\s+")
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class PageSpan(Protocol):
    number: int
    start: int
    end: int


def one_line(text: object, limit: int | None = None) -> str:
    """`text` with every run of white space folded into one space, cut to `limit` characters with "…"."""
    folded = _SPACE.sub(" ", str(text)).strip()
    if limit is not None and len(folded) > limit:
        return folded[: limit - 1] + "…"
    return folded


def csv_safe(value):
    """`value` made safe for a CSV cell: text a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value[:1] in _FORMULA_START:
        return "'" + value
    return value


def page_at(pages: Sequence[PageSpan], offset: int) -> int | None:
    """The 1-based page holding character `offset`; past the last page, the last page; None if unpaged."""
    for page in pages:
        if page.start <= offset < page.end:
            return page.number
    return pages[-1].number if pages and offset >= pages[-1].end else None
