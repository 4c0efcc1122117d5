//! Property tests of the canonical codec: every valid value encodes, decodes
//! to itself and re-encodes to the same bytes; a byte flipped anywhere in a
//! valid encoding gives a typed error or another canonical value, never a
//! panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fmt::Debug;

use proptest::prelude::*;
use proptest::sample::select;

use rogatory_wire::package::{FOOTER_MAGIC, stream_ciphertext_len};
use rogatory_wire::{
    Bytes, CardBody, CategorySet, Clearances, ContentDescriptor, CustodyEvent, Digest,
    EnvelopeDescriptor, EnvelopeRecord, EventBody, EventClear, EventDetails, EventRef, FieldBody,
    FieldKind, FieldLeaves, FieldName, Footer, Frame, KeyId, LeafTable, LedgerAction, LedgerEntry,
    LedgerLine, MediaType, Metadata, Offer, OnwardConsent, PackageId, PartyCard, PartyId, PartyRef,
    PartySet, Prelude, Priority, Provenance, PublicKey, RejectReason, Removal, Salt, SegmentRange,
    SegmentSet, ShortText, Signature, SignatureBlock, Stanza, Tag, TagSet, Text, Timestamp, Token,
    Trailer, TrustEntry, Wire, XWingCiphertext, XWingPublicKey, decode, encode, limits,
};

const CASES: u32 = 256;

// ---------------------------------------------------------------- scalars

fn bytes32() -> impl Strategy<Value = [u8; 32]> {
    any::<[u8; 32]>()
}

fn digest() -> impl Strategy<Value = Digest> {
    bytes32().prop_map(Digest)
}

fn key_id() -> impl Strategy<Value = KeyId> {
    bytes32().prop_map(KeyId)
}

fn public_key() -> impl Strategy<Value = PublicKey> {
    bytes32().prop_map(PublicKey)
}

fn signature() -> impl Strategy<Value = Signature> {
    (bytes32(), bytes32()).prop_map(|(a, b)| {
        let mut s = [0u8; 64];
        s[..32].copy_from_slice(&a);
        s[32..].copy_from_slice(&b);
        Signature(s)
    })
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    prop_oneof![0u64..4_000_000_000, any::<u64>()].prop_map(Timestamp)
}

fn bytes<const MAX: usize>(max_len: usize) -> impl Strategy<Value = Bytes<MAX>> {
    prop::collection::vec(any::<u8>(), 0..=max_len).prop_map(|v| Bytes::new(v).unwrap())
}

// ---------------------------------------------------------------- strings

fn party_id() -> impl Strategy<Value = PartyId> {
    "[a-z0-9][a-z0-9.-]{0,63}".prop_map(|s| PartyId::new(s).unwrap())
}

fn tag() -> impl Strategy<Value = Tag> {
    "[a-z0-9][a-z0-9._-]{0,30}:[a-z0-9][a-z0-9._-]{0,30}".prop_map(|s| Tag::new(s).unwrap())
}

fn tag_set() -> impl Strategy<Value = TagSet> {
    prop::collection::vec(tag(), 1..=limits::TAGS_MAX)
        .prop_map(|v| TagSet::from_unsorted(v).unwrap())
}

fn token() -> impl Strategy<Value = Token> {
    "[a-z0-9][a-z0-9._-]{0,20}".prop_map(|s| Token::new(s).unwrap())
}

fn text() -> impl Strategy<Value = Text> {
    "(\\PC|\n|\t){0,40}".prop_map(|s| Text::new(s).unwrap())
}

fn field_name() -> impl Strategy<Value = String> {
    "\\PC{1,40}".prop_filter("at most 200 bytes", |s| s.len() <= 200)
}

fn media_type() -> impl Strategy<Value = MediaType> {
    "[a-z0-9][a-z0-9.+-]{0,20}/[a-z0-9][a-z0-9.+-]{0,20}".prop_map(|s| MediaType::new(s).unwrap())
}

// ---------------------------------------------------------------- package

/// The canonical set of `idx`, built by hand so the test does not lean on
/// the crate's own constructor.
fn set_of(mut idx: Vec<u32>) -> SegmentSet {
    idx.sort_unstable();
    idx.dedup();
    let mut ranges: Vec<SegmentRange> = Vec::new();
    for i in idx {
        match ranges.last_mut() {
            Some(r) if r.end == i => r.end = i + 1,
            _ => ranges.push(SegmentRange {
                start: i,
                end: i + 1,
            }),
        }
    }
    SegmentSet::from_ranges(ranges).unwrap()
}

fn segment_set() -> impl Strategy<Value = SegmentSet> {
    // Indices near the top of the allowed range too.
    let top = limits::LEAVES_MAX as u32;
    prop::collection::vec(prop_oneof![0u32..64, (top - 64)..top], 0..24).prop_map(set_of)
}

fn nonempty_segment_set() -> impl Strategy<Value = SegmentSet> {
    segment_set().prop_filter("non-empty", |s| !s.is_empty())
}

fn content_descriptor() -> impl Strategy<Value = ContentDescriptor> {
    (
        field_name(),
        media_type(),
        prop_oneof![Just(FieldKind::Binary), Just(FieldKind::Text)],
        tag_set(),
        0u32..1000,
        any::<u64>(),
    )
        .prop_map(
            |(name, media_type, kind, tags, segment_count, size)| ContentDescriptor {
                index: 0,
                name: FieldName::new(name).unwrap(),
                media_type,
                kind,
                tags,
                segment_count,
                size,
            },
        )
}

fn party_ref() -> impl Strategy<Value = PartyRef> {
    (party_id(), key_id()).prop_map(|(party, key_id)| PartyRef { party, key_id })
}

fn priority() -> impl Strategy<Value = Priority> {
    select(vec![
        Priority::Normal,
        Priority::Urgent,
        Priority::Immediate,
    ])
}

fn onward() -> impl Strategy<Value = OnwardConsent> {
    prop_oneof![
        Just(OnwardConsent::None),
        Just(OnwardConsent::AnyWithNotice),
        prop::collection::vec(party_id(), 1..6)
            .prop_map(|v| OnwardConsent::Parties(PartySet::from_unsorted(v).unwrap())),
    ]
}

fn category_set() -> impl Strategy<Value = CategorySet> {
    prop::collection::vec(token(), 0..6).prop_map(|v| CategorySet::from_unsorted(v).unwrap())
}

fn provenance() -> impl Strategy<Value = (Text, Text, Text, Text, Digest, Timestamp, Vec<u32>)> {
    (
        text(),
        text(),
        text(),
        text(),
        digest(),
        timestamp(),
        prop::collection::vec(any::<u32>(), 0..6),
    )
}

fn metadata() -> impl Strategy<Value = Metadata> {
    let times = (timestamp(), timestamp(), timestamp());
    let texts = (
        text(),
        prop::option::of(text()),
        text(),
        text(),
        text(),
        priority(),
        prop::option::of(timestamp()),
    );
    let parties = (
        category_set(),
        onward(),
        party_ref(),
        prop::collection::vec(party_ref(), 1..5),
    );
    let rest = (
        prop::collection::vec(provenance(), 0..3),
        prop::collection::vec(content_descriptor(), 1..5),
    );
    (times, texts, parties, rest).prop_map(
        |(
            (created, a, b),
            (
                case_reference,
                request_reference,
                legal_basis,
                issuing_authority,
                purpose,
                priority,
                deadline,
            ),
            (data_categories, onward, sender, mut recipients),
            (prov, mut fields),
        )| {
            recipients.sort_by_key(|r| r.key_id);
            recipients.dedup_by_key(|r| r.key_id);
            for (i, f) in fields.iter_mut().enumerate() {
                f.index = i as u32;
                // Names must be unique in the package.
                f.name = FieldName::new(format!("{i} {}", f.name.as_str())).unwrap();
            }
            let n = fields.len() as u32;
            let provenance = prov
                .into_iter()
                .map(
                    |(tool, tool_version, examiner, source, source_sha256, acquired, idx)| {
                        let mut fields: Vec<u32> = if n == 0 {
                            Vec::new()
                        } else {
                            idx.into_iter().map(|i| i % n).collect()
                        };
                        fields.sort_unstable();
                        fields.dedup();
                        Provenance {
                            tool,
                            tool_version,
                            examiner,
                            source,
                            source_sha256,
                            acquired,
                            fields,
                        }
                    },
                )
                .collect();
            Metadata {
                created,
                not_before: a.min(b),
                retain_until: a.max(b),
                case_reference,
                request_reference,
                legal_basis,
                issuing_authority,
                priority,
                deadline,
                purpose,
                data_categories,
                onward,
                sender,
                recipients,
                provenance,
                fields,
            }
        },
    )
}

fn field_body() -> impl Strategy<Value = FieldBody> {
    prop_oneof![
        1 => Just(FieldBody::Removed),
        4 => (0u64..(1 << 40), digest(), digest(), segment_set()).prop_map(
            |(pt, key_commitment, ciphertext_digest, segments)| FieldBody::Present {
                ciphertext_len: stream_ciphertext_len(pt, limits::CHUNK_SIZE),
                chunk_size: limits::CHUNK_SIZE,
                key_commitment,
                ciphertext_digest,
                segments,
            }
        ),
    ]
}

fn envelope() -> impl Strategy<Value = Vec<EnvelopeDescriptor>> {
    prop::collection::vec(field_body(), 1..5).prop_map(|bodies| {
        bodies
            .into_iter()
            .zip(0u32..)
            .map(|(body, index)| EnvelopeDescriptor { index, body })
            .collect()
    })
}

fn stanza(len: usize) -> impl Strategy<Value = Stanza> {
    (
        public_key(),
        any::<bool>(),
        any::<u8>(),
        prop::collection::vec(any::<u8>(), len),
    )
        .prop_map(|(enc, hybrid, fill, ct)| {
            let ciphertext = Bytes::new(ct).unwrap();
            if hybrid {
                Stanza::XWing {
                    enc: Box::new(XWingCiphertext([fill; XWingCiphertext::LEN])),
                    ciphertext,
                }
            } else {
                Stanza::X25519 { enc, ciphertext }
            }
        })
}

fn trailer() -> impl Strategy<Value = Trailer> {
    (
        bytes::<{ limits::METADATA_MAX + 16 }>(300),
        digest(),
        prop::collection::vec((field_body(), 0usize..8), 1..5),
        (0usize..200).prop_flat_map(|len| prop::collection::vec(stanza(len), 1..4)),
        key_id(),
        signature(),
    )
        .prop_map(
            |(metadata_ciphertext, metadata_commitment, fields, stanzas, signer, signature)| {
                let mut leaves = LeafTable::default();
                let mut descriptors = Vec::new();
                for ((body, extra), index) in fields.into_iter().zip(0u32..) {
                    let needed = match &body {
                        FieldBody::Present { segments, .. } => segments.bound() as usize,
                        FieldBody::Removed => 0,
                    };
                    // Keep leaf tables small: large segment indices are
                    // exercised by the custody events.
                    let body = match body {
                        FieldBody::Present {
                            ciphertext_len,
                            chunk_size,
                            key_commitment,
                            ciphertext_digest,
                            segments,
                        } if needed > 64 => FieldBody::Present {
                            ciphertext_len,
                            chunk_size,
                            key_commitment,
                            ciphertext_digest,
                            segments: set_of(segments.iter().filter(|&i| i < 64).collect()),
                        },
                        b => b,
                    };
                    let n = needed.min(64) + extra;
                    leaves.fields.push(FieldLeaves {
                        leaves: (0..n).map(|i| Digest([i as u8; 32])).collect(),
                    });
                    descriptors.push(EnvelopeDescriptor { index, body });
                }
                Trailer {
                    metadata_ciphertext,
                    metadata_commitment,
                    leaves,
                    fields: descriptors,
                    stanzas,
                    signature: SignatureBlock { signer, signature },
                }
            },
        )
}

// ---------------------------------------------------------------- custody

fn envelope_record() -> impl Strategy<Value = EnvelopeRecord> {
    (
        envelope(),
        digest(),
        bytes32(),
        prop::collection::btree_set(digest(), 1..=8),
    )
        .prop_map(
            |(fields, stanzas_digest, salt, recipients)| EnvelopeRecord {
                fields,
                stanzas_digest,
                recipients_salt: Salt(salt),
                recipients: recipients.into_iter().collect(),
            },
        )
}

/// Removals naming fields of an envelope of `n` fields, sorted, unique.
/// A key proof is present exactly for the fields that stay present.
fn removals(envelope: &[EnvelopeDescriptor]) -> impl Strategy<Value = Vec<Removal>> + use<> {
    let present: Vec<bool> = envelope
        .iter()
        .map(|d| matches!(d.body, FieldBody::Present { .. }))
        .collect();
    let n = present.len() as u32;
    (
        prop::collection::vec((any::<u32>(), nonempty_segment_set()), 1..5),
        signature(),
    )
        .prop_map(move |(v, proof)| {
            let m: BTreeMap<u32, SegmentSet> = v.into_iter().map(|(f, s)| (f % n, s)).collect();
            m.into_iter()
                .map(|(field, segments)| Removal {
                    field,
                    segments,
                    key_proof: present[field as usize].then_some(proof),
                })
                .collect()
        })
}

fn event_body() -> impl Strategy<Value = EventBody> {
    prop_oneof![
        envelope_record().prop_map(|envelope| EventBody::Sealed { envelope }),
        key_id().prop_map(|receiver| EventBody::Sent { receiver }),
        received_body(),
        envelope_record().prop_flat_map(|envelope| {
            removals(&envelope.fields).prop_map(move |removed| EventBody::Redacted {
                removed,
                envelope: envelope.clone(),
            })
        }),
        (key_id(), envelope_record())
            .prop_map(|(receiver, envelope)| EventBody::Forwarded { receiver, envelope }),
        Just(EventBody::Note),
    ]
}

fn received_body() -> impl Strategy<Value = EventBody> {
    (digest(), digest()).prop_map(|(bytes_digest, ledger_head)| EventBody::Received {
        bytes_digest,
        ledger_head,
    })
}

fn event_with(body: impl Strategy<Value = EventBody>) -> impl Strategy<Value = CustodyEvent> {
    (
        body,
        1u64..u64::MAX,
        digest(),
        digest(),
        key_id(),
        timestamp(),
        bytes32(),
        bytes::<{ limits::DETAILS_MAX }>(120),
        signature(),
    )
        .prop_map(
            |(body, seq, prev, package_digest, actor, time, salt, details, signature)| {
                let sealed = matches!(body, EventBody::Sealed { .. });
                CustodyEvent {
                    clear: EventClear {
                        sequence: if sealed { 0 } else { seq },
                        prev: if sealed { Digest::ZERO } else { prev },
                        package_digest,
                        actor,
                        time,
                        details_salt: Salt(salt),
                        body,
                    },
                    details,
                    signature,
                }
            },
        )
}

fn custody_event() -> impl Strategy<Value = CustodyEvent> {
    event_with(event_body())
}

fn event_details() -> impl Strategy<Value = EventDetails> {
    (
        party_id(),
        prop::option::of(party_id()),
        text(),
        text(),
        text(),
    )
        .prop_map(
            |(actor, counterpart, reason, legal_basis, text)| EventDetails {
                actor,
                counterpart,
                reason,
                legal_basis,
                text,
            },
        )
}

// ---------------------------------------------------------------- identity, ledger, session

fn party_card() -> impl Strategy<Value = PartyCard> {
    (
        party_id(),
        public_key(),
        public_key(),
        digest(),
        timestamp(),
        timestamp(),
        signature(),
        prop::option::of(any::<u8>()),
    )
        .prop_map(
            |(party, signing_key, agreement_key, tls, a, b, signature, hybrid)| PartyCard {
                body: CardBody {
                    party,
                    signing_key,
                    agreement_key,
                    tls_spki_sha256: tls,
                    not_before: a.min(b),
                    not_after: a.max(b),
                    hybrid_key: hybrid.map(|b| XWingPublicKey([b; XWingPublicKey::LEN])),
                },
                signature,
            },
        )
}

fn trust_entry() -> impl Strategy<Value = TrustEntry> {
    (
        party_card(),
        key_id(),
        prop::collection::vec(tag(), 0..20),
        any::<bool>(),
    )
        .prop_map(|(card, key_id, clearances, retired)| TrustEntry {
            party: card.body.party.clone(),
            key_id,
            card,
            clearances: Clearances::from_unsorted(clearances).unwrap(),
            retired,
        })
}

fn ledger_action() -> impl Strategy<Value = LedgerAction> {
    select(vec![
        LedgerAction::Sealed,
        LedgerAction::Sent,
        LedgerAction::Received,
        LedgerAction::Redacted,
        LedgerAction::Forwarded,
        LedgerAction::Note,
        LedgerAction::Opened,
        LedgerAction::Exported,
    ])
}

fn ledger_entry() -> impl Strategy<Value = LedgerEntry> {
    let head = (
        prop_oneof![Just(0u64), any::<u64>()],
        digest(),
        timestamp(),
        key_id(),
        ledger_action(),
        any::<[u8; 16]>(),
        digest(),
    );
    let options = (
        prop::option::of(
            (any::<u64>(), digest(), digest()).prop_map(|(sequence, prev, hash)| EventRef {
                sequence,
                prev,
                hash,
            }),
        ),
        prop::option::of(party_id()),
        prop::option::of(text()),
        category_set(),
        prop::option::of(priority()),
        prop::option::of(timestamp()),
        any::<u32>(),
        prop::option::of(text()),
    );
    (head, options, signature()).prop_map(
        |(
            (sequence, prev, time, actor, action, package_id, package_digest),
            (event, partner, legal_basis, categories, priority, retain_until, fields, reason),
            signature,
        )| LedgerEntry {
            line: LedgerLine {
                sequence,
                prev: if sequence == 0 { Digest::ZERO } else { prev },
                time,
                actor,
                action,
                package_id: PackageId(package_id),
                package_digest,
                event,
                partner,
                legal_basis,
                categories,
                priority,
                retain_until,
                fields,
                reason,
            },
            signature,
        },
    )
}

fn reject_reason() -> impl Strategy<Value = RejectReason> {
    select(vec![
        RejectReason::Malformed,
        RejectReason::TooLarge,
        RejectReason::DigestMismatch,
        RejectReason::VerificationFailed,
        RejectReason::NotForYou,
        RejectReason::UntrustedSender,
        RejectReason::Expired,
        RejectReason::Busy,
        RejectReason::StoreFailure,
        RejectReason::Timeout,
        RejectReason::NotEntitled,
    ])
}

fn frame() -> impl Strategy<Value = Frame> {
    prop_oneof![
        (any::<[u8; 16]>(), digest(), any::<u64>()).prop_map(|(id, bytes_digest, size)| {
            Frame::Offer(Offer {
                package_id: PackageId(id),
                bytes_digest,
                size,
            })
        }),
        any::<u64>().prop_map(|offset| Frame::Accept { offset }),
        (any::<u64>(), bytes::<{ limits::DATA_FRAME_MAX }>(300))
            .prop_map(|(offset, payload)| Frame::Data { offset, payload }),
        event_with(received_body()).prop_map(|receipt| Frame::AlreadyHave { receipt }),
        (reject_reason(), "\\PC{0,40}").prop_map(|(reason, d)| Frame::Reject {
            reason,
            detail: ShortText::new(d).unwrap(),
        }),
        event_with(received_body()).prop_map(|receipt| Frame::Receipt { receipt }),
    ]
}

fn prelude() -> impl Strategy<Value = Prelude> {
    any::<[u8; 16]>().prop_map(|id| Prelude::new(PackageId(id)))
}

fn footer() -> impl Strategy<Value = Footer> {
    (
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        0..=limits::EVENTS_MAX as u32,
        digest(),
    )
        .prop_map(
            |(trailer_offset, trailer_len, records_len, record_count, check)| Footer {
                trailer_offset,
                trailer_len,
                records_len,
                record_count,
                check,
                magic: FOOTER_MAGIC,
            },
        )
}

// ---------------------------------------------------------------- the properties

fn roundtrip<T: Wire + PartialEq + Debug>(value: &T) -> Result<(), TestCaseError> {
    let bytes = encode(value).map_err(|e| TestCaseError::fail(format!("encode: {e}")))?;
    let back: T = decode(&bytes).map_err(|e| TestCaseError::fail(format!("decode: {e}")))?;
    prop_assert_eq!(&back, value);
    let again = encode(&back).map_err(|e| TestCaseError::fail(format!("re-encode: {e}")))?;
    prop_assert_eq!(again, bytes);
    Ok(())
}

/// A host for a value that is not a top-level structure.
fn metadata_with_field(f: ContentDescriptor) -> Metadata {
    Metadata {
        created: Timestamp(0),
        not_before: Timestamp(0),
        retain_until: Timestamp(0),
        case_reference: Text::new("").unwrap(),
        request_reference: None,
        legal_basis: Text::new("").unwrap(),
        issuing_authority: Text::new("").unwrap(),
        priority: Priority::Normal,
        deadline: None,
        purpose: Text::new("").unwrap(),
        data_categories: CategorySet::default(),
        onward: OnwardConsent::None,
        sender: PartyRef {
            party: PartyId::new("de.bka").unwrap(),
            key_id: KeyId::ZERO,
        },
        recipients: vec![PartyRef {
            party: PartyId::new("de.bka").unwrap(),
            key_id: KeyId::ZERO,
        }],
        provenance: Vec::new(),
        fields: vec![f],
    }
}

fn details_with_actor(actor: PartyId) -> EventDetails {
    EventDetails {
        actor,
        counterpart: None,
        reason: Text::new("").unwrap(),
        legal_basis: Text::new("").unwrap(),
        text: Text::new("").unwrap(),
    }
}

fn sealed_with_segments(segments: SegmentSet) -> CustodyEvent {
    CustodyEvent {
        clear: EventClear {
            sequence: 0,
            prev: Digest::ZERO,
            package_digest: Digest::ZERO,
            actor: KeyId::ZERO,
            time: Timestamp(0),
            details_salt: Salt::ZERO,
            body: EventBody::Sealed {
                envelope: EnvelopeRecord {
                    fields: vec![EnvelopeDescriptor {
                        index: 0,
                        body: FieldBody::Present {
                            ciphertext_len: 16,
                            chunk_size: limits::CHUNK_SIZE,
                            key_commitment: Digest::ZERO,
                            ciphertext_digest: Digest::ZERO,
                            segments,
                        },
                    }],
                    stanzas_digest: Digest::ZERO,
                    recipients_salt: Salt::ZERO,
                    recipients: vec![Digest::ZERO],
                },
            },
        },
        details: Bytes::default(),
        signature: Signature::ZERO,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn party_id_roundtrips(p in party_id()) {
        roundtrip(&details_with_actor(p))?;
    }

    #[test]
    fn tag_roundtrips(t in tag()) {
        let f = metadata_with_field(ContentDescriptor {
            index: 0,
            name: FieldName::new("f").unwrap(),
            media_type: MediaType::new("text/plain").unwrap(),
            kind: FieldKind::Text,
            tags: TagSet::from_unsorted(vec![t]).unwrap(),
            segment_count: 0,
            size: 0,
        });
        roundtrip(&f)?;
    }

    #[test]
    fn tag_set_roundtrips(tags in tag_set()) {
        let m = metadata_with_field(ContentDescriptor {
            index: 0,
            name: FieldName::new("f").unwrap(),
            media_type: MediaType::new("text/plain").unwrap(),
            kind: FieldKind::Text,
            tags,
            segment_count: 0,
            size: 0,
        });
        roundtrip(&m)?;
    }

    #[test]
    fn segment_set_roundtrips(s in segment_set()) {
        roundtrip(&sealed_with_segments(s))?;
    }

    #[test]
    fn content_descriptor_roundtrips(d in content_descriptor()) {
        roundtrip(&metadata_with_field(d))?;
    }

    #[test]
    fn metadata_roundtrips(m in metadata()) {
        roundtrip(&m)?;
    }

    #[test]
    fn trailer_roundtrips(t in trailer()) {
        roundtrip(&t)?;
    }

    #[test]
    fn custody_event_roundtrips(e in custody_event()) {
        roundtrip(&e)?;
    }

    #[test]
    fn event_details_roundtrip(d in event_details()) {
        roundtrip(&d)?;
    }

    #[test]
    fn frame_roundtrips(f in frame()) {
        roundtrip(&f)?;
    }

    #[test]
    fn ledger_entry_roundtrips(e in ledger_entry()) {
        roundtrip(&e)?;
    }

    #[test]
    fn party_card_roundtrips(c in party_card()) {
        roundtrip(&c)?;
    }

    #[test]
    fn trust_entry_roundtrips(t in trust_entry()) {
        roundtrip(&t)?;
    }

    #[test]
    fn prelude_and_footer_roundtrip(p in prelude(), f in footer()) {
        roundtrip(&p)?;
        roundtrip(&f)?;
    }
}

/// Which decoder a flipped encoding is run through.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Prelude,
    Metadata,
    Trailer,
    Footer,
    CustodyEvent,
    EventDetails,
    PartyCard,
    TrustEntry,
    LedgerEntry,
    Frame,
}

fn encoded() -> impl Strategy<Value = (Kind, Vec<u8>)> {
    fn enc<T: Wire>(kind: Kind) -> impl Fn(T) -> (Kind, Vec<u8>) {
        move |v| (kind, encode(&v).unwrap())
    }
    prop_oneof![
        prelude().prop_map(enc(Kind::Prelude)),
        metadata().prop_map(enc(Kind::Metadata)),
        trailer().prop_map(enc(Kind::Trailer)),
        footer().prop_map(enc(Kind::Footer)),
        custody_event().prop_map(enc(Kind::CustodyEvent)),
        event_details().prop_map(enc(Kind::EventDetails)),
        party_card().prop_map(enc(Kind::PartyCard)),
        trust_entry().prop_map(enc(Kind::TrustEntry)),
        ledger_entry().prop_map(enc(Kind::LedgerEntry)),
        frame().prop_map(enc(Kind::Frame)),
    ]
}

/// Decodes `bytes` as `T`: a typed error, or a value that encodes to exactly
/// `bytes`.
fn decodes_canonically<T: Wire>(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(v) = decode::<T>(bytes) {
        let again = encode(&v).map_err(|e| TestCaseError::fail(format!("re-encode: {e}")))?;
        prop_assert_eq!(
            again.as_slice(),
            bytes,
            "{} decoded but re-encodes differently",
            T::NAME
        );
    }
    Ok(())
}

fn decodes_as(kind: Kind, bytes: &[u8]) -> Result<(), TestCaseError> {
    match kind {
        Kind::Prelude => decodes_canonically::<Prelude>(bytes),
        Kind::Metadata => decodes_canonically::<Metadata>(bytes),
        Kind::Trailer => decodes_canonically::<Trailer>(bytes),
        Kind::Footer => decodes_canonically::<Footer>(bytes),
        Kind::CustodyEvent => decodes_canonically::<CustodyEvent>(bytes),
        Kind::EventDetails => decodes_canonically::<EventDetails>(bytes),
        Kind::PartyCard => decodes_canonically::<PartyCard>(bytes),
        Kind::TrustEntry => decodes_canonically::<TrustEntry>(bytes),
        Kind::LedgerEntry => decodes_canonically::<LedgerEntry>(bytes),
        Kind::Frame => decodes_canonically::<Frame>(bytes),
    }
}

const ALL_KINDS: [Kind; 10] = [
    Kind::Prelude,
    Kind::Metadata,
    Kind::Trailer,
    Kind::Footer,
    Kind::CustodyEvent,
    Kind::EventDetails,
    Kind::PartyCard,
    Kind::TrustEntry,
    Kind::LedgerEntry,
    Kind::Frame,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn flipped_byte_is_refused_or_canonical(
        (kind, bytes) in encoded(),
        at in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let mut mutated = bytes;
        let i = at.index(mutated.len());
        mutated[i] ^= mask;
        decodes_as(kind, &mutated)?;
        // And no other decoder panics on it either.
        for other in ALL_KINDS {
            decodes_as(other, &mutated)?;
        }
    }
}
