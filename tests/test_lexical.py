"""Lexical (BM25) search that scores a bounded number of passages on a large collection."""

from __future__ import annotations

import sqlite3

import pytest

from assistant import Assistant
from index import lexical
from index.lexical import LexicalPlan, clauses, match_expression, plan
from index.store import Store


def store_of(tmp_path, texts: list[str]) -> Store:
    store = Store(tmp_path / "store.sqlite")
    with store.transaction():
        for vector_id, text in enumerate(texts):
            store.add_passage(vector_id, text)
    store.commit()
    return store


# Every passage says "council"; "sheffield" is in most; "glyphosate" in one.
PASSAGES = [f"Sheffield City Council answered request {i} about parks." for i in range(20)]
PASSAGES[3] = "The council stopped using glyphosate weedkiller in parks."
PASSAGES[7] = "Council reference 18201/18: the request was refused."
PASSAGES[12] = "Council tax summonses issued in 2023."


def test_possessives_become_words_on_a_large_collection(tmp_path):
    assert lexical.possessives_as_words(['"council s"', '"council"', '"18201 18"', '"s 43"']) == [
        '"council"', '"18201 18"', '"s 43"'
    ]
    store = store_of(tmp_path, PASSAGES)
    match = match_expression("the council's use of glyphosate")
    assert match == '"council s" OR "use" OR "glyphosate"'
    assert store.lexical_plan(match, budget=20) == LexicalPlan(match)  # small: the phrase stays
    assert store.lexical_plan(match, budget=5) == LexicalPlan('"use" OR "glyphosate"', dropped=('"council"',))


def test_clauses_reads_only_what_match_expression_writes():
    assert clauses(match_expression("section 31(3) of the FOI Act")) == ['"section"', '"31 3"', '"foi"', '"act"']
    assert clauses('"council" AND "tax"') is None
    assert clauses("council*") is None


@pytest.mark.parametrize(
    "matches, expected",
    [
        pytest.param({'"council"': 21, '"glyphosate"': 1}, LexicalPlan('"glyphosate"', dropped=('"council"',)),
                     id="common-word-dropped"),
        pytest.param({'"council"': 8, '"glyphosate"': 1}, LexicalPlan('"council" OR "glyphosate"'),
                     id="all-fit"),
        pytest.param({'"council"': 21, '"18201 18"': 1, '"glyphosate"': 4},
                     LexicalPlan('"18201 18" OR "glyphosate"', dropped=('"council"',)), id="phrase-kept-first"),
        pytest.param({'"council"': 21, '"18201 18"': 21, '"glyphosate"': 4},
                     LexicalPlan('"glyphosate"', dropped=('"council"', '"18201 18"')), id="common-phrase-dropped"),
        pytest.param({'"council"': 21, '"18201 18"': 0, '"glyphosate"': 21},
                     LexicalPlan('"council" AND "glyphosate"', dropped=('"18201 18"',), ranked=False,
                                 fallback='"council"'), id="only-common-words-required-together"),
        pytest.param({'"council"': 0, '"18201 18"': 0, '"glyphosate"': 0},
                     LexicalPlan('"council" OR "18201 18" OR "glyphosate"'), id="nothing-matches"),
    ],
)
def test_plan_keeps_the_rarest_clauses_within_the_budget(matches, expected):
    assert plan(list(matches), matches, budget=10) == expected


def test_passage_count_reads_fts5_statistics(tmp_path):
    store = store_of(tmp_path, [f"passage {i}" for i in range(300)])  # 300 needs a two-byte varint
    assert store.passage_count() == 300
    with store.transaction():
        store.delete_vectors([0, 1, 2])
    store.commit()
    assert store.passage_count() == 297 == store.counts()["passages"]
    assert Store(tmp_path / "empty.sqlite").passage_count() == 0


def test_small_collection_is_searched_with_every_clause(tmp_path):
    store = store_of(tmp_path, PASSAGES)
    match = match_expression("council glyphosate")
    assert store.lexical_plan(match, budget=20) == LexicalPlan(match)
    assert len(store.lexical_search(match, 50, budget=20)) == 20


def test_very_common_word_is_dropped_on_a_large_collection(tmp_path):
    store = store_of(tmp_path, PASSAGES)
    match = match_expression("council glyphosate")
    assert store.lexical_plan(match, budget=5).dropped == ('"council"',)
    assert [vector_id for vector_id, _ in store.lexical_search(match, 50, budget=5)] == [3]


def test_reference_number_still_ranks_first_among_common_words(tmp_path):
    store = store_of(tmp_path, PASSAGES)
    hits = store.lexical_search(match_expression("council request 18201/18"), 50, budget=5)
    assert hits[0][0] == 7


def test_query_of_only_common_words_still_matches(tmp_path):
    store = store_of(tmp_path, PASSAGES)
    # Both words are in more than 5 passages: the newest passages holding both are listed, unranked.
    hits = store.lexical_search(match_expression("Sheffield council"), 5, budget=5)
    assert hits == [(19, 0.0), (18, 0.0), (17, 0.0), (16, 0.0), (15, 0.0)]
    assert [v for v, _ in store.lexical_search(match_expression("council"), 3, budget=5)] == [19, 18, 17]
    # No passage holds both common words: the first of them alone is listed.
    (tmp_path / "other").mkdir()
    other = store_of(tmp_path / "other", [*(["parks and requests"] * 7), *(["council tax"] * 6)])
    hits = other.lexical_search(match_expression("parks council"), 5, budget=5)
    assert [vector_id for vector_id, _ in hits] == [6, 5, 4, 3, 2]


def test_a_word_commoner_than_the_share_still_ranks_within_the_ceiling(tmp_path):
    # "agency" is in 8 of 40 passages: above a budget of 5, so without widening the query
    # would list the newest passages holding every word, none of them about agency staff.
    texts = [f"How much Sheffield City Council staff spend on item {i}." for i in range(40)]
    for i in range(0, 16, 2):
        texts[i] = f"How much Sheffield City Council staff spend with agency contract {i}."
    texts[4] = "Sheffield City Council: spend on agency staff, agency social workers."
    store = store_of(tmp_path, texts)
    match = match_expression("How much did Sheffield City Council spend on agency staff?")
    assert not store.lexical_plan(match, budget=5).ranked  # the budget alone: unranked, newest first
    widened = store.lexical_plan(match, budget=5, ceiling=40)
    assert widened.ranked and '"agency"' in widened.match and '"council"' in widened.dropped
    hits = store.lexical_search(match, 3, budget=5, ceiling=40)
    assert hits[0][0] == 4 and all(score > 0 for _, score in hits)


def test_other_fts5_syntax_is_run_as_given(tmp_path):
    store = store_of(tmp_path, PASSAGES)
    assert [v for v, _ in store.lexical_search('"council" AND "tax"', 50, budget=5)] == [12]


@pytest.mark.parametrize("mode", ["lexical", "hybrid"])
def test_search_finds_a_reference_when_the_budget_binds(tmp_path, fake_embedder, monkeypatch, mode):
    monkeypatch.setattr(lexical, "SCORED_PASSAGES", 3)
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(12):
        (folder / f"d{i:02d}.txt").write_text(f"Sheffield City Council answered request {i} about parks.\n")
    (folder / "ref.txt").write_text("Council reference 18201/18: the request about parks was refused.\n")
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([folder])
    hits = assistant.search("council request 18201/18", k=3, mode=mode).hits
    assert hits[0].path.endswith("ref.txt")
    with sqlite3.connect(tmp_path / "idx" / "store.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM passages").fetchone()[0] > 3  # the budget really bound


def test_the_scoring_budget_grows_with_the_collection_within_bounds():
    from index.lexical import scoring_budget

    assert scoring_budget(50) == 100  # a small collection is searched with every clause
    assert scoring_budget(5_470) == 109
    assert scoring_budget(1_000_000) == 20_000 and scoring_budget(10_000_000) == 20_000


def test_a_pasted_page_of_distinct_words_plans_alike_on_a_committed_generation(tmp_path):
    """Clause counts come from one statement per 200 clauses (SQLite caps parameters), and a
    read-only store remembers them: its plans must equal a writable store's, query after query."""
    texts = [*PASSAGES, *(f"Paragraph word{i} and word{i + 1} about parks." for i in range(300))]
    writable = store_of(tmp_path, texts)
    writable.close()
    committed = Store(tmp_path / "store.sqlite", readonly=True)
    fresh = Store(tmp_path / "store.sqlite")
    long_query = " ".join(f"word{i}" for i in range(450)) + " council glyphosate 18201/18"
    for query in (long_query, "council glyphosate", long_query, "council request 18201/18"):
        match = match_expression(query)
        for budget in (5, 40):
            assert committed.lexical_plan(match, budget=budget) == fresh.lexical_plan(match, budget=budget)
    plan_ = committed.lexical_plan(match_expression(long_query), budget=40)
    assert '"glyphosate"' in plan_.match.split(" OR ") and '"council"' in plan_.dropped
