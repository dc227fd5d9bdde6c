"""The role of a document in a request's life and the outcome it states.

Roles: request, acknowledgement, clarification, response, internal review.
Outcomes: disclosed, partially disclosed, not held, refused, neither confirm
nor deny, cost limit, vexatious, clarification requested, awaiting response.

Every decision comes from a phrase in the author's own text (quoted earlier
messages and the quoted request are ignored), and that phrase is kept as
evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.foi.spans import Span

DISCLOSED = "disclosed"
PARTIAL = "partially disclosed"
NOT_HELD = "not held"
REFUSED = "refused"
NCND = "neither confirm nor deny"
COST = "cost limit"
VEXATIOUS = "vexatious"
CLARIFICATION = "clarification requested"
AWAITING = "awaiting response"
OUTCOMES = (DISCLOSED, PARTIAL, NOT_HELD, REFUSED, NCND, COST, VEXATIOUS, CLARIFICATION, AWAITING)

REQUEST = "request"
ACKNOWLEDGEMENT = "acknowledgement"
CLARIFICATION_ROLE = "clarification"
RESPONSE = "response"
INTERNAL_REVIEW = "internal review"
ROLES = (REQUEST, ACKNOWLEDGEMENT, CLARIFICATION_ROLE, RESPONSE, INTERNAL_REVIEW)

_CUES: dict[str, re.Pattern] = {
    PARTIAL: re.compile(r"\bpartial (?:response|disclosure)\b", re.I),
    NCND: re.compile(r"neither\s+confirm\w*\s+nor\s+den(?:y|ies|ying)|cannot confirm or deny|can neither confirm", re.I),
    COST: re.compile(
        r"exceeds?\s+the\s+(?:\W?appropriate limit|cost limit|\d+\s+hours?)|would\s+(?:far\s+)?exceed\s+(?:the\s+)?(?:\W?appropriate|cost|\d+\s+hour)"
        r"|(?:exempt|refus\w*)[^.]{0,60}\bsection\s+12\b|section\s+12\b[^.]{0,60}(?:cost|limit|exempt)"
        r"|beyond the 18 hour limit|exceeded the .appropriate limit|exceed the cost of compliance|(?:more|greater) than the cost limit",
        re.I,
    ),
    VEXATIOUS: re.compile(r"(?:deemed|considered|is|be|as)\s+(?:to\s+be\s+)?vexatious|section\s+14\b[^.]{0,40}vexatious", re.I),
    NOT_HELD: re.compile(
        r"\b(?:not|no longer)\s+held\b|(?:does|do|did)\s+not\s+(?:currently\s+)?hold|no\s+(?:recorded\s+)?information\s+(?:is\s+)?held"
        r"|(?:do|does)\s+not\s+(?:record|keep|collect)\b|no\s+(?:such\s+)?records?\s+(?:are|is|were)\s+held|there (?:are|is) no (?:documents|records|information)"
        r"|hold no (?:recorded )?information|don.t (?:currently )?hold|doesn.t hold|no data (?:is )?available|information (?:is )?not recorded|is not recorded|not stored centrally|not hold (?:any|this|the)|no requests have been received so there are no documents"
        r"|(?:do(?:es)? not|don.t|doesn.t) have (?:a |any |the )?(?:definitive |full |specific |such |this )?"
        r"(?:information|data|figures?|number|records?|details|breakdown)"
        r"|(?:has|have) not received (?:the|any|this|such)\b|(?:unable|not able) to identify"
        r"|(?:do(?:es)? not|don.t) break (?:[\w-]+ ){0,4}down|(?:is|are) not broken down"
        r"|there (?:has|have) been no (?:[\w-]+ ){0,2}"
        r"(?:assessments?|reports?|reviews?|records?|documents?|correspondence|analysis)\b"
        r"|(?:figures?|data|information|records?|this|these|they) (?:is|are|was|were) not available"
        r"|\bnot available (?:as|due to|because)\b",
        re.I,
    ),
    REFUSED: re.compile(
        r"(?:is|are|being|been)\s+exempt\s+from\s+disclosure|exempt\s+under|(?:is|are|has been|have been)\s+withheld|refusal notice|we are (?:unable|not able) to (?:provide|disclose|release)"
        r"|refus(?:e|ing) (?:your|this|the) request|declin(?:e|ing) (?:your|this|the) request|(?:decided|decision) (?:not )?to withhold|are applying (?:the )?(?:exemption|exception)|is engaged",
        re.I,
    ),
    DISCLOSED: re.compile(
        r"please find (?:attached|enclosed|the (?:information|attached|requested))"
        r"|(?:is|are) (?:attached|enclosed)|decided to disclose|information (?:that is|being) released|is being released|information requested is held"
        r"|can confirm (?:we|that we|the council|this) (?:do )?holds?|(?:does|do) hold (?:some )?(?:the )?information|i can confirm this is used"
        r"|refer to [^.]{0,40}attached|the information you requested (?:is|was) (?:attached|provided|published)|see attached",
        re.I,
    ),
    # An answer's opening words: disclosure only when nothing else is said.
    "answered": re.compile(
        r"please find (?:below,? )?(?:sheffield city council.s |our |the council.s )?response|response to your request (?:set out )?below"
        r"|please see (?:the|our) response(?: to your questions?)? below|in response to your request,? (?:i|we) can confirm|please see below|the answers? (?:is|are) (?:as follows|below)",
        re.I,
    ),
    CLARIFICATION: re.compile(
        r"(?:could|can|would) you (?:please )?clarify|please (?:can you )?clarify|like to clarify|seek(?:ing)? clarification|require(?:s)? clarification"
        r"|clarification (?:of|on|regarding) (?:your|what|the)|(?:before|in order for) we can (?:begin to )?process|could you (?:please )?confirm (?:what|which|whether)",
        re.I,
    ),
    AWAITING: re.compile(
        r"has been logged as|will be dealt with under|we (?:must|will|aim to) respond (?:to you )?within|respond to you within 20 working days"
        r"|has (?:now )?been logged|respond to your request for internal review within|(?:is|are) not (?:quite )?(?:finished|ready|complete)|acknowledge (?:receipt of )?your request|we are (?:still )?(?:working on|processing) your request|extend(?:ed|ing)? the (?:deadline|time)",
        re.I,
    ),
}
_REVIEW = re.compile(
    r"(?-i:^[ \t]*Internal Review\b)|carried out an internal review|requesting an internal review|requesting a review of"
    r"|regarding an internal review|response to your internal review|internal review (?:of|into) (?:your|our|the) (?:handling|response|request|decision)"
    r"|(?:decision|response) (?:is|was|should be) upheld|I (?:have upheld|uphold|do not uphold)",
    re.I | re.M,
)
_REVIEW_REQUEST = re.compile(r"(?:please|I would like to|I am writing to) (?:\w+ ){0,4}(?:request|ask for|conduct|pass this on to)\w* (?:an? )?internal review", re.I)
_ASKING = re.compile(r"I (?:am writing to|would like to|write to) request|please (?:can you |could you |may you )?provide|I would like (?:to know|a copy)|under the Freedom of Information Act[^.]{0,40}request", re.I)
_REQUESTER_CLARIFY = re.compile(r"(?:to clarify|in clarification|clarif(?:y|ication))", re.I)
_QUESTION = re.compile(r"^[ \t•\-–*]*(?:Q(?:uestion)?\s*)?(\d{1,2})[a-z]?\s*[.):]\s*(?=\S)", re.M)


@dataclass(frozen=True)
class Cue:
    """An outcome phrase and where it sits."""

    outcome: str
    span: Span


# A pattern runs only where one of its words occurs: most texts hold few cues,
# and skipping the rest keeps extraction a small share of ingest time.
_KEYWORDS: dict[str, tuple[str, ...]] = {
    PARTIAL: ("partial",),
    NCND: ("confirm",),
    COST: ("exceed", "section 12", "hour", "limit", "cost of compliance"),
    VEXATIOUS: ("vexatious",),
    NOT_HELD: ("hold", "held", "record", "keep", "collect", "no such", "there are no", "there is no", "no data", "stored",
               "have", "received", "identify", "break", "broken", "been no", "available"),
    REFUSED: ("exempt", "withh", "refus", "unable", "not able", "engaged", "applying", "declin"),
    DISCLOSED: ("attach", "enclos", "disclos", "releas", "held", "hold", "confirm", "refer to"),
    "answered": ("response", "see below", "answer", "confirm"),
    CLARIFICATION: ("clarif", "process", "confirm"),
    AWAITING: ("logged", "dealt with", "respond", "acknowledge", "working on", "processing", "extend", "not quite",
               "finished", "not ready", "not complete"),
}


# "Exempt ... under section 21": the information is published and the reply says where, which a
# requester reads as an answer, not a refusal.
_PUBLISHED = re.compile(r"^[^.]{0,60}?\b(?:section|s\.?)\s*21\b|^[^.]{0,60}?regulation\s+6\(1\)\(b\)", re.I)
# Names and contact details withheld from documents that are released: a redaction, not a refusal.
_PERSONAL_DATA = re.compile(r"^[^.]{0,80}?(?:\b(?:section|s\.?)\s*40\s*\(2\)|regulation\s+1[23]\b|\bpersonal data)", re.I)
REDACTION = "redaction"
# WhatDoTheyKnow lists a message's attachments first ("2 Attachments  report.pdf 1.2M Download"):
# a document or spreadsheet attached is information released (logos and signatures are images).
_ATTACHED = re.compile(r"\s*\d+ Attachments?[ \t]*\n(?:[^\n]*\n){0,20}?([^\n]+\.(?:pdf|xlsx?|docx?|csv|odt|ods|zip))[ \t]*\n", re.I)


def find_cues(text: str, start: int, end: int) -> list[Cue]:
    """Every outcome cue in text[start:end], in order."""
    cues = []
    lowered = " ".join(text[start:end].lower().split())
    for outcome, pattern in _CUES.items():
        if not any(word in lowered for word in _KEYWORDS[outcome]):
            continue
        for match in pattern.finditer(text, start, end):
            cues.append(Cue(outcome, Span.of(text, match.start(), match.end())))
    cues.sort(key=lambda c: c.span.start)
    return cues


def requester_cues(text: str, cues: list[Cue], end: int) -> list[Cue]:
    """The cues as a requester reads them: a refusal phrase that names s.21 (published
    elsewhere, and the reply says where) is a disclosure; one that names personal data
    (s.40(2), EIR reg 12(3)/13) is a redaction of what is released (see `document_outcome`)."""
    out = []
    attached = _ATTACHED.match(text)
    if attached:
        out.append(Cue(DISCLOSED, Span.of(text, attached.start(1), attached.end(1))))
    for cue in cues:
        if cue.outcome == REFUSED:
            after = text[cue.span.end : min(end, cue.span.end + 120)]
            if _PUBLISHED.search(after):
                cue = Cue(DISCLOSED, cue.span)
            elif _PERSONAL_DATA.search(after):
                cue = Cue(REDACTION, cue.span)
        out.append(cue)
    return out


def within(cues: list[Cue], start: int, end: int) -> list[Cue]:
    """The cues of an already scanned text that lie in [start, end)."""
    return [c for c in cues if start <= c.span.start and c.span.end <= end]


def classify_role(
    text: str, own_end: int, *, from_authority: bool | None, cues: list[Cue] | None = None
) -> tuple[str, Span | None]:
    """The document's role and the phrase that decided it (None for the default).

    `cues` are `find_cues(text, 0, own_end)` when the caller has them already.
    """
    head = (0, min(own_end, 3000))
    if from_authority is False:
        match = _REVIEW_REQUEST.search(text, *head)
        if match:
            return INTERNAL_REVIEW, Span.of(text, match.start(), match.end())
        match = _REQUESTER_CLARIFY.search(text, *head)
        if match and "clarif" in text[:400].lower():
            return CLARIFICATION_ROLE, Span.of(text, match.start(), match.end())
        return REQUEST, None
    match = _REVIEW.search(text, 0, min(own_end, 1500))
    if match:
        return INTERNAL_REVIEW, Span.of(text, match.start(), match.end())
    cues = find_cues(text, 0, own_end) if cues is None else cues
    substantive = [c for c in cues if c.outcome not in (AWAITING, CLARIFICATION)]
    clarify = [c for c in cues if c.outcome == CLARIFICATION]
    awaiting = [c for c in cues if c.outcome == AWAITING]
    if substantive:
        return RESPONSE, substantive[0].span
    if clarify:
        return CLARIFICATION_ROLE, clarify[0].span
    if awaiting:
        return ACKNOWLEDGEMENT, awaiting[0].span
    if from_authority is None and _ASKING.search(text, 0, min(own_end, 1500)):
        return REQUEST, None
    return RESPONSE, None


def combine(outcomes: list[str]) -> str | None:
    """One document-level outcome from the outcomes of its parts or questions.

    Anything disclosed beside anything withheld or not held is a partial
    disclosure; otherwise the strongest refusal wins (cost limit and
    vexatious decide the whole request; NCND beats "not held" because it
    covers what the search could not).
    """
    found = set(outcomes)
    if not found:
        return None
    if VEXATIOUS in found:
        return VEXATIOUS  # s.14 refuses the request as a whole, whatever else is said
    withheld = found & {REFUSED, NCND, NOT_HELD, COST, VEXATIOUS, PARTIAL}
    if DISCLOSED in found and withheld:
        return PARTIAL
    for outcome in (PARTIAL, VEXATIOUS, COST, NCND, REFUSED, NOT_HELD, DISCLOSED, CLARIFICATION, AWAITING):
        if outcome in found:
            return outcome
    return None


def document_outcome(
    role: str,
    cues: list[Cue],
    has_applied_exemption: bool,
    *,
    from_requester: bool = False,
    answered_questions: int = 0,
    requester_view: bool = False,
    figures_beside: bool = False,
) -> tuple[str | None, list[Cue]]:
    """The outcome a document states, with the cues that decided it (None for the requester's own messages).

    With `requester_view` (cues from `requester_cues`), the outcome is what the requester got:
    redactions of personal data leave a disclosure, and the cost limit reached for one question
    beside plainly answered ones is a partial disclosure, and so is "not held" beside figures
    given in a sentence that states no outcome (`figures_beside`, see `figures_beside_cues`).
    """
    if role == REQUEST or from_requester:
        return None, []
    if role == ACKNOWLEDGEMENT:
        return AWAITING, [c for c in cues if c.outcome == AWAITING][:1]
    if role == CLARIFICATION_ROLE and not from_requester:
        return CLARIFICATION, [c for c in cues if c.outcome == CLARIFICATION][:1]
    substantive = [c for c in cues if c.outcome not in (AWAITING, CLARIFICATION, "answered")]
    # "Please find our response below", then only an exemption argued (s.43 with its public
    # interest test): the requester got nothing, so it is a refusal.
    if requester_view and not substantive and has_applied_exemption and not (answered_questions or figures_beside):
        return REFUSED, []
    if not substantive:
        substantive = [Cue(DISCLOSED, c.span) for c in cues if c.outcome == "answered"]
    if not substantive:
        if has_applied_exemption:
            return REFUSED, []
        return (DISCLOSED, []) if role == RESPONSE else (None, [])
    kinds = [c.outcome for c in substantive]
    # Personal data withheld from what is otherwise released is a redaction; alone, it is the refusal.
    if REDACTION in kinds:
        kinds = [k for k in kinds if k != REDACTION]
        if answered_questions and DISCLOSED not in kinds:
            kinds.append(DISCLOSED)
        kinds = kinds or [REFUSED]
    # Not held for one part, figures given for another (numbered or not): a partial answer.
    if figures_beside and set(kinds) == {NOT_HELD}:
        kinds.append(DISCLOSED)
    # The cost limit reached for one question while others are plainly answered: a partial answer.
    if requester_view and COST in kinds and (answered_questions or figures_beside):
        kinds = [REFUSED if k == COST else k for k in kinds] + [DISCLOSED]
    # "Please find our response below", then numbered questions answered with
    # figures beside others refused or not held: a partial disclosure.
    if answered_questions and any(c.outcome == "answered" for c in cues):
        kinds.append(DISCLOSED)
    # An exemption applied to part of an otherwise answered request.
    if has_applied_exemption and REFUSED not in kinds and set(kinds) <= {DISCLOSED}:
        kinds.append(REFUSED)
    outcome = combine(kinds)
    return outcome, [c for c in substantive if c.outcome in (outcome, DISCLOSED) or outcome == PARTIAL]


# WhatDoTheyKnow's footer numbers the message's links ("1. https://…"): not answered questions.
_LINK = re.compile(r"\s*(?:https?:|mailto:|www\.|\[)", re.I)


@dataclass(frozen=True)
class QuestionOutcome:
    """The outcome of one numbered question of a response."""

    question: str
    outcome: str
    span: Span


def plainly_answered_questions(text: str, start: int, end: int, cues: list[Cue] | None = None) -> int:
    """Numbered questions whose segment states no outcome but carries figures (an answer)."""
    cues = find_cues(text, start, end) if cues is None else cues
    marks = [m for m in _QUESTION.finditer(text, start, end)]
    count = 0
    for i, mark in enumerate(marks):
        stop = marks[i + 1].start() if i + 1 < len(marks) else end
        if within(cues, mark.start(), stop) or _LINK.match(text, mark.end()):
            continue
        if re.search(r"\d", text[mark.end() : stop]):
            count += 1
    return count


# Figures that belong to the letter, not to an answer: dates, Acts, licences, deadlines, link numbers.
_NOT_AN_ANSWER = re.compile(
    r"\[\d+\]|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:Act|Regulations|Order)\s+\d{4}|\bv\d+(?:\.\d+)?|\b\d+\s+working\s+days"
    r"|\b(?:section|s\.|regulation|reg\.?|article)\s*\d+[\w()]*|\b\d{1,2}(?:st|nd|rd|th)?\s+\w+\s+\d{4}"
    r"|\bSI\s+\d{4}\s+No\.?\s*\d+"
    r"|\b(?:FOI|EIR|ref\w*)\s*[/#:]?\s*[\d/\-]+|\b\d{3,5}\s?\d{3}\s?\d{3,4}\b|\b[A-Z]{1,2}\d{1,2}\s?\d[A-Z]{2}\b"
    r"|\b\d{1,2}\^?(?:st|nd|rd|th)\b|\b(?:19|20)\d{2}(?:/\d{2,4})?\b|https?://\S+|www\.\S+",
    re.I,
)
# Lines are hard-wrapped, so a sentence ends at a full stop, a blank line or a new bullet or number.
_SENTENCE_END = re.compile(r"(?<!\bNo)[.!?](?=\s)|\n[ \t]*\n|\n(?=[ \t]*(?:[•\-–*]|\d{1,2}[.)])\s)")
# A cost-limit refusal's own arithmetic ("262 records at 10 minutes each: 43 hours") is not an answer.
_COST_ESTIMATE = re.compile(r"\b(?:estimate\w*|hours?|minutes?|cost limit|appropriate limit|£450|£600)\b", re.I)
# A bulleted item that states no outcome is something listed for the requester.
_LISTED = re.compile(r"\s*•\s*\w")
_LETTER_END = re.compile(
    r"If you have any (?:further )?queries|If you are (?:unhappy|dissatisfied)|Yours (?:sincerely|faithfully)|Kind regards",
    re.I,
)


def figures_beside_cues(text: str, start: int, end: int, cues: list[Cue]) -> bool:
    """Whether the answer gives figures in a sentence that states no outcome.

    "We do not hold X" next to "229 reports were attended" is a partial answer
    even when the questions are not numbered. Only the letter's own body counts
    (up to its closing lines); dates, Acts, section numbers, deadlines, links,
    phone numbers and a cost-limit estimate are not figures, a bulleted item is.
    """
    closing = _LETTER_END.search(text, start, end)
    end = closing.start() if closing else end
    taken = [(c.span.start, c.span.end) for c in cues if c.outcome != "answered"]
    cuts = [start] + [m.end() for m in _SENTENCE_END.finditer(text, start, end)] + [end]
    for lo, hi in zip(cuts, cuts[1:]):
        if any(lo < e and s < hi for s, e in taken) or _COST_ESTIMATE.search(text, lo, hi):
            continue
        if re.search(r"\d", _NOT_AN_ANSWER.sub(" ", text[lo:hi])) or _LISTED.match(text, lo, hi):
            return True
    return False


def outcomes_by_question(text: str, start: int, end: int, cues: list[Cue] | None = None) -> list[QuestionOutcome]:
    """Outcomes per numbered question in text[start:end], where the answer says one."""
    cues = find_cues(text, start, end) if cues is None else cues
    marks = [m for m in _QUESTION.finditer(text, start, end)]
    results: list[QuestionOutcome] = []
    seen: set[str] = set()
    for i, mark in enumerate(marks):
        number = mark.group(1)
        stop = marks[i + 1].start() if i + 1 < len(marks) else end
        if number in seen:
            continue
        here = [c for c in within(cues, mark.start(), stop) if c.outcome not in (AWAITING, CLARIFICATION, "answered")]
        outcome = combine([c.outcome for c in here])
        if outcome:
            seen.add(number)
            results.append(QuestionOutcome(number, outcome, here[0].span))
    return results
