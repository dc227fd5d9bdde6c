"""Labelled evaluation questions: their JSONL format and loading (see `assistant.evaluation`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AssistantError

_FIELDS = {"id", "question", "relevant", "evidence", "answerable", "kind"}


class EvaluationError(AssistantError):
    """A question file is malformed, or the evaluation cannot run as asked."""


@dataclass(frozen=True)
class Question:
    """One evaluation question.

    Attributes:
        id: Unique name of the question, used in reports.
        question: The text sent to search and ask.
        relevant: Files (relative to the ingest root, "/"-separated) that answer it.
        evidence: Short verbatim strings a good passage contains.
        answerable: False when the corpus does not answer the question.
        kind: Optional label ("lookup", "numeric", "topical", ...) for per-kind rows.
        line: Line number in the question file (0 when built in code).
    """

    id: str
    question: str
    relevant: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    answerable: bool = True
    kind: str = ""
    line: int = 0


def load_questions(path: str | Path) -> list[Question]:
    """Read a JSONL question file.

    Args:
        path: The file; blank lines are ignored.

    Returns:
        The questions in file order.

    Raises:
        EvaluationError: The file is missing or empty, or a line is malformed;
            the message names the file and line.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvaluationError(f"cannot read question file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise EvaluationError(f"question file {path} is not UTF-8 text") from exc
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        question = _parse_line(line, f"{path}:{number}", number)
        if question.id in seen:
            raise EvaluationError(f"{path}:{number}: duplicate id {question.id!r} (first on line {seen[question.id]})")
        seen[question.id] = number
        questions.append(question)
    if not questions:
        raise EvaluationError(f"question file {path} holds no questions")
    return questions


def _parse_line(line: str, where: str, number: int) -> Question:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EvaluationError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(data, dict):
        raise EvaluationError(f"{where}: expected a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - _FIELDS)
    if unknown:
        raise EvaluationError(f"{where}: unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(_FIELDS))}")
    for name in ("id", "question"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            raise EvaluationError(f"{where}: {name!r} must be a non-empty string")
    answerable = data.get("answerable", True)
    if not isinstance(answerable, bool):
        raise EvaluationError(f"{where}: 'answerable' must be true or false")
    relevant = _string_list(data.get("relevant", []), "relevant", where)
    evidence = _string_list(data.get("evidence", []), "evidence", where)
    if answerable and not relevant:
        raise EvaluationError(f"{where}: an answerable question needs at least one 'relevant' path")
    kind = data.get("kind", "")
    if not isinstance(kind, str):
        raise EvaluationError(f"{where}: 'kind' must be a string")
    return Question(
        id=data["id"].strip(),
        question=data["question"].strip(),
        relevant=tuple(_clean_relative(p) for p in relevant),
        evidence=tuple(evidence),
        answerable=answerable,
        kind=kind.strip() or ("unanswerable" if not answerable else ""),
        line=number,
    )


def _string_list(value, name: str, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise EvaluationError(f"{where}: {name!r} must be a list of non-empty strings")
    return value


def _clean_relative(path: str) -> str:
    return Path(path.strip()).as_posix().removeprefix("./")
