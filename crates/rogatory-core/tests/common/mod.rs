//! Fixtures shared by the core integration tests: parties, a trust store, and
//! a sealed package held in memory.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Cursor;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rogatory_core::seal::{FieldSpec, PackageInfo, Recipient};
use rogatory_core::{Identity, Key32, Package, Sealer, Signer, TrustStore};
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

/// A party whose card carries an X-Wing hybrid key.
#[allow(dead_code)]
pub fn hybrid_party(name: &str, seed: u8) -> Identity {
    Identity::from_secrets_with_hybrid(
        PartyId::new(name).unwrap(),
        &Key32::from_bytes([seed; 32]),
        &Key32::from_bytes([seed.wrapping_add(100); 32]),
        Some(&Key32::from_bytes([seed.wrapping_add(200); 32])),
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
    pub sender: Identity,
    pub alice: Identity,
    pub bob: Identity,
    pub outsider: Identity,
    pub trust: TrustStore,
}

/// de.bka seals; fr.pnat (alice) is cleared for content and subscriber data;
/// nl.om (bob) for subscriber data only; xx.none is trusted but not a
/// recipient.
pub fn world() -> World {
    let sender = party("de.bka", 1);
    let alice = party("fr.pnat", 2);
    let bob = party("nl.om", 3);
    let outsider = party("xx.none", 4);
    let mut trust = TrustStore::new();
    trust.add(sender.card().clone(), vec![]).unwrap();
    trust
        .add(
            alice.card().clone(),
            vec![
                tag("category:content"),
                tag("category:subscriber"),
                tag("sensitivity:restricted"),
            ],
        )
        .unwrap();
    trust
        .add(bob.card().clone(), vec![tag("category:subscriber")])
        .unwrap();
    trust
        .add(outsider.card().clone(), vec![tag("category:subscriber")])
        .unwrap();
    World {
        sender,
        alice,
        bob,
        outsider,
        trust,
    }
}

pub fn info() -> PackageInfo {
    PackageInfo {
        case_reference: text("CASE-2026-0042"),
        request_reference: Some(text("MLA/2026/117")),
        legal_basis: text("Art. 18 Budapest Convention"),
        issuing_authority: text("Bundeskriminalamt"),
        priority: Priority::Urgent,
        deadline: Some(Timestamp(NOW.0 + 86_400 * 7)),
        purpose: text("criminal investigation"),
        data_categories: CategorySet::from_unsorted(vec![
            Token::new("subscriber").unwrap(),
            Token::new("content").unwrap(),
        ])
        .unwrap(),
        not_before: Timestamp(NOW.0 - 10),
        retain_until: Timestamp(NOW.0 + 86_400 * 365),
        onward: OnwardConsent::None,
        provenance: vec![Provenance {
            tool: text("acquire-tool"),
            tool_version: text("4.2"),
            examiner: text("examiner 17"),
            source: text("phone IMEI 350000000000001"),
            source_sha256: Digest([0xab; 32]),
            acquired: Timestamp(NOW.0 - 3600),
            fields: vec![0, 1],
        }],
    }
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

pub fn recipients(w: &World, ids: &[&Identity]) -> Vec<Recipient> {
    ids.iter()
        .map(|i| Recipient::from_trust(w.trust.require(&i.key_id()).unwrap()))
        .collect()
}

pub const CHAT: &[u8] =
    b"2026-01-01 alice: meet at 9\n2026-01-01 bob: ok\n2026-01-02 alice: bring the USB stick\n";
pub const SUBSCRIBER: &[u8] = b"name,msisdn\nJohn Doe,+49151000000\n";

pub fn disk() -> Vec<u8> {
    (0..(2 << 20) + 12345)
        .map(|i: u32| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect()
}

/// A package of three fields for alice and bob.
pub fn sealed(w: &World, seed: u8) -> Vec<u8> {
    let mut s = Sealer::new(
        Vec::new(),
        &w.sender,
        recipients(w, &[&w.alice, &w.bob]),
        info(),
        NOW,
        rng(seed),
    )
    .unwrap();
    s.add_field(
        spec(
            "chat.txt",
            FieldKind::Text,
            &["category:content", "sensitivity:restricted"],
        ),
        &mut &CHAT[..],
    )
    .unwrap();
    s.add_field(
        spec("subscriber.csv", FieldKind::Text, &["category:subscriber"]),
        &mut &SUBSCRIBER[..],
    )
    .unwrap();
    s.add_field(
        spec("disk.img", FieldKind::Binary, &["category:content"]),
        &mut &disk()[..],
    )
    .unwrap();
    s.seal().unwrap().writer
}

pub fn parse(bytes: &[u8]) -> Package<Cursor<Vec<u8>>> {
    Package::parse(Cursor::new(bytes.to_vec())).unwrap()
}

pub fn open_all(
    bytes: &[u8],
    trust: &TrustStore,
    who: &Identity,
) -> Vec<Result<Vec<u8>, rogatory_core::CoreError>> {
    let v = parse(bytes).verify(trust).unwrap();
    let mut u = v.unlock(who, NOW).unwrap();
    (0..3)
        .map(|i| {
            let mut out = Vec::new();
            u.open_field(i, &mut out).map(|_| out)
        })
        .collect()
}
