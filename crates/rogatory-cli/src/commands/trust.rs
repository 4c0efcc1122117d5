//! `rogatory trust add|list|retire`.

use std::io::Write;
use std::path::Path;

use rogatory::core::TrustStore;
use rogatory::core::identity::{fingerprint, key_wrap_name, verify_card};
use rogatory::core::time::{format_date, format_rfc3339};
use rogatory::wire::{KeyId, Revocation, Rotation, Tag, TrustEntry, decode};
use serde::Serialize;

use super::{load_trust, outln, read_card};
use crate::error::{CliError, Result};

pub fn add(
    store_path: &Path,
    card_path: &Path,
    clearances: &[String],
    revocation_authority: bool,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let mut store = TrustStore::load(store_path)?;
    let card = read_card(card_path)?;
    let key_id = verify_card(&card)?;
    let tags = clearances
        .iter()
        .map(|t| Tag::new(t.as_str()).map_err(CliError::wire(format!("clearance {t:?}"))))
        .collect::<Result<Vec<_>>>()?;
    let replacing = store.by_key_id(&key_id).is_some();
    store.add(card, tags)?;
    if revocation_authority {
        store.set_revocation_authority(&key_id, true)?;
    }
    store.save(store_path)?;
    let entry = store.require(&key_id)?;
    if json {
        let action = if replacing { "updated" } else { "added" };
        return print_entry(out, store_path, action, entry, serde_json::json!({}));
    }
    outln!(
        out,
        "{} {} ({})",
        if replacing { "updated" } else { "added" },
        entry.party,
        fingerprint(&key_id)
    );
    outln!(out, "clearances: {}", clearance_list(entry));
    Ok(())
}

/// One entry as `trust list --json` prints it.
#[derive(Serialize)]
struct ListedEntry<'a> {
    party: &'a str,
    key_id: String,
    fingerprint: String,
    valid_from: rogatory::wire::Timestamp,
    valid_until: rogatory::wire::Timestamp,
    clearances: Vec<&'a str>,
    /// Whether packages are wrapped to it with X-Wing (a hybrid card).
    hybrid: bool,
    retired: bool,
    /// The key id of the card this one succeeds (a rotation).
    predecessor_key_id: Option<String>,
    /// From when the key is held compromised (RFC 3339), if revoked.
    revoked_from: Option<String>,
    revocation_authority: bool,
}

pub fn list(store_path: &Path, json: bool, out: &mut dyn Write) -> Result<()> {
    let store = load_trust(store_path)?;
    if json {
        let entries: Vec<ListedEntry<'_>> = store
            .entries()
            .iter()
            .map(|e| ListedEntry {
                party: e.party.as_str(),
                key_id: e.key_id.to_hex(),
                fingerprint: fingerprint(&e.key_id),
                valid_from: e.card.body.not_before,
                valid_until: e.card.body.not_after,
                clearances: e.clearances.as_slice().iter().map(Tag::as_str).collect(),
                hybrid: e.card.body.hybrid_key.is_some(),
                retired: e.retired,
                predecessor_key_id: store
                    .rotation(&e.key_id)
                    .map(|r| r.body.predecessor.to_hex()),
                revoked_from: store
                    .revocation(&e.key_id)
                    .map(|r| format_rfc3339(r.body.compromised)),
                revocation_authority: store.is_revocation_authority(&e.key_id),
            })
            .collect();
        crate::json::print_list(out, "cards", &entries)?;
        return Ok(());
    }
    if store.entries().is_empty() {
        outln!(out, "(no cards)");
    }
    for (i, e) in store.entries().iter().enumerate() {
        if i > 0 {
            outln!(out);
        }
        outln!(
            out,
            "{}{}",
            e.party,
            if e.retired { " (retired)" } else { "" }
        );
        outln!(out, "  fingerprint: {}", fingerprint(&e.key_id));
        outln!(out, "  key wrap:    {}", key_wrap_name(&e.card));
        outln!(
            out,
            "  valid:       {} to {}",
            format_date(e.card.body.not_before),
            format_date(e.card.body.not_after)
        );
        outln!(out, "  clearances:  {}", clearance_list(e));
        if let Some(r) = store.rotation(&e.key_id) {
            outln!(out, "  succeeds:    {}", fingerprint(&r.body.predecessor));
        }
        if let Some(r) = store.revocation(&e.key_id) {
            outln!(
                out,
                "  REVOKED:     compromised from {}",
                format_rfc3339(r.body.compromised)
            );
        }
        if store.is_revocation_authority(&e.key_id) {
            outln!(out, "  may revoke other cards (revocation authority)");
        }
    }
    Ok(())
}

pub fn retire(store_path: &Path, key_id: &str, json: bool, out: &mut dyn Write) -> Result<()> {
    let mut store = load_trust(store_path)?;
    let hex: String = key_id.chars().filter(|c| !c.is_whitespace()).collect();
    let key_id = KeyId::from_hex(&hex).map_err(CliError::wire(format!("key id {key_id:?}")))?;
    store.retire(&key_id)?;
    store.save(store_path)?;
    let entry = store.require(&key_id)?;
    if json {
        return print_entry(out, store_path, "retired", entry, serde_json::json!({}));
    }
    outln!(out, "retired {} ({})", entry.party, fingerprint(&key_id));
    Ok(())
}

/// `trust add|retire|revoke --json`: what the store now holds for the card.
fn print_entry(
    out: &mut dyn Write,
    store_path: &Path,
    action: &str,
    e: &TrustEntry,
    extra: serde_json::Value,
) -> Result<()> {
    let mut v = serde_json::json!({
        "trust": store_path,
        "action": action,
        "party": e.party,
        "key_id": e.key_id,
        "fingerprint": fingerprint(&e.key_id),
        "clearances": e.clearances.as_slice().iter().map(Tag::as_str).collect::<Vec<_>>(),
        "retired": e.retired,
    });
    if let (Some(m), serde_json::Value::Object(x)) = (v.as_object_mut(), extra) {
        m.extend(x);
    }
    crate::json::print(out, &v)
}

fn clearance_list(e: &TrustEntry) -> String {
    if e.clearances.is_empty() {
        return "(none)".into();
    }
    e.clearances
        .as_slice()
        .iter()
        .map(Tag::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `trust add --rotation`: the successor a rotation statement names, trusted
/// through its predecessor (spec §3.6).
pub fn add_successor(
    store_path: &Path,
    rotation_path: &Path,
    revocation_authority: bool,
    json: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let mut store = load_trust(store_path)?;
    let bytes =
        std::fs::read(rotation_path).map_err(CliError::io_path("reading", rotation_path))?;
    let rotation: Rotation = decode(&bytes).map_err(CliError::wire(format!(
        "rotation statement {}",
        rotation_path.display()
    )))?;
    let predecessor = rotation.body.predecessor;
    let key_id = store.add_successor(rotation)?;
    if revocation_authority {
        store.set_revocation_authority(&key_id, true)?;
    }
    store.save(store_path)?;
    let entry = store.require(&key_id)?;
    if json {
        let extra = serde_json::json!({ "predecessor_key_id": predecessor });
        return print_entry(out, store_path, "added", entry, extra);
    }
    outln!(
        out,
        "added {} ({}), the successor of {}",
        entry.party,
        fingerprint(&key_id),
        fingerprint(&predecessor)
    );
    outln!(out, "clearances: {}", clearance_list(entry));
    outln!(
        out,
        "retired:    {} (it still verifies what it signed)",
        fingerprint(&predecessor)
    );
    Ok(())
}

/// `trust revoke --statement`: a revocation, checked against its issuer.
pub fn revoke(store_path: &Path, statement: &Path, json: bool, out: &mut dyn Write) -> Result<()> {
    let mut store = load_trust(store_path)?;
    let bytes = std::fs::read(statement).map_err(CliError::io_path("reading", statement))?;
    let r: Revocation = decode(&bytes).map_err(CliError::wire(format!(
        "revocation statement {}",
        statement.display()
    )))?;
    let (key_id, compromised) = (r.body.key_id, r.body.compromised);
    store.revoke(r)?;
    store.save(store_path)?;
    let entry = store.require(&key_id)?;
    if json {
        let extra = serde_json::json!({ "compromised": compromised });
        return print_entry(out, store_path, "revoked", entry, extra);
    }
    outln!(
        out,
        "revoked {} ({}) from {}",
        entry.party,
        fingerprint(&key_id),
        rogatory::core::time::format_rfc3339(compromised)
    );
    outln!(
        out,
        "what it signed from then on is refused; the card stays for what it signed before"
    );
    Ok(())
}
