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
) -> str:
    """A line such as `West Midlands Police — FOI 18201/18 — 6 Nov 2018 — p. 2`.

    Falls back to the document title, then the file name, when no FOI reference
    or authority is known.
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
    return " — ".join(parts)
