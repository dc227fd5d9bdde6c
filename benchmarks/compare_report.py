"""The plain-text report `compare.py` prints."""

from __future__ import annotations

from machine import grid, number

K = 10  # passages retrieved per question
TARGETS = {"ingest_speedup": 2.0, "query_p50_speedup": 3.0, "query_p95_speedup": 3.0,
           "recall_at_5_ratio": 1.0, "ndcg_at_10_ratio": 1.0}


def ratios(base: dict, ours: dict) -> dict:
    def divide(a, b):
        return round(a / b, 3) if a is not None and b else None

    return {
        "ingest_speedup": divide(base["ingest_s"], ours["ingest_s"]),
        "chunks_per_s_ratio": divide(ours["chunks_per_s"], base["chunks_per_s"]),
        "query_p50_speedup": divide(base["query_p50_ms"], ours["query_p50_ms"]),
        "query_p95_speedup": divide(base["query_p95_ms"], ours["query_p95_ms"]),
        "recall_at_5_ratio": divide(ours["recall_at_5"], base["recall_at_5"]),
        "ndcg_at_10_ratio": divide(ours["ndcg_at_10"], base["ndcg_at_10"]),
    }


def targets(r: dict, base: dict, ours: dict) -> dict:
    """Whether each target is met; a quality tie (including 0 = 0) counts as met."""
    met = {key: r[key] is not None and r[key] >= limit for key, limit in TARGETS.items() if "speedup" in key}
    for key in ("recall_at_5", "ndcg_at_10"):
        if ours[key] is not None and base[key] is not None:
            met[f"{key}_ratio"] = ours[key] >= base[key]
    return met


def format_report(result: dict) -> str:
    base, ours, r, met, env = result["baseline"], result["ours"], result["ratios"], result["met"], result["machine"]

    def status(key: str) -> str:
        return ("met" if met[key] else "NOT met") if key in met else ""

    def target(key: str) -> str:
        return f">= {TARGETS[key]:g}x" if key in TARGETS else ""

    rows = [["", "LangChain baseline", "FOI Assistant", "ratio", "target", "status"]]
    for label, key, fmt, ratio_key in [
        ("ingest (s)", "ingest_s", "{:.2f}", "ingest_speedup"),
        ("chunks", "chunks", "{}", None),
        ("vectors embedded", "vectors_embedded", "{}", None),
        ("chunks/s", "chunks_per_s", "{:.1f}", "chunks_per_s_ratio"),
        ("query p50 (ms)", "query_p50_ms", "{:.1f}", "query_p50_speedup"),
        ("query p95 (ms)", "query_p95_ms", "{:.1f}", "query_p95_speedup"),
        ("recall@5", "recall_at_5", "{:.3f}", "recall_at_5_ratio"),
        ("nDCG@10", "ndcg_at_10", "{:.3f}", "ndcg_at_10_ratio"),
        ("model load (s, not in ingest)", "model_load_s", "{:.2f}", None),
        ("index open (s, not in queries)", "index_open_s", "{:.2f}", None),
    ]:
        ratio = number(r[ratio_key], "{:.2f}x") if ratio_key else ""
        rows.append([label, number(base[key], fmt), number(ours[key], fmt), ratio,
                     target(ratio_key) if ratio_key else "", status(ratio_key) if ratio_key else ""])
    versions = ", ".join(f"{name} {version}" for name, version in env["versions"].items() if version)
    limit = f", --limit {result['limit']}" if result["limit"] else ""
    lines = [
        "FOI Assistant vs LangChain baseline",
        f"command: {result['command']}",
        f"corpus: {result['corpus']} ({result['files']} files{limit}); reading: {result['reading']}",
        f"questions: {result['questions_about_corpus']} answerable about this corpus (latency, "
        f"{result['rounds']} alternating rounds); "
        f"{result['questions_scored']} with all relevant files ingested (quality); k={K} passages -> distinct files",
        f"baseline: {base['chunking']}; {base['embedding']}; {base['search']}",
        f"ours:     {ours['chunking']}; {ours['embedding']}; {ours['search']}",
        "ratio: speed-ups are baseline time / our time; chunks/s, recall and nDCG are ours / baseline",
        "",
        *grid(rows),
        "",
        f"machine: {env['cpu_model']}, {env['cpu_cores']} cores ({env['cpu_cores_usable']} usable), "
        f"{env['ram_gb']} GB RAM, {env['platform']}",
        f"python {env['python']}, torch threads {env['torch_threads']}; {versions}",
        f"load average (1 min): {result['load_average_start']} at start, {result['load_average_end']} at end",
    ]
    if not result["questions_scored"]:
        lines.append("note: no question's relevant files were ingested, so quality is not measured (drop --limit)")
    return "\n".join(lines)
