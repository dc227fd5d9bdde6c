"""The public authority a document comes from or is addressed to."""

from __future__ import annotations

import re
from collections import Counter

from ingest.foi.spans import Span

_AUTHORITY = re.compile(
    r"\b((?:[A-Z][a-z]+\s){1,3}(?:Police(?: and Crime Commissioner)?|Constabulary|City Council|County Council|"
    r"Borough Council|District Council|Council|NHS (?:Foundation )?Trust))\b"
)
_AUTHORITY_CAPS = re.compile(r"^\s*([A-Z]{3,}(?: [A-Z]{3,}){0,2} (?:POLICE|CONSTABULARY|COUNCIL))\s*$", re.M)
_NOT_A_NAME = re.compile(r"^(?:Dear|The|Your|Our|My|This|That|Thank|Please|Sincerely|Regards|Kind|From|To)\s", re.I)


def _clean(name: str) -> str:
    return _NOT_A_NAME.sub("", name.strip())


def find_authority(metadata: dict, head: str) -> tuple[str | None, Span | None]:
    """The authority's name and, if it is written in `head`, where.

    Tries the email sender, then the recipient (a requester writing to the
    authority), then a capitalised letterhead line, then the name most often
    written in the head of the text.
    """
    for key in ("from", "to"):
        name = (metadata.get(key) or "").split("<")[0].strip().strip('"')
        if name and _AUTHORITY.fullmatch(name):
            at = head.find(name)
            return name, (Span.of(head, at, at + len(name)) if at >= 0 else None)
    caps = _AUTHORITY_CAPS.search(head)
    if caps:
        return caps.group(1).title(), Span.of(head, *caps.span(1))
    found = Counter(_clean(m.group(1)) for m in _AUTHORITY.finditer(head))
    if found:
        name = found.most_common(1)[0][0]
        at = head.find(name)
        return name, (Span.of(head, at, at + len(name)) if at >= 0 else None)
    return None, None
