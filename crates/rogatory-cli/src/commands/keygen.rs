//! `rogatory keygen`: a party's keys and self-signed card.

use std::io::Write;
use std::path::Path;

use rogatory::core::fsutil::write_atomic;
use rogatory::core::identity::{fingerprint, key_wrap_name};
use rogatory::core::keyfile::KdfParams;
use rogatory::core::time::{format_date, parse_date, parse_date_end, ymd};
use rogatory::core::{Identity, Signer, system_rng};
use rogatory::wire::{PartyId, Timestamp, encode};

use super::{now, occupied, outln};
use crate::cli::{KeygenArgs, ProtectionArgs};
use crate::error::{CliError, Result};

pub fn run(args: &KeygenArgs, out: &mut dyn Write) -> Result<()> {
    let party = PartyId::new(args.party.as_str())
        .map_err(CliError::wire(format!("party id {:?}", args.party)))?;
    let now = now()?;
    let not_before = match &args.valid_from {
        Some(d) => parse_date(d)?,
        None => parse_date(&format_date(now))?,
    };
    let not_after = match &args.valid_until {
        Some(d) => parse_date_end(d)?,
        None => two_years_after(now)?,
    };

    let key_path = args.out_dir.join(format!("{party}.key"));
    let card_path = args.out_dir.join(format!("{party}.card"));
    if occupied(&key_path) {
        return Err(CliError::usage(format!(
            "refusing to overwrite the existing key file {}",
            key_path.display()
        )));
    }
    std::fs::create_dir_all(&args.out_dir).map_err(CliError::io_path("creating", &args.out_dir))?;

    let identity = match (&args.token, &args.pkcs11_module) {
        (Some(token), Some(module)) => {
            on_token(module, token, party, not_before, not_after, !args.classical)?
        }
        _ => Identity::generate_with(
            party,
            not_before,
            not_after,
            !args.classical,
            &mut system_rng(),
        )?,
    };
    let card_bytes =
        encode(identity.card()).map_err(CliError::wire(format!("card of {}", identity.party())))?;
    let protected = write_key(&key_path, &identity, &args.protection)?;
    write_atomic(&card_path, &card_bytes, false)?;

    if args.json {
        return crate::json::print(
            out,
            &serde_json::json!({
                "key": key_path,
                "card": card_path,
                "protected": protected,
                "party": identity.party(),
                "key_id": identity.key_id(),
                "fingerprint": fingerprint(&identity.key_id()),
                "hybrid": identity.card().body.hybrid_key.is_some(),
                "token": identity.token().map(|t| serde_json::json!({
                    "label": t.token, "module": t.module, "object_id": hex::encode(&t.object_id),
                })),
                "valid_from": not_before,
                "valid_until": not_after,
            }),
        );
    }
    outln!(
        out,
        "key:         {} (secret: keep it private; {})",
        key_path.display(),
        if protected {
            "protected by its passphrase"
        } else {
            "NOT protected by a passphrase"
        }
    );
    outln!(out, "card:        {}", card_path.display());
    outln!(out, "party:       {}", identity.party());
    outln!(out, "fingerprint: {}", fingerprint(&identity.key_id()));
    outln!(out, "key wrap:    {}", key_wrap_name(identity.card()));
    if let Some(t) = identity.token() {
        outln!(
            out,
            "signing key: in token {} ({}), key id {}",
            t.token,
            t.module,
            hex::encode(&t.object_id)
        );
    }
    outln!(
        out,
        "valid:       {} to {} (UTC, inclusive)",
        format_date(not_before),
        format_date(not_after)
    );
    Ok(())
}

/// A new identity whose signing key the token `label` of `module` makes and
/// keeps (spec §3.8).
#[cfg(feature = "pkcs11")]
pub(crate) fn on_token(
    module: &str,
    label: &str,
    party: PartyId,
    not_before: Timestamp,
    not_after: Timestamp,
    hybrid: bool,
) -> Result<Identity> {
    use std::sync::Arc;

    use rogatory::core::CoreError;
    use rogatory::pkcs11::{Pin, Token};
    let pin = crate::passphrase::token_pin(label)?;
    let pin = String::from_utf8(pin.expose_secret().to_vec())
        .map_err(|_| CliError::usage("a token PIN must be UTF-8 text"))?;
    let core = |e: rogatory::pkcs11::Pkcs11Error| CliError::Core(CoreError::from(e));
    let token = Arc::new(Token::open(module, label, &Pin::new(pin)).map_err(core)?);
    let signer = token.generate_ed25519(party.as_str()).map_err(core)?;
    Ok(Identity::generate_with_signer(
        party,
        not_before,
        not_after,
        hybrid,
        Box::new(signer),
        &mut system_rng(),
    )?)
}

#[cfg(not(feature = "pkcs11"))]
pub(crate) fn on_token(
    _module: &str,
    _label: &str,
    _party: PartyId,
    _not_before: Timestamp,
    _not_after: Timestamp,
    _hybrid: bool,
) -> Result<Identity> {
    Err(CliError::usage(
        "--token needs PKCS#11 support: build rogatory with its `pkcs11` feature",
    ))
}

/// Writes `identity`'s key file to `path` (mode 0600, atomically):
/// protected by a new passphrase unless `--no-passphrase`. Returns whether
/// it is protected.
pub(crate) fn write_key(path: &Path, identity: &Identity, p: &ProtectionArgs) -> Result<bool> {
    if p.no_passphrase {
        write_atomic(path, identity.to_key_file()?.expose_secret(), true)?;
        return Ok(false);
    }
    let pass = crate::passphrase::new_for(path)?;
    let params = KdfParams {
        log_n: p.kdf_log_n,
        ..KdfParams::DEFAULT
    };
    let file = identity.to_protected_key_file(&pass, params, &mut system_rng())?;
    write_atomic(path, file.expose_secret(), true)?;
    Ok(true)
}

/// `rogatory key passwd`: the key re-written under a new passphrase (or
/// none), in place.
pub fn passwd(key: &Path, p: &ProtectionArgs, json: bool, out: &mut dyn Write) -> Result<()> {
    let identity = super::load_identity(key)?;
    let protected = write_key(key, &identity, p)?;
    if json {
        return crate::json::print(
            out,
            &serde_json::json!({
                "key": key,
                "protected": protected,
                "key_id": identity.key_id(),
                "fingerprint": fingerprint(&identity.key_id()),
            }),
        );
    }
    outln!(
        out,
        "key:         {} ({})",
        key.display(),
        if protected {
            "protected by the new passphrase"
        } else {
            "NOT protected by a passphrase"
        }
    );
    outln!(out, "fingerprint: {}", fingerprint(&identity.key_id()));
    Ok(())
}

/// The last second of the same day two years after `now` (28 February for
/// 29 February).
pub(crate) fn two_years_after(now: Timestamp) -> Result<Timestamp> {
    let (y, m, d) = ymd(now);
    let d = if m == 2 && d == 29 { 28 } else { d };
    Ok(parse_date_end(&format!("{:04}-{m:02}-{d:02}", y + 2))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_validity_is_two_years() {
        let t = parse_date("2028-02-29").unwrap();
        assert_eq!(format_date(two_years_after(t).unwrap()), "2030-02-28");
        let t = parse_date("2026-11-27").unwrap();
        let end = two_years_after(Timestamp(t.0 + 3600)).unwrap();
        assert_eq!(end, parse_date_end("2028-11-27").unwrap());
    }
}
