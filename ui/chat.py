"""The Ask tab's chat messages: Markdown whose text is literal and whose `[n]` markers are links.

A marker links to "#foi-cite:DOC_ID:START:END". The chat's sanitiser keeps href
and class but drops data- attributes, so the target travels in the href; each
marker carries its own, and one in an older answer opens that answer's passage.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from assistant.answer import Answer, Citation
from assistant.listing import listing_note
from ingest.textutil import one_line
from ui.render import esc

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~$])")
_PREVIEW_CHARS = 320
MARKER_PREFIX = "#foi-cite:"
_MARKER_HREF = re.compile(re.escape(MARKER_PREFIX) + r"(\w+):(\d+):(\d+)")


def md_escape(text: str) -> str:
    """Text made literal for a Markdown renderer: HTML escaped, Markdown syntax backslashed."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))
    # A leading list or quote marker would turn the line into markup. Only punctuation can be
    # backslashed in CommonMark: "1." becomes "1\." ("\1." would show its backslash).
    escaped = re.sub(r"^(\s*)(\d+)([.)])", r"\1\2\\\3", escaped, flags=re.M)
    return re.sub(r"^(\s*)([-+>])", r"\1\\\2", escaped, flags=re.M)


def answer_markdown(answer: Answer, *, read_as: str | None = None) -> str:
    """The chat message for an answer: the quoted sentences with [n] markers, or an abstention."""
    lines = [_head(answer, read_as)] if _head(answer, read_as) else []
    if answer.abstained:
        lines.append(f"**No confident answer.** {md_escape(answer.answer)}")
        for i, hit in enumerate(answer.passages[:3], 1):
            lines.append(f"\n{i}\\. {md_escape(hit.title)} ({md_escape(_page(hit.page))}): {md_escape(_preview(hit.text, 160))}")
    else:
        lines.append(linked_answer(answer))
    if answer.dropped:
        lines.append("\n*Removed from the generated answer (not supported by the passages):*")
        lines += [f"\n- {md_escape(d['sentence'])} — *{md_escape(d['reason'])}*" for d in answer.dropped]
    return "\n".join(lines)


def generating_markdown(reply: str) -> str:
    """The chat message while a model writes: its unchecked text, literal, marked as such."""
    return f"*Generating, not yet checked against the passages…*\n\n{md_escape(reply)}"


def answer_stream(answer: Answer, *, read_as: str | None = None) -> Iterator[str]:
    """The chat message for `answer` as it grows, one cited sentence (with its [n]) at a time.

    The last message yielded is exactly `answer_markdown(answer, read_as=read_as)`;
    an abstention comes whole.
    """
    if not answer.abstained:
        head = f"{_head(answer, read_as)}\n" if _head(answer, read_as) else ""
        for upto in range(1, min(len(answer.citations), len(_markers(answer)) + 1)):
            yield head + linked_answer(answer, upto=upto)
    yield answer_markdown(answer, read_as=read_as)


def _head(answer: Answer, read_as: str | None) -> str:
    """What the assistant read into the question: a follow-up's full form, metadata filters."""
    lines = []
    if read_as:
        lines.append(f"*Read as a follow-up:* {md_escape(read_as)}\n")
    if answer.filters:
        lines.append(f"*{md_escape(listing_note(answer))}*\n")
    if answer.answer_mode == "generative":
        lines.append("*Generated answer: every sentence checked against the passage it cites.*\n")
    if answer.note:
        lines.append(f"*{md_escape(answer.note)}*\n")
    return "\n".join(lines)


def marker_link(citation: Citation) -> str:
    """The `[n]` of a chat answer as a link that opens citation n's passage in the viewer."""
    href = f"{MARKER_PREFIX}{citation.doc_id}:{int(citation.start)}:{int(citation.end)}"
    return (
        f'<a class="foi-marker" href="{esc(href)}" title="Open [{citation.n}] in the viewer">'
        f"\\[{citation.n}\\]</a>"
    )


def marker_target(href: object) -> dict | None:
    """The viewer target {doc_id, start, end} of a marker link's href, or None if it is not one."""
    match = _MARKER_HREF.fullmatch(href) if isinstance(href, str) else None
    if match is None:
        return None
    return {"doc_id": match.group(1), "start": int(match.group(2)), "end": int(match.group(3))}


def linked_answer(answer: Answer, *, upto: int | None = None) -> str:
    """`answer.answer` as Markdown: its text literal, each `[n]` a `marker_link`.

    With `upto`, only the text through the `upto`-th marker.
    """
    out, last = [], 0
    markers = _markers(answer)
    for start, end, citation in markers[:upto]:
        out.append(md_escape(answer.answer[last:start]))
        out.append(marker_link(citation))
        last = end
    if upto is None:
        out.append(md_escape(answer.answer[last:]))
    return "".join(out)


def _markers(answer: Answer) -> list[tuple[int, int, Citation]]:
    """(start, end, citation) of each citation's `[n]` in `answer.answer`, in order.

    Each marker is looked for right after its own quote, so a literal "[2]" inside
    a quoted sentence is never taken for marker 2.
    """
    found, position = [], 0
    for citation in answer.citations:
        marker = f"[{citation.n}]"
        quoted = one_line(citation.quote) + " " + marker
        at = answer.answer.find(quoted, position)
        start = at + len(quoted) - len(marker) if at >= 0 else answer.answer.find(marker, position)
        if start < 0:
            break
        found.append((start, start + len(marker), citation))
        position = start + len(marker)
    return found


def plain_text_answer(answer: Answer) -> str:
    """The answer and its numbered references as plain text, ready to paste."""
    if answer.abstained:
        return f"Q: {answer.question}\n\n{answer.answer}"
    references = "\n".join(f"[{c.n}] {c.citation} — “{one_line(c.quote)}”" for c in answer.citations)
    note = f"{listing_note(answer)}\n\n" if answer.filters else ""
    return f"Q: {answer.question}\n\n{note}{answer.answer}\n\nReferences\n{references}"


def _page(page: int | None) -> str:
    return f"p. {page}" if page is not None else "no page"


def _preview(text: str, limit: int = _PREVIEW_CHARS) -> str:
    text = one_line(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
