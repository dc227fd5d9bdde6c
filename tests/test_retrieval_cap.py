"""Search keeps up to three passages of one document by default (issue 14, evidence@5)."""

from __future__ import annotations

from assistant import Assistant

LONG = " ".join(f"Parking permit fees for zone {n} rose to {n * 7} pounds in the year." for n in range(1, 120))


def test_a_long_response_keeps_its_third_passage_by_default(tmp_path, fake_embedder):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "parking.txt").write_text(LONG, encoding="utf-8")
    (folder / "trees.txt").write_text("Street trees were felled on Rustlings Road in 2016.", encoding="utf-8")
    (folder / "bins.txt").write_text("Bin collections moved to a fortnightly rota.", encoding="utf-8")
    Assistant.open(tmp_path / "idx", embedder=fake_embedder).ingest([folder])

    def from_parking(**settings) -> int:
        hits = Assistant.open(tmp_path / "idx", embedder=fake_embedder, **settings).search(
            "parking permit fees zone pounds", k=5).hits
        assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
        assert all(LONG[h.start : h.end] == h.text for h in hits if h.path.endswith("parking.txt"))
        return sum(h.path.endswith("parking.txt") for h in hits)

    assert from_parking() == 3
    assert from_parking(max_hits_per_document=2) == 2
