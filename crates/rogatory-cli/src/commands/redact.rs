//! `rogatory redact`: remove fields and segments (spec §12.1–§12.3),
//! explicitly or by policy rules and detectors; `--dry-run` lists what would
//! go, by field and segment, with the category that matched, never the
//! matched text.

use std::io::Write;

use rogatory::core::ledger::Record;
use rogatory::core::system_rng;
use rogatory::redact::{
    Category, FieldPlan, OutputReport, Plan, Policy, RedactError, Request, create_atomically,
    format_ranges, parse_ranges,
};
use rogatory::wire::{LedgerAction, Text};
use serde::Serialize;

use super::{ledger_util, load_identity, load_trust_for, now, outln, warn};
use crate::cli_redact::{DetectArg, RedactArgs};
use crate::error::{CliError, Result};
use crate::progress;

/// A redaction-layer error as the command reports it: the core's errors
/// keep their own form.
pub(crate) fn cli(e: RedactError) -> CliError {
    match e {
        RedactError::Core(c) => CliError::Core(c),
        other => CliError::Redact(other),
    }
}

fn category(d: DetectArg) -> Category {
    match d {
        DetectArg::Email => Category::Email,
        DetectArg::Phone => Category::Phone,
        DetectArg::Iban => Category::Iban,
        DetectArg::Ip => Category::Ip,
        DetectArg::Card => Category::Card,
    }
}

/// `NAME:RANGE`, split at the last colon (a field name may hold colons).
fn name_and_range(s: &str) -> Result<(String, rogatory::wire::SegmentSet)> {
    let (name, range) = s
        .rsplit_once(':')
        .ok_or_else(|| CliError::usage(format!("--drop-segments {s:?}: expected NAME:RANGE")))?;
    if name.is_empty() {
        return Err(CliError::usage(format!(
            "--drop-segments {s:?}: no field name"
        )));
    }
    Ok((name.to_owned(), parse_ranges(range).map_err(cli)?))
}

fn request(args: &RedactArgs) -> Result<Request> {
    let mut policy = Policy::new();
    for p in &args.policies {
        policy.extend(Policy::load(p).map_err(cli)?);
    }
    if !args.detect.is_empty() {
        let cats: Vec<Category> = args.detect.iter().copied().map(category).collect();
        policy.extend(Policy::detect("--detect", &cats).map_err(cli)?);
    }
    let drop_segments = args
        .drop_segments
        .iter()
        .map(|s| name_and_range(s))
        .collect::<Result<Vec<_>>>()?;
    if args.drop_fields.is_empty() && drop_segments.is_empty() && policy.is_empty() {
        return Err(CliError::usage(
            "nothing selected: give --drop-field, --drop-segments, --policy or --detect",
        ));
    }
    Ok(Request {
        drop_fields: args.drop_fields.clone(),
        drop_segments,
        policy,
    })
}

fn text(flag: &str, v: Option<&String>) -> Result<Text> {
    let v = v.ok_or_else(|| CliError::usage(format!("{flag} is required")))?;
    Text::new(v.as_str()).map_err(CliError::wire(flag))
}

#[derive(Serialize)]
struct JsonOut<'a> {
    dry_run: bool,
    plan: &'a Plan,
    output: Option<&'a OutputReport>,
}

pub fn run(args: &RedactArgs, out: &mut dyn Write) -> Result<()> {
    let identity = load_identity(&args.key)?;
    let trust = load_trust_for(&args.trust, &identity)?;
    let now = now()?;
    let request = request(args)?;
    let (reason, legal_basis) = if args.dry_run {
        (None, None)
    } else {
        (
            Some(text("--reason", args.reason.as_ref())?),
            Some(text("--legal-basis", args.legal_basis.as_ref())?),
        )
    };
    let mut ledger = match (&args.output, args.dry_run) {
        (Some(_), false) => Some(ledger_util::open(
            &ledger_util::dir(&args.ledger, &args.key, &identity),
            &identity,
        )?),
        _ => None,
    };

    let (mut held, bar) = progress::held(&args.package, &identity, &trust, now)?;
    let readable: u64 = held
        .metadata()
        .fields
        .iter()
        .filter(|d| held.readable(d.index))
        .map(|d| d.size)
        .sum();
    progress::phase(&bar, readable, "scanning");
    let plan = held.plan(&request);
    if plan.is_err() || args.dry_run || args.output.is_none() {
        bar.finish_and_clear();
    }
    let plan = plan.map_err(cli)?;

    let report = match (&args.output, reason, legal_basis) {
        (Some(path), Some(reason), Some(basis)) if !args.dry_run => {
            if plan.is_empty() {
                bar.finish_and_clear();
                return Err(cli(RedactError::NothingToRedact));
            }
            progress::phase(&bar, size_of(&args.package), "redacting");
            let written = create_atomically(path, |w| {
                held.redact(&plan, &reason, &basis, w, &mut system_rng())
                    .map(|x| x.report)
            });
            bar.finish_and_clear();
            let report = written.map_err(cli)?;
            if let Some(ledger) = ledger.as_mut() {
                let m = held.metadata();
                let mut line = Record::new(
                    now,
                    LedgerAction::Redacted,
                    report.package_id,
                    report.package_digest,
                );
                line.event = Some(report.event);
                line.partner = ledger_util::sender_partner(m, identity_party(&identity));
                line.fields = u32::try_from(report.removed.len()).unwrap_or(u32::MAX);
                line.reason = Some(reason.clone());
                let mut line = ledger_util::with_package(line, m);
                line.legal_basis = Some(basis.clone());
                ledger.append(&identity, line, &format!("wrote {}", path.display()))?;
            }
            Some(report)
        }
        _ => None,
    };

    if args.json {
        let j = JsonOut {
            dry_run: args.dry_run,
            plan: &plan,
            output: report.as_ref(),
        };
        crate::json::print(out, &j)?;
        return Ok(());
    }
    print_plan(&plan, args.dry_run, out)?;
    if let (Some(r), Some(path)) = (&report, &args.output) {
        outln!(
            out,
            "wrote:       {} ({} bytes), custody event {} (redacted), hash {}",
            path.display(),
            r.size,
            r.event_sequence,
            r.event_hash
        );
        outln!(
            out,
            "stanzas:     one, this key's: forward the package to give it to another party"
        );
    }
    if plan.is_empty() {
        warn("nothing would be removed");
    }
    Ok(())
}

/// A file's size, for a bar (0 if it cannot be read: the bar then only
/// counts).
pub(crate) fn size_of(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn identity_party(id: &rogatory::core::Identity) -> &rogatory::wire::PartyId {
    rogatory::core::Signer::party(id)
}

fn print_field(f: &FieldPlan, out: &mut dyn Write) -> Result<()> {
    if f.whole {
        let why: Vec<String> = f.whole_reasons.iter().map(|r| r.to_string()).collect();
        let why = if why.is_empty() {
            "every present segment selected".to_owned()
        } else {
            why.join(", ")
        };
        outln!(
            out,
            "  {:>3}  {:?}: the whole field ({} segment(s); {why})",
            f.index,
            f.name,
            f.removes.count()
        );
        return Ok(());
    }
    outln!(
        out,
        "  {:>3}  {:?}: segments {} of {}; keeps {}",
        f.index,
        f.name,
        format_ranges(&f.removes),
        f.segment_count,
        format_ranges(&f.keeps)
    );
    if !f.selected.is_empty() {
        outln!(
            out,
            "         segments {}: drop-segments",
            format_ranges(&f.selected)
        );
    }
    for s in &f.segments {
        let why: Vec<String> = s.reasons.iter().map(|r| r.to_string()).collect();
        outln!(out, "         segment {}: {}", s.segment, why.join(", "));
    }
    Ok(())
}

fn print_plan(plan: &Plan, dry_run: bool, out: &mut dyn Write) -> Result<()> {
    outln!(
        out,
        "{}",
        if dry_run {
            "would remove (dry run, nothing written):"
        } else {
            "removed:"
        }
    );
    if plan.is_empty() {
        outln!(out, "  nothing");
    }
    for f in &plan.fields {
        print_field(f, out)?;
    }
    if !plan.skipped.is_empty() {
        outln!(out, "not touched:");
        for s in &plan.skipped {
            outln!(out, "  {:>3}  {:?}: {}", s.index, s.name, s.why);
        }
    }
    Ok(())
}
