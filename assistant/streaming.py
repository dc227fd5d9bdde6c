"""`Assistant.ask` as a stream: the generated text as it arrives, then the checked answer.

The UI shows a generative answer while the model writes it. The model's reply
arrives through `ask`'s `on_text` callback on the asking thread, so the question is
asked on a worker thread and the pieces are handed over through a queue.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from assistant.answer import Answer

_DONE = object()


def ask_streaming(assistant, question: str, *, previous: str | None = None) -> Iterator[str | Answer]:
    """Yield the model's reply so far (str) while it streams, then the final `Answer`.

    In extractive mode only the `Answer` is yielded. An exception raised by `ask`
    is raised here, in the caller's thread.
    """
    if assistant.settings.answer_mode != "generative":
        yield assistant.ask(question, previous=previous)
        return
    pieces: queue.Queue = queue.Queue()
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["answer"] = assistant.ask(question, previous=previous, on_text=pieces.put)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc
        finally:
            pieces.put(_DONE)

    threading.Thread(target=run, name="foi-generate", daemon=True).start()
    while (piece := pieces.get()) is not _DONE:
        yield piece
    if "error" in outcome:
        raise outcome["error"]
    yield outcome["answer"]
