//! `rogatory extract` and `rogatory verify-extract`: a standalone extract of
//! one field's segments for a court, with inclusion proofs (spec §12.7).

use std::io::Write;

use rogatory::core::identity::fingerprint;
use rogatory::core::ledger::Record;
use rogatory::core::time::format_rfc3339;
use rogatory::redact::extract::EXTRACT_MAX;
use rogatory::redact::{Extract, create_atomically, format_ranges, parse_ranges, verify_extract};
use rogatory::wire::{LedgerAction, SegmentSet};

use super::redact::cli;
use super::{flat, ledger_util, load_identity, load_trust, load_trust_for, now, outln, warn};
use crate::cli_redact::{ExtractArgs, VerifyExtractArgs};
use crate::error::{CliError, Result};
use crate::progress;

pub fn run(args: &ExtractArgs, out: &mut dyn Write) -> Result<()> {
    let identity = load_identity(&args.key)?;
    let trust = load_trust_for(&args.trust, &identity)?;
    let now = now()?;
    let segments = args
        .segments
        .as_deref()
        .map(parse_ranges)
        .transpose()
        .map_err(cli)?;
    let mut ledger = ledger_util::open(
        &ledger_util::dir(&args.ledger, &args.key, &identity),
        &identity,
    )?;
    let (mut held, bar) = progress::held(&args.package, &identity, &trust, now)?;
    bar.finish_and_clear();
    let spinner = progress::spinner("extracting");
    let extract = held.extract(&args.field, segments.as_ref());
    spinner.finish_and_clear();
    let extract = extract.map_err(cli)?;
    let bytes = extract.to_bytes().map_err(cli)?;
    create_atomically(&args.output, |w| {
        w.write_all(&bytes)
            .map_err(|source| rogatory::redact::RedactError::Io {
                context: "writing the extract".into(),
                source,
            })
    })
    .map_err(cli)?;

    let m = held.metadata();
    let mut line = Record::new(
        now,
        LedgerAction::Exported,
        held.package_id(),
        extract.package_digest().map_err(cli)?,
    );
    line.partner = ledger_util::sender_partner(m, rogatory::core::Signer::party(&identity));
    line.fields = 1;
    ledger.append(
        &identity,
        ledger_util::with_package(line, m),
        &format!("wrote {}", args.output.display()),
    )?;

    let set = SegmentSet::from_indices(extract.segments.iter().map(|s| s.segment).collect())
        .map_err(CliError::wire("segments"))?;
    let proof_max = extract
        .segments
        .iter()
        .map(|s| s.proof.len())
        .max()
        .unwrap_or(0);
    if args.json {
        return crate::json::print(
            out,
            &serde_json::json!({
                "extract": args.output,
                "package_id": held.package_id(),
                "field": args.field,
                "segments": format_ranges(&set),
                "segment_count": extract.segments.len(),
                "proof_nodes_max": proof_max,
                "bytes": bytes.len(),
                "discloses": "the metadata and every custody event's sealed details",
            }),
        );
    }
    outln!(
        out,
        "extract:     {:?}, segments {} ({} segment(s), proofs of at most {} nodes)",
        args.field,
        format_ranges(&set),
        extract.segments.len(),
        proof_max
    );
    outln!(
        out,
        "wrote:       {} ({} bytes)",
        args.output.display(),
        bytes.len()
    );
    warn(
        "an extract carries the metadata key: whoever holds it reads the whole sealed \
         metadata and every custody event's sealed details",
    );
    Ok(())
}

pub fn verify(args: &VerifyExtractArgs, out: &mut dyn Write) -> Result<()> {
    let trust = load_trust(&args.trust)?;
    let len = std::fs::metadata(&args.extract)
        .map_err(CliError::io_path("reading", &args.extract))?
        .len();
    if len > EXTRACT_MAX as u64 {
        return Err(CliError::usage(format!(
            "{}: {len} bytes is larger than an extract can be",
            args.extract.display()
        )));
    }
    let bytes =
        std::fs::read(&args.extract).map_err(CliError::io_path("reading", &args.extract))?;
    let spinner = progress::spinner("verifying");
    let report = Extract::from_bytes(&bytes).and_then(|x| verify_extract(&x, &trust));
    spinner.finish_and_clear();
    let r = report.map_err(cli)?;
    if args.json {
        crate::json::print(out, &r)?;
        return Ok(());
    }
    outln!(
        out,
        "verified:    signature, metadata, custody chain, {} segment(s) against the signed root",
        r.segments.len()
    );
    outln!(
        out,
        "sender:      {} ({})",
        r.sender,
        fingerprint(&r.sender_key_id)
    );
    outln!(out, "package id:  {}", r.package_id);
    outln!(out, "digest:      {}", r.package_digest);
    outln!(out, "leaves:      {}", r.tree_size);
    outln!(
        out,
        "case:        {}",
        flat(r.metadata.case_reference.as_str())
    );
    outln!(
        out,
        "legal basis: {}",
        flat(r.metadata.legal_basis.as_str())
    );
    outln!(out, "segments:");
    for s in &r.segments {
        outln!(
            out,
            "  {:?} segment {}: {} bytes, sha256 {}, proof of {} nodes",
            s.name,
            s.segment,
            s.size,
            s.sha256,
            s.proof_len
        );
    }
    outln!(out, "custody:");
    for e in &r.custody {
        outln!(
            out,
            "  {:>3}  {:<9}  {}  {}",
            e.sequence,
            e.kind,
            e.actor_party,
            format_rfc3339(e.time)
        );
    }
    outln!(out, "onward:      {}", r.onward.consent);
    outln!(
        out,
        "disclosure:  this extract reveals the metadata and the custody details"
    );
    Ok(())
}
