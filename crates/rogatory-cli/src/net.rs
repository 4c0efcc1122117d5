//! What `rogatory-send`, `rogatory-recv` and `rogatory demo` share: loading
//! a party's key and trust store, the default ledger directory, logs.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rogatory::core::{Identity, Signer, TrustStore};

use crate::error::{CliError, Result};

/// Reads a secret key file; it must hold a TLS key and certificate.
pub fn load_identity(path: &Path) -> Result<Arc<Identity>> {
    let identity = crate::passphrase::load_key(path)?;
    if identity.tls().is_none() {
        return Err(CliError::usage(format!(
            "key {} holds no TLS key and certificate (make one with `rogatory keygen`)",
            path.display()
        )));
    }
    Ok(Arc::new(identity))
}

/// Reads a trust store that must exist, with the card of the party that
/// acts with `identity` implied by its key (spec §3.3).
pub fn load_trust(path: &Path, identity: &Identity) -> Result<Arc<TrustStore>> {
    if !path.exists() {
        return Err(CliError::usage(format!(
            "trust store {} does not exist (create it with `rogatory trust add`)",
            path.display()
        )));
    }
    let mut t = TrustStore::load(path)?;
    t.include_own(identity.card())?;
    Ok(Arc::new(t))
}

/// `--ledger DIR`, or the party's default: `ledger/PARTY` beside the key
/// file (as every `rogatory` command records it; several parties' keys may
/// share a directory, and a ledger belongs to one key).
pub fn ledger_dir(arg: Option<&Path>, key_file: &Path, identity: &Identity) -> PathBuf {
    if let Some(dir) = arg {
        return dir.to_owned();
    }
    let beside = match key_file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    beside.join("ledger").join(identity.party().as_str())
}

/// Structured logs on standard error: `info` by default, `debug` with
/// `verbose`; colours only on a terminal.
pub fn init_logs(verbose: bool) {
    let level = if verbose {
        tracing_subscriber::filter::LevelFilter::DEBUG
    } else {
        tracing_subscriber::filter::LevelFilter::INFO
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_max_level(level)
        .with_target(false)
        .try_init();
}
