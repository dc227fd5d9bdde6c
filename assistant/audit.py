"""An append-only audit log of changes made through the UI: who, what, when.

One JSON line per action in `audit.jsonl` in the index directory, appended with
O_APPEND (a line is never rewritten or removed by the program).
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

AUDIT_NAME = "audit.jsonl"


class AuditLog:
    """Append and read the audit log of one index directory."""

    def __init__(self, index_dir: str | Path):
        self.path = Path(index_dir) / AUDIT_NAME
        self._lock = threading.Lock()

    def record(self, user: str | None, action: str, targets: list[str], **details) -> dict:
        """Append one entry: {"time", "user", "action", "targets", ...details}; returns it."""
        entry = {
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "user": user or "(no sign-in)",
            "action": action,
            "targets": [str(t) for t in targets],
            **details,
        }
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        return entry

    def entries(self, last: int | None = None) -> list[dict]:
        """The logged entries, oldest first (the `last` N if given); unreadable lines are skipped."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        found = []
        for line in lines[-last:] if last else lines:
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
        return found
