"""`foi remove`, `rebuild`, `check` and `watch`: keeping an index current and sound."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from assistant.cli_options import (
    backend_option,
    common_options,
    open_assistant,
    print_json,
)


@click.command()
@click.argument("targets", nargs=-1, required=True)
@common_options
def remove(targets, index_dir, config_file, as_json, quiet):
    """Remove documents by DOC_ID, file path or folder path (their vectors are deleted)."""
    assistant = open_assistant(index_dir, config_file, quiet)
    report = assistant.remove(targets)
    if as_json:
        print_json(report.to_dict())
    else:
        click.echo(f"{report.removed} removed; index: {report.documents} documents, {report.chunks} chunks")
    for target in report.not_found:
        click.echo(f"warning: nothing indexed matches {target}", err=True)
    if report.not_found and not report.removed:
        sys.exit(1)


@click.command()
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
        print_json(counts)
    else:
        click.echo(
            f"rebuilt: {counts['documents']} documents, {counts['chunks']} chunks, {counts['vectors']} vectors; "
            f"FOI fields re-read, {counts['foi_updated']} changed"
        )


@click.command()
@click.option("--repair", is_flag=True, help="Fix what can be fixed (needs the write lock).")
@common_options
def check(repair, index_dir, config_file, as_json, quiet):
    """Verify that the manifest, FAISS and SQLite agree; exit 1 if problems remain."""
    from assistant.api import Assistant
    from assistant.settings import load_settings

    assistant = Assistant(load_settings(config_file, index_dir=index_dir), allow_rebuild=True)
    report = assistant.check(repair=repair)
    if as_json:
        print_json(report.to_dict())
    else:
        for problem in report.problems:
            click.echo(f"problem: {problem}")
        for fixed in report.repaired:
            click.echo(f"repaired: {fixed}")
        for note in report.notes:
            click.echo(f"note: {note}")
        state = "ok" if report.ok else "PROBLEMS FOUND" + ("" if repair else " (run with --repair)")
        click.echo(f"{state}: {report.documents} documents, {report.chunks} chunks, {report.vectors} vectors")
    if not report.ok:
        sys.exit(1)


@click.command()
@click.argument("old_prefix")
@click.argument("new_prefix", type=click.Path(exists=True, file_okay=False))
@common_options
def relocate(old_prefix, new_prefix, index_dir, config_file, as_json, quiet):
    """Rewrite stored paths under OLD_PREFIX to lie under NEW_PREFIX (files moved, drive mounted elsewhere)."""
    assistant = open_assistant(index_dir, config_file, quiet)
    moved = assistant.relocate(old_prefix, new_prefix)
    if as_json:
        print_json({"relocated": [{"old": old, "new": new} for old, new in moved]})
        return
    if not moved:
        click.echo(f"error: no indexed file lies under {old_prefix} (`foi check` lists missing originals)", err=True)
        sys.exit(1)
    missing = sum(not Path(new).exists() for _, new in moved)
    click.echo(f"{len(moved)} files relocated to {moved[0][1] if len(moved) == 1 else new_prefix}")
    if missing:
        click.echo(f"warning: {missing} of them are not at their new path either", err=True)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--debounce", default=2.0, show_default=True, type=click.FloatRange(0.1, 3600), help="Seconds of quiet before updating.")
@common_options
def watch(paths, debounce, index_dir, config_file, as_json, quiet):
    """Keep the index in sync with PATHS as files appear, change or disappear (Ctrl-C stops)."""
    from assistant.watch import watch as watch_paths

    assistant = open_assistant(index_dir, config_file, quiet)

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
