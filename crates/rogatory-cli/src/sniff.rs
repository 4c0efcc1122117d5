//! What a file is, from its first bytes, for messages that say what was
//! given instead of what was expected ("keys/de.bka.card is a party card,
//! not a package").

use std::io::Read;
use std::path::Path;

use rogatory::wire::{CustodyEvent, PartyCard, decode};

use crate::error::{CliError, Result};

/// What the file at `path` is, in words ("a party card (`rogatory card
/// fingerprint` reads it)"), or `None` if it cannot be read.
pub fn describe(path: &Path) -> Option<String> {
    if path.is_dir() {
        return Some("a directory".into());
    }
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .ok()?
        .take(4096)
        .read_to_end(&mut head)
        .ok()?;
    let magic = head.get(..8);
    let kind = match magic {
        Some(b"ROGATORY") => "a package",
        Some(b"RGTRYKEY" | b"RGTRYPKY" | b"RGTRYTOK") => "a secret key file",
        Some(b"RGTRYXTR") => "an extract (`rogatory verify-extract` reads it)",
        Some(b"RGTRYJNL") => "the journal of an interrupted custody append",
        _ if head.is_empty() => "empty",
        _ if head.len() < 4096 && decode::<PartyCard>(&head).is_ok() => {
            "a party card (`rogatory card fingerprint` reads it)"
        }
        _ if head.len() < 4096 && decode::<CustodyEvent>(&head).is_ok() => {
            "a custody event, such as a receipt (`rogatory custody verify-receipt` reads it)"
        }
        _ if std::str::from_utf8(&head)
            .is_ok_and(|s| s.contains("# Rogatory trust store") || s.contains("[[party]]")) =>
        {
            "a trust store"
        }
        _ if std::str::from_utf8(&head).is_ok() => "a text file",
        _ => "not a Rogatory file",
    };
    Some(kind.into())
}

/// Refuses, before it is parsed, a file that is not `expected` (`"a
/// package"`), saying what it is instead.
pub fn expect(path: &Path, expected: &str) -> Result<()> {
    // A trust store is text a person may write: only another Rogatory
    // file (or binary bytes) is refused here, the rest by its parser.
    let text = |f: &str| f == "a text file" || f == "empty";
    match describe(path) {
        Some(found) if expected == "a trust store" && text(&found) => Ok(()),
        Some(found) if found != expected => Err(CliError::NotA {
            path: path.display().to_string(),
            found,
            expected: expected.to_owned(),
        }),
        _ => Ok(()),
    }
}
