//! Fixtures of the redaction tests: four parties, one trust store, and a
//! package sealed by de.bka for fr.pnat.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rogatory_core::container::Parts;
use rogatory_core::seal::{FieldSpec, PackageInfo, Recipient};
use rogatory_core::{Identity, Key32, Sealer, Signer, TrustStore};
use rogatory_redact::{HeldPackage, Plan, Request};
use rogatory_wire::*;

pub const NOW: Timestamp = Timestamp(1_800_000_000);

pub fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

pub fn party(name: &str, seed: u8) -> Identity {
    Identity::from_secrets(
        PartyId::new(name).unwrap(),
        &Key32::from_bytes([seed; 32]),
        &Key32::from_bytes([seed.wrapping_add(100); 32]),
        Digest([seed; 32]),
        None,
        Timestamp(1_700_000_000),
        Timestamp(1_900_000_000),
    )
    .unwrap()
}

pub fn tag(s: &str) -> Tag {
    Tag::new(s).unwrap()
}

pub fn tags(list: &[&str]) -> TagSet {
    TagSet::from_unsorted(list.iter().map(|t| tag(t)).collect()).unwrap()
}

pub fn text(s: &str) -> Text {
    Text::new(s).unwrap()
}

pub struct World {
    /// A: seals.
    pub sender: Identity,
    /// B: a recipient that redacts and forwards.
    pub redactor: Identity,
    /// C: the party B forwards to.
    pub third: Identity,
    /// Trusted, never named by the sender's consent.
    pub outsider: Identity,
    pub trust: TrustStore,
}

/// Clearances: fr.pnat content, subscriber and restricted material; nl.om
/// content and subscriber data; xx.none subscriber data.
pub fn world() -> World {
    let sender = party("de.bka", 1);
    let redactor = party("fr.pnat", 2);
    let third = party("nl.om", 3);
    let outsider = party("xx.none", 4);
    let mut trust = TrustStore::new();
    trust.add(sender.card().clone(), vec![]).unwrap();
    trust
        .add(
            redactor.card().clone(),
            vec![
                tag("category:content"),
                tag("category:subscriber"),
                tag("sensitivity:restricted"),
            ],
        )
        .unwrap();
    trust
        .add(
            third.card().clone(),
            vec![tag("category:content"), tag("category:subscriber")],
        )
        .unwrap();
    trust
        .add(outsider.card().clone(), vec![tag("category:subscriber")])
        .unwrap();
    World {
        sender,
        redactor,
        third,
        outsider,
        trust,
    }
}

pub fn info(onward: OnwardConsent) -> PackageInfo {
    PackageInfo {
        case_reference: text("CASE-2026-0042"),
        request_reference: Some(text("MLA/2026/117")),
        legal_basis: text("Art. 18 Budapest Convention"),
        issuing_authority: text("Bundeskriminalamt"),
        priority: Priority::Urgent,
        deadline: None,
        purpose: text("criminal investigation"),
        data_categories: CategorySet::default(),
        not_before: Timestamp(NOW.0 - 10),
        retain_until: Timestamp(NOW.0 + 86_400 * 365),
        onward,
        provenance: vec![],
    }
}

pub fn only_to(parties: &[&str]) -> OnwardConsent {
    OnwardConsent::Parties(
        PartySet::from_unsorted(parties.iter().map(|p| PartyId::new(*p).unwrap()).collect())
            .unwrap(),
    )
}

pub fn spec(name: &str, kind: FieldKind, t: &[&str]) -> FieldSpec {
    FieldSpec {
        name: FieldName::new(name).unwrap(),
        media_type: MediaType::new(if kind == FieldKind::Text {
            "text/plain"
        } else {
            "application/octet-stream"
        })
        .unwrap(),
        kind,
        tags: tags(t),
    }
}

/// Six lines: personal data in lines 1 (e-mail), 3 (phone) and 5 (IBAN).
pub const CHAT_LINES: [&str; 6] = [
    "2026-01-01 alice: meet at 9\n",
    "2026-01-01 bob: write to bob.smith@example.org\n",
    "2026-01-02 alice: bring the USB stick\n",
    "2026-01-02 bob: call me on +49 151 23456789\n",
    "2026-01-03 alice: done\n",
    "2026-01-03 bob: pay to DE89 3704 0044 0532 0130 00\n",
];

pub fn chat() -> Vec<u8> {
    CHAT_LINES.concat().into_bytes()
}

pub const SUBSCRIBER: &[u8] = b"name,msisdn\nJohn Doe,+49151000000\n";

pub fn disk() -> Vec<u8> {
    (0..(2 << 20) + 12345)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

/// Fields: 0 chat.txt (content), 1 subscriber.csv (subscriber),
/// 2 disk.img (content, restricted). Sealed by de.bka for fr.pnat.
pub fn sealed_with(w: &World, onward: OnwardConsent, chat: &[u8], seed: u8) -> Vec<u8> {
    let recipients = vec![Recipient::from_trust(
        w.trust.require(&w.redactor.key_id()).unwrap(),
    )];
    let mut s = Sealer::new(
        Vec::new(),
        &w.sender,
        recipients,
        info(onward),
        NOW,
        rng(seed),
    )
    .unwrap();
    s.add_field(
        spec("chat.txt", FieldKind::Text, &["category:content"]),
        &mut &chat[..],
    )
    .unwrap();
    s.add_field(
        spec("subscriber.csv", FieldKind::Text, &["category:subscriber"]),
        &mut &SUBSCRIBER[..],
    )
    .unwrap();
    s.add_field(
        spec(
            "disk.img",
            FieldKind::Binary,
            &["category:content", "sensitivity:restricted"],
        ),
        &mut &disk()[..],
    )
    .unwrap();
    s.seal().unwrap().writer
}

pub fn sealed(w: &World, onward: OnwardConsent) -> Vec<u8> {
    sealed_with(w, onward, &chat(), 7)
}

pub fn held<'a>(
    bytes: &[u8],
    who: &'a Identity,
    trust: &'a TrustStore,
) -> HeldPackage<'a, Cursor<Vec<u8>>> {
    HeldPackage::from_bytes(bytes.to_vec(), who, trust, NOW).unwrap()
}

pub fn parts(bytes: &[u8]) -> Parts {
    Parts::read(Cursor::new(bytes.to_vec())).unwrap()
}

/// Plans `request` as `who` and applies it; returns the new package.
pub fn redact(
    bytes: &[u8],
    who: &Identity,
    trust: &TrustStore,
    request: &Request,
    seed: u8,
) -> Vec<u8> {
    let mut h = held(bytes, who, trust);
    let plan: Plan = h.plan(request).unwrap();
    h.redact(
        &plan,
        &text("third party not entitled"),
        &text("Art. 12 MLA treaty"),
        Vec::new(),
        &mut rng(seed),
    )
    .unwrap()
    .writer
}

pub fn forward(bytes: &[u8], who: &Identity, to: &str, trust: &TrustStore, seed: u8) -> Vec<u8> {
    let mut h = held(bytes, who, trust);
    h.forward(
        &PartyId::new(to).unwrap(),
        None,
        Some(&text("Art. 26 MLA treaty")),
        Vec::new(),
        &mut rng(seed),
    )
    .unwrap()
    .writer
}

pub fn segs(idx: &[u32]) -> SegmentSet {
    SegmentSet::from_indices(idx.to_vec()).unwrap()
}

/// The keys `who` holds, from its stanza.
pub fn bundle_of(
    bytes: &[u8],
    who: &Identity,
    trust: &TrustStore,
) -> rogatory_core::wrap::KeyBundle {
    let u = rogatory_core::Package::parse(Cursor::new(bytes.to_vec()))
        .unwrap()
        .verify(trust)
        .unwrap()
        .unlock(who, NOW)
        .unwrap();
    let b = u.bundle();
    rogatory_core::wrap::KeyBundle {
        metadata_key: b.metadata_key.duplicate(),
        field_keys: b
            .field_keys
            .iter()
            .map(|k| k.as_ref().map(Key32::duplicate))
            .collect(),
    }
}

/// Decrypts field `field` with `key`: its segment records (index, salt,
/// bytes), not checked against the leaves.
pub fn records(bytes: &[u8], key: &Key32, field: u32) -> Vec<(u32, [u8; 32], Vec<u8>)> {
    use rogatory_core::segment::{RecordParser, SegmentRecord};
    use rogatory_core::stream::{StreamDecryptor, field_aad};
    let p = parts(bytes);
    let id = p.prelude.package_id;
    let keys = rogatory_core::crypto::field_keys(key, &id, field);
    let ct = &p.bodies[field as usize];
    let mut dec = StreamDecryptor::new(
        &keys.aead,
        field_aad(&id, field),
        ct.len() as u64,
        "f".into(),
    )
    .unwrap();
    let mut out = Vec::new();
    let mut parser = RecordParser::default();
    let mut at = 0;
    while !dec.is_done() {
        let n = dec.next_batch_len();
        let mut buf = ct[at..at + n].to_vec();
        at += n;
        let m = dec.decrypt_batch(&mut buf).unwrap();
        parser
            .push(
                &buf[..m],
                &mut |r: SegmentRecord<'_>| -> Result<(), rogatory_core::CoreError> {
                    out.push((r.index, r.salt, r.data.to_vec()));
                    Ok(())
                },
            )
            .unwrap();
    }
    parser.finish().unwrap();
    out
}

/// Whether `needle` occurs anywhere in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
