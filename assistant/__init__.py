"""FOI Assistant: cited answers over Freedom of Information documents."""

from assistant.answer import Answer, Citation
from assistant.api import Assistant, IndexStats, SearchResult
from assistant.settings import Settings, load_settings

__all__ = ["Answer", "Assistant", "Citation", "IndexStats", "SearchResult", "Settings", "load_settings"]
