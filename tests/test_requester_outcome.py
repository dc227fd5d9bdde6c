"""The outcome a requester would record for an authority's reply (`requester_outcome`), with its evidence."""

from __future__ import annotations

import pytest

from ingest.documents import Document
from ingest.foi import extract_foi

COUNCIL = "Northbridge Council <foi@council.example.invalid>"
OPENING = "Dear Ms Jones,\n\nThank you for your request.\nPlease find our response to your request set out below:\n\n"
CLOSING = "\n\nIf you have any queries about this response, please do not hesitate to contact us.\n"
FOOTER = "\n\nReferences\n\nVisible links\n1. https://ico.org.uk/make-a-complaint/\n2. https://www.example.invalid/42\n"


def reply(body: str, footer: str = "") -> Document:
    return Document(path="t.mbox", part="message 3", kind="email", title="t",
                    text=OPENING + body + CLOSING + footer, metadata={"from": COUNCIL})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("We attended 229 reports of missing covers in 2023.\n"
                     "We are unable to identify which of these covers were stolen.",
                     "partially disclosed", id="not-identifiable-beside-a-figure"),
        pytest.param("We do not break down the waiting list by these categories.\n"
                     "The mean wait was 98 days from contact to assessment.",
                     "partially disclosed", id="not-broken-down-beside-a-figure"),
        pytest.param("We do not have the full information from 2015, but these networks ran until 2022:\n"
                     "• Carers Network\n• Race Equality Network\n• Menopause Café",
                     "partially disclosed", id="not-held-beside-a-list"),
        pytest.param("The council has not received the letter detailed below and so has not replied to it.",
                     "not held", id="never-received"),
        pytest.param("There has been no impact assessment made on the effect of the strike on recycling.",
                     "not held", id="no-assessment-exists"),
        pytest.param("We don't hold this information: schools keep their own accounts.",
                     "not held", id="footer-links-are-not-answers"),
        pytest.param("89.04% of invoices were paid within 30 days in 2016/17.\n"
                     "Collating the number paid late would exceed the cost limit of 18 hours.",
                     "partially disclosed", id="cost-limit-beside-a-figure"),
        pytest.param("We estimate that we would need to search 262 records at 10 minutes each, 43 hours in all.\n"
                     "This would exceed the cost limit of 18 hours.",
                     "cost limit", id="cost-limit-estimate-is-not-an-answer"),
        pytest.param("The information is withheld by virtue of section 43(2) of the Freedom of Information Act 2000, "
                     "as disclosure would prejudice the company's commercial interests.",
                     "refused", id="exemption-argued-and-nothing-given"),
        pytest.param("We can see that your account has been suspended. We are therefore declining your request, as "
                     "section 8(1)(b) requires a valid address for correspondence.",
                     "refused", id="invalid-request-declined"),
        pytest.param("We are making a partial response today by referring you to the archive's case files.",
                     "partially disclosed", id="partial-response-in-so-many-words"),
        pytest.param("1. How many permits were issued? 51\n2. How many visitor books? 34",
                     "disclosed", id="numbered-answers"),
    ],
)
def test_requester_outcome_of_a_reply(body, expected):
    document = reply(body, FOOTER)
    fields = extract_foi(document)
    assert fields.role == "response"
    assert fields.requester_outcome == expected
    spans = fields.evidence.get("requester_outcome", [])
    if expected != "disclosed":
        assert spans, "a withholding outcome keeps the phrase that decided it"
    for span in spans:
        assert document.text[span["start"] : span["end"]] == span["text"]
