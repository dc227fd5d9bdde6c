"""Which part of a document is its own text, and which quotes earlier messages or the request.

An email reply usually carries the messages it answers below a header block
("From: FOI / Sent: ... / To: ... / Subject: ..."); a response letter often
repeats the request under a "Request" heading before its "Response". Fields
such as the outcome must come from the author's own words, not the quotes.
"""

from __future__ import annotations

import re

_QUOTE_START = re.compile(
    r"^(?:-{3,}\s*Original Message\s*-{3,}"
    r"|_{10,}\s*$"
    r"|From:[^\n]*\n(?:Sent|Date):"
    r"|On [^\n]{5,80}wrote:\s*$"
    r"|>[^\n]*\n>)",
    re.M | re.I,
)
_RESPONSE_HEADING = re.compile(
    r"^[ \t]*(?:RESPONSE|Response|Our response|Answer|Decision)\s*:?[ \t]*$"
    r"|(?:Please find (?:below,? )?(?:Sheffield City Council.s |our )?response"
    r"|In response to your request"
    r"|Your request for information has now been considered"
    r"|I can confirm that the information requested is held"
    r"|can confirm we do hold)",
    re.M,
)


def own_text_end(text: str) -> int:
    """Offset where quoted earlier correspondence starts (len(text) if none)."""
    match = _QUOTE_START.search(text)
    return match.start() if match else len(text)


def response_start(text: str, end: int) -> int:
    """Offset where the authority's answer starts within text[:end] (0 if no heading)."""
    match = _RESPONSE_HEADING.search(text, 0, end)
    return match.start() if match else 0
