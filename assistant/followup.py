"""Turn a follow-up question into a self-contained retrieval query."""

from __future__ import annotations

import re

from assistant.terms import content_terms

# Openings that only continue the conversation ("and in 2021?", "what about Leeds?").
_FOLLOW_UP_START = re.compile(r"^(and|but|also|what about|how about|so|then)\b", re.I)
# Words that point back at something named earlier.
_POINTS_BACK = re.compile(r"\b(it|its|they|them|their|that|those|this|these)\b", re.I)


def contextual_question(previous: str | None, question: str) -> str:
    """The question to retrieve with: a follow-up is prefixed with the previous question.

    A follow-up opens with a continuing word, names at most one thing of its own ("How many
    cameras?"), or names two and points back ("What did it cost in 2021?"). A question that names
    its own subject ("Does the force use facial recognition?") stands alone, however short.

    Example:
        >>> contextual_question("Does WMP use body worn video?", "How many cameras?")
        'Does WMP use body worn video? How many cameras?'
    """
    question = question.strip()
    if not previous or not question:
        return question
    named = len(content_terms(question))
    if _FOLLOW_UP_START.match(question) or named <= 1 or (named <= 2 and _POINTS_BACK.search(question)):
        return f"{previous.strip()} {question}"
    return question
