"""A reply is read beside its retrieved request: "Smith 94" answers what the request asked."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.terms import question_terms
from assistant.thread_replies import with_thread_replies
from tests.mailboxes import write_mbox
from tests.test_index import write_docs

REQUEST = ("Dear Eastshire Council,\nHow many people with the following surnames work for Eastshire Council?\n"
           "Ahmed\nBrown\nSmith\nTaylor\nYours faithfully,\nA. Requester")
REPLY = ("Dear A. Requester,\nThank you for your request which we received on 28/02/2025.\n"
         "Please find the council's response set out below:\nAhmed 22\nBrown 43\nSmith 94\nTaylor 55\n"
         "If you have any queries about this response, please do not hesitate to contact us.\n"
         "Yours sincerely,\nEastshire Council")


def _thread(path):
    write_mbox(path, [("FOI requester <request-1@requests.example.invalid>", REQUEST),
                      ("Eastshire Council <foi@council.example.invalid>", REPLY)], "Common surnames")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, real_embedder):
    root = tmp_path_factory.mktemp("threads")
    folder = write_docs(root / "docs", {
        "parking.txt": "Eastshire Council issued 4,210 parking penalty charge notices in 2023.",
        "libraries.txt": "Eastshire Council runs 14 libraries; two of them open on Sundays.",
    })
    _thread(folder / "surnames.mbox")
    # The abstention model is fitted on a whole corpus; three documents give it no collection to weigh.
    assistant = Assistant.open(root / "idx", embedder=real_embedder, abstain_confidence_below=0.0)
    assistant.ingest([folder])
    return assistant


QUESTION = "How many people named Smith work for Eastshire Council?"


def test_a_request_only_thread_brings_its_reply_and_the_question_it_answers(assistant):
    with assistant.snapshots.reading() as snapshot:
        hits = assistant.search(QUESTION, k=5).hits
        request = [(h, assistant.document(h.doc_id)) for h in hits if "following surnames" in h.text]
        assert request, "the request is retrieved"
        pairs, asked = with_thread_replies(snapshot, request, assistant.embedder.embed([QUESTION])[0],
                                           question_terms(QUESTION))
    added = [hit for hit, _ in pairs[len(request):]]
    assert any("Smith 94" in hit.text for hit in added)
    assert all("following surnames" in asked[hit.doc_id] for hit in added)


def test_ask_quotes_the_reply_figure(assistant):
    answer = assistant.ask(QUESTION)
    assert not answer.abstained
    assert any("Smith 94" in c.quote for c in answer.citations)
    assert all("Yours sincerely" not in c.quote for c in answer.citations)


def test_a_thread_whose_reply_was_retrieved_is_left_as_it_is(assistant):
    with assistant.snapshots.reading() as snapshot:
        hits = assistant.search("Smith 94 Taylor 55", k=5).hits
        both = [(h, assistant.document(h.doc_id)) for h in hits if h.path.endswith("surnames.mbox")]
        assert any("Smith 94" in h.text for h, _ in both)
        pairs, asked = with_thread_replies(snapshot, both, assistant.embedder.embed(["Smith 94"])[0], ["smith"])
    assert pairs == both and asked == {}
