"""Drive the UI's named endpoints with gradio_client against a live local server."""

from __future__ import annotations

import socket

import pytest
from assistant.api import Assistant

pytest.importorskip("gradio")
from gradio_client import Client  # noqa: E402

from ui.serve import serve  # noqa: E402

DOCS = {
    "wmp/bwv.txt": "Body worn video\nThe force uses body worn video cameras on all response officers. "
    "There are 1,200 body worn video cameras in use across the force area.\n",
    "wmp/drones.md": "# Drones\nThe force operates four drones for search and rescue over moorland.\n",
    "other/budget.txt": "Budget\nThe annual budget for body worn video cameras was 300,000 pounds last year.\n",
    "foi/north.txt": "North Police\nOur ref: FOI 101/24\nDate: 3 March 2024\n\nRequest\nDoes the force use facial "
    "recognition?\n\nResponse\nI can confirm that North Police uses live facial recognition at major events.",
    "foi/south.txt": "South Constabulary\nOur ref: FOI 202/24\nDate: 5 April 2024\n\nRequest\nDoes the force use "
    "facial recognition?\n\nResponse\nSouth Constabulary can neither confirm nor deny that it holds this "
    "information by virtue of section 31(3) and section 24(2).",
}


def fake_embedder_class(config):
    """The conftest's FakeEmbedder class (a module-scoped fixture cannot request the function-scoped one)."""
    for plugin in config.pluginmanager.get_plugins():
        if hasattr(plugin, "FakeEmbedder"):
            return plugin.FakeEmbedder
    raise LookupError("tests/conftest.py defines no FakeEmbedder")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, pytestconfig):
    root = tmp_path_factory.mktemp("ui-api")
    for name, text in DOCS.items():
        (root / "docs" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "docs" / name).write_text(text, encoding="utf-8")
    assistant = Assistant.open(root / "idx", embedder=fake_embedder_class(pytestconfig)())
    assistant.ingest([root / "docs"])
    demo = serve(assistant, port=free_port(), block=False, quiet=True)
    yield demo, assistant, root
    demo.close()
    assistant.close()


@pytest.fixture(scope="module")
def client(server):
    return Client(server[0].local_url, verbose=False)


def test_named_endpoints_are_listed(client):
    names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert {"/ask", "/search", "/compare", "/documents", "/document", "/update", "/remove"} <= names


def test_ask_returns_cited_answer(client):
    answer = client.predict("Does the force use body worn video cameras?", "", api_name="/ask")
    assert not answer["abstained"]
    assert "[1]" in answer["answer"]
    first = answer["citations"][0]
    assert first["n"] == 1 and first["file_path"].endswith("bwv.txt") and first["quote"] in DOCS["wmp/bwv.txt"]


def test_ask_stream_yields_the_answer_progressively(client):
    job = client.submit("Does the force use body worn video cameras?", [], api_name="/ask_stream")
    job.result(timeout=60)
    updates = job.outputs()
    assert len(updates) >= 3
    chats = [u[1] for u in updates if isinstance(u[1], list) and u[1]]
    # A placeholder first, the cited answer last; the JSON "ask" endpoint is unchanged.
    assert "Searching" in str(chats[0][-1]) and "[1" in str(chats[-1][-1])
    final = updates[-1]
    assert "foi-card" in final[2] and "References" in final[3]


def test_ask_follow_up_uses_previous_question(client):
    answer = client.predict("How many?", "Does the force use body worn video cameras?", api_name="/ask")
    assert answer["question"].startswith("Does the force use body worn video cameras?")
    assert not answer["abstained"]


def test_ask_abstains_plainly(client):
    answer = client.predict("zebra quantum xylophone", "", api_name="/ask")
    assert answer["abstained"] and answer["citations"] == [] and answer["answer"].startswith("I could not find")


def test_search_with_filters(client):
    everything = client.predict("body worn video cameras", 5, [], "", api_name="/search")["hits"]
    assert {h["file_path"].split("/")[-1] for h in everything} >= {"bwv.txt", "budget.txt"}
    only_wmp = client.predict("body worn video cameras", 5, [], "wmp", api_name="/search")["hits"]
    assert only_wmp and all("/wmp/" in h["file_path"] for h in only_wmp)
    only_md = client.predict("body worn video cameras", 5, ["md"], "", api_name="/search")["hits"]
    assert [h["kind"] for h in only_md] == ["md"]
    assert all(h["citation"] for h in everything)
    # FOI filters reach the search: none of these documents is a vexatious refusal,
    # and none is dated after 2100.
    assert client.predict("body worn video cameras", 5, [], "", "", "vexatious", api_name="/search")["hits"] == []
    assert client.predict("body worn video cameras", 5, [], "", "", "", "", "2100-01-01", api_name="/search")["hits"] == []


def test_documents_and_document(client):
    documents = client.predict("", api_name="/documents")
    assert sorted(d["title"] for d in documents) == ["Body worn video", "Budget", "Drones", "North Police", "South Constabulary"]
    assert [d["title"] for d in client.predict("drones", api_name="/documents")] == ["Drones"]
    assert all(d["chunks"] >= 1 for d in documents)
    doc = client.predict(documents[0]["doc_id"], api_name="/document")
    assert doc["text"] in DOCS.values()


def test_update_ingests_the_uploads_folder(client, server):
    _, assistant, _ = server
    uploads = assistant.settings.index_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "helicopter.txt").write_text("Helicopter\nThe police helicopter flew 900 hours.\n", encoding="utf-8")
    report = client.predict(api_name="/update")
    assert report["added"] == 1 and report["skipped"] == []
    outcomes = {f["file_path"].split("/")[-1]: f["status"] for f in report["files"]}
    assert outcomes == {"helicopter.txt": "added"}
    hits = client.predict("police helicopter hours", 1, [], "", api_name="/search")["hits"]
    assert hits[0]["title"] == "Helicopter"


def test_remove_deletes_from_index_and_only_uploaded_copies(client, server):
    _, assistant, root = server
    documents = {d["title"]: d["doc_id"] for d in client.predict("", api_name="/documents")}
    result = client.predict(documents["Helicopter"], api_name="/remove")
    assert result["removed"] == 1 and result["deleted_upload"] is True
    assert not (assistant.settings.effective_uploads_dir / "helicopter.txt").exists()
    result = client.predict(documents["Drones"], api_name="/remove")
    assert result["deleted_upload"] is False and (root / "docs" / "wmp" / "drones.md").exists()
    assert {d["title"] for d in client.predict("", api_name="/documents")} == {
        "Body worn video", "Budget", "North Police", "South Constabulary"}
    hits = client.predict("drones search and rescue moorland", 5, [], "", api_name="/search")["hits"]
    assert all(h["title"] != "Drones" for h in hits)


def test_search_can_count_facets(client):
    plain = client.predict("facial recognition", 5, api_name="/search")
    assert "facets" not in plain
    found = client.predict("facial recognition", 5, facets=True, api_name="/search")
    facets = found["facets"]
    assert ["North Police", 1] in facets["authority"] and ["South Constabulary", 1] in facets["authority"]
    assert ["2024", 2] in facets["year"] and facets["exemption"] == [["s.24(2)", 1], ["s.31(3)", 1]]
    # Applying a facet value as a filter keeps only its documents.
    south = client.predict("facial recognition", 5, authority="South Constabulary", facets=True, api_name="/search")
    assert {h["title"] for h in south["hits"]} == {"South Constabulary"}
    assert south["facets"]["authority"] == [["South Constabulary", 1]]


def test_compare_returns_one_row_per_response(client):
    found = client.predict("facial recognition force", 2, api_name="/compare")
    rows = found["rows"]
    names = {row["file_path"].rsplit("/", 1)[-1]: row for row in rows}
    assert set(names) == {"north.txt", "south.txt"}
    for name, row in names.items():
        assert DOCS[f"foi/{name}"][row["start"] : row["end"]] == row["sentence"]
    assert names["south.txt"]["authority"] == "South Constabulary" and "s.31(3)" in names["south.txt"]["exemptions"]
    assert names["north.txt"]["reference"] == "101/24"
    refused = client.predict("facial recognition force", 5, outcome="neither confirm nor deny", api_name="/compare")["rows"]
    assert [row["authority"] for row in refused] == ["South Constabulary"]


def test_ask_and_search_have_the_same_json_shape_as_the_cli(server, client, monkeypatch):
    import json

    from click.testing import CliRunner

    from assistant.cli import main

    _, assistant, root = server
    monkeypatch.setattr("assistant.api.load_embedder", lambda model, **kwargs: assistant.embedder)
    index = ["--index", str(root / "idx"), "--json", "-q"]
    question = "Does the force use body worn video cameras?"
    cli_answer = json.loads(CliRunner().invoke(main, ["ask", question, *index]).output)
    ui_answer = client.predict(question, "", api_name="/ask")
    assert set(ui_answer) == set(cli_answer) >= {"filters_from_question", "matching", "passages"}
    assert set(ui_answer["citations"][0]) == {"file_path" if k == "path" else k for k in cli_answer["citations"][0]}
    assert "meta" in ui_answer["citations"][0] and "metadata" not in ui_answer["citations"][0]
    cli_hits = json.loads(CliRunner().invoke(main, ["search", "body worn video", *index]).output)["hits"]
    ui_hits = client.predict("body worn video", 5, api_name="/search")["hits"]
    assert [hit["doc_id"] for hit in ui_hits] == [hit["doc_id"] for hit in cli_hits]
    assert set(ui_hits[0]) == {"file_path" if k == "path" else k for k in cli_hits[0]}
