"""Score the FOI extractor against hand labels (examples/labels/foi_labels.jsonl).

Each label line: `{"path": <relative to the corpus root>, "part": "message 3" | null,
"references": [...], "exemptions": [applied codes], "outcome": <outcome> | null}`.

Metrics: references — exact match of a document's set (accuracy) and micro
precision/recall over (document, reference); exemptions — micro
precision/recall/F1 over (document, applied code); outcome — accuracy over
all labelled documents (a requester's message has outcome null).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from ingest.documents import Document
from ingest.foi.extract import FoiFields, extract_foi
from ingest.readers import read_file

MAX_BYTES = 200_000_000


@dataclass
class FieldScore:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    exact: int = 0
    documents: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float:
        return self.exact / self.documents if self.documents else 1.0

    def add(self, predicted: set, expected: set) -> None:
        self.documents += 1
        self.exact += predicted == expected
        self.true_positives += len(predicted & expected)
        self.false_positives += len(predicted - expected)
        self.false_negatives += len(expected - predicted)

    def to_dict(self) -> dict:
        return {
            "documents": self.documents,
            "accuracy": round(self.accuracy, 3),
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "f1": round(self.f1, 3),
        }


@dataclass
class AccuracyReport:
    references: FieldScore = field(default_factory=FieldScore)
    exemptions: FieldScore = field(default_factory=FieldScore)
    outcome: FieldScore = field(default_factory=FieldScore)
    errors: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "references": self.references.to_dict(),
            "exemptions": self.exemptions.to_dict(),
            "outcome": self.outcome.to_dict(),
            "errors": self.errors,
        }

    def format_table(self) -> str:
        lines = [f"{'field':<12}{'docs':>6}{'exact/acc':>11}{'precision':>11}{'recall':>9}{'F1':>7}"]
        for name in ("references", "exemptions", "outcome"):
            s = getattr(self, name)
            lines.append(f"{name:<12}{s.documents:>6}{s.accuracy:>11.3f}{s.precision:>11.3f}{s.recall:>9.3f}{s.f1:>7.3f}")
        return "\n".join(lines)


def load_labels(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def labelled_documents(labels: list[dict], root: Path) -> list[tuple[dict, Document]]:
    """Each label with its document, read from `root`."""
    cache: dict[str, list[Document]] = {}
    pairs = []
    for label in labels:
        if label["path"] not in cache:
            cache[label["path"]] = read_file(Path(root) / label["path"], max_bytes=MAX_BYTES).documents
        document = next(d for d in cache[label["path"]] if d.part == label.get("part"))
        pairs.append((label, document))
    return pairs


def score(labels: list[dict], root: Path) -> AccuracyReport:
    """Extract every labelled document under `root` and compare with its labels."""
    report = AccuracyReport()
    for label, document in labelled_documents(labels, root):
        fields: FoiFields = extract_foi(document)
        predicted_refs, expected_refs = set(fields.references), set(label.get("references", []))
        predicted_ex, expected_ex = set(fields.applied_exemptions), set(label.get("exemptions", []))
        report.references.add(predicted_refs, expected_refs)
        report.exemptions.add(predicted_ex, expected_ex)
        report.outcome.add({fields.outcome}, {label.get("outcome")})
        if predicted_refs != expected_refs or predicted_ex != expected_ex or fields.outcome != label.get("outcome"):
            report.errors.append({
                "path": label["path"], "part": label.get("part"),
                "references": [sorted(predicted_refs), sorted(expected_refs)],
                "exemptions": [sorted(predicted_ex), sorted(expected_ex)],
                "outcome": [fields.outcome, label.get("outcome")],
            })
    return report


def time_extraction(folder: Path) -> dict:
    """Seconds to read, and then to extract, every document of the files under `folder`."""
    started = time.perf_counter()
    documents = [d for path in sorted(Path(folder).rglob("*")) if path.is_file()
                 for d in read_file(path, max_bytes=MAX_BYTES).documents]
    read = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    for document in documents:
        extract_foi(document)
    extract, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"documents": len(documents), "read_seconds": round(read, 2), "extract_seconds": round(extract, 2),
            "extract_cpu_seconds": round(cpu, 2)}
