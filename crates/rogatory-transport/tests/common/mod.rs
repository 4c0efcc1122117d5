//! Parties, trust stores and sealed packages for the transport tests.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    missing_docs
)]

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rogatory_core::seal::{FieldSpec, PackageInfo, Recipient, Sealer};
use rogatory_core::{Identity, Signer, TrustStore, system_rng};
use rogatory_transport::{DirStore, Limits, ReceiverConfig, Retry, SenderConfig};
use rogatory_wire::{
    CategorySet, FieldKind, FieldName, MediaType, OnwardConsent, PartyId, Priority, Tag, TagSet,
    Text, Timestamp, Token,
};

pub const DAY: u64 = 86_400;

pub fn now() -> Timestamp {
    rogatory_transport::now()
}

/// A party with fresh keys, valid from yesterday for a year.
pub fn identity(party: &str) -> Arc<Identity> {
    let t = now().0;
    Arc::new(
        Identity::generate(
            PartyId::new(party).unwrap(),
            Timestamp(t - DAY),
            Timestamp(t + 365 * DAY),
            &mut system_rng(),
        )
        .unwrap(),
    )
}

/// A trust store holding these cards with these clearances.
pub fn trust(cards: &[(&Identity, &[&str])]) -> Arc<TrustStore> {
    let mut t = TrustStore::new();
    for (id, clearances) in cards {
        t.add(
            id.card().clone(),
            clearances.iter().map(|c| Tag::new(*c).unwrap()).collect(),
        )
        .unwrap();
    }
    Arc::new(t)
}

/// Deterministic bytes.
pub fn bytes(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// Seals `fields` (name, content, tags) from `sender` to `to` into `out`.
pub fn seal(
    sender: &Identity,
    trust: &TrustStore,
    to: &[&Identity],
    fields: &[(&str, &[u8], &[&str])],
    out: &Path,
) -> PathBuf {
    let recipients = to
        .iter()
        .map(|id| Recipient::from_trust(trust.require(&id.key_id()).unwrap()))
        .collect();
    let t = now().0;
    let info = PackageInfo {
        case_reference: Text::new("CASE-2026-0042").unwrap(),
        request_reference: None,
        legal_basis: Text::new("Art. 18 Budapest Convention").unwrap(),
        issuing_authority: Text::new("Bundeskriminalamt").unwrap(),
        priority: Priority::Urgent,
        deadline: None,
        purpose: Text::new("criminal investigation").unwrap(),
        data_categories: CategorySet::from_unsorted(vec![Token::new("content").unwrap()]).unwrap(),
        not_before: Timestamp(t - 60),
        retain_until: Timestamp(t + 30 * DAY),
        onward: OnwardConsent::None,
        provenance: Vec::new(),
    };
    let file = BufWriter::new(File::create(out).unwrap());
    let mut sealer = Sealer::new(file, sender, recipients, info, now(), system_rng()).unwrap();
    for (name, content, tags) in fields {
        let spec = FieldSpec {
            name: FieldName::new(*name).unwrap(),
            media_type: MediaType::new("application/octet-stream").unwrap(),
            kind: FieldKind::Binary,
            tags: TagSet::from_unsorted(tags.iter().map(|t| Tag::new(*t).unwrap()).collect())
                .unwrap(),
        };
        sealer.add_field(spec, &mut &content[..]).unwrap();
    }
    let sealed = sealer.seal().unwrap();
    let mut w = sealed.writer;
    w.flush().unwrap();
    w.into_inner().unwrap().sync_all().unwrap();
    out.to_owned()
}

/// Short timeouts for tests on loopback.
pub fn limits() -> Limits {
    Limits {
        handshake_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(5),
        ..Limits::default()
    }
}

pub fn receiver_config(id: &Arc<Identity>, trust: &Arc<TrustStore>, dir: &Path) -> ReceiverConfig {
    ReceiverConfig {
        identity: id.clone(),
        trust: trust.clone(),
        store: Arc::new(DirStore::open(dir.join("store")).unwrap()),
        ledger_dir: dir.join("ledger"),
        limits: limits(),
    }
}

pub fn sender_config(id: &Arc<Identity>, trust: &Arc<TrustStore>, dir: &Path) -> SenderConfig {
    let mut cfg = SenderConfig::new(id.clone(), trust.clone(), dir.join("ledger"));
    cfg.limits = limits();
    cfg.retry = Retry {
        attempts: 3,
        first_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
    };
    cfg
}

/// Runs a future with a time limit: every test is bounded.
pub async fn bounded<T>(secs: u64, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(secs), f)
        .await
        .expect("the test ran past its time limit")
}
