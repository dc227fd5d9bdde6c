"""`foi eval`, `show`, `compare` and `similar`: quality and the FOI fields."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.cli_options import (
    backend_option,
    common_options,
    foi_filter_options,
    indented,
    open_assistant,
    print_json,
)


@click.command(name="eval")
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
    assistant = open_assistant(index_dir, config_file, quiet, search_mode=mode, embedding_backend=backend)
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
        print_json(report.to_dict())
    else:
        click.echo(report.format_table())


@click.command()
@click.argument("target", metavar="DOC_ID-or-PATH")
@common_options
def show(target, index_dir, config_file, as_json, quiet):
    """Show one document's FOI fields: authority, references, dates, law, exemptions, outcome, evidence.

    TARGET is a doc_id, an ingested file path, or "PATH::message 3" for one message of a mailbox.
    """
    assistant = open_assistant(index_dir, config_file, quiet)
    view = assistant.foi_document(target)
    if view is None:
        click.echo(f"error: no indexed document matches {target}", err=True)
        sys.exit(1)
    if as_json:
        print_json(view)
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


@click.command()
@click.argument("topic")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 500), help="At most this many responses.")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path), help="Also write the table as CSV.")
@foi_filter_options
@common_options
def compare(topic, limit, csv_file, authority, reference, exemption, outcome, after, before, law,
            index_dir, config_file, as_json, quiet):
    """One row per response about TOPIC: authority, reference, date, outcome, exemptions, answer sentence."""
    from assistant.compare import comparison_rows, write_csv

    assistant = open_assistant(index_dir, config_file, quiet)
    rows = comparison_rows(
        assistant, topic, limit=limit, authority=authority, reference=reference, exemption=exemption,
        outcome=outcome, after=after, before=before, law=law,
    )
    if csv_file:
        write_csv(rows, csv_file)
    if as_json:
        print_json({"topic": topic, "rows": [row.to_dict() for row in rows]})
        return
    _print_rows(rows)


@click.command()
@click.argument("draft", metavar="FILE-or-TEXT")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 200), help="At most this many requests.")
@common_options
def similar(draft, limit, index_dir, config_file, as_json, quiet):
    """Earlier requests that asked the same as a draft request (a file, or the text itself)."""
    from assistant.compare import similar_requests

    path = Path(draft)
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else draft
    assistant = open_assistant(index_dir, config_file, quiet)
    rows = similar_requests(assistant, text, limit=limit)
    if as_json:
        print_json({"draft": text, "requests": [row.to_dict() for row in rows]})
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
        click.echo(indented(row.sentence, 400))
