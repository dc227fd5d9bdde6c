"""Training pairs for `foi tune`: request questions paired with their answers, evaluated threads held out."""

from __future__ import annotations

import json

from index.records import Location, StoredDocument
from index.tune_pairs import build_pairs, evaluated_files, request_questions

PLAYGROUND_REQUEST = """Dear Sheffield City Council,
1. How many public playgrounds did you maintain on 1 April 2023?
2. What did you spend on playground maintenance in 2022/23?
Yours faithfully,
A Requester
"""
PLAYGROUND_RESPONSE = """Dear A Requester,
Thank you for your request for information which we received on 12/01/2024.
1. How many public playgrounds did you maintain on 1 April 2023?
The council maintained 155 playgrounds, including multi-use games areas.
2. What did you spend on playground maintenance in 2022/23?
Revenue spend on playground maintenance was £391,277 in 2022/23.
If you have any queries about this response, please contact us.
"""
SKIP_REQUEST = "Dear Council,\nHow many potholes were repaired on Abbey Lane in 2023?\nYours faithfully,\nB\n"
SKIP_RESPONSE = "Dear B,\nIn response to your request, 41 potholes were repaired on Abbey Lane in 2023.\n"


def _doc(path: str, part: str, text: str, role: str, from_authority: bool) -> StoredDocument:
    return StoredDocument(
        doc_id=f"{path}:{part}", kind="email", title=path, text=text, pages=[],
        metadata={"foi": {"role": role, "from_authority": from_authority}},
        locations=[Location(path, part)], added_at="", updated_at="",
    )


def _thread(path: str, request: str, response: str) -> list[StoredDocument]:
    return [
        _doc(path, "message 1", request, "request", False),
        _doc(path, "message 2", "Dear B,\nWe have received your request.\n", "acknowledgement", True),
        _doc(path, "message 3", response, "response", True),
    ]


def test_numbered_questions_pair_with_their_answers_without_the_restated_question():
    pairs = build_pairs(_thread("/c/sheffield-wdtk/playgrounds.mbox", PLAYGROUND_REQUEST, PLAYGROUND_RESPONSE), set())
    assert pairs.threads == 1 and pairs.excluded_threads == 0
    by_query = {p.query: p.passage for p in pairs.pairs}
    assert set(by_query) == {
        "How many public playgrounds did you maintain on 1 April 2023?",
        "What did you spend on playground maintenance in 2022/23?",
    }
    first = by_query["How many public playgrounds did you maintain on 1 April 2023?"]
    assert first.startswith("The council maintained 155 playgrounds")
    assert "£391,277" not in first  # the next question's answer is another pair
    assert "£391,277" in by_query["What did you spend on playground maintenance in 2022/23?"]


def test_unnumbered_request_pairs_with_the_start_of_the_answer():
    pairs = build_pairs(_thread("/c/sheffield-wdtk/potholes.mbox", SKIP_REQUEST, SKIP_RESPONSE), set())
    assert [(p.query, p.passage) for p in pairs.pairs] == [(
        "How many potholes were repaired on Abbey Lane in 2023?",
        "In response to your request, 41 potholes were repaired on Abbey Lane in 2023.",
    )]


def test_response_letter_that_restates_its_request():
    letter = "Internet Of Things (11435/17)\n\nRequest\n\nWhether your force trains officers to extract data " \
             "from connected devices.\n\nResponse\n\nWest Midlands Police will neither confirm nor deny that we hold it.\n"
    pairs = build_pairs([_doc("/c/wmp/wmp-11435.txt", None, letter, "response", True)], set())
    assert len(pairs.pairs) == 1
    assert pairs.pairs[0].query.startswith("Whether your force trains officers")
    assert "neither confirm nor deny" in pairs.pairs[0].passage
    assert "Whether" not in pairs.pairs[0].passage


def test_evaluated_threads_and_threads_sharing_their_questions_are_held_out(tmp_path):
    eval_set = tmp_path / "blind.jsonl"
    eval_set.write_text(json.dumps({"id": "q1", "question": "How many playgrounds?",
                                    "relevant": ["sheffield-wdtk/playgrounds.mbox"]}) + "\n", encoding="utf-8")
    documents = (
        _thread("/c/sheffield-wdtk/playgrounds.mbox", PLAYGROUND_REQUEST, PLAYGROUND_RESPONSE)
        # The same request sent again in another thread: training on it would leak the answer too.
        + _thread("/c/sheffield-wdtk/playgrounds_again.mbox", PLAYGROUND_REQUEST.replace("A Requester", "C"),
                  PLAYGROUND_RESPONSE)
        + _thread("/c/sheffield-wdtk/potholes.mbox", SKIP_REQUEST, SKIP_RESPONSE)
    )
    listed = evaluated_files([eval_set])
    assert listed == {"sheffield-wdtk/playgrounds.mbox"}
    pairs = build_pairs(documents, listed)
    assert pairs.excluded_threads == 2 and pairs.threads == 1
    assert {p.thread for p in pairs.pairs} == {"/c/sheffield-wdtk/potholes.mbox"}
    assert not any("playground" in p.query.lower() or "playground" in p.passage.lower() for p in pairs.pairs)


def test_greeting_and_sign_off_are_not_questions():
    questions = request_questions(PLAYGROUND_REQUEST)
    assert [n for n, _ in questions] == [1, 2]
    assert not any("Dear" in q or "faithfully" in q for _, q in questions)
