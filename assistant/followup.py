"""Turn a short follow-up question into a self-contained retrieval query."""

from __future__ import annotations

import re

FOLLOW_UP_WORDS = 6
_FOLLOW_UP_START = re.compile(
    r"^(and|but|also|what about|how about|why|when|who|which|so|then|is it|was it|did they)\b", re.I
)


def contextual_question(previous: str | None, question: str, max_words: int = FOLLOW_UP_WORDS) -> str:
    """The question to retrieve with: a short follow-up is prefixed with the previous question.

    Example:
        >>> contextual_question("Does WMP use body worn video?", "How many cameras?")
        'Does WMP use body worn video? How many cameras?'
    """
    question = question.strip()
    if not previous or not question:
        return question
    if len(question.split()) <= max_words or _FOLLOW_UP_START.match(question):
        return f"{previous.strip()} {question}"
    return question
