"""Check a generated answer sentence by sentence against the passages it cites.

A sentence survives only if it carries at least one `[n]` marker naming a passage
that was given to the model, every figure, money amount, FOI reference and
capitalised name in it occurs in a cited passage, and its meaning is supported:
the best-matching sentence of the cited passages is close enough (cosine of the
index's own embeddings) and the cited passages hold enough of its content words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.terms import content_terms, terms_of
from index.embedder import Embedder
from ingest.foi.references import find_references, reference_key
from ingest.sentences import sentence_spans

_MARKER_GROUP = r"\[\d+(?:\s*[,;]\s*\d+)*\]"
_MARKERS = re.compile(_MARKER_GROUP)
# A sentence ends at . ! ? (with any markers after it), or at markers followed by a
# capital letter or the end: the prompt asks for markers at the end of each sentence.
_NEXT = r"(?=\s+[\"'(£]?[A-Z0-9]|\s*$)"  # what starts a new sentence, as in `ingest.sentences`
_SENTENCE_END = re.compile(
    r"[.!?]+(?:\s*" + _MARKER_GROUP + r")*" + _NEXT + r"|(?:\s*" + _MARKER_GROUP + r")+[.!?]*" + _NEXT
)
_ABBREVIATION = re.compile(r"(?:\b(?:no|nos|e\.g|i\.e|etc|mr|mrs|ms|dr|st|ss?|para|cf|vs|approx)|\b[A-Za-z])\.$", re.I)
_LIST_PREFIX = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")
_MONEY = re.compile(r"[£$€]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:million|billion|bn|m|k)\b)?", re.I)
# A figure with what binds it: "2019/20", "01/04/19", "24.5", "7,069" are one fact each,
# so a changed financial year or date is not found among the passage's other numbers.
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[,./:-]\d+)*(?![\d])")
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"
_DATE = re.compile(r"\b(?:\d{1,2}(?:st|nd|rd|th)?\s+)?" + _MONTHS + r",?\s+\d{4}\b", re.I)
_NAME = re.compile(r"\b[A-Z][A-Za-z'’&-]*[A-Za-z]\b")
# Capitalised words that name nothing: sentence openers, pronouns, months are still checked.
_NOT_NAMES = frozenset(
    "A An And As At But By For From He However I If In It Its No Not Of On Or She So That The Their There "
    "These They This Those To We What When Where Which While Who Yes You Your Also Both Each All Some "
    "Any None Our Overall Under Between According Although Since During After Before FOI EIR Freedom Information "
    "Act Request Response".split()
)


@dataclass(frozen=True)
class Support:
    """Where a checked sentence rests: one cited passage and its best-matching sentence."""

    passage: int  # 1-based number of the passage in the prompt
    start: int  # span of the supporting sentence in the passage's document
    end: int
    similarity: float


@dataclass(frozen=True)
class CheckedSentence:
    """A generated sentence and the verdict on it: `reason` is None when it survives."""

    text: str  # without its markers
    sentence: str  # as the model wrote it
    cited: list[int]
    reason: str | None = None
    supports: list[Support] = field(default_factory=list)
    similarity: float = 0.0
    coverage: float = 0.0


@dataclass(frozen=True)
class PassageText:
    """A passage as the model saw it: its document text span and the text itself."""

    text: str
    start: int  # offset of `text` in its document


def split_sentences(reply: str) -> list[str]:
    """The sentences of a model reply, each with the markers that end it."""
    sentences: list[str] = []
    for line in reply.splitlines():
        line = _LIST_PREFIX.sub("", line).strip()
        last = 0
        for match in _SENTENCE_END.finditer(line):
            if _ABBREVIATION.search(line[: match.end()]):
                continue  # "Total No. of Crimes", "e.g. streets": no sentence ends there
            piece = line[last : match.end()].strip()
            if piece:
                sentences.append(piece)
            last = match.end()
        if line[last:].strip():
            sentences.append(line[last:].strip())
    return [s for s in sentences if re.search(r"\w", _MARKERS.sub("", s))]


def markers_of(sentence: str) -> list[int]:
    """Passage numbers named by the sentence's markers, in order, without repeats."""
    numbers: list[int] = []
    for group in _MARKERS.findall(sentence):
        for n in re.findall(r"\d+", group):
            if int(n) not in numbers:
                numbers.append(int(n))
    return numbers


def strip_markers(sentence: str) -> str:
    """The sentence without its markers, spaces tidied ("spent £3m [1]." -> "spent £3m.")."""
    text = _MARKERS.sub("", sentence)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def facts_of(sentence: str) -> list[str]:
    """What must be found in a cited passage: money, figures, FOI references, names."""
    facts: list[str] = [match.group(0) for match in _MONEY.finditer(sentence)]
    facts += [match.group(0) for match in _DATE.finditer(sentence)]
    references = find_references(sentence)
    facts += [ref.value for ref in references]
    taken = [(ref.span.start, ref.span.end) for ref in references]
    for match in _NUMBER.finditer(sentence):
        if not any(s <= match.start() < e for s, e in taken):
            facts.append(match.group(0).rstrip(",."))
    for index, match in enumerate(_NAME.finditer(sentence)):
        word = match.group(0)
        if word in _NOT_NAMES or (match.start() == 0 and word.lower() in _COMMON_OPENERS):
            continue
        facts.append(word)
    return list(dict.fromkeys(facts))


_COMMON_OPENERS = frozenset("between during following in total overall since the this these".split())


def missing_fact(facts: list[str], passages: list[str]) -> str | None:
    """The first fact no passage in `passages` holds, or None."""
    joined = "\n".join(passages)
    flat = _flat(joined)
    figures = re.sub(r"(?<=\d),(?=\d{3})", "", joined)
    keys = re.sub(r"[^A-Z0-9]", "", joined.upper())
    for fact in facts:
        if fact[:1] in "£$€":
            if _flat(fact) not in flat:
                return fact
        elif _DATE.fullmatch(fact):
            if _date_key(fact) not in _date_key(joined):
                return fact
        elif re.fullmatch(r"\d+(?:[,./:-]\d+)*", fact):
            figure = re.sub(r"(?<=\d),(?=\d{3})", "", fact)
            if not re.search(r"(?<![\d.,/:-])" + re.escape(figure) + r"(?!\d|[.,/:-]\d)", figures):
                return fact
        elif re.search(r"\d", fact):
            if reference_key(fact) not in keys:
                return fact
        elif not re.search(r"\b" + re.escape(fact.lower()), joined.lower()):
            return fact
    return None


def _date_key(text: str) -> str:
    """Dates compared without case, ordinal suffixes, commas or extra spaces ("1st May, 2019" = "1 may 2019")."""
    text = re.sub(r"(?<=\d)(?:st|nd|rd|th)\b|\^", "", text.lower())
    return re.sub(r"\s+", " ", text.replace(",", " "))


def _flat(text: str) -> str:
    """Lower case, without spaces or thousands separators, for comparing figures."""
    return re.sub(r"(?<=\d),(?=\d{3})|\s+", "", text.lower())


def check_sentences(
    reply: str,
    passages: list[PassageText],
    embedder: Embedder,
    *,
    support_min: float,
    coverage_min: float,
) -> list[CheckedSentence]:
    """Every sentence of `reply` with its verdict and, when it survives, its supports.

    Args:
        reply: The model's answer.
        passages: The passages given to the model, in marker order ([1] first).
        embedder: The index's embedder (sentences are compared in its space).
        support_min: Least cosine between the sentence and its best cited sentence.
        coverage_min: Least share of the sentence's content words found in the cited passages.
    """
    sentences = split_sentences(reply)
    spans = [_passage_sentences(p) for p in passages]
    verdicts: list[CheckedSentence | None] = []
    pending: list[tuple[int, str, list[int]]] = []
    for position, sentence in enumerate(sentences):
        cited, text = markers_of(sentence), strip_markers(sentence)
        unknown = [n for n in cited if not 1 <= n <= len(passages)]
        reason = None
        if not cited:
            reason = "no citation marker"
        elif unknown:
            reason = f"cites [{unknown[0]}], which is not one of the {len(passages)} passages"
        else:
            fact = missing_fact(facts_of(text), [passages[n - 1].text for n in cited])
            if fact is not None:
                reason = f"{fact!r} is not in the cited passage{'s' if len(cited) > 1 else ''} " + "".join(
                    f"[{n}]" for n in cited
                )
        verdicts.append(CheckedSentence(text, sentence, cited, reason) if reason else None)
        if reason is None:
            pending.append((position, text, cited))
    if pending:
        candidates = sorted({n for _, _, cited in pending for n in cited})
        flat = [(n, span) for n in candidates for span in spans[n - 1]]
        texts = [text for _, text, _ in pending] + [_span_text(passages[n - 1], s, e) for n, (s, e) in flat]
        vectors = embedder.embed(texts, batch_size=64)
        claims, cited_vectors = vectors[: len(pending)], vectors[len(pending) :]
        for row, (position, text, cited) in enumerate(pending):
            verdicts[position] = _meaning(text, sentences[position], cited, claims[row], flat, cited_vectors,
                                          passages, support_min, coverage_min)
    return [v for v in verdicts if v is not None]


def _meaning(text, sentence, cited, claim, flat, cited_vectors, passages, support_min, coverage_min) -> CheckedSentence:
    """The verdict on a sentence whose markers and facts passed: is its meaning in the cited passages?"""
    supports: list[Support] = []
    for n in cited:
        rows = [i for i, (m, _) in enumerate(flat) if m == n]
        if not rows:
            continue
        scores = cited_vectors[rows] @ claim.reshape(-1)
        best = int(np.argmax(scores))
        start, end = flat[rows[best]][1]
        supports.append(Support(n, start, end, float(scores[best])))
    similarity = max((s.similarity for s in supports), default=0.0)
    words = {t for t in content_terms(text) if t.isalpha() and len(t) > 2}
    present = set().union(*(terms_of(passages[n - 1].text) for n in cited))
    coverage = (sum(1 for t in words if _stem_present(t, present)) / len(words)) if words else 1.0
    marks = "".join(f"[{n}]" for n in cited)
    if similarity < support_min:
        reason = f"not supported by {marks}: its closest cited sentence has similarity {similarity:.2f}"
    elif coverage < coverage_min:
        reason = f"not supported by {marks}: only {coverage:.0%} of its content words are in the cited passages"
    else:
        reason = None
    kept = [s for s in supports if s.similarity >= support_min] if reason is None else []
    return CheckedSentence(text, sentence, cited, reason, kept, round(similarity, 4), round(coverage, 4))


def _stem_present(term: str, present: set[str]) -> bool:
    """A word or a close form of it ("spend" for "spent" is not matched; "workers" for "worker" is)."""
    if term in present:
        return True
    return any(p.startswith(term) or term.startswith(p) for p in present if len(p) > 3 and p[:4] == term[:4])


def _span_text(passage: PassageText, start: int, end: int) -> str:
    return passage.text[start - passage.start : end - passage.start]


def _passage_sentences(passage: PassageText) -> list[tuple[int, int]]:
    """Sentence spans (in document offsets) of a passage; the whole passage if it has none."""
    spans = list(sentence_spans(passage.text, offset=passage.start, whole_word_abbreviations=True))
    return spans or [(passage.start, passage.start + len(passage.text))]
