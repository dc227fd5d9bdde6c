"""What the generated-answer checker keeps and drops, with a scripted model on loopback.

Usage:
    python benchmarks/generative_check.py --index DIR [--questions examples/eval/questions.jsonl ...]
        [--set NAME=VALUE ...] [--dump LINES.jsonl] [--verbose]

For every answerable question the extractive answer is computed first; a scripted
OpenAI-compatible server on 127.0.0.1 then "generates", from the real prompt:
  - echo: each extractive quote, on one line, ending with the marker of the prompt
    block that holds it (should be kept: every drop is a false drop);
  - paraphrase: the first quote reworded as a model would ("According to the response,
    ...", "purchased" -> "bought", "holds" -> "has"), figures and names kept, with its
    right marker (should be kept);
  - figure: the first quote with its longest number changed by one, or with an invented
    "at a cost of £48,213" when it has none (should be dropped);
  - miscited: the first quote cited to a block of another document (should be dropped);
  - unmarked: the first quote with no marker (should be dropped).
It prints, per question set, how many of each the checker keeps, and why it drops them.
`--dump` writes every scripted line with the checker's similarity and coverage for it
(computed with both thresholds at 0), for calibrating `llm_support_min` / `llm_coverage_min`
(`benchmarks/calibrate_checker.py`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant import Assistant  # noqa: E402
from assistant.evaluation import load_questions  # noqa: E402
from assistant.sentence_check import PassageText, check_sentences, split_sentences  # noqa: E402
from ingest.textutil import one_line  # noqa: E402

SETS = ["examples/eval/questions.jsonl", "examples/eval/heldout.jsonl", "examples/eval/blind2.jsonl",
        "examples/eval/blind3.jsonl"]


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        text = self.server.script(body["messages"][-1]["content"])
        data = json.dumps({"choices": [{"message": {"role": "assistant", "content": text}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _blocks(prompt: str) -> dict[int, tuple[str, str, str]]:
    """{n: (title, one-line text, text as given)} of the prompt's passage blocks."""
    found = re.findall(r"^\[(\d+)\] \((.*?)\)\n(.*?)(?=\n\n\[\d+\] \(|\n\nQuestion: )", prompt, re.M | re.S)
    return {int(n): (title, one_line(text), text) for n, title, text in found}


# Rewordings a model makes while keeping the facts: (pattern, replacement), whole words.
_REWORDINGS = [
    (r"\b(?:I|we) can confirm that\s+", ""), (r"\bpurchased\b", "bought"), (r"\bholds\b", "has"),
    (r"\bapproximately\b", "about"), (r"\bcurrently\b", "at present"), (r"\bhowever\b", "but"),
    (r"\breceived\b", "got"), (r"\brequested\b", "asked for"), (r"\bdo not\b", "don't"),
    (r"\bdoes not\b", "doesn't"), (r"\bin total\b", "altogether"), (r"\bplease note\b", "note"),
    (r"\bprovide\b", "give"), (r"\binformation\b", "data"),
]
_OPENERS = frozenset("the this these there it we our in a an of for".split())


def paraphrased(sentence: str) -> str:
    """`sentence` reworded without changing a figure, date, reference or name."""
    text = re.sub(r"^(?:\d{1,2}[.)]|[-*•])\s+", "", sentence.strip())  # prose has no list numbers
    for pattern, replacement in _REWORDINGS:
        text = re.sub(pattern, replacement, text, count=1, flags=re.I)
    first = text.split(" ", 1)[0]
    if first.lower() in _OPENERS:
        text = first.lower() + text[len(first):]
    return "According to the response, " + text


def _perturbed(sentence: str) -> str:
    # The longest figure: changing a list number ("2. Total ...") would invent nothing.
    match = max(re.finditer(r"\d+", sentence), key=lambda m: len(m.group(0)), default=None)
    if match is None:
        return sentence.rstrip(".") + " at a cost of £48,213."
    return sentence[: match.start()] + str(int(match.group(0)) + 1) + sentence[match.end() :]


class Script:
    """Builds the scripted reply for the current question from its extractive quotes."""

    def __init__(self):
        self.quotes: list[str] = []
        self.labels: list[str] = []
        self.lines: list[str] = []
        self.blocks: dict[int, tuple[str, str, str]] = {}

    def __call__(self, prompt: str) -> str:
        blocks = self.blocks = _blocks(prompt)
        lines, self.labels = [], []
        for quote in self.quotes:
            home = next((n for n, (_, text, _) in blocks.items() if quote in text), None)
            if home is None:
                continue
            lines.append(f"{quote} [{home}]")
            self.labels.append("echo")
        if lines:
            first = lines[0]
            home = int(re.search(r"\[(\d+)\]$", first).group(1))
            quote = first[: first.rfind(" [")]
            lines.append(f"{paraphrased(quote)} [{home}]")
            self.labels.append("paraphrase")
            lines.append(f"{_perturbed(quote)} [{home}]")
            self.labels.append("figure")
            other = next((n for n, (title, _, _) in blocks.items() if title != blocks[home][0]), None)
            if other is not None:
                lines.append(f"{quote} [{other}]")
                self.labels.append("miscited")
            lines.append(quote)
            self.labels.append("unmarked")
        self.lines = lines
        return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--questions", nargs="+", default=[str(REPO / s) for s in SETS])
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--dump", help="write every scripted line with its similarity and coverage (JSONL)")
    parser.add_argument("--verbose", action="store_true", help="print every dropped echo and kept invention")
    args = parser.parse_args()
    print("$ python " + " ".join(shlex.quote(a) for a in sys.argv), f"(load average {os.getloadavg()[0]:.1f})")
    script = Script()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.script = script
    threading.Thread(target=server.serve_forever, daemon=True).start()
    overrides = dict(item.split("=", 1) for item in args.set)
    assistant = Assistant.open(args.index, show_progress=False, llm_base_url=f"http://127.0.0.1:{server.server_address[1]}",
                               llm_model="scripted", **overrides)
    dump = []
    for path in args.questions:
        kept, total, reasons = Counter(), Counter(), Counter()
        questions = 0
        for question in load_questions(path):
            if not question.answerable:
                continue
            extractive = assistant.ask(question.question)
            if extractive.abstained:
                continue
            script.quotes = [one_line(c.quote) for c in extractive.citations]
            answer = assistant.ask(question.question, answer_mode="generative")
            if not script.labels:
                continue
            questions += 1
            dropped = {d["sentence"] for d in answer.dropped}
            measured = _measured(assistant, script) if args.dump else {}
            for label, line in zip(script.labels, script.lines):
                total[label] += 1
                pieces = split_sentences(line)
                survived = not any(sentence in dropped for sentence in pieces)
                if survived:
                    kept[label] += 1  # a line survives when none of its sentences was dropped
                    if args.verbose and label not in ("echo", "paraphrase"):
                        print(f"kept {label}: {line}")
                elif args.verbose and label in ("echo", "paraphrase"):
                    print(f"dropped {label}: {line}\n    {[d['reason'] for d in answer.dropped if d['sentence'] in line]}")
                if args.dump:
                    verdicts = [measured[p] for p in pieces if p in measured]
                    dump.append({
                        "set": Path(path).stem, "id": question.id, "label": label, "line": line, "kept": survived,
                        "similarity": min((v.similarity for v in verdicts), default=0.0),
                        "coverage": min((v.coverage for v in verdicts), default=0.0),
                        "reason": next((v.reason for v in verdicts if v.reason), None),
                    })
            for d in answer.dropped:
                reasons[re.sub(r"'.*?'|\[\d+\]|\d\.\d+|\d+%", "…", d["reason"])] += 1
        print(f"\n{Path(path).name}: {questions} answered questions with a scripted reply")
        print("| scripted sentence | sentences | kept | dropped |")
        print("| --- | --- | --- | --- |")
        for label in LABELS:
            print(f"| {label} | {total[label]} | {kept[label]} | {total[label] - kept[label]} |")
        print("drop reasons:", dict(reasons.most_common()))
    server.shutdown()
    if args.dump:
        Path(args.dump).write_text("".join(json.dumps(row) + "\n" for row in dump), encoding="utf-8")
    print(f"(load average at the end {os.getloadavg()[0]:.1f})")


LABELS = ("echo", "paraphrase", "figure", "miscited", "unmarked")


def _measured(assistant: Assistant, script: Script) -> dict:
    """{sentence: CheckedSentence} of the scripted reply, checked with both thresholds at 0:
    the similarity and coverage the checker sees, and the marker or fact reasons."""
    blocks = [script.blocks[n] for n in sorted(script.blocks)]
    passages = [PassageText(text, 0) for _, _, text in blocks]
    checked = check_sentences("\n".join(script.lines), passages, assistant.embedder, support_min=0.0, coverage_min=0.0)
    return {verdict.sentence: verdict for verdict in checked}


if __name__ == "__main__":
    main()
