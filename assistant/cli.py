"""The `foi` command: thin wrappers that read options, call the API, print results.

Maintenance commands live in `assistant.cli_maintenance`, the FOI and evaluation
commands in `assistant.cli_foi`; shared options in `assistant.cli_options`.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import click

from assistant import cli_cases, cli_foi, cli_maintenance, cli_tune, cli_users
from assistant.cli_options import (
    backend_option,
    common_options,
    default_index,
    foi_filter_options,
    indented,
    open_assistant,
    print_json,
)
from ingest.textutil import csv_safe


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
@click.option("--ray", "ray_address", is_flag=False, flag_value="auto", metavar="[auto|ADDRESS]",
              help="Read and embed on a Ray cluster: auto (this machine) or a cluster's address. Needs the ray extra.")
@click.option("--commit-every", type=click.IntRange(min=1), metavar="N",
              help="With --ray: commit a generation every N new documents (default: one at the end).")
@backend_option
@common_options
def ingest(paths, sync, model, chunk_tokens, chunk_overlap, ray_address, commit_every, backend, index_dir,
           config_file, as_json, quiet):
    """Read PATHS (files or folders), embed new and changed documents, and update the index."""
    from assistant.progress import TerminalProgress

    ray = _ray_options(ray_address, commit_every)
    assistant = open_assistant(
        index_dir, config_file, quiet, model=model, chunk_tokens=chunk_tokens, chunk_overlap=chunk_overlap,
        embedding_backend=backend,
    )
    progress = TerminalProgress(enabled=assistant.settings.show_progress and not quiet)
    try:
        report = assistant.ingest(paths, sync=sync, progress=progress, ray=ray)
    finally:
        progress.close()
    for skipped in report.skipped:
        click.echo(f"warning: skipped {skipped.path}: {skipped.reason}", err=True)
    if as_json:
        print_json(report.to_dict())
        return
    click.echo(
        f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.removed} removed, {len(report.skipped)} skipped; "
        f"{report.embedded} chunks embedded in {report.seconds:.1f} s"
        + (f" by {report.workers} Ray workers" if report.workers else "")
    )
    click.echo(f"index {index_dir}: {report.documents} documents, {report.chunks} chunks")


def _ray_options(address: str | None, commit_every: int | None):
    """RayOptions for --ray (None without it); exits 1 when the ray extra is missing."""
    if address is None:
        if commit_every is not None:
            raise click.UsageError("--commit-every needs --ray")
        return None
    from index.distributed import RAY_MISSING, RayOptions, ray_available

    if not ray_available():
        click.echo(f"error: {RAY_MISSING}", err=True)
        sys.exit(1)
    return RayOptions(address=address, commit_every=commit_every)


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
    from assistant.shapes import hit_json
    if (query is None) == (batch_file is None):
        raise click.UsageError("Missing argument 'QUERY' (or give --batch FILE, but not both).")
    if with_facets and batch_file is not None:
        raise click.UsageError("--facets works with one QUERY, not with --batch.")
    assistant = open_assistant(index_dir, config_file, quiet, embedding_backend=backend)
    if batch_file is not None:
        _search_batch(assistant, batch_file, k=k, mode=mode, as_json=as_json, filters=foi_filters)
        return
    result = assistant.search(query, k=k, mode=mode, **foi_filters)
    facets = assistant.facets(query, k=FACET_PASSAGES, mode=mode, **foi_filters) if with_facets else None
    if as_json:
        data = {"query": result.query, "hits": [hit_json(hit, assistant.citation(hit)) for hit in result.hits]}
        print_json(data if facets is None else {**data, "facets": facets})
        return
    if not result.hits:
        click.echo("no passages found (is the index empty?)")
    for hit in result.hits:
        click.secho(f"[{hit.rank}] {assistant.citation(hit)}  (score {hit.score:.3f})", bold=True)
        location = hit.path + (f" :: {hit.part}" if hit.part else "")
        click.echo(f"    {location}  chars {hit.start}–{hit.end}")
        click.echo(indented(hit.text))
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
    from assistant.shapes import hit_json

    queries = [line.strip() for line in lines if line.strip()]
    writer = None if as_json else csv.DictWriter(sys.stdout, fieldnames=BATCH_COLUMNS, lineterminator="\n")
    if writer is not None:
        writer.writeheader()
    for result, seconds in assistant.search_batch(queries, k=k, mode=mode, **filters):
        ms = round(seconds * 1000, 2)
        hits = [hit_json(hit, assistant.citation(hit)) for hit in result.hits]
        if writer is None:
            click.echo(json.dumps({"query": result.query, "hits": hits, "ms": ms}, ensure_ascii=False))
            continue
        for hit in hits or [{}]:
            row = {"query": result.query, "ms": ms, **{c: hit.get(c) for c in BATCH_COLUMNS[2:]}}
            writer.writerow({column: csv_safe(value) for column, value in row.items()})
        sys.stdout.flush()


@main.command()
@click.argument("question")
@click.option("--answer-mode", type=click.Choice(["extractive", "generative"]),
              help="Quotes only, or a model's answer checked sentence by sentence (default: settings.answer_mode).")
@backend_option
@foi_filter_options
@common_options
def ask(question, answer_mode, backend, authority, reference, exemption, outcome, after, before, law,
        index_dir, config_file, as_json, quiet):
    """Answer QUESTION with quoted sentences from the documents, each cited."""
    from assistant.listing import listing_note
    from assistant.shapes import answer_json
    assistant = open_assistant(index_dir, config_file, quiet, embedding_backend=backend, answer_mode=answer_mode)
    answer = assistant.ask(
        question, authority=authority, reference=reference, exemption=exemption, outcome=outcome,
        after=after, before=before, law=law,
    )
    if as_json:
        print_json(answer_json(answer, assistant.citation))
        return
    if answer.note:
        click.echo(f"note: {answer.note}", err=True)
    for dropped in answer.dropped:
        click.echo(f"dropped: {dropped['sentence']} ({dropped['reason']})", err=True)
    if answer.answer_mode == "generative":
        click.echo("(generated answer; every sentence checked against the passages it cites)\n")
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
            click.echo(indented(hit.text, 300))


@main.command()
@click.option("--authorities", is_flag=True, help="Instead: per authority, cases, working days to respond, lateness, outcomes.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path), help="With --authorities: also write CSV.")
@common_options
def stats(authorities, csv_file, index_dir, config_file, as_json, quiet):
    """Describe the index: counts, model, chunking, format and size (--authorities: how each authority answers)."""
    if csv_file and not authorities:
        raise click.UsageError("--csv needs --authorities")
    if authorities:
        cli_cases.print_authority_stats(cli_cases.open_case_reader(index_dir, config_file), csv_file, as_json)
        return
    assistant = open_assistant(index_dir, config_file, quiet)
    data = asdict(assistant.stats())
    if as_json:
        print_json(data)
        return
    for key, value in data.items():
        if key == "versions":
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        click.echo(f"{key:>15}: {value}")


DEMO_CORPUS = Path(__file__).resolve().parents[1] / "examples" / "demo-corpus"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default).")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--open-browser", is_flag=True, help="Open the UI in the default browser.")
@click.option("--no-auth", is_flag=True, help="Serve a non-loopback address without accounts (anyone who can reach it may edit).")
@backend_option
@common_options
def serve(host, port, open_browser, no_auth, backend, index_dir, config_file, as_json, quiet):
    """Serve the browser UI for an existing index (sign-in once `foi users add` made an account)."""
    assistant = open_assistant(index_dir, config_file, quiet, embedding_backend=backend)
    assistant.stats()  # fail now, with a clear message, if there is no index
    from ui.serve import serve as serve_ui

    serve_ui(assistant, host=host, port=port, open_browser=open_browser, quiet=quiet, no_auth=no_auth)


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
    if index_dir == Path(default_index()) and not os.environ.get("FOI_INDEX"):
        index_dir = Path("demo-index")
    from assistant.progress import TerminalProgress

    assistant = open_assistant(index_dir, config_file, quiet)
    progress = TerminalProgress(enabled=not quiet)
    try:
        report = assistant.ingest([corpus], sync=True, progress=progress)
    finally:
        progress.close()
    click.echo(f"demo index {index_dir}: {report.documents} documents, {report.chunks} chunks", err=True)
    if as_json:
        print_json(report.to_dict())
    if no_serve:
        return
    from ui.serve import serve as serve_ui

    serve_ui(assistant, host=host, port=port, quiet=quiet)


for _command in (
    cli_maintenance.remove, cli_maintenance.rebuild, cli_maintenance.check, cli_maintenance.watch, cli_maintenance.relocate,
    cli_foi.eval_command, cli_foi.show, cli_foi.compare, cli_foi.similar, cli_users.users,
    cli_cases.cases, cli_cases.case, cli_tune.tune,
):
    main.add_command(_command)


if __name__ == "__main__":
    main()
