"""The Markdown table `bench_ingest_query.py` prints."""

from __future__ import annotations


def markdown(r: dict) -> str:
    ing, enc, q, env = r["ingest"], r["encode"], r["query"], r["environment"]
    targets = {t["metric"]: t for t in r["targets"]}

    def row(metric: str, value, key: str | None = None) -> str:
        if key is None:
            return f"| {metric} | {value} | | |"
        t = targets[key]
        return f"| {metric} | {value} | {t['op']} {t['target']:g} | {'met' if t['met'] else 'NOT met'} |"

    stages = ", ".join(f"{name} {s:.1f}" for name, s in ing["stage_seconds_approx"].items())
    lines = [
        "## FOI Assistant speed benchmark",
        "",
        f"Command: `{r['command']}` (cwd `{r['cwd']}`)",
        "",
        "| metric | value | target | status |",
        "| --- | --- | --- | --- |",
        row("corpus", f"`{r['corpus']}` ({ing['files']} files{', --limit ' + str(r['limit']) if r['limit'] else ''})"),
        row("model / chunk tokens / overlap / batch / search mode",
            f"{r['settings']['model']} / {r['settings']['chunk_tokens']} / {r['settings']['chunk_overlap']}"
            f" / {r['settings']['batch_size']} / {r['settings']['search_mode']}"),
        row("model load (s, not in ingest)", f"{r['model_load_seconds']:.2f}"),
        row("ingest wall (s)", f"{ing['seconds']:.2f}"),
        row("documents", ing["documents"]),
        row("chunks (stored) / distinct vectors embedded", f"{ing['chunks']} / {ing['vectors_embedded']}"),
        row("files skipped", ing["skipped"]),
        row("ingest chunks/s (stored chunks ÷ wall)", f"{ing['chunks_per_s']:.1f}"),
        row("ingest vectors/s (embedded ÷ wall)", f"{ing['vectors_per_s']:.1f}"),
        row("  of ingest: in embedder.embed (s)", f"{ing['embed_seconds']:.2f}"),
        row("  of ingest: chunker token counting (s / calls)",
            f"{ing['count_tokens_seconds']:.2f} / {ing['count_tokens_calls']}"),
        row("  of ingest: everything else (s)", f"{ing['other_seconds']:.2f}"),
        row("  stages from progress callbacks (s, approx.)", stages),
        row("bare `_model.encode` texts / s", f"{enc['texts']} / {enc['seconds']:.2f}"),
        row("bare encode chunks/s", f"{enc['chunks_per_s']:.1f}"),
        row("ingest ÷ bare encode (vectors/s ÷ chunks/s)", f"{r['ingest_to_encode_ratio']:.3f}",
            "ingest_to_encode_ratio"),
        row(f"search p50 (ms, k={q['search_k']}, {q['queries']} queries)", f"{q['search_p50_ms']:.1f}",
            "search_p50_ms"),
        row("search p95 (ms)", f"{q['search_p95_ms']:.1f}"),
        row(f"ask p50 (ms, {q['queries']} questions)", f"{q['ask_p50_ms']:.1f}", "ask_p50_ms"),
        row("ask p95 (ms)", f"{q['ask_p95_ms']:.1f}"),
        row("ask answered / abstained", f"{q['ask_answered']} / {q['queries'] - q['ask_answered']}"),
        row("peak RSS after ingest / whole run (MB)", f"{r['peak_rss_mb_after_ingest']:.0f} / {r['peak_rss_mb']:.0f}"),
        row("index size on disk (bytes)", f"{r['index_bytes']:,}"),
        row("python / torch / sentence-transformers / faiss",
            f"{env['python']} / {env['torch']} / {env['sentence_transformers']} / {env['faiss']}"),
        row("CPU model / cores (usable) / torch threads",
            f"{env['cpu_model']} / {env['cpu_cores']} ({env['cpu_cores_usable']}) / {env['torch_threads']}"),
        row("platform", env["platform"]),
        row("1-min load average at start / end (other processes share the CPU if well above 0)",
            f"{env['load_average_1m_start']} / {env['load_average_1m_end']}"),
    ]
    if r["index_dir"]:
        lines += ["", f"Index kept at `{r['index_dir']}`."]
    return "\n".join(lines)
