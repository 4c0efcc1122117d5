//! `rogatory custody ...`: show the chain of custody, append a note, check a
//! receipt, export the chain (spec §10).

use std::fs::File;
use std::io::Write;

use rogatory::core::actions::{Details, append_event, verify_receipt};
use rogatory::core::custody::{compare_copies, event_hash, event_ref};
use rogatory::core::export::ChainExport;
use rogatory::core::identity::fingerprint;
use rogatory::core::ledger::Record;
use rogatory::core::time::format_rfc3339;
use rogatory::core::{Identity, Package, Signer, TrustStore, UnlockedPackage, system_rng};
use rogatory::wire::{CustodyEvent, EventBody, LedgerAction, Text, decode};

use super::{ledger_util, load_identity, load_trust, load_trust_for, now, outln};
use crate::cli::{
    AppendAction, CustodyAppendArgs, CustodyCompareArgs, CustodyExportArgs, CustodyShowArgs,
    ExportFormat, VerifyReceiptArgs,
};
use crate::error::{CliError, Result};
use crate::progress;

/// Verifies the package's structure, signature and chain (not the field
/// ciphertexts: custody does not depend on them) and opens it with the key.
fn unlock(
    path: &std::path::Path,
    trust: &TrustStore,
    identity: &Identity,
) -> Result<UnlockedPackage<File>> {
    crate::sniff::expect(path, "a package")?;
    let spinner = progress::spinner("verifying");
    let unlocked = Package::open(path)
        .and_then(|p| p.verify_structure(trust))
        .and_then(|v| v.unlock_for_verification(identity));
    spinner.finish_and_clear();
    Ok(unlocked?)
}

pub fn show(args: &CustodyShowArgs, out: &mut dyn Write) -> Result<()> {
    let trust = load_trust(&args.trust)?;
    let export = match &args.key {
        Some(key) => {
            let identity = load_identity(key)?;
            let trust = load_trust_for(&args.trust, &identity)?;
            ChainExport::unlocked(&unlock(&args.package, &trust, &identity)?, &trust)?
        }
        None => {
            crate::sniff::expect(&args.package, "a package")?;
            let spinner = progress::spinner("verifying");
            let verified = Package::open(&args.package).and_then(|p| p.verify_structure(&trust));
            spinner.finish_and_clear();
            ChainExport::verified(&verified?, &trust)?
        }
    };
    if args.json {
        crate::json::print(out, &export)?;
    } else {
        write!(out, "{}", export.to_text()).map_err(CliError::io("writing standard output"))?;
    }
    Ok(())
}

pub fn append(args: &CustodyAppendArgs, out: &mut dyn Write) -> Result<()> {
    let identity = load_identity(&args.key)?;
    let trust = load_trust_for(&args.trust, &identity)?;
    let now = now()?;
    let text = Text::new(args.text.as_str()).map_err(CliError::wire("--text"))?;
    let (body, action, details) = match args.action {
        AppendAction::Note => (
            EventBody::Note,
            LedgerAction::Note,
            Details {
                text: Some(text),
                ..Details::default()
            },
        ),
    };
    let mut ledger = ledger_util::open(
        &ledger_util::dir(&args.ledger, &args.key, &identity),
        &identity,
    )?;
    // The package's facts for the ledger line, read before appending so that
    // nothing can keep the line from being written afterwards (a
    // structure-only verification: no field is hashed).
    let (metadata, package_id, package_digest) = {
        let unlocked = unlock(&args.package, &trust, &identity)?;
        let report = unlocked.report();
        (
            unlocked.metadata().clone(),
            report.package_id,
            report.package_digest,
        )
    };

    let event = append_event(
        &args.package,
        &identity,
        &trust,
        now,
        body,
        details,
        &mut system_rng(),
    )?;
    let hash = event_hash(&event)?;
    let event_at = event_ref(&event)?;
    let kind = event.clear.body.kind().name();

    let mut line = Record::new(now, action, package_id, package_digest);
    line.event = Some(event_at);
    let head = ledger.append(
        &identity,
        ledger_util::with_package(line, &metadata),
        &format!("appended the {kind} to {}", args.package.display()),
    )?;

    if args.json {
        return crate::json::print(
            out,
            &serde_json::json!({
                "package": args.package,
                "package_id": package_id,
                "kind": kind,
                "actor_party": identity.party(),
                "actor_key_id": identity.key_id(),
                "sequence": event.clear.sequence,
                "event_hash": hash,
                "time": event.clear.time,
                "ledger": ledger.dir(),
                "ledger_head": head,
            }),
        );
    }
    outln!(out, "appended:    {kind} by {}", identity.party());
    outln!(
        out,
        "chain head:  event {}, hash {hash}",
        event.clear.sequence
    );
    outln!(
        out,
        "ledger:      {} (line {}, head {head})",
        ledger.dir().display(),
        ledger.len().saturating_sub(1)
    );
    Ok(())
}

pub fn verify_receipt_cmd(args: &VerifyReceiptArgs, out: &mut dyn Write) -> Result<()> {
    let trust = load_trust(&args.trust)?;
    let bytes = std::fs::read(&args.receipt)
        .map_err(CliError::io_path("reading receipt", &args.receipt))?;
    let receipt: CustodyEvent = decode(&bytes).map_err(CliError::wire(format!(
        "receipt {}",
        args.receipt.display()
    )))?;
    let spinner = progress::spinner("verifying");
    let report = verify_receipt(&args.package, &receipt, &trust);
    spinner.finish_and_clear();
    let report = report?;
    if args.json {
        crate::json::print(out, &report)?;
        return Ok(());
    }
    outln!(out, "receipt verified");
    outln!(
        out,
        "receiver:     {} ({})",
        report.receiver,
        fingerprint(&report.receiver_key_id)
    );
    outln!(out, "received:     {}", format_rfc3339(report.time));
    outln!(out, "bytes blake3: {}", report.bytes_digest);
    outln!(
        out,
        "ledger head:  {}",
        rogatory::core::ledger::head_text(&report.ledger_head)
    );
    outln!(out, "receipt hash: {}", report.receipt_hash);
    Ok(())
}

pub fn export(args: &CustodyExportArgs, out: &mut dyn Write) -> Result<()> {
    let identity = load_identity(&args.key)?;
    let trust = load_trust_for(&args.trust, &identity)?;
    let now = now()?;
    let mut ledger = ledger_util::open(
        &ledger_util::dir(&args.ledger, &args.key, &identity),
        &identity,
    )?;
    let unlocked = unlock(&args.package, &trust, &identity)?;
    let export = ChainExport::unlocked(&unlocked, &trust)?;
    let text = match args.format {
        ExportFormat::Case => serde_json::to_string_pretty(&export.to_case())?,
        ExportFormat::Json => serde_json::to_string_pretty(&export)?,
        ExportFormat::Text => export.to_text(),
    };

    // Recorded before anything leaves: an export the ledger does not know
    // of must not happen.
    let m = unlocked.metadata();
    let report = unlocked.report();
    let mut line = Record::new(
        now,
        LedgerAction::Exported,
        report.package_id,
        report.package_digest,
    );
    line.partner = ledger_util::sender_partner(m, identity.party());
    ledger.append(
        &identity,
        ledger_util::with_package(line, m),
        "the export was prepared",
    )?;

    out.write_all(text.as_bytes())
        .and_then(|()| {
            if text.ends_with('\n') {
                Ok(())
            } else {
                out.write_all(b"\n")
            }
        })
        .map_err(CliError::io("writing standard output"))
}

pub fn compare(args: &CustodyCompareArgs, out: &mut dyn Write) -> Result<()> {
    let trust = load_trust(&args.trust)?;
    crate::sniff::expect(&args.first, "a package")?;
    crate::sniff::expect(&args.second, "a package")?;
    let a = Package::open(&args.first)?.verify_structure(&trust)?;
    let b = Package::open(&args.second)?.verify_structure(&trust)?;
    let (pa, pb) = (a.package(), b.package());
    if pa.digest() != pb.digest() {
        return Err(CliError::usage(format!(
            "{} and {} are not copies of one package (their package digests differ)",
            args.first.display(),
            args.second.display()
        )));
    }
    let d = compare_copies(pa.events(), pb.events())?;
    if args.json {
        let v = serde_json::json!({
            "format": "rogatory-compare/1",
            "first_events": pa.events().len(),
            "second_events": pb.events().len(),
            "divergence": d,
        });
        crate::json::print(out, &v)?;
        return Ok(());
    }
    let party = |k: &rogatory::wire::KeyId| {
        trust
            .by_key_id(k)
            .map(|e| e.party.to_string())
            .unwrap_or_else(|| k.to_string())
    };
    match d {
        None => outln!(
            out,
            "no equivocation: one chain is a prefix of the other ({} and {} events)",
            pa.events().len(),
            pb.events().len()
        ),
        Some(d) => outln!(
            out,
            "no equivocation: the copies agree up to event {}, then {} has a `{}` by {} and {} a \
             `{}` by {}{}",
            d.sequence.saturating_sub(1),
            args.first.display(),
            d.first.1,
            party(&d.first.0),
            args.second.display(),
            d.second.1,
            party(&d.second.0),
            if d.same_prev {
                ""
            } else {
                " (after different histories)"
            }
        ),
    }
    Ok(())
}
