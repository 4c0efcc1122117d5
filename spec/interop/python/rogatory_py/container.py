"""The container (spec §9): reading a package file (§9.3, §14.1 checks 1 to 8), the
footer check value, writing, and appending custody records with a journal (§9.4).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from . import primitives as P
from .encoding import u32le
from .errors import DecodeError, RogatoryError
from .structures import (
    EVENT_MAX,
    EVENTS_MAX,
    FOOTER_MAGIC,
    TRAILER_MAX,
    decode,
    encode,
    leaf_counts,
)

LABEL_FOOTER = b"rogatory/v1 footer"
JOURNAL_MAGIC = b"RGTRYJNL"
MIN_FILE = 96  # prelude and footer


@dataclass
class Package:
    """A package file read by §9.3: every offset checked, every structure decoded."""

    data: bytes
    prelude: dict[str, Any]
    footer: dict[str, Any]
    trailer: dict[str, Any]
    events: list[dict[str, Any]]
    event_bytes: list[bytes]
    bodies: list[Optional[bytes]]  # per field: its ciphertext, None when Removed

    @property
    def package_id(self) -> bytes:
        return self.prelude["package_id"]

    @property
    def prelude_bytes(self) -> bytes:
        return self.data[:28]

    def leaf_counts(self) -> list[int]:
        return leaf_counts(self.trailer)

    def leaves(self, f: int) -> list[bytes]:
        raw = self.trailer["leaves"]["fields"][f]["leaves"]
        return [raw[i : i + 32] for i in range(0, len(raw), 32)]

    def all_leaves(self) -> list[bytes]:
        out: list[bytes] = []
        for f in range(len(self.trailer["leaves"]["fields"])):
            out += self.leaves(f)
        return out


def footer_check(first28: bytes) -> bytes:
    """``SHA-256(label "rogatory/v1 footer" || footer bytes 0..28)`` (§9.3)."""
    return P.sha256(LABEL_FOOTER, first28)


def make_footer(trailer_offset: int, trailer_len: int, records_len: int, record_count: int) -> bytes:
    head = (
        trailer_offset.to_bytes(8, "little")
        + trailer_len.to_bytes(8, "little")
        + records_len.to_bytes(8, "little")
        + u32le(record_count)
    )
    return head + footer_check(head) + FOOTER_MAGIC


def journal_path(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


def read_package(data: bytes, path: Optional[Path] = None) -> Package:
    """Read a package by the checks 1 to 8 of §14.1 (in that order), with §9.3's rules.

    Failures: ``interrupted_append`` (1), ``tampered`` for layout and the footer's check
    value (2, 4, 5, 7, 8), ``malformed`` for a structure that does not decode (3, 4, 6, 8).
    """
    if path is not None and journal_path(path).exists():
        raise RogatoryError("interrupted_append", f"{path}: a journal exists", stage="read")
    n = len(data)
    if n < MIN_FILE:
        raise RogatoryError("tampered", "layout: shorter than 96 bytes", stage="read")
    try:
        prelude = decode("prelude", data[:28])
    except DecodeError as e:
        raise RogatoryError("malformed", f"prelude: {e.cls}", stage="read") from None
    try:
        footer = decode("footer", data[n - 68 :])
    except DecodeError as e:
        raise RogatoryError("malformed", f"footer: {e.cls}", stage="read") from None
    if footer["check"] != footer_check(data[n - 68 : n - 40]):
        raise RogatoryError("tampered", "footer: check value", stage="read")
    to, tl, rl = footer["trailer_offset"], footer["trailer_len"], footer["records_len"]
    if to + tl + rl + 68 != n or to < 28:
        raise RogatoryError("tampered", "layout: footer offsets", stage="read")
    if tl > TRAILER_MAX:
        raise RogatoryError("malformed", "trailer: over_limit", stage="read")
    try:
        trailer = decode("trailer", data[to : to + tl])
    except DecodeError as e:
        raise RogatoryError("malformed", f"trailer: {e.cls} ({e.where})", stage="read") from None
    bodies: list[Optional[bytes]] = []
    pos = 28
    for d in trailer["fields"]:
        if d["body"].name == "Present":
            ln = d["body"].value["ciphertext_len"]
            bodies.append(data[pos : pos + ln] if pos + ln <= to else None)
            pos += ln
        else:
            bodies.append(None)
    if pos != to:
        raise RogatoryError("tampered", "layout: field bodies do not end at the trailer", stage="read")
    events: list[dict[str, Any]] = []
    raw_events: list[bytes] = []
    rpos, rend = to + tl, n - 68
    for i in range(footer["record_count"]):
        if rpos + 4 > rend:
            raise RogatoryError("tampered", f"layout: custody record {i}", stage="read")
        ln = int.from_bytes(data[rpos : rpos + 4], "little")
        if ln > EVENT_MAX or rpos + 4 + ln > rend:
            raise RogatoryError("tampered", f"custody record {i}: length", stage="read")
        raw = data[rpos + 4 : rpos + 4 + ln]
        try:
            events.append(decode("custody event", raw))
        except DecodeError as e:
            raise RogatoryError("malformed", f"custody record {i}: {e.cls}", stage="read") from None
        raw_events.append(raw)
        rpos += 4 + ln
    if rpos != rend:
        raise RogatoryError("tampered", "layout: records do not fill their area", stage="read")
    return Package(data, prelude, footer, trailer, events, raw_events, bodies)


def load_package(path: str | os.PathLike[str]) -> Package:
    p = Path(path)
    return read_package(p.read_bytes(), p)


def build_package(
    prelude: bytes, bodies: list[bytes], trailer: dict[str, Any], events: list[bytes]
) -> bytes:
    """Write a package front to back (§9.1): prelude, bodies, trailer, records, footer."""
    tbytes = encode("trailer", trailer)
    body = b"".join(bodies)
    records = b"".join(u32le(len(e)) + e for e in events)
    to = 28 + len(body)
    return prelude + body + tbytes + records + make_footer(to, len(tbytes), len(records), len(events))


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def append_event(path: Path, event_bytes: bytes) -> None:
    """Append one custody record in place with a journal (§9.4 "Appending", steps 1-6).

    The caller has checked the extended chain (§10.5); this checks the layout.
    """
    jp = journal_path(path)
    if jp.exists():
        raise RogatoryError("interrupted_append", f"{path}: a journal exists")
    data = path.read_bytes()
    pkg = read_package(data, path)
    if len(pkg.events) >= EVENTS_MAX:
        raise RogatoryError("custody", "the package already holds EVENTS_MAX records")
    f = pkg.footer
    record = u32le(len(event_bytes)) + event_bytes
    new_footer = make_footer(
        f["trailer_offset"], f["trailer_len"], f["records_len"] + len(record), f["record_count"] + 1
    )
    tail = record + new_footer
    offset = len(data) - 68
    head = JOURNAL_MAGIC + offset.to_bytes(8, "little") + len(tail).to_bytes(8, "little") + tail
    journal = head + P.sha256(head)
    fd = os.open(jp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, journal)
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_dir(path.parent)
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(tail)
        fh.truncate(offset + len(tail))
        fh.flush()
        os.fsync(fh.fileno())
    os.unlink(jp)
    _fsync_dir(path.parent)


def recover_journal(path: Path) -> str:
    """Recover an interrupted append (§9.4 "Recovery"); returns what was done."""
    jp = journal_path(path)
    if not jp.exists():
        return "none"
    j = jp.read_bytes()
    size = path.stat().st_size
    valid = False
    if len(j) >= 56 and P.sha256(j[:-32]) == j[-32:] and j[:8] == JOURNAL_MAGIC:
        offset = int.from_bytes(j[8:16], "little")
        t = int.from_bytes(j[16:24], "little")
        valid = t == len(j) - 56 and offset + 68 <= size <= offset + t
    if valid:
        with open(path, "r+b") as fh:
            fh.seek(offset)
            fh.write(j[24:-32])
            fh.truncate(offset + t)
            os.fsync(fh.fileno())
    os.unlink(jp)
    _fsync_dir(path.parent)
    return "rolled forward" if valid else "rolled back"
