"""Which access law a document works under: FOIA, EIR, FOISA or US FOIA."""

from __future__ import annotations

import re

from ingest.foi.spans import Span

# Checked in order: the more specific regime wins, since FOIA boilerplate
# appears in EIR and FOISA correspondence too.
_LAWS: list[tuple[str, re.Pattern]] = [
    ("FOISA", re.compile(r"Freedom of Information \(Scotland\) Act|\bFOISA\b|Scottish Information Commissioner")),
    ("US FOIA", re.compile(r"5\s+U\.?S\.?C\.?\s*§*\s*552|\bU\.S\. Freedom of Information Act|\(b\)\(\d\)\(?[A-F]?\)?\s+(?:of|exemption)")),
    ("EIR", re.compile(r"Environmental Information Regulations|\bEIR\s*/\s*\d|\bEIR\b(?! /)|\bregulation\s+12\s*\(\s*[345]\s*\)", re.I)),
    ("FOIA", re.compile(r"Freedom of Information Act|\bFOI\s?Act\b|\bFOIA\b|\bFreedom of Information\b|\bFOI\b")),
]


def find_law(text: str, own_end: int) -> tuple[str | None, Span | None]:
    """The law named in the document's own text (else anywhere in it), with its span."""
    for end in (own_end, len(text)):
        for law, pattern in _LAWS:
            match = pattern.search(text, 0, end)
            if match:
                return law, Span.of(text, *match.span())
    return None, None
