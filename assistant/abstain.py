"""Abstention by evidence: answer only when the chosen sentences carry the question.

A fixed cosine threshold on MiniLM says little: a question the demo answers scored
0.30 while off-topic questions reach 0.40. The decision here is a logistic model
over signals that can be justified one by one:

- `rare_coverage`: the share of the question's information (collection-IDF-weighted
  words) present in the chosen sentences and the questions they answer: a question
  about something the sentences never mention is not answered by them;
- `passage_coverage`: the same over all retrieved passages;
- `best_similarity`: the best chosen sentence's cosine with the question;
- `top_passage`: the best passage's retrieval score.

The weights were fitted by `benchmarks/fit_abstention.py` on the labelled questions of
`examples/eval/questions.jsonl` and `heldout.jsonl` plus generated negatives (each of
those questions asked against the demo index, whose corpus does not answer them, and
the demo's own questions asked against the full corpus); `blind2.jsonl` was kept out.
"""

from __future__ import annotations

import math

SIGNALS = ("rare_coverage", "passage_coverage", "best_similarity", "top_passage")

# Fitted by benchmarks/fit_abstention.py (see the README's quality section for the command).
# Re-fitted on the sentence choice of assistant/sentence_choice.py: 314 examples (144 should
# answer, 170 should abstain); training accuracy 0.924, abstention precision 0.968, recall 0.888.
WEIGHTS = {"rare_coverage": 1.795, "passage_coverage": 2.947, "best_similarity": 0.800, "top_passage": 1.602}
BIAS = -3.583


def confidence(signals: dict[str, float], weights: dict[str, float] | None = None, bias: float | None = None) -> float:
    """Probability, under the fitted model, that the chosen sentences answer the question."""
    weights = WEIGHTS if weights is None else weights
    bias = BIAS if bias is None else bias
    z = bias + sum(weights[name] * float(signals.get(name, 0.0)) for name in SIGNALS)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
