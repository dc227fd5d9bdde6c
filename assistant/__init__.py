"""FOI Assistant: cited answers over Freedom of Information documents."""

from importlib import import_module

__all__ = ["Answer", "Assistant", "Citation", "IndexStats", "SearchResult", "Settings", "load_settings"]

# Imported on first use, so a command that needs none of them (`foi cases`) skips the search stack.
_HOMES = {"Answer": "assistant.answer", "Citation": "assistant.answer", "Assistant": "assistant.api",
          "IndexStats": "assistant.api", "SearchResult": "assistant.api", "Settings": "assistant.settings",
          "load_settings": "assistant.settings"}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
