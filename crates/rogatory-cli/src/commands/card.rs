//! `rogatory card fingerprint|rotate|revoke`.

use std::io::Write;
use std::path::Path;

use rogatory::core::fsutil::write_atomic;
use rogatory::core::identity::{fingerprint as print_fingerprint, key_wrap_name, verify_card};
use rogatory::core::lifecycle::{sign_revocation, sign_rotation};
use rogatory::core::time::{format_date, format_rfc3339, parse_date, parse_date_end};
use rogatory::core::{Identity, Signer, system_rng};
use rogatory::wire::{ShortText, Timestamp, encode};

use super::keygen::{two_years_after, write_key};
use super::{ledger_util, load_identity, now, occupied, outln, read_card};
use crate::cli::{CardRevokeArgs, CardRotateArgs};
use crate::error::{CliError, Result};

pub fn fingerprint(path: &Path, json: bool, out: &mut dyn Write) -> Result<()> {
    let card = read_card(path)?;
    let key_id = verify_card(&card)?;
    if json {
        return crate::json::print(
            out,
            &serde_json::json!({
                "card": path,
                "party": card.body.party,
                "key_id": key_id,
                "fingerprint": print_fingerprint(&key_id),
                "hybrid": card.body.hybrid_key.is_some(),
                "valid_from": card.body.not_before,
                "valid_until": card.body.not_after,
            }),
        );
    }
    outln!(out, "party:       {}", card.body.party);
    outln!(out, "fingerprint: {}", print_fingerprint(&key_id));
    outln!(out, "key wrap:    {}", key_wrap_name(&card));
    outln!(
        out,
        "valid:       {} to {} (UTC, inclusive)",
        format_date(card.body.not_before),
        format_date(card.body.not_after)
    );
    Ok(())
}

/// `rogatory card rotate`: a successor key and card for the same party, the
/// rotation statement the old key signs, and the statement recorded in the
/// party's ledger so that it continues under the new key.
pub fn rotate(args: &CardRotateArgs, out: &mut dyn Write) -> Result<()> {
    let old = load_identity(&args.key)?;
    let now = now()?;
    let effective = match &args.effective {
        Some(d) => parse_date(d)?.max(now),
        None => now,
    };
    let not_after = match &args.valid_until {
        Some(d) => parse_date_end(d)?,
        None => two_years_after(effective)?,
    };
    let hybrid = old.card().body.hybrid_key.is_some();
    // A key kept in a token is succeeded by a new key pair on the same token.
    let new = match old.token() {
        Some(t) => super::keygen::on_token(
            &t.module,
            &t.token,
            old.party().clone(),
            effective,
            not_after,
            hybrid,
        )?,
        None => Identity::generate_with(
            old.party().clone(),
            effective,
            not_after,
            hybrid,
            &mut system_rng(),
        )?,
    };
    let rotation = sign_rotation(&old, new.card(), effective)?;
    let dir = match &args.out_dir {
        Some(d) => d.clone(),
        None => match args.key.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => Path::new(".").to_owned(),
        },
    };
    let stem = format!("{}-{}", new.party(), &new.key_id().to_hex()[..8]);
    let key_path = dir.join(format!("{stem}.key"));
    let card_path = dir.join(format!("{stem}.card"));
    let rotation_path = dir.join(format!("{stem}.rotation"));
    for p in [&key_path, &card_path, &rotation_path] {
        if occupied(p) {
            return Err(CliError::usage(format!(
                "refusing to overwrite {}",
                p.display()
            )));
        }
    }
    std::fs::create_dir_all(&dir).map_err(CliError::io_path("creating", &dir))?;
    let ledger = ledger_util::dir(&args.ledger, &args.key, &old);
    // The ledger first: a ledger that cannot take the statement stops the
    // rotation before any new file exists.
    if ledger.join("owner.card").exists() {
        rogatory::core::ledger::rotate(&ledger, &rotation)?;
    }
    let protected = write_key(&key_path, &new, &args.protection)?;
    write_atomic(
        &card_path,
        &encode(new.card()).map_err(CliError::wire("card"))?,
        false,
    )?;
    write_atomic(
        &rotation_path,
        &encode(&rotation).map_err(CliError::wire("rotation"))?,
        false,
    )?;
    let continued = ledger.join("owner.card").exists();
    if args.json {
        return crate::json::print(
            out,
            &serde_json::json!({
                "party": old.party(),
                "predecessor_key_id": old.key_id(),
                "key_id": new.key_id(),
                "fingerprint": print_fingerprint(&new.key_id()),
                "key": key_path,
                "protected": protected,
                "card": card_path,
                "rotation": rotation_path,
                "effective": effective,
                "ledger": continued.then_some(&ledger),
            }),
        );
    }
    outln!(
        out,
        "rotated:     {} ({} to {})",
        old.party(),
        print_fingerprint(&old.key_id()),
        print_fingerprint(&new.key_id())
    );
    outln!(
        out,
        "key:         {} ({})",
        key_path.display(),
        if protected {
            "protected by its passphrase"
        } else {
            "NOT protected by a passphrase"
        }
    );
    outln!(out, "card:        {}", card_path.display());
    outln!(
        out,
        "statement:   {} (give it to your partners: `trust add --rotation`)",
        rotation_path.display()
    );
    outln!(out, "effective:   {}", format_rfc3339(effective));
    if continued {
        outln!(
            out,
            "ledger:      {} continues under the new key",
            ledger.display()
        );
    }
    Ok(())
}

/// A time on the command line: a UTC day (its first second) or RFC 3339.
fn parse_time(s: &str) -> Result<Timestamp> {
    if let Ok(t) = parse_date(s) {
        return Ok(t);
    }
    rogatory::core::time::parse_rfc3339(s)
        .map_err(|_| CliError::usage(format!("{s:?}: a day (YYYY-MM-DD) or an RFC 3339 time")))
}

/// `rogatory card revoke`: a revocation statement signed with `--key`.
pub fn revoke(args: &CardRevokeArgs, out: &mut dyn Write) -> Result<()> {
    let signer = load_identity(&args.key)?;
    let target = match &args.card {
        Some(p) => read_card(p)?,
        None => signer.card().clone(),
    };
    verify_card(&target)?;
    let now = now()?;
    let compromised = match &args.compromised {
        Some(s) => parse_time(s)?,
        None => now,
    };
    if compromised > now {
        return Err(CliError::usage(
            "the compromise time is in the future: revoke from now, or later",
        ));
    }
    let reason = ShortText::new(args.reason.as_str()).map_err(CliError::wire("reason"))?;
    let r = sign_revocation(&signer, &target, compromised, now, reason)?;
    if occupied(&args.output) {
        return Err(CliError::usage(format!(
            "refusing to overwrite {}",
            args.output.display()
        )));
    }
    write_atomic(
        &args.output,
        &encode(&r).map_err(CliError::wire("revocation"))?,
        false,
    )?;
    if args.json {
        return crate::json::print(
            out,
            &serde_json::json!({
                "party": target.body.party,
                "key_id": r.body.key_id,
                "fingerprint": print_fingerprint(&r.body.key_id),
                "compromised": compromised,
                "signer": signer.party(),
                "signer_key_id": signer.key_id(),
                "statement": args.output,
            }),
        );
    }
    outln!(
        out,
        "revoked:     {} ({})",
        target.body.party,
        print_fingerprint(&r.body.key_id)
    );
    outln!(out, "compromised: {}", format_rfc3339(compromised));
    outln!(
        out,
        "signed by:   {} ({})",
        signer.party(),
        if signer.key_id() == r.body.key_id {
            "the key itself"
        } else {
            "a revocation authority"
        }
    );
    outln!(
        out,
        "statement:   {} (partners record it with `trust revoke --statement`)",
        args.output.display()
    );
    Ok(())
}
