//! Shared fixtures of the Rogatory benchmarks: parties, a trust store, and
//! the raw AEAD kernel that every figure is a ratio against.
#![forbid(unsafe_code)]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag as AeadTag};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rogatory_core::seal::{FieldSpec, PackageInfo, Recipient};
use rogatory_core::{Identity, Key32, Sealer, Signer, TrustStore};
use rogatory_wire::*;

pub const NOW: Timestamp = Timestamp(1_800_000_000);
pub const CHUNK: usize = 64 << 10;

pub fn rng(seed: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([seed; 32])
}

/// A party with a classical card (X25519 stanzas).
pub fn party(name: &str, seed: u8) -> Identity {
    party_with(name, seed, false)
}

/// A party whose card is hybrid (`hybrid`: X-Wing stanzas) or classical.
pub fn party_with(name: &str, seed: u8, hybrid: bool) -> Identity {
    let hybrid_seed = Key32::from_bytes([seed.wrapping_add(200); 32]);
    Identity::from_secrets_with_hybrid(
        PartyId::new(name).unwrap(),
        &Key32::from_bytes([seed; 32]),
        &Key32::from_bytes([seed.wrapping_add(100); 32]),
        hybrid.then_some(&hybrid_seed),
        Digest([seed; 32]),
        None,
        Timestamp(1_700_000_000),
        Timestamp(1_900_000_000),
    )
    .unwrap()
}

pub struct Parties {
    pub sender: Identity,
    pub recipients: Vec<Identity>,
    pub trust: TrustStore,
}

/// A sender and `n` recipients cleared for `category:content`, all with
/// classical cards.
pub fn parties(n: usize) -> Parties {
    parties_with(n, false)
}

/// A sender and `n` recipients cleared for `category:content`, all with
/// hybrid cards (`hybrid`) or all with classical ones.
pub fn parties_with(n: usize, hybrid: bool) -> Parties {
    let sender = party_with("de.bka", 1, hybrid);
    let mut trust = TrustStore::new();
    trust.add(sender.card().clone(), vec![]).unwrap();
    let recipients: Vec<Identity> = (0..n)
        .map(|i| party_with(&format!("r{i}.example"), 10 + i as u8, hybrid))
        .collect();
    for r in &recipients {
        trust
            .add(
                r.card().clone(),
                vec![Tag::new("category:content").unwrap()],
            )
            .unwrap();
    }
    Parties {
        sender,
        recipients,
        trust,
    }
}

pub fn info() -> PackageInfo {
    let t = |s: &str| Text::new(s).unwrap();
    PackageInfo {
        case_reference: t("CASE-BENCH"),
        request_reference: None,
        legal_basis: t("bench"),
        issuing_authority: t("bench"),
        priority: Priority::Normal,
        deadline: None,
        purpose: t("bench"),
        data_categories: CategorySet::default(),
        not_before: Timestamp(NOW.0 - 10),
        retain_until: Timestamp(NOW.0 + 86_400),
        onward: OnwardConsent::None,
        provenance: vec![],
    }
}

pub fn spec(name: &str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        name: FieldName::new(name).unwrap(),
        media_type: MediaType::new("application/octet-stream").unwrap(),
        kind,
        tags: TagSet::from_unsorted(vec![Tag::new("category:content").unwrap()]).unwrap(),
    }
}

pub fn recipients_of(p: &Parties) -> Vec<Recipient> {
    p.recipients
        .iter()
        .map(|r| Recipient::from_trust(p.trust.require(&r.key_id()).unwrap()))
        .collect()
}

/// Seals `fields` (name, bytes) into a package in memory.
pub fn seal(p: &Parties, fields: &[(&str, FieldKind, &[u8])], out: Vec<u8>) -> Vec<u8> {
    seal_to(p, fields, out)
}

/// Seals `fields` (name, bytes) into any writer.
pub fn seal_to<W: std::io::Write + Send>(
    p: &Parties,
    fields: &[(&str, FieldKind, &[u8])],
    out: W,
) -> W {
    let mut s = Sealer::new(out, &p.sender, recipients_of(p), info(), NOW, rng(7)).unwrap();
    for (name, kind, data) in fields {
        s.add_field(spec(name, *kind), &mut &data[..]).unwrap();
    }
    s.seal().unwrap().writer
}

/// Pseudo-random bytes (incompressible, deterministic).
pub fn data(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for chunk in v.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let b = x.to_le_bytes();
        chunk.copy_from_slice(&b[..chunk.len()]);
    }
    v
}

/// The baseline: the raw ChaCha20-Poly1305 kernel on one core, encrypting
/// `buf` in place in 64 KiB chunks with detached tags.
pub fn kernel_encrypt(buf: &mut [u8]) -> u64 {
    let cipher = ChaCha20Poly1305::new((&[7u8; 32]).into());
    let mut acc = 0u64;
    for (i, c) in buf.chunks_mut(CHUNK).enumerate() {
        let mut n = [0u8; 12];
        n[..8].copy_from_slice(&(i as u64).to_be_bytes());
        let tag = cipher
            .encrypt_inout_detached(&Nonce::from(n), b"", c.into())
            .unwrap();
        acc = acc.wrapping_add(u64::from(tag[0]));
    }
    acc
}

/// The baseline for opening: the raw kernel decrypting what
/// [`kernel_seal_chunks`] produced.
pub fn kernel_decrypt(chunks: &mut [(Vec<u8>, [u8; 16])]) {
    let cipher = ChaCha20Poly1305::new((&[7u8; 32]).into());
    for (i, (c, tag)) in chunks.iter_mut().enumerate() {
        let mut n = [0u8; 12];
        n[..8].copy_from_slice(&(i as u64).to_be_bytes());
        cipher
            .decrypt_inout_detached(
                &Nonce::from(n),
                b"",
                c.as_mut_slice().into(),
                &AeadTag::from(*tag),
            )
            .unwrap();
    }
}

/// Chunks and tags for [`kernel_decrypt`].
pub fn kernel_seal_chunks(data: &[u8]) -> Vec<(Vec<u8>, [u8; 16])> {
    let cipher = ChaCha20Poly1305::new((&[7u8; 32]).into());
    data.chunks(CHUNK)
        .enumerate()
        .map(|(i, c)| {
            let mut n = [0u8; 12];
            n[..8].copy_from_slice(&(i as u64).to_be_bytes());
            let mut v = c.to_vec();
            let tag = cipher
                .encrypt_inout_detached(&Nonce::from(n), b"", v.as_mut_slice().into())
                .unwrap();
            (v, tag.into())
        })
        .collect()
}

/// A chat-like text of `lines` lines of exactly 64 bytes each, line feed
/// included: a text field of one leaf per line (up to 2^20 lines).
pub fn text(lines: usize) -> Vec<u8> {
    use std::io::Write as _;
    let mut out = Vec::with_capacity(lines * 64);
    for i in 0..lines {
        let start = out.len();
        write!(
            out,
            "{i:09} 2026-11-19T21:04:05Z user{:05}: meet at nine",
            i % 99_991
        )
        .unwrap();
        out.resize(start + 63, b'.');
        out.push(b'\n');
    }
    out
}
