"""`foi tune`: fine-tune the embedding model on the index's own request → answer pairs."""

from __future__ import annotations

from pathlib import Path

import click

from assistant.cli_options import common_options, open_assistant, print_json


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Model directory to create; default <index>/models/tuned-YYYYMMDD.")
@click.option("--epochs", type=click.IntRange(1, 20), default=1, show_default=True, help="Passes over the pairs.")
@click.option("--batch-size", type=click.IntRange(2, 256), default=16, show_default=True,
              help="Pairs per step (each query's negatives are the batch's other passages).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (a run can be repeated).")
@click.option("--max-pairs", type=click.IntRange(2), help="Train on the first N pairs only (a quick trial).")
@click.option("--exclude-set", "exclude_sets", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL question set whose relevant threads are held out (repeatable); "
              "default: every examples/eval/*.jsonl of the source checkout.")
@common_options
def tune(out_dir, epochs, batch_size, seed, max_pairs, exclude_sets, index_dir, config_file, as_json, quiet):
    """Fine-tune the index's embedding model on its request -> response pairs (the index is not changed).

    Use the result with `foi rebuild --model DIR` (re-embeds every chunk).
    """
    from assistant.tuning import tune_index

    if out_dir is not None and out_dir.exists():
        raise click.UsageError(f"--out {out_dir} already exists; give a new directory")
    assistant = open_assistant(index_dir, config_file, quiet)

    def on_step(step: int, steps: int, loss: float) -> None:
        if not quiet and (step == steps or step % 10 == 0):
            click.echo(f"step {step}/{steps} loss {loss:.4f}", err=True)

    pair_set, result = tune_index(
        assistant, out_dir=out_dir, eval_sets=list(exclude_sets) or None, epochs=epochs, batch_size=batch_size,
        seed=seed, max_pairs=max_pairs, on_step=on_step,
    )
    report = {**result.to_dict(), "threads_held_out": pair_set.excluded_threads}
    if as_json:
        print_json(report)
        return
    click.echo(
        f"tuned {result.base_model} on {result.pairs} pairs from {result.threads} threads "
        f"({pair_set.excluded_threads} held out for evaluation), {result.epochs} epoch(s), {result.steps} steps, "
        f"{result.seconds:.0f} s; saved to {result.model_dir}\n"
        f"use it: foi rebuild --index {index_dir} --model {result.model_dir}"
    )
