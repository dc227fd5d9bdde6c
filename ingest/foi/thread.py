"""A thread's final outcome: the authority's last substantive reply decides it.

A WhatDoTheyKnow mailbox holds one request as messages in order (request →
acknowledgement → clarification → response → internal review). An
acknowledgement or a clarification request says nothing about what was
disclosed, so it decides only when nothing substantive followed.
"""

from __future__ import annotations

from ingest.foi.extract import FoiFields
from ingest.foi.outcomes import AWAITING, CLARIFICATION, INTERNAL_REVIEW, RESPONSE

_SUBSTANTIVE = (RESPONSE, INTERNAL_REVIEW)


def thread_outcome(messages: list[FoiFields]) -> tuple[str, int | None]:
    """The thread's outcome and the index of the message that decided it.

    Args:
        messages: The thread's messages' fields, oldest first.

    Returns:
        (outcome, index); index is None when no authority message decided it
        (the thread is still awaiting a response).
    """
    decided: tuple[str, int | None] = (AWAITING, None)
    for index, fields in enumerate(messages):
        if not fields.from_authority or not fields.outcome:
            continue
        if fields.role in _SUBSTANTIVE:
            decided = (fields.outcome, index)
        elif fields.role == "clarification" and (decided[1] is None or messages[decided[1]].role not in _SUBSTANTIVE):
            decided = (CLARIFICATION, index)
        elif decided[1] is None:
            decided = (fields.outcome, index)
    return decided
