"""Extractive answers: quote the retrieved sentences that best answer a question.

Every sentence of an answer is a verbatim quote from a stored document with its
exact character span, so no claim can be unsupported by its citation.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from assistant.abstain import confidence, document_signals, shape_signals
from assistant.figures import asked_unit, has_figure
from assistant.sentence_choice import (
    choose_sentences, document_coverage, holds_code, holds_names, names_held, question_codes,
    question_names, year_disagrees, years_in,
)
from assistant.terms import content_terms, evidence_coverage, question_terms, terms_of, with_compounds
from assistant.candidates import answer_candidates
from assistant.counted_rows import counted_rows
from assistant.evidence import boilerplate_sentences, is_question, question_context, quotable_region
from index.embedder import Embedder
from index.records import StoredDocument
from index.search import Hit
from ingest.documents import ocr_in_span
from ingest.textutil import one_line

ABSTAIN_MESSAGE = (
    "I could not find an answer to this in the indexed documents. "
    "The closest passages are listed below; none of them is a confident match."
)
QuoteCheck = Callable[[str, int, int, str], bool]  # (doc_id, start, end, quote) -> verified


@dataclass(frozen=True)
class Citation:
    """One numbered citation of an answer; `quote == document.text[start:end]`.

    `sheet` and `rows` say where a spreadsheet quote lies (as on `Hit`), else None.
    """

    n: int
    doc_id: str
    path: str
    part: str | None
    title: str
    page: int | None
    start: int
    end: int
    quote: str
    citation: str
    score: float
    metadata: dict[str, str] = field(default_factory=dict)
    ocr: bool = False  # the quote is OCR text (check it against the page image)
    sheet: str | None = None
    rows: tuple[int, int] | None = None


@dataclass(frozen=True)
class Answer:
    """An extractive answer with `[n]` markers, its citations and the passages read.

    `filters` are FOI metadata filters read from a listing question ("which
    requests were refused under section 12?"), and `matching` how many requests
    in the index satisfy them; both empty for ordinary questions.
    """

    question: str
    answer: str
    citations: list[Citation]
    abstained: bool
    passages: list[Hit]
    filters: dict[str, str] = field(default_factory=dict)
    matching: int | None = None
    confidence: float | None = None  # `assistant.abstain.confidence`, when computed
    signals: dict[str, float] = field(default_factory=dict)
    answer_mode: str = "extractive"  # the mode that produced it: "extractive" or "generative"
    dropped: list[dict] = field(default_factory=list)  # generated sentences removed: {sentence, reason}
    note: str | None = None  # e.g. why a generative answer fell back to the extractive one


def compose_answer(
    question: str,
    question_vector: np.ndarray,
    retrieved: list[tuple[Hit, StoredDocument]],
    embedder: Embedder,
    *,
    abstain_below: float,
    sentence_min_score: float,
    max_sentences: int,
    cite,
    verify: QuoteCheck,
    max_candidates: int = 16,
    coverage: float | None = None,
    abstain_coverage_below: float = 0.0,
    abstention: str = "cosine",
    abstain_confidence_below: float = 0.5,
    term_counts: tuple[int, dict[str, int]] | None = None,
    sentence_documents: Callable[[Iterable[str]], dict[str, int]] | None = None,
    asked: dict[str, str] | None = None,
    restated: Callable[[str, str | None, str], bool] | None = None,
) -> Answer:
    """Choose relevant, non-redundant sentences from `retrieved` and cite each one.

    Only the authority's own statements are candidates: never a requester's message,
    a quoted request or a question (`assistant.evidence`); each candidate is scored
    together with the question it answers.

    Args:
        question: The user's question.
        question_vector: Its unit-length embedding.
        retrieved: Passages and their documents, best first.
        embedder: Embeds candidate sentences.
        abstain_below: With `abstention="cosine"`: abstain when the best passage scores below this.
        sentence_min_score: Sentences scoring below this are never quoted.
        max_sentences: Upper bound on quoted sentences.
        max_candidates: Sentences embedded and compared with the question (cost grows with it).
        coverage: `evidence_coverage` of the question by the retrieved passages, if known.
        abstain_coverage_below: With `abstention="cosine"`: abstain when `coverage` is below
            this: the question's rarest words are nowhere in the evidence.
        abstention: "evidence" (the calibrated model of `assistant.abstain`) or "cosine"
            (the two fixed thresholds above).
        abstain_confidence_below: With `abstention="evidence"`: abstain when the model's
            confidence is below this.
        term_counts: (passages, {term: passages holding it}) of the collection, for the
            rare-term coverage of the chosen sentences.
        sentence_documents: The store's `sentence_document_counts`; sentences found in
            many documents (signatures, disclaimers) are not quoted.
        asked: {doc_id: the question its thread's request asks} for replies read beside their
            request (`assistant.thread_replies`); a figure sentence there is about that question.
        restated: Callable(path, part, sentence) -> bool: the sentence stands in a requester's
            earlier message of its thread (`assistant.restated.RequestWords.restates`); never quoted.
        cite: Callable(hit, document, start, end) -> citation line.
        verify: Callable(doc_id, start, end, quote) -> bool, reading the span from the
            store independently of `retrieved` (`assistant.verify.QuoteVerifier.verify`);
            a quote it rejects is not cited.
    """
    hits = [hit for hit, _ in retrieved]
    if not retrieved:
        return Answer(question, ABSTAIN_MESSAGE, [], True, hits)
    if abstention == "cosine":
        if max(hit.score for hit in hits) < abstain_below:
            return Answer(question, ABSTAIN_MESSAGE, [], True, hits)
        if coverage is not None and coverage < abstain_coverage_below:
            return Answer(question, ABSTAIN_MESSAGE, [], True, hits)

    words, codes = question_terms(question), question_codes(question)
    candidates = answer_candidates(retrieved, codes)
    if restated is not None:
        candidates = [c for c in candidates
                      if not restated(c.hit.path, c.hit.part, c.document.text[c.start : c.end])]
    total, counts = term_counts if term_counts is not None else (1, {})
    headers = {}
    for row, header in counted_rows(question, retrieved, counts, total):
        if not any(c.document.doc_id == row.document.doc_id and c.start < row.end and row.start < c.end
                   for c in candidates):
            candidates.append(row)
            headers[(row.document.doc_id, row.start)] = header
    boilerplate = boilerplate_sentences([c.document.text[c.start : c.end] for c in candidates], sentence_documents)
    candidates = [c for c, common in zip(candidates, boilerplate) if not common]
    if not candidates:
        return Answer(question, ABSTAIN_MESSAGE, [], True, hits)
    texts = [c.document.text[c.start : c.end] for c in candidates]
    asked = asked or {}
    contexts = [
        question_context(c.document, c.start) or headers.get((c.document.doc_id, c.start))
        or (asked.get(c.document.doc_id, "") if has_figure(text) else "")
        for c, text in zip(candidates, texts)
    ]
    passage_scores = np.array([c.hit.score for c in candidates], dtype=np.float32)
    terms = content_terms(question)
    sentence_terms = [with_compounds(terms, terms_of(text) | terms_of(context)) for text, context in zip(texts, contexts)]
    weights = _term_weights(terms, sentence_terms)
    term_cover = np.array([_coverage(weights, present) for present in sentence_terms], dtype=np.float32)
    answerness = np.array([_answerness(text) for text in texts], dtype=np.float32)
    # Embedding sentences is the whole cost of an answer on a CPU: embed only the
    # most promising ones by the cheap features.
    if len(candidates) > max_candidates:
        cheap = 0.5 * passage_scores + 0.4 * term_cover + answerness
        keep = np.sort(np.argsort(-cheap, kind="stable")[:max_candidates])
        candidates = [candidates[i] for i in keep]
        texts, contexts = [texts[i] for i in keep], [contexts[i] for i in keep]
        passage_scores, term_cover, answerness = passage_scores[keep], term_cover[keep], answerness[keep]
    paired = [i for i, context in enumerate(contexts) if context]
    vectors = embedder.embed(texts + [f"{contexts[i]} {texts[i]}" for i in paired], batch_size=64)
    similarity = vectors[: len(texts)] @ question_vector.reshape(-1)
    if paired:
        # An answer line ("21/22: 7695") is about what its question asks.
        with_question = vectors[len(texts) :] @ question_vector.reshape(-1)
        similarity[paired] = np.maximum(similarity[paired], with_question)
    vectors = vectors[: len(texts)]
    # Dense similarity finds the topic; term coverage keeps the question's own words
    # (names, schemes, numbers) in the quote; answerness prefers the authority's
    # statements.
    relevance = 0.45 * similarity + 0.15 * passage_scores + 0.4 * term_cover + answerness
    documents = [c.document.doc_id for c in candidates]
    texts_of = {c.document.doc_id: f"{c.document.title}\n{c.document.text}" for c in candidates}
    own_words = {c.document.doc_id: own_text(c.document) for c in candidates}
    # A name is held by a thread when any of its messages holds it (the request names "Unimog", the reply not).
    threads: dict[str, str] = {}
    for hit, document in retrieved:
        threads[hit.path] = threads.get(hit.path, "") + f"\n{document.title}\n{document.text}"
    names = names_held(question_names(question), list(threads.values()))
    thread_of = {c.document.doc_id: c.hit.path for c in candidates}
    document_cover = {
        doc_id: document_coverage(words, codes, text, counts, total)
        for doc_id, text in texts_of.items()
        if holds_code(codes, text) and holds_names(names, threads[thread_of[doc_id]])
    }
    own_cover = {doc_id: document_coverage(words, codes, own_words[doc_id], counts, total) for doc_id in document_cover}
    asked_years, unit = years_in(question), asked_unit(question)
    chosen = choose_sentences(
        relevance, vectors, similarity, term_cover, sentence_min_score, max_sentences, documents,
        document_cover=document_cover,
        other_years=np.array([year_disagrees(asked_years, f"{c} {t}") for t, c in zip(texts, contexts)]),
        own_cover=own_cover,
        no_unit=np.array([not unit(t) for t in texts]) if unit else None,
    )
    signals = _signals(question, chosen, texts, contexts, similarity, hits, coverage, term_counts)
    picked = chosen or [int(np.argmax(similarity))]  # with none chosen, the signals describe the best candidate
    signals.update(document_signals(
        picked, documents, document_cover, question_names(question),
        {doc_id: threads[path] for doc_id, path in thread_of.items()},
    ))
    signals.update(shape_signals(question, [texts[i] for i in picked], [contexts[i] for i in picked], counts, total))
    signals["quoted"] = len(chosen)  # not weighed: 0 tells `ask` that nothing was quotable
    trust = confidence(signals)
    if not chosen or (abstention == "evidence" and trust < abstain_confidence_below):
        return Answer(question, ABSTAIN_MESSAGE, [], True, hits, confidence=trust, signals=signals)

    # Quote in reading order within a document, documents in order of relevance.
    doc_rank = {}
    for index in chosen:
        doc_rank.setdefault(candidates[index].document.doc_id, len(doc_rank))
    chosen.sort(key=lambda i: (doc_rank[candidates[i].document.doc_id], candidates[i].start))

    citations: list[Citation] = []
    sentences: list[str] = []
    for index in chosen:
        candidate = candidates[index]
        quote = candidate.document.text[candidate.start : candidate.end]
        if not verify(candidate.document.doc_id, candidate.start, candidate.end, quote):
            continue
        n = len(citations) + 1
        page = candidate.document.page_at(candidate.start)
        citations.append(
            Citation(
                n=n,
                doc_id=candidate.document.doc_id,
                path=candidate.hit.path,
                part=candidate.hit.part,
                title=candidate.document.title,
                page=page,
                start=candidate.start,
                end=candidate.end,
                quote=quote,
                citation=cite(candidate.hit, candidate.document, page),
                score=round(float(relevance[index]), 4),
                metadata=candidate.document.metadata,
                ocr=ocr_in_span(candidate.document.pages, candidate.start, candidate.end),
            )
        )
        sentences.append(f"{one_line(quote)} [{n}]")
    if not citations:
        return Answer(question, ABSTAIN_MESSAGE, [], True, hits, confidence=trust, signals=signals)
    return Answer(question, " ".join(sentences), citations, False, hits, confidence=trust, signals=signals)


def own_text(document: StoredDocument) -> str:
    """The title and the authority's own words of `document` (`quotable_region`), without the request it quotes."""
    region = quotable_region(document) or (0, 0)
    return f"{document.title}\n{document.text[region[0] : region[1]]}"


def _signals(question, chosen, texts, contexts, similarity, hits, coverage, term_counts) -> dict[str, float]:
    """The evidence `assistant.abstain` weighs (see there)."""
    picked = chosen or [int(np.argmax(similarity))]
    evidence = [texts[i] for i in picked] + [contexts[i] for i in picked if contexts[i]]
    terms = question_terms(question)
    if term_counts is not None:
        rare = evidence_coverage(terms, evidence, term_counts[1], term_counts[0])
    else:
        rare = evidence_coverage(terms, evidence, {}, 1)
    return {
        "rare_coverage": round(float(rare), 4),
        "passage_coverage": round(float(1.0 if coverage is None else coverage), 4),
        "best_similarity": round(float(max(similarity[i] for i in picked)), 4),
        "top_passage": round(float(max(hit.score for hit in hits)), 4),
    }


_STATEMENT = re.compile(
    r"\b(?:i can confirm|we can confirm|confirm(?:s|ed)? that|is used|are used|we use|we do not|does not|"
    r"do not (?:currently )?(?:use|hold)|not held|is held|neither confirm nor deny|we hold|has been|were|"
    r"the (?:total|number|cost) (?:of|was|is)|not (?:currently )?(?:use|hold|have))\b",
    re.I,
)
_NUMBER = re.compile(r"£\s?\d|\b\d[\d,.]*\b")


def _term_weights(terms: set[str], sentence_terms: list[set[str]]) -> dict[str, float]:
    """Inverse frequency among the candidates: a term every passage shares
    (the authority's own name, say) tells the sentences apart less than a rare one."""
    total = len(sentence_terms)
    return {
        term: math.log(1 + total / (1 + sum(term in present for present in sentence_terms))) for term in terms
    }


def _coverage(weights: dict[str, float], present: set[str]) -> float:
    """Weighted share of the question's content terms that the sentence contains."""
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(weight for term, weight in weights.items() if term in present) / total


def _answerness(sentence: str) -> float:
    """A small bonus for statements, a penalty for questions and request wording."""
    stripped = sentence.strip()
    score = 0.0
    if is_question(stripped):
        score -= 0.12
    if _STATEMENT.search(stripped):
        score += 0.10
    elif _NUMBER.search(stripped):
        score += 0.03
    return score


def best_sentences(
    question: str,
    question_vector: np.ndarray,
    retrieved: list[tuple[Hit, StoredDocument]],
    embedder: Embedder,
    *,
    per_passage: int = 3,
) -> dict[str, tuple[int, int]]:
    """The span of the sentence in each retrieved passage that best answers `question`.

    Scored like answer sentences (similarity, question-term coverage, statement
    vs question), embedding only the `per_passage` most promising of each passage.
    Returns {doc_id: (start, end)} for the first passage of each document.
    """
    candidates = answer_candidates([pair for pair in retrieved if pair[1] is not None])
    if not candidates:
        return {}
    texts = [c.document.text[c.start : c.end] for c in candidates]
    terms = content_terms(question)
    sentence_terms = [terms_of(text) for text in texts]
    weights = _term_weights(terms, sentence_terms)
    coverage = np.array([_coverage(weights, present) for present in sentence_terms], dtype=np.float32)
    answerness = np.array([_answerness(text) for text in texts], dtype=np.float32)
    cheap = 0.4 * coverage + answerness
    keep: list[int] = []
    by_doc: dict[str, list[int]] = {}
    for index, candidate in enumerate(candidates):
        by_doc.setdefault(candidate.document.doc_id, []).append(index)
    for indexes in by_doc.values():
        keep.extend(sorted(indexes, key=lambda i: -cheap[i])[:per_passage])
    vectors = embedder.embed([texts[i] for i in keep], batch_size=64)
    similarity = vectors @ question_vector.reshape(-1)
    best: dict[str, tuple[float, int]] = {}
    for position, index in enumerate(keep):
        score = 0.6 * float(similarity[position]) + float(cheap[index])
        doc_id = candidates[index].document.doc_id
        if doc_id not in best or score > best[doc_id][0]:
            best[doc_id] = (score, index)
    return {doc_id: (candidates[i].start, candidates[i].end) for doc_id, (_, i) in best.items()}
