//! Recording actions in the party's ledger (spec §11), for every command
//! that acts on a package.
//!
//! A command resolves the ledger directory ([`dir`]), opens the ledger before
//! it acts ([`open`]: a ledger kept by another key is refused before anything
//! is done), acts, then appends its line ([`record`], or
//! [`Opened::append`] on the ledger opened earlier). A line carries the
//! cleartext facts the transparency report counts, filled from the package's
//! metadata by [`with_package`]; never the case or request reference.
//!
//! What each command records:
//!
//! | command | action | partner | event |
//! |---|---|---|---|
//! | `seal` | `sealed`, one line per recipient | that recipient | the `sealed` event |
//! | `open` | `opened`, `fields` = fields written | the sender, unless it is the opener | — |
//! | `custody append` | `note` | — | the `note` event |
//! | `custody export` | `exported` | the sender, unless it is the exporter | — |

use std::path::{Path, PathBuf};

use rogatory::core::ledger::{Ledger, Record};
use rogatory::core::{Identity, Signer};
use rogatory::wire::{Digest, Metadata, PartyId};

use crate::cli::LedgerArg;
use crate::error::{CliError, Result};

/// The default ledger directory, `$XDG_DATA_HOME/rogatory/ledger/PARTY`,
/// outside the key's folder ([`crate::config::default_ledger`]). The
/// party's own subdirectory lets several parties share it (a ledger is bound
/// to one key and its successors).
pub fn default_dir(key_file: &Path, party: &PartyId) -> PathBuf {
    crate::config::default_ledger(key_file, party.as_str())
}

/// The ledger directory of a command: `--ledger DIR`, or [`default_dir`].
pub fn dir(arg: &LedgerArg, key_file: &Path, identity: &Identity) -> PathBuf {
    arg.dir
        .clone()
        .unwrap_or_else(|| default_dir(key_file, identity.party()))
}

/// A ledger opened before the action, to append its line after.
#[derive(Debug)]
pub struct Opened {
    dir: PathBuf,
    ledger: Ledger,
}

/// Opens (or creates) the ledger in `dir` for `identity`. Call it before
/// acting, so that a ledger that cannot take the line stops the command
/// before anything is done.
pub fn open(dir: &Path, identity: &Identity) -> Result<Opened> {
    let ledger = Ledger::open(dir, identity).map_err(|e| {
        CliError::usage(format!(
            "ledger {}: {e} (give another with --ledger DIR)",
            dir.display()
        ))
    })?;
    Ok(Opened {
        dir: dir.to_owned(),
        ledger,
    })
}

impl Opened {
    /// Appends one line; returns the new head. `done` says what was already
    /// done, for the error if the line cannot be written.
    pub fn append(&mut self, identity: &Identity, record: Record, done: &str) -> Result<Digest> {
        self.ledger.append(identity, record).map_err(|e| {
            CliError::usage(format!(
                "{done}, but recording it in ledger {} failed: {e}",
                self.dir.display()
            ))
        })
    }

    /// The number of lines.
    pub fn len(&self) -> u64 {
        self.ledger.len()
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Opens the ledger in `dir` and appends one line: for a command that has
/// nothing to check before it acts. Returns the new head.
#[allow(dead_code)] // for the commands of the redaction and transport issues
pub fn record(dir: &Path, identity: &Identity, record: Record) -> Result<Digest> {
    open(dir, identity)?.append(identity, record, "the action was done")
}

/// Fills a record with the package's facts from its metadata: legal basis,
/// data categories, priority, retain-until. Never the case or request
/// reference.
pub fn with_package(mut record: Record, m: &Metadata) -> Record {
    record.legal_basis = Some(m.legal_basis.clone());
    record.categories = m.data_categories.clone();
    record.priority = Some(m.priority);
    record.retain_until = Some(m.retain_until);
    record
}

/// The package's sender as the partner of an action by `me`: none when the
/// sender is `me`.
pub fn sender_partner(m: &Metadata, me: &PartyId) -> Option<PartyId> {
    (m.sender.party != *me).then(|| m.sender.party.clone())
}
