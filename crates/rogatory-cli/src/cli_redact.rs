//! The command line of the redaction commands (`redact`, `forward`,
//! `extract`, `verify-extract`): clap types only, kept beside `cli.rs`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::cli::LedgerArg;

/// A built-in PII detector (`--detect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DetectArg {
    /// E-mail addresses
    Email,
    /// Telephone numbers
    Phone,
    /// IBANs (mod-97 checked)
    Iban,
    /// IPv4 and IPv6 addresses
    Ip,
    /// Payment card numbers (Luhn checked)
    Card,
}

pub const REDACT_LONG_ABOUT: &str = "\
Remove fields or segments from a package, keeping every proof.

The removed segments' ciphertext goes; their leaves stay, so the sender's
signature still verifies. A field that loses segments is re-encrypted under a
fresh key; its other segments keep their indices. The output holds one stanza,
the redactor's own, and a signed `redacted` event listing the removed leaves
(its sealed details hold --reason and --legal-basis). A field this key cannot
read can be dropped whole, not cut into. Every selector is repeatable.";

pub const REDACT_AFTER_LONG_HELP: &str = "\
RANGE

Segment indices, comma-separated, each N or an inclusive range A-B:
`3`, `3-7`, `3,5,9-12`. Indices are the field's leaf indices and are never
renumbered: after a redaction the remaining segments keep theirs.

POLICY

--policy FILE reads rules from TOML; --detect CATEGORY is a rule with that
detector over every text field the key can read.

    [[rule]]
    name = \"no subscriber data\"
    drop_fields = [\"subscriber.csv\"]

    [[rule]]
    name = \"personal data in chats\"
    detect = [\"email\", \"phone\", \"iban\", \"ip\", \"card\"]
    fields = [\"chat.txt\"]           # default: every text field the key reads
    patterns = [{ name = \"case-ref\", regex = \"CASE-[0-9]{4}-[0-9]{4}\" }]

--dry-run lists what would go, by field and segment, with the category that
matched, never the matched text.";

/// `rogatory redact`.
#[derive(Debug, Args)]
pub struct RedactArgs {
    /// The redactor's key file
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// The trust store
    #[arg(long, value_name = "STORE")]
    pub trust: PathBuf,
    /// The package
    #[arg(value_name = "PKG")]
    pub package: PathBuf,
    /// Drop a whole field (repeatable)
    #[arg(long = "drop-field", value_name = "NAME")]
    pub drop_fields: Vec<String>,
    /// Drop segments of a field (repeatable; RANGE in --help)
    #[arg(long = "drop-segments", value_name = "NAME:RANGE")]
    pub drop_segments: Vec<String>,
    /// Redaction rules from a TOML file (repeatable; format in --help)
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// Drop the segments of readable text fields in which this detector finds something (repeatable, or comma-separated)
    #[arg(
        long = "detect",
        value_name = "CATEGORY",
        value_enum,
        value_delimiter = ','
    )]
    pub detect: Vec<DetectArg>,
    /// Why (sealed in the `redacted` event)
    #[arg(long, value_name = "TEXT", required_unless_present = "dry_run")]
    pub reason: Option<String>,
    /// The legal basis (sealed in the `redacted` event)
    #[arg(long, value_name = "TEXT", required_unless_present = "dry_run")]
    pub legal_basis: Option<String>,
    /// List what would go, write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
    /// Where to write the redacted package (never over an existing file)
    #[arg(
        short = 'o',
        long = "output",
        value_name = "OUT",
        required_unless_present = "dry_run"
    )]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub ledger: LedgerArg,
}

/// `rogatory forward`.
#[derive(Debug, Args)]
pub struct ForwardArgs {
    /// The forwarder's key file
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// The trust store (the new recipient and its clearances come from it)
    #[arg(long, value_name = "STORE")]
    pub trust: PathBuf,
    /// The new recipient's party id
    #[arg(long, value_name = "ID")]
    pub to: String,
    /// The package
    #[arg(value_name = "PKG")]
    pub package: PathBuf,
    /// The legal basis of the transfer (sealed in the `forwarded` event)
    #[arg(long, value_name = "TEXT")]
    pub legal_basis: Option<String>,
    /// Why (sealed in the `forwarded` event)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
    /// Where to write the forwarded package (never over an existing file)
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: PathBuf,
    #[command(flatten)]
    pub ledger: LedgerArg,
}

/// `rogatory extract`.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The key file of a holder that reads the field
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// The trust store
    #[arg(long, value_name = "STORE")]
    pub trust: PathBuf,
    /// The package
    #[arg(value_name = "PKG")]
    pub package: PathBuf,
    /// The field to extract
    #[arg(long, value_name = "NAME")]
    pub field: String,
    /// Only these segments (RANGE as for `redact`) [default: every present one]
    #[arg(long, value_name = "RANGE")]
    pub segments: Option<String>,
    /// Where to write the extract (never over an existing file)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    #[command(flatten)]
    pub ledger: LedgerArg,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// `rogatory verify-extract`.
#[derive(Debug, Args)]
pub struct VerifyExtractArgs {
    /// The trust store
    #[arg(long, value_name = "STORE")]
    pub trust: PathBuf,
    /// The extract
    #[arg(value_name = "FILE")]
    pub extract: PathBuf,
    /// Print the report as JSON
    #[arg(long)]
    pub json: bool,
}
