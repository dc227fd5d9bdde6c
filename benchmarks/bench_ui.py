"""Load and latency of the browser UI, measured through a live `foi serve` on loopback.

Starts `foi serve` in a subprocess on a free loopback port, then:

(a) `--users` concurrent gradio_client users (default 20), each alternately
    calling the `ask` and `search` endpoints until `--seconds` have passed;
    reports requests served, errors and p50/p95 latency;
(b) the same load while an index update runs: up to `--update-files` files of
    `--update-from` are copied into the index's uploads folder and the `update`
    endpoint ingests them (afterwards the `remove` endpoint takes them out
    again and deletes the copies, so the index ends with the documents it had);
(c) time to the first streamed message, to the first answer text and to the
    complete answer (citation cards included), p50 over `--questions-count`
    questions asked one after another through the Ask box's streaming event
    (`ask_stream`, the event the page itself uses) with `Client.submit()`.

Without `--index`, a small index of examples/demo-corpus is built in a temp dir
with `foi demo --no-serve`. Every phase is bounded: users stop at the deadline
and a request still running is waited for at most `--timeout` seconds.

Usage::

    python benchmarks/bench_ui.py [--index DIR] [--seconds 60] [--users 20]
        [--update-from DIR] [--update-files 20]
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FOI = Path(sys.executable).with_name("foi")
DEMO_CORPUS = REPO / "examples" / "demo-corpus"
QUESTIONS = REPO / "benchmarks" / "queries.txt"

from gradio_client import Client  # noqa: E402


@dataclass
class Tally:
    """Latencies (seconds) of the requests served and the errors seen, shared by the user threads."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float | None, error: str | None = None) -> None:
        with self.lock:
            if error is None:
                self.latencies.append(seconds)
            else:
                self.errors.append(error)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def questions(path: Path) -> list[str]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def start_server(index: Path, port: int, timeout: float) -> tuple[subprocess.Popen, str]:
    """`foi serve` on 127.0.0.1:port; returns once the app answers, or raises."""
    command = [str(FOI), "serve", "--index", str(index), "--host", "127.0.0.1", "--port", str(port), "-q"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"foi serve exited with {process.returncode}: {process.stderr.read()[-2000:]}")
        try:
            Client(url, verbose=False)
            return process, url
        except Exception:  # noqa: BLE001 - not listening yet
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError(f"foi serve did not answer on {url} within {timeout} s")


def load(url: str, users: int, seconds: float, asks: list[str], timeout: float) -> tuple[Tally, float]:
    """`users` threads alternately asking and searching until the deadline; returns the tally and wall time."""
    tally = Tally()
    clients = [Client(url, verbose=False) for _ in range(users)]
    deadline = time.monotonic() + seconds

    def user(number: int, client: Client) -> None:
        turn = number
        while time.monotonic() < deadline:
            text = asks[turn % len(asks)]
            started = time.monotonic()
            try:
                if turn % 2 == 0:
                    job = client.submit(text, "", api_name="/ask")
                else:
                    job = client.submit(text, 5, [], "", api_name="/search")
                job.result(timeout=timeout)
                tally.add(time.monotonic() - started)
            except Exception as exc:  # noqa: BLE001 - every failure is counted and reported
                tally.add(None, f"{type(exc).__name__}: {exc}"[:200])
            turn += 1

    started = time.monotonic()
    threads = [threading.Thread(target=user, args=(i, c), daemon=True) for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + timeout + 5)
    return tally, time.monotonic() - started


def stage_update(index: Path, source: Path, limit: int) -> Path:
    """Copy up to `limit` files of `source` into a fresh folder of the index's uploads folder."""
    files = sorted(p for p in source.rglob("*") if p.is_file())[:limit]
    folder = index / "uploads" / f"bench-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    for path in files:
        shutil.copyfile(path, folder / path.name)
    return folder


def stream_times(url: str, asks: list[str], timeout: float) -> dict[str, list[float]]:
    """Per question: seconds to the first streamed message, to the first answer text, and to the last output."""
    client = Client(url, verbose=False)
    times: dict[str, list[float]] = {"first message": [], "first answer text": [], "complete answer": []}
    for text in asks:
        started = time.monotonic()
        job = client.submit(text, [], api_name="/ask_stream")
        first = first_text = None
        for update in job:
            now = time.monotonic() - started
            chat = update[1] if isinstance(update, (list, tuple)) and len(update) > 1 else None
            if not chat:
                continue
            first = first if first is not None else now
            last = str(chat[-1].get("content") if isinstance(chat[-1], dict) else chat[-1])
            if first_text is None and "Searching the documents" not in last:
                first_text = now
            if now > timeout:
                break
        job.result(timeout=timeout)
        done = time.monotonic() - started
        times["first message"].append(first if first is not None else done)
        times["first answer text"].append(first_text if first_text is not None else done)
        times["complete answer"].append(done)
    return times


def row(name: str, tally: Tally, wall: float, load_average: float) -> str:
    served, errors = len(tally.latencies), len(tally.errors)
    p50, p95 = percentile(tally.latencies, 0.5) * 1000, percentile(tally.latencies, 0.95) * 1000
    return f"| {name} | {served} | {served / wall:.1f} | {errors} | {p50:.0f} | {p95:.0f} | {load_average:.2f} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="index to serve (default: a demo index built in a temp dir)")
    parser.add_argument("--seconds", type=float, default=60, help="duration of each load phase")
    parser.add_argument("--users", type=int, default=20, help="concurrent gradio_client users")
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="one question per line")
    parser.add_argument("--questions-count", type=int, default=20, help="questions for the streaming timings")
    parser.add_argument("--update-from", type=Path, default=DEMO_CORPUS, help="files ingested during phase (b)")
    parser.add_argument("--update-files", type=int, default=20, help="at most this many files for phase (b)")
    parser.add_argument("--timeout", type=float, default=60, help="longest wait for one request")
    args = parser.parse_args(argv)

    command = "python benchmarks/bench_ui.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    asks = questions(args.questions)
    scratch = Path(tempfile.mkdtemp(prefix="foi-bench-ui-"))
    index = args.index
    if index is None:
        index = scratch / "demo-index"
        subprocess.run([str(FOI), "demo", "--no-serve", "--index", str(index), "-q"], check=True, cwd=scratch)
    process, url = start_server(index.resolve(), free_port(), timeout=120)
    lines = []
    try:
        # Warm up (the first query loads the embedding model); not measured.
        warm = Client(url, verbose=False)
        warm.predict(asks[0], "", api_name="/ask")
        warm.predict(asks[0], 5, [], "", api_name="/search")
        tally, wall = load(url, args.users, args.seconds, asks, args.timeout)
        lines.append(row("(a) ask + search", tally, wall, os.getloadavg()[0]))
        first_errors = tally.errors[:3]

        staged = stage_update(index.resolve(), args.update_from, args.update_files)
        report: dict = {}
        updater = Client(url, verbose=False)

        def run_update() -> None:
            started = time.monotonic()
            try:
                report.update(updater.predict(api_name="/update"))
            except Exception as exc:  # noqa: BLE001
                report["error"] = f"{type(exc).__name__}: {exc}"[:200]
            report["wall"] = time.monotonic() - started

        thread = threading.Thread(target=run_update, daemon=True)
        thread.start()
        tally_b, wall_b = load(url, args.users, args.seconds, asks, args.timeout)
        update_running_at_end = thread.is_alive()
        lines.append(row("(b) ask + search during update", tally_b, wall_b, os.getloadavg()[0]))
        thread.join(600)
        # Put the index back as it was: remove the staged documents (and their uploaded copies).
        cleaner = Client(url, verbose=False)
        staged_ids = [d["doc_id"] for d in cleaner.predict(staged.name, api_name="/documents")
                      if f"/{staged.name}/" in d["location"]]
        removed = sum(cleaner.predict(doc_id, api_name="/remove")["removed"] for doc_id in staged_ids)
        shutil.rmtree(staged, ignore_errors=True)

        times = stream_times(url, asks[: args.questions_count], args.timeout)
        load_c = os.getloadavg()[0]
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(scratch, ignore_errors=True)

    print(f"Command: `{command}` — index `{index}`, {args.users} users, {args.seconds:g} s per phase, {os.cpu_count()} CPUs\n")
    print("| phase | requests served | req/s | errors | p50 ms | p95 ms | load avg (1 min) |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(lines))
    print()
    print(f"Update during (b): {report.get('added', '?')} added, {report.get('skipped') and len(report['skipped']) or 0} skipped "
          f"in {report.get('wall', float('nan')):.1f} s{' (still running when the load stopped)' if update_running_at_end else ''}"
          f"{'; error ' + report['error'] if 'error' in report else ''}; afterwards {removed} staged documents removed again.")
    if first_errors or tally_b.errors:
        print("First errors:", *(first_errors + tally_b.errors[:3]), sep="\n  ")
    print()
    print(f"(c) streamed Ask, {len(times['complete answer'])} questions one at a time (event `ask_stream` via Client.submit), "
          f"load avg {load_c:.2f}:\n")
    print("| measure | p50 ms | max ms |")
    print("|---|---|---|")
    for name, values in times.items():
        print(f"| {name} | {statistics.median(values) * 1000:.0f} | {max(values) * 1000:.0f} |")
    return 1 if tally.errors or tally_b.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
