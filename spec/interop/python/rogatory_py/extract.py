"""Extracts for a court (spec §12.7): decoding and standalone verification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import primitives as P
from .custody import (
    check_chain,
    custody_error,
    envelope_change,
    kind,
    removals_of,
    sealed_envelope_ok,
)
from .errors import DecodeError, RogatoryError
from .keys import TrustStore
from .merkle import leaf, verify_inclusion
from .stream import metadata_commitment
from .package import LABEL_SIG_PACKAGE, check_details, entitlement_checks, open_metadata, package_digest_from
from .structures import CUSTODY_EVENT, PRELUDE, decode, envelope_of


def _x(cls: str, detail: str, **kw: Any) -> RogatoryError:
    """An extract failure: the §12.9 class is both the outcome and the redaction class."""
    return RogatoryError(cls, detail, redaction=cls, stage="verify-extract", **kw)


@dataclass
class ExtractReport:
    package_id: bytes
    sender: str
    segments: list[tuple[int, int, bytes]]
    metadata: dict[str, Any]


def verify_extract(data: bytes, trust: TrustStore) -> ExtractReport:
    """Verify an extract with a trust store and no other input (§12.7, steps 1 to 4)."""
    try:
        x = decode("extract", data)
    except DecodeError as e:
        raise RogatoryError("malformed", f"extract: {e.cls}", stage="verify-extract") from None
    prelude = PRELUDE.encode(x["prelude"])
    pid = x["prelude"]["package_id"]
    sig = x["signature"]
    counts = list(x["leaf_counts"])
    # 1. signer and signature
    signer = trust.get(sig["signer"])
    if signer is None:
        raise _x("unknown_party", "the signer is not in the trust store")
    digest = package_digest_from(prelude, x["metadata_ciphertext"], x["metadata_commitment"], counts, x["root"])
    if not P.ed25519_verify_strict(signer.card.signing_key, LABEL_SIG_PACKAGE + digest, sig["signature"]):
        raise _x("package_signature", "the sender's signature does not verify")
    # 2. metadata
    if metadata_commitment(pid, x["metadata_key"]) != x["metadata_commitment"]:
        raise _x("metadata_commitment", "the metadata key does not match its commitment")
    try:
        md = open_metadata(pid, prelude, x["metadata_ciphertext"], x["metadata_commitment"], x["metadata_key"], "verify-extract")
    except RogatoryError as e:
        cls = {"decryption": "metadata_decryption", "malformed": "metadata_malformed"}[e.outcome]
        raise _x(cls, e.detail) from None
    if [f["segment_count"] for f in md["fields"]] != counts:
        raise _x("leaf_counts", "content descriptors differ from the leaf counts")
    if md["sender"]["key_id"] != sig["signer"] or md["sender"]["party"] != signer.party:
        raise _x("metadata_sender", "the metadata's sender is not the signer")
    # 3. custody: §12.5 rules 1 and 2, §10.4 rules 1-14, details, §12.6 checks 1-3
    events = list(x["events"])
    raw = [CUSTODY_EVENT.encode(e) for e in events]
    if events and kind(events[0]) == "Sealed" and not sealed_envelope_ok(events[0], counts):
        raise custody_error(0, "sealed_envelope", redaction="leaf_missing")
    prev = None
    for i, ev in enumerate(events):
        env = envelope_of(ev)
        if env is None:
            continue
        if prev is not None:
            bad = envelope_change(prev, env, removals_of(ev))
            if bad is not None:
                raise custody_error(i, bad[1], redaction=bad[0])
        prev = env
    check_chain(events, raw, pid, digest, sig["signer"], trust, counts)
    try:
        details = check_details(events, pid, x["metadata_key"], trust, "verify-extract")
    except RogatoryError as e:
        raise _x("custody_details", e.detail, event=e.event) from None
    entitlement_checks(events, details, md, pid, x["metadata_key"], trust, "verify-extract")
    # 4. inclusion proofs
    n = sum(counts)
    starts = [sum(counts[:f]) for f in range(len(counts))]
    out = []
    for s in x["segments"]:
        entry = leaf(pid, s["field"], s["segment"], s["salt"], s["data"])
        if not verify_inclusion(entry, starts[s["field"]] + s["segment"], n, s["proof"], x["root"]):
            raise _x("inclusion_proof", f"segment {s['field']}/{s['segment']}: proof does not reach the root",
                     field=s["field"], segment=s["segment"])
        out.append((s["field"], s["segment"], s["data"]))
    return ExtractReport(pid, signer.party, out, md)
