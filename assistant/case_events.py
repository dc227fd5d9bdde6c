"""A case's timeline; the logic lives in `ingest.foi.case_events` (ingest and the index build cases too)."""

from ingest.foi.case_events import *  # noqa: F401,F403
from ingest.foi.case_events import CaseRecord, Event, record_events, timeline  # noqa: F401
