//! Properties of sealing and opening over random packages:
//!
//! - the access matrix: for random fields (sizes from 0 to past 1 MiB, around
//!   the 64 KiB chunk and 1 MiB segment boundaries), random tag sets and
//!   random recipients with random clearances, every recipient opens a field
//!   with exactly its original bytes if and only if every tag of the field
//!   is among its clearances, and gets `NotCleared` otherwise; the sealer
//!   opens everything; a trusted party that is no recipient gets
//!   `NotARecipient`; keyless verification always passes;
//! - a random single-byte change anywhere in a package never verifies and
//!   opens to a different plaintext: some step refuses it (and in fact every
//!   such change is refused), or a field opens to exactly its original bytes.
//!
//! Case counts are modest, so that the file runs in seconds in the dev
//! profile; `PROPTEST_CASES=...` raises them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::io::Cursor;
use std::sync::OnceLock;

use common::{NOW, hybrid_party, info, party, rng, tag};
use proptest::prelude::*;
use proptest::sample::{Index, subsequence};
use rogatory_core::seal::{FieldSpec, Recipient};
use rogatory_core::{CoreError, Identity, Package, Sealer, Signer, TrustStore};
use rogatory_wire::limits::{CHUNK_SIZE, SEGMENT_MAX};
use rogatory_wire::{Clearances, FieldKind, FieldName, MediaType, PartyRef, TagSet};

/// The tags fields and clearances are drawn from.
const TAGS: [&str; 4] = [
    "category:content",
    "category:subscriber",
    "category:traffic",
    "sensitivity:restricted",
];
/// Parties that may be recipients.
const POOL: usize = 5;
const CHUNK: usize = CHUNK_SIZE as usize;
/// A segment record's header: index, salt, length.
const HEADER: usize = 40;

/// `n`, or the `PROPTEST_CASES` of the environment.
fn cases(n: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(n)
}

fn tags_of(mask: u8) -> Vec<rogatory_wire::Tag> {
    TAGS.iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, t)| tag(t))
        .collect()
}

struct Parties {
    sender: Identity,
    pool: Vec<Identity>,
    trust: TrustStore,
}

fn parties() -> &'static Parties {
    static P: OnceLock<Parties> = OnceLock::new();
    P.get_or_init(|| {
        let sender = party("de.bka", 1);
        let pool: Vec<Identity> = (0..POOL)
            // Every other party has a hybrid card: packages mix X-Wing and
            // X25519 stanzas.
            .map(|i| {
                let name = format!("p{i}.example");
                if i % 2 == 0 {
                    hybrid_party(&name, 40 + i as u8)
                } else {
                    party(&name, 40 + i as u8)
                }
            })
            .collect();
        let mut trust = TrustStore::new();
        trust.add(sender.card().clone(), vec![]).unwrap();
        for p in &pool {
            // Verification needs no clearances; sealing takes them from the
            // recipients below.
            trust.add(p.card().clone(), vec![]).unwrap();
        }
        Parties {
            sender,
            pool,
            trust,
        }
    })
}

#[derive(Clone, Debug)]
struct FieldCase {
    kind: FieldKind,
    tags: u8,
    size: usize,
    seed: u64,
}

/// Sizes: empty, small, and around the boundaries where the plaintext
/// stream (records of `HEADER` + segment bytes) crosses a chunk, and where a
/// binary field starts its second segment.
fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        3 => Just(0usize),
        6 => 1usize..400,
        4 => (CHUNK - HEADER - 3)..(CHUNK + 3),
        2 => (2 * CHUNK - 2 * HEADER - 3)..(2 * CHUNK + 3),
        1 => (SEGMENT_MAX - 2)..(SEGMENT_MAX + 3),
    ]
}

fn field() -> impl Strategy<Value = FieldCase> {
    (
        prop_oneof![Just(FieldKind::Text), Just(FieldKind::Binary)],
        1u8..16,
        size(),
        any::<u64>(),
    )
        .prop_map(|(kind, tags, size, seed)| FieldCase {
            kind,
            tags,
            size,
            seed,
        })
}

/// Deterministic content: text is printable with a line feed now and then
/// (lines of up to a few hundred bytes); binary is any byte.
fn content(f: &FieldCase) -> Vec<u8> {
    let mut x = f.seed | 1;
    (0..f.size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            match f.kind {
                FieldKind::Binary => x as u8,
                FieldKind::Text if x.is_multiple_of(173) => b'\n',
                FieldKind::Text => b' ' + (x % 95) as u8,
            }
        })
        .collect()
}

fn seal(
    fields: &[FieldCase],
    data: &[Vec<u8>],
    recipients: Vec<Recipient>,
    seed: u8,
) -> Result<Vec<u8>, CoreError> {
    let p = parties();
    let mut info = info();
    // The fixture's provenance names fields 0 and 1, which may not exist.
    info.provenance.clear();
    let mut s = Sealer::new(Vec::new(), &p.sender, recipients, info, NOW, rng(seed))?;
    for (i, (f, d)) in fields.iter().zip(data).enumerate() {
        let spec = FieldSpec {
            name: FieldName::new(format!("field-{i}")).unwrap(),
            media_type: MediaType::new("application/octet-stream").unwrap(),
            kind: f.kind,
            tags: TagSet::from_unsorted(tags_of(f.tags)).unwrap(),
        };
        s.add_field(spec, &mut &d[..])?;
    }
    Ok(s.seal()?.writer)
}

/// Parses, verifies and unlocks as `who`, then opens every field.
fn open_all(
    pkg: &[u8],
    trust: &TrustStore,
    who: &Identity,
    n: u32,
) -> Result<Vec<Result<Vec<u8>, CoreError>>, CoreError> {
    let mut u = Package::parse(Cursor::new(pkg))?
        .verify(trust)?
        .unlock(who, NOW)?;
    Ok((0..n)
        .map(|i| {
            let mut out = Vec::new();
            u.open_field(i, &mut out).map(|_| out)
        })
        .collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(96), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_access_matrix_is_exactly_the_clearance_rule(
        fields in prop::collection::vec(field(), 1..5),
        members in subsequence((0..POOL).collect::<Vec<_>>(), 1..=4),
        clearances in prop::collection::vec(0u8..16, POOL),
        seed in any::<u8>(),
    ) {
        let p = parties();
        let data: Vec<Vec<u8>> = fields.iter().map(content).collect();
        let recipients = members
            .iter()
            .map(|&i| Recipient {
                party: PartyRef {
                    party: p.pool[i].party().clone(),
                    key_id: p.pool[i].key_id(),
                },
                agreement_key: p.pool[i].card().body.agreement_key,
                hybrid_key: p.pool[i].card().body.hybrid_key,
                clearances: Clearances::from_unsorted(tags_of(clearances[i])).unwrap(),
            })
            .collect();
        let pkg = seal(&fields, &data, recipients, seed).unwrap();
        let n = fields.len() as u32;

        // Keyless verification always passes.
        let v = Package::parse(Cursor::new(&pkg[..])).unwrap().verify(&p.trust);
        prop_assert!(v.is_ok(), "keyless verify: {:?}", v.err());

        // The sealer reads every field.
        for (i, r) in open_all(&pkg, &p.trust, &p.sender, n).unwrap().into_iter().enumerate() {
            prop_assert_eq!(r.unwrap(), data[i].clone(), "sealer, field {}", i);
        }
        // Every member of the pool: a recipient opens a field iff every tag
        // of the field is among its clearances; a non-recipient nothing.
        for (who, id) in p.pool.iter().enumerate() {
            let got = open_all(&pkg, &p.trust, id, n);
            if !members.contains(&who) {
                prop_assert!(matches!(got, Err(CoreError::NotARecipient)), "p{}: {:?}", who, got.err());
                continue;
            }
            let got = got.unwrap();
            for (i, r) in got.into_iter().enumerate() {
                let cleared = fields[i].tags & !clearances[who] == 0;
                match r {
                    Ok(bytes) => {
                        prop_assert!(cleared, "p{} opened field {} it is not cleared for", who, i);
                        prop_assert!(bytes == data[i], "p{}, field {}: other bytes", who, i);
                    }
                    Err(CoreError::NotCleared { field, .. }) => {
                        prop_assert!(!cleared, "p{} refused field {} it is cleared for", who, i);
                        prop_assert_eq!(field, i as u32);
                    }
                    Err(e) => prop_assert!(false, "p{}, field {}: {}", who, i, e),
                }
            }
        }
    }
}

/// Two fixed packages to mutate: a small one whose bytes are mostly
/// structure (trailer, stanzas, custody), and one with a field of two
/// chunks. Each for two recipients who between them read every field.
struct Mutable {
    pkg: Vec<u8>,
    data: Vec<Vec<u8>>,
    readers: Vec<usize>,
}

fn mutables() -> &'static [Mutable; 2] {
    static M: OnceLock<[Mutable; 2]> = OnceLock::new();
    M.get_or_init(|| {
        let p = parties();
        let recipients = |masks: &[(usize, u8)]| -> Vec<Recipient> {
            masks
                .iter()
                .map(|&(i, m)| Recipient {
                    party: PartyRef {
                        party: p.pool[i].party().clone(),
                        key_id: p.pool[i].key_id(),
                    },
                    agreement_key: p.pool[i].card().body.agreement_key,
                    hybrid_key: p.pool[i].card().body.hybrid_key,
                    clearances: Clearances::from_unsorted(tags_of(m)).unwrap(),
                })
                .collect()
        };
        let make = |sizes: &[(FieldKind, u8, usize)], seed: u8| {
            let fields: Vec<FieldCase> = sizes
                .iter()
                .enumerate()
                .map(|(i, &(kind, tags, size))| FieldCase {
                    kind,
                    tags,
                    size,
                    seed: 1000 + i as u64,
                })
                .collect();
            let data: Vec<Vec<u8>> = fields.iter().map(content).collect();
            let pkg = seal(
                &fields,
                &data,
                recipients(&[(0, 0b0011), (1, 0b1110)]),
                seed,
            )
            .unwrap();
            Mutable {
                pkg,
                data,
                readers: vec![0, 1],
            }
        };
        [
            make(
                &[
                    (FieldKind::Text, 0b0001, 300),
                    (FieldKind::Text, 0b0010, 60),
                    (FieldKind::Binary, 0b0100, 0),
                    (FieldKind::Binary, 0b1000, 200),
                ],
                7,
            ),
            make(
                &[
                    (FieldKind::Binary, 0b0010, CHUNK + 100),
                    (FieldKind::Text, 0b0001, 500),
                ],
                8,
            ),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(512), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn a_changed_byte_never_opens_to_other_plaintext(
        which in 0usize..2,
        at in any::<Index>(),
        xor in 1u8..=255,
    ) {
        let p = parties();
        let m = &mutables()[which];
        let mut bad = m.pkg.clone();
        let at = at.index(bad.len());
        bad[at] ^= xor;
        let n = m.data.len() as u32;
        let mut refused = false;
        let mut readers: Vec<&Identity> = m.readers.iter().map(|&i| &p.pool[i]).collect();
        readers.push(&p.sender);
        for who in readers {
            match open_all(&bad, &p.trust, who, n) {
                Err(_) => refused = true,
                Ok(fields) => {
                    for (i, r) in fields.into_iter().enumerate() {
                        match r {
                            Ok(bytes) => prop_assert!(
                                bytes == m.data[i],
                                "byte {} ^ {:#04x}: field {} opened to other bytes", at, xor, i
                            ),
                            Err(CoreError::NotCleared { .. }) => {}
                            Err(_) => refused = true,
                        }
                    }
                }
            }
        }
        // Stronger than the property: no change goes unnoticed.
        prop_assert!(refused, "byte {} ^ {:#04x} of package {} went unnoticed", at, xor, which);
    }
}
