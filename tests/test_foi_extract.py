"""FOI fields: references, exemptions (applied vs mentioned), outcomes, roles, threads, evidence, filters."""

from __future__ import annotations

import pytest

from assistant.api import Assistant
from ingest.documents import Document
from ingest.foi import extract_foi, thread_outcome
from ingest.foi.accuracy import load_labels, score
from ingest.foi.annotate import annotate
from ingest.foi.filters import foi_matches
from ingest.foi.references import find_references
from tests.conftest import REPO

COUNCIL = "Sheffield City Council <foi@council.example.invalid>"
REQUESTER = "FOI requester <request-1189668@requests.example.invalid>"


def doc(text: str, sender: str | None = COUNCIL, part: str | None = None, date: str | None = None) -> Document:
    metadata = {"from": sender} if sender else {}
    if date:
        metadata["date"] = date
    return Document(path="x.mbox", part=part, kind="email" if sender else "txt", title="t", text=text, metadata=metadata)


def assert_spans_exact(document: Document, fields) -> None:
    for spans in fields.evidence.values():
        for span in spans:
            assert document.text[span["start"] : span["end"]] == span["text"]


@pytest.mark.parametrize(
    "text, expected",
    [
        pytest.param("My Reference:   FOI 1306/25\n", ["1306/25"], id="my-reference-foi-label"),
        pytest.param("FOI Request Reference: 18201/18\n", ["18201/18"], id="foi-request-reference"),
        pytest.param("Predictive Policing (855A/22)\n\nRequest", ["855A/22"], id="title-parentheses"),
        pytest.param("FOI request and response 2019-01031\n", ["2019-01031"], id="pcc-year-number"),
        pytest.param("Our ref: 01/FOI/25/006753/Z\nDate:10/10/2025", ["01/FOI/25/006753/Z"], id="humberside"),
        pytest.param("Your reference: FOI-24576-25-0300-000\n", ["FOI-24576-25-0300-000"], id="requester-reference"),
        pytest.param("Reference: 1406745\nDate: 15 October 2025", ["1406745"], id="bare-reference"),
        pytest.param("Subject: Re – Freedom of Information Request – Reference – FOI\n/2022-23-0852\n", ["FOI/2022-23-0852"], id="wrapped-foi-slash"),
        pytest.param("Reference – EIR /1067475 and complaint IC-98355-J1F7", ["EIR/1067475", "IC-98355-J1F7"], id="eir-and-ico"),
        pytest.param("crimes in the years 2019/20 to 2023/24, received 15/10/2018", [], id="years-and-dates-are-not-references"),
        pytest.param("To: Jo <[FOI #1034915 email]>", [], id="whatdotheyknow-address-is-not-a-reference"),
        pytest.param("Reference 1769966 ... Reference – FOI / 1769966", ["1769966"], id="same-reference-twice"),
        pytest.param("Our case FOI/2024/0412 is now closed.", ["FOI/2024/0412"], id="foi-year-slash-number"),
        pytest.param("Reference – FOI / 2024 / 0412.", ["FOI/2024/0412"], id="foi-year-slash-number-spaced"),
        pytest.param("FOI/2024/0412 and FOI/2024/0999", ["FOI/2024/0412", "FOI/2024/0999"], id="same-year-two-cases"),
    ],
)
def test_reference_shapes(text, expected):
    found = find_references(text)
    assert [r.value for r in found] == expected
    for ref in found:
        assert text[ref.span.start : ref.span.end] == ref.span.text


def test_exemptions_applied_vs_mentioned_and_normalised():
    text = (
        "Dear Ms Jones,\nPlease find our response below.\n"
        "The names are exempt from disclosure under section 40(2) of the Freedom of Information Act 2000.\n"
        "Section 17 of the Act requires us, when refusing to provide information, to provide you the applicant "
        "with a notice which states the exemption in question, such as section 43.\n"
        "We are refusing part of your request under Regulation 12(4)(b) of the Environmental Information Regulations.\n"
        "Records were withheld under (b)(7)(C).\n"
        "From: Jo\nSent: 1 May 2024\nSubject: my request\nI expect you will cite section 31(3).\n"
    )
    document = doc(text)
    fields = extract_foi(document)
    by_code = {e["code"]: e["applied"] for e in fields.exemptions}
    assert by_code == {"s.40(2)": True, "s.43": False, "reg 12(4)(b)": True, "(b)(7)(C)": True, "s.31(3)": False}
    assert fields.applied_exemptions == ["s.40(2)", "reg 12(4)(b)", "(b)(7)(C)"]
    assert_spans_exact(document, fields)


def test_postcodes_and_other_acts_are_not_exemptions():
    fields = extract_foi(doc("Please find attached. Sheffield City Council, PO Box 1283, Sheffield S12 2AB. "
                             "Duty under s149 Equality Act 2010 and section 38 of the Highways Act 1980."))
    assert fields.exemptions == []


def test_requester_citations_are_never_applied():
    fields = extract_foi(doc("Dear Council,\nPlease review: your use of section 40(2) was wrong.", sender=REQUESTER))
    assert [e["applied"] for e in fields.exemptions] == [False]
    assert fields.outcome is None


ACK = ("Dear Jo,\nThank you for your request for information relating to potholes which we received on 11/06/2024.\n"
       "This has been logged as a Freedom of Information Request and will be dealt with under the Freedom of "
       "Information Act 2000.\nThe Freedom of Information Act 2000 states that we must respond to you within 20 "
       "working days, by 09/07/2024.\n")


@pytest.mark.parametrize(
    "text, role, outcome",
    [
        pytest.param(ACK, "acknowledgement", "awaiting response", id="acknowledgement"),
        pytest.param("Dear Jo,\nBefore we can begin to process your request, could you please clarify which years you mean?",
                     "clarification", "clarification requested", id="clarification"),
        pytest.param("Dear Jo,\nPlease find attached the spreadsheet of contracts.", "response", "disclosed", id="disclosed"),
        pytest.param("Dear Jo,\nPlease find attached the report. The names of officers have been withheld: they are "
                     "exempt from disclosure under section 40(2) of the Freedom of Information Act.",
                     "response", "partially disclosed", id="partially-disclosed"),
        pytest.param("Dear Jo,\nPlease find our response below.\nSheffield City Council does not hold this information.",
                     "response", "not held", id="not-held"),
        pytest.param("Dear Jo,\nThe information is exempt from disclosure under section 43(2) of the Act.",
                     "response", "refused", id="refused"),
        pytest.param("The force can neither confirm nor deny that it holds the information by virtue of Section 31(3).",
                     "response", "neither confirm nor deny", id="ncnd"),
        pytest.param("Dear Jo,\nThe information you have requested is exempt from disclosure under section 12. It "
                     "would take 90 hours, which would exceed the cost limit of 18 hours.", "response", "cost limit", id="cost-limit"),
        pytest.param("Dear Jo,\nThis request is exempt from disclosure under Section 14 of the Freedom of Information "
                     "Act 2000 as it is deemed to be vexatious.", "response", "vexatious", id="vexatious"),
        pytest.param("Dear Jo,\nInternal Review – Reference – FOI / 123456\nI have carried out an internal review. "
                     "The Council does not hold information relating to questions 2 and 3.", "internal review", "not held",
                     id="internal-review"),
    ],
)
def test_roles_and_outcomes_with_evidence(text, role, outcome):
    document = doc(text)
    fields = extract_foi(document)
    assert (fields.role, fields.outcome) == (role, outcome)
    if outcome not in ("disclosed",):
        assert fields.evidence.get("outcome") or fields.evidence.get("role")
    assert_spans_exact(document, fields)


def test_dates_received_due_and_responded():
    fields = extract_foi(doc(ACK, date="Wed, 12 Jun 2024 09:00:00 +0100"))
    assert fields.dates == {"received": "2024-06-11", "due": "2024-07-09", "date": "2024-06-12", "responded": "2024-06-12"}
    assert fields.date_display == "12 Jun 2024"
    assert fields.law == "FOIA"


def test_outcomes_by_question():
    text = ("In response to your request, I can confirm the following.\n"
            "1) Body worn video – I can confirm this is used by the Force.\n"
            "2) The Office does not hold this information.\n")
    fields = extract_foi(doc(text, sender=None))
    assert fields.outcomes_by_question == [{"question": "1", "outcome": "disclosed"}, {"question": "2", "outcome": "not held"}]
    assert fields.outcome == "partially disclosed"


def test_thread_outcome_comes_from_the_substantive_reply_not_the_acknowledgement():
    messages = [
        doc("Dear Council, please provide the number of potholes.", sender=REQUESTER, part="message 1"),
        doc(ACK, part="message 2"),
        doc("Dear Jo,\nPlease find our response below.\nWe do not hold this information.", part="message 3"),
        doc("Thank you, that is all.", sender=REQUESTER, part="message 4"),
    ]
    annotate(messages)
    assert [m.metadata["foi"]["outcome"] for m in messages] == [None, "awaiting response", "not held", None]
    assert {m.metadata["foi"]["thread_outcome"] for m in messages} == {"not held"}
    assert messages[0].metadata["foi"]["thread_decided_by"] == "message 3"
    assert thread_outcome([extract_foi(messages[0]), extract_foi(messages[1])]) == ("awaiting response", 1)


def test_filters_match_metadata():
    metadata = {"authority": "West Midlands Police", "foi": {
        "references": ["18201/18"], "law": "FOIA", "outcome": "neither confirm nor deny",
        "exemptions": [{"code": "s.31(3)", "applied": True}, {"code": "s.43", "applied": False}],
        "dates": {"date": "2018-11-06", "responded": "2018-11-06"}}}
    assert foi_matches(metadata, authority="midlands", reference="FOI 18201/18", exemption="section 31", law="foia",
                       outcome="Neither confirm nor deny", after="2018-01-01", before="2018-12-31")
    assert not foi_matches(metadata, exemption="s.43")  # only mentioned
    assert not foi_matches(metadata, after="2019-01-01")
    assert not foi_matches(metadata, reference="18201/19")


def test_ingest_stores_foi_metadata_and_search_filters_on_it(tmp_path, fake_embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "ncnd.txt").write_text(
        "Internet Of Things (11435/17)\n\nResponse\n\nWest Midlands Police will neither confirm nor deny that we "
        "hold any of the requested information about connected devices, by virtue of Section 31(3) Law Enforcement.\n",
        encoding="utf-8")
    (folder / "held.txt").write_text(
        "Durham Constabulary\nReference: 1406745\nDate: 15 October 2025\n\nI can confirm that the information "
        "requested is held about connected devices and hospital crime. Please find attached the tables.\n",
        encoding="utf-8")
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder)
    assistant.ingest([folder])
    stored = {d.location.path.rsplit("/", 1)[-1]: d for d in assistant.documents()}
    assert stored["ncnd.txt"].metadata["reference"] == "11435/17"
    assert stored["ncnd.txt"].metadata["foi"]["outcome"] == "neither confirm nor deny"
    assert stored["held.txt"].metadata["date_display"] == "15 Oct 2025"
    hits = assistant.search("connected devices", outcome="neither confirm nor deny").hits
    assert hits and {h.path.rsplit("/", 1)[-1] for h in hits} == {"ncnd.txt"}
    assert {h.path.rsplit("/", 1)[-1] for h in assistant.search("connected devices", exemption="s.31").hits} == {"ncnd.txt"}
    assert {h.path.rsplit("/", 1)[-1] for h in assistant.search("connected devices", after="2025-01-01").hits} == {"held.txt"}
    view = assistant.foi_document(str(folder / "ncnd.txt"))
    assert view["references"] == ["11435/17"] and view["exemptions"][0]["code"] == "s.31(3)"
    assert set(view) >= {"doc_id", "path", "title", "authority", "references", "dates", "law", "exemptions",
                         "outcome", "outcomes_by_question", "evidence"}


@pytest.mark.corpus
def test_accuracy_floors_on_the_labelled_corpus(corpus):
    report = score(load_labels(REPO / "examples" / "labels" / "foi_labels.jsonl"), corpus)
    assert report.references.documents >= 60
    assert report.references.accuracy >= 0.95
    assert report.exemptions.f1 >= 0.9
    assert report.outcome.accuracy >= 0.85


def test_foi_show_cli_prints_the_fields_as_json(tmp_path, fake_embedder):
    import json

    from click.testing import CliRunner

    from assistant.cli import main

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "wmp.txt").write_text(
        "Subject: Freedom of Information Request 18201/18\n\nDate: Tue, 6 Nov 2018 15:34:05 +0000\n\nRESPONSE\n\n"
        "West Midlands Police can neither confirm nor deny that it holds any other information by virtue of "
        "the following exemptions:\n\nSection 24(2) - National security\n\nSection 31(3) - Law enforcement\n",
        encoding="utf-8")
    index = tmp_path / "idx"
    Assistant.open(index, embedder=fake_embedder).ingest([folder])
    result = CliRunner().invoke(main, ["show", str(folder / "wmp.txt"), "--json", "--index", str(index), "-q"])
    assert result.exit_code == 0, result.output
    view = json.loads(result.output)
    assert view["references"] == ["18201/18"] and view["outcome"] == "neither confirm nor deny"
    assert [e["code"] for e in view["exemptions"] if e["applied"]] == ["s.24(2)", "s.31(3)"]
    assert view["dates"]["date"] == "2018-11-06"
    missing = CliRunner().invoke(main, ["show", "nope.txt", "--index", str(index), "-q"])
    assert missing.exit_code == 1 and "no indexed document matches nope.txt" in missing.output
