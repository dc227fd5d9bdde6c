"""FOI-aware fields: references, authority, dates, law, exemptions, outcome, role, evidence."""

from ingest.foi.extract import FoiFields, extract_foi
from ingest.foi.thread import thread_outcome

__all__ = ["FoiFields", "extract_foi", "thread_outcome"]
