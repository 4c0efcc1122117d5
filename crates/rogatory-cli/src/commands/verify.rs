//! `rogatory verify`: keyless verification, and with a key the sealed
//! metadata, the custody details and (within the package's validity window)
//! every readable segment against its leaf.

use std::fs::File;
use std::io::{Read, Seek, Write};

use rogatory::core::custody::{check_ledger_in_chain, check_receipt_in_chain};
use rogatory::core::identity::fingerprint;
use rogatory::core::ledger;
use rogatory::core::time::{format_date, format_rfc3339};
use rogatory::core::{
    CoreError, Package, TrustStore, UnlockedPackage, VerifiedPackage, VerifyReport,
};
use rogatory::redact::check_without_key;
use rogatory::wire::{CustodyEvent, Metadata, OnwardConsent, Priority, Tag, decode};

use super::redact::cli as redact_error;
use super::{flat, load_identity, load_trust, load_trust_for, now, outln, warn};
use crate::cli::VerifyArgs;
use crate::error::{CliError, Result};
use crate::progress::{self, Reading};

pub fn run(args: &VerifyArgs, out: &mut dyn Write) -> Result<()> {
    let identity = args.key.as_deref().map(load_identity).transpose()?;
    let trust = match &identity {
        Some(id) => load_trust_for(&args.trust, id)?,
        None => load_trust(&args.trust)?,
    };

    let mut onward = None;
    let (report, segments_checked) = match identity {
        None => (verify(args, &trust, false)?.report().clone(), false),
        Some(identity) => {
            let now = now()?;
            match verify(args, &trust, true)?.unlock(&identity, now) {
                Ok(unlocked) => {
                    onward = Some(unlocked.onward().clone());
                    (check_segments(unlocked)?, true)
                }
                Err(e @ (CoreError::Expired { .. } | CoreError::NotYetValid { .. })) => {
                    // Outside its window a package releases nothing, not even
                    // to a sink: verify it again and check what the library
                    // checks without releasing (the sealed metadata and
                    // custody details).
                    let unlocked =
                        verify(args, &trust, false)?.unlock_for_verification(&identity)?;
                    onward = Some(unlocked.onward().clone());
                    warn(&format!(
                        "{}; it verifies, but `open` refuses it and its segments were not checked",
                        window_warning(&e, unlocked.metadata())
                    ));
                    (unlocked.report().clone(), false)
                }
                Err(e) => return Err(e.into()),
            }
        }
    };

    let tail = check_tail(args, &report, &trust)?;

    if args.json {
        let mut value = serde_json::to_value(&report)?;
        if let (Some(o), Some(map)) = (&onward, value.as_object_mut()) {
            map.insert("onward".into(), serde_json::to_value(o)?);
        }
        if let Some(map) = value.as_object_mut()
            && !tail.is_empty()
        {
            map.insert("tail".into(), serde_json::to_value(&tail)?);
        }
        crate::json::print(out, &value)?;
        return Ok(());
    }
    print_report(&report, &trust, segments_checked, out)?;
    for t in &tail {
        outln!(out, "tail:        {t}");
    }
    if let Some(o) = &onward {
        outln!(out, "onward transfer: consent {}", o.consent);
        for f in &o.forwards {
            outln!(out, "  {}", serde_json::to_string(f)?);
        }
    }
    Ok(())
}

/// The copy's chain against the receipts and ledgers given (spec §10.7): a
/// tail cut at rest is found by whoever holds a later signed statement.
fn check_tail(args: &VerifyArgs, report: &VerifyReport, trust: &TrustStore) -> Result<Vec<String>> {
    if args.receipt.is_empty() && args.ledger.is_empty() {
        return Ok(Vec::new());
    }
    let pkg = Package::open(&args.package)?;
    let events = pkg.events();
    let mut found = Vec::new();
    for path in &args.receipt {
        let bytes = std::fs::read(path).map_err(CliError::io_path("reading receipt", path))?;
        let receipt: CustodyEvent =
            decode(&bytes).map_err(CliError::wire(format!("receipt {}", path.display())))?;
        check_receipt_in_chain(events, &report.package_digest, &receipt)?;
        found.push(format!(
            "holds the receipt {} (event {})",
            path.display(),
            receipt.clear.sequence
        ));
    }
    for dir in &args.ledger {
        let owner = ledger::verify(dir)?;
        // A ledger re-written under another key proves nothing.
        trust.require(&owner.owner_key_id)?;
        let n = check_ledger_in_chain(events, &report.package_digest, &ledger::entries(dir)?)?;
        found.push(format!(
            "consistent with the ledger of {} ({} of its events in this copy)",
            owner.owner, n
        ));
    }
    Ok(found)
}

/// Parses and verifies the package. Without a key every ciphertext is
/// hashed here, under a bar with bytes and ETA; with one (`lazily`) the
/// ciphertexts are hashed as the fields are decrypted, under the bar of
/// [`check_segments`].
fn verify(
    args: &VerifyArgs,
    trust: &TrustStore,
    lazily: bool,
) -> Result<VerifiedPackage<Reading<File>>> {
    let (package, bar) = progress::open_package(&args.package, 1, "verifying")?;
    // The redaction rules first, so that a redaction fault is named as one
    // (a removal without its event, content put back into a removed slot, ...).
    if let Err(e) = check_without_key(&package) {
        bar.finish_and_clear();
        return Err(redact_error(e));
    }
    let verified = if lazily {
        package.verify_lazily(trust)
    } else {
        package.verify(trust)
    };
    bar.finish_and_clear();
    Ok(verified?)
}

/// Decrypts every readable field to nowhere: each segment is checked
/// against its signed leaf; nothing is released.
fn check_segments<R: Read + Seek + Send>(mut unlocked: UnlockedPackage<R>) -> Result<VerifyReport> {
    let readable = unlocked
        .report()
        .metadata
        .as_ref()
        .map(|r| r.readable.clone())
        .unwrap_or_default();
    let total = readable
        .iter()
        .filter_map(|&i| unlocked.metadata().fields.get(i as usize))
        .map(|d| d.size)
        .sum();
    let bar = progress::bytes(total, "checking");
    for i in readable {
        let mut sink = bar.wrap_write(std::io::sink());
        if let Err(e) = unlocked.open_field(i, &mut sink) {
            bar.finish_and_clear();
            return Err(e.into());
        }
    }
    bar.finish_and_clear();
    Ok(unlocked.finish_verification()?.clone())
}

fn window_warning(e: &CoreError, m: &Metadata) -> String {
    match e {
        CoreError::NotYetValid { .. } => {
            format!(
                "package not yet valid: not before {}",
                format_rfc3339(m.not_before)
            )
        }
        _ => format!(
            "package expired: retain-until {} has passed",
            format_rfc3339(m.retain_until)
        ),
    }
}

fn party_of(trust: &TrustStore, key_id: &rogatory::wire::KeyId) -> String {
    trust
        .by_key_id(key_id)
        .map(|e| e.party.to_string())
        .unwrap_or_else(|| format!("key {key_id}"))
}

fn print_report(
    r: &VerifyReport,
    trust: &TrustStore,
    segments_checked: bool,
    out: &mut dyn Write,
) -> Result<()> {
    let checked = if segments_checked {
        "signature, leaf tree, field ciphertexts, custody chain, metadata, readable segments"
    } else {
        "signature, leaf tree, field ciphertexts, custody chain"
    };
    outln!(out, "verified:    {checked}");
    outln!(
        out,
        "sender:      {} ({})",
        r.sender,
        fingerprint(&r.sender_key_id)
    );
    outln!(out, "package id:  {}", r.package_id);
    outln!(out, "digest:      {}", r.package_digest);
    outln!(out, "leaves:      {}", r.leaves);
    let meta = r.metadata.as_ref();
    outln!(out, "fields:");
    for f in &r.fields {
        let descriptor = meta.and_then(|m| m.metadata.fields.get(f.index as usize));
        let name = descriptor
            .map(|d| format!("{:?}  ", d.name.as_str()))
            .unwrap_or_default();
        let state = match f.ciphertext_digest {
            Some(d) => format!("present, ciphertext digest verified (blake3 {d})"),
            None => "removed".to_owned(),
        };
        outln!(out, "  {:>3}  {name}{state}", f.index);
        if let (Some(d), Some(m)) = (descriptor, meta) {
            let readable = match (m.readable.contains(&f.index), segments_checked) {
                (true, true) => "readable with this key, every segment matches its leaf",
                (true, false) => "readable with this key (segments not checked)",
                (false, _) => "not readable with this key",
            };
            outln!(
                out,
                "       {}, {} bytes, {} segments, tags {}; {readable}",
                d.media_type,
                d.size,
                d.segment_count,
                d.tags
                    .as_slice()
                    .iter()
                    .map(Tag::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            );
        }
    }
    outln!(out, "custody:");
    for e in &r.custody {
        let to = e
            .receiver
            .map(|k| format!(" to {}", party_of(trust, &k)))
            .unwrap_or_default();
        outln!(
            out,
            "  {:>3}  {:<9}  {}  {}{to}",
            e.sequence,
            e.kind,
            e.actor_party,
            format_rfc3339(e.time)
        );
    }
    if let Some(m) = meta {
        print_metadata(&m.metadata, out)?;
    }
    Ok(())
}

/// Free text on one line, `-` when empty.
fn shown(s: &str) -> String {
    let s = flat(s);
    if s.is_empty() { "-".to_owned() } else { s }
}

fn print_metadata(m: &Metadata, out: &mut dyn Write) -> Result<()> {
    outln!(out, "metadata:");
    outln!(out, "  created:      {}", format_rfc3339(m.created));
    outln!(out, "  case:         {}", shown(m.case_reference.as_str()));
    if let Some(r) = &m.request_reference {
        outln!(out, "  request:      {}", shown(r.as_str()));
    }
    outln!(out, "  legal basis:  {}", shown(m.legal_basis.as_str()));
    outln!(
        out,
        "  authority:    {}",
        shown(m.issuing_authority.as_str())
    );
    let priority = match m.priority {
        Priority::Normal => "normal",
        Priority::Urgent => "urgent",
        Priority::Immediate => "immediate",
    };
    outln!(out, "  priority:     {priority}");
    if let Some(d) = m.deadline {
        outln!(out, "  deadline:     {}", format_date(d));
    }
    outln!(out, "  purpose:      {}", shown(m.purpose.as_str()));
    let categories: Vec<&str> = m
        .data_categories
        .as_slice()
        .iter()
        .map(|c| c.as_str())
        .collect();
    outln!(out, "  categories:   {}", shown(&categories.join(", ")));
    outln!(out, "  not before:   {}", format_rfc3339(m.not_before));
    outln!(out, "  retain until: {}", format_rfc3339(m.retain_until));
    let onward = match &m.onward {
        OnwardConsent::None => "none".to_owned(),
        OnwardConsent::AnyWithNotice => "any trusted party, with notice to the sender".to_owned(),
        OnwardConsent::Parties(p) => p
            .as_slice()
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    };
    outln!(out, "  onward:       {onward}");
    outln!(out, "  sender:       {}", m.sender.party);
    let recipients: Vec<&str> = m.recipients.iter().map(|r| r.party.as_str()).collect();
    outln!(out, "  recipients:   {}", recipients.join(", "));
    for p in &m.provenance {
        let mut parts = Vec::new();
        for (label, value) in [
            (
                "tool",
                format!("{} {}", p.tool.as_str(), p.tool_version.as_str()),
            ),
            ("examiner", p.examiner.as_str().to_owned()),
            ("source", p.source.as_str().to_owned()),
        ] {
            let value = flat(&value);
            if !value.is_empty() {
                parts.push(format!("{label} {value}"));
            }
        }
        parts.push(format!("acquired {}", format_rfc3339(p.acquired)));
        outln!(out, "  provenance:   {}", parts.join(", "));
        let fields: Vec<String> = p.fields.iter().map(u32::to_string).collect();
        outln!(
            out,
            "                source sha256 {}, fields {}",
            p.source_sha256,
            fields.join(",")
        );
    }
    Ok(())
}
