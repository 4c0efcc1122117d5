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
    crate::sniff::expect(path, "a trust store")?;
    let mut t = TrustStore::load(path)?;
    t.include_own(identity.card())?;
    Ok(Arc::new(t))
}

/// `--ledger DIR` (or the configuration's), else the party's default
/// ([`crate::config::default_ledger`]), as every `rogatory` command records
/// it; a ledger belongs to one key and its successors.
pub fn ledger_dir(arg: Option<&Path>, key_file: &Path, identity: &Identity) -> PathBuf {
    if let Some(dir) = arg {
        return dir.to_owned();
    }
    crate::config::default_ledger(key_file, identity.party().as_str())
}

/// Structured logs on standard error: `info` by default, `debug` with
/// `verbose`; colours only on a terminal.
pub fn init_logs(verbose: bool, format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    // RUST_LOG (`info`, `rogatory_transport=debug,warn`, ...) when set and
    // valid; otherwise info, or debug with --verbose.
    let fallback = if verbose { "debug" } else { "info" };
    let (filter, bad) = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => match EnvFilter::try_new(&v) {
            Ok(f) => (f, None),
            Err(e) => (
                EnvFilter::new(fallback),
                Some(format!("RUST_LOG={v:?} ignored: {e}")),
            ),
        },
        _ => (EnvFilter::new(fallback), None),
    };
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
    if let Some(warning) = bad {
        tracing::warn!("{warning}");
    }
}

/// How logs are written to standard error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line (`timestamp`, `level`, `message` and the
    /// event's fields), for a log collector.
    Json,
}
