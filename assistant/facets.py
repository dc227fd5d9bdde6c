"""Facet counts: how many documents fall under each authority, year, outcome and exemption.

Pure functions over stored documents' metadata (see `ingest.foi.annotate` for
its shape). Every value counted can be applied back as a search filter:
authority, outcome and exemption as they are, a year as the date range
`YYYY-01-01`..`YYYY-12-31`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

FACETS = ("authority", "year", "outcome", "exemption")
# The dates the date filters use (ingest.foi.filters), so that a year applied as a filter
# finds exactly the documents counted under it.
_DATE_ORDER = ("responded", "date")
_YEAR = re.compile(r"^(\d{4})-")


def document_facets(metadata: dict) -> dict[str, list[str]]:
    """The facet values of one document: at most one authority, year and outcome, any number of exemptions.

    The year is the response date's, else the document's own (the dates the date
    filters use); the outcome is the thread's when the document belongs to one (as
    `foi compare` shows it), else the document's own; exemptions are the applied ones only.
    """
    foi = metadata.get("foi") if isinstance(metadata.get("foi"), dict) else {}
    authority = str(metadata.get("authority") or foi.get("authority") or "").strip()
    dates = foi.get("dates") if isinstance(foi.get("dates"), dict) else {}
    years = [m.group(1) for key in _DATE_ORDER if (m := _YEAR.match(str(dates.get(key) or "")))]
    outcome = str(foi.get("thread_outcome") or foi.get("outcome") or "").strip()
    exemptions = {str(e.get("code") or "").strip() for e in foi.get("exemptions") or []
                  if isinstance(e, dict) and e.get("applied")}
    return {
        "authority": [authority] if authority else [],
        "year": years[:1],
        "outcome": [outcome] if outcome else [],
        "exemption": sorted(code for code in exemptions if code),
    }


def facet_counts(metadatas: Iterable[dict]) -> dict[str, list[tuple[str, int]]]:
    """Documents per value of each facet, most documents first, then by value.

    Args:
        metadatas: One metadata dict per distinct document.

    Returns:
        `{"authority": [(value, documents), ...], "year": ..., "outcome": ..., "exemption": ...}`;
        documents without a value for a facet are not counted in it.
    """
    counters = {name: Counter() for name in FACETS}
    for metadata in metadatas:
        for name, values in document_facets(metadata).items():
            counters[name].update(values)
    return {name: sorted(counter.items(), key=lambda item: (-item[1], item[0])) for name, counter in counters.items()}


def facet_filter(facet: str, value: str) -> dict[str, str]:
    """The search filters that select documents with `value` for `facet`.

    Raises:
        ValueError: an unknown facet, or a year that is not four digits.
    """
    if facet == "year":
        if not re.fullmatch(r"\d{4}", value):
            raise ValueError(f"not a year: {value!r}")
        return {"after": f"{value}-01-01", "before": f"{value}-12-31"}
    if facet not in FACETS:
        raise ValueError(f"unknown facet {facet!r}; choose one of {', '.join(FACETS)}")
    return {facet: value}
