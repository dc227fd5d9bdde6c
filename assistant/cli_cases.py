"""`foi cases`, `foi case` and the per-authority table of `foi stats --authorities`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.cases import STATUSES
from assistant.cli_options import common_options, print_json

as_of_option = click.option(
    "--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
    help="Compute statuses as they stood on this day (YYYY-MM-DD; default today).",
)


@click.command()
@as_of_option
@click.option("--status", type=click.Choice(STATUSES), help="Only cases with this status.")
@click.option("--authority", help="Only cases whose authority contains this text (case-insensitive).")
@click.option("--law", type=click.Choice(["FOIA", "EIR", "FOISA"], case_sensitive=False), help="Only cases under this law.")
@common_options
def cases(as_of, status, authority, law, index_dir, config_file, as_json, quiet):
    """List requests as cases: status, deadline and outcome, most working days overdue first."""
    assistant = open_case_reader(index_dir, config_file)
    found = assistant.cases(as_of=as_of.date() if as_of else None, status=status, authority=authority, law=law)
    if as_json:
        print_json({"as_of": found[0].as_of.isoformat() if found else None, "cases": [c.to_dict() for c in found]})
        return
    if not found:
        click.echo("no cases match")
    for case in found:
        late = f", {case.days_overdue} working days late" if case.days_overdue else ""
        outcome = f" ({case.outcome})" if case.outcome else ""
        click.secho(f"{case.case_id}  {case.status}{outcome}{late}", bold=True)
        click.echo(f"    {case.title[:100]}")
        click.echo(f"    {case.authority or 'unknown authority'} · {case.law or 'law unknown'} · received "
                   f"{case.received or '?'} · due {case.due or '?'} · responded {case.responded or '-'}")


@click.command()
@click.argument("target", metavar="ID-or-PATH")
@as_of_option
@common_options
def case(target, as_of, index_dir, config_file, as_json, quiet):
    """Show one case's timeline: TARGET is a case id, a doc_id, or a path of one of its files."""
    assistant = open_case_reader(index_dir, config_file)
    found = assistant.case(target, as_of=as_of.date() if as_of else None)
    if found is None:
        click.echo(f"error: no case matches {target}", err=True)
        sys.exit(1)
    data = found.to_dict()
    if as_json:
        print_json(data)
        return
    for key in ("case_id", "title", "authority", "law", "status", "outcome", "received", "due", "responded",
                "working_days_taken", "review_due", "as_of"):
        if data.get(key) is not None:
            click.echo(f"{key:>18}: {data[key]}")
    if data["references"]:
        click.echo(f"{'references':>18}: {', '.join(data['references'])}")
    for name, evidence in data["evidence"].items():
        if evidence.get("basis"):
            click.echo(f"{'why ' + name:>18}: {evidence['basis']}")
    click.echo("timeline:")
    for event in data["events"]:
        where = event["path"] + (f" :: {event['part']}" if event["part"] else "")
        extra = f" ({event['outcome']})" if event.get("outcome") else ""
        click.echo(f"  {event['date']}  {event['kind']}{extra}  {where}")


def open_case_reader(index_dir: Path, config_file: Path | None):
    """The index's cases without loading the search stack (`assistant.case_reader`); upgrades an old index."""
    from assistant.case_reader import CaseReader
    from assistant.settings import load_settings

    return CaseReader(load_settings(config_file, index_dir=index_dir))


def print_authority_stats(assistant, csv_file: Path | None, as_json: bool) -> None:
    """`foi stats --authorities`: one row per authority (see `assistant.case_stats`)."""
    from assistant.case_stats import authority_stats, write_authority_csv

    rows = authority_stats(assistant.cases())
    if csv_file:
        write_authority_csv(rows, csv_file)
    if as_json:
        print_json({"authorities": [row.to_dict() for row in rows]})
        return
    for row in rows:
        click.secho(row.authority, bold=True)
        late = f"{row.answered_late_share:.0%}" if row.answered_late_share is not None else "-"
        click.echo(f"    cases {row.cases}, answered {row.answered}; working days to respond: median "
                   f"{row.median_working_days if row.median_working_days is not None else '-'}, p90 "
                   f"{row.p90_working_days if row.p90_working_days is not None else '-'}; answered late {late}")
        if row.outcomes:
            click.echo("    outcomes: " + ", ".join(f"{k} {v}" for k, v in row.outcomes.items()))
        if row.exemptions:
            click.echo("    exemptions: " + ", ".join(f"{k} {v}" for k, v in row.exemptions))
