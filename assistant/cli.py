"""The `foi` command: thin wrappers that read options, call the API, print results."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from pathlib import Path

import click

from assistant.errors import AssistantError
from assistant.foi import foi_meta
from assistant.listing import listing_note
from index.errors import IndexProblem
from ingest.errors import SkippedFile

logger = logging.getLogger("foi")

USER_ERRORS = (AssistantError, IndexProblem, SkippedFile)


def _default_index() -> str:
    return os.environ.get("FOI_INDEX") or "foi-index"


def common_options(func: Callable) -> Callable:
    """--index, --config, --json and --quiet for every command."""

    @click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=_default_index,
        show_default="$FOI_INDEX or ./foi-index",
        help="Index directory.",
    )
    @click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), help="TOML settings file.")
    @click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
    @click.option("--quiet", "-q", is_flag=True, help="No progress bars or info messages.")
    @wraps(func)
    def wrapper(*args, **kwargs):
        _configure_logging(kwargs["quiet"])
        try:
            return func(*args, **kwargs)
        except USER_ERRORS as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except sqlite3.DatabaseError as exc:
            click.echo(f"error: the index looks damaged ({exc}); run `foi check --repair`", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted; the index is unchanged since its last completed update", err=True)
            sys.exit(130)

    return wrapper


def _configure_logging(quiet: bool) -> None:
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    # Third-party libraries are chatty at INFO; keep their warnings only.
    for name in ("sentence_transformers", "transformers", "httpx", "faiss", "pypdf", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _open(index_dir: Path, config_file: Path | None, quiet: bool, **settings):
    from assistant.api import Assistant
    from assistant.settings import load_settings

    resolved = load_settings(config_file, index_dir=index_dir, **settings)
    if quiet:
        resolved = resolved.model_copy(update={"show_progress": False})
    return Assistant(resolved)


def backend_option(func: Callable) -> Callable:
    """--backend: how vectors are computed (settings.embedding_backend)."""
    return click.option(
        "--backend",
        type=click.Choice(["torch", "onnx", "onnx-int8"]),
        help="Embedding backend (default: the index's own, else settings.embedding_backend).",
    )(func)


def _print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="foi-assistant")
def main() -> None:
    """FOI Assistant: search Freedom of Information documents and get cited answers."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--sync", is_flag=True, help="Also remove indexed documents under PATHS that no longer exist.")
@click.option("--model", help="sentence-transformers model name or path (new index only).")
@click.option("--chunk-tokens", type=int, help="Chunk size in model tokens (new index only).")
@click.option("--chunk-overlap", type=int, help="Chunk overlap in model tokens (new index only).")
@backend_option
@common_options
def ingest(paths, sync, model, chunk_tokens, chunk_overlap, backend, index_dir, config_file, as_json, quiet):
    """Read PATHS (files or folders), embed new and changed documents, and update the index."""
    from assistant.progress import TerminalProgress

    assistant = _open(
        index_dir, config_file, quiet, model=model, chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap,
        embedding_backend=backend,
    )
    progress = TerminalProgress(enabled=assistant.settings.show_progress and not quiet)
    try:
        report = assistant.ingest(paths, sync=sync, progress=progress)
    finally:
        progress.close()
    for skipped in report.skipped:
        click.echo(f"warning: skipped {skipped.path}: {skipped.reason}", err=True)
    if as_json:
        _print_json(report.to_dict())
        return
    click.echo(
        f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.removed} removed, {len(report.skipped)} skipped; "
        f"{report.embedded} chunks embedded in {report.seconds:.1f} s"
    )
    click.echo(f"index {index_dir}: {report.documents} documents, {report.chunks} chunks")


def _hit_dict(assistant, hit) -> dict:
    return {
        "rank": hit.rank,
        "score": hit.score,
        "doc_id": hit.doc_id,
        "path": hit.path,
        "part": hit.part,
        "title": hit.title,
        "page": hit.page,
        "start": hit.start,
        "end": hit.end,
        "text": hit.text,
        "citation": assistant.citation(hit),
        "also_in": hit.also_in,
        "also_in_ids": list(hit.also_in_ids),
        "rerank_score": hit.rerank_score,
        "meta": foi_meta(hit.metadata),
    }


def foi_filter_options(func: Callable) -> Callable:
    """--authority, --ref, --exemption, --outcome, --after, --before, --law (FOI metadata filters)."""
    options = [
        click.option("--authority", default="", help="Only documents from this authority (substring)."),
        click.option("--ref", "reference", default="", help="Only documents carrying this FOI reference."),
        click.option("--exemption", default="", help="Only documents applying this exemption (s.40, s.40(2), reg 12(4)(b), (b)(6))."),
        click.option("--outcome", default="", help="Only documents (or threads) with this outcome, e.g. 'not held'."),
        click.option("--after", default="", metavar="YYYY-MM-DD", help="Only responses dated on or after this day."),
        click.option("--before", default="", metavar="YYYY-MM-DD", help="Only responses dated on or before this day."),
        click.option("--law", default="", help="Only documents under this law: FOIA, EIR, FOISA, US FOIA."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


FACET_PASSAGES = 100  # passages whose documents `search --facets` counts
FACET_VALUES_SHOWN = 8


@main.command()
@click.argument("query", required=False)
@click.option("--k", "-k", type=click.IntRange(1, 1000), help="Number of passages (default: settings.k).")
@click.option("--mode", type=click.Choice(["dense", "lexical", "hybrid"]), help="Ranking (default: settings.search_mode).")
@click.option(
    "--batch",
    "batch_file",
    type=click.File("r", encoding="utf-8"),
    help="Answer every line of this file (one query a line; - for stdin) in one process: "
    "CSV rows, or one JSON line per query with --json.",
)
@click.option(
    "--facets", "with_facets", is_flag=True,
    help=f"Also count the documents among the top {FACET_PASSAGES} passages by authority, year, outcome and exemption.",
)
@backend_option
@foi_filter_options
@common_options
def search(query, k, mode, batch_file, with_facets, backend, index_dir, config_file, as_json, quiet, **foi_filters):
    """Show the passages that best match QUERY, with citations."""
    if (query is None) == (batch_file is None):
        raise click.UsageError("Missing argument 'QUERY' (or give --batch FILE, but not both).")
    if with_facets and batch_file is not None:
        raise click.UsageError("--facets works with one QUERY, not with --batch.")
    assistant = _open(index_dir, config_file, quiet, embedding_backend=backend)
    if batch_file is not None:
        _search_batch(assistant, batch_file, k=k, mode=mode, as_json=as_json, filters=foi_filters)
        return
    result = assistant.search(query, k=k, mode=mode, **foi_filters)
    facets = assistant.facets(query, k=FACET_PASSAGES, mode=mode, **foi_filters) if with_facets else None
    if as_json:
        data = {"query": result.query, "hits": [_hit_dict(assistant, hit) for hit in result.hits]}
        _print_json(data if facets is None else {**data, "facets": facets})
        return
    if not result.hits:
        click.echo("no passages found (is the index empty?)")
    for hit in result.hits:
        click.secho(f"[{hit.rank}] {assistant.citation(hit)}  (score {hit.score:.3f})", bold=True)
        location = hit.path + (f" :: {hit.part}" if hit.part else "")
        click.echo(f"    {location}  chars {hit.start}–{hit.end}")
        click.echo(_indent(hit.text))
        click.echo()
    if facets is not None:
        _print_facets(facets)


def _print_facets(facets: dict[str, list[tuple[str, int]]]) -> None:
    click.secho(f"documents among the top {FACET_PASSAGES} passages", bold=True)
    for name, counts in facets.items():
        shown = " · ".join(f"{value} {count}" for value, count in counts[:FACET_VALUES_SHOWN]) or "-"
        more = f" · … {len(counts) - FACET_VALUES_SHOWN} more" if len(counts) > FACET_VALUES_SHOWN else ""
        click.echo(f"{name:>10}: {shown}{more}")


BATCH_COLUMNS = ["query", "ms", "rank", "score", "doc_id", "path", "part", "page", "start", "end", "citation", "text"]


def _search_batch(assistant, lines, *, k, mode, as_json, filters) -> None:
    """One JSON line (or CSV rows, one per hit) per query, each with the milliseconds it took."""
    import csv

    queries = [line.strip() for line in lines if line.strip()]
    writer = None if as_json else csv.DictWriter(sys.stdout, fieldnames=BATCH_COLUMNS, lineterminator="\n")
    if writer is not None:
        writer.writeheader()
    for result, seconds in assistant.search_batch(queries, k=k, mode=mode, **filters):
        ms = round(seconds * 1000, 2)
        hits = [_hit_dict(assistant, hit) for hit in result.hits]
        if writer is None:
            click.echo(json.dumps({"query": result.query, "hits": hits, "ms": ms}, ensure_ascii=False))
            continue
        for hit in hits or [{}]:
            writer.writerow({"query": result.query, "ms": ms, **{c: hit.get(c) for c in BATCH_COLUMNS[2:]}})
        sys.stdout.flush()


def _indent(text: str, width: int = 600) -> str:
    text = " ".join(text.split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    return "    " + text


@main.command()
@click.argument("question")
@backend_option
@foi_filter_options
@common_options
def ask(question, backend, authority, reference, exemption, outcome, after, before, law,
        index_dir, config_file, as_json, quiet):
    """Answer QUESTION with quoted sentences from the documents, each cited."""
    assistant = _open(index_dir, config_file, quiet, embedding_backend=backend)
    answer = assistant.ask(
        question, authority=authority, reference=reference, exemption=exemption, outcome=outcome,
        after=after, before=before, law=law,
    )
    if as_json:
        _print_json(
            {
                "question": answer.question,
                "answer": answer.answer,
                "citations": [
                    {
                        "n": c.n,
                        "doc_id": c.doc_id,
                        "path": c.path,
                        "part": c.part,
                        "title": c.title,
                        "page": c.page,
                        "start": c.start,
                        "end": c.end,
                        "quote": c.quote,
                        "citation": c.citation,
                        "meta": foi_meta(c.metadata),
                    }
                    for c in answer.citations
                ],
                "abstained": answer.abstained,
                "filters_from_question": answer.filters,
                "matching": answer.matching,
                "passages": [_hit_dict(assistant, hit) for hit in answer.passages] if answer.abstained else [],
            }
        )
        return
    if answer.filters:
        click.echo(f"{listing_note(answer)}\n")
    click.echo(answer.answer)
    click.echo()
    for citation in answer.citations:
        location = citation.path + (f" :: {citation.part}" if citation.part else "")
        click.echo(f"[{citation.n}] {citation.citation}\n    {location}  chars {citation.start}–{citation.end}")
    if answer.abstained:
        for hit in answer.passages[:3]:
            click.echo(f"- {assistant.citation(hit)}  (score {hit.score:.3f})")
            click.echo(_indent(hit.text, 300))


@main.command()
@common_options
def stats(index_dir, config_file, as_json, quiet):
    """Describe the index: counts, model, chunking, format and size."""
    assistant = _open(index_dir, config_file, quiet)
    data = asdict(assistant.stats())
    if as_json:
        _print_json(data)
        return
    for key, value in data.items():
        if key == "versions":
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        click.echo(f"{key:>15}: {value}")


@main.command()
@click.argument("targets", nargs=-1, required=True)
@common_options
def remove(targets, index_dir, config_file, as_json, quiet):
    """Remove documents by DOC_ID, file path or folder path (their vectors are deleted)."""
    assistant = _open(index_dir, config_file, quiet)
    report = assistant.remove(targets)
    if as_json:
        _print_json(report.to_dict())
    else:
        click.echo(f"{report.removed} removed; index: {report.documents} documents, {report.chunks} chunks")
    for target in report.not_found:
        click.echo(f"warning: nothing indexed matches {target}", err=True)
    if report.not_found and not report.removed:
        sys.exit(1)


@main.command()
@click.option("--model", help="Switch to this sentence-transformers model name or path.")
@click.option("--chunk-tokens", type=int, help="Switch to this chunk size (model tokens).")
@click.option("--chunk-overlap", type=int, help="Switch to this chunk overlap (model tokens).")
@backend_option
@common_options
def rebuild(model, chunk_tokens, chunk_overlap, backend, index_dir, config_file, as_json, quiet):
    """Re-chunk and re-embed every stored document (no original files needed)."""
    from assistant.api import Assistant
    from assistant.progress import TerminalProgress
    from assistant.settings import load_settings

    settings = load_settings(
        config_file, index_dir=index_dir, model=model, chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap,
        embedding_backend=backend,
    )
    assistant = Assistant(settings, allow_rebuild=True)
    before = assistant.stats()
    if not quiet:
        click.echo(
            f"rebuilding {before.documents} documents from stored text with "
            f"{settings.model or before.model}, chunks of {settings.chunk_tokens or before.chunk_tokens} tokens",
            err=True,
        )
    progress = TerminalProgress(enabled=not quiet)
    try:
        counts = assistant.rebuild(progress=progress)
    finally:
        progress.close()
    if as_json:
        _print_json(counts)
    else:
        click.echo(
            f"rebuilt: {counts['documents']} documents, {counts['chunks']} chunks, {counts['vectors']} vectors; "
            f"FOI fields re-read, {counts['foi_updated']} changed"
        )


@main.command()
@click.option("--repair", is_flag=True, help="Fix what can be fixed (needs the write lock).")
@common_options
def check(repair, index_dir, config_file, as_json, quiet):
    """Verify that the manifest, FAISS and SQLite agree; exit 1 if problems remain."""
    from assistant.api import Assistant
    from assistant.settings import load_settings

    assistant = Assistant(load_settings(config_file, index_dir=index_dir), allow_rebuild=True)
    report = assistant.check(repair=repair)
    if as_json:
        _print_json(report.to_dict())
    else:
        for problem in report.problems:
            click.echo(f"problem: {problem}")
        for fixed in report.repaired:
            click.echo(f"repaired: {fixed}")
        state = "ok" if report.ok else "PROBLEMS FOUND" + ("" if repair else " (run with --repair)")
        click.echo(f"{state}: {report.documents} documents, {report.chunks} chunks, {report.vectors} vectors")
    if not report.ok:
        sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--debounce", default=2.0, show_default=True, type=click.FloatRange(0.1, 3600), help="Seconds of quiet before updating.")
@common_options
def watch(paths, debounce, index_dir, config_file, as_json, quiet):
    """Keep the index in sync with PATHS as files appear, change or disappear (Ctrl-C stops)."""
    from assistant.watch import watch as watch_paths

    assistant = _open(index_dir, config_file, quiet)

    def report_line(report) -> None:
        for skipped in report.skipped:
            click.echo(f"warning: skipped {skipped.path}: {skipped.reason}", err=True)
        if as_json:
            click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
        elif report.added or report.updated or report.removed or not quiet:
            click.echo(
                f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
                f"{report.removed} removed; {report.documents} documents"
            )

    if not quiet:
        click.echo(f"watching {', '.join(map(str, paths))} (Ctrl-C to stop)", err=True)
    try:
        watch_paths(lambda: assistant.ingest(paths, sync=True), list(paths), debounce=debounce, on_report=report_line)
    except KeyboardInterrupt:
        click.echo("stopped watching", err=True)

@main.command(name="eval")
@click.argument("questions_file", metavar="QUESTIONS.jsonl", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default="the current folder",
    help="Folder the questions' relevant paths are relative to: the folder that was ingested.",
)
@click.option("--k", "-k", type=click.IntRange(1, 1000), default=10, show_default=True, help="Passages per question.")
@click.option("--mode", type=click.Choice(["dense", "lexical", "hybrid"]), help="Ranking (default: settings.search_mode).")
@backend_option
@foi_filter_options
@common_options
def eval_command(questions_file, root, k, mode, backend, index_dir, config_file, as_json, quiet, **foi_filters):
    """Score search and answers against QUESTIONS.jsonl (format: assistant/evaluation.py).

    FOI filters apply to every question's search and answer, to measure a
    filtered view of the collection.
    """
    from contextlib import nullcontext

    from assistant.evaluation import evaluate, load_questions

    questions = load_questions(questions_file)
    assistant = _open(index_dir, config_file, quiet, search_mode=mode, embedding_backend=backend)
    assistant.stats()  # fail now, with a clear message, if there is no index
    show = assistant.settings.show_progress and not quiet
    bar = click.progressbar(length=len(questions), label="Questions", file=sys.stderr) if show else nullcontext()
    with bar:
        progress = (lambda done, total: bar.update(1)) if show else None
        report = evaluate(
            assistant, questions, root=root, k=k, progress=progress,
            search=lambda query, n: assistant.search(query, k=n, **foi_filters).hits,
            ask=lambda question: assistant.ask(question, **foi_filters),
        )
    if as_json:
        _print_json(report.to_dict())
    else:
        click.echo(report.format_table())


@main.command()
@click.argument("target", metavar="DOC_ID-or-PATH")
@common_options
def show(target, index_dir, config_file, as_json, quiet):
    """Show one document's FOI fields: authority, references, dates, law, exemptions, outcome, evidence.

    TARGET is a doc_id, an ingested file path, or "PATH::message 3" for one message of a mailbox.
    """
    assistant = _open(index_dir, config_file, quiet)
    view = assistant.foi_document(target)
    if view is None:
        click.echo(f"error: no indexed document matches {target}", err=True)
        sys.exit(1)
    if as_json:
        _print_json(view)
        return
    for key in ("doc_id", "path", "part", "title", "authority", "law", "role", "outcome", "thread_outcome"):
        if view.get(key):
            click.echo(f"{key:>15}: {view[key]}")
    if view["references"]:
        click.echo(f"{'references':>15}: {', '.join(view['references'])}")
    for key, value in view["dates"].items():
        click.echo(f"{'date ' + key:>15}: {value}")
    for exemption in view["exemptions"]:
        click.echo(f"{'exemption':>15}: {exemption['code']} ({'applied' if exemption['applied'] else 'mentioned'})")
    for question in view["outcomes_by_question"]:
        click.echo(f"{'question ' + question['question']:>15}: {question['outcome']}")
    for field_name, spans in view["evidence"].items():
        for span in spans[:2]:
            click.echo(f"{'why ' + field_name:>15}: \"{' '.join(span['text'].split())[:100]}\" (chars {span['start']}–{span['end']})")


@main.command()
@click.argument("topic")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 500), help="At most this many responses.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path), help="Also write the table as CSV.")
@foi_filter_options
@common_options
def compare(topic, limit, csv_file, authority, reference, exemption, outcome, after, before, law,
            index_dir, config_file, as_json, quiet):
    """One row per response about TOPIC: authority, reference, date, outcome, exemptions, answer sentence."""
    from assistant.compare import comparison_rows, write_csv

    assistant = _open(index_dir, config_file, quiet)
    rows = comparison_rows(
        assistant, topic, limit=limit, authority=authority, reference=reference, exemption=exemption,
        outcome=outcome, after=after, before=before, law=law,
    )
    if csv_file:
        write_csv(rows, csv_file)
    if as_json:
        _print_json({"topic": topic, "rows": [row.to_dict() for row in rows]})
        return
    _print_rows(rows)


@main.command()
@click.argument("draft", metavar="FILE-or-TEXT")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200), help="At most this many requests.")
@common_options
def similar(draft, limit, index_dir, config_file, as_json, quiet):
    """Earlier requests that asked the same as a draft request (a file, or the text itself)."""
    from assistant.compare import similar_requests

    path = Path(draft)
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else draft
    assistant = _open(index_dir, config_file, quiet)
    rows = similar_requests(assistant, text, limit=limit)
    if as_json:
        _print_json({"draft": text, "requests": [row.to_dict() for row in rows]})
        return
    _print_rows(rows)


def _print_rows(rows) -> None:
    if not rows:
        click.echo("nothing relevant found")
    for n, row in enumerate(rows, 1):
        exemptions = ", ".join(row.exemptions) or "-"
        click.secho(f"[{n}] {row.citation}", bold=True)
        click.echo(f"    outcome: {row.outcome or 'unknown'}; exemptions: {exemptions}")
        location = row.path + (f" :: {row.part}" if row.part else "")
        click.echo(f"    {location}  chars {row.start}–{row.end}")
        click.echo(_indent(row.sentence, 400))


DEMO_CORPUS = Path(__file__).resolve().parents[1] / "examples" / "demo-corpus"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default).")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--open-browser", is_flag=True, help="Open the UI in the default browser.")
@backend_option
@common_options
def serve(host, port, open_browser, backend, index_dir, config_file, as_json, quiet):
    """Serve the browser UI for an existing index."""
    assistant = _open(index_dir, config_file, quiet, embedding_backend=backend)
    assistant.stats()  # fail now, with a clear message, if there is no index
    from ui.serve import serve as serve_ui

    serve_ui(assistant, host=host, port=port, open_browser=open_browser, quiet=quiet)


@main.command()
@click.option(
    "--corpus",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=DEMO_CORPUS,
    show_default="examples/demo-corpus",
    help="Folder of documents for the demo index.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default).")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--no-serve", is_flag=True, help="Build the demo index and stop.")
@common_options
def demo(corpus, host, port, no_serve, index_dir, config_file, as_json, quiet):
    """Build (or refresh) an index of the demo corpus, then serve the UI on it.

    Uses --index if given, else ./demo-index.
    """
    if index_dir == Path(_default_index()) and not os.environ.get("FOI_INDEX"):
        index_dir = Path("demo-index")
    from assistant.progress import TerminalProgress

    assistant = _open(index_dir, config_file, quiet)
    progress = TerminalProgress(enabled=not quiet)
    try:
        report = assistant.ingest([corpus], sync=True, progress=progress)
    finally:
        progress.close()
    click.echo(f"demo index {index_dir}: {report.documents} documents, {report.chunks} chunks", err=True)
    if as_json:
        _print_json(report.to_dict())
    if no_serve:
        return
    from ui.serve import serve as serve_ui

    serve_ui(assistant, host=host, port=port, quiet=quiet)


if __name__ == "__main__":
    main()
