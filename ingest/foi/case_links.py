"""Which documents form one case: links by mailbox thread and by shared reference.

Pure logic over `CaseRecord`s (the stored FOI fields), so ingest and the index
can group documents into cases at write time and `assistant.cases` can
compute each case's status at query time.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date

from ingest.foi.case_events import CaseRecord

_MESSAGE = re.compile(r"^message \d+$")


def _part_key(part: str | None) -> tuple:
    return tuple((0, int(n), "") if n.isdigit() else (1, 0, n) for n in re.findall(r"\d+|\D+", part or ""))


def group_records(records: list[CaseRecord]) -> dict[str, list[CaseRecord]]:
    """Case id -> its documents in reading order.

    Mailbox messages group by file (attachments are left out of the timeline:
    their message speaks for them). A standalone document joins the one
    mailbox that shares a reference with it, else the standalone documents it
    shares a reference with.
    """
    mailboxes: dict[str, list[CaseRecord]] = {}
    standalone: list[CaseRecord] = []
    for record in records:
        if record.part and _MESSAGE.match(record.part):
            mailboxes.setdefault(record.path, []).append(record)
        elif not record.part:
            standalone.append(record)
    mailbox_of_ref: dict[str, set[str]] = {}
    for path, messages in mailboxes.items():
        for message in messages:
            for ref in message.foi.get("references") or []:
                mailbox_of_ref.setdefault(ref, set()).add(path)
    groups: dict[str, list[CaseRecord]] = {f"mbox:{path}": msgs for path, msgs in mailboxes.items()}
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    loose: dict[str, CaseRecord] = {}
    for record in standalone:
        refs = record.foi.get("references") or []
        homes = sorted({path for ref in refs for path in mailbox_of_ref.get(ref, ()) if len(mailbox_of_ref[ref]) == 1})
        if homes:
            groups[f"mbox:{homes[0]}"].append(record)
            continue
        key = f"doc:{record.doc_id}"
        loose[key] = record
        for ref in refs:
            parent[find(key)] = find(f"ref:{ref}")
    clusters: dict[str, list[CaseRecord]] = {}
    for key, record in loose.items():
        clusters.setdefault(find(key), []).append(record)
    for root, members in clusters.items():
        refs = sorted({ref for m in members for ref in m.foi.get("references") or []})
        groups[f"ref:{refs[0]}" if refs else root] = members
    return {
        "case-" + hashlib.sha1(key.encode()).hexdigest()[:10]: sorted(
            members, key=lambda r: (bool(r.part is None), r.own_date or date.max, _part_key(r.part)))
        for key, members in groups.items()
    }


def case_fields(metadata: dict) -> dict:
    """The part of a document's metadata a case reads: subject, authority and the FOI fields, with
    only the evidence spans a case shows (its role's and the stated received date's first span)."""
    foi = metadata.get("foi") if isinstance(metadata.get("foi"), dict) else {}
    evidence = foi.get("evidence") or {}
    kept = {key: value for key, value in foi.items() if key != "evidence"}
    kept["evidence"] = {key: evidence[key][:1] for key in ("role", "dates.received") if evidence.get(key)}
    return {"subject": metadata.get("subject"), "authority": metadata.get("authority"), "foi": kept}


def case_record(doc_id: str, path: str, part: str | None, fields: dict) -> CaseRecord:
    """A CaseRecord from `case_fields` output."""
    return CaseRecord(doc_id, path, part, str(fields.get("subject") or ""), fields)
