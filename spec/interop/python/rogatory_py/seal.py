"""Sealing a package (spec §8.4 "Sealing, in order") and appending a custody event to a
package file (§10.5 "Appending an event", §9.4, §13.3 "The sender prepares").
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from . import primitives as P
from . import xwing
from .container import append_event, build_package, load_package, read_package
from .custody import check_chain, event_hash, make_event, stanzas_digest
from .encoding import SegmentSet, Str, Variant, safe_file_name
from .errors import RogatoryError
from .hpke import seal_base, seal_base_xwing
from .keys import Card, KeyFile, TrustEntry, TrustStore
from .merkle import leaf, mth
from .package import LABEL_SIG_PACKAGE, encode_bundle, package_digest_from, unlock, verify, wrap_info
from .stream import (
    encode_records,
    field_aead_key,
    field_commitment,
    metadata_aead_key,
    metadata_commitment,
    recipient_commitment,
    segment_binary,
    segment_text,
    stream_encrypt,
)
from .structures import (
    CATEGORYSET,
    CHUNK_SIZE,
    FIELDS_MAX,
    LEAVES_MAX,
    METADATA,
    PARTYSET,
    RECIPIENTS_MAX,
    TAGSET,
    decode,
    prelude_bytes,
)

TEXT_EXTENSIONS = {".txt", ".log", ".csv", ".json", ".jsonl", ".xml", ".eml"}
MEDIA_BY_EXT = {
    ".txt": "text/plain",
    ".log": "text/plain",
    ".csv": "text/csv",
    ".json": "application/json",
    ".jsonl": "application/jsonl",
    ".xml": "application/xml",
    ".eml": "message/rfc822",
}


@dataclass
class FieldInput:
    """One field of a sealing request."""

    name: str
    data: bytes
    tags: list[str]
    media_type: Optional[str] = None
    kind: Optional[str] = None  # "text" | "binary"

    def resolved_media_type(self) -> str:
        if self.media_type:
            return self.media_type
        return MEDIA_BY_EXT.get(os.path.splitext(self.name)[1].lower(), "application/octet-stream")

    def resolved_kind(self) -> str:
        if self.kind:
            return self.kind
        ext = os.path.splitext(self.name)[1].lower()
        return "text" if ext in TEXT_EXTENSIONS or self.resolved_media_type().startswith("text/") else "binary"


@dataclass
class SealRequest:
    """What the sender asks for (the metadata of §4.4 and the fields)."""

    to: list[str]
    fields: list[FieldInput]
    case_reference: str
    legal_basis: str
    retain_until: int
    not_before: Optional[int] = None
    request_reference: Optional[str] = None
    issuing_authority: str = ""
    priority: str = "Normal"
    deadline: Optional[int] = None
    purpose: str = ""
    categories: list[str] = field(default_factory=list)
    onward: Variant = field(default_factory=lambda: Variant("None"))


def seal(key: KeyFile, trust: TrustStore, req: SealRequest, t: int) -> bytes:
    """Seal a package at time ``t`` by §8.4 steps 1 to 9; returns the file's bytes."""
    # 1. check the request
    if not key.card.valid_at(t):
        raise RogatoryError("card_not_valid", "the sealer's own card is not valid now")
    not_before = t if req.not_before is None else req.not_before
    if not (not_before <= req.retain_until and t <= req.retain_until):
        raise RogatoryError("usage", "retain-until before not-before or before now")
    if not (1 <= len(req.fields) <= FIELDS_MAX):
        raise RogatoryError("usage", "a package has 1 to 4096 fields")
    names = [f.name for f in req.fields]
    if len(set(n.encode() for n in names)) != len(names):
        raise RogatoryError("usage", "two fields with the same name")
    for f in req.fields:
        if not Str("FieldName").check(f.name) or not safe_file_name(f.name):
            raise RogatoryError("unsafe_field_name", f"field name {f.name!r} is not portable")
        if not Str("MediaType").check(f.resolved_media_type()):
            raise RogatoryError("usage", f"bad media type for {f.name!r}")
        if not f.tags or any(not Str("Tag").check(x) for x in f.tags):
            raise RogatoryError("usage", f"field {f.name!r} needs valid access tags")
    recips: dict[bytes, tuple[str, Card, list[str], bool]] = {}
    recips[key.key_id] = (key.party, key.card, [], True)
    for party in req.to:
        e: Optional[TrustEntry] = trust.current(party, t)
        if e is None:
            raise RogatoryError("unknown_party", f"no current card of {party} in the trust store")
        if e.key_id not in recips:
            recips[e.key_id] = (e.party, e.card, list(e.clearances), False)
    if len(recips) > RECIPIENTS_MAX:
        raise RogatoryError("usage", "more than 256 recipients")
    for kid, (party, card, _, _) in recips.items():
        if card.hybrid_key is not None:
            if not xwing.valid_public_key(card.hybrid_key):
                raise RogatoryError("usage", f"recipient {party}: X-Wing key is not valid")
        elif not P.x25519_contributory(card.agreement_key):
            raise RogatoryError("usage", f"recipient {party}: X25519 key is not contributory")
    # 2. package id and prelude
    pid = P.random_bytes(16)
    prelude = prelude_bytes(pid)
    # 3. fields
    field_keys: list[bytes] = []
    bodies: list[bytes] = []
    leaves_raw: list[bytes] = []
    descriptors: list[dict[str, Any]] = []
    contents: list[dict[str, Any]] = []
    total = 0
    for i, f in enumerate(req.fields):
        fk = P.random_bytes(32)
        field_keys.append(fk)
        kind = f.resolved_kind()
        segs = segment_text(f.data) if kind == "text" else segment_binary(f.data)
        total += len(segs)
        if total > LEAVES_MAX:
            raise RogatoryError("usage", "more than LEAVES_MAX segments")
        recs = []
        lv = b""
        for s, data in enumerate(segs):
            salt = P.random_bytes(32)
            lv += leaf(pid, i, s, salt, data)
            recs.append((s, salt, data))
        body = stream_encrypt(field_aead_key(pid, i, fk), pid, i, encode_records(recs))
        bodies.append(body)
        leaves_raw.append(lv)
        descriptors.append(
            {
                "index": i,
                "body": Variant(
                    "Present",
                    {
                        "ciphertext_len": len(body),
                        "chunk_size": CHUNK_SIZE,
                        "key_commitment": field_commitment(pid, i, fk),
                        "ciphertext_digest": P.blake3(body),
                        "segments": SegmentSet.full(len(segs)),
                    },
                ),
            }
        )
        contents.append(
            {
                "index": i,
                "name": f.name,
                "media_type": f.resolved_media_type(),
                "kind": Variant("Text" if kind == "text" else "Binary"),
                "tags": TAGSET.canonical(f.tags),
                "segment_count": len(segs),
                "size": len(f.data),
            }
        )
    # 4. metadata
    order = sorted(recips)
    md = {
        "created": t,
        "not_before": not_before,
        "retain_until": req.retain_until,
        "case_reference": req.case_reference,
        "request_reference": req.request_reference,
        "legal_basis": req.legal_basis,
        "issuing_authority": req.issuing_authority,
        "priority": Variant(req.priority),
        "deadline": req.deadline,
        "purpose": req.purpose,
        "data_categories": CATEGORYSET.canonical(req.categories),
        "onward": req.onward,
        "sender": {"party": key.party, "key_id": key.key_id},
        "recipients": [{"party": recips[k][0], "key_id": k} for k in order],
        "provenance": [],
        "fields": contents,
    }
    md_bytes = METADATA.encode(md)
    decode("metadata", md_bytes)  # the rules a reader applies (§4.4)
    mk = P.random_bytes(32)
    md_ct = P.aead_once_seal(metadata_aead_key(pid, mk), prelude, md_bytes)
    commitment = metadata_commitment(pid, mk)
    # 5. digest and signature
    counts = [len(x) // 32 for x in leaves_raw]
    all_leaves = [lv[j : j + 32] for lv in leaves_raw for j in range(0, len(lv), 32)]
    digest = package_digest_from(prelude, md_ct, commitment, counts, mth(all_leaves))
    signature = key.sign(LABEL_SIG_PACKAGE + digest)
    # 6. bundles and stanzas, shuffled
    wrapped: list[tuple[bytes, dict[str, Any]]] = []
    for kid in order:
        party, card, clr, is_self = recips[kid]
        keys_for: list[Optional[bytes]] = [
            fk if is_self or all(tg in clr for tg in contents[i]["tags"]) else None for i, fk in enumerate(field_keys)
        ]
        bundle = encode_bundle(mk, keys_for)
        # §6.3: X-Wing to a card with a hybrid key, DHKEM(X25519) to one without
        if card.hybrid_key is not None:
            try:
                enc, ct = seal_base_xwing(card.hybrid_key, wrap_info(pid, kid), b"", bundle)
            except xwing.XWingError as e:
                raise RogatoryError("usage", f"recipient {party}: {e}") from None
            wrapped.append((kid, Variant("XWing", {"enc": enc, "ciphertext": ct})))
        else:
            enc, ct = seal_base(card.agreement_key, wrap_info(pid, kid), b"", bundle)
            wrapped.append((kid, Variant("X25519", {"enc": enc, "ciphertext": ct})))
    secrets.SystemRandom().shuffle(wrapped)
    stanzas = [s for _, s in wrapped]
    # 7. trailer
    trailer = {
        "metadata_ciphertext": md_ct,
        "metadata_commitment": commitment,
        "leaves": {"fields": [{"leaves": lv} for lv in leaves_raw]},
        "fields": descriptors,
        "stanzas": stanzas,
        "signature": {"signer": key.key_id, "signature": signature},
    }
    # 8. the sealed event
    salt = P.random_bytes(32)
    envelope = {
        "fields": descriptors,
        "stanzas_digest": stanzas_digest(stanzas),
        "recipients_salt": salt,
        "recipients": [recipient_commitment(pid, mk, salt, kid) for kid, _ in wrapped],
    }
    clear = {
        "sequence": 0,
        "prev": bytes(32),
        "package_digest": digest,
        "actor": key.key_id,
        "time": t,
        "details_salt": P.random_bytes(32),
        "body": Variant("Sealed", {"envelope": envelope}),
    }
    details = {"actor": key.party, "counterpart": None, "reason": "", "legal_basis": req.legal_basis, "text": ""}
    sealed = make_event(clear, details, pid, mk, key)
    # 9. footer, record_count 1
    return build_package(prelude, bodies, trailer, [sealed])


def write_new_file(path: Path, data: bytes) -> None:
    """Write beside the target and link into place only when whole, never over a file."""
    tmp = path.with_name(f".{path.name}.{P.random_bytes(8).hex()}.partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    finally:
        os.unlink(tmp)


# --- Appending `sent` (§10.5, §13.3) -------------------------------------------------------------


def prepare_send(path: Path, key: KeyFile, trust: TrustStore, receiver: TrustEntry, t: int) -> str:
    """The sender's preparation of §13.3 steps 1 and 2: reuse or append a ``sent`` event.

    Returns ``"reused"`` or ``"appended"``.
    """
    pkg = load_package(path)
    v = verify(pkg, trust, hash_bodies=False)
    last = pkg.events[-1]["clear"]
    if (
        last["body"].name == "Sent"
        and last["actor"] == key.key_id
        and last["body"].value["receiver"] == receiver.key_id
    ):
        return "reused"
    u = unlock(v, trust, key, None)
    clear = {
        "sequence": len(pkg.events),
        "prev": event_hash(pkg.event_bytes[-1]),
        "package_digest": v.digest,
        "actor": key.key_id,
        "time": t,
        "details_salt": P.random_bytes(32),
        "body": Variant("Sent", {"receiver": receiver.key_id}),
    }
    details = {"actor": key.party, "counterpart": receiver.party, "reason": "", "legal_basis": "", "text": ""}
    raw = make_event(clear, details, pkg.package_id, u.metadata_key, key)
    ev = decode("custody event", raw)
    check_chain(
        pkg.events + [ev], pkg.event_bytes + [raw], pkg.package_id, v.digest, v.signer, trust, pkg.leaf_counts()
    )
    append_event(path, raw)
    # the extended file must read back and verify (structure and chain)
    verify(read_package(path.read_bytes(), path), trust, hash_bodies=False)
    return "appended"


def parse_onward(text: str) -> Variant:
    """``none``, ``any`` or a comma-separated list of party ids (as the reference CLI)."""
    if text == "none":
        return Variant("None")
    if text == "any":
        return Variant("AnyWithNotice")
    parties = [p.strip() for p in text.split(",") if p.strip()]
    if not parties or any(not Str("PartyId").check(p) for p in parties):
        raise RogatoryError("usage", f"bad --onward {text!r}")
    return Variant("Parties", PARTYSET.canonical(parties))
