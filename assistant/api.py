"""The Python API: the one entry point that the CLI and the UI both call."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.answer import Answer, compose_answer
from assistant.browse import Browsing, IndexStats  # noqa: F401 - IndexStats is part of this API
from assistant.citations import citation_line
from assistant.followup import contextual_question
from assistant.generative import ask_generatively
from assistant.ingest_options import update_options
from assistant.listing import compose_listing
from assistant.passage_choice import choose_passages
from assistant.passage_rescore import Rescoring, capped, rescore
from assistant.reference_first import referenced_first
from assistant.row_passages import with_row_passages
from assistant.question_filters import filters_from_question
from assistant.restated import RequestWords
from assistant.settings import Settings, load_settings
from assistant.table_citations import with_table_rows
from assistant.terms import evidence_coverage, question_terms
from assistant.thread_replies import with_thread_replies
from assistant.upkeep import Upkeep
from assistant.verify import QuoteVerifier
from index.directory import IndexDirectory, Snapshot
from index.embedder import Embedder, load_embedder
from index.errors import IndexFormatError, IndexMismatch
from index.index_models import model_to_load, recorded_model
from index.maintenance import CheckReport, RemoveReport  # noqa: F401 - part of this API
from index.migrations import pending, upgrade
from index.records import StoredDocument
from index.reranker import CrossEncoderReranker, Reranker, rerank
from index.search import Boilerplate, Hit, SearchFilter, search_vectors
from index.snapshots import Snapshots
from index.update import IngestReport, Progress, update_index
from ingest.foi.filters import foi_matches

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchResult:
    """Ranked passages for a query."""

    query: str
    hits: list[Hit]


class Assistant(Upkeep, Browsing):
    """Ingest FOI documents, search them, and answer questions with citations.

    Example:
        >>> assistant = Assistant.open("foi-index")
        >>> assistant.ingest(["../shared/corpus/wmp"])
        >>> assistant.ask("Does West Midlands Police use body worn video?").answer
    """

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder | None = None,
        reranker: Reranker | None = None,
        allow_rebuild: bool = False,
    ):
        self.directory = IndexDirectory(settings.index_dir)
        if settings.model:  # a model inside the index is named relative to it, as the manifest records it
            settings = settings.model_copy(update={"model": recorded_model(self.directory.root, settings.model)})
        self.settings = settings
        self._embedder = embedder
        self._reranker = reranker
        self.snapshots = Snapshots(self.directory)
        self._lock = threading.RLock()
        self._allow_rebuild = allow_rebuild
        self._embedder_checked = False
        try:
            manifest = self.directory.read_manifest() if self.directory.exists() else None
        except IndexFormatError:
            if not allow_rebuild:
                raise
            manifest = None  # unreadable: `foi check` names it and `--repair` restores it
        if manifest is not None and pending(manifest.migrations):
            applied = upgrade(self.directory, lock_timeout=settings.lock_timeout)
            logger.warning("upgraded the index at %s to the current format (%s)", self.directory.root, ", ".join(applied))
        if manifest is not None and not allow_rebuild:
            self.directory.read_manifest().check_compatible(
                model=settings.model,
                chunk_tokens=settings.chunk_tokens,
                chunk_overlap=settings.chunk_overlap,
                root=self.directory.root,
            )

    @classmethod
    def open(
        cls,
        index_dir: str | Path | None = None,
        *,
        embedder: Embedder | None = None,
        reranker: Reranker | None = None,
        allow_rebuild: bool = False,
        **settings,
    ) -> "Assistant":
        """Open (or prepare to create) the index at `index_dir` with the given settings.

        Args:
            index_dir: The index directory; default from settings ($FOI_INDEX or ./foi-index).
            embedder: An already loaded model (tests pass a fake one).
            reranker: An already loaded reranker; default: `settings.reranker_model`, if set.
            allow_rebuild: Accept a model or chunking that differs from the index's,
                for `rebuild()`; searching such an index before rebuilding is refused.
            **settings: Any field of `Settings`.
        """
        if index_dir is not None:
            settings["index_dir"] = Path(index_dir)
        return cls(load_settings(**settings), embedder=embedder, reranker=reranker, allow_rebuild=allow_rebuild)

    # Model -----------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use (the index's own model if it exists)."""
        with self._lock:
            if self._embedder is None:
                model = self.settings.model
                backend = self.settings.embedding_backend
                if self.directory.exists():
                    manifest = self.directory.read_manifest()
                    model = model or manifest.model
                    backend = backend or manifest.backend
                    if backend != manifest.backend and not self._allow_rebuild:
                        # Backends agree closely (cosine >= 0.98) but not exactly; say so.
                        logger.warning(
                            "the index at %s was built with the %s embedding backend; using %s, so new "
                            "vectors and queries differ slightly from the stored ones (foi rebuild re-embeds all)",
                            self.directory.root, manifest.backend, backend,
                        )
                model = model or self.settings.effective_model
                location = model_to_load(self.directory.root, model)
                self._embedder = load_embedder(location, backend=backend or self.settings.effective_backend)
                if location != model:  # recorded relative to the index, wherever the index now is
                    self._embedder.model_id = model
            # Checked once per Assistant (the index's model only changes by rebuilding),
            # not on every search: this property sits on the query path.
            if not self._embedder_checked and not self._allow_rebuild and self.directory.exists():
                manifest = self.directory.read_manifest()
                if (self._embedder.model_id, self._embedder.dimension) != (manifest.model, manifest.dimension):
                    raise IndexMismatch(
                        f"the index at {self.directory.root} was built with {manifest.model!r} "
                        f"({manifest.dimension} dimensions), not {self._embedder.model_id!r} "
                        f"({self._embedder.dimension}); use that model, or `foi rebuild --model ...`"
                    )
                self._embedder_checked = True
            return self._embedder

    @property
    def reranker(self) -> Reranker | None:
        """The cross-encoder of `settings.reranker_model`, loaded on first use; None when unset."""
        with self._lock:
            if self._reranker is None and self.settings.reranker_model:
                self._reranker = CrossEncoderReranker(self.settings.reranker_model)
            return self._reranker

    def _ranked(self, snapshot: Snapshot, query: str, vector, *, k: int, reorder: bool = False, **options) -> list:
        """`search_vectors`, then the reranker (if any) over its top `rerank_candidates`; with
        `reorder` (search, not `ask`), the top `rescore_candidates` are re-ordered (`passage_rescore`)."""
        reranker = self.reranker
        term_weight, figure_weight = self.settings.passage_term_weight, self.settings.passage_figure_weight
        if not reranker and (term_weight or figure_weight):
            # Documents keep their places; each place goes to that document's best passage.
            cap = options.pop("max_per_document", None) or self.settings.max_hits_per_document
            pairs = search_vectors(snapshot, vector, k=max(4 * k, 40), query_text=query,
                                   boilerplate=self._boilerplate, max_per_document=4 * cap, **options)
            counts = snapshot.store.term_document_counts(question_terms(query))
            return choose_passages(pairs, query, counts, k=k, per_document=cap, term_weight=term_weight,
                                   figure_weight=figure_weight)
        rescoring = self._rescoring
        if reorder and not reranker and rescoring:
            # Fusion's top candidates (capped as ever), re-ordered (figures, requester), then cut to k.
            pairs = search_vectors(snapshot, vector, k=max(k, rescoring.candidates), query_text=query,
                                   boilerplate=self._boilerplate, **options)
            return capped(rescore(pairs, query, rescoring), k=k, per_document=len(pairs) or 1)
        fetch = max(k, self.settings.rerank_candidates) if reranker else k
        pairs = search_vectors(snapshot, vector, k=fetch, query_text=query, boilerplate=self._boilerplate, **options)
        return rerank(reranker, query, pairs, k) if reranker else pairs

    # Writing ---------------------------------------------------------------
    def ingest(
        self, paths: Iterable[str | Path], *, sync: bool = False, progress: Progress | None = None, ray=None
    ) -> IngestReport:
        """Add new and changed documents under `paths`; with `sync`, drop vanished ones.

        Bad files are skipped and listed in the report; they never stop the batch. With
        `ray` (an `index.distributed.RayOptions`), files are read and embedded on a Ray cluster.
        """
        options = update_options(self.settings, sync=sync)
        if ray is not None:
            from index.distributed import distributed_update

            report = distributed_update(self.directory, [Path(p) for p in paths], self.embedder, options, ray, progress)
        else:
            report = update_index(self.directory, [Path(p) for p in paths], self.embedder, options, progress)
        self.snapshots.invalidate()
        return report

    @property
    def _rescoring(self) -> Rescoring:
        settings = self.settings
        return Rescoring(candidates=settings.rescore_candidates, figure_weight=settings.rescore_figure_weight,
                         requester_penalty=settings.rescore_requester_penalty,
                         year_weight=settings.rescore_year_weight)

    @property
    def _boilerplate(self) -> Boilerplate:
        return Boilerplate(penalty=self.settings.boilerplate_penalty, collapse=self.settings.collapse_boilerplate)

    # Reading ---------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        k: int | None = None,
        kinds: Iterable[str] = (),
        path_contains: str = "",
        mode: str | None = None,
        per_document: int | None = None,
        **foi: str,
    ) -> SearchResult:
        """The `k` passages most similar to `query`, each with its citation fields.

        Args:
            query: Free text.
            k: Number of passages; default `settings.k`.
            kinds: Only documents of these kinds (txt, md, pdf, html, email, docx).
            path_contains: Only documents whose path contains this text (a folder, say).
            mode: dense, lexical or hybrid; default `settings.search_mode`.
            per_document: At most this many hits per document; default
                `settings.max_hits_per_document`.
            **foi: FOI filters: authority, reference, exemption, outcome, after,
                before (YYYY-MM-DD) and law; see `ingest.foi.filters.foi_matches`.
        """
        vector = self.embedder.embed([query])[0]
        k, mode = k or self.settings.k, mode or self.settings.search_mode
        cap = per_document or self.settings.max_hits_per_document

        def ranked(where: SearchFilter) -> list[Hit]:
            pairs = self._ranked(snapshot, query, vector, k=k, max_per_document=cap, where=where or None, mode=mode,
                                 documents=False, reorder=True)
            return [hit for hit, _ in pairs]

        with self.snapshots.reading() as snapshot:
            hits = with_row_passages(snapshot, query, vector, ranked(SearchFilter.build(kinds, path_contains, **foi)))
            if not foi.get("reference"):
                hits = referenced_first(query, hits, k, lambda reference: ranked(
                    SearchFilter.build(kinds, path_contains, **{**foi, "reference": reference})))
        return SearchResult(query=query, hits=hits)

    def search_batch(
        self, queries: Iterable[str], *, k: int | None = None, mode: str | None = None, **filters
    ) -> Iterator[tuple[SearchResult, float]]:
        """Search each query in turn, yielding (result, seconds that query took).

        The model is loaded before the first query, so no timing includes it.
        `filters` are those of `search`.
        """
        self.embedder
        with self.snapshots.reading():
            pass  # opens the index before the first timed query
        for query in queries:
            started = time.perf_counter()
            result = self.search(query, k=k, mode=mode, **filters)
            yield result, time.perf_counter() - started

    def ask(self, question: str, *, previous: str | None = None, answer_mode: str | None = None, on_text=None,
            **foi: str) -> Answer:
        """An extractive answer whose every sentence is a cited quote, or an abstention.

        A listing question that names an outcome or exemption ("which requests
        were refused under section 12?") is answered from the FOI metadata: the
        matching requests, each cited by the sentence its outcome or exemption
        was read from (see `assistant.question_filters`). Explicit filters
        switch that reading off.

        Args:
            question: The question.
            previous: The conversation's previous question; a short follow-up
                ("and in 2021?") is retrieved together with it.
            answer_mode: "extractive" or "generative" (`assistant.generative`); default `settings.answer_mode`.
            on_text: With generative answers, called with the model's reply so far as it streams.
            **foi: FOI filters, as for `search`.
        """
        query = contextual_question(previous, question)
        vector = self.embedder.embed([query])[0]
        with self.snapshots.reading() as snapshot:
            if (answer_mode or self.settings.answer_mode) == "generative":
                return ask_generatively(self, snapshot, question, query, vector, foi, on_text=on_text)
            return self._ask(snapshot, question, query, vector, foi)

    def _ask(self, snapshot: Snapshot, question: str, query: str, vector, foi: dict[str, str]) -> Answer:
        explicit = {name: value for name, value in foi.items() if value}
        read = {} if explicit else filters_from_question(question)
        if read:
            retrieved = self._retrieve(snapshot, vector, query, SearchFilter.build(**read), listing=True)
            listing = compose_listing(
                query, read, retrieved, cite=self._cite, verify=QuoteVerifier(snapshot.store).verify,
                max_items=self.settings.answer_passages,
                matching=self._count_matching(snapshot, read),
            )
            if listing.citations:
                return with_table_rows(snapshot.store, listing)
        retrieved = self._retrieve(snapshot, vector, query, SearchFilter.build(**explicit))
        asked = {}
        if self.settings.answer_thread_replies:
            retrieved, asked = with_thread_replies(snapshot, retrieved, vector, question_terms(query))
        answer = self._answer_from(snapshot, query, vector, retrieved, asked)
        if self._nothing_quotable(answer):
            # The answer is often a later passage of a retrieved document: read twice as deep once.
            deeper = self._retrieve(snapshot, vector, query, SearchFilter.build(**explicit), depth=2)
            retried = self._answer_from(snapshot, query, vector, deeper)
            answer = answer if retried.abstained else retried
        return with_table_rows(snapshot.store, answer)

    def _nothing_quotable(self, answer: Answer) -> bool:
        """An abstention for want of a quotable sentence, not for want of confidence in one."""
        return answer.abstained and self.settings.abstention == "evidence" and not answer.signals.get("quoted")

    def _answer_from(self, snapshot: Snapshot, query: str, vector, retrieved, asked=None) -> Answer:
        terms = question_terms(query)
        total, counts = snapshot.store.term_document_counts(terms)
        coverage = evidence_coverage(terms, [hit.text for hit, _ in retrieved], counts, total)
        return compose_answer(
            query,
            vector,
            retrieved,
            self.embedder,
            abstain_below=self.settings.abstain_below,
            sentence_min_score=self.settings.sentence_min_score,
            max_sentences=self.settings.answer_sentences,
            max_candidates=self.settings.answer_candidate_sentences,
            coverage=coverage,
            abstain_coverage_below=self.settings.abstain_coverage_below,
            abstention=self.settings.abstention,
            abstain_confidence_below=self.settings.abstain_confidence_below,
            term_counts=(total, counts),
            sentence_documents=snapshot.store.sentence_document_counts,
            cite=self._cite,
            verify=QuoteVerifier(snapshot.store).verify,
            asked=asked,
            restated=RequestWords(snapshot.store).restates,
        )

    def _retrieve(self, snapshot: Snapshot, vector, query: str, where: SearchFilter, *, listing: bool = False,
                  depth: int = 1):
        """Passages `ask` reads (`depth` times as many); a listing wants many requests, one passage each."""
        return self._ranked(
            snapshot,
            query,
            vector,
            k=self.settings.answer_passages * (3 if listing else depth),
            max_per_document=1 if listing else self.settings.answer_passages_per_document * depth,
            where=where or None,
            mode=self.settings.search_mode,
        )

    @staticmethod
    def _cite(hit: Hit, document: StoredDocument, page: int | None) -> str:
        return citation_line(title=document.title, path=hit.path, part=hit.part, metadata=document.metadata, page=page)

    @staticmethod
    def _count_matching(snapshot: Snapshot, filters: dict[str, str]) -> int:
        """Requests (files: a mailbox thread counts once) whose metadata satisfy `filters`."""
        return len({path for _, path, metadata in snapshot.store.iter_metadata() if foi_matches(metadata, **filters)})

    def citation(self, hit: Hit) -> str:
        """The human-readable citation line of a search hit."""
        return citation_line(
            title=hit.title, path=hit.path, part=hit.part, metadata=hit.metadata, page=hit.page, page_end=hit.page_end,
            sheet=hit.sheet, rows=hit.rows,
        )

    def close(self) -> None:
        """Let go of the open index; a thread still reading finishes first."""
        self.snapshots.close()
