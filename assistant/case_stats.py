"""`foi stats --authorities`: how each authority answers, from its cases.

Per authority: cases, answered cases, median and 90th-percentile working days
to respond (from the clock's start to the first answer), the share of
answered cases answered after their deadline, the outcome mix and the
exemptions most applied in its answers.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ingest.foi.case_events import RESPONSE, REVIEW_ANSWERED
from assistant.cases import ANSWERED, Case

TOP_EXEMPTIONS = 5


@dataclass
class AuthorityStats:
    """One authority's row."""

    authority: str
    cases: int = 0
    answered: int = 0
    median_working_days: float | None = None
    p90_working_days: float | None = None
    answered_late_share: float | None = None
    outcomes: dict[str, int] = field(default_factory=dict)
    exemptions: list[tuple[str, int]] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "authority": self.authority, "cases": self.cases, "answered": self.answered,
            "median_working_days": self.median_working_days, "p90_working_days": self.p90_working_days,
            "answered_late_share": self.answered_late_share, "outcomes": dict(self.outcomes),
            "exemptions": [{"code": code, "cases": n} for code, n in self.exemptions],
        }


def percentile(values: list[int], share: float) -> float | None:
    """The `share` percentile of `values` by linear interpolation (share 0.5 is the median)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 1)


def authority_stats(cases: list[Case]) -> list[AuthorityStats]:
    """One row per authority (cases without one count under "(unknown)"), most cases first."""
    by_authority: dict[str, list[Case]] = {}
    for case in cases:
        by_authority.setdefault(case.authority or "(unknown)", []).append(case)
    rows = []
    for authority, members in by_authority.items():
        answered = [c for c in members if c.status == ANSWERED]
        taken = [c.working_days_taken for c in answered if c.working_days_taken is not None]
        dated = [c for c in answered if c.responded and c.due]
        exemptions: Counter = Counter()
        for case in members:
            codes = {e["code"] for event in case.events if event.kind in (RESPONSE, REVIEW_ANSWERED)
                     for e in event.record.foi.get("exemptions") or [] if e.get("applied")}
            exemptions.update(codes)
        rows.append(AuthorityStats(
            authority=authority, cases=len(members), answered=len(answered),
            median_working_days=percentile(taken, 0.5), p90_working_days=percentile(taken, 0.9),
            answered_late_share=round(sum(c.responded > c.due for c in dated) / len(dated), 3) if dated else None,
            outcomes=dict(Counter(c.outcome or "unknown" for c in answered).most_common()),
            exemptions=sorted(exemptions.items(), key=lambda item: (-item[1], item[0]))[:TOP_EXEMPTIONS],
        ))
    return sorted(rows, key=lambda row: (-row.cases, row.authority))


CSV_COLUMNS = ("authority", "cases", "answered", "median_working_days", "p90_working_days", "answered_late_share",
               "outcomes", "exemptions")


def write_authority_csv(rows: list[AuthorityStats], path: Path) -> None:
    """The rows as CSV; outcomes as `outcome=n; ...`, exemptions as `code=n; ...`."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow([
                row.authority, row.cases, row.answered, row.median_working_days, row.p90_working_days,
                row.answered_late_share, "; ".join(f"{k}={v}" for k, v in row.outcomes.items()),
                "; ".join(f"{k}={v}" for k, v in row.exemptions),
            ])
