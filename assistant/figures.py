"""What figure a question asks for, and whether a sentence states one.

"How much did X spend" is answered by a sum of money, "how long" by a duration, "how many"
by a count (or by saying that nothing is held); a sentence that states none of these is
not the answer while another candidate does (`sentence_choice.choose_sentences`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
# Not a figure an answer gives: years ("2023", "2022/23", "23/24"), dates, list markers ("1.", "2c"),
# telephone numbers ("0114 2930000"), link markers ("[1]").
_NOT_FIGURES = re.compile(
    rf"\b(?:19|20)\d\d(?:[/-]\d{{2,4}})?\b|\b\d\d/\d\d\b|\b\d{{1,2}}(?:\^?(?:st|nd|rd|th))?\s+(?:{_MONTHS})[a-z]*\b|"
    rf"\b\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}\b|^\s*\(?\d{{1,2}}[a-z]?[.)]\s|\b\d{{1,2}}[a-z]\b|"
    r"\b0\d{3,4}\s?\d{3}\s?\d{3,4}\b|\[\d{1,2}\]",
    re.I | re.M,
)
_DIGIT = re.compile(r"\d")
_NOT_HELD = re.compile(
    r"\b(?:not (?:hold|held|recorded|collected|available|have)|no (?:information|data|records?)\b|none|nil|zero|"
    r"neither confirm nor deny|there (?:are|were|is|was) no)\b",
    re.I,
)


def has_figure(sentence: str) -> bool:
    """Whether `sentence` states a figure: a digit that is not part of a year, date, list or link marker."""
    return bool(_DIGIT.search(_NOT_FIGURES.sub(" ", sentence)))


def holds_figure(sentence: str) -> bool:
    """Whether `sentence` states a figure (`has_figure`) or that nothing is held."""
    return has_figure(sentence) or bool(_NOT_HELD.search(sentence))


# "How much did X spend / cost / pay": the answer is a sum of money, not a count of staff or a date.
_MONEY_QUESTION = re.compile(
    r"\b(?:spen[dt]|spending|costs?|costing|paid|pay|payments?|budgets?|expenditure|revenue|income|raised|"
    r"fees?|fines?|money|price[ds]?|grants?)\b|£",
    re.I,
)
_COUNT_QUESTION = re.compile(r"\bhow many\b|\bnumber of\b", re.I)
_ASKING_SUM = re.compile(r"\bhow much\b|\bwhat\b|\btotal\b", re.I)
_AMOUNT = re.compile(r"£\s?\d|\d\s?(?:(?:million|billion|thousand)\s)?(?:pounds|GBP)\b|\bGBP\s?\d|€\s?\d", re.I)
_DURATION_QUESTION = re.compile(r"\bhow long\b(?! ago)", re.I)
_DURATION = re.compile(r"\b\d[\d,.]*\s?(?:working\s)?(?:days?|weeks?|months?|years?|hours?|minutes?)\b", re.I)


def asks_for_money(question: str) -> bool:
    """True for a question whose answer is a sum of money: "how much ... spend / cost / pay", "what did X cost"."""
    if _COUNT_QUESTION.search(question):
        return False
    return bool(_MONEY_QUESTION.search(question)) and bool(_ASKING_SUM.search(question))


def asked_unit(question: str) -> Callable[[str], bool] | None:
    """Whether a sentence states the figure `question` asks for: a sum of money (`asks_for_money`),
    a duration ("how long ... wait": "80 days"), a count ("how many": `holds_figure`), or None when
    the question asks for no figure."""
    if asks_for_money(question):
        return lambda sentence: bool(_AMOUNT.search(sentence))
    if _DURATION_QUESTION.search(question):
        return lambda sentence: bool(_DURATION.search(sentence))
    if _COUNT_QUESTION.search(question):
        return holds_figure
    return None
