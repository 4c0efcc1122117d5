//! `rogatory card fingerprint`.

use std::io::Write;
use std::path::Path;

use rogatory::core::identity::{fingerprint as print_fingerprint, verify_card};
use rogatory::core::time::format_date;

use super::{outln, read_card};
use crate::error::Result;

pub fn fingerprint(path: &Path, out: &mut dyn Write) -> Result<()> {
    let card = read_card(path)?;
    let key_id = verify_card(&card)?;
    outln!(out, "party:       {}", card.body.party);
    outln!(out, "fingerprint: {}", print_fingerprint(&key_id));
    outln!(
        out,
        "valid:       {} to {} (UTC, inclusive)",
        format_date(card.body.not_before),
        format_date(card.body.not_after)
    );
    Ok(())
}
