"""HTML files: the visible text only."""

from __future__ import annotations

import re
import warnings

from bs4 import BeautifulSoup, NavigableString, Tag
from bs4 import Comment, Declaration, Doctype, ProcessingInstruction
from bs4 import MarkupResemblesLocatorWarning

from ingest.documents import Document
from ingest.readers.base import ReadResult, make_title, normalise_newlines
from ingest.readers.encoding import bom_encoding, decode_bytes

_INVISIBLE = frozenset(
    {"script", "style", "noscript", "template", "head", "svg", "iframe", "object"}
)
# Elements that end a paragraph (a blank line) or a line.
_PARAGRAPH = frozenset(
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol",
        "dl", "section", "article", "header", "footer", "nav", "aside", "main", "form",
        "fieldset", "figure", "address", "hr", "details",
    }
)
_LINE = frozenset(
    {"div", "li", "tr", "dt", "dd", "caption", "figcaption", "summary", "legend", "option"}
)
_CELL = frozenset({"td", "th"})
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_DISPLAY_NONE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def read(data: bytes, name: str) -> ReadResult:
    """Read an .html or .htm file.

    Args:
        data: The file's bytes; the charset comes from a BOM or a <meta> tag,
            else UTF-8, else Windows-1252.
        name: The file name, used as the title when the page has no <title>.

    Returns:
        One document holding the page's visible text.
    """
    title, text = html_to_text(decode_html(data))
    document = Document(
        path="", part=None, kind="html", title=make_title(title, name), text=text
    )
    return ReadResult(documents=[document])


def decode_html(data: bytes) -> str:
    """Decode HTML bytes using its BOM or <meta charset>, else like plain text."""
    if bom_encoding(data):
        return decode_bytes(data)
    match = _META_CHARSET.search(data[:4096])
    declared = match.group(1).decode("ascii") if match else None
    return decode_bytes(data, declared=declared)


def html_to_text(markup: str) -> tuple[str, str]:
    """Extract the visible text of an HTML document.

    Block elements become line breaks, paragraphs are separated by a blank
    line, whitespace inside a line is collapsed, and table cells are joined
    by " | ". Scripts, styles, the <head> and hidden elements are dropped.

    Args:
        markup: The HTML source.

    Returns:
        (title, text): the <title> (or first <h1>) text, "" if none, and the body text.
    """
    with warnings.catch_warnings():
        # Short markup such as "report.html" makes bs4 warn that it looks like a file name.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(markup, "lxml")
    title = _title(soup)
    writer = _TextWriter()
    writer.walk(soup)
    return title, writer.text()


def _title(soup: BeautifulSoup) -> str:
    for tag_name in ("title", "h1"):
        tag = soup.find(tag_name)
        if tag is not None:
            text = re.sub(r"\s+", " ", tag.get_text(" ")).strip()
            if text:
                return text
    return ""


class _TextWriter:
    """Collects text pieces and the line breaks owed between them."""

    def __init__(self) -> None:
        self._pieces: list[str] = []
        self._pending_breaks = 0

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if not isinstance(child, _NOT_TEXT):
                    self._text(str(child))
            elif isinstance(child, Tag):
                self._element(child)

    def _element(self, tag: Tag) -> None:
        name = (tag.name or "").lower()
        if name in _INVISIBLE or _is_hidden(tag):
            return
        if name == "br":
            self._pending_breaks = min(self._pending_breaks + 1, 2)
            return
        if name in _CELL and tag.find_previous_sibling(_CELL) is not None:
            self._text(" | ")
        breaks = 2 if name in _PARAGRAPH else 1 if name in _LINE else 0
        self._break(breaks)
        self.walk(tag)
        self._break(breaks)

    def _break(self, count: int) -> None:
        self._pending_breaks = max(self._pending_breaks, count)

    def _text(self, text: str) -> None:
        text = re.sub(r"\s+", " ", text.replace("\xa0", " "))
        if not text.strip():
            if self._pieces and not self._pending_breaks:
                self._pieces.append(" ")
            return
        if self._pending_breaks and self._pieces:
            self._pieces.append("\n" * self._pending_breaks)
        self._pending_breaks = 0
        self._pieces.append(text)

    def text(self) -> str:
        lines = [re.sub(r" {2,}", " ", line).strip() for line in "".join(self._pieces).split("\n")]
        text = "\n".join(lines)
        return normalise_newlines(re.sub(r"\n{3,}", "\n\n", text)).strip()


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden"):
        return True
    return bool(_DISPLAY_NONE.search(str(tag.get("style", ""))))
