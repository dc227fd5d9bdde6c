"""Boilerplate: recurring text ranks below unique evidence, collapses, and stays findable."""

from __future__ import annotations

import pytest

from assistant import Assistant
from index.boilerplate import sentence_keys
from tests.test_index import write_docs

APPEAL = (
    "If you are dissatisfied with the handling of your request reference {ref} you may ask for an internal "
    "review within 40 working days. If you remain dissatisfied you may complain to the Information "
    "Commissioner's Office about the council's handling of the request."
)
TOPICS = {
    "parking": "The council issued 45,210 parking penalty charge notices and the council received parking income.",
    "cctv": "The council operates 120 CCTV cameras and the council request for CCTV monitoring costs £85,000.",
    "libraries": "The council closed two libraries in 2023 and the council request about library staffing.",
    "potholes": "The council repaired 8,400 potholes and the council paid 212 pothole compensation claims.",
    "housing": "The council has 1,203 empty council homes awaiting repair on the council housing register.",
}


@pytest.fixture
def assistant(tmp_path, fake_embedder):
    docs = {
        f"{name}.txt": f"{text}\n\n{APPEAL.format(ref=f'FOI-{100 + i}')}"
        for i, (name, text) in enumerate(TOPICS.items())
    }
    assistant = Assistant.open(tmp_path / "idx", embedder=fake_embedder, chunk_tokens=40, chunk_overlap=0,
                               max_hits_per_document=1)
    assistant.ingest([write_docs(tmp_path / "docs", docs)])
    return assistant


def test_sentences_differing_only_in_numbers_share_a_key():
    assert sentence_keys(APPEAL.format(ref="FOI-101")) == sentence_keys(APPEAL.format(ref="FOI-999"))


def test_unique_evidence_outranks_recurring_appeal_text(assistant):
    hits = assistant.search("council request parking", k=3).hits
    assert hits[0].path.endswith("parking.txt") and hits[0].boilerplate == 0.0


def test_recurring_text_is_collapsed_into_one_hit_that_counts_the_others(assistant):
    hits = assistant.search("internal review Information Commissioner complaint", k=5).hits
    # Asked for directly, the appeal text is still found first ...
    assert hits[0].boilerplate >= 0.8 and ("internal review" in hits[0].text or "Commissioner" in hits[0].text)
    # ... and each of its passages appears once, saying how many other documents carry it.
    keys = [sentence_keys(h.text)[0][0] for h in hits if h.boilerplate >= 0.8]
    assert len(keys) == len(set(keys))
    assert all(h.also_in == 4 for h in hits if h.boilerplate >= 0.8)


def test_a_collapsed_hit_names_the_other_documents_carrying_its_text(assistant):
    hits = assistant.search("internal review Information Commissioner complaint", k=5).hits
    collapsed = next(h for h in hits if h.boilerplate >= 0.8)
    others = {assistant.document(doc_id).location.path.rsplit("/", 1)[-1] for doc_id in collapsed.also_in_ids}
    everything = {f"{name}.txt" for name in TOPICS}
    assert others == everything - {collapsed.path.rsplit("/", 1)[-1]}


def test_collapsing_and_demotion_can_be_turned_off(tmp_path, assistant, fake_embedder):
    plain = Assistant.open(tmp_path / "idx", embedder=fake_embedder, collapse_boilerplate=False,
                           boilerplate_penalty=0.0, max_hits_per_document=1)
    hits = plain.search("internal review Information Commissioner complaint", k=5).hits
    assert sum("internal review" in h.text for h in hits) + sum("Commissioner" in h.text for h in hits) >= 5


@pytest.mark.parametrize("module, limit, table", [
    ("passages", "BOILERPLATE_IN_MEMORY", "_boilerplate"), ("store_chunks", "CHUNKS_IN_MEMORY", "_chunks"),
])
def test_a_collection_too_large_to_hold_a_table_in_memory_searches_the_same(
    tmp_path, assistant, fake_embedder, monkeypatch, module, limit, table
):
    import importlib

    store = importlib.import_module(f"index.{module}")

    queries = ["internal review Information Commissioner complaint", "council request parking", "CCTV cameras"]
    held = [assistant.search(query, k=5).hits for query in queries]
    monkeypatch.setattr(store, limit, 0)
    asked = Assistant.open(tmp_path / "idx", embedder=fake_embedder, max_hits_per_document=1)
    assert [asked.search(query, k=5).hits for query in queries] == held
    with asked.snapshots.reading() as snapshot:
        assert getattr(snapshot.store, table) is False  # really asked SQLite each time
