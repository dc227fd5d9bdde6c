"""Ingest on a Ray cluster: workers read, chunk and embed; the driver decides and commits.

The driver discovers files and decides what changed exactly as a local ingest does
(`plan_update`), so nothing unchanged is shipped. It sends the changed files' bytes
into a Ray Data `map_batches` stage on a pool of reading actors (`ReadWorker`); results
stream back in file order and the driver records them with the local ingest's own steps
(`index.ingest_steps`). The chunk texts it collects form the local ingest's windows, which a
second stage embeds on a pool of `EmbedWorker` actors while reading goes on
(`BackgroundEmbedding`); each actor loads the model once. The driver commits one generation,
or one every `commit_every` documents. Ray is an optional extra: nothing here imports it at
module level.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.directory import IndexDirectory
from index.distributed_embedding import BackgroundEmbedding
from index.distributed_worker import EmbedWorker, ReadWorker, decode_result
from index.embedder import Embedder, length_batches
from index.errors import IndexProblem
from index.index_models import model_to_load
from index.ingest_steps import (
    ChangedFile,
    IngestReport,
    record_file,
    record_same_content,
    record_skipped_file,
    record_vanished,
    store_new_documents,
)
from index.manifest import now_iso
from index.pipeline import TextWindows
from index.update import Progress, UpdateOptions, _noop, finish_generation, new_index_manifest, plan_update
from ingest.errors import SkippedFile
from ingest.readers import load_file_bytes

logger = logging.getLogger(__name__)

RAY_MISSING = "distributed ingest needs Ray, which is not installed: pip install 'foi-assistant[ray]'"
ROUND_BYTES = 256 * 1_000_000  # file bytes the driver ships per round, so its memory stays bounded
# A reading and an embedding actor share each CPU: the two stages run at once, as a local
# ingest's reader thread and model do, instead of one after the other.
ACTOR_CPUS = 0.5


class RayUnavailable(IndexProblem):
    """Ray is not installed, or the cluster cannot be reached."""


@dataclass
class RayOptions:
    """How to run an ingest on Ray.

    Attributes:
        address: "auto" starts (or attaches to) a cluster on this machine; anything else is
            the address of an existing cluster, to which the files' contents are sent.
        commit_every: Commit a generation after about this many new documents (None: one
            generation for the whole run).
        files_per_batch: Files per `map_batches` call on a reading worker.
        workers: Reading actors, and CPUs for embedding actors (None: the cluster's CPUs).
        embed_threads: Threads of each embedding actor's model (actors: workers / this).
            One ONNX Runtime session on two threads embeds about 10% more per core here
            than two sessions on one thread each (`benchmarks/distributed.py`).
    """

    address: str = "auto"
    commit_every: int | None = None
    files_per_batch: int = 4
    workers: int | None = None
    embed_threads: int = 2


def ray_available() -> bool:
    """Whether the `ray[data]` extra is installed."""
    try:
        import ray  # noqa: F401
        import ray.data  # noqa: F401
    except ImportError:
        return False
    return True


def prepare_environment(*, local: bool) -> None:
    """Ray's switches, which it reads when first imported: no usage statistics; and for a
    cluster on this machine, its processes listen on the loopback address only."""
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    if local:
        # Ray's own switch (ray_constants.ENABLE_RAY_CLUSTER): off, a node uses 127.0.0.1.
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")


def connect(address: str) -> int:
    """Start or join a Ray cluster without telemetry or dashboard; returns its CPU count."""
    if not ray_available():
        raise RayUnavailable(RAY_MISSING)
    prepare_environment(local=address == "auto")
    import ray

    if not ray.is_initialized():
        try:
            if address == "auto":
                _init_local(ray)
            else:
                ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING,
                         log_to_driver=False)
        except (ConnectionError, ValueError, RuntimeError) as exc:
            raise RayUnavailable(f"cannot reach the Ray cluster at {address}: {exc}") from None
    return int(ray.cluster_resources().get("CPU", 1))


def _init_local(ray) -> None:
    import ray.exceptions

    try:  # a cluster already running on this machine (`ray start --head`)
        ray.init(address="auto", include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)
    except (ConnectionError, ray.exceptions.RaySystemError):
        ray.init(include_dashboard=False, logging_level=logging.WARNING, log_to_driver=False)


def distributed_update(
    directory: IndexDirectory,
    paths: list[Path],
    embedder: Embedder,
    options: UpdateOptions,
    ray_options: RayOptions,
    progress: Progress | None = None,
    *,
    read_worker: type = ReadWorker,
    embed_worker: type = EmbedWorker,
) -> IngestReport:
    """Ingest `paths` like `update_index`, reading and embedding on a Ray cluster.

    Args:
        directory: The index directory.
        paths: Files and folders to ingest.
        embedder: The driver's model: its name and backend are what the workers load.
        options: As for `update_index`.
        ray_options: Cluster address, commit steps, batch and pool sizes.
        progress: Optional callback (stages: scanning, reading, embedding, writing).
        read_worker, embed_worker: The actor classes (subclasses let tests inject faults).

    Returns:
        The IngestReport of a local ingest, with `workers` set.

    Raises:
        RayUnavailable: Ray is not installed or the cluster cannot be reached.
    """
    progress = progress or _noop
    started = time.perf_counter()
    cpus = connect(ray_options.address)
    workers = max(1, ray_options.workers or cpus)
    roots = [Path(p) for p in paths]
    report = IngestReport()
    report.workers = workers
    with directory.lock(options.lock_timeout):
        plan = plan_update(directory, roots, options, report, progress)
        if plan is None:
            report.seconds = time.perf_counter() - started
            return report
        changed, vanished, index_exists = plan
        new_manifest = None if index_exists else new_index_manifest(embedder, options)
        manifest = new_manifest or directory.read_manifest()
        # A model kept inside the index is recorded relative to it; workers load it by its full path.
        model = {"model": model_to_load(directory.root, embedder.model_id), "backend": getattr(embedder, "backend", "torch"),
                 "cache_dir": os.environ.get("FOI_CACHE")}
        cluster = _Cluster(ray_options, workers, progress)
        reader = {
            **model,
            "chunk_tokens": manifest.chunk_tokens,
            "chunk_overlap": manifest.chunk_overlap,
            "chunk_context": manifest.chunk_context,
        }
        embedder_args = {**model, "batch_size": options.batch_size, "threads": ray_options.embed_threads}
        with _Committer(directory, new_manifest, options, report, ray_options.commit_every, progress,
                        lambda windows: cluster.embed(embed_worker, embedder_args, windows)) as committer:
            for item in changed:
                if item.same_content:
                    record_same_content(committer.snapshot.store, item)
            record_vanished(committer.snapshot.store, vanished, report)
            to_read = [item for item in changed if not item.same_content]
            for item, payload in cluster.read(read_worker, reader, to_read, options.max_file_bytes, report):
                committer.add(item, payload)
    report.seconds = time.perf_counter() - started
    return report


class _Cluster:
    """Runs the two Ray Data stages: reading+chunking files, and embedding windows."""

    def __init__(self, ray_options: RayOptions, workers: int, progress: Progress):
        import ray.data

        self._options = ray_options
        self._workers = workers
        self._progress = progress
        self._embedded = 0
        context = ray.data.DataContext.get_current()
        # Rows come back in the order they went in: files, and so vector ids, in a local ingest's order.
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False

    def _map(self, rows: list[dict], worker: type, constructor: dict, batch_size: int, threads: int = 1):
        import ray.data

        blocks = -(-len(rows) // batch_size)
        actors = min(max(1, self._workers // threads), blocks)
        dataset = ray.data.from_items(rows, override_num_blocks=blocks)
        return dataset.map_batches(
            worker,
            batch_size=batch_size,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=actors),
            num_cpus=ACTOR_CPUS * threads,
            fn_constructor_kwargs=constructor,
            # A worker that dies is restarted and its batch retried (Ray Data's defaults, made explicit).
            max_restarts=-1,
            max_task_retries=-1,
        ).iter_rows()

    def read(self, worker: type, constructor: dict, to_read: list[ChangedFile], max_bytes: int,
             report: IngestReport) -> Iterator[tuple[ChangedFile, dict]]:
        """Yield (file, payload) in file order; files too large or unopenable are skipped here."""
        done = 0
        for items, rows in _rounds(to_read, max_bytes, report):
            if not rows:
                continue
            # Results stream in while earlier windows are embedded; a round bounds what the driver holds.
            for row in self._map(rows, worker, constructor, self._options.files_per_batch):
                done += 1
                self._progress("reading", done, len(to_read))
                yield items[int(row["position"])], json.loads(row["payload"])

    def embed(self, worker: type, constructor: dict, windows: list[list[tuple[str, str]]]) -> dict[str, np.ndarray]:
        """{hash: vector} for every text of `windows`, cut into the batches a local ingest embeds."""
        batches = [[window[i] for i in batch] for window in windows
                   for batch in length_batches([text for _, text in window], constructor["batch_size"])]
        if not batches:
            return {}
        total = self._embedded + sum(len(b) for b in batches)
        # One row per batch: a text's vector depends on its batch-mates only, and small rows keep
        # every actor busy to the end of the stage.
        rows = [{"batch": n, "texts": [text for _, text in batch]} for n, batch in enumerate(batches)]
        vectors: dict[str, np.ndarray] = {}
        for row in self._map(rows, worker, constructor, 1, constructor["threads"]):
            batch = batches[int(row["batch"])]
            matrix = np.frombuffer(row["vectors"], dtype=np.float32).reshape(len(batch), -1)
            vectors.update((key, vector) for (key, _), vector in zip(batch, matrix))
            self._embedded += len(batch)
            self._progress("embedding", self._embedded, total)
        return vectors


def _rounds(to_read: list[ChangedFile], max_bytes: int, report: IngestReport) -> Iterator[tuple[dict, list]]:
    """Group files into rounds of at most ROUND_BYTES; yields ({position: file}, rows)."""
    items: dict[int, ChangedFile] = {}
    rows: list[dict] = []
    size = 0
    for position, item in enumerate(to_read):
        try:
            data = load_file_bytes(item.path, max_bytes=max_bytes)
        except SkippedFile as exc:
            record_skipped_file(item, exc.reason, report)
            continue
        items[position] = item
        rows.append({"position": position, "key": item.key, "data": data})
        size += len(data)
        if size >= ROUND_BYTES:
            yield items, rows
            items, rows, size = {}, [], 0
    yield items, rows


class _Committer:
    """Records read files into write generations; embeds and commits every `commit_every` documents."""

    def __init__(self, directory, new_manifest, options, report, commit_every, progress, embed):
        self._directory = directory
        self._new_manifest = new_manifest
        self._options = options
        self._report = report
        self._commit_every = commit_every
        self._progress = progress
        self._embedding = BackgroundEmbedding(embed)
        self._stack: contextlib.ExitStack | None = None
        self.snapshot = None
        self._now = now_iso()

    def __enter__(self) -> _Committer:
        self._open()
        return self

    def __exit__(self, kind, error, traceback) -> None:
        try:
            if kind is None:
                try:
                    self._commit()
                except BaseException as exc:  # a failed embedding run abandons the write
                    self._stack.__exit__(type(exc), exc, exc.__traceback__)
                    raise
            else:
                self._stack.__exit__(kind, error, traceback)
        finally:
            self._embedding.close()

    def _open(self) -> None:
        self._stack = contextlib.ExitStack()
        self.snapshot = self._stack.enter_context(self._directory.write(self._new_manifest))
        self._new_manifest = None  # later steps continue the generation just committed
        self._pending: dict = {}
        self._texts = TextWindows(self.snapshot.store.vector_ids_for, self._embedding.submit)
        self._documents_in_step = 0

    def add(self, item: ChangedFile, payload: dict) -> None:
        """Record one file's result; commit a step once enough documents are waiting."""
        if "skipped_file" in payload:
            record_skipped_file(item, payload["skipped_file"], self._report)
            return
        result, chunks = decode_result(payload, item.key)

        def chunks_for(document):
            self._texts.add(chunk.embedded_text for chunk in chunks[document.content_hash])
            return chunks[document.content_hash]

        record_file(self.snapshot.store, item, result, self._pending, chunks_for, self._report, self._now)
        self._documents_in_step += len(result.documents)
        if self._commit_every and self._documents_in_step >= self._commit_every:
            self._commit()
            self._open()

    def _commit(self) -> None:
        self._texts.flush()
        vectors = self._embedding.collect()
        store = self.snapshot.store
        with store.transaction():
            store_new_documents(self.snapshot, self._pending, self._texts.order, self._texts.known, vectors,
                                self._report, self._now)
        counts = finish_generation(self.snapshot, self._options)
        self._stack.__exit__(None, None, None)
        self._report.documents = counts["documents"]
        self._report.chunks = counts["chunks"]
        self._progress("writing", self._report.documents, self._report.documents)
