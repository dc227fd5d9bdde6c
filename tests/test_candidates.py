"""Citations that answer: no acknowledgement, no requester's item, the named force only, and
a look-up by reference answered from the request it names."""

from __future__ import annotations

import pytest

from assistant.evidence import is_acknowledgement, is_question
from assistant.sentence_choice import question_names
from tests.answer_fixtures import cited_files, quoting_assistant

DOCS = {
    # Two forces' answers to one round-robin request: the same wording, different forces.
    "northshire-hospital-crime.txt": (
        "NORTHSHIRE POLICE\nOur ref: 01/FOI/25/006753/Z\n\n"
        "Response\n"
        "Dear Ms Robinson, Thank you for your request for information relating to bicycle thefts at "
        "hospitals recorded by Northshire Police which we received on 15/09/2025.\n\n"
        "Bicycle thefts from hospital grounds recorded by Northshire Police were 41 in 2023 and 37 in 2024.\n"
    ),
    "westmoor-hospital-crime.txt": (
        "WESTMOOR CONSTABULARY\n\n"
        "Response\n"
        "1. The total number of bicycle thefts logged by your force on hospital grounds in the years 2019/20 to 2023/24.\n"
        "Bicycle thefts from hospital grounds recorded by Westmoor Constabulary were 12 in 2023 and 15 in 2024.\n"
    ),
    # A request whose reply is only an attachment: the request itself says what it was about.
    "predictive-policing-855a-22.txt": (
        "Predictive Policing (855A/22)\n\n"
        "Request\n"
        "I am writing to request information about predictive crime mapping systems used by the force.\n\n"
        "Response\n"
        "Please find attached our response.\n"
    ),
}


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    return quoting_assistant(tmp_path, fake_embedder, DOCS)


def test_the_force_the_question_names_is_the_only_one_cited(assistant):
    answer = assistant.ask("How many bicycles were stolen from hospital grounds in Northshire each year?")
    assert cited_files(answer) == {"northshire-hospital-crime.txt"}
    assert any("41 in 2023" in c.quote for c in answer.citations)


def test_an_acknowledgement_of_the_request_is_not_an_answer(assistant):
    answer = assistant.ask("How many bicycle thefts at hospitals did Northshire Police record?")
    assert answer.citations
    assert not any("Thank you for your request" in c.quote for c in answer.citations)


def test_a_requesters_item_addressed_to_your_force_is_not_quoted(assistant):
    answer = assistant.ask("How many bicycle thefts were logged on hospital grounds in Westmoor?")
    assert answer.citations
    assert not any("your force" in c.quote for c in answer.citations)
    assert any("12 in 2023" in c.quote for c in answer.citations)


def test_a_look_up_by_reference_quotes_the_request_it_names(assistant):
    answer = assistant.ask("What was request 855A/22 about?")
    assert not answer.abstained
    assert cited_files(answer) == {"predictive-policing-855a-22.txt"}
    assert any("855A/22" in c.quote or "predictive crime mapping" in c.quote for c in answer.citations)


@pytest.mark.parametrize(
    "sentence",
    [
        "Dear Jasmine Maguire, Thank you for your request for information relating to Electric Charge points "
        "which we received on 15/08/2024.",
        "Dear Matt Smith We apologise for the delay in responding to your request of 16 November 2022.",
        "View as HTML RE06165A Central Library Viability Report V1 00 Redacted.pdf",
        "1 Attachment FOI 1205735 Taxi Licenses.xlsx 17K",
        "Views or opinions expressed in this email do not necessarily represent those of West Midlands Police.",
    ],
)
def test_acknowledgements_attachments_and_disclaimers_are_told_apart(sentence):
    assert is_acknowledgement(sentence)


@pytest.mark.parametrize(
    "sentence, requesters",
    [
        ("1. Total number of CCTV cameras operated by the council during the 2023 calendar year.", True),
        ("• Following the Grenfell fire how many council tower blocks were identified as having cladding.", True),
        ("The total number of crimes logged by your force that happened on hospital grounds.", True),
        ("- any correspondence between Museums Sheffield and Libraries Sheffield /", True),
        ("9 cameras were faulty during 2023.", False),
        ("• Parks senior football pitches currently available for hire: 39", False),
        ("Your council tax account was credited with £120.", False),
    ],
)
def test_request_items_are_told_from_answers(sentence, requesters):
    assert is_question(sentence) == requesters
    assert not is_acknowledgement(sentence)


def test_question_names_are_its_capitalised_words_but_the_first_and_months():
    assert question_names("How many bicycles were stolen in Humberside in April 2024?") == {"humberside"}
    assert question_names("What is Sheffield's net budget for parks?") == {"sheffield"}


LICENCES = (
    "Please find Sheffield City Council's response to your request set out below:\n"
    "2. How many licences are currently issued?\n"
    "1\n"
    "3. For which animals have these licences been issued? Please state how\n"
    "many of each species.\n"
    "1 Super Dwarf Caimen\n"
)


def _stored(text):
    from index.records import StoredDocument

    return StoredDocument("d1", "text", "Licences", text, [], {}, [], "", "")


def test_an_answer_line_carries_its_whole_question_item_not_only_the_items_last_sentence():
    from assistant.evidence import question_context

    document = _stored(LICENCES)
    context = question_context(document, LICENCES.index("1 Super"))
    assert context == "3. For which animals have these licences been issued? Please state how many of each species."
    # The item above ("2. How many licences ...") is another question: its answer line carries only it.
    assert question_context(document, LICENCES.index("1\n3.")) == "2. How many licences are currently issued?"


def test_a_demonym_in_the_question_is_held_by_a_document_naming_the_place():
    from assistant.sentence_choice import holds_names, name_in

    assert name_in("cumbrian", "crimes recorded by cumbria constabulary")
    assert holds_names({"cumbrian"}, "Cumbria Constabulary recorded 41 offences.")
    assert not holds_names({"cumbrian"}, "Durham Constabulary recorded 41 offences.")


REFUSAL_AND_ANSWER = {
    # A reply that cannot process the request quotes it whole: it holds every word of the question.
    "bus-lane-refusal.txt": (
        "Dear Kaizen,\nThank you for your request for information relating to bus lane penalties which we "
        "received on 17/02/2023.\nUnfortunately, the council cannot process your request because you have not "
        "given us your full name.\n\n"
        "From: Kaizen\nSent: 17 February 2023 11:06\nTo: FOI\nSubject: Freedom of Information request\n"
        "I hereby wish to request the number of bus lane penalty charge notices issued in Sheffield each week "
        "from 13 April 2024, and the fines issued in the week from 13 April 2024.\n"
    ),
    "bus-lane-pcns.txt": (
        "Dear Mr Ward,\nPlease find Sheffield City Council's response below.\n"
        "The number of bus lane penalty charge notices issued in the week 13/04/24 to 19/04/24 was 1685.\n"
    ),
}


def test_a_reply_quoting_the_request_whole_does_not_keep_the_answering_reply_out(tmp_path, fake_embedder):
    assistant = quoting_assistant(tmp_path, fake_embedder, REFUSAL_AND_ANSWER)
    answer = assistant.ask("How many bus lane fines were issued in Sheffield in the week from 13 April 2024?")
    assert cited_files(answer) == {"bus-lane-pcns.txt"}
    assert "1685" in answer.answer
