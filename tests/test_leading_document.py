"""A clearly leading document may take one passage beyond the per-document cap."""

from __future__ import annotations

from assistant import Assistant
from assistant.leading_document import widen_leading_document
from index.search import Hit


def hit(doc: str, start: int, score: float) -> tuple[Hit, None]:
    text = f"{doc} passage {start}"
    return (Hit(rank=0, score=score, doc_id=doc, path=doc, part=None, title=doc, kind="text", page=None,
                page_end=None, start=start, end=start + len(text), text=text), None)  # fmt: skip


RANKED = [hit("a", 0, 0.80), hit("a", 1, 0.78), hit("b", 0, 0.60), hit("a", 2, 0.59), hit("c", 0, 0.55),
          hit("b", 1, 0.50), hit("c", 1, 0.40)]  # fmt: skip


def places(pairs) -> list[tuple[str, int]]:
    return [(h.doc_id, h.start) for h, _ in pairs]


def test_a_document_that_leads_by_the_margin_keeps_its_third_passage():
    chosen = widen_leading_document(RANKED, k=5, cap=2, margin=0.1)
    assert places(chosen) == [("a", 0), ("a", 1), ("b", 0), ("a", 2), ("c", 0)]
    assert [h.rank for h, _ in chosen] == [1, 2, 3, 4, 5]


def test_a_close_race_keeps_the_usual_cap_for_every_document():
    chosen = widen_leading_document(RANKED, k=5, cap=2, margin=0.25)
    assert places(chosen) == [("a", 0), ("a", 1), ("b", 0), ("c", 0), ("b", 1)]


def test_only_the_leading_document_is_widened():
    ranked = [hit("a", 0, 0.9), hit("b", 0, 0.5), hit("b", 1, 0.49), hit("b", 2, 0.48), hit("c", 0, 0.3)]
    assert places(widen_leading_document(ranked, k=4, cap=2, margin=0.1)) == [
        ("a", 0), ("b", 0), ("b", 1), ("c", 0)]  # fmt: skip
    assert widen_leading_document([], k=5, cap=2, margin=0.1) == []


LONG = " ".join(f"Parking permit fees for zone {n} rose to {n * 7} pounds in the year." for n in range(1, 120))


def test_search_gives_a_leading_long_response_a_third_passage(tmp_path, fake_embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "parking.txt").write_text(LONG, encoding="utf-8")
    (folder / "trees.txt").write_text("Street trees were felled on Rustlings Road in 2016.", encoding="utf-8")
    (folder / "bins.txt").write_text("Bin collections moved to a fortnightly rota.", encoding="utf-8")
    Assistant.open(tmp_path / "idx", embedder=fake_embedder).ingest([folder])

    def from_parking(**settings) -> int:
        hits = Assistant.open(tmp_path / "idx", embedder=fake_embedder, **settings).search(
            "parking permit fees zone pounds", k=5).hits
        for h in hits:
            assert LONG[h.start : h.end] == h.text or h.path.endswith(("trees.txt", "bins.txt"))
        return sum(h.path.endswith("parking.txt") for h in hits)

    assert from_parking(max_hits_per_document=2) == 2
    assert from_parking(max_hits_per_document=2, leading_document_margin=0.0) == 3
    assert from_parking() == 3  # the default cap is 3
