//! Negative vectors, each named after the one rule it breaks. Each starts
//! from the encoding of a valid sample and changes as little as possible,
//! using the layout of spec §2.2 (lengths and counts `u64` LE, enum tags
//! `u32` LE, option tags and booleans one byte).

use rogatory_wire::package::stream_ciphertext_len;
use rogatory_wire::{
    CustodyEvent, Digest, EventDetails, Footer, Frame, LedgerAction, LedgerEntry, Metadata,
    PartyCard, Prelude, RejectReason, ShortText, Stanza, StanzaKem, Trailer, TrustEntry, encode,
    limits,
};

use crate::bytes::{cat, le32, le64, lp, overwrite, replace_once, truncate};
use crate::positive::ledger_entry;
use crate::samples::{
    self as s, SIZE_CHAT, SIZE_SUBSCRIBER, T_CARD_FROM, T_CARD_UNTIL, T_RETAIN, T_SEALED,
};
use crate::{Error, Generator};

/// Offsets in the fixed-size structures (spec §4.1, §9.3, §3.1, §10.1).
const PRELUDE_VERSION: usize = 8;
const PRELUDE_SUITE: usize = 10;
const FOOTER_RECORD_COUNT: usize = 24;
const FOOTER_MAGIC: usize = 60;
const EVENT_PREV: usize = 8;
const EVENT_BODY_TAG: usize = 8 + 32 + 32 + 32 + 8 + 32;
const METADATA_NOT_BEFORE: usize = 8;
const LEDGER_PREV: usize = 8;

pub(crate) fn all(g: &mut Generator) -> Result<(), Error> {
    framing(g)?;
    magic_version_suite(g)?;
    scalars_and_strings(g)?;
    canonical_sets(g)?;
    metadata_rules(g)?;
    trailer_rules(g)?;
    custody_rules(g)?;
    lifecycle(g)?;
    other_rules(g)?;
    field_rules(g)?;
    Ok(())
}

/// Lengths, limits, truncation, trailing bytes.
fn framing(g: &mut Generator) -> Result<(), Error> {
    let card = encode(&s::card("de.bka")?)?;
    g.bad::<PartyCard>(
        "trailing_bytes",
        "A valid party card followed by one more byte.",
        cat(&[&card, &[0]]),
        "trailing_bytes",
    )?;
    let prelude = encode(&s::prelude())?;
    g.bad::<Prelude>(
        "prelude_over_length",
        "A valid prelude followed by one more byte: the input is longer than a prelude can be, which is refused before parsing.",
        cat(&[&prelude, &[0]]),
        "over_limit",
    )?;
    let name = "length_over_limit";
    let tags = s::sixteen_tags();
    let mut sixteen = le64(limits::TAGS_MAX as u64);
    for t in &tags {
        sixteen.extend(lp(t.as_bytes()));
    }
    let mut seventeen = le64(limits::TAGS_MAX as u64 + 1);
    for t in &tags {
        seventeen.extend(lp(t.as_bytes()));
    }
    seventeen.extend(lp(b"t16:v"));
    g.bad::<Metadata>(
        name,
        "A field with seventeen tags, one more than the limit; the tags themselves are well formed, sorted and unique.",
        replace_once(name, &encode(&s::metadata_max_tags()?)?, &sixteen, &seventeen)?,
        "over_limit",
    )?;
    let name = "u64_max_length";
    g.bad::<PartyCard>(
        name,
        "A party card whose party id has the length prefix 2^64-1.",
        overwrite(name, &card, 0, &le64(6), &le64(u64::MAX))?,
        "over_limit",
    )?;
    let name = "u64_max_count";
    let minimal = encode(&s::metadata_minimal()?)?;
    let r0 = party_ref_bytes("de.bka");
    g.bad::<Metadata>(
        name,
        "Metadata whose recipient list has the count 2^64-1.",
        replace_once(
            name,
            &minimal,
            &cat(&[&le64(1), &r0]),
            &cat(&[&le64(u64::MAX), &r0]),
        )?,
        "over_limit",
    )?;
    g.bad::<Frame>(
        "data_frame_over_limit",
        "A data frame whose payload, present in full, is one byte over the 1 MiB limit.",
        cat(&[
            &le32(2),
            &le64(0),
            &le64(limits::DATA_FRAME_MAX as u64 + 1),
            &vec![0u8; limits::DATA_FRAME_MAX + 1],
        ]),
        "over_limit",
    )?;
    let name = "footer_too_many_records";
    g.bad::<Footer>(
        name,
        "A footer that counts 65537 custody records, one more than the limit.",
        overwrite(
            name,
            &encode(&s::footer())?,
            FOOTER_RECORD_COUNT,
            &le32(2),
            &le32(limits::EVENTS_MAX as u32 + 1),
        )?,
        "over_limit",
    )?;
    g.bad::<Prelude>(
        "truncated_prelude",
        "A prelude one byte short.",
        truncate("truncated_prelude", &prelude, 27)?,
        "truncated",
    )?;
    let sent = encode(&s::event_sent()?)?;
    g.bad::<CustodyEvent>(
        "truncated_event",
        "The first half of a valid sent event.",
        truncate("truncated_event", &sent, sent.len() / 2)?,
        "truncated",
    )?;
    g.bad::<Prelude>(
        "empty_input",
        "No bytes at all, decoded as a prelude.",
        Vec::new(),
        "truncated",
    )?;
    Ok(())
}

fn magic_version_suite(g: &mut Generator) -> Result<(), Error> {
    let prelude = encode(&s::prelude())?;
    g.bad::<Prelude>(
        "bad_magic",
        "A prelude whose magic is ROGATORX.",
        overwrite("bad_magic", &prelude, 0, b"ROGATORY", b"ROGATORX")?,
        "bad_magic",
    )?;
    g.bad::<Prelude>(
        "unknown_version",
        "A prelude of protocol version 2.",
        overwrite(
            "unknown_version",
            &prelude,
            PRELUDE_VERSION,
            &1u16.to_le_bytes(),
            &2u16.to_le_bytes(),
        )?,
        "unknown_version",
    )?;
    g.bad::<Prelude>(
        "unknown_suite",
        "A prelude of cipher suite 2.",
        overwrite(
            "unknown_suite",
            &prelude,
            PRELUDE_SUITE,
            &1u16.to_le_bytes(),
            &2u16.to_le_bytes(),
        )?,
        "unknown_suite",
    )?;
    g.bad::<Footer>(
        "footer_bad_magic",
        "A footer that ends with the prelude's magic ROGATORY instead of RGTRYEND.",
        overwrite(
            "footer_bad_magic",
            &encode(&s::footer())?,
            FOOTER_MAGIC,
            b"RGTRYEND",
            b"ROGATORY",
        )?,
        "bad_magic",
    )?;
    Ok(())
}

/// Booleans, option tags, enum tags and string rules.
fn scalars_and_strings(g: &mut Generator) -> Result<(), Error> {
    let entry = encode(&s::trust_entry(
        "fr.pnat",
        &["sensitivity:restricted"],
        false,
    )?)?;
    let last = entry.len().saturating_sub(1);
    g.bad::<TrustEntry>(
        "invalid_bool",
        "A trust entry whose retired flag is the byte 2.",
        overwrite("invalid_bool", &entry, last, &[0], &[2])?,
        "invalid_bool",
    )?;
    let details = encode(&s::details_forward()?)?;
    let after_actor = lp(b"fr.pnat").len();
    g.bad::<EventDetails>(
        "invalid_option_tag",
        "Event details whose counterpart option tag is the byte 2.",
        overwrite("invalid_option_tag", &details, after_actor, &[1], &[2])?,
        "invalid_bool",
    )?;
    let name = "non_utf8_string";
    g.bad::<EventDetails>(
        name,
        "Event details whose free text holds the byte 0xff, which is not UTF-8.",
        replace_once(
            name,
            &encode(&s::details_note()?)?,
            &lp(b"note"),
            &lp(b"not\xff"),
        )?,
        "non_utf8",
    )?;
    let name = "invalid_string_uppercase_tag";
    g.bad::<Metadata>(
        name,
        "A field tag with an uppercase letter (Sensitivity:restricted); tags are lowercase.",
        replace_once(
            name,
            &encode(&s::metadata_minimal()?)?,
            &lp(b"sensitivity:restricted"),
            &lp(b"Sensitivity:restricted"),
        )?,
        "invalid_string",
    )?;
    let name = "invalid_party_id";
    g.bad::<PartyCard>(
        name,
        "A party card whose party id is de/bka; a slash is not allowed in a party id.",
        replace_once(
            name,
            &encode(&s::card("de.bka")?)?,
            &lp(b"de.bka"),
            &lp(b"de/bka"),
        )?,
        "invalid_string",
    )?;
    let full = encode(&s::metadata_full()?)?;
    let name = "invalid_field_name_control_character";
    g.bad::<Metadata>(
        name,
        "A field name that contains a line feed; field names hold no control characters.",
        replace_once(name, &full, &lp(b"subscriber.csv"), &lp(b"subscriber\ncsv"))?,
        "invalid_string",
    )?;
    let name = "invalid_media_type_uppercase";
    g.bad::<Metadata>(
        name,
        "A media type with uppercase letters (text/CSV); media types are lowercase.",
        replace_once(name, &full, &lp(b"text/csv"), &lp(b"text/CSV"))?,
        "invalid_string",
    )?;
    let name = "unknown_enum_tag";
    g.bad::<Frame>(
        name,
        "A frame with the tag 6; frames have the tags 0 to 5.",
        overwrite(
            name,
            &encode(&Frame::Accept { offset: 1 << 20 })?,
            0,
            &le32(1),
            &le32(6),
        )?,
        "unknown_variant",
    )?;
    let name = "unknown_event_kind";
    g.bad::<CustodyEvent>(
        name,
        "A custody event whose body has the tag 6; event kinds have the tags 0 to 5.",
        overwrite(
            name,
            &encode(&s::event_sent()?)?,
            EVENT_BODY_TAG,
            &le32(1),
            &le32(6),
        )?,
        "unknown_variant",
    )?;
    let name = "unknown_reject_reason";
    g.bad::<Frame>(
        name,
        "A reject frame with the reason code 11; reasons have the codes 0 to 10.",
        overwrite(
            name,
            &encode(&Frame::Reject {
                reason: RejectReason::Malformed,
                detail: ShortText::new("frame 3 did not decode")?,
            })?,
            4,
            &le32(0),
            &le32(11),
        )?,
        "unknown_variant",
    )?;
    Ok(())
}

fn party_ref_bytes(party: &str) -> Vec<u8> {
    cat(&[&lp(party.as_bytes()), s::key_id(party).as_bytes()])
}

/// Sets and segment sets out of their one canonical form.
fn canonical_sets(g: &mut Generator) -> Result<(), Error> {
    let full = encode(&s::metadata_full()?)?;
    let a = lp(b"category:subscriber");
    let b = lp(b"sensitivity:restricted");
    let name = "non_canonical_unsorted_tags";
    g.bad::<Metadata>(
        name,
        "A field whose two tags are in descending order.",
        replace_once(name, &full, &cat(&[&a, &b]), &cat(&[&b, &a]))?,
        "non_canonical",
    )?;
    let name = "non_canonical_duplicate_tags";
    g.bad::<Metadata>(
        name,
        "A field whose two tags are the same tag.",
        replace_once(name, &full, &cat(&[&a, &b]), &cat(&[&a, &a]))?,
        "non_canonical",
    )?;
    let name = "non_canonical_unsorted_onward_parties";
    let p1 = lp(b"eu.eurojust");
    let p2 = lp(b"nl.om");
    g.bad::<Metadata>(
        name,
        "An onward consent naming two parties in descending order.",
        replace_once(name, &full, &cat(&[&p1, &p2]), &cat(&[&p2, &p1]))?,
        "non_canonical",
    )?;
    let name = "non_canonical_unsorted_recipients";
    let m = s::metadata_full()?;
    let (r0, r1) = match m.recipients.as_slice() {
        [r0, r1] => (
            party_ref_bytes(r0.party.as_str()),
            party_ref_bytes(r1.party.as_str()),
        ),
        _ => {
            return Err(Error::Patch {
                vector: name.to_owned(),
                detail: "the sample needs two recipients".to_owned(),
            });
        }
    };
    g.bad::<Metadata>(
        name,
        "Metadata whose two recipients are not sorted by key id.",
        replace_once(name, &full, &cat(&[&r0, &r1]), &cat(&[&r1, &r0]))?,
        "non_canonical",
    )?;
    let name = "non_canonical_unsorted_clearances";
    let entry = encode(&s::trust_entry(
        "fr.pnat",
        &["category:content", "sensitivity:restricted"],
        false,
    )?)?;
    let c1 = lp(b"category:content");
    let c2 = lp(b"sensitivity:restricted");
    g.bad::<TrustEntry>(
        name,
        "A trust entry whose two clearances are in descending order.",
        replace_once(name, &entry, &cat(&[&c1, &c2]), &cat(&[&c2, &c1]))?,
        "non_canonical",
    )?;
    let trailer = encode(&s::trailer()?)?;
    // Field 1 keeps segments {0, 2}: the ranges [0,1) and [2,3).
    let partial = cat(&[&le64(2), &le32(0), &le32(1), &le32(2), &le32(3)]);
    let name = "non_canonical_segment_ranges_adjacent";
    g.bad::<Trailer>(
        name,
        "A segment set of the ranges [0,2) and [2,3), which touch: the canonical form is [0,3).",
        replace_once(
            name,
            &trailer,
            &partial,
            &cat(&[&le64(2), &le32(0), &le32(2), &le32(2), &le32(3)]),
        )?,
        "non_canonical",
    )?;
    let name = "non_canonical_segment_ranges_unsorted";
    g.bad::<Trailer>(
        name,
        "A segment set of the ranges [2,3) and [0,1), in descending order.",
        replace_once(
            name,
            &trailer,
            &partial,
            &cat(&[&le64(2), &le32(2), &le32(3), &le32(0), &le32(1)]),
        )?,
        "non_canonical",
    )?;
    // Field 0 is whole: the one range [0,3).
    let whole = cat(&[&le64(1), &le32(0), &le32(3)]);
    let name = "non_canonical_segment_range_empty";
    g.bad::<Trailer>(
        name,
        "A segment set holding the empty range [3,3).",
        replace_once(
            name,
            &trailer,
            &whole,
            &cat(&[&le64(1), &le32(3), &le32(3)]),
        )?,
        "non_canonical",
    )?;
    let name = "trailer_segment_past_leaves";
    g.bad::<Trailer>(
        name,
        "A field whose segment set [0,4) reaches past its three leaves.",
        replace_once(
            name,
            &trailer,
            &whole,
            &cat(&[&le64(1), &le32(0), &le32(4)]),
        )?,
        "invalid",
    )?;
    Ok(())
}

fn metadata_rules(g: &mut Generator) -> Result<(), Error> {
    let full = encode(&s::metadata_full()?)?;
    let name = "metadata_duplicate_field_names";
    g.bad::<Metadata>(
        name,
        "Metadata in which two fields have the name subscriber.csv.",
        replace_once(
            name,
            &full,
            &lp(b"chat-export.json"),
            &lp(b"subscriber.csv"),
        )?,
        "invalid",
    )?;
    let name = "metadata_not_before_after_retain_until";
    g.bad::<Metadata>(
        name,
        "Metadata whose not-before is one second after its retain-until.",
        overwrite(
            name,
            &full,
            METADATA_NOT_BEFORE,
            &le64(T_SEALED),
            &le64(T_RETAIN + 1),
        )?,
        "invalid",
    )?;
    let name = "metadata_no_recipients";
    g.bad::<Metadata>(
        name,
        "Metadata with an empty recipient list.",
        replace_once(
            name,
            &encode(&s::metadata_minimal()?)?,
            &cat(&[&le64(1), &party_ref_bytes("de.bka")]),
            &le64(0),
        )?,
        "invalid",
    )?;
    let name = "metadata_field_index_mismatch";
    g.bad::<Metadata>(
        name,
        "Metadata whose second content descriptor says it is field 2.",
        replace_once(
            name,
            &full,
            &cat(&[&le32(1), &lp(b"chat-export.json")]),
            &cat(&[&le32(2), &lp(b"chat-export.json")]),
        )?,
        "invalid",
    )?;
    Ok(())
}

/// A stanza's encoding with `ct` as its ciphertext: the KEM variant
/// (`u32`), the encapsulated key and the length-prefixed ciphertext.
fn stanza_bytes(st: &Stanza, ct: &[u8]) -> Vec<u8> {
    let kem = match st.kem() {
        StanzaKem::X25519 => 0,
        StanzaKem::XWing => 1,
    };
    cat(&[&le32(kem), st.enc(), &lp(ct)])
}

fn trailer_rules(g: &mut Generator) -> Result<(), Error> {
    let t = s::trailer()?;
    let trailer = encode(&t)?;
    let stanzas: Vec<Vec<u8>> = t
        .stanzas
        .iter()
        .map(|st| stanza_bytes(st, st.ciphertext().as_slice()))
        .collect();
    let name = "stanza_lengths_differ";
    let (first, second) = match stanzas.as_slice() {
        [a, b] => (a.clone(), b.clone()),
        _ => {
            return Err(Error::Patch {
                vector: name.to_owned(),
                detail: "the sample needs two stanzas".to_owned(),
            });
        }
    };
    let longer = t
        .stanzas
        .get(1)
        .map(|st| {
            let mut ct = st.ciphertext().as_slice().to_vec();
            ct.push(0xaa);
            stanza_bytes(st, &ct)
        })
        .unwrap_or_default();
    g.bad::<Trailer>(
        name,
        "A trailer whose second stanza ciphertext is one byte longer than the first.",
        replace_once(name, &trailer, &second, &longer)?,
        "invalid",
    )?;
    let name = "stanza_unknown_kem";
    let unknown = cat(&[&le32(2), &second[4..]]);
    g.bad::<Trailer>(
        name,
        "A trailer whose second stanza has KEM variant 2, which protocol v1 does not define.",
        replace_once(name, &trailer, &second, &unknown)?,
        "unknown_variant",
    )?;
    let name = "trailer_no_stanza";
    g.bad::<Trailer>(
        name,
        "A trailer without any recipient stanza.",
        replace_once(name, &trailer, &cat(&[&le64(2), &first, &second]), &le64(0))?,
        "invalid",
    )?;
    let name = "trailer_descriptor_count_mismatch";
    let mut leaves = le64(t.leaves.fields.len() as u64);
    for f in &t.leaves.fields {
        // Each field's leaves are one byte string: its prefix counts bytes.
        leaves.extend(le64(32 * f.leaves.len() as u64));
        for l in &f.leaves {
            leaves.extend_from_slice(l.as_bytes());
        }
    }
    let mut four = le64(t.leaves.fields.len() as u64 + 1);
    four.extend_from_slice(leaves.get(8..).unwrap_or_default());
    four.extend(le64(0));
    g.bad::<Trailer>(
        name,
        "A trailer whose leaf table has four fields (the last without leaves) but whose envelope has three descriptors.",
        replace_once(name, &trailer, &leaves, &four)?,
        "invalid",
    )?;
    let ct0 = stream_ciphertext_len(SIZE_SUBSCRIBER, limits::CHUNK_SIZE);
    let geometry = cat(&[&le64(ct0), &le32(limits::CHUNK_SIZE)]);
    let name = "bad_chunk_size";
    g.bad::<Trailer>(
        name,
        "An envelope descriptor with the chunk size 4096; suite 1 has only 65536.",
        replace_once(name, &trailer, &geometry, &cat(&[&le64(ct0), &le32(4096)]))?,
        "invalid",
    )?;
    let name = "bad_stream_length";
    let bad_len = u64::from(limits::CHUNK_SIZE) + 16 + 16;
    g.bad::<Trailer>(
        name,
        "An envelope descriptor whose ciphertext length (one full chunk and an empty final chunk) no plaintext gives.",
        replace_once(
            name,
            &trailer,
            &geometry,
            &cat(&[&le64(bad_len), &le32(limits::CHUNK_SIZE)]),
        )?,
        "invalid",
    )?;
    let name = "bad_stream_length_short";
    g.bad::<Trailer>(
        name,
        "An envelope descriptor whose ciphertext length of 15 bytes is shorter than one AEAD tag.",
        replace_once(
            name,
            &trailer,
            &geometry,
            &cat(&[&le64(15), &le32(limits::CHUNK_SIZE)]),
        )?,
        "invalid",
    )?;
    Ok(())
}

/// A removal; the field of the sample `redacted` event that stays present
/// (field 1) carries the sample key proof.
fn removal_bytes(field: u32, ranges: &[(u32, u32)]) -> Vec<u8> {
    let mut out = cat(&[&le32(field), &le64(ranges.len() as u64)]);
    for (a, b) in ranges {
        out.extend(le32(*a));
        out.extend(le32(*b));
    }
    if field == 1 {
        out.push(1);
        out.extend(crate::bytes::pseudo::<64>("key proof field 1"));
    } else {
        out.push(0);
    }
    out
}

fn lifecycle(g: &mut Generator) -> Result<(), Error> {
    // A rotation ends with `effective` (8 bytes) and the signature (64).
    let rot = encode(&s::rotation()?)?;
    let at = rot.len() - 72;
    g.bad::<rogatory_wire::Rotation>(
        "rotation_effective_before_successor_valid",
        "A rotation that takes effect a second before its successor card is valid.",
        overwrite(
            "rotation_effective_before_successor_valid",
            &rot,
            at,
            &(s::T_CARD_FROM + 86_400).to_le_bytes(),
            &(s::T_CARD_FROM - 1).to_le_bytes(),
        )?,
        "invalid",
    )?;
    // A revocation: key id (32), party (8 + 6), then `compromised`.
    let rev = s::revocation(false)?;
    let bytes = encode(&rev)?;
    g.bad::<rogatory_wire::Revocation>(
        "revocation_compromised_after_issued",
        "A revocation whose compromise time is after the statement was issued.",
        overwrite(
            "revocation_compromised_after_issued",
            &bytes,
            46,
            &rev.body.compromised.0.to_le_bytes(),
            &(rev.body.issued.0 + 1).to_le_bytes(),
        )?,
        "invalid",
    )?;
    let mut bytes = encode(&s::revocation(true)?)?;
    bytes.pop();
    g.bad::<rogatory_wire::Revocation>(
        "revocation_truncated",
        "A revocation statement without the last byte of its signature.",
        bytes,
        "truncated",
    )?;
    Ok(())
}

fn custody_rules(g: &mut Generator) -> Result<(), Error> {
    let sealed = encode(&s::event_sealed()?)?;
    let sent = encode(&s::event_sent()?)?;
    let zero = Digest::ZERO;
    let some_hash = s::digest("event hash 0");
    let name = "sealed_event_nonzero_sequence";
    g.bad::<CustodyEvent>(
        name,
        "A sealed event with the sequence number 1; sealed is always 0.",
        overwrite(name, &sealed, 0, &le64(0), &le64(1))?,
        "invalid",
    )?;
    let name = "sealed_event_nonzero_prev";
    g.bad::<CustodyEvent>(
        name,
        "A sealed event whose prev is not zero.",
        overwrite(
            name,
            &sealed,
            EVENT_PREV,
            zero.as_bytes(),
            some_hash.as_bytes(),
        )?,
        "invalid",
    )?;
    let name = "event_sequence_zero_not_sealed";
    g.bad::<CustodyEvent>(
        name,
        "A sent event with the sequence number 0, which only sealed may have.",
        overwrite(name, &sent, 0, &le64(1), &le64(0))?,
        "invalid",
    )?;
    let name = "envelope_descriptor_index_mismatch";
    let ct1 = stream_ciphertext_len(SIZE_CHAT, limits::CHUNK_SIZE);
    g.bad::<CustodyEvent>(
        name,
        "A sealed event whose second envelope descriptor says it is field 2.",
        replace_once(
            name,
            &sealed,
            &cat(&[&le32(1), &le32(0), &le64(ct1)]),
            &cat(&[&le32(2), &le32(0), &le64(ct1)]),
        )?,
        "invalid",
    )?;
    let redacted = encode(&s::event_redacted()?)?;
    let rem1 = removal_bytes(1, &[(1, 2)]);
    let rem2 = removal_bytes(2, &[(0, 3)]);
    let removed = cat(&[&le64(2), &rem1, &rem2]);
    let name = "redacted_event_removes_nothing";
    g.bad::<CustodyEvent>(
        name,
        "A redacted event with an empty list of removals.",
        replace_once(name, &redacted, &removed, &le64(0))?,
        "invalid",
    )?;
    let name = "redacted_cut_without_key_proof";
    let mut no_proof = rem1.clone();
    no_proof.truncate(rem1.len() - 65);
    no_proof.push(0);
    g.bad::<CustodyEvent>(
        name,
        "A redacted event whose removal of field 1, which stays present, carries no key proof.",
        replace_once(
            name,
            &redacted,
            &removed,
            &cat(&[&le64(2), &no_proof, &rem2]),
        )?,
        "invalid",
    )?;
    let name = "redacted_removal_empty";
    g.bad::<CustodyEvent>(
        name,
        "A redacted event one of whose removals has no segments.",
        replace_once(
            name,
            &redacted,
            &removed,
            &cat(&[&le64(2), &removal_bytes(1, &[]), &rem2]),
        )?,
        "invalid",
    )?;
    let name = "non_canonical_unsorted_removals";
    g.bad::<CustodyEvent>(
        name,
        "A redacted event whose removals are not sorted by field.",
        replace_once(name, &redacted, &removed, &cat(&[&le64(2), &rem2, &rem1]))?,
        "non_canonical",
    )?;
    g.bad::<Frame>(
        "receipt_frame_not_received",
        "A receipt frame that carries a sent event instead of a received event.",
        cat(&[&le32(5), &sent]),
        "invalid",
    )?;
    g.bad::<Frame>(
        "already_have_frame_not_received",
        "An already-have frame that carries a sealed event instead of a received event.",
        cat(&[&le32(3), &sealed]),
        "invalid",
    )?;
    Ok(())
}

fn other_rules(g: &mut Generator) -> Result<(), Error> {
    let card = encode(&s::card("de.bka")?)?;
    let name = "party_card_not_before_after_not_after";
    let not_before = lp(b"de.bka").len() + 3 * 32;
    g.bad::<PartyCard>(
        name,
        "A party card whose not-before is one second after its not-after.",
        overwrite(
            name,
            &card,
            not_before,
            &le64(T_CARD_FROM),
            &le64(T_CARD_UNTIL + 1),
        )?,
        "invalid",
    )?;
    let name = "trust_entry_party_mismatch";
    g.bad::<TrustEntry>(
        name,
        "A trust entry for fr.dgsi holding the card of fr.pnat.",
        overwrite(
            name,
            &encode(&s::trust_entry("fr.pnat", &[], false)?)?,
            0,
            &lp(b"fr.pnat"),
            &lp(b"fr.dgsi"),
        )?,
        "invalid",
    )?;
    let name = "ledger_first_line_nonzero_prev";
    g.bad::<LedgerEntry>(
        name,
        "The first ledger line (sequence 0) with a prev that is not zero.",
        overwrite(
            name,
            &encode(&ledger_entry(LedgerAction::Sealed, 0)?)?,
            LEDGER_PREV,
            Digest::ZERO.as_bytes(),
            s::digest("ledger line hash").as_bytes(),
        )?,
        "invalid",
    )?;
    Ok(())
}

/// Rules about fields as a whole: at least one, a bounded ciphertext, leaves
/// stored as whole digests, removals that name existing fields.
fn field_rules(g: &mut Generator) -> Result<(), Error> {
    let t = s::trailer()?;
    let trailer = encode(&t)?;
    // Field 0's leaves: one byte string of 3 × 32 bytes.
    let name = "trailer_leaves_not_multiple_of_32";
    let mut leaves0 = Vec::new();
    for l in t
        .leaves
        .fields
        .first()
        .map(|f| f.leaves.as_slice())
        .unwrap_or_default()
    {
        leaves0.extend_from_slice(l.as_bytes());
    }
    let cut = leaves0
        .get(..leaves0.len().saturating_sub(1))
        .unwrap_or_default();
    g.bad::<Trailer>(
        name,
        "A field whose leaves are 95 bytes, not a whole number of 32-byte digests.",
        replace_once(name, &trailer, &lp(&leaves0), &cat(&[&lp(cut)]))?,
        "invalid",
    )?;
    let name = "envelope_ciphertext_over_limit";
    let ct0 = stream_ciphertext_len(SIZE_SUBSCRIBER, limits::CHUNK_SIZE);
    let huge = stream_ciphertext_len(limits::FIELD_CIPHERTEXT_MAX, limits::CHUNK_SIZE);
    g.bad::<Trailer>(
        name,
        "An envelope descriptor whose ciphertext length, a valid STREAM length, is over the 2^52-byte limit of a field.",
        replace_once(
            name,
            &trailer,
            &cat(&[&le64(ct0), &le32(limits::CHUNK_SIZE)]),
            &cat(&[&le64(huge), &le32(limits::CHUNK_SIZE)]),
        )?,
        "over_limit",
    )?;
    let name = "trailer_no_fields";
    let empty = s::trailer_empty_field()?;
    let (kc, cd) = match empty.fields.first().map(|d| &d.body) {
        Some(rogatory_wire::FieldBody::Present {
            key_commitment,
            ciphertext_digest,
            ..
        }) => (*key_commitment, *ciphertext_digest),
        _ => {
            return Err(Error::Patch {
                vector: name.to_owned(),
                detail: "the sample needs one present field".to_owned(),
            });
        }
    };
    let one_field = cat(&[
        // Leaf table: one field, no leaves.
        &le64(1),
        &le64(0),
        // Envelope: one descriptor, present, 16 bytes, no segments.
        &le64(1),
        &le32(0),
        &le32(0),
        &le64(16),
        &le32(limits::CHUNK_SIZE),
        kc.as_bytes(),
        cd.as_bytes(),
        &le64(0),
    ]);
    g.bad::<Trailer>(
        name,
        "A trailer with no field at all: an empty leaf table and an empty envelope.",
        replace_once(
            name,
            &encode(&empty)?,
            &one_field,
            &cat(&[&le64(0), &le64(0)]),
        )?,
        "invalid",
    )?;
    let name = "metadata_no_fields";
    let descriptor = cat(&[
        &le64(1),
        &le32(0),
        &lp(b"note.txt"),
        &lp(b"text/plain"),
        &le32(1),
        &le64(1),
        &lp(b"sensitivity:restricted"),
        &le32(0),
        &le64(0),
    ]);
    g.bad::<Metadata>(
        name,
        "Metadata without any content descriptor.",
        replace_once(
            name,
            &encode(&s::metadata_minimal()?)?,
            &descriptor,
            &le64(0),
        )?,
        "invalid",
    )?;
    let name = "redacted_removal_unknown_field";
    g.bad::<CustodyEvent>(
        name,
        "A redacted event that removes segments of field 3 from an envelope of three fields (0 to 2).",
        replace_once(
            name,
            &encode(&s::event_redacted()?)?,
            &removal_bytes(2, &[(0, 3)]),
            &removal_bytes(3, &[(0, 3)]),
        )?,
        "invalid",
    )?;
    Ok(())
}
