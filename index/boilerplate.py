"""Detect passages that recur near-verbatim across documents (acknowledgements,
appeal rights, disclaimers, reused public-interest-test text).

Each distinct chunk text is split into sentences; a sentence is normalised
(case, whitespace, digits) so that the same paragraph with another reference
number or date still matches. A sentence is boilerplate when it occurs in at
least `min_documents` documents, and a chunk's boilerplate ratio is the share of
its characters in such sentences. Near-identical boilerplate chunks share a
signature, which lets search collapse them into one hit.
"""

from __future__ import annotations

import hashlib
import re

from ingest.sentences import sentence_spans

MIN_SENTENCE_CHARS = 20
DEFAULT_MIN_DOCUMENTS = 3
_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[^\w]+")


def sentence_keys(text: str) -> list[tuple[str, int]]:
    """(normalised-sentence hash, length in characters) for each sentence of `text`."""
    keys = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        if len(sentence) < MIN_SENTENCE_CHARS:
            continue
        normalised = _NON_WORD.sub(" ", _DIGITS.sub("0", sentence.lower())).strip()
        keys.append((hashlib.sha1(normalised.encode("utf-8")).hexdigest()[:16], end - start))
    return keys


REFRESH_SQL = """
DELETE FROM sentence_documents;
INSERT INTO sentence_documents (hash, documents)
    SELECT vs.hash, COUNT(DISTINCT c.doc_id)
    FROM vector_sentences vs JOIN chunks c ON c.vector_id = vs.vector_id
    GROUP BY vs.hash;
DELETE FROM boilerplate;
INSERT INTO boilerplate (vector_id, ratio, signature)
    SELECT vs.vector_id,
           1.0 * SUM(CASE WHEN sd.documents >= :min_documents THEN vs.chars ELSE 0 END) / SUM(vs.chars),
           group_concat(CASE WHEN sd.documents >= :min_documents THEN vs.hash END, ',')
    FROM vector_sentences vs JOIN sentence_documents sd ON sd.hash = vs.hash
    GROUP BY vs.vector_id
    HAVING SUM(CASE WHEN sd.documents >= :min_documents THEN vs.chars ELSE 0 END) > 0;
"""
