"""HTML rendering for the UI's cards, tables and viewer: pure functions, no Gradio.
(The chat's Markdown messages are `ui.chat`.)

Every piece of document text goes through `html.escape` before it reaches
HTML; highlighting finds matches in the raw text and escapes each segment
separately, so a match can never split an entity such as `&amp;`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from assistant.answer import Answer, Citation
from assistant.citations import table_location
from index.records import StoredDocument
from index.search import Hit
from ingest.textutil import one_line
from ui.ocr_view import ocr_note

_WORD = re.compile(r"\w+")
_STOPWORDS = frozenset(
    "a an and are as at be by did do does for from had has have how in is it its of on or "
    "that the their there this to was were what when where which who why will with".split()
)


def esc(value: object) -> str:
    """`value` as text, HTML-escaped (quotes included, so safe in attributes)."""
    return html.escape("" if value is None else str(value), quote=True)


def query_terms(query: str) -> list[str]:
    """The words of `query` worth highlighting: no stopwords, no one-letter words."""
    terms = [w.lower() for w in _WORD.findall(query) if len(w) > 1 and w.lower() not in _STOPWORDS]
    return list(dict.fromkeys(terms))


def highlight(text: str, terms: Iterable[str]) -> str:
    """`text` escaped, with whole-word, case-insensitive matches of `terms` in <mark>."""
    terms = [t for t in terms if t]
    if not terms:
        return esc(text)
    pattern = re.compile(r"\b(" + "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)) + r")\w*", re.I)
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(esc(text[last : match.start()]))
        out.append(f"<mark>{esc(match.group(0))}</mark>")
        last = match.end()
    out.append(esc(text[last:]))
    return "".join(out)


def source_details(title: str, path: str, part: str | None, metadata: dict, page: int | None, page_end: int | None = None,
                   *, sheet: str | None = None, rows: tuple[int, int] | None = None) -> str:
    """One escaped line of what is known about a source: authority, FOI reference, date, page, sheet and rows."""
    bits = []
    for key, label in (("authority", ""), ("reference", "FOI ref. "), ("date_display", "")):
        if metadata.get(key):
            bits.append(f"{label}{metadata[key]}")
    if page is not None:
        bits.append(f"p. {page}" if page_end in (None, page) else f"pp. {page}–{page_end}")
    if rows is not None:
        bits.append(table_location(sheet, rows))
    location = Path(path).name + (f" › {part}" if part else "")
    bits.append(location)
    return " · ".join(esc(b) for b in bits)


def open_button(index: int | None) -> str:
    """The card's "open in viewer" button; the page's click handler reads `data-open`."""
    if index is None:
        return ""
    return f'<button type="button" class="foi-open" data-open="{int(index)}">Open in viewer ›</button>'


def _open_attr(index: int | None) -> str:
    return "" if index is None else f' data-open="{int(index)}" tabindex="-1"'


def citation_card(citation: Citation, open_index: int | None = None) -> str:
    """A card for one citation: number, title, source details and the highlighted quote.

    With `open_index`, clicking the card (or its button) opens target `open_index` in the viewer.
    """
    c = citation
    details = source_details(c.title, c.path, c.part, c.metadata, c.page, sheet=c.sheet, rows=c.rows)
    return (
        f'<div class="foi-card" data-n="{citation.n}"{_open_attr(open_index)}>'
        f'<div class="foi-card-head"><span class="foi-badge">[{citation.n}]</span> '
        f'<strong class="foi-title">{esc(citation.title)}</strong></div>'
        f'<div class="foi-meta">{details}</div>'
        f'<blockquote class="foi-quote"><mark>{esc(citation.quote)}</mark></blockquote>'
        f"{ocr_note(citation.ocr)}"
        f'<div class="foi-cite">{esc(citation.citation)}</div>'
        f"{open_button(open_index)}"
        "</div>"
    )


def passage_card(
    hit: Hit,
    citation: str,
    terms: Sequence[str] = (),
    *,
    label: str | None = None,
    open_index: int | None = None,
    others: Sequence[tuple[StoredDocument, int | None]] = (),
) -> str:
    """A card for a retrieved passage (search hit or nearest passage) with terms highlighted.

    `others` are the other documents carrying the same passage, each with the
    viewer target its entry opens; they are listed in an expandable "also in N".
    """
    details = source_details(hit.title, hit.path, hit.part, hit.metadata, hit.page, hit.page_end, sheet=hit.sheet, rows=hit.rows)
    label = label or f"#{hit.rank}"
    also = "" if others or not hit.also_in else f' <span class="foi-also">{_also_in(hit.also_in)}</span>'
    return (
        f'<div class="foi-card" data-doc="{esc(hit.doc_id)}"{_open_attr(open_index)}>'
        f'<div class="foi-card-head"><span class="foi-badge">{esc(label)}</span> '
        f'<strong class="foi-title">{esc(hit.title)}</strong> '
        f'<span class="foi-score">score {hit.score:.3f}</span>{also}</div>'
        f'<div class="foi-meta">{details} · {esc(hit.kind)}</div>'
        f"{also_in_details(others)}"
        f'<div class="foi-text">{highlight(hit.text, terms)}</div>'
        f"{ocr_note(hit.ocr)}"
        f'<input class="foi-cite-copy" type="text" readonly value="{esc(citation)}" '
        f'aria-label="Citation (select to copy)">'
        f"{open_button(open_index)}"
        "</div>"
    )


def also_in_details(others: Sequence[tuple[StoredDocument, int | None]]) -> str:
    """A collapsed list of the other documents that carry a passage; each entry opens its target."""
    if not others:
        return ""
    items = []
    for document, open_index in others:
        location = document.location
        where = source_details(document.title, location.path, location.part, document.metadata, None)
        title = esc(document.title)
        name = title if open_index is None else (
            f'<button type="button" class="foi-open foi-link" data-open="{int(open_index)}">{title}</button>'
        )
        items.append(f'<li>{name} <span class="foi-meta">{where}</span></li>')
    return (
        f'<details class="foi-also"><summary>{_also_in(len(others))}</summary>'
        f'<ul class="foi-also-list">{"".join(items)}</ul></details>'
    )


def _also_in(count: int) -> str:
    return f"also in {count} other document{'' if count == 1 else 's'}"


def citation_cards(
    answer: Answer,
    nearest_citations: Sequence[str] = (),
    others: Sequence[Sequence[tuple[StoredDocument, int | None]]] = (),
) -> str:
    """All cards for an answer; for an abstention, the nearest passages instead.

    Card i opens target i: citation i, or nearest passage i. `others[i]` lists the
    other documents carrying nearest passage i (see `passage_card`).
    """
    if not answer.abstained:
        return '<div class="foi-cards">' + "".join(citation_card(c, i) for i, c in enumerate(answer.citations)) + "</div>"
    if not answer.passages:
        return '<div class="foi-empty">No passages were found.</div>'
    terms = query_terms(answer.question)
    cites = nearest_citations or [""] * len(answer.passages)
    cards = [
        passage_card(hit, cite, terms, label=f"nearest {i + 1}", open_index=i, others=others[i] if i < len(others) else ())
        for i, (hit, cite) in enumerate(zip(answer.passages, cites))
    ]
    return '<div class="foi-cards"><p class="foi-note">Nearest passages (not confident matches):</p>' + "".join(cards) + "</div>"


# Search --------------------------------------------------------------------
def search_results(
    hits: Sequence[Hit],
    citations: Sequence[str],
    query: str,
    others: Sequence[Sequence[tuple[StoredDocument, int | None]]] = (),
) -> str:
    """Cards for search hits with the query's terms highlighted; card i opens hit i.

    `others[i]` lists the other documents carrying hit i's passage (see `passage_card`).
    """
    if not hits:
        return '<div class="foi-empty">No matching passages.</div>'
    terms = query_terms(query)
    cards = (
        passage_card(h, c, terms, open_index=i, others=others[i] if i < len(others) else ())
        for i, (h, c) in enumerate(zip(hits, citations))
    )
    return '<div class="foi-cards">' + "".join(cards) + "</div>"


FACET_LABELS = {"authority": "Authority", "year": "Year", "outcome": "Outcome", "exemption": "Exemption (applied)"}
FACET_VALUES_SHOWN = 6


def facet_list(facets: dict[str, Sequence[tuple[str, int]]], passages: int, active: dict[str, str] | None = None) -> str:
    """Facet counts as buttons; a click on one applies it as a filter (the page's handler reads
    `data-facet` and `data-value`). Values beyond the first few fold into "more".

    Args:
        facets: `Assistant.facets(...)`: facet -> [(value, documents), ...].
        passages: How many passages the documents were counted among.
        active: facet -> the value the search is already filtered by; shown pressed.
    """
    active = active or {}
    groups = []
    for name, counts in facets.items():
        if not counts:
            continue
        buttons = [
            f'<button type="button" class="foi-facet" data-facet="{esc(name)}" data-value="{esc(value)}" '
            f'aria-pressed="{"true" if active.get(name) == value else "false"}">'
            f'{esc(value)} <span class="foi-count">{int(count)}</span></button>'
            for value, count in counts
        ]
        shown, rest = buttons[:FACET_VALUES_SHOWN], buttons[FACET_VALUES_SHOWN:]
        more = f'<details><summary>{len(rest)} more</summary>{"".join(rest)}</details>' if rest else ""
        groups.append(
            f'<div class="foi-facet-group"><div class="foi-facet-name">{esc(FACET_LABELS.get(name, name))}</div>'
            f'{"".join(shown)}{more}</div>'
        )
    if not groups:
        return ""
    return (
        f'<div class="foi-facets"><p class="foi-note">Documents among the top {int(passages)} passages '
        f'(click to filter)</p>{"".join(groups)}</div>'
    )


# Compare -------------------------------------------------------------------
COMPARE_COLUMNS = ["Authority", "Reference", "Date", "Outcome", "Exemptions", "Sentence", "File"]
# Fixed widths: the sentence wraps instead of widening the table, which scrolls inside its box on a phone.
COMPARE_WIDTHS = ["150px", "105px", "100px", "130px", "110px", "445px", "130px"]


def compare_rows(rows: Iterable) -> list[list[str]]:
    """Table rows for `ComparisonRow`s: FOI fields, the cited sentence on one line, and the file."""
    return [
        [row.authority or "—", row.reference or "—", row.date or "—", row.outcome or "—",
         ", ".join(row.exemptions) or "—", one_line(row.sentence),
         Path(row.path).name + (f" › {row.part}" if row.part else "")]
        for row in rows
    ]


# Viewer --------------------------------------------------------------------
def document_view(document: StoredDocument, start: int | None = None, end: int | None = None) -> str:
    """The document's text, escaped, with page markers and the span [start, end) in <mark id="cited">."""
    text = document.text
    cuts: dict[int, list[str]] = {}
    for page in document.pages:
        label = f"page {page.number} (OCR text)" if page.ocr else f"page {page.number}"
        cuts.setdefault(page.start, []).append(f'<span class="foi-page" id="page-{page.number}">— {label} —</span>')
    has_span = start is not None and end is not None and 0 <= start < end <= len(text)
    if has_span:
        # At a shared offset the mark closes before, and opens after, a page marker.
        cuts.setdefault(start, []).append('<mark id="cited">')
        cuts.setdefault(end, []).insert(0, "</mark>")
    out, last = [], 0
    for offset in sorted(cuts):
        out.append(esc(text[last:offset]))
        out.extend(cuts[offset])
        last = offset
    out.append(esc(text[last:]))
    return f'<div class="foi-viewer" data-doc="{esc(document.doc_id)}">{"".join(out)}</div>'


ORIGINAL_NOT_AVAILABLE = '<div class="foi-note" id="foi-no-original">Original file not available.</div>'


def document_metadata(document: StoredDocument) -> str:
    """A definition list of the document's title, kind, locations, dates and extracted fields."""
    rows = [("Title", document.title), ("Type", document.kind), ("Pages", len(document.pages) or "—")]
    rows += [("Location", loc.path + (f" › {loc.part}" if loc.part else "")) for loc in document.locations]
    rows += [(key.replace("_", " ").capitalize(), value) for key, value in sorted(document.metadata.items())
             if not isinstance(value, (dict, list))]
    rows += _foi_rows(document.metadata.get("foi"))
    rows += [("Added", document.added_at), ("Updated", document.updated_at), ("Document id", document.doc_id)]
    body = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    return f'<dl class="foi-metadata">{body}</dl>'


def _foi_rows(foi) -> list[tuple[str, object]]:
    """The FOI fields (metadata["foi"]) as label/value rows; values are escaped by the caller."""
    if not isinstance(foi, dict):
        return []
    rows: list[tuple[str, object]] = []
    for key, label in (("role", "FOI role"), ("law", "Law"), ("outcome", "Outcome"), ("thread_outcome", "Thread outcome")):
        if foi.get(key):
            rows.append((label, foi[key]))
    if foi.get("references"):
        rows.append(("References", ", ".join(map(str, foi["references"]))))
    for key, value in sorted((foi.get("dates") or {}).items()):
        rows.append((f"Date {key}", value))
    exemptions = [f"{e.get('code')} ({'applied' if e.get('applied') else 'mentioned'})" for e in foi.get("exemptions") or []]
    if exemptions:
        rows.append(("Exemptions", ", ".join(exemptions)))
    return rows


# Documents -----------------------------------------------------------------
# The last column is the id: selecting a row opens that document.
DOCUMENT_COLUMNS = ["Title", "Path", "Type", "Pages", "Chunks", "Added", "Updated", "Id"]


def document_rows(documents: Iterable[StoredDocument], needle: str = "", chunks: dict[str, int] | None = None) -> list[list]:
    """Table rows for the documents whose title, path, type or metadata contain `needle`.

    Args:
        documents: The stored documents.
        needle: Case-insensitive text to look for; "" keeps every document.
        chunks: Chunks per doc_id (`Assistant.chunk_counts()`); a missing id counts 0.
    """
    needle = needle.strip().lower()
    chunks = chunks or {}
    rows = []
    for doc in documents:
        location = doc.location.path + (f" › {doc.location.part}" if doc.location.part else "")
        row = [doc.title, location, doc.kind, len(doc.pages), chunks.get(doc.doc_id, 0),
               doc.added_at[:19], doc.updated_at[:19], doc.doc_id]
        haystack = " ".join([doc.title, location, doc.kind, *map(str, doc.metadata.values())]).lower()
        if not needle or needle in haystack:
            rows.append(row)
    return rows


_OUTCOME_ORDER = {"skipped": 0, "added": 1, "updated": 2, "removed": 3, "unchanged": 4}
MAX_REPORT_ROWS = 300


def ingest_report(report: dict, root: str | Path | None = None) -> str:
    """The outcome of an index update: counts, then a table of every file's outcome and reason.

    Args:
        report: `IngestReport.to_dict()`.
        root: Paths under this folder are shown relative to it (the uploads folder).
    """
    counts = " · ".join(f"{key} {report.get(key, 0)}" for key in ("added", "updated", "unchanged", "removed"))
    skipped = report.get("skipped") or []
    if skipped:
        counts += f" · skipped {len(skipped)}"
    parts = [f'<div class="foi-report"><p><strong>Index updated</strong> in {report.get("seconds", 0)} s: {esc(counts)}.',
             f' The index now holds {report.get("documents", 0)} documents, {report.get("chunks", 0)} chunks.</p>']
    # Problems and changes first; unchanged files last.
    files = sorted(report.get("files") or [], key=lambda f: (_OUTCOME_ORDER.get(f["status"], 5), f["path"]))
    if files:
        rows = "".join(
            f'<tr class="foi-outcome-{esc(f["status"])}"><td><code>{esc(_shown_path(f["path"], root))}</code></td>'
            f'<td>{esc(f["status"])}</td><td>{esc(f.get("reason") or "")}</td></tr>'
            for f in files[:MAX_REPORT_ROWS]
        )
        more = f'<p class="foi-note">… and {len(files) - MAX_REPORT_ROWS} more files.</p>' if len(files) > MAX_REPORT_ROWS else ""
        parts.append(
            '<div class="foi-files"><table><thead><tr><th>File</th><th>Outcome</th><th>Reason</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></div>{more}"
        )
    parts.append("</div>")
    return "".join(parts)


def remove_report(title: str, report: dict, discarded: bool) -> str:
    """The outcome of removing one document from the index."""
    if not report.get("removed"):
        return f'<div class="foi-error">Nothing removed: {esc(title)} is no longer in the index.</div>'
    note = " Its uploaded copy was deleted too." if discarded else ""
    return (
        f'<div class="foi-report"><p><strong>Removed</strong> {esc(title)} from the index.{note} '
        f'The index now holds {report.get("documents", 0)} documents, {report.get("chunks", 0)} chunks.</p></div>'
    )


def _shown_path(path: str, root: str | Path | None) -> str:
    if root is not None:
        try:
            return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return path


def stats_line(stats) -> str:
    """The footer: documents, chunks, model and last update of the index."""
    return (
        f'<div class="foi-footer">{stats.documents} documents · {stats.chunks} chunks · '
        f"model {esc(stats.model)} · updated {esc(stats.updated_at[:19])} · {esc(stats.index_dir)}</div>"
    )


