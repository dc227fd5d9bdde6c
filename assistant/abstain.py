"""Abstention by evidence: answer only when the chosen sentences carry the question.

A fixed cosine threshold on MiniLM says little: a question the demo answers scored
0.30 while off-topic questions reach 0.40. The decision here is a logistic model
over signals that can be justified one by one:

- `rare_coverage`: the share of the question's information (collection-IDF-weighted
  words) present in the chosen sentences and the questions they answer: a question
  about something the sentences never mention is not answered by them;
- `passage_coverage`: the same over all retrieved passages;
- `best_similarity`: the best chosen sentence's cosine with the question;
- `top_passage`: the best passage's retrieval score;
- `document_coverage`: the share of the question's information (and references) that the
  best-covered quoted document holds in its whole text (`sentence_choice.document_coverage`);
- `name_coverage`: the share of the question's names ("Cumbria", "Northern General") that the
  quoted documents hold (1 when it names none);
- `head_coverage`: for a "how many X" question, the share of X's words (IDF weighted) that the
  chosen sentences and the questions they answer hold (1 for other questions): "How many police
  horses ..." is not answered by a sentence about the force's crime recording system;
- `figure_answer`: for a question asking for a number, 1 when a chosen sentence holds a figure
  (not a year or a date) or says the information is not held, else 0 (1 for other questions).

The weights were fitted by `benchmarks/fit_abstention.py` on the labelled questions of
`examples/eval/questions.jsonl` and `heldout.jsonl` plus generated negatives (each of
those questions asked against the demo index, whose corpus does not answer them, and
the demo's own questions asked against the full corpus); `blind2.jsonl` was kept out.
"""

from __future__ import annotations

import math
import re

from assistant.figures import holds_figure
from assistant.sentence_choice import name_in
from assistant.terms import idf_weights, question_terms, terms_of, with_compounds

SIGNALS = ("rare_coverage", "passage_coverage", "best_similarity", "top_passage", "document_coverage", "name_coverage",
           "head_coverage", "figure_answer")

# Fitted by benchmarks/fit_abstention.py (see the README's quality section for the command),
# on 314 examples (144 should answer, 170 should abstain): training accuracy 0.955, abstention
# precision 0.981, recall 0.935 (fourth pass). `abstain_confidence_below` was chosen on
# questions.jsonl + heldout.jsonl.
WEIGHTS = {"rare_coverage": 1.032, "passage_coverage": 1.853, "best_similarity": 0.434, "top_passage": 1.101,
           "document_coverage": 1.826, "name_coverage": 1.952, "head_coverage": 0.613, "figure_answer": 0.857}
BIAS = -5.823


def document_signals(picked, documents, document_cover, names, texts) -> dict[str, float]:
    """`document_coverage` and `name_coverage` of the picked sentences (see above).

    Args:
        picked: Indexes of the chosen candidate sentences, or of the best one when none was chosen.
        documents: Every candidate's doc_id.
        document_cover: {doc_id: document coverage} of the documents that may be quoted.
        names: The question's names (`sentence_choice.question_names`).
        texts: {doc_id: title and text of its whole thread} of the candidates' documents.
    """
    quoted = {documents[i] for i in picked}
    cover = max((document_cover.get(d, 0.0) for d in quoted), default=0.0)
    held = [n for n in names if any(name_in(n, texts[d].lower()) for d in quoted)]
    return {
        "document_coverage": round(float(cover), 4),
        "name_coverage": round(len(held) / len(names), 4) if names else 1.0,
    }


def confidence(signals: dict[str, float], weights: dict[str, float] | None = None, bias: float | None = None) -> float:
    """Probability, under the fitted model, that the chosen sentences answer the question."""
    weights = WEIGHTS if weights is None else weights
    bias = BIAS if bias is None else bias
    z = bias + sum(weights.get(name, 0.0) * float(signals.get(name, 0.0)) for name in SIGNALS)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


# "How many police horses does ...", "the number of street lights on ...": the counted thing ends at
# the verb or preposition that follows it.
_COUNTED = re.compile(
    r"\b(?:how many|(?:total )?number of)\s+(.+?)(?=\s+(?:does|do|did|has|have|had|is|are|was|were|will|can|could|"
    r"would|in|on|at|by|for|from|of|per|with|to|that|there|each|were|across|between|since|during|over)\b|[?,;:]|$)",
    re.I,
)
_NUMBER_ASKED = re.compile(r"\b(?:how (?:many|much)|numbers? of|total|costs?|spen[dt]|amount)\b", re.I)
def counted_terms(question: str) -> list[str]:
    """The words of what a "how many X ..." question counts ("police horses" → horse, police); [] for others.

    A hyphenated word counts by its parts ("e-scooters" → scooter), here only: elsewhere "re-examine"
    would make every sentence about examining devices match.
    """
    match = _COUNTED.search(question)
    return question_terms(_split_hyphens(match.group(1))) if match else []


def _split_hyphens(text: str) -> str:
    return re.sub(r"(?<=\w)-(?=\w)", " ", text)


def shape_signals(question: str, sentences: list[str], contexts: list[str], counts: dict[str, int],
                  total: int) -> dict[str, float]:
    """`head_coverage` and `figure_answer` of the chosen `sentences` (and the questions they answer).

    Args:
        question: The user's question.
        sentences: The chosen sentences' text; contexts: the question line each one answers ("" for none).
        counts: {term: documents holding it} of the collection; total: its documents.
    """
    counted = counted_terms(question)
    present = set().union(set(), *(terms_of(_split_hyphens(f"{c} {s}")) for s, c in zip(sentences, contexts)))
    present = with_compounds(counted, present)
    weights = idf_weights(counted, counts, total)
    held = sum(w for t, w in weights.items() if any(p.startswith(t) for p in present if p[:3] == t[:3]))
    head = held / sum(weights.values()) if counted and sum(weights.values()) else 1.0
    figure = 1.0 if not _NUMBER_ASKED.search(question) else float(any(holds_figure(s) for s in sentences))
    return {"head_coverage": round(float(head), 4), "figure_answer": figure}
