//! `rogatory trust add|list|retire`.

use std::io::Write;
use std::path::Path;

use rogatory::core::TrustStore;
use rogatory::core::identity::{fingerprint, verify_card};
use rogatory::core::time::format_date;
use rogatory::wire::{KeyId, Tag, TrustEntry};
use serde::Serialize;

use super::{load_trust, outln, read_card};
use crate::error::{CliError, Result};

pub fn add(
    store_path: &Path,
    card_path: &Path,
    clearances: &[String],
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
    store.save(store_path)?;
    let entry = store.require(&key_id)?;
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
    valid_from: String,
    valid_until: String,
    clearances: Vec<&'a str>,
    retired: bool,
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
                valid_from: format_date(e.card.body.not_before),
                valid_until: format_date(e.card.body.not_after),
                clearances: e.clearances.as_slice().iter().map(Tag::as_str).collect(),
                retired: e.retired,
            })
            .collect();
        outln!(out, "{}", serde_json::to_string_pretty(&entries)?);
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
        outln!(
            out,
            "  valid:       {} to {}",
            format_date(e.card.body.not_before),
            format_date(e.card.body.not_after)
        );
        outln!(out, "  clearances:  {}", clearance_list(e));
    }
    Ok(())
}

pub fn retire(store_path: &Path, key_id: &str, out: &mut dyn Write) -> Result<()> {
    let mut store = load_trust(store_path)?;
    let hex: String = key_id.chars().filter(|c| !c.is_whitespace()).collect();
    let key_id = KeyId::from_hex(&hex).map_err(CliError::wire(format!("key id {key_id:?}")))?;
    store.retire(&key_id)?;
    store.save(store_path)?;
    let entry = store.require(&key_id)?;
    outln!(out, "retired {} ({})", entry.party, fingerprint(&key_id));
    Ok(())
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
