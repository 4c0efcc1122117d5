//! `rogatory ledger ...`: verify a party's ledger, and its transparency
//! report (spec §11).

use std::io::Write;
use std::path::Path;

use rogatory::core::ledger;
use rogatory::core::report::{ALL_ACTIONS, ActionCounts, TransparencyReport, from_ledger};
use rogatory::core::time::{format_date, format_rfc3339, parse_date};

use rogatory::core::identity::fingerprint;
use rogatory::wire::{CustodyEvent, Digest, decode};

use super::{flat, load_trust, now, outln, read_card, warn};
use crate::cli::LedgerVerifyArgs;
use crate::error::{CliError, Result};

pub fn verify(args: &LedgerVerifyArgs, out: &mut dyn Write) -> Result<()> {
    let dir = &args.dir;
    let r = ledger::verify(dir)?;
    let mut anchored = Vec::new();
    if let Some(path) = &args.trust {
        let trust = load_trust(path)?;
        let entry = trust.require(&r.owner_key_id)?;
        if entry.party != r.owner {
            return Err(CliError::usage(format!(
                "the ledger's owner card names {}, the trust store holds that key for {}",
                r.owner, entry.party
            )));
        }
        anchored.push(format!("owner card in the trust store {}", path.display()));
    }
    if let Some(path) = &args.card {
        if !r.owner_cards.contains(&read_card(path)?) {
            return Err(CliError::usage(format!(
                "the ledger's owner card is not {} (fingerprint {}): the ledger is kept by \
                 another key",
                path.display(),
                fingerprint(&r.owner_key_id)
            )));
        }
        anchored.push(format!("owner card equals {}", path.display()));
    }
    for h in &args.head {
        let head = parse_digest(h)?;
        let at = ledger::check_head(dir, &head)?;
        anchored.push(format!("holds the head {head} ({})", position(at)));
    }
    for path in &args.receipt {
        let bytes = std::fs::read(path).map_err(CliError::io_path("reading receipt", path))?;
        let receipt: CustodyEvent =
            decode(&bytes).map_err(CliError::wire(format!("receipt {}", path.display())))?;
        let at = ledger::check_receipt(dir, &r, &receipt)?;
        anchored.push(format!(
            "holds the head the receipt {} names ({})",
            path.display(),
            position(at)
        ));
    }
    if args.json {
        return crate::json::print(
            out,
            &serde_json::json!({
                "ledger": dir,
                "owner": r.owner,
                "owner_key_id": r.owner_key_id,
                "fingerprint": fingerprint(&r.owner_key_id),
                "lines": r.lines,
                "head": r.head,
                "checked": anchored,
                "owner_card_checked": args.trust.is_some() || args.card.is_some(),
            }),
        );
    }
    outln!(out, "verified:    ledger {}", dir.display());
    outln!(out, "owner:       {}", r.owner);
    outln!(out, "fingerprint: {}", fingerprint(&r.owner_key_id));
    outln!(out, "lines:       {}", r.lines);
    outln!(out, "head:        {}", r.head);
    for a in &anchored {
        outln!(out, "checked:     {a}");
    }
    if args.trust.is_none() && args.card.is_none() {
        warn(
            "the owner card beside the ledger was not checked against a card you trust: compare \
             its fingerprint, or pass --trust or --card",
        );
    }
    Ok(())
}

fn position(at: Option<u64>) -> String {
    match at {
        Some(n) => format!("line {n}"),
        None => "the empty ledger".to_owned(),
    }
}

fn parse_digest(hex_text: &str) -> Result<Digest> {
    Digest::from_hex(hex_text.trim()).map_err(CliError::wire(format!("--head {hex_text:?}")))
}

pub fn report(dir: &Path, since: Option<&str>, json: bool, out: &mut dyn Write) -> Result<()> {
    let since = since.map(parse_date).transpose()?;
    let r = from_ledger(dir, now()?, since)?;
    if json {
        crate::json::print(out, &r)?;
        return Ok(());
    }
    print_report(&r, out)
}

fn print_report(r: &TransparencyReport, out: &mut dyn Write) -> Result<()> {
    outln!(out, "transparency report");
    if let Some(l) = &r.ledger {
        outln!(
            out,
            "ledger:      {}, {} lines, head {}",
            l.owner,
            l.lines,
            l.head
        );
    }
    let period = match (r.since, r.first, r.last) {
        (Some(s), _, _) => format!("from {} to {}", format_date(s), format_date(r.now)),
        (None, Some(f), _) => format!("from {} to {}", format_date(f), format_date(r.now)),
        (None, None, _) => format!("to {}", format_date(r.now)),
    };
    outln!(out, "period:      {period}");
    outln!(out, "made at:     {}", format_rfc3339(r.now));
    outln!(out, "lines:       {}", r.lines);
    outln!(out, "packages:    {}", r.packages);
    outln!(out);
    outln!(
        out,
        "actions (ledger lines; a package sealed for two recipients is two lines)"
    );
    let mut rows = vec![("all".to_owned(), r.actions)];
    table(out, "", &mut rows)?;
    for (title, heading, map) in [
        (
            "packages per partner jurisdiction",
            "partner",
            &r.by_partner,
        ),
        ("packages per legal basis", "legal basis", &r.by_legal_basis),
        ("packages per data category", "category", &r.by_category),
        ("packages per priority", "priority", &r.by_priority),
    ] {
        outln!(out);
        outln!(out, "{title}");
        if map.is_empty() {
            outln!(out, "  (none)");
            continue;
        }
        let mut rows: Vec<(String, ActionCounts)> =
            map.iter().map(|(k, v)| (flat(k), *v)).collect();
        table(out, heading, &mut rows)?;
    }
    outln!(out);
    let red = &r.redactions;
    outln!(
        out,
        "redactions:  {} of {} package(s), {} field(s) touched",
        red.redactions,
        red.packages,
        red.fields
    );
    for (reason, n) in &red.by_reason {
        outln!(out, "  {n:>6}  {}", flat(reason));
    }
    if red.without_reason > 0 {
        outln!(out, "  {:>6}  (no reason stated)", red.without_reason);
    }
    let o = &r.opened;
    outln!(
        out,
        "opened:      {} field(s) in {} opening(s) of {} package(s)",
        o.fields,
        o.openings,
        o.packages
    );
    outln!(
        out,
        "retention:   {} of {} package(s) past their retain-until on {}",
        r.retention.past_retain_until,
        r.retention.packages,
        format_date(r.now)
    );
    Ok(())
}

/// A table of counts: one row per key, one column per action.
fn table(out: &mut dyn Write, heading: &str, rows: &mut [(String, ActionCounts)]) -> Result<()> {
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .chain([heading.len()])
        .max()
        .unwrap_or(0)
        .min(48);
    let mut line = format!("  {heading:<width$}");
    for a in ALL_ACTIONS {
        line.push_str(&format!(" {:>9}", a.name()));
    }
    outln!(out, "{}", line.trim_end());
    for (key, counts) in rows.iter() {
        let key: String = key.chars().take(width).collect();
        let mut line = format!("  {key:<width$}");
        for a in ALL_ACTIONS {
            line.push_str(&format!(" {:>9}", counts.get(a)));
        }
        outln!(out, "{line}");
    }
    Ok(())
}
