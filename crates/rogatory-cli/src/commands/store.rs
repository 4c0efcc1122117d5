//! `rogatory store list|show`: what a receiver's store holds (`rogatory-recv
//! --store DIR`): each delivery, from whom, whether its package verifies
//! (again, with a trust store) and whether its receipt was written.

use std::io::Write;
use std::path::Path;

use rogatory::core::identity::fingerprint;
use rogatory::core::{Package, TrustStore};
use rogatory::transport::{DirStore, StoredDelivery};
use rogatory::wire::KeyId;
use serde::Serialize;

use super::{load_trust, outln};
use crate::error::{CliError, Result};

/// One delivery as `store list --json` prints it.
#[derive(Serialize)]
struct Listed {
    delivery: String,
    package_id: String,
    /// `stored` (verified and renamed into place) or `partial` (still
    /// arriving, or broken off and to be resumed).
    state: &'static str,
    /// Bytes: of the package, or received so far.
    size: u64,
    sender_key_id: Option<String>,
    sender: Option<String>,
    /// When the receipt was signed (RFC 3339), if it was written.
    receipted: Option<String>,
    /// With `--trust`: whether the package verifies now; `null` without.
    verified: Option<bool>,
    /// Why it does not verify, or cannot be read.
    error: Option<String>,
    custody: Vec<Event>,
}

#[derive(Serialize)]
struct Event {
    sequence: u64,
    kind: &'static str,
    actor_key_id: String,
    actor: Option<String>,
    time: String,
}

fn party(trust: Option<&TrustStore>, key: &KeyId) -> Option<String> {
    trust
        .and_then(|t| t.require(key).ok())
        .map(|e| e.party.to_string())
}

fn describe(d: &StoredDelivery, trust: Option<&TrustStore>) -> Listed {
    let mut l = Listed {
        delivery: d.key.name(),
        package_id: hex::encode(d.key.package_id.0),
        state: if d.package.is_some() {
            "stored"
        } else {
            "partial"
        },
        size: d.partial_bytes.unwrap_or(0),
        sender_key_id: None,
        sender: None,
        receipted: d.receipt.as_ref().map(|r| r.clear.time.to_string()),
        verified: None,
        error: None,
        custody: Vec::new(),
    };
    let Some(path) = &d.package else {
        return l;
    };
    match Package::open(path) {
        Ok(pkg) => {
            let i = pkg.inspect();
            l.size = i.size;
            l.sender = party(trust, &i.signer);
            l.sender_key_id = Some(i.signer.to_hex());
            l.custody = i
                .events
                .iter()
                .map(|e| Event {
                    sequence: e.sequence,
                    kind: e.kind,
                    actor_key_id: e.actor.to_hex(),
                    actor: party(trust, &e.actor),
                    time: e.time.to_string(),
                })
                .collect();
            if let Some(t) = trust {
                match pkg.verify(t) {
                    Ok(_) => l.verified = Some(true),
                    Err(e) => {
                        l.verified = Some(false);
                        l.error = Some(CliError::from(e).one_line());
                    }
                }
            }
        }
        Err(e) => {
            l.verified = trust.map(|_| false);
            l.error = Some(CliError::from(e).one_line());
        }
    }
    l
}

fn open(dir: &Path, trust: Option<&Path>) -> Result<(DirStore, Option<TrustStore>)> {
    let store = DirStore::existing(dir)?;
    let trust = trust.map(load_trust).transpose()?;
    Ok((store, trust))
}

fn print(l: &Listed, out: &mut dyn Write) -> Result<()> {
    outln!(out, "{}  {}", l.package_id, l.state);
    outln!(out, "  delivery:  {}", l.delivery);
    outln!(out, "  size:      {} bytes", l.size);
    if let Some(k) = &l.sender_key_id {
        let key = KeyId::from_hex(k)
            .map(|k| fingerprint(&k))
            .unwrap_or_default();
        match &l.sender {
            Some(p) => outln!(out, "  from:      {p} ({key})"),
            None => outln!(out, "  from:      key {key}"),
        }
    }
    match &l.receipted {
        Some(t) => outln!(out, "  receipt:   signed {t}"),
        None if l.state == "stored" => {
            outln!(
                out,
                "  receipt:   not yet written (the receiver finishes it at its next start)"
            )
        }
        None => outln!(
            out,
            "  receipt:   none (still arriving, or to be resumed by the sender)"
        ),
    }
    match (l.verified, &l.error) {
        (Some(true), _) => outln!(
            out,
            "  verified:  yes (signature, tree, ciphertexts, custody)"
        ),
        (Some(false), Some(e)) => outln!(out, "  verified:  NO: {e}"),
        (None, Some(e)) => outln!(out, "  unreadable: {e}"),
        _ if l.state == "stored" => {
            outln!(out, "  verified:  on arrival (give --trust to check again)")
        }
        _ => {}
    }
    Ok(())
}

/// `rogatory store list DIR`.
pub fn list(dir: &Path, trust: Option<&Path>, json: bool, out: &mut dyn Write) -> Result<()> {
    let (store, trust) = open(dir, trust)?;
    let listed: Vec<Listed> = store
        .deliveries()?
        .iter()
        .map(|d| describe(d, trust.as_ref()))
        .collect();
    if json {
        crate::json::print_list(out, "deliveries", &listed)?;
        return Ok(());
    }
    if listed.is_empty() {
        outln!(out, "(no deliveries in {})", dir.display());
    }
    for (i, l) in listed.iter().enumerate() {
        if i > 0 {
            outln!(out);
        }
        print(l, out)?;
    }
    Ok(())
}

/// `rogatory store show DIR DELIVERY`.
pub fn show(
    dir: &Path,
    delivery: &str,
    trust: Option<&Path>,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let (store, trust) = open(dir, trust)?;
    let all = store.deliveries()?;
    let found: Vec<&StoredDelivery> = all
        .iter()
        .filter(|d| d.key.name().starts_with(&delivery.to_ascii_lowercase()))
        .collect();
    let d = match found.as_slice() {
        [d] => *d,
        [] => {
            return Err(CliError::usage(format!(
                "no delivery {delivery:?} in {} (see `rogatory store list`)",
                dir.display()
            )));
        }
        _ => {
            return Err(CliError::usage(format!(
                "{delivery:?} names {} deliveries: give more of the name",
                found.len()
            )));
        }
    };
    let l = describe(d, trust.as_ref());
    if json {
        crate::json::print(out, &l)?;
        return Ok(());
    }
    print(&l, out)?;
    if !l.custody.is_empty() {
        outln!(out, "  custody:");
        for e in &l.custody {
            let who = e
                .actor
                .clone()
                .unwrap_or_else(|| format!("key {}", &e.actor_key_id[..16]));
            outln!(
                out,
                "    {:>3}  {:<9}  {who}  {}",
                e.sequence,
                e.kind,
                e.time
            );
        }
    }
    Ok(())
}
