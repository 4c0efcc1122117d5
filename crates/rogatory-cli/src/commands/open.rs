//! `rogatory open`: verify, unlock, and write each readable field to
//! `DIR/NAME` through the library (which releases nothing before its leaves
//! verified).

use std::io::Write;

use rogatory::core::ledger::Record;
use rogatory::core::package::safe_file_name;
use rogatory::core::{CoreError, Package, Signer};
use rogatory::wire::{ContentDescriptor, FieldBody, LedgerAction};

use super::{ledger_util, load_identity, load_trust_for, now, occupied, outln};
use crate::cli::OpenArgs;
use crate::error::{CliError, Result};
use crate::progress;

/// What happens to one field.
enum Plan {
    /// Write it to `DIR/NAME`.
    Write,
    /// Not for this key (not cleared, removed): not a failure.
    Skip(String),
    /// Cleared but cannot be written (unsafe name): a failure.
    Fail(String),
}

pub fn run(args: &OpenArgs, out: &mut dyn Write) -> Result<()> {
    let identity = load_identity(&args.key)?;
    let trust = load_trust_for(&args.trust, &identity)?;
    let now = now()?;
    let mut ledger = ledger_util::open(
        &ledger_util::dir(&args.ledger, &args.key, &identity),
        &identity,
    )?;

    let spinner = progress::spinner("verifying");
    // Every ciphertext digest is checked: each field's in the pass that
    // opens it (no output appears before), the others at the end.
    let verified = Package::open(&args.package).and_then(|p| p.verify_lazily(&trust));
    spinner.finish_and_clear();
    let mut unlocked = verified?.unlock(&identity, now)?;
    let fields: Vec<ContentDescriptor> = unlocked.metadata().fields.clone();

    // Decide every field first, so that nothing is written if any target
    // is taken.
    let mut plans = Vec::with_capacity(fields.len());
    let mut taken = Vec::new();
    for d in &fields {
        // `can_open` reports a removed field only as a usage error: read
        // the envelope for it instead of matching the message.
        let removed = unlocked
            .package()
            .trailer()
            .fields
            .get(d.index as usize)
            .is_some_and(|f| matches!(f.body, FieldBody::Removed));
        let plan = match unlocked.can_open(d.index) {
            Err(CoreError::NotCleared { .. }) => Plan::Skip("not cleared for it".into()),
            Err(_) if removed => Plan::Skip("removed by a redaction".into()),
            Err(e) => Plan::Fail(e.to_string()),
            Ok(()) => match safe_file_name(d.name.as_str()) {
                Err(e) => Plan::Fail(e.to_string()),
                Ok(name) => {
                    let target = args.out_dir.join(name);
                    if occupied(&target) {
                        taken.push(target.display().to_string());
                    }
                    Plan::Write
                }
            },
        };
        plans.push(plan);
    }
    if !taken.is_empty() {
        return Err(CliError::usage(format!(
            "refusing to overwrite existing files: {}",
            taken.join(", ")
        )));
    }
    let created = !args.out_dir.exists();
    std::fs::create_dir_all(&args.out_dir).map_err(CliError::io_path("creating", &args.out_dir))?;

    // All or nothing: every readable field is decrypted and checked (each
    // segment against its leaf, each ciphertext against its digest, and the
    // fields not read against theirs) before any is placed under its name.
    let writes: Vec<u32> = fields
        .iter()
        .zip(&plans)
        .filter(|(_, p)| matches!(p, Plan::Write))
        .map(|(d, _)| d.index)
        .collect();
    let total: u64 = fields
        .iter()
        .zip(&plans)
        .filter(|(_, p)| matches!(p, Plan::Write))
        .map(|(d, _)| d.size)
        .sum();
    let spinner = progress::spinner(&format!("opening {} field(s), {total} bytes", writes.len()));
    let placed = unlocked.open_fields_to_dir(&writes, &args.out_dir);
    spinner.finish_and_clear();
    let placed = match placed {
        Ok(p) => p,
        Err(e) => {
            if created {
                let _ = std::fs::remove_dir(&args.out_dir);
            }
            return Err(e.into());
        }
    };

    // What each field gave: a line of text, and its JSON form.
    let mut lines: Vec<String> = Vec::new();
    let mut results: Vec<serde_json::Value> = Vec::new();
    let mut cleared = 0usize;
    let mut failed = 0usize;
    let mut opened = 0u32;
    let mut placed = placed.into_iter();
    for (d, plan) in fields.iter().zip(plans) {
        let name = d.name.as_str();
        let i = d.index;
        match plan {
            Plan::Skip(why) => {
                lines.push(format!("  {i:>3}  {name:?}: not opened: {why}"));
                results.push(serde_json::json!({
                    "index": i, "name": name, "state": "not_opened", "why": why,
                }));
            }
            Plan::Fail(why) => {
                cleared += 1;
                failed += 1;
                lines.push(format!("  {i:>3}  {name:?}: FAILED: {why}"));
                results.push(serde_json::json!({
                    "index": i, "name": name, "state": "failed", "why": why,
                }));
            }
            Plan::Write => {
                cleared += 1;
                opened += 1;
                let path = placed.next().unwrap_or_default();
                let written = std::fs::metadata(&path)
                    .map_err(CliError::io_path("reading", &path))?
                    .len();
                lines.push(if written == d.size {
                    format!(
                        "  {i:>3}  {name:?}: opened: {} ({written} bytes)",
                        path.display()
                    )
                } else {
                    format!(
                        "  {i:>3}  {name:?}: opened: {} ({written} of {} bytes: the rest was \
                         removed by a redaction)",
                        path.display(),
                        d.size
                    )
                });
                results.push(serde_json::json!({
                    "index": i, "name": name, "state": "opened", "path": path,
                    "bytes": written, "sealed_bytes": d.size,
                }));
            }
        }
    }

    // `open` never modifies the package: the opening is recorded in the
    // party's ledger only (spec §10, §11).
    let m = unlocked.metadata();
    let report = unlocked.report();
    let mut line = Record::new(
        now,
        LedgerAction::Opened,
        report.package_id,
        report.package_digest,
    );
    line.partner = ledger_util::sender_partner(m, identity.party());
    line.fields = opened;
    let head = ledger.append(
        &identity,
        ledger_util::with_package(line, m),
        &format!("opened {opened} field(s)"),
    )?;
    if args.json {
        crate::json::print(
            out,
            &serde_json::json!({
                "package": args.package,
                "package_id": report.package_id,
                "package_digest": report.package_digest,
                "sender": report.sender,
                "sender_key_id": report.sender_key_id,
                "out_dir": args.out_dir,
                "fields": results,
                "ledger": ledger.dir(),
                "ledger_head": head,
            }),
        )?;
    } else {
        outln!(
            out,
            "verified package {} from {}",
            report.package_id,
            report.sender
        );
        for l in &lines {
            outln!(out, "{l}");
        }
        outln!(out, "ledger:      {} (head {head})", ledger.dir().display());
    }
    if failed > 0 {
        return Err(CliError::FieldsNotOpened { failed, cleared });
    }
    Ok(())
}
