//! A party's local custody ledger (spec §11): one line per action, hash
//! chained across packages, each line signed.

use serde::{Deserialize, Serialize};

use crate::codec::Wire;
use crate::error::WireError;
use crate::limits;
use crate::package::Priority;
use crate::primitives::{
    CategorySet, Digest, KeyId, PackageId, PartyId, Signature, Text, Timestamp,
};

/// What the party did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum LedgerAction {
    /// Sealed a package.
    Sealed,
    /// Sent a package.
    Sent,
    /// Received a package (and issued a receipt).
    Received,
    /// Redacted a package.
    Redacted,
    /// Forwarded a package.
    Forwarded,
    /// Appended a note.
    Note,
    /// Opened fields of a package (ledger only).
    Opened,
    /// Exported a package or extract (ledger only).
    Exported,
}

impl LedgerAction {
    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sealed => "sealed",
            Self::Sent => "sent",
            Self::Received => "received",
            Self::Redacted => "redacted",
            Self::Forwarded => "forwarded",
            Self::Note => "note",
            Self::Opened => "opened",
            Self::Exported => "exported",
        }
    }
}

/// A custody event as a ledger line names it: its position, the hash of the
/// event before it and its own hash, so that whoever holds the ledger can
/// tell a copy of the package that ends just before this event (spec §11).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRef {
    /// The event's sequence number.
    pub sequence: u64,
    /// Its `prev`: the hash of the event before it (zero for `sealed`).
    pub prev: Digest,
    /// Its event hash.
    pub hash: Digest,
}

/// One ledger line: cleartext facts for the transparency report, never a case
/// reference or content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerLine {
    /// Position in the ledger, from 0.
    pub sequence: u64,
    /// Hash of the previous line (zero for the first).
    pub prev: Digest,
    /// When.
    pub time: Timestamp,
    /// The ledger owner's key id.
    pub actor: KeyId,
    /// What.
    pub action: LedgerAction,
    /// Which package.
    pub package_id: PackageId,
    /// Its digest.
    pub package_digest: Digest,
    /// The custody event this line records, if it records one.
    pub event: Option<EventRef>,
    /// The partner jurisdiction (receiver, sender, new recipient).
    pub partner: Option<PartyId>,
    /// Legal basis of the package or action.
    pub legal_basis: Option<Text>,
    /// Data categories of the package.
    pub categories: CategorySet,
    /// Priority of the package.
    pub priority: Option<Priority>,
    /// The package's retain-until.
    pub retain_until: Option<Timestamp>,
    /// Fields concerned (opened, removed).
    pub fields: u32,
    /// Reason (redactions).
    pub reason: Option<Text>,
}

impl Wire for LedgerLine {
    const NAME: &'static str = "ledger line";
    const MAX_ENCODED: usize = limits::LEDGER_LINE_MAX;
}

/// A ledger line with the owner's signature over its hash (the signed head).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The line.
    pub line: LedgerLine,
    /// Ed25519 over `SIG_LEDGER || line hash`.
    pub signature: Signature,
}

impl Wire for LedgerEntry {
    const NAME: &'static str = "ledger entry";
    const MAX_ENCODED: usize = limits::LEDGER_LINE_MAX;

    fn validate(&self) -> Result<(), WireError> {
        if self.line.sequence == 0 && self.line.prev != Digest::ZERO {
            return Err(WireError::invalid(
                Self::NAME,
                "first line must have a zero prev",
            ));
        }
        Ok(())
    }
}
