//! `rogatory open`: verify, unlock, and write each readable field to
//! `DIR/NAME` through the library (which releases nothing before its leaves
//! verified).

use std::io::Write;

use rogatory::core::ledger::Record;
use rogatory::core::package::safe_file_name;
use rogatory::core::{CoreError, Signer};
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

    // One pass over the file, under a bar with bytes and ETA: every
    // ciphertext digest is checked, each field's in the pass that opens it
    // (no output appears before), the others at the end.
    let (package, bar) = progress::open_package(&args.package, 1, "opening")?;
    let verified = package.verify_lazily(&trust);
    let mut unlocked = match verified.and_then(|v| v.unlock(&identity, now)) {
        Ok(u) => u,
        Err(e) => {
            bar.finish_and_clear();
            return Err(e.into());
        }
    };
    let fields: Vec<ContentDescriptor> = unlocked.metadata().fields.clone();
    if let Some(name) = &args.field
        && unlocked.field_index(name).is_none()
    {
        bar.finish_and_clear();
        let names: Vec<&str> = fields.iter().map(|d| d.name.as_str()).collect();
        return Err(CliError::usage(format!(
            "--field {name:?}: the package has no such field (it has {})",
            names.join(", ")
        )));
    }
    if args.out_dir.as_os_str() == "-" {
        return to_stdout(args, &identity, unlocked, &bar, &mut ledger, now);
    }

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
        let asked = args.field.as_ref().is_none_or(|f| f == d.name.as_str());
        let plan = match unlocked.can_open(d.index) {
            _ if !asked => Plan::Skip("not asked for (--field)".into()),
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
        bar.finish_and_clear();
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
    let placed = unlocked.open_fields_to_dir(&writes, &args.out_dir);
    bar.finish_and_clear();
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

    let head = record_opened(
        &mut ledger,
        &identity,
        &unlocked,
        now,
        opened,
        &format!("opened {opened} field(s)"),
    )?;
    let report = unlocked.report();
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

/// `--field NAME --out-dir -`: the one field streamed to standard output as
/// its segments verify (each against its signed leaf before it is
/// released), then every other ciphertext checked; the account goes to
/// standard error. On a failure the status is not 0 and what was written
/// must be discarded.
fn to_stdout<R: std::io::Read + std::io::Seek + Send>(
    args: &OpenArgs,
    identity: &rogatory::core::Identity,
    mut unlocked: rogatory::core::UnlockedPackage<R>,
    bar: &indicatif::ProgressBar,
    ledger: &mut ledger_util::Opened,
    now: rogatory::wire::Timestamp,
) -> Result<()> {
    let name = args
        .field
        .as_deref()
        .ok_or_else(|| CliError::usage("--out-dir - (standard output) needs --field NAME"))?;
    let index = unlocked
        .field_index(name)
        .ok_or_else(|| CliError::usage(format!("--field {name:?}: no such field")))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout());
    let written = unlocked.open_field(index, &mut w).and_then(|n| {
        w.flush().map_err(|source| CoreError::Io {
            context: "writing standard output".into(),
            source,
        })?;
        unlocked.finish_verification()?;
        Ok(n)
    });
    bar.finish_and_clear();
    let written = written?;
    let head = record_opened(
        ledger,
        identity,
        &unlocked,
        now,
        1,
        "opened 1 field to standard output",
    )?;
    let report = unlocked.report();
    let mut err = std::io::stderr();
    outln!(
        err,
        "verified package {} from {}",
        report.package_id,
        report.sender
    );
    outln!(
        err,
        "  {index:>3}  {name:?}: opened to standard output ({written} bytes)"
    );
    outln!(err, "ledger:      {} (head {head})", ledger.dir().display());
    Ok(())
}

/// `open` never modifies the package: the opening is recorded in the
/// party's ledger only (spec §10, §11).
fn record_opened<R: std::io::Read + std::io::Seek + Send>(
    ledger: &mut ledger_util::Opened,
    identity: &rogatory::core::Identity,
    unlocked: &rogatory::core::UnlockedPackage<R>,
    now: rogatory::wire::Timestamp,
    fields: u32,
    done: &str,
) -> Result<rogatory::wire::Digest> {
    let m = unlocked.metadata();
    let report = unlocked.report();
    let mut line = Record::new(
        now,
        LedgerAction::Opened,
        report.package_id,
        report.package_digest,
    );
    line.partner = ledger_util::sender_partner(m, identity.party());
    line.fields = fields;
    ledger.append(identity, ledger_util::with_package(line, m), done)
}
