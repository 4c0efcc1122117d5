"""Reading a package (spec §14): verify (no key), unlock (a recipient key), open (a field
key), with the keyless redaction rules of §12.5 and the entitlement checks of §12.6.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from . import primitives as P
from .container import Package
from .custody import (
    custody_error,
    envelope_change,
    check_chain,
    desc_bytes,
    key_proofs_error,
    kind,
    last_envelope_event,
    open_details,
    removals_of,
    sealed_envelope_ok,
    stanzas_digest,
)
from .encoding import SegmentSet, Variant, u32le
from .errors import DecodeError, RogatoryError
from .hpke import open_base, open_base_xwing
from .xwing import XWingError
from .keys import KeyFile, TrustStore
from .merkle import mth
from .stream import (
    field_aead_key,
    field_commitment,
    metadata_aead_key,
    metadata_commitment,
    read_records,
    recipient_commitment,
    stream_decrypt,
)
from .encoding import safe_file_name
from .structures import ctx, decode, envelope_of, segments_of

LABEL_PACKAGE_DIGEST = b"rogatory/v1 package-digest"
LABEL_SIG_PACKAGE = b"rogatory/v1 sig package"
LABEL_KEY_WRAP = b"rogatory/v1 key-wrap"


def _err(outcome: str, detail: str, stage: str, **kw: Any) -> RogatoryError:
    return RogatoryError(outcome, detail, stage=stage, **kw)


# --- Package digest (§8.4) ------------------------------------------------------------------


def package_digest_from(
    prelude: bytes, metadata_ciphertext: bytes, commitment: bytes, counts: list[int], root: bytes
) -> bytes:
    """The package digest of §8.4 over the prelude, sealed metadata, tree and leaf counts."""
    parts = [
        LABEL_PACKAGE_DIGEST,
        prelude,
        P.sha256(metadata_ciphertext),
        commitment,
        sum(counts).to_bytes(8, "little"),
        root,
        u32le(len(counts)),
    ] + [u32le(n) for n in counts]
    return P.sha256(*parts)


def package_digest(pkg: Package) -> bytes:
    t = pkg.trailer
    return package_digest_from(
        pkg.prelude_bytes, t["metadata_ciphertext"], t["metadata_commitment"], pkg.leaf_counts(), mth(pkg.all_leaves())
    )


# --- §12.5: rules of redaction without a key ---------------------------------------------------


def redaction_rules(pkg: Package) -> None:
    """§12.5 rules 1 to 5, applied after reading and before check 9 (as the reference does)."""
    events = pkg.events
    counts = pkg.leaf_counts()
    if events and kind(events[0]) == "Sealed" and not sealed_envelope_ok(events[0], counts):
        raise custody_error(0, "sealed_envelope", "event 0: sealed envelope lacks leaves", redaction="leaf_missing")
    prev: Optional[dict[str, Any]] = None
    for i, ev in enumerate(events):
        env = envelope_of(ev)
        if env is None:
            continue
        if prev is not None:
            bad = envelope_change(prev, env, removals_of(ev))
            if bad is not None:
                raise custody_error(i, bad[1], f"event {i}: {bad[0]} (field {bad[2]})", redaction=bad[0])
        prev = env
    li, last = last_envelope_event(events)
    if last is not None:
        cur = pkg.trailer["fields"]
        if len(cur) != len(last["fields"]):
            raise _err("tampered", "stanzas (envelope): field count differs", "verify", redaction="unsigned_envelope_change")
        for j, (a, b) in enumerate(zip(cur, last["fields"])):
            if desc_bytes(a) == desc_bytes(b):
                continue
            sa, sb = segments_of(a), segments_of(b)
            fewer = (a["body"].name == "Removed" and b["body"].name == "Present") or (
                a["body"].name == "Present" and sa != sb and sa.is_subset(sb)
            )
            cls = "unsigned_removal" if fewer else "unsigned_envelope_change"
            raise _err("tampered", f"field {j}: envelope differs from the last envelope event ({cls})", "verify", field=j, redaction=cls)
        if stanzas_digest(pkg.trailer["stanzas"]) != last["stanzas_digest"] or len(last["recipients"]) != len(
            pkg.trailer["stanzas"]
        ):
            raise _err("tampered", "stanzas (envelope) differ from the last envelope event", "verify", redaction="unsigned_envelope_change")
        want = {"Redacted": 1, "Forwarded": 2}.get(kind(events[li]))
        if want is not None and len(pkg.trailer["stanzas"]) != want:
            raise custody_error(li, "stanza_count", f"event {li}: {len(pkg.trailer['stanzas'])} stanzas", redaction="stanza_count")
    bad_i = key_proofs_error(events, pkg.package_id)
    if bad_i is not None:
        raise custody_error(bad_i, "key_proof", f"event {bad_i}: cut without the field key", redaction="cut_without_key")


# --- verify (§14 checks 9 to 13) ------------------------------------------------------------------


@dataclass
class Verified:
    """A package that passed verify."""

    pkg: Package
    digest: bytes
    signer: bytes


def verify(pkg: Package, trust: TrustStore, hash_bodies: bool = True) -> Verified:
    """§14 verify: §12.5, then checks 9 to 13 in order (13 skipped for structure-only)."""
    redaction_rules(pkg)
    sig = pkg.trailer["signature"]
    entry = trust.get(sig["signer"])
    if entry is None:
        raise _err("unknown_party", f"signer {sig['signer'].hex()} is not in the trust store", "verify")
    digest = package_digest(pkg)
    if not P.ed25519_verify_strict(entry.card.signing_key, LABEL_SIG_PACKAGE + digest, sig["signature"]):
        raise _err("bad_signature", "the package signature does not verify", "verify")
    check_chain(pkg.events, pkg.event_bytes, pkg.package_id, digest, sig["signer"], trust, pkg.leaf_counts())
    li, last = last_envelope_event(pkg.events)
    assert last is not None
    if (
        [desc_bytes(d) for d in pkg.trailer["fields"]] != [desc_bytes(d) for d in last["fields"]]
        or stanzas_digest(pkg.trailer["stanzas"]) != last["stanzas_digest"]
        or len(last["recipients"]) != len(pkg.trailer["stanzas"])
    ):
        raise _err("tampered", "stanzas (envelope): the current envelope is not the last signed one", "verify")
    if hash_bodies:
        for f, d in enumerate(pkg.trailer["fields"]):
            if d["body"].name == "Present":
                body = pkg.bodies[f]
                if body is None or P.blake3(body) != d["body"].value["ciphertext_digest"]:
                    raise _err("tampered", f"field {f}: ciphertext digest", "verify", field=f)
    return Verified(pkg, digest, sig["signer"])


# --- unlock (§14 checks 14 to 22) ------------------------------------------------------------------


def bundle_len(n: int) -> int:
    return 4 + 32 + 33 * n


def decode_bundle(pt: bytes, n: int) -> Optional[tuple[bytes, list[Optional[bytes]]]]:
    """Decode a key bundle (§6.2); ``None`` when it must be refused."""
    if len(pt) != bundle_len(n) or int.from_bytes(pt[:4], "little") != n:
        return None
    mk = pt[4:36]
    keys: list[Optional[bytes]] = []
    for f in range(n):
        slot = pt[36 + 33 * f : 36 + 33 * (f + 1)]
        if slot[0] == 1:
            keys.append(slot[1:])
        elif slot[0] == 0 and slot[1:] == bytes(32):
            keys.append(None)
        else:
            return None
    return mk, keys


def encode_bundle(metadata_key: bytes, keys: list[Optional[bytes]]) -> bytes:
    out = u32le(len(keys)) + metadata_key
    for k in keys:
        out += b"\x01" + k if k is not None else b"\x00" + bytes(32)
    return out


def wrap_info(package_id: bytes, key_id: bytes) -> bytes:
    """HPKE ``info`` of a stanza: label, ctx, recipient key id (§6.3)."""
    return LABEL_KEY_WRAP + ctx(package_id) + key_id


def open_stanza(pkg: Package, key: KeyFile) -> Optional[tuple[int, bytes, list[Optional[bytes]]]]:
    """Try the stanzas in trailer order (§6.3 "Opening"); ``(position, mk, field keys)``.

    A hybrid card's key tries only ``XWing`` stanzas, a classical one only ``X25519`` stanzas:
    a classical stanza wrapped to a hybrid card is a downgrade and does not open."""
    n = len(pkg.trailer["fields"])
    info = wrap_info(pkg.package_id, key.key_id)
    kind = "X25519" if key.hybrid_seed is None else "XWing"
    for p, stanza in enumerate(pkg.trailer["stanzas"]):
        st = stanza.value
        if stanza.name != kind or len(st["ciphertext"]) != bundle_len(n) + 16:
            continue
        try:
            if key.hybrid_seed is None:
                pt = open_base(st["enc"], key.agreement_secret, info, b"", st["ciphertext"])
            else:
                pt = open_base_xwing(st["enc"], key.hybrid_seed, info, b"", st["ciphertext"])
        except (P.DhError, P.AeadError, XWingError):
            continue
        b = decode_bundle(pt, n)
        if b is not None:
            return p, b[0], b[1]
    return None


@dataclass
class Unlocked:
    """A package unlocked with a recipient key."""

    v: Verified
    key: KeyFile
    stanza: int
    metadata_key: bytes
    field_keys: list[Optional[bytes]]
    metadata: dict[str, Any]
    details: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pkg(self) -> Package:
        return self.v.pkg


def open_metadata(package_id: bytes, prelude: bytes, ct: bytes, commitment: bytes, mk: bytes, stage: str) -> dict[str, Any]:
    """Checks 15 to 17: commitment, tag (uniform ``decryption``), decoding (``malformed``)."""
    if not P.ct_eq(metadata_commitment(package_id, mk), commitment):
        raise _err("decryption", "cannot decrypt metadata", stage)
    try:
        pt = P.aead_once_open(metadata_aead_key(package_id, mk), prelude, ct)
    except P.AeadError:
        raise _err("decryption", "cannot decrypt metadata", stage) from None
    try:
        return decode("metadata", pt)
    except DecodeError as e:
        raise _err("malformed", f"metadata: {e.cls}", stage) from None


def check_details(
    events: list[dict[str, Any]], package_id: bytes, mk: bytes, trust: TrustStore, stage: str
) -> list[dict[str, Any]]:
    """Check 21: every event's details open, decode and name the event's actor's party."""
    out = []
    for i, ev in enumerate(events):
        try:
            d = open_details(ev, package_id, mk)
        except P.AeadError:
            raise RogatoryError("custody", f"event {i}: sealed details do not open", event=i, rule="details", stage=stage) from None
        except DecodeError as e:
            raise _err("malformed", f"custody record {i}: details {e.cls}", stage, event=i) from None
        entry = trust.get(ev["clear"]["actor"])
        if entry is None or d["actor"] != entry.party:
            raise RogatoryError(
                "custody", f"event {i}: details name another actor", event=i, rule="details_actor", stage=stage
            )
        out.append(d)
    return out


def transfer_allowed(metadata: dict[str, Any], actor: bytes, r_key: bytes, r_party: str) -> bool:
    """§12.4 step 2: the bases on which a transfer by ``actor`` to ``R`` is allowed."""
    if actor == metadata["sender"]["key_id"]:
        return True
    if any(x["key_id"] == r_key and x["party"] == r_party for x in metadata["recipients"]):
        return True
    onward: Variant = metadata["onward"]
    if onward.name == "Parties" and r_party in onward.value:
        return True
    return onward.name == "AnyWithNotice"


def entitlement_checks(
    events: list[dict[str, Any]],
    details: list[dict[str, Any]],
    metadata: dict[str, Any],
    package_id: bytes,
    mk: bytes,
    trust: TrustStore,
    stage: str,
    own: Optional[tuple[int, bytes]] = None,
) -> None:
    """§12.6 checks 1 to 3 event by event, then check 4 for a recipient (``own`` is
    ``(stanza position, own key id)``). Failures are ``not_entitled`` with the rule."""

    def fail(i: int, rule: str, why: str) -> RogatoryError:
        return RogatoryError("not_entitled", f"event {i}: {why}", event=i, rule=rule, stage=stage)

    def entitled(ev: dict[str, Any]) -> set[bytes]:
        k = kind(ev)
        if k == "Sealed":
            return {r["key_id"] for r in metadata["recipients"]}
        if k == "Redacted":
            return {ev["clear"]["actor"]}
        if k == "Forwarded":
            return {ev["clear"]["actor"], ev["clear"]["body"].value["receiver"]}
        return set()

    in_force: Optional[dict[str, Any]] = None
    for i, ev in enumerate(events):
        k = kind(ev)
        c = ev["clear"]
        env = envelope_of(ev)
        if env is not None:
            want = {recipient_commitment(package_id, mk, env["recipients_salt"], kid) for kid in entitled(ev)}
            if set(env["recipients"]) != want:
                raise fail(i, "stanza_recipients", "stanza recipients are not the event's entitled parties")
        if k in ("Redacted", "Forwarded", "Sent"):
            if in_force is None or c["actor"] not in entitled(in_force):
                raise fail(i, "actor_not_holder", "the actor held no stanza the chain gave it")
        if k == "Forwarded" or (k == "Sent" and c["actor"] != metadata["sender"]["key_id"]):
            rk = c["body"].value["receiver"]
            re = trust.get(rk)
            if re is None:
                raise fail(i, "onward_consent", f"receiver {rk.hex()} is not in the trust store")
            if details[i]["counterpart"] != re.party:
                raise fail(i, "onward_consent", f"details do not name {re.party} as counterpart")
            if not transfer_allowed(metadata, c["actor"], rk, re.party):
                raise fail(i, "onward_consent", f"transfer to {re.party} outside the consent {metadata['onward']}")
        if env is not None:
            in_force = ev
    if own is not None:
        p, kid = own
        li, last = last_envelope_event(events)
        assert last is not None
        if p >= len(last["recipients"]) or last["recipients"][p] != recipient_commitment(
            package_id, mk, last["recipients_salt"], kid
        ):
            raise fail(li, "stanza_not_yours", f"stanza {p} is not committed to this recipient")


def unlock(v: Verified, trust: TrustStore, key: KeyFile, now: Optional[int]) -> Unlocked:
    """§14 unlock: checks 14 to 21b in order, then 22 unless ``now`` is ``None``."""
    pkg = v.pkg
    st = open_stanza(pkg, key)
    if st is None:
        raise _err("not_a_recipient", "not a recipient", "unlock")
    p, mk, fkeys = st
    t = pkg.trailer
    md = open_metadata(pkg.package_id, pkg.prelude_bytes, t["metadata_ciphertext"], t["metadata_commitment"], mk, "unlock")
    counts = pkg.leaf_counts()
    if len(md["fields"]) != len(counts):
        raise _err("tampered", "metadata: descriptor count differs from the leaf table", "unlock")
    for f, (cd, n) in enumerate(zip(md["fields"], counts)):
        if cd["segment_count"] != n:
            raise _err("tampered", f"field {f}: segment_count differs from its leaves", "unlock", field=f)
    signer = trust.get(v.signer)
    assert signer is not None
    if md["sender"]["key_id"] != v.signer or md["sender"]["party"] != signer.party:
        raise _err("tampered", "metadata: sender is not the signer", "unlock")
    details = check_details(pkg.events, pkg.package_id, mk, trust, "unlock")
    entitlement_checks(pkg.events, details, md, pkg.package_id, mk, trust, "unlock", own=(p, key.key_id))
    if now is not None:
        if now < md["not_before"]:
            raise _err("not_yet_valid", "the package may not be opened yet", "unlock")
        if now > md["retain_until"]:
            raise _err("expired", "the package is past its retain-until", "unlock")
    return Unlocked(v, key, p, mk, fkeys, md, details)


# --- open (§14 checks 23 to 34) ------------------------------------------------------------------


@dataclass
class Opened:
    field: int
    name: str
    segments: SegmentSet
    records: list[tuple[int, bytes, bytes]]

    @property
    def plaintext(self) -> bytes:
        return b"".join(r[2] for r in self.records)


def open_field(u: Unlocked, f: int, to_directory: bool = False) -> Opened:
    """Open field ``f``: checks 23 to 34 in order (26 only when writing to a directory)."""
    pkg = u.pkg
    stage = "open"
    if f >= len(pkg.trailer["fields"]):
        raise _err("usage", f"no field {f}", stage, field=f)
    fk = u.field_keys[f]
    if fk is None:
        raise _err("not_cleared", f"not cleared for field {f}", stage, field=f)
    d = pkg.trailer["fields"][f]
    if d["body"].name != "Present":
        raise _err("removed", f"field {f} was removed", stage, field=f)
    cd = u.metadata["fields"][f]
    if to_directory and not safe_file_name(cd["name"]):
        raise _err("unsafe_field_name", f"field {f}: unsafe name {cd['name']!r}", stage, field=f)
    pr = d["body"].value
    if not P.ct_eq(field_commitment(pkg.package_id, f, fk), pr["key_commitment"]):
        raise _err("decryption", f"cannot decrypt field {f}", stage, field=f)
    body = pkg.bodies[f]
    if body is None or len(body) != pr["ciphertext_len"]:
        raise _err("tampered", f"field {f}: body length", stage, field=f)
    try:
        plaintext = b"".join(stream_decrypt(field_aead_key(pkg.package_id, f, fk), pkg.package_id, f, body))
    except P.AeadError:
        raise _err("decryption", f"cannot decrypt field {f}", stage, field=f) from None
    records = read_records(plaintext, pkg.package_id, f, pr["segments"], pkg.leaves(f))
    if pr["segments"] == SegmentSet.full(cd["segment_count"]):
        if sum(len(r[2]) for r in records) != cd["size"]:
            raise _err("tampered", f"field {f}: size differs from the descriptor", stage, field=f)
    return Opened(f, cd["name"], pr["segments"], records)
