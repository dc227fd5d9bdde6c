"""A minimal client for any OpenAI-compatible `/v1/chat/completions` server.

Ollama, llama.cpp's server, vLLM, LM Studio and hosted APIs all speak it. The
standard library's urllib is enough: one POST, either answered whole or streamed
as server-sent events (`data: {...}` lines ending with `data: [DONE]`). Nothing
is sent anywhere unless the user configured `llm_base_url`.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator

from assistant.errors import AssistantError


class LlmError(AssistantError):
    """The language-model endpoint failed, timed out or answered something unreadable."""


class LlmNotConfigured(AssistantError):
    """Generative answers were asked for without an endpoint or model."""


def completions_url(base_url: str) -> str:
    """`{base}/v1/chat/completions`; a base that already ends in /v1 is not doubled."""
    if not base_url.lower().startswith(("http://", "https://")):
        raise LlmNotConfigured(f"llm_base_url must be an http:// or https:// address, not {base_url!r}")
    base = base_url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    return (base if base.endswith("/v1") else base + "/v1") + "/chat/completions"


class ChatClient:
    """Sends chat messages to one configured model.

    Args:
        base_url: The server, e.g. http://127.0.0.1:11434 (Ollama).
        model: The model name the server knows.
        api_key_env: Name of the environment variable holding the API key, if any;
            the key is read when a request is made and never stored.
        timeout: Seconds to wait for the connection and for each read.
    """

    def __init__(self, base_url: str, model: str, *, api_key_env: str | None = None, timeout: float = 60.0):
        self.url = completions_url(base_url)
        self.model = model
        self.api_key_env = api_key_env
        self.timeout = timeout

    def complete(self, messages: list[dict], *, temperature: float = 0.0) -> str:
        """The model's whole reply to `messages` (one non-streaming request)."""
        with self._post(messages, temperature=temperature, stream=False) as response:
            try:
                body = response.read()
            except (TimeoutError, socket.timeout):
                raise LlmError(f"the model endpoint {self.url} stopped answering ({self.timeout:g} s)") from None
            except (OSError, http.client.HTTPException) as exc:
                raise LlmError(f"the model endpoint {self.url} broke off its reply: {exc!r}") from None
        try:
            return json.loads(body)["choices"][0]["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LlmError(f"the model endpoint {self.url} sent an unreadable reply ({type(exc).__name__})") from None

    def stream(self, messages: list[dict], *, temperature: float = 0.0) -> Iterator[str]:
        """The model's reply to `messages` as it arrives, piece by piece (`stream: true`)."""
        with self._post(messages, temperature=temperature, stream=True) as response:
            try:
                for raw in response:
                    line = raw.decode("utf-8", "replace").strip()
                    if not line.startswith("data:"):
                        continue  # blank separators, comments, "event:" lines
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    try:
                        delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
                        raise LlmError(f"the model endpoint {self.url} sent an unreadable stream event") from None
                    if delta:
                        yield delta
            except (TimeoutError, socket.timeout):
                raise LlmError(f"the model endpoint {self.url} stopped answering ({self.timeout:g} s)") from None
            except (OSError, http.client.HTTPException) as exc:
                raise LlmError(f"the model endpoint {self.url} broke off the stream: {exc!r}") from None

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        key = os.environ.get(self.api_key_env) if self.api_key_env else None
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def _post(self, messages: list[dict], *, temperature: float, stream: bool):
        payload = {"model": self.model, "messages": messages, "temperature": temperature, "stream": stream}
        request = urllib.request.Request(
            self.url, data=json.dumps(payload).encode("utf-8"), headers=self._headers(), method="POST"
        )
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)  # noqa: S310 - the user's configured URL
        except urllib.error.HTTPError as exc:
            raise LlmError(f"the model endpoint {self.url} answered HTTP {exc.code} {exc.reason}") from None
        except (TimeoutError, socket.timeout):
            raise LlmError(f"the model endpoint {self.url} did not answer within {self.timeout:g} s") from None
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            raise LlmError(f"cannot reach the model endpoint {self.url}: {reason}") from None
