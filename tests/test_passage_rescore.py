"""Re-ordering the top passages before the cut to k (issue 14, evidence@5)."""

from __future__ import annotations

from assistant import Assistant
from assistant.passage_rescore import Rescoring, capped, figure_density, from_requester, numeric_intent, rescore
from assistant.settings import load_settings
from index.search import Hit

REQUEST = {"foi": {"role": "request", "from_authority": False}}
RESPONSE = {"foi": {"role": "response", "from_authority": True}}


def hit(doc_id: str, text: str, metadata: dict, score: float) -> tuple[Hit, None]:
    return (Hit(rank=0, score=score, doc_id=doc_id, path=f"{doc_id}.mbox", part=None, title=doc_id, kind="email",
                page=None, page_end=None, start=0, end=len(text), text=text, metadata=metadata), None)


PAIRS = [
    hit("ask", "Dear council, please provide how much you spent on agency staff in each year.", REQUEST, 0.71),
    hit("reply", "Thank you for your request about agency staff, which we have considered.", RESPONSE, 0.66),
    hit("reply", "Agency spend: 2021/22 £407,601.52; 2022/23 £512,330.10; 2023/24 £498,112.00", RESPONSE, 0.52),
    hit("other", "Tree felling on Rustlings Road was paused in 2018.", RESPONSE, 0.40),
]
DEFAULTS = load_settings()
DEFAULT = Rescoring(candidates=DEFAULTS.rescore_candidates, figure_weight=DEFAULTS.rescore_figure_weight,
                    requester_penalty=DEFAULTS.rescore_requester_penalty, year_weight=DEFAULTS.rescore_year_weight)


def order(pairs) -> list[str]:
    return [p[0].text[:12] for p in pairs]


def test_the_requesters_message_moves_below_the_authoritys_passages():
    chosen = capped(rescore(PAIRS, "Why did the council use agency staff?", DEFAULT), k=3, per_document=3)
    assert [h.doc_id for h, _ in chosen] == ["reply", "reply", "other"]
    assert [h.rank for h, _ in chosen] == [1, 2, 3]
    assert [h.score for h, _ in chosen] == [0.66, 0.52, 0.40]  # cosines kept: thresholds mean the same


def test_a_how_much_question_prefers_the_passage_with_the_figures():
    numeric = rescore(PAIRS, "How much did the council spend on agency staff?", DEFAULT)
    topical = rescore(PAIRS, "Why did the council use agency staff?", DEFAULT)
    assert numeric[0][0].text.startswith("Agency spend")
    assert topical[0][0].text.startswith("Thank you")


def test_switched_off_the_fused_order_stays():
    off = Rescoring(candidates=0, figure_weight=0.05, requester_penalty=0.1)
    assert not off
    assert order(rescore(PAIRS, "How much?", Rescoring(candidates=10))) == order(PAIRS)
    assert [h.doc_id for h, _ in capped(PAIRS, k=2, per_document=1)] == ["ask", "reply"]


def test_only_the_first_candidates_move():
    rescored = rescore(PAIRS, "How much did the council spend?", Rescoring(candidates=2, figure_weight=0.05,
                                                                        requester_penalty=0.1))
    assert order(rescored) == order([PAIRS[1], PAIRS[0], PAIRS[2], PAIRS[3]])


YEARLY = [
    hit("y2022", "Fly-tipping reports: 4,102 in 2021/22 and 4,380 in 2022/23.", RESPONSE, 0.64),
    hit("y2024", "Fly-tipping reports: 5,011 in 2023/24.", RESPONSE, 0.61),
]


def test_the_thread_that_names_the_asked_year_goes_first():
    """An authority answers the same request for many years, one thread each: the asked year's goes first."""
    assert [h.doc_id for h, _ in rescore(YEARLY, "How many fly-tipping reports were there in 2023/24?", DEFAULT)] \
        == ["y2024", "y2022"]
    assert [h.doc_id for h, _ in rescore(YEARLY, "How many fly-tipping reports were there in 2022/23?", DEFAULT)] \
        == ["y2022", "y2024"]
    # No year asked, or the weight off: fusion's order (the figure bonus is the same for both).
    assert [h.doc_id for h, _ in rescore(YEARLY, "How many fly-tipping reports were there?", DEFAULT)] == ["y2022", "y2024"]
    no_year = Rescoring(candidates=10, figure_weight=0.05, requester_penalty=0.1)
    assert [h.doc_id for h, _ in rescore(YEARLY, "How many reports in 2023/24?", no_year)] == ["y2022", "y2024"]


def test_signals():
    assert numeric_intent("How many agency social workers?") and numeric_intent("What was the cost of the scheme?")
    assert not numeric_intent("Does the force use body worn video?")
    assert figure_density("No figures here.") == 0.0
    assert figure_density(" ".join(str(n) for n in range(40))) == 1.0
    assert from_requester(REQUEST) and not from_requester(RESPONSE) and not from_requester({})


QUESTIONS = ["How many households went into temporary accommodation in Sheffield in 2022-23?",
             "Has Sheffield had to evict squatters from council buildings recently?",
             "Has Sheffield City Council issued closure orders to shops selling illegal vapes?"]
THREADS = ["number_of_squatter_evictions_fre_140.mbox", "temporary_accommodation_statisti_94.mbox",
           "illegal_vapes_25.mbox", "football_riddor_17.mbox"]


def requester_ranks(assistant, question: str) -> tuple[list[bool], list[str]]:
    hits = assistant.search(question, k=10).hits
    return [from_requester(h.metadata) for h in hits], [h.text[:40] for h in hits]


def test_real_threads_the_requesters_wording_no_longer_ranks_first(tmp_path, corpus, real_embedder):
    """Real model, real index of four WhatDoTheyKnow threads: a requester's message, which
    repeats the question's wording, ranked above the authority's passages by fusion, ranks
    below them once re-ordered."""
    folder = tmp_path / "threads"
    folder.mkdir()
    for name in THREADS:
        (folder / name).write_bytes((corpus / "sheffield-wdtk" / name).read_bytes())
    Assistant.open(tmp_path / "idx", embedder=real_embedder, show_progress=False).ingest([folder])
    on = Assistant.open(tmp_path / "idx", embedder=real_embedder)
    off = Assistant.open(tmp_path / "idx", embedder=real_embedder, rescore_candidates=0)
    changed = 0
    for question in QUESTIONS:
        flags_on, texts_on = requester_ranks(on, question)
        flags_off, _ = requester_ranks(off, question)
        assert sorted(flags_on) == flags_on, (question, texts_on)  # every requester passage after the rest
        changed += flags_on != flags_off
    assert changed, "fusion never ranked a requester's message above an authority's passage here"
