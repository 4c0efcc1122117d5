//! `rogatory forward`: re-envelope a package for a new recipient from the
//! trust store, within the sender's onward-transfer consent (spec §12.4).

use std::io::Write;

use rogatory::core::identity::fingerprint;
use rogatory::core::ledger::Record;
use rogatory::core::system_rng;
use rogatory::redact::create_atomically;
use rogatory::wire::{LedgerAction, PartyId, Text};

use super::redact::cli;
use super::{ledger_util, load_identity, load_trust_for, now, outln, warn};
use crate::cli_redact::ForwardArgs;
use crate::error::{CliError, Result};
use crate::progress;

fn text(flag: &str, v: Option<&String>) -> Result<Option<Text>> {
    v.map(|s| Text::new(s.as_str()).map_err(CliError::wire(flag)))
        .transpose()
}

pub fn run(args: &ForwardArgs, out: &mut dyn Write) -> Result<()> {
    let identity = load_identity(&args.key)?;
    let trust = load_trust_for(&args.trust, &identity)?;
    let now = now()?;
    let to = PartyId::new(args.to.as_str()).map_err(CliError::wire("--to"))?;
    let legal_basis = text("--legal-basis", args.legal_basis.as_ref())?;
    let reason = text("--reason", args.reason.as_ref())?;
    let mut ledger = ledger_util::open(
        &ledger_util::dir(&args.ledger, &args.key, &identity),
        &identity,
    )?;

    let (mut held, bar) = progress::held(&args.package, &identity, &trust, now)?;
    progress::phase(&bar, super::redact::size_of(&args.package), "forwarding");
    let written = create_atomically(&args.output, |w| {
        held.forward(
            &to,
            reason.as_ref(),
            legal_basis.as_ref(),
            w,
            &mut system_rng(),
        )
        .map(|x| x.report)
    });
    bar.finish_and_clear();
    let report = written.map_err(cli)?;

    let m = held.metadata();
    let mut line = Record::new(
        now,
        LedgerAction::Forwarded,
        report.package_id,
        report.package_digest,
    );
    line.event = Some(report.event);
    line.partner = Some(to.clone());
    line.fields = u32::try_from(report.receiver_reads.len()).unwrap_or(u32::MAX);
    let mut line = ledger_util::with_package(line, m);
    if let Some(b) = &legal_basis {
        line.legal_basis = Some(b.clone());
    }
    ledger.append(&identity, line, &format!("wrote {}", args.output.display()))?;

    if args.json {
        crate::json::print(out, &report)?;
    } else {
        let key_id = trust
            .current(&to, now)
            .map(|e| fingerprint(&e.key_id))
            .unwrap_or_default();
        outln!(out, "forwarded:   to {to} ({key_id})");
        let reads = if report.receiver_reads.is_empty() {
            "no field (the metadata only)".to_owned()
        } else {
            report
                .receiver_reads
                .iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        outln!(out, "it reads:    {reads}");
        outln!(
            out,
            "wrote:       {} ({} bytes), custody event {} (forwarded), hash {}",
            args.output.display(),
            report.size,
            report.event_sequence,
            report.event_hash
        );
    }
    if report.notice_required {
        warn(&format!(
            "the sender's consent allows this transfer with notice: inform {}",
            m.sender.party
        ));
    }
    Ok(())
}
