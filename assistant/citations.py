"""Human-readable citation lines for passages."""

from __future__ import annotations

from pathlib import Path


def citation_line(
    *,
    title: str,
    path: str,
    part: str | None,
    metadata: dict[str, str],
    page: int | None,
    page_end: int | None = None,
    sheet: str | None = None,
    rows: tuple[int, int] | None = None,
) -> str:
    """A line such as `West Midlands Police — FOI 18201/18 — 6 Nov 2018 — p. 2`.

    Falls back to the document title, then the file name, when no FOI reference
    or authority is known. A spreadsheet passage ends with where it is:
    `… — sheet "Crime group", rows 2–8` (see `table_location`).
    """
    parts: list[str] = []
    authority = metadata.get("authority")
    if authority:
        parts.append(authority)
    reference = metadata.get("reference")
    if reference:
        parts.append(reference if reference.upper().startswith("FOI") else f"FOI {reference}")
    else:
        parts.append(title or Path(path).name)
    if metadata.get("date_display"):
        parts.append(metadata["date_display"])
    if part and not reference:
        parts.append(part)
    if page is not None:
        parts.append(f"p. {page}" if page_end in (None, page) else f"pp. {page}–{page_end}")
    if rows is not None:
        parts.append(table_location(sheet, rows))
    return " — ".join(parts)


def table_location(sheet: str | None, rows: tuple[int, int]) -> str:
    """`sheet "Crime group", rows 2–8`, `row 5` for one row of a CSV (which has no sheet)."""
    first, last = rows
    span = f"row {first}" if first == last else f"rows {first}–{last}"
    return f'sheet "{sheet}", {span}' if sheet is not None else span
