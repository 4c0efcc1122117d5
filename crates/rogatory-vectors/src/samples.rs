//! The fixed values the vectors are made of.
//!
//! Keys, digests, salts and signatures are placeholders derived from a label
//! with [`pseudo`]: the wire layer checks their length, never their meaning.

use rogatory_wire::package::stream_ciphertext_len;
use rogatory_wire::{
    Bytes, CardBody, CategorySet, Clearances, ContentDescriptor, CustodyEvent, Digest,
    EnvelopeDescriptor, EnvelopeRecord, EventBody, EventClear, EventDetails, FieldBody, FieldKind,
    FieldLeaves, Footer, KeyId, LeafTable, MediaType, Metadata, OnwardConsent, PackageId,
    PartyCard, PartyId, PartyRef, PartySet, Prelude, Priority, Provenance, PublicKey, Salt,
    SegmentRange, SegmentSet, Signature, SignatureBlock, Stanza, Tag, TagSet, Text, Timestamp,
    Token, Trailer, TrustEntry, XWingCiphertext, XWingPublicKey, limits,
};

use crate::Error;
use crate::bytes::{pseudo, pseudo_vec};

/// 2026-11-27T09:30:00Z: the package is sealed.
pub const T_SEALED: u64 = 1_795_771_800;
/// 2026-11-28T08:00:00Z: later custody events.
pub const T_LATER: u64 = 1_795_852_800;
/// 2026-12-11T23:59:59Z: the deadline.
pub const T_DEADLINE: u64 = 1_797_033_599;
/// 2028-11-27T00:00:00Z: retain until.
pub const T_RETAIN: u64 = 1_858_896_000;
/// 2026-11-20T14:05:00Z: acquisition.
pub const T_ACQUIRED: u64 = 1_795_183_500;
/// 2026-01-01T00:00:00Z: cards become valid.
pub const T_CARD_FROM: u64 = 1_767_225_600;
/// 2027-12-31T23:59:59Z: cards expire.
pub const T_CARD_UNTIL: u64 = 1_830_297_599;

/// Plaintext sizes of the sample fields.
pub const SIZE_SUBSCRIBER: u64 = 1_234;
/// The chat export.
pub const SIZE_CHAT: u64 = 200_000;
/// The disk image.
pub const SIZE_DISK: u64 = 3 << 20;

pub(crate) fn party(s: &str) -> Result<PartyId, Error> {
    Ok(PartyId::new(s)?)
}

pub(crate) fn tag(s: &str) -> Result<Tag, Error> {
    Ok(Tag::new(s)?)
}

pub(crate) fn tags(items: &[&str]) -> Result<TagSet, Error> {
    let v = items
        .iter()
        .map(|s| tag(s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TagSet::from_unsorted(v)?)
}

pub(crate) fn text(s: &str) -> Result<Text, Error> {
    Ok(Text::new(s)?)
}

pub(crate) fn key_id(party: &str) -> KeyId {
    KeyId(pseudo(&format!("key id {party}")))
}

pub(crate) fn digest(label: &str) -> Digest {
    Digest(pseudo(label))
}

pub(crate) fn package_id() -> PackageId {
    PackageId(pseudo("package id"))
}

pub(crate) fn party_ref(p: &str) -> Result<PartyRef, Error> {
    Ok(PartyRef {
        party: party(p)?,
        key_id: key_id(p),
    })
}

/// The recipients, sorted by key id as the metadata requires.
pub(crate) fn recipients(parties: &[&str]) -> Result<Vec<PartyRef>, Error> {
    let mut v = parties
        .iter()
        .map(|p| party_ref(p))
        .collect::<Result<Vec<_>, _>>()?;
    v.sort_by_key(|r| r.key_id);
    Ok(v)
}

pub(crate) fn prelude() -> Prelude {
    Prelude::new(package_id())
}

/// One content descriptor.
pub(crate) struct FieldSpec<'a> {
    pub name: &'a str,
    pub media_type: &'a str,
    pub kind: FieldKind,
    pub tags: &'a [&'a str],
    pub segments: u32,
    pub size: u64,
}

pub(crate) fn descriptor(index: u32, f: &FieldSpec<'_>) -> Result<ContentDescriptor, Error> {
    Ok(ContentDescriptor {
        index,
        name: rogatory_wire::FieldName::new(f.name)?,
        media_type: MediaType::new(f.media_type)?,
        kind: f.kind,
        tags: tags(f.tags)?,
        segment_count: f.segments,
        size: f.size,
    })
}

/// The three fields of the full sample package.
pub(crate) const FIELDS: [FieldSpec<'static>; 3] = [
    FieldSpec {
        name: "subscriber.csv",
        media_type: "text/csv",
        kind: FieldKind::Text,
        tags: &["category:subscriber", "sensitivity:restricted"],
        segments: 3,
        size: SIZE_SUBSCRIBER,
    },
    FieldSpec {
        name: "chat-export.json",
        media_type: "application/json",
        kind: FieldKind::Text,
        tags: &[
            "category:content",
            "purpose:case-2026-0042",
            "sensitivity:secret",
        ],
        segments: 3,
        size: SIZE_CHAT,
    },
    FieldSpec {
        name: "Handy Beschuldigter.e01",
        media_type: "application/octet-stream",
        kind: FieldKind::Binary,
        tags: &["category:content", "sensitivity:secret"],
        segments: 3,
        size: SIZE_DISK,
    },
];

/// The metadata with every optional part filled.
pub(crate) fn metadata_full() -> Result<Metadata, Error> {
    let fields = FIELDS
        .iter()
        .zip(0u32..)
        .map(|(f, i)| descriptor(i, f))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Metadata {
        created: Timestamp(T_SEALED),
        not_before: Timestamp(T_SEALED),
        retain_until: Timestamp(T_RETAIN),
        case_reference: text("EU-JIT 2026/0042")?,
        request_reference: Some(text("MLA-DE-FR-2026-117")?),
        legal_basis: text(
            "Art. 18 and 31 Budapest Convention; Directive 2014/41/EU (EIO)\n§ 100a StPO",
        )?,
        issuing_authority: text("Staatsanwaltschaft München I")?,
        priority: Priority::Urgent,
        deadline: Some(Timestamp(T_DEADLINE)),
        purpose: text("criminal investigation: fraud\tcase 2026-0042")?,
        data_categories: CategorySet::from_unsorted(vec![
            Token::new("traffic")?,
            Token::new("content")?,
            Token::new("subscriber")?,
        ])?,
        onward: OnwardConsent::Parties(PartySet::from_unsorted(vec![
            party("eu.eurojust")?,
            party("nl.om")?,
        ])?),
        sender: party_ref("de.bka")?,
        recipients: recipients(&["fr.pnat", "de.bka"])?,
        provenance: vec![Provenance {
            tool: text("ExampleForensics")?,
            tool_version: text("7.4.1")?,
            examiner: text("KHK J. Weber")?,
            source: text("Samsung SM-S911B, IMEI 350000000000000")?,
            source_sha256: digest("source sha256"),
            acquired: Timestamp(T_ACQUIRED),
            fields: vec![1, 2],
        }],
        fields,
    })
}

/// The metadata with every optional part empty.
pub(crate) fn metadata_minimal() -> Result<Metadata, Error> {
    Ok(Metadata {
        created: Timestamp(T_SEALED),
        not_before: Timestamp(T_SEALED),
        retain_until: Timestamp(T_SEALED),
        case_reference: text("")?,
        request_reference: None,
        legal_basis: text("")?,
        issuing_authority: text("")?,
        priority: Priority::Normal,
        deadline: None,
        purpose: text("")?,
        data_categories: CategorySet::from_unsorted(Vec::new())?,
        onward: OnwardConsent::None,
        sender: party_ref("de.bka")?,
        recipients: recipients(&["de.bka"])?,
        provenance: Vec::new(),
        fields: vec![descriptor(
            0,
            &FieldSpec {
                name: "note.txt",
                media_type: "text/plain",
                kind: FieldKind::Text,
                tags: &["sensitivity:restricted"],
                segments: 0,
                size: 0,
            },
        )?],
    })
}

/// An immediate request whose sender allows onward transfer with notice.
pub(crate) fn metadata_any_with_notice() -> Result<Metadata, Error> {
    let mut m = metadata_full()?;
    m.priority = Priority::Immediate;
    m.onward = OnwardConsent::AnyWithNotice;
    m.request_reference = None;
    m.deadline = Some(Timestamp(T_SEALED + 3_600));
    Ok(m)
}

/// A field with exactly [`limits::TAGS_MAX`] tags, the most allowed.
pub(crate) fn sixteen_tags() -> Vec<String> {
    (0..limits::TAGS_MAX)
        .map(|i| format!("t{i:02}:v"))
        .collect()
}

/// Metadata with one field that has [`sixteen_tags`].
pub(crate) fn metadata_max_tags() -> Result<Metadata, Error> {
    let mut m = metadata_minimal()?;
    let names = sixteen_tags();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    if let Some(f) = m.fields.first_mut() {
        f.tags = tags(&refs)?;
    }
    Ok(m)
}

/// The segment set of the given half-open ranges, which must be canonical.
pub(crate) fn segments(ranges: &[(u32, u32)]) -> Result<SegmentSet, Error> {
    Ok(SegmentSet::from_ranges(
        ranges
            .iter()
            .map(|&(start, end)| SegmentRange { start, end })
            .collect(),
    )?)
}

/// A present field body covering `segments`.
pub(crate) fn present(label: &str, size: u64, segments: SegmentSet) -> FieldBody {
    FieldBody::Present {
        ciphertext_len: stream_ciphertext_len(size, limits::CHUNK_SIZE),
        chunk_size: limits::CHUNK_SIZE,
        key_commitment: digest(&format!("key commitment {label}")),
        ciphertext_digest: digest(&format!("ciphertext digest {label}")),
        segments,
    }
}

/// The envelope as sealed: every field present and whole.
pub(crate) fn envelope_sealed() -> Vec<EnvelopeDescriptor> {
    vec![
        EnvelopeDescriptor {
            index: 0,
            body: present("0", SIZE_SUBSCRIBER, SegmentSet::full(3)),
        },
        EnvelopeDescriptor {
            index: 1,
            body: present("1", SIZE_CHAT, SegmentSet::full(3)),
        },
        EnvelopeDescriptor {
            index: 2,
            body: present("2", SIZE_DISK, SegmentSet::full(3)),
        },
    ]
}

/// Plaintext left in the chat export after segment 1 went.
pub const SIZE_CHAT_REDACTED: u64 = 133_000;

/// The envelope after a redaction: field 1 lost segment 1 (re-encrypted under
/// a new key), field 2 was removed whole.
pub(crate) fn envelope_redacted() -> Result<Vec<EnvelopeDescriptor>, Error> {
    Ok(vec![
        EnvelopeDescriptor {
            index: 0,
            body: present("0", SIZE_SUBSCRIBER, SegmentSet::full(3)),
        },
        EnvelopeDescriptor {
            index: 1,
            body: present(
                "1 redacted",
                SIZE_CHAT_REDACTED,
                segments(&[(0, 1), (2, 3)])?,
            ),
        },
        EnvelopeDescriptor {
            index: 2,
            body: FieldBody::Removed,
        },
    ])
}

/// Length of the sample stanza ciphertexts: the key bundle of three fields
/// (metadata key, count, padded field keys) plus the AEAD tag.
pub const STANZA_LEN: usize = 32 + 8 + 3 * 33 + 16;

pub(crate) fn stanza(label: &str) -> Result<Stanza, Error> {
    Ok(Stanza::X25519 {
        enc: PublicKey(pseudo(&format!("stanza enc {label}"))),
        ciphertext: Bytes::new(pseudo_vec(&format!("stanza ct {label}"), STANZA_LEN))?,
    })
}

/// An X-Wing stanza: a 1120-byte encapsulated key, the ciphertext as long
/// as an X25519 stanza's.
pub(crate) fn hybrid_stanza(label: &str) -> Result<Stanza, Error> {
    Ok(Stanza::XWing {
        enc: Box::new(XWingCiphertext::from_slice(&pseudo_vec(
            &format!("stanza x-wing enc {label}"),
            XWingCiphertext::LEN,
        ))?),
        ciphertext: Bytes::new(pseudo_vec(&format!("stanza ct {label}"), STANZA_LEN))?,
    })
}

pub(crate) fn leaf_table(counts: &[u32]) -> LeafTable {
    LeafTable {
        fields: counts
            .iter()
            .zip(0u32..)
            .map(|(&n, f)| FieldLeaves {
                leaves: (0..n).map(|s| digest(&format!("leaf {f} {s}"))).collect(),
            })
            .collect(),
    }
}

pub(crate) fn signature_block() -> SignatureBlock {
    SignatureBlock {
        signer: key_id("de.bka"),
        signature: Signature(pseudo("package signature")),
    }
}

/// The metadata ciphertext: the sample is short; its length is what matters.
pub(crate) fn metadata_ciphertext() -> Result<Bytes<{ limits::METADATA_MAX + 16 }>, Error> {
    Ok(Bytes::new(pseudo_vec("metadata ciphertext", 96))?)
}

/// The trailer after the redaction: a whole field, a partial field and a
/// removed one.
pub(crate) fn trailer() -> Result<Trailer, Error> {
    Ok(Trailer {
        metadata_ciphertext: metadata_ciphertext()?,
        metadata_commitment: digest("metadata commitment"),
        leaves: leaf_table(&[3, 3, 3]),
        fields: envelope_redacted()?,
        stanzas: vec![stanza("de.bka")?, hybrid_stanza("fr.pnat")?],
        signature: signature_block(),
    })
}

/// A trailer of one empty field: a STREAM of one empty final chunk, no leaves.
pub(crate) fn trailer_empty_field() -> Result<Trailer, Error> {
    Ok(Trailer {
        metadata_ciphertext: metadata_ciphertext()?,
        metadata_commitment: digest("metadata commitment"),
        leaves: leaf_table(&[0]),
        fields: vec![EnvelopeDescriptor {
            index: 0,
            body: present("empty", 0, SegmentSet::empty()),
        }],
        stanzas: vec![stanza("de.bka")?],
        signature: signature_block(),
    })
}

pub(crate) fn footer() -> Footer {
    Footer {
        trailer_offset: 4_450_000,
        trailer_len: 2_048,
        records_len: 1_500,
        record_count: 2,
        check: digest("footer check"),
        magic: rogatory_wire::package::FOOTER_MAGIC,
    }
}

/// A custody event with the given sequence, actor and body.
pub(crate) fn event(sequence: u64, actor: &str, body: EventBody) -> Result<CustodyEvent, Error> {
    let prev = if sequence == 0 {
        Digest::ZERO
    } else {
        digest(&format!("event hash {}", sequence - 1))
    };
    Ok(CustodyEvent {
        clear: EventClear {
            sequence,
            prev,
            package_digest: digest("package digest"),
            actor: key_id(actor),
            time: Timestamp(if sequence == 0 {
                T_SEALED
            } else {
                T_LATER + sequence
            }),
            details_salt: Salt(pseudo(&format!("details salt {sequence}"))),
            body,
        },
        details: Bytes::new(pseudo_vec(&format!("details {sequence}"), 64 + 16))?,
        signature: Signature(pseudo(&format!("event signature {sequence}"))),
    })
}

pub(crate) fn envelope_record(fields: Vec<EnvelopeDescriptor>, label: &str) -> EnvelopeRecord {
    EnvelopeRecord {
        fields,
        stanzas_digest: digest(&format!("stanzas digest {label}")),
        recipients_salt: Salt(pseudo(&format!("recipients salt {label}"))),
        recipients: vec![
            digest(&format!("recipient 0 {label}")),
            digest(&format!("recipient 1 {label}")),
        ],
    }
}

pub(crate) fn event_sealed() -> Result<CustodyEvent, Error> {
    event(
        0,
        "de.bka",
        EventBody::Sealed {
            envelope: envelope_record(envelope_sealed(), "sealed"),
        },
    )
}

pub(crate) fn event_sent() -> Result<CustodyEvent, Error> {
    event(
        1,
        "de.bka",
        EventBody::Sent {
            receiver: key_id("fr.pnat"),
        },
    )
}

pub(crate) fn event_received() -> Result<CustodyEvent, Error> {
    event(
        2,
        "fr.pnat",
        EventBody::Received {
            bytes_digest: digest("offered bytes"),
            ledger_head: digest("ledger head fr.pnat"),
        },
    )
}

pub(crate) fn event_redacted() -> Result<CustodyEvent, Error> {
    event(
        3,
        "fr.pnat",
        EventBody::Redacted {
            removed: vec![
                rogatory_wire::Removal {
                    field: 1,
                    segments: segments(&[(1, 2)])?,
                    key_proof: Some(Signature(pseudo("key proof field 1"))),
                },
                rogatory_wire::Removal {
                    field: 2,
                    segments: SegmentSet::full(3),
                    key_proof: None,
                },
            ],
            envelope: envelope_record(envelope_redacted()?, "redacted"),
        },
    )
}

pub(crate) fn event_forwarded() -> Result<CustodyEvent, Error> {
    event(
        4,
        "fr.pnat",
        EventBody::Forwarded {
            receiver: key_id("eu.eurojust"),
            envelope: envelope_record(envelope_redacted()?, "forwarded"),
        },
    )
}

pub(crate) fn event_note() -> Result<CustodyEvent, Error> {
    event(5, "eu.eurojust", EventBody::Note)
}

pub(crate) fn details_forward() -> Result<EventDetails, Error> {
    Ok(EventDetails {
        actor: party("fr.pnat")?,
        counterpart: Some(party("eu.eurojust")?),
        reason: text("")?,
        legal_basis: text("Art. 6 Eurojust Regulation (EU) 2018/1727")?,
        text: text("Weitergabe an Eurojust, Koordinierungstreffen")?,
    })
}

pub(crate) fn details_note() -> Result<EventDetails, Error> {
    Ok(EventDetails {
        actor: party("eu.eurojust")?,
        counterpart: None,
        reason: text("")?,
        legal_basis: text("")?,
        text: text("note")?,
    })
}

pub(crate) fn card(p: &str) -> Result<PartyCard, Error> {
    Ok(PartyCard {
        body: CardBody {
            party: party(p)?,
            signing_key: PublicKey(pseudo(&format!("ed25519 {p}"))),
            agreement_key: PublicKey(pseudo(&format!("x25519 {p}"))),
            tls_spki_sha256: digest(&format!("tls spki {p}")),
            not_before: Timestamp(T_CARD_FROM),
            not_after: Timestamp(T_CARD_UNTIL),
            hybrid_key: None,
        },
        signature: Signature(pseudo(&format!("card signature {p}"))),
    })
}

/// A party card with an X-Wing hybrid key.
pub(crate) fn hybrid_card(p: &str) -> Result<PartyCard, Error> {
    let mut c = card(p)?;
    c.body.hybrid_key = Some(XWingPublicKey::from_slice(&pseudo_vec(
        &format!("x-wing {p}"),
        XWingPublicKey::LEN,
    ))?);
    Ok(c)
}

pub(crate) fn trust_entry(
    p: &str,
    clearances: &[&str],
    retired: bool,
) -> Result<TrustEntry, Error> {
    let c = clearances
        .iter()
        .map(|s| tag(s))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TrustEntry {
        party: party(p)?,
        key_id: key_id(p),
        card: card(p)?,
        clearances: Clearances::from_unsorted(c)?,
        retired,
    })
}

pub(crate) fn rotation() -> Result<rogatory_wire::Rotation, Error> {
    Ok(rogatory_wire::Rotation {
        body: rogatory_wire::RotationBody {
            predecessor: key_id("de.bka"),
            successor: card("de.bka.next")?,
            effective: Timestamp(T_CARD_FROM + 86_400),
        },
        signature: Signature(pseudo("rotation signature")),
    })
}

pub(crate) fn revocation(by_authority: bool) -> Result<rogatory_wire::Revocation, Error> {
    Ok(rogatory_wire::Revocation {
        body: rogatory_wire::RevocationBody {
            key_id: key_id("de.bka"),
            party: party("de.bka")?,
            compromised: Timestamp(T_CARD_FROM + 3 * 86_400),
            issued: Timestamp(T_CARD_FROM + 4 * 86_400),
            issuer: key_id(if by_authority {
                "xx.authority"
            } else {
                "de.bka"
            }),
            reason: rogatory_wire::ShortText::new(if by_authority {
                "key copied from a seized laptop"
            } else {
                ""
            })?,
        },
        signature: Signature(pseudo("revocation signature")),
    })
}
