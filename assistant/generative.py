"""Generated answers whose every sentence is checked against the passages it cites.

The model is given the same passages an extractive `ask` reads, as numbered blocks
`[1]`, `[2]`, ...; its reply is split into sentences and each one is checked
(`assistant.sentence_check`). A surviving sentence is cited by the best-matching
sentence of each passage that supports it, verified against the store exactly like
an extractive quote; the rest are listed in `Answer.dropped` with the reason. When
nothing survives, or the endpoint fails, the extractive answer is returned with a note.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from assistant.answer import Answer, Citation, QuoteCheck
from assistant.evidence import quotable_region
from assistant.llm_client import ChatClient, LlmError, LlmNotConfigured
from assistant.sentence_check import CheckedSentence, PassageText, check_sentences
from assistant.settings import Settings
from index.embedder import Embedder
from index.records import StoredDocument
from assistant.verify import QuoteVerifier
from index.search import Hit, SearchFilter
from ingest.documents import ocr_in_span

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You answer questions about Freedom of Information (FOI) documents using only the numbered passages "
    "you are given. Write a short answer in plain sentences, no lists or headings. End every sentence with "
    "the marker(s) of the passage(s) it rests on, for example [1] or [2][3]. State only what those passages "
    "say; copy figures, dates, money amounts, names and references exactly as written. If the passages do "
    "not answer the question, say so in one sentence."
)
TextCallback = Callable[[str], None]  # receives the reply so far, as it streams


def client_for(settings: Settings) -> ChatClient:
    """The chat client of `settings`; raises LlmNotConfigured without an endpoint and a model."""
    missing = [name for name in ("llm_base_url", "llm_model") if not getattr(settings, name)]
    if missing:
        raise LlmNotConfigured(
            "answer_mode generative needs " + " and ".join(missing)
            + " (e.g. FOI_LLM_BASE_URL=http://127.0.0.1:11434 FOI_LLM_MODEL=llama3.2)"
        )
    return ChatClient(settings.llm_base_url, settings.llm_model, api_key_env=settings.llm_api_key_env,
                      timeout=settings.llm_timeout)


def prompt_passages(retrieved: list[tuple[Hit, StoredDocument]]) -> list[tuple[Hit, StoredDocument, PassageText]]:
    """The passages the model sees: each retrieved one clipped to the authority's own words.

    A requester's message, or the part of a passage that repeats the request, is
    no evidence of what the authority said (`assistant.evidence.quotable_region`).
    """
    chosen = []
    for hit, document in retrieved:
        region = quotable_region(document) if document is not None else None
        if region is None:
            continue
        start, end = max(hit.start, region[0]), min(hit.end, region[1])
        if end - start >= 20:
            chosen.append((hit, document, PassageText(document.text[start:end], start)))
    return chosen


def build_messages(question: str, passages: list[PassageText], titles: list[str]) -> list[dict]:
    """The chat messages: the instructions, then the passages as `[n]` blocks and the question."""
    blocks = [f"[{n}] ({title})\n{passage.text.strip()}" for n, (passage, title) in enumerate(zip(passages, titles), 1)]
    user = "Passages:\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question}\n\nAnswer, citing passages by marker:"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def generate_answer(
    question: str,
    retrieved: list[tuple[Hit, StoredDocument]],
    embedder: Embedder,
    settings: Settings,
    *,
    cite,
    verify: QuoteCheck,
    fallback: Callable[[], Answer],
    on_text: TextCallback | None = None,
    client: ChatClient | None = None,
) -> Answer:
    """A generated, checked answer to `question` from `retrieved`, or the extractive one with a note.

    Args:
        question: The question.
        retrieved: The passages extractive `ask` reads, best first.
        embedder: The index's embedder, for the meaning check.
        settings: `llm_*` settings (endpoint, model, thresholds).
        cite: Callable(hit, document, page) -> citation line.
        verify: Checks a quote against the store (`QuoteVerifier.verify`).
        fallback: Makes the extractive answer.
        on_text: Called with the reply so far while it streams (then the request streams).
        client: A chat client; default `client_for(settings)`.

    Raises:
        LlmNotConfigured: No `llm_base_url` or `llm_model`.
    """
    client = client or client_for(settings)
    chosen = prompt_passages(retrieved)
    if not chosen:
        return _fallback(fallback, "no passage to give the model", [])
    passages = [passage for _, _, passage in chosen]
    messages = build_messages(question, passages, [document.title for _, document, _ in chosen])
    try:
        reply = _reply(client, messages, on_text)
    except LlmError as exc:
        logger.warning("generative answer failed: %s", exc)
        return _fallback(fallback, f"the language model failed: {exc}", [])
    checked = check_sentences(reply, passages, embedder, support_min=settings.llm_support_min,
                              coverage_min=settings.llm_coverage_min)
    citations: list[Citation] = []
    sentences: list[str] = []
    dropped: list[dict] = []
    for verdict in checked:
        if verdict.reason is not None:
            dropped.append({"sentence": verdict.sentence, "reason": verdict.reason})
            continue
        numbers = _cite_supports(verdict, chosen, citations, cite, verify)
        if not numbers:
            dropped.append({"sentence": verdict.sentence, "reason": "its supporting quote failed verification"})
            continue
        sentences.append(verdict.text + " " + " ".join(f"[{n}]" for n in numbers))
    if not sentences:
        why = "no sentence of the generated answer passed the check" if checked else "the model's reply was empty"
        return _fallback(fallback, why, dropped)
    return Answer(question, " ".join(sentences), citations, False, [hit for hit, _ in retrieved],
                  answer_mode="generative", dropped=dropped)


def ask_generatively(assistant, snapshot, question: str, query: str, vector, foi: dict, *, on_text=None) -> Answer:
    """`Assistant.ask` in generative mode: the passages extractive `ask` reads, then `generate_answer`.

    Kept here rather than in `assistant.api` so the API module stays one small call.
    """
    where = SearchFilter.build(**{name: value for name, value in foi.items() if value})
    retrieved = assistant._retrieve(snapshot, vector, query, where)
    # Like extractive answers, the model answers the question as retrieved (a follow-up with its context).
    return generate_answer(
        query, retrieved, assistant.embedder, assistant.settings, cite=assistant._cite, on_text=on_text,
        verify=QuoteVerifier(snapshot.store).verify,
        fallback=lambda: assistant._ask(snapshot, question, query, vector, foi),
    )


def _reply(client: ChatClient, messages: list[dict], on_text: TextCallback | None) -> str:
    if on_text is None:
        return client.complete(messages)
    parts: list[str] = []
    for piece in client.stream(messages):
        parts.append(piece)
        on_text("".join(parts))
    return "".join(parts)


def _cite_supports(verdict: CheckedSentence, chosen, citations: list[Citation], cite, verify) -> list[int]:
    """Citation numbers for the sentence's supports, adding new verified citations to `citations`."""
    numbers: list[int] = []
    for support in verdict.supports:
        hit, document, _ = chosen[support.passage - 1]
        key = (document.doc_id, support.start, support.end)
        existing = next((c for c in citations if (c.doc_id, c.start, c.end) == key), None)
        if existing is None:
            quote = document.text[support.start : support.end]
            if not verify(document.doc_id, support.start, support.end, quote):
                continue
            page = document.page_at(support.start)
            existing = Citation(
                n=len(citations) + 1, doc_id=document.doc_id, path=hit.path, part=hit.part, title=document.title,
                page=page, start=support.start, end=support.end, quote=quote, citation=cite(hit, document, page),
                score=round(support.similarity, 4), metadata=document.metadata,
                ocr=ocr_in_span(document.pages, support.start, support.end),
            )
            citations.append(existing)
        if existing.n not in numbers:
            numbers.append(existing.n)
    return numbers


def _fallback(fallback: Callable[[], Answer], reason: str, dropped: list[dict]) -> Answer:
    answer = fallback()
    return dataclasses.replace(answer, answer_mode="extractive", dropped=dropped,
                               note=f"Generative answer unavailable ({reason}); showing the extractive answer.")
