//! `rogatory inspect`: the clear structure of a package. No key, no trust
//! store: nothing here is verified.

use std::io::Write;

use rogatory::core::Package;
use rogatory::core::time::format_rfc3339;

use super::outln;
use crate::cli::InspectArgs;
use crate::error::Result;

pub fn run(args: &InspectArgs, out: &mut dyn Write) -> Result<()> {
    crate::sniff::expect(&args.package, "a package")?;
    let i = Package::open(&args.package)?.inspect();
    if args.json {
        crate::json::print(out, &i)?;
        return Ok(());
    }
    outln!(out, "NOT VERIFIED: structure only (use `rogatory verify`)");
    outln!(out, "package id:  {}", i.package_id);
    outln!(out, "version:     {}, suite {}", i.version, i.suite);
    outln!(out, "digest:      {}", i.package_digest);
    outln!(out, "signer:      key {}", i.signer);
    outln!(out, "size:        {} bytes", i.size);
    outln!(
        out,
        "metadata:    {} bytes, sealed",
        i.metadata_ciphertext_len
    );
    outln!(
        out,
        "stanzas:     {} ({} X-Wing hybrid, {} X25519)",
        i.stanzas,
        i.hybrid_stanzas,
        i.stanzas - i.hybrid_stanzas
    );
    outln!(out, "leaves:      {}", i.leaves);
    outln!(out, "fields:");
    for f in &i.fields {
        if f.removed {
            outln!(out, "  {:>3}  removed, {} leaves", f.index, f.leaves);
        } else {
            outln!(
                out,
                "  {:>3}  present, {}/{} segments, {} bytes of ciphertext",
                f.index,
                f.present_segments,
                f.leaves,
                f.ciphertext_len
            );
        }
    }
    outln!(out, "custody:");
    for e in &i.events {
        outln!(
            out,
            "  {:>3}  {:<9}  key {}  {}",
            e.sequence,
            e.kind,
            e.actor,
            format_rfc3339(e.time)
        );
    }
    Ok(())
}
