"""Reading large workbooks: rows/s and peak memory, python-calamine against openpyxl.

Builds its own workbook (an FOI request log: 7 columns, `--rows` rows, dates, numbers and a
SUM formula with its cached value), then runs each step in a fresh process so that its peak
RSS is its own:

- `calamine`: `ingest.readers.read_file` (the project's reader: every row to a
  "Header: value; ..." line and the row map);
- `openpyxl`: the same rows read with openpyxl's read-only (streaming) mode, formatted
  the same way, for the choice of library;
- `chunk`: the project's reader plus the chunker with the real model's tokenizer;
- `ingest`: `Assistant.ingest` of a workbook of `--ingest-rows` rows end to end
  (reading, chunking, embedding with the default onnx-int8 backend, writing the index).

Usage:
    python benchmarks/spreadsheets.py [--rows 100000] [--ingest-rows 5000] [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

OUTCOMES = ["Disclosed", "Partially disclosed", "Refused s.12", "Not held", "Refused s.40(2)"]
CATEGORIES = ["Policing", "Housing", "Social care", "Highways", "Finance", "Education"]
HEADER = ["Reference", "Received", "Authority", "Category", "Outcome", "Days taken", "Cost (£)"]


def build_workbook(path: Path, rows: int) -> None:
    """An FOI log of `rows` rows, written row by row (XlsxWriter's constant-memory mode)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("Requests")
    sheet.write_row(0, 0, HEADER)
    start = dt.date(2019, 1, 1)
    total = 0.0
    for n in range(rows):
        cost = round(25 + (n * 37) % 450 + (n % 7) * 0.25, 2)
        total += cost
        sheet.write_string(n + 1, 0, f"FOI/{100000 + n}")
        sheet.write_datetime(n + 1, 1, dt.datetime.combine(start + dt.timedelta(days=n % 2000), dt.time()), dates)
        sheet.write_string(n + 1, 2, "Sheffield City Council" if n % 3 else "South Yorkshire Police")
        sheet.write_string(n + 1, 3, CATEGORIES[n % len(CATEGORIES)])
        sheet.write_string(n + 1, 4, OUTCOMES[n % len(OUTCOMES)])
        sheet.write_number(n + 1, 5, 5 + n % 30)
        sheet.write_number(n + 1, 6, cost)
    sheet.write_string(rows + 1, 0, "Total")
    sheet.write_formula(rows + 1, 6, f"=SUM(G2:G{rows + 1})", None, round(total, 2))
    book.close()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_calamine(path: Path) -> dict:
    from ingest.readers import read_file

    started = time.perf_counter()
    (document,) = read_file(path, max_bytes=10**10).documents
    seconds = time.perf_counter() - started
    return {"rows": len(document.rows), "seconds": seconds, "chars": len(document.text)}


def step_openpyxl(path: Path) -> dict:
    import openpyxl

    from ingest.readers.spreadsheet import format_value
    from ingest.tables import TableWriter

    started = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    writer = TableWriter()
    for sheet in book.worksheets:
        writer.begin_sheet(sheet.title)
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            writer.add_row(number, [format_value(value) for value in cells])
        writer.end_sheet()
    text, rows = writer.result()
    seconds = time.perf_counter() - started
    return {"rows": len(rows), "seconds": seconds, "chars": len(text)}


def step_chunk(path: Path) -> dict:
    from assistant.settings import DEFAULT_BACKEND, DEFAULT_MODEL
    from index.embedder import load_embedder
    from ingest.chunking import Chunker
    from ingest.readers import read_file

    embedder = load_embedder(DEFAULT_MODEL, backend=DEFAULT_BACKEND)
    chunker = Chunker(embedder.count_tokens, chunk_tokens=200, chunk_overlap=32, max_tokens=embedder.max_tokens)
    started = time.perf_counter()
    (document,) = read_file(path, max_bytes=10**10).documents
    chunks = chunker.chunk(document)
    seconds = time.perf_counter() - started
    return {"rows": len(document.rows), "chunks": len(chunks), "seconds": seconds}


def step_ingest(path: Path) -> dict:
    from assistant import Assistant

    with tempfile.TemporaryDirectory() as index:
        assistant = Assistant.open(Path(index) / "idx", show_progress=False)
        assistant.embedder  # the model load is not part of the ingest
        started = time.perf_counter()
        report = assistant.ingest([path])
        seconds = time.perf_counter() - started
        document = assistant.documents()[0]
        rows = len(assistant.table_rows(document.doc_id, 0, len(document.text)))
        assistant.close()
    return {"rows": rows, "chunks": report.chunks, "embedded": report.embedded, "seconds": seconds}


STEPS = {"calamine": step_calamine, "openpyxl": step_openpyxl, "chunk": step_chunk, "ingest": step_ingest}


def run_step(step: str, path: Path) -> dict:
    """Run one step in a fresh interpreter; returns its result with `peak_rss_mb`."""
    output = subprocess.run(
        [sys.executable, __file__, "--step", step, "--workbook", str(path)],
        check=True, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--ingest-rows", type=int, default=5_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--step", choices=sorted(STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--workbook", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        result = STEPS[args.step](args.workbook)
        print(json.dumps({**result, "peak_rss_mb": round(_peak_rss_mb(), 1)}))
        return
    results = []
    with tempfile.TemporaryDirectory() as folder:
        big, small = Path(folder) / "log.xlsx", Path(folder) / "small-log.xlsx"
        build_workbook(big, args.rows)
        build_workbook(small, args.ingest_rows)
        size_mb = big.stat().st_size / 1e6
        for step, path in (("calamine", big), ("openpyxl", big), ("chunk", big), ("ingest", small)):
            result = run_step(step, path)
            result.update(step=step, rows_per_s=round(result["rows"] / result["seconds"]), seconds=round(result["seconds"], 2))
            results.append(result)
    if args.json:
        print(json.dumps({"workbook_mb": round(size_mb, 1), "load": os.getloadavg(), "steps": results}, indent=2))
        return
    print(f"workbook: {args.rows:,} rows x {len(HEADER)} columns, {size_mb:.1f} MB; load average {os.getloadavg()}")
    print("| step | rows | seconds | rows/s | chunks | peak RSS MB |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['step']} | {r['rows']:,} | {r['seconds']} | {r['rows_per_s']:,} | {r.get('chunks', '')} | {r['peak_rss_mb']} |")


if __name__ == "__main__":
    main()
