"""Options, opening and printing shared by every `foi` command."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path

import click

from assistant.errors import AssistantError
from assistant.foi import foi_meta
from index.errors import IndexProblem
from ingest.errors import SkippedFile

logger = logging.getLogger("foi")


USER_ERRORS = (AssistantError, IndexProblem, SkippedFile)


def default_index() -> str:
    return os.environ.get("FOI_INDEX") or "foi-index"


def common_options(func: Callable) -> Callable:
    """--index, --config, --json and --quiet for every command."""

    @click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=default_index,
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


def open_assistant(index_dir: Path, config_file: Path | None, quiet: bool, **settings):
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


def print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def hit_dict(assistant, hit) -> dict:
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
        "sheet": hit.sheet,
        "rows": list(hit.rows) if hit.rows else None,
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


def indented(text: str, width: int = 600) -> str:
    text = " ".join(text.split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    return "    " + text
