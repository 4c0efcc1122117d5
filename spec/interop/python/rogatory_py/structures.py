"""Every structure of protocol v1 (spec §3 to §13), its schema and its decoder rules.

The schemas follow the field tables of the spec in declaration order; the rule functions
follow the "Rules, in order" paragraphs of each section, with the error class given there.
:data:`TOP_LEVEL` maps the names of the top-level structures used by the test vectors
(§2.4) to their schema, maximum encoding and rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from .encoding import (
    Bool,
    Bytes,
    Enum,
    Fixed,
    Int,
    Opt,
    SegmentSet,
    SegmentSetT,
    Seq,
    SetT,
    Str,
    Struct,
    T,
    Variant,
    decode_top,
)
from .errors import DecodeError

# §2.4 limits -----------------------------------------------------------------------------
TAGS_MAX = 16
CLEARANCES_MAX = 256
CATEGORIES_MAX = 32
PARTIES_MAX = 64
FIELDS_MAX = 4096
RECIPIENTS_MAX = 256
PROVENANCE_MAX = 64
LEAVES_MAX = 1 << 22
SEGMENT_MAX = 1 << 20
CHUNK_SIZE = 65536
METADATA_MAX = 1 << 24
STANZA_CIPHERTEXT_MAX = 135220
FIELD_CIPHERTEXT_MAX = 1 << 52
RANGES_MAX = LEAVES_MAX
TRAILER_MAX = 1 << 28
DETAILS_MAX = 65536
EVENT_MAX = 1 << 26
EVENTS_MAX = 65536
LEDGER_LINE_MAX = 65536
CARD_MAX = 2048
TRUST_ENTRY_MAX = 32768
DATA_FRAME_MAX = 1 << 20
FRAME_MAX = 1 << 21
EXTRACT_MAX = 1 << 28
CLOCK_SKEW = 300

PRELUDE_MAGIC = b"ROGATORY"
FOOTER_MAGIC = b"RGTRYEND"
EXTRACT_MAGIC = b"RGTRYXTR"
VERSION = 1
SUITE = 1

# Primitive aliases (§2.1) ----------------------------------------------------------------
U8, U16, U32, U64 = Int(1), Int(2), Int(4), Int(8)
TIMESTAMP = Int(8, "Timestamp")
BOOL = Bool()
DIGEST = Fixed(32)
KEYID = Fixed(32)
PACKAGEID = Fixed(16)
SIGNATURE = Fixed(64)
PUBLICKEY = Fixed(32)
XWING_PUBLICKEY = Fixed(1216)
XWING_CIPHERTEXT = Fixed(1120)
SALT = Fixed(32)
MAGIC = Fixed(8, as_array=True)
PARTYID = Str("PartyId")
TAG = Str("Tag")
TOKEN = Str("Token")
FIELDNAME = Str("FieldName")
MEDIATYPE = Str("MediaType")
TEXT = Str("Text")
SHORTTEXT = Str("ShortText")
SEGMENTSET = SegmentSetT()

TAGSET = SetT(TAG, 1, TAGS_MAX)
CLEARANCES = SetT(TAG, 0, CLEARANCES_MAX)
CATEGORYSET = SetT(TOKEN, 0, CATEGORIES_MAX)
PARTYSET = SetT(PARTYID, 1, PARTIES_MAX)

# §4.1 Prelude ------------------------------------------------------------------------------
PRELUDE = Struct(
    "Prelude",
    [("magic", MAGIC), ("version", U16), ("suite", U16), ("package_id", PACKAGEID)],
)

# §3.1 Party cards and trust entries --------------------------------------------------------
CARD_BODY = Struct(
    "CardBody",
    [
        ("party", PARTYID),
        ("signing_key", PUBLICKEY),
        ("agreement_key", PUBLICKEY),
        ("tls_spki_sha256", DIGEST),
        ("not_before", TIMESTAMP),
        ("not_after", TIMESTAMP),
        ("hybrid_key", Opt(XWING_PUBLICKEY)),
    ],
)
PARTY_CARD = Struct("PartyCard", [("body", CARD_BODY), ("signature", SIGNATURE)])
# §3.6 Rotation, §3.7 Revocation
ROTATION_BODY = Struct(
    "RotationBody", [("predecessor", KEYID), ("successor", PARTY_CARD), ("effective", TIMESTAMP)]
)
ROTATION = Struct("Rotation", [("body", ROTATION_BODY), ("signature", SIGNATURE)])
REVOCATION_BODY = Struct(
    "RevocationBody",
    [
        ("key_id", KEYID),
        ("party", PARTYID),
        ("compromised", TIMESTAMP),
        ("issued", TIMESTAMP),
        ("issuer", KEYID),
        ("reason", SHORTTEXT),
    ],
)
REVOCATION = Struct("Revocation", [("body", REVOCATION_BODY), ("signature", SIGNATURE)])
ROTATION_MAX = 32 + CARD_MAX + 8 + 64
REVOCATION_MAX = 480

TRUST_ENTRY = Struct(
    "TrustEntry",
    [
        ("party", PARTYID),
        ("key_id", KEYID),
        ("card", PARTY_CARD),
        ("clearances", CLEARANCES),
        ("retired", BOOL),
    ],
)

# §4.3, §4.4 Metadata -----------------------------------------------------------------------
FIELD_KIND = Enum("FieldKind", [("Binary", None), ("Text", None)])
PRIORITY = Enum("Priority", [("Normal", None), ("Urgent", None), ("Immediate", None)])
ONWARD = Enum("OnwardConsent", [("None", None), ("Parties", PARTYSET), ("AnyWithNotice", None)])
PARTY_REF = Struct("PartyRef", [("party", PARTYID), ("key_id", KEYID)])
CONTENT_DESCRIPTOR = Struct(
    "ContentDescriptor",
    [
        ("index", U32),
        ("name", FIELDNAME),
        ("media_type", MEDIATYPE),
        ("kind", FIELD_KIND),
        ("tags", TAGSET),
        ("segment_count", U32),
        ("size", U64),
    ],
)
PROVENANCE = Struct(
    "Provenance",
    [
        ("tool", TEXT),
        ("tool_version", TEXT),
        ("examiner", TEXT),
        ("source", TEXT),
        ("source_sha256", DIGEST),
        ("acquired", TIMESTAMP),
        ("fields", Seq(U32, 0, FIELDS_MAX)),
    ],
)
METADATA = Struct(
    "Metadata",
    [
        ("created", TIMESTAMP),
        ("not_before", TIMESTAMP),
        ("retain_until", TIMESTAMP),
        ("case_reference", TEXT),
        ("request_reference", Opt(TEXT)),
        ("legal_basis", TEXT),
        ("issuing_authority", TEXT),
        ("priority", PRIORITY),
        ("deadline", Opt(TIMESTAMP)),
        ("purpose", TEXT),
        ("data_categories", CATEGORYSET),
        ("onward", ONWARD),
        ("sender", PARTY_REF),
        # Minimum counts of these two are structure rules (§4.4 rule 2) / §2.1 bounds.
        ("recipients", Seq(PARTY_REF, 1, RECIPIENTS_MAX, check_min=False)),
        ("provenance", Seq(PROVENANCE, 0, PROVENANCE_MAX)),
        ("fields", Seq(CONTENT_DESCRIPTOR, 1, FIELDS_MAX)),
    ],
)

# §5.1, §5.2 Envelope -----------------------------------------------------------------------
PRESENT = Struct(
    "Present",
    [
        ("ciphertext_len", U64),
        ("chunk_size", U32),
        ("key_commitment", DIGEST),
        ("ciphertext_digest", DIGEST),
        ("segments", SEGMENTSET),
    ],
)
FIELD_BODY = Enum("FieldBody", [("Present", PRESENT), ("Removed", None)])
ENVELOPE_DESCRIPTOR = Struct("EnvelopeDescriptor", [("index", U32), ("body", FIELD_BODY)])
ENVELOPE_RECORD = Struct(
    "EnvelopeRecord",
    [
        ("fields", Seq(ENVELOPE_DESCRIPTOR, 1, FIELDS_MAX, check_min=False)),
        ("stanzas_digest", DIGEST),
        ("recipients_salt", SALT),
        ("recipients", Seq(DIGEST, 1, RECIPIENTS_MAX, check_min=False)),
    ],
)

# §6.3 Stanza, §8.2 leaf table, §8.4 signature block, §9.2 trailer, §9.3 footer --------------
# §2.4 STANZA_CIPHERTEXT_MAX = 135 220 is the decoder's bound, as the reference applies it;
# the field table of §6.3 writes bytes<135232> (see the interop report).
# A stanza decodes to Variant("X25519" | "XWing", {"enc": ..., "ciphertext": ...}).
STANZA = Enum(
    "Stanza",
    [
        ("X25519", Struct("X25519", [("enc", PUBLICKEY), ("ciphertext", Bytes(STANZA_CIPHERTEXT_MAX))])),
        ("XWing", Struct("XWing", [("enc", XWING_CIPHERTEXT), ("ciphertext", Bytes(STANZA_CIPHERTEXT_MAX))])),
    ],
)
FIELD_LEAVES = Struct("FieldLeaves", [("leaves", Bytes(32 * LEAVES_MAX, digests=True))])
LEAF_TABLE = Struct("LeafTable", [("fields", Seq(FIELD_LEAVES, 0, FIELDS_MAX))])
SIGNATURE_BLOCK = Struct("SignatureBlock", [("signer", KEYID), ("signature", SIGNATURE)])
TRAILER = Struct(
    "Trailer",
    [
        ("metadata_ciphertext", Bytes(METADATA_MAX + 16)),
        ("metadata_commitment", DIGEST),
        ("leaves", LEAF_TABLE),
        ("fields", Seq(ENVELOPE_DESCRIPTOR, 0, FIELDS_MAX)),
        ("stanzas", Seq(STANZA, 0, RECIPIENTS_MAX)),
        ("signature", SIGNATURE_BLOCK),
    ],
)
FOOTER = Struct(
    "Footer",
    [
        ("trailer_offset", U64),
        ("trailer_len", U64),
        ("records_len", U64),
        ("record_count", U32),
        ("check", DIGEST),
        ("magic", MAGIC),
    ],
)

# §10.1, §10.3 Custody ----------------------------------------------------------------------
REMOVAL = Struct(
    "Removal", [("field", U32), ("segments", SEGMENTSET), ("key_proof", Opt(SIGNATURE))]
)
EVENT_BODY = Enum(
    "EventBody",
    [
        ("Sealed", Struct("Sealed", [("envelope", ENVELOPE_RECORD)])),
        ("Sent", Struct("Sent", [("receiver", KEYID)])),
        ("Received", Struct("Received", [("bytes_digest", DIGEST), ("ledger_head", DIGEST)])),
        (
            "Redacted",
            Struct(
                "Redacted",
                [("removed", Seq(REMOVAL, 0, FIELDS_MAX)), ("envelope", ENVELOPE_RECORD)],
            ),
        ),
        ("Forwarded", Struct("Forwarded", [("receiver", KEYID), ("envelope", ENVELOPE_RECORD)])),
        ("Note", None),
    ],
)
KIND_TAG = {name: i for i, (name, _) in enumerate(EVENT_BODY.variants)}
ENVELOPE_KINDS = ("Sealed", "Redacted", "Forwarded")
EVENT_CLEAR = Struct(
    "EventClear",
    [
        ("sequence", U64),
        ("prev", DIGEST),
        ("package_digest", DIGEST),
        ("actor", KEYID),
        ("time", TIMESTAMP),
        ("details_salt", SALT),
        ("body", EVENT_BODY),
    ],
)
CUSTODY_EVENT = Struct(
    "CustodyEvent",
    [("clear", EVENT_CLEAR), ("details", Bytes(DETAILS_MAX)), ("signature", SIGNATURE)],
)
EVENT_DETAILS = Struct(
    "EventDetails",
    [
        ("actor", PARTYID),
        ("counterpart", Opt(PARTYID)),
        ("reason", TEXT),
        ("legal_basis", TEXT),
        ("text", TEXT),
    ],
)

# §11 Ledger ----------------------------------------------------------------------------------
LEDGER_ACTION = Enum(
    "LedgerAction",
    [
        (n, None)
        for n in ("Sealed", "Sent", "Received", "Redacted", "Forwarded", "Note", "Opened", "Exported")
    ],
)
EVENT_REF = Struct("EventRef", [("sequence", U64), ("prev", DIGEST), ("hash", DIGEST)])
LEDGER_LINE = Struct(
    "LedgerLine",
    [
        ("sequence", U64),
        ("prev", DIGEST),
        ("time", TIMESTAMP),
        ("actor", KEYID),
        ("action", LEDGER_ACTION),
        ("package_id", PACKAGEID),
        ("package_digest", DIGEST),
        ("event", Opt(EVENT_REF)),
        ("partner", Opt(PARTYID)),
        ("legal_basis", Opt(TEXT)),
        ("categories", CATEGORYSET),
        ("priority", Opt(PRIORITY)),
        ("retain_until", Opt(TIMESTAMP)),
        ("fields", U32),
        ("reason", Opt(TEXT)),
    ],
)
LEDGER_ENTRY = Struct("LedgerEntry", [("line", LEDGER_LINE), ("signature", SIGNATURE)])

# §13.2 Frames ----------------------------------------------------------------------------------
REJECT_REASONS = [
    "Malformed",
    "TooLarge",
    "DigestMismatch",
    "VerificationFailed",
    "NotForYou",
    "UntrustedSender",
    "Expired",
    "Busy",
    "StoreFailure",
    "Timeout",
    "NotEntitled",
]
REJECT_REASON = Enum("RejectReason", [(n, None) for n in REJECT_REASONS])
OFFER = Struct("Offer", [("package_id", PACKAGEID), ("bytes_digest", DIGEST), ("size", U64)])
FRAME = Enum(
    "Frame",
    [
        ("Offer", OFFER),
        ("Accept", Struct("Accept", [("offset", U64)])),
        ("Data", Struct("Data", [("offset", U64), ("payload", Bytes(DATA_FRAME_MAX))])),
        ("AlreadyHave", Struct("AlreadyHave", [("receipt", CUSTODY_EVENT)])),
        ("Reject", Struct("Reject", [("reason", REJECT_REASON), ("detail", SHORTTEXT)])),
        ("Receipt", Struct("Receipt", [("receipt", CUSTODY_EVENT)])),
    ],
)

# §12.7 Extracts ----------------------------------------------------------------------------------
DISCLOSURE = Enum("Disclosure", [("MetadataAndCustodyDetails", None)])
EXTRACT_SEGMENT = Struct(
    "ExtractSegment",
    [
        ("field", U32),
        ("segment", U32),
        ("salt", SALT),
        ("data", Bytes(SEGMENT_MAX)),
        ("proof", Seq(DIGEST, 0, 32)),
    ],
)
EXTRACT = Struct(
    "Extract",
    [
        ("magic", MAGIC),
        ("prelude", PRELUDE),
        ("disclosure", DISCLOSURE),
        ("signature", SIGNATURE_BLOCK),
        ("metadata_ciphertext", Bytes(METADATA_MAX + 16)),
        ("metadata_commitment", DIGEST),
        ("metadata_key", Fixed(32)),
        ("leaf_counts", Seq(U32, 1, FIELDS_MAX, check_min=False)),
        ("root", DIGEST),
        ("segments", Seq(EXTRACT_SEGMENT, 1, LEAVES_MAX, check_min=False)),
        ("events", Seq(CUSTODY_EVENT, 1, EVENTS_MAX, check_min=False)),
    ],
)


# =====================================================================================
# Rules (§2.5 step 4), in the order each section lists them
# =====================================================================================


def _fail(cls: str, where: str) -> None:
    raise DecodeError(cls, where)


def prelude_rules(p: dict[str, Any]) -> None:
    """§4.1: magic (``bad_magic``), version (``unknown_version``), suite (``unknown_suite``)."""
    if p["magic"] != PRELUDE_MAGIC:
        _fail("bad_magic", "prelude magic")
    if p["version"] != VERSION:
        _fail("unknown_version", "prelude version")
    if p["suite"] != SUITE:
        _fail("unknown_suite", "prelude suite")


def card_rules(c: dict[str, Any]) -> None:
    """§3.1: ``not_before <= not_after``, else ``invalid``."""
    if c["body"]["not_before"] > c["body"]["not_after"]:
        _fail("invalid", "card not_before after not_after")


def trust_entry_rules(e: dict[str, Any]) -> None:
    """§3.1 trust entry: the card's rule; ``party`` equals the card's party."""
    card_rules(e["card"])
    if e["party"] != e["card"]["body"]["party"]:
        _fail("invalid", "trust entry party differs from its card's")


def rotation_rules(r: dict[str, Any]) -> None:
    """§3.6: the successor card's rule; ``not_before <= effective <= not_after``."""
    card_rules(r["body"]["successor"])
    sb = r["body"]["successor"]["body"]
    if not (sb["not_before"] <= r["body"]["effective"] <= sb["not_after"]):
        _fail("invalid", "rotation effective outside the successor's validity")


def revocation_rules(r: dict[str, Any]) -> None:
    """§3.7: ``compromised <= issued``, else ``invalid``."""
    if r["body"]["compromised"] > r["body"]["issued"]:
        _fail("invalid", "revocation compromised after issued")


def valid_stream_length(n: int) -> bool:
    """§5.1 STREAM lengths: ``L = 16`` or ``L >= 17`` and ``L mod 65552`` is 0 or > 16."""
    if n == 16:
        return True
    return n >= 17 and (n % 65552 == 0 or n % 65552 > 16)


def stream_plaintext_len(n: int) -> int:
    """§5.1: ``P = L - 16 * ceil(L / 65552)``."""
    return n - 16 * (-(-n // 65552))


def descriptor_rules(i: int, d: dict[str, Any], n_leaves: Optional[int] = None) -> None:
    """§5.1 rules 1 to 4 for the descriptor at position ``i``.

    The ``FIELD_CIPHERTEXT_MAX`` bound (§2.4: larger is ``over_limit``) is checked with
    rule 3, before the STREAM-length test.
    """
    if d["index"] != i:
        _fail("invalid", f"descriptor {i} has index {d['index']}")
    body: Variant = d["body"]
    if body.name != "Present":
        return
    pr = body.value
    if pr["chunk_size"] != CHUNK_SIZE:
        _fail("invalid", f"descriptor {i}: chunk size {pr['chunk_size']}")
    if pr["ciphertext_len"] > FIELD_CIPHERTEXT_MAX:
        _fail("over_limit", f"descriptor {i}: ciphertext over 2^52 bytes")
    if not valid_stream_length(pr["ciphertext_len"]):
        _fail("invalid", f"descriptor {i}: not a STREAM length")
    if n_leaves is not None and pr["segments"].bound() > n_leaves:
        _fail("invalid", f"descriptor {i}: segments past the field's leaves")


def envelope_record_rules(rec: dict[str, Any]) -> None:
    """§5.2: descriptor rules 1-3; at least one field; 1..256 distinct commitments."""
    for i, d in enumerate(rec["fields"]):
        descriptor_rules(i, d)
    if not rec["fields"]:
        _fail("invalid", "envelope record without fields")
    rc = rec["recipients"]
    if not (1 <= len(rc) <= RECIPIENTS_MAX) or len(set(rc)) != len(rc):
        _fail("invalid", "envelope record recipient commitments")


def metadata_rules(m: dict[str, Any]) -> None:
    """§4.4 rules 1 to 7."""
    if m["not_before"] > m["retain_until"]:
        _fail("invalid", "not_before after retain_until")
    if not m["recipients"]:
        _fail("invalid", "no recipients")
    ids = [r["key_id"] for r in m["recipients"]]
    if any(ids[i] >= ids[i + 1] for i in range(len(ids) - 1)):
        _fail("non_canonical", "recipients not sorted by key id")
    nf = len(m["fields"])
    for p in m["provenance"]:
        fl = p["fields"]
        if any(fl[i] >= fl[i + 1] for i in range(len(fl) - 1)):
            _fail("non_canonical", "provenance fields not increasing")
        if any(x >= nf for x in fl):
            _fail("invalid", "provenance names a field that does not exist")
    for i, f in enumerate(m["fields"]):
        if f["index"] != i:
            _fail("invalid", f"content descriptor {i} has index {f['index']}")
    if sum(f["segment_count"] for f in m["fields"]) > LEAVES_MAX:
        _fail("over_limit", "more than LEAVES_MAX segments")
    names = [f["name"].encode("utf-8") for f in m["fields"]]
    if len(set(names)) != len(names):
        _fail("invalid", "two fields with the same name")


def leaf_table_rules(lt: dict[str, Any]) -> None:
    """§8.2: every ``leaves`` length is a multiple of 32, else ``invalid``."""
    for f in lt["fields"]:
        if len(f["leaves"]) % 32:
            _fail("invalid", "leaves not a multiple of 32 bytes")


def leaf_counts(trailer: dict[str, Any]) -> list[int]:
    return [len(f["leaves"]) // 32 for f in trailer["leaves"]["fields"]]


def trailer_rules(t: dict[str, Any]) -> None:
    """§9.2 rules 1 to 5 (with the leaf-table rule of §8.2 first)."""
    leaf_table_rules(t["leaves"])
    counts = leaf_counts(t)
    if sum(counts) > LEAVES_MAX:
        _fail("over_limit", "more than LEAVES_MAX leaves")
    if len(t["fields"]) != len(counts):
        _fail("invalid", "descriptor count differs from the leaf table's")
    for i, d in enumerate(t["fields"]):
        descriptor_rules(i, d, counts[i])
    if not t["stanzas"]:
        _fail("invalid", "no stanza")
    lens = {len(s.value["ciphertext"]) for s in t["stanzas"]}
    if len(lens) != 1:
        _fail("invalid", "stanza ciphertexts of different lengths")
    # Not among the numbered rules of §9.2, but a package has at least one field (§4.4,
    # §8.4 step 3); the trailer_no_fields vector requires ``invalid`` (see the report).
    if not t["fields"]:
        _fail("invalid", "a package has at least one field")


def footer_rules(f: dict[str, Any]) -> None:
    """§9.3: magic (``bad_magic``), ``record_count <= EVENTS_MAX`` (``over_limit``)."""
    if f["magic"] != FOOTER_MAGIC:
        _fail("bad_magic", "footer magic")
    if f["record_count"] > EVENTS_MAX:
        _fail("over_limit", "too many records")


def envelope_of(ev: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The ``EnvelopeRecord`` of an envelope event, else ``None``."""
    body: Variant = ev["clear"]["body"]
    if body.name in ENVELOPE_KINDS:
        return body.value["envelope"]
    return None


def event_rules(ev: dict[str, Any]) -> None:
    """§10.1 rules 1 to 4 of a ``CustodyEvent``."""
    clear = ev["clear"]
    body: Variant = clear["body"]
    if body.name == "Sealed":
        if clear["sequence"] != 0:
            _fail("invalid", "sealed event with a non-zero sequence")
        if clear["prev"] != bytes(32):
            _fail("invalid", "sealed event with a non-zero prev")
    elif clear["sequence"] == 0:
        _fail("invalid", "only sealed has sequence 0")
    if body.name == "Redacted":
        removed = body.value["removed"]
        env = body.value["envelope"]
        fields = [r["field"] for r in removed]
        if any(fields[i] >= fields[i + 1] for i in range(len(fields) - 1)):
            _fail("non_canonical", "removals not increasing by field")
        if any(not r["segments"].ranges for r in removed):
            _fail("invalid", "a removal without segments")
        if not removed:
            _fail("invalid", "a redacted event that removes nothing")
        nf = len(env["fields"])
        if any(r["field"] >= nf for r in removed):
            _fail("invalid", "a removal of a field the envelope does not have")
        for r in removed:
            present = env["fields"][r["field"]]["body"].name == "Present"
            if (r["key_proof"] is not None) != present:
                _fail("invalid", f"key proof of field {r['field']}")
    env = envelope_of(ev)
    if env is not None:
        envelope_record_rules(env)


def ledger_entry_rules(e: dict[str, Any]) -> None:
    """§11: if ``sequence`` is 0, ``prev`` is zero, else ``invalid``."""
    if e["line"]["sequence"] == 0 and e["line"]["prev"] != bytes(32):
        _fail("invalid", "first ledger line with a non-zero prev")


def frame_rules(f: Variant) -> None:
    """§13.2: an ``AlreadyHave`` or ``Receipt`` carries a valid ``Received`` event."""
    if f.name in ("AlreadyHave", "Receipt"):
        ev = f.value["receipt"]
        event_rules(ev)
        if ev["clear"]["body"].name != "Received":
            _fail("invalid", "receipt frame without a received event")


def extract_rules(x: dict[str, Any]) -> None:
    """§12.7 rules of an ``Extract``, in order."""
    if x["magic"] != EXTRACT_MAGIC:
        _fail("bad_magic", "extract magic")
    p = x["prelude"]
    if p["version"] != VERSION:
        _fail("unknown_version", "prelude version")
    if p["suite"] != SUITE:
        _fail("unknown_suite", "prelude suite")
    if p["magic"] != PRELUDE_MAGIC:  # not listed in §12.7; the prelude's own rule
        _fail("bad_magic", "prelude magic")
    lc = x["leaf_counts"]
    if not (1 <= len(lc) <= FIELDS_MAX):
        _fail("invalid", "leaf counts")
    if sum(lc) > LEAVES_MAX:
        _fail("over_limit", "more than LEAVES_MAX leaves")
    segs = x["segments"]
    if not segs:
        _fail("invalid", "no segments")
    keys = [(s["field"], s["segment"]) for s in segs]
    if any(keys[i] >= keys[i + 1] for i in range(len(keys) - 1)):
        _fail("non_canonical", "segments not increasing")
    for s in segs:
        if s["field"] >= len(lc) or s["segment"] >= lc[s["field"]] or not s["data"]:
            _fail("invalid", "extract segment out of range or empty")
    if not x["events"]:
        _fail("invalid", "no events")
    for ev in x["events"]:
        event_rules(ev)


# =====================================================================================
# Top-level structures (§2.4)
# =====================================================================================


@dataclass(frozen=True)
class TopLevel:
    """A top-level structure: schema, maximum encoding and rules (§2.4, §2.5)."""

    schema: T
    max_len: int
    rules: Optional[Callable[[Any], None]]

    def decode(self, data: bytes) -> Any:
        return decode_top(self.schema, data, self.max_len, self.rules)


TOP_LEVEL: dict[str, TopLevel] = {
    "prelude": TopLevel(PRELUDE, 28, prelude_rules),
    "metadata": TopLevel(METADATA, METADATA_MAX, metadata_rules),
    "trailer": TopLevel(TRAILER, TRAILER_MAX, trailer_rules),
    "footer": TopLevel(FOOTER, 68, footer_rules),
    "custody event": TopLevel(CUSTODY_EVENT, EVENT_MAX, event_rules),
    "event details": TopLevel(EVENT_DETAILS, DETAILS_MAX - 16, None),
    "party card": TopLevel(PARTY_CARD, CARD_MAX, card_rules),
    "trust entry": TopLevel(TRUST_ENTRY, TRUST_ENTRY_MAX, trust_entry_rules),
    "ledger entry": TopLevel(LEDGER_ENTRY, LEDGER_LINE_MAX, ledger_entry_rules),
    "frame": TopLevel(FRAME, FRAME_MAX, frame_rules),
    "extract": TopLevel(EXTRACT, EXTRACT_MAX, extract_rules),
    "rotation": TopLevel(ROTATION, ROTATION_MAX, rotation_rules),
    "revocation": TopLevel(REVOCATION, REVOCATION_MAX, revocation_rules),
}


def decode(name: str, data: bytes) -> Any:
    """Decode ``data`` as the top-level structure ``name`` (its name in vectors, §2.4)."""
    return TOP_LEVEL[name].decode(data)


def encode(name: str, value: Any) -> bytes:
    return TOP_LEVEL[name].schema.encode(value)


def prelude_bytes(package_id: bytes) -> bytes:
    """``encode(Prelude)`` of a v1, suite 1 package (§4.1)."""
    return PRELUDE.encode(
        {"magic": PRELUDE_MAGIC, "version": VERSION, "suite": SUITE, "package_id": package_id}
    )


def ctx(package_id: bytes) -> bytes:
    """``ctx = u16le(version) || u16le(suite) || package_id`` (§3.2)."""
    return b"\x01\x00\x01\x00" + package_id


def segments_of(desc: dict[str, Any]) -> SegmentSet:
    """The segments of a descriptor: its set if ``Present``, empty if ``Removed``."""
    b: Variant = desc["body"]
    return b.value["segments"] if b.name == "Present" else SegmentSet()
