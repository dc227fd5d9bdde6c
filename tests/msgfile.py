"""Build real Outlook .msg files at test time (no committed binaries).

A .msg is a Compound File Binary (MS-CFB) holding MAPI properties laid out as
MS-OXMSG describes. No installable library writes one, so this helper writes
the compound file itself — version 3, 512-byte sectors, small streams in the
mini stream — and the message's property streams, recipients and
attachments (by value, or an embedded .msg). extract-msg reads the result as
it reads a file saved by Outlook.
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass, field

_SECTOR = 512
_MINI_SECTOR = 64
_MINI_CUTOFF = 4096
_FREE, _END, _FATSECT, _NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_STORAGE, _STREAM, _ROOT = 1, 2, 5

PT_LONG, PT_SYSTIME, PT_UNICODE, PT_BINARY, PT_OBJECT = 0x0003, 0x0040, 0x001F, 0x0102, 0x000D


# --- the compound file -----------------------------------------------------------------

@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list["_Entry"] = field(default_factory=list)
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    start: int = _END
    size: int = 0


def _tree(name: str, content: dict, kind: int = _STORAGE) -> _Entry:
    entry = _Entry(name, kind)
    for child_name, value in content.items():
        if isinstance(value, dict):
            entry.children.append(_tree(child_name, value))
        else:
            entry.children.append(_Entry(child_name, _STREAM, bytes(value)))
    return entry


def _flatten(root: _Entry) -> list[_Entry]:
    entries = [root]

    def place(storage: _Entry) -> None:
        # Siblings form a binary search tree ordered by (name length, upper-case name).
        ordered = sorted(storage.children, key=lambda e: (len(e.name), e.name.upper()))
        first = len(entries)
        entries.extend(ordered)

        def balanced(lo: int, hi: int) -> int:
            if lo >= hi:
                return _NOSTREAM
            mid = (lo + hi) // 2
            node = entries[first + mid]
            node.left, node.right = balanced(lo, mid), balanced(mid + 1, hi)
            return first + mid

        storage.child = balanced(0, len(ordered))
        for child in ordered:
            if child.kind == _STORAGE:
                place(child)

    place(root)
    return entries


def _directory_entry(entry: _Entry) -> bytes:
    name = entry.name.encode("utf-16-le") + b"\x00\x00"
    if len(name) > 64:
        raise ValueError(f"name too long for a compound file: {entry.name}")
    return (
        name.ljust(64, b"\x00")
        + struct.pack("<HBB3I", len(name), entry.kind, 1, entry.left, entry.right, entry.child)
        + b"\x00" * 16  # CLSID
        + struct.pack("<I", 0)  # state bits
        + b"\x00" * 16  # creation and modification times
        + struct.pack("<IQ", entry.start, entry.size)
    )


def _unused_entry() -> bytes:
    return b"\x00" * 66 + struct.pack("<BB3I", 0, 0, _NOSTREAM, _NOSTREAM, _NOSTREAM) + b"\x00" * 48


def _pad(data: bytes, unit: int) -> bytes:
    return data + b"\x00" * (-len(data) % unit)


def compound_file(content: dict) -> bytes:
    """A CFB v3 file from nested dicts: a dict is a storage, bytes a stream.

    Example:
        >>> compound_file({"stream": b"data", "storage": {"inner": b"x"}})[:4]
        b'\\xd0\\xcf\\x11\\xe0'
    """
    root = _tree("Root Entry", content, _ROOT)
    entries = _flatten(root)
    mini, mini_fat, big = b"", [], []
    for entry in entries:
        if entry.kind != _STREAM:
            continue
        entry.size = len(entry.data)
        if not entry.data:
            continue
        if entry.size < _MINI_CUTOFF:
            entry.start = len(mini) // _MINI_SECTOR
            count = -(-entry.size // _MINI_SECTOR)
            mini_fat.extend(range(entry.start + 1, entry.start + count))
            mini_fat.append(_END)
            mini += _pad(entry.data, _MINI_SECTOR)
        else:
            big.append(entry)
    directory = b"".join(_directory_entry(e) for e in entries)  # sizes only; rewritten below
    dir_sectors = -(-len(directory) // _SECTOR)
    mini_fat += [_FREE] * (-len(mini_fat) % (_SECTOR // 4))
    mini_fat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    chains = [dir_sectors, len(mini_fat_bytes) // _SECTOR, -(-len(mini) // _SECTOR)]
    chains += [-(-e.size // _SECTOR) for e in big]
    fat_sectors = 1
    while fat_sectors * (_SECTOR // 4) < fat_sectors + sum(chains):
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("too large for this writer (needs DIFAT sectors)")

    fat = [_FATSECT] * fat_sectors
    starts = []
    for length in chains:
        starts.append(len(fat) if length else _END)
        fat.extend(range(len(fat) + 1, len(fat) + length))
        if length:
            fat.append(_END)
    fat += [_FREE] * (fat_sectors * (_SECTOR // 4) - len(fat))
    dir_start, mini_fat_start, mini_start = starts[:3]
    for entry, start in zip(big, starts[3:]):
        entry.start = start
    root.start, root.size = (mini_start, len(mini)) if mini else (_END, 0)

    directory = b"".join(_directory_entry(e) for e in entries)
    directory += b"".join(_unused_entry() for _ in range((-len(directory) % _SECTOR) // 128))
    difat = list(range(fat_sectors)) + [_FREE] * (109 - fat_sectors)
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start, 0, _MINI_CUTOFF,
                      mini_fat_start, len(mini_fat_bytes) // _SECTOR, _END, 0)
        + struct.pack("<109I", *difat)
    )
    body = struct.pack(f"<{len(fat)}I", *fat) + directory + mini_fat_bytes + _pad(mini, _SECTOR)
    body += b"".join(_pad(e.data, _SECTOR) for e in big)
    return header + body


# --- the message -----------------------------------------------------------------------

@dataclass
class Attachment:
    """A file attached by value, or (`message` set) an attached .msg."""

    name: str
    data: bytes = b""
    message: "MsgSpec | None" = None


@dataclass
class MsgSpec:
    """What a test message holds; `to`/`cc` are (name, address) pairs."""

    subject: str
    sender: tuple[str, str]
    body: str | None = None
    html: str | None = None
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    sent: dt.datetime | None = None
    attachments: list[Attachment] = field(default_factory=list)


def _filetime(moment: dt.datetime) -> int:
    epoch = dt.datetime(1601, 1, 1, tzinfo=dt.timezone.utc)
    return int((moment - epoch).total_seconds() * 10_000_000)


class _Properties:
    """One property stream plus the __substg1.0_ streams of its variable-length values."""

    def __init__(self) -> None:
        self.entries: list[bytes] = []
        self.streams: dict[str, bytes] = {}

    def text(self, prop: int, value: str) -> None:
        data = value.encode("utf-16-le")
        self.streams[f"__substg1.0_{prop:04X}{PT_UNICODE:04X}"] = data
        self.entries.append(struct.pack("<IIII", (prop << 16) | PT_UNICODE, 6, len(data) + 2, 0))

    def binary(self, prop: int, value: bytes) -> None:
        self.streams[f"__substg1.0_{prop:04X}{PT_BINARY:04X}"] = value
        self.entries.append(struct.pack("<IIII", (prop << 16) | PT_BINARY, 6, len(value), 0))

    def long(self, prop: int, value: int) -> None:
        self.entries.append(struct.pack("<IIiI", (prop << 16) | PT_LONG, 6, value, 0))

    def time(self, prop: int, value: dt.datetime) -> None:
        self.entries.append(struct.pack("<IIQ", (prop << 16) | PT_SYSTIME, 6, _filetime(value)))

    def storage(self, header: bytes) -> dict:
        return {"__properties_version1.0": header + b"".join(self.entries), **self.streams}


def _message_storage(spec: MsgSpec, top_level: bool) -> dict:
    props = _Properties()
    props.text(0x001A, "IPM.Note")
    props.text(0x0037, spec.subject)
    props.text(0x0C1A, spec.sender[0])
    props.text(0x0C1F, spec.sender[1])
    props.text(0x0C1E, "SMTP")
    props.text(0x0042, spec.sender[0])
    props.text(0x0065, spec.sender[1])
    props.text(0x0064, "SMTP")
    props.text(0x0E04, "; ".join(name for name, _ in spec.to))
    props.text(0x0E03, "; ".join(name for name, _ in spec.cc))
    if spec.body is not None:
        props.text(0x1000, spec.body)
    if spec.html is not None:
        props.binary(0x1013, spec.html.encode("utf-8"))
        props.long(0x3FDE, 65001)  # PR_INTERNET_CPID: the HTML body is UTF-8
    if spec.sent is not None:
        props.time(0x0039, spec.sent)  # PR_CLIENT_SUBMIT_TIME
        props.time(0x0E06, spec.sent)  # PR_MESSAGE_DELIVERY_TIME
    recipients = [(1, r) for r in spec.to] + [(2, r) for r in spec.cc]
    counts = struct.pack("<IIII", len(recipients), len(spec.attachments), len(recipients), len(spec.attachments))
    storage = props.storage(b"\x00" * 8 + counts + (b"\x00" * 8 if top_level else b""))
    for number, (kind, (name, address)) in enumerate(recipients):
        recipient = _Properties()
        recipient.long(0x0C15, kind)  # PR_RECIPIENT_TYPE: 1 To, 2 Cc
        recipient.text(0x3001, name)
        recipient.text(0x3003, address)
        recipient.text(0x39FE, address)
        recipient.text(0x3002, "SMTP")
        storage[f"__recip_version1.0_#{number:08X}"] = recipient.storage(b"\x00" * 8)
    for number, attachment in enumerate(spec.attachments):
        props_a = _Properties()
        props_a.text(0x3707, attachment.name)
        props_a.text(0x3704, attachment.name[:12])
        props_a.text(0x3001, attachment.name)
        if attachment.message is None:
            props_a.long(0x3705, 1)  # ATTACH_BY_VALUE
            props_a.binary(0x3701, attachment.data)
            folder = props_a.storage(b"\x00" * 8)
        else:
            props_a.long(0x3705, 5)  # ATTACH_EMBEDDED_MSG
            props_a.entries.append(struct.pack("<IIII", (0x3701 << 16) | PT_OBJECT, 6, 0xFFFFFFFF, 0))
            folder = props_a.storage(b"\x00" * 8)
            folder[f"__substg1.0_3701{PT_OBJECT:04X}"] = _message_storage(attachment.message, top_level=False)
        storage[f"__attach_version1.0_#{number:08X}"] = folder
    if top_level:
        storage["__nameid_version1.0"] = {
            "__substg1.0_00020102": b"",
            "__substg1.0_00030102": b"",
            "__substg1.0_00040102": b"",
        }
    return storage


def build_msg(spec: MsgSpec) -> bytes:
    """The bytes of an Outlook .msg file holding `spec`."""
    return compound_file(_message_storage(spec, top_level=True))
