"""Custody (spec §10): event hash and signature, sealed details, the chain rules of §10.4,
the envelope change rule, receipts (§10.5), and making new events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from . import primitives as P
from .encoding import SegmentSet, Variant, u32le
from .errors import RogatoryError
from .keys import KeyFile, TrustStore
from .stream import details_key
from .structures import (
    CLOCK_SKEW,
    CUSTODY_EVENT,
    ENVELOPE_DESCRIPTOR,
    EVENT_CLEAR,
    EVENT_DETAILS,
    KIND_TAG,
    STANZA,
    Seq,
    ctx,
    decode,
    envelope_of,
    segments_of,
)

LABEL_SIG_EVENT = b"rogatory/v1 sig custody-event"
LABEL_HASH_EVENT = b"rogatory/v1 custody-event"
LABEL_SIG_FIELD_KEY = b"rogatory/v1 sig field-key"
LABEL_STANZAS = b"rogatory/v1 stanzas"

_STANZAS = Seq(STANZA, 0, 256)


def custody_error(i: int, rule: str, detail: str = "", redaction: Optional[str] = None) -> RogatoryError:
    """A custody error naming the event's position and the rule identifier (§10.4)."""
    return RogatoryError(
        "custody", detail or f"event {i}: {rule}", event=i, rule=rule, redaction=redaction, stage="verify"
    )


def kind(ev: dict[str, Any]) -> str:
    return ev["clear"]["body"].name


def event_hash(event_bytes: bytes) -> bytes:
    """``SHA-256(label "rogatory/v1 custody-event" || encode(e))`` (§10.2)."""
    return P.sha256(LABEL_HASH_EVENT, event_bytes)


def event_message(ev: dict[str, Any]) -> bytes:
    """The signed message of an event: label, ``encode(clear)``, ``SHA-256(details)`` (§10.2)."""
    return LABEL_SIG_EVENT + EVENT_CLEAR.encode(ev["clear"]) + P.sha256(ev["details"])


def stanzas_digest(stanzas: Sequence[Any]) -> bytes:
    """``SHA-256(label "rogatory/v1 stanzas" || encode(seq of stanzas))`` (§8.5)."""
    return P.sha256(LABEL_STANZAS, _STANZAS.encode(list(stanzas)))


def desc_bytes(d: dict[str, Any]) -> bytes:
    return ENVELOPE_DESCRIPTOR.encode(d)


def key_proof_message(package_id: bytes, f: int, sequence: int, prev: bytes, desc: dict[str, Any]) -> bytes:
    """``label "rogatory/v1 sig field-key" || ctx || u32le(f) || u64le(seq) || prev ||
    encode(D)`` (§10.4 rule 14c, §12.1)."""
    return LABEL_SIG_FIELD_KEY + ctx(package_id) + u32le(f) + sequence.to_bytes(8, "little") + prev + desc_bytes(desc)


# --- Envelope change rule (§10.4, §12.5 rule 2) ------------------------------------------------


def envelope_change(
    before: dict[str, Any], after: dict[str, Any], removed: Sequence[dict[str, Any]]
) -> Optional[tuple[str, str, int]]:
    """Apply the envelope change rule; ``None`` or ``(class of §12.9, rule id, field)``."""
    bf, af = before["fields"], after["fields"]
    if len(af) != len(bf):
        return ("field_count_changed", "envelope_change", -1)
    by_field = {r["field"]: r for r in removed}
    for r in removed:
        if r["field"] >= len(af):
            return ("removal_of_unchanged_field", "removal_list", r["field"])
    for j in range(len(af)):
        if desc_bytes(af[j]) == desc_bytes(bf[j]):
            if j in by_field:
                return ("removal_of_unchanged_field", "removal_list", j)
            continue
        rem = by_field.get(j)
        if rem is None:
            return ("change_without_redaction", "envelope_change", j)
        if bf[j]["body"].name != "Present":
            return ("removed_field_comes_back", "envelope_change", j)
        sb, sa = segments_of(bf[j]), segments_of(af[j])
        if not sa.is_subset(sb):
            return ("segments_come_back", "envelope_change", j)
        if sb.minus(sa) != rem["segments"]:
            return ("removal_list_mismatch", "removal_list", j)
    return None


def removals_of(ev: dict[str, Any]) -> list[dict[str, Any]]:
    b: Variant = ev["clear"]["body"]
    return b.value["removed"] if b.name == "Redacted" else []


def sealed_envelope_ok(ev: dict[str, Any], counts: Sequence[int]) -> bool:
    """§10.4 rule 14 for ``e_0`` / §12.5 rule 1: every field present with ``[0, n_f)``."""
    env = envelope_of(ev)
    if env is None or len(env["fields"]) != len(counts):
        return False
    for d, n in zip(env["fields"], counts):
        if d["body"].name != "Present" or d["body"].value["segments"] != SegmentSet.full(n):
            return False
    return True


def key_proofs_error(
    events: Sequence[dict[str, Any]], package_id: bytes, only: Optional[int] = None
) -> Optional[int]:
    """§10.4 rule 14c / §12.5 rule 5: the first event whose key proof fails, else ``None``."""
    prev_env: Optional[dict[str, Any]] = None
    for i, ev in enumerate(events):
        env = envelope_of(ev)
        if env is None:
            continue
        if kind(ev) == "Redacted" and prev_env is not None and (only is None or only == i):
            for r in removals_of(ev):
                f = r["field"]
                if f >= len(env["fields"]) or env["fields"][f]["body"].name != "Present":
                    continue
                if f >= len(prev_env["fields"]) or prev_env["fields"][f]["body"].name != "Present":
                    return i
                c = prev_env["fields"][f]["body"].value["key_commitment"]
                msg = key_proof_message(package_id, f, ev["clear"]["sequence"], ev["clear"]["prev"], env["fields"][f])
                if r["key_proof"] is None or not P.ed25519_verify_strict(c, msg, r["key_proof"]):
                    return i
        prev_env = env
    return None


# --- Chain rules (§10.4) ---------------------------------------------------------------------


def judged_time(events: Sequence[dict[str, Any]], i: int) -> int:
    """Rule 11b: the time of the first later ``received`` event whose actor is another, else
    the event's own ``time`` (§3.7, §10.4)."""
    actor = events[i]["clear"]["actor"]
    for ev in events[i + 1 :]:
        if kind(ev) == "Received" and ev["clear"]["actor"] != actor:
            return int(ev["clear"]["time"])
    return int(events[i]["clear"]["time"])



def check_chain(
    events: Sequence[dict[str, Any]],
    raw_events: Sequence[bytes],
    package_id: bytes,
    digest: bytes,
    signer: bytes,
    trust: TrustStore,
    counts: Sequence[int],
) -> None:
    """Rules 1 to 14c of §10.4, in order; raises the first failure as a custody error."""
    if not events:
        raise custody_error(0, "no_events")
    if kind(events[0]) != "Sealed":
        raise custody_error(0, "first_not_sealed")
    if events[0]["clear"]["actor"] != signer:
        raise custody_error(0, "sealed_by_other")
    pending: Optional[bytes] = None
    salts: set[bytes] = set()
    max_time = -1
    since_receipt = 0  # index of the first event since the previous `received` (or e_0)
    prev_env: Optional[dict[str, Any]] = None
    for i, ev in enumerate(events):
        c = ev["clear"]
        k = kind(ev)
        if c["sequence"] != i:
            raise custody_error(i, "sequence")
        if i > 0 and k == "Sealed":
            raise custody_error(i, "sealed_not_first")
        if c["package_digest"] != digest:
            raise custody_error(i, "other_package")
        if i > 0:
            if c["prev"] == events[i - 1]["clear"]["prev"]:
                raise custody_error(i, "fork")
            if c["prev"] != event_hash(raw_events[i - 1]):
                raise custody_error(i, "prev_link")
            if c["time"] + CLOCK_SKEW < max_time:
                raise custody_error(i, "time_back")
        entry = trust.get(c["actor"])
        if entry is None:
            raise custody_error(i, "unknown_actor")
        if not P.ed25519_verify_strict(entry.card.signing_key, event_message(ev), ev["signature"]):
            raise custody_error(i, "bad_signature")
        if not entry.card.valid_at(c["time"]):
            raise custody_error(i, "card_not_valid")
        if entry.compromised is not None and judged_time(events, i) >= entry.compromised:
            raise custody_error(i, "revoked")
        if c["details_salt"] in salts:
            raise custody_error(i, "salt_reused")
        salts.add(c["details_salt"])
        body: Variant = c["body"]
        if k in ("Sent", "Forwarded"):
            pending = body.value["receiver"]
        elif k == "Received":
            if pending != c["actor"]:
                raise custody_error(i, "received_without_sent")
            pending = None
            for j in range(since_receipt, i):
                a = events[j]["clear"]["actor"]
                if a == c["actor"]:
                    continue
                ej = trust.get(a)
                if ej is None or ej.card.not_after + CLOCK_SKEW < c["time"]:
                    raise custody_error(j, "expired_before_receipt")
            since_receipt = i + 1
        env = envelope_of(ev)
        if env is not None:
            if i == 0:
                if not sealed_envelope_ok(ev, counts):
                    raise custody_error(0, "sealed_envelope", redaction="leaf_missing")
            else:
                assert prev_env is not None
                bad = envelope_change(prev_env, env, removals_of(ev))
                if bad is not None:
                    raise custody_error(i, bad[1], f"event {i}: {bad[0]}", redaction=bad[0])
            want = {"Redacted": 1, "Forwarded": 2}.get(k)
            if want is not None and len(env["recipients"]) != want:
                raise custody_error(i, "stanza_count", redaction="stanza_count")
            if k == "Redacted" and key_proofs_error(events[: i + 1], package_id, only=i) is not None:
                raise custody_error(i, "key_proof", redaction="cut_without_key")
            prev_env = env
        max_time = max(max_time, c["time"])


def last_envelope_event(events: Sequence[dict[str, Any]]) -> tuple[int, Optional[dict[str, Any]]]:
    for i in range(len(events) - 1, -1, -1):
        env = envelope_of(events[i])
        if env is not None:
            return i, env
    return -1, None


# --- Sealed details (§10.3) --------------------------------------------------------------------


def open_details(ev: dict[str, Any], package_id: bytes, metadata_key: bytes) -> dict[str, Any]:
    """Open and decode an event's sealed details; raises ``AeadError`` or ``DecodeError``."""
    c = ev["clear"]
    key = details_key(package_id, metadata_key, c["details_salt"], KIND_TAG[kind(ev)], c["sequence"], c["actor"])
    pt = P.aead_once_open(key, EVENT_CLEAR.encode(c), ev["details"])
    return decode("event details", pt)


def make_event(
    clear: dict[str, Any],
    details: dict[str, Any],
    package_id: bytes,
    metadata_key: bytes,
    key: KeyFile,
) -> bytes:
    """Seal the details (§10.3), sign (§10.2) and encode a custody event."""
    dkey = details_key(
        package_id, metadata_key, clear["details_salt"], KIND_TAG[clear["body"].name], clear["sequence"], clear["actor"]
    )
    ct = P.aead_once_seal(dkey, EVENT_CLEAR.encode(clear), EVENT_DETAILS.encode(details))
    ev = {"clear": clear, "details": ct, "signature": b""}
    ev["signature"] = key.sign(event_message(ev))
    raw = CUSTODY_EVENT.encode(ev)
    decode("custody event", raw)  # its own rules (§10.1), as a reader applies them
    return raw


# --- Receipts (§10.5) ---------------------------------------------------------------------------


@dataclass
class ReceiptReport:
    receiver: str
    receiver_key_id: bytes
    sequence: int
    time: int
    ledger_head: bytes


def check_receipt(
    copy_bytes: bytes,
    copy_events: Sequence[dict[str, Any]],
    copy_raw_events: Sequence[bytes],
    digest: bytes,
    receipt_bytes: bytes,
    trust: TrustStore,
) -> ReceiptReport:
    """§10.5 "Checking a receipt", after the caller verified the copy (§14).

    Raises ``RogatoryError("custody", rule="receipt")`` on any failure.
    """

    def bad(why: str) -> RogatoryError:
        return RogatoryError("custody", f"receipt: {why}", rule="receipt")

    try:
        r = decode("custody event", receipt_bytes)
    except Exception as e:  # noqa: BLE001 - any decoding failure is a bad receipt
        raise bad(f"does not decode ({e})") from None
    rc = r["clear"]
    if kind(r) != "Received":
        raise bad("not a received event")
    last = copy_events[-1]
    lk = kind(last)
    if lk not in ("Sent", "Forwarded") or last["clear"]["body"].value["receiver"] != rc["actor"]:
        raise bad("the copy's last event is not a send to the receipt's actor")
    if rc["sequence"] != last["clear"]["sequence"] + 1 or rc["prev"] != event_hash(copy_raw_events[-1]):
        raise bad("not bound to the copy's last event")
    if rc["package_digest"] != digest:
        raise bad("other package")
    entry = trust.get(rc["actor"])
    if entry is None:
        raise bad("receiver not in the trust store")
    if not P.ed25519_verify_strict(entry.card.signing_key, event_message(r), r["signature"]):
        raise bad("signature")
    if not entry.card.valid_at(rc["time"]):
        raise bad("receiver card not valid at the receipt's time")
    if rc["time"] + CLOCK_SKEW < last["clear"]["time"]:
        raise bad("receipt older than the send")
    if rc["body"].value["bytes_digest"] != P.blake3(copy_bytes):
        raise bad("bytes digest differs from BLAKE3 of this copy")
    return ReceiptReport(entry.party, rc["actor"], rc["sequence"], rc["time"], rc["body"].value["ledger_head"])
