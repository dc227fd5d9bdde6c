"""Read FOI metadata filters out of a listing question.

"Which requests were refused under section 12?" is a question about
metadata, not about text: it should list the documents whose extracted outcome
is "cost limit", whatever words they use. This module recognises such
questions — a listing question ("which / list / how many ... requests,
responses, forces ...") that names an outcome or an exemption — and returns
the filters they imply. Content questions ("what did Sheffield say about
agency staff?") get none, so ordinary retrieval is unchanged.
"""

from __future__ import annotations

import re

from ingest.foi.outcomes import CLARIFICATION, COST, NCND, NOT_HELD, PARTIAL, REFUSED, VEXATIOUS, AWAITING

_LISTING = re.compile(
    r"^\s*(?:which|what|list|show|find|name|how many|give me|are there any|were there any)\b.*?"
    r"\b(?:requests?|responses?|repl(?:y|ies)|answers?|forces?|councils?|authorit(?:y|ies)|bodies|"
    r"departments?|documents?|letters?|cases|decisions?|ones)\b",
    re.I | re.S,
)
_SECTION = re.compile(
    r"\b(?:section|sec\.?|s\.)\s*(?P<code>\d{1,2}[A-Z]?(?:\s*\(\s*\d+[A-Z]?\s*\))*(?:\s*\(\s*[a-z]{1,3}\s*\))*)"
    r"|\b(?:regulation|reg\.?)\s*(?P<reg>\d{1,2}(?:\s*\(\s*\d+\s*\))*(?:\s*\(\s*[a-z]\s*\))*)",
    re.I,
)
# Outcome phrases, most specific first; the first that matches wins.
_OUTCOME_PHRASES: list[tuple[str, re.Pattern]] = [
    (NCND, re.compile(r"neither\s+confirm\w*\s+nor\s+den\w*|\bNCND\b|\bconfirm\s+(?:n)?or\s+deny\b", re.I)),
    (COST, re.compile(r"\bcost\s+limit|appropriate\s+limit|too\s+(?:costly|expensive)|exceed\w*\s+the\s+(?:cost|18|appropriate)", re.I)),
    (VEXATIOUS, re.compile(r"\bvexatious", re.I)),
    (NOT_HELD, re.compile(r"\bnot\s+held\b|\b(?:did\s*n[o']t|does\s*n[o']t|do\s*n[o']t)\s+hold\b|\bheld\s+no\b|\bno\s+information\s+(?:was\s+)?held", re.I)),
    (PARTIAL, re.compile(r"\bpartial(?:ly)?\s+(?:disclos\w*|releas\w*|grant\w*|refus\w*)|\bin\s+part\b|\bpartly\b", re.I)),
    (CLARIFICATION, re.compile(r"\bclarification\b", re.I)),
    (AWAITING, re.compile(r"\bawaiting\b|\bunanswered\b|\bnever\s+(?:got\s+an?\s+|received\s+an?\s+)?(?:answer|repl|respon)\w*|\bno\s+(?:response|reply)\b|\boverdue\b", re.I)),
    (REFUSED, re.compile(r"\brefus\w*|\bwithh(?:e|o)ld\w*|\bturned\s+down\b|\brejected\b", re.I)),
]
# Words of a listing question that name the list, not its topic.
_LIST_WORDS = frozenset(
    "which what list show find name give still any there many how were was are is did does do said say says "
    "request requests response responses reply replies answer answers force forces council councils authority "
    "authorities body bodies department departments document documents letter letters case cases decision "
    "decisions ones information refused refuse refusal refusing withheld withhold exempt exemption exemptions "
    "section sections regulation under relied rely applied apply cited invoked using neither confirm confirmed "
    "nor deny denied vexatious cost limit exceeded exceed appropriate held hold partially partly part disclosed "
    "released granted clarification asked awaiting unanswered never got received overdue turned down rejected "
    "about on for the of to by in a an and or that this with from their they it its not no none all have has "
    "been being would could because them these those".split()
)
# Sections that are outcomes of their own rather than exemptions.
_SECTION_OUTCOMES = {"12": COST, "14": VEXATIOUS}


def filters_from_question(question: str) -> dict[str, str]:
    """FOI filters (`outcome`, `exemption`) a listing question asks for; {} for others.

    An exemption named in the question (`section 40(2)`, `s.31(3)`, `reg 12(4)(b)`)
    becomes an `exemption` filter; sections 12 and 14 and outcome words
    (refused, not held, neither confirm nor deny, vexatious, ...) become an
    `outcome` filter. When an exemption is named, it alone is used: the
    exemption already implies the refusal, and adding the outcome would drop
    documents whose outcome was labelled differently.
    """
    if not _LISTING.search(question):
        return {}
    for match in _SECTION.finditer(question):
        if match.group("reg"):
            return {"exemption": "reg " + re.sub(r"\s+", "", match.group("reg"))}
        code = re.sub(r"\s+", "", match.group("code"))
        base = re.match(r"\d+", code).group()
        if code == base and base in _SECTION_OUTCOMES:
            return {"outcome": _SECTION_OUTCOMES[base]}
        return {"exemption": "s." + code}
    for outcome, phrase in _OUTCOME_PHRASES:
        if phrase.search(question):
            return {"outcome": outcome}
    return {}



def topic_words(question: str) -> list[str]:
    """The words of a listing question left once its list words are removed:
    "which requests about parking were refused?" -> ["parking"]."""
    words = re.findall(r"[a-z][a-z'-]{2,}", _SECTION.sub(" ", question.lower()))
    return [w for w in dict.fromkeys(words) if w not in _LIST_WORDS and not w.startswith("ncnd")]
