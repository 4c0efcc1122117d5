//! The command line: clap types only. Parsing of values that need the
//! protocol's rules (tags, party ids, dates) happens in the commands, through
//! the libraries, so that the rules live in one place.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// `rogatory`: seal, verify and open evidence packages exchanged between
/// jurisdictions.
#[derive(Debug, Parser)]
#[command(
    name = "rogatory",
    version,
    about = "Seal, verify and open evidence packages exchanged between jurisdictions",
    long_about = "Seal, verify and open evidence packages exchanged between jurisdictions.\n\n\
        A party makes its keys with `keygen`, compares card fingerprints with its partners \
        out of band (`card fingerprint`), and lists the partners it accepts, with the \
        clearances it grants them, in a trust store (`trust add`). A sender seals fields of \
        evidence for recipients (`seal`); anyone with the trust store can verify a package \
        without a key (`verify`); a recipient opens the fields it is cleared for (`open`). \
        `custody` shows, extends and exports a package's chain of custody; every action on \
        a package is recorded in the party's ledger (`ledger verify`, `ledger report`).\n\n\
        With --json every command prints one JSON object: \"format\": 1, times in RFC 3339 UTC, \
        key ids under names ending in key_id.\n\n\
        Exit status: 0 on success; on a failure, one line `rogatory: error: ...` on standard \
        error (with --json also {\"format\":1,\"error\":{\"class\",\"exit_code\",\"message\"}} \
        on standard output) and the status of its class: 1 other failure, 2 usage, \
        3 not a package, 4 tampered, 5 not for this key, 6 not cleared, 7 expired or not \
        yet valid, 8 untrusted, 9 I/O, 10 key, passphrase or token, 11 delivery.",
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
    /// The party's configuration (key, trust store, ledger) [default: ROGATORY_CONFIG,
    /// ./rogatory.toml, $XDG_CONFIG_HOME/rogatory/rogatory.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate a party's keys: DIR/ID.key (secret, passphrase-protected) and DIR/ID.card
    #[command(
        long_about = "Generate a party's keys and self-signed card: DIR/ID.key (secret, mode \
            0600) and DIR/ID.card (public, to give to partners).\n\n\
            The key file is protected by a passphrase (scrypt and ChaCha20-Poly1305, spec §3.5), \
            asked twice on the terminal, or read from the file named by \
            ROGATORY_NEW_PASSPHRASE_FILE (or the descriptor ROGATORY_NEW_PASSPHRASE_FD). Commands \
            that use the key ask for it, or read ROGATORY_PASSPHRASE_FILE \
            (ROGATORY_PASSPHRASE_FD). --no-passphrase writes it unprotected, for automation \
            where the operating system protects it."
    )]
    Keygen(KeygenArgs),
    /// A secret key file: change or remove its passphrase
    #[command(subcommand)]
    Key(KeyCommand),
    /// Party cards
    #[command(subcommand)]
    Card(CardCommand),
    /// The trust store: accepted party cards and their clearances
    #[command(subcommand)]
    Trust(TrustCommand),
    /// Seal evidence fields into a package for recipients in the trust store
    #[command(long_about = SEAL_LONG_ABOUT, after_long_help = SEAL_AFTER_LONG_HELP)]
    Seal(Box<SealArgs>),
    /// Open the fields of a package this key is cleared for
    #[command(
        long_about = "Open the fields of a package this key is cleared for.\n\n\
            The package is verified first (as `verify` does). Each readable field is written to \
            DIR/NAME only once every segment matched its signed leaf; existing files are never \
            overwritten. Fields the key is not cleared for, or that a redaction removed, are \
            listed with the reason. Exit status 0 if every field the key is cleared for opened."
    )]
    Open(OpenArgs),
    /// Verify a package: signature, leaf tree, ciphertexts, custody chain
    #[command(
        long_about = "Verify a package: the sender's signature over the content, the leaf tree, \
            every field's ciphertext (also those nobody here can read) and the custody chain, \
            against the trust store. No key is needed.\n\n\
            With --key, also open the recipient's stanza, check and decrypt the metadata, and \
            check every segment of the fields the key can read against its signed leaf (nothing \
            is written). An expired package is reported with a warning, not as a failure."
    )]
    Verify(VerifyArgs),
    /// Show a package's clear structure (no key, no trust store, nothing verified)
    Inspect(InspectArgs),
    /// The chain of custody: show, append a note, check a receipt, export
    #[command(subcommand)]
    Custody(CustodyCommand),
    /// The party's ledger: verify it, report on it
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// A receiver's store: what arrived, from whom, verified, receipted
    #[command(subcommand)]
    Store(StoreCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    #[command(
        long_about = "Print the completion script of `rogatory` for SHELL on standard output. \
            For bash: `rogatory completions bash > ~/.local/share/bash-completion/completions/rogatory`; \
            for zsh, into a directory of $fpath as `_rogatory`; for fish, \
            `~/.config/fish/completions/rogatory.fish`."
    )]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (roff) of `rogatory` and each of its commands
    Man {
        /// Directory to write rogatory.1, rogatory-seal.1, ... to (created if missing)
        #[arg(long, value_name = "DIR")]
        out_dir: PathBuf,
    },
    /// The whole story on this machine: seal, deliver, redact, forward, verify, extract
    #[command(
        long_about = "The whole story on this machine, with the embedded defaults.\n\n\
            Three parties (de.bka, fr.pnat, nl.om) make their keys and cards and trust each \
            other; de.bka seals evidence with personal data in it, its fields under different \
            access tags, for fr.pnat with consent to onward transfer to nl.om, and delivers it \
            over QUIC on 127.0.0.1 (both sides pinned by their cards) to fr.pnat's receiver in \
            this process, against a signed receipt it verifies. fr.pnat opens what it is cleared \
            for, redacts the e-mail addresses and phone numbers by policy, forwards the rest to \
            nl.om (a forward outside the consent is refused) and delivers it the same way; nl.om \
            verifies de.bka's signature, the redaction and the whole chain of custody and opens \
            what is left to it; a court verifies an extract with the cards alone. Prints an \
            account of each step, or with --json one document of the steps."
    )]
    Demo(DemoArgs),
    /// Remove fields or segments (by name, range, rule or detector), keeping all proofs
    #[command(
        long_about = crate::cli_redact::REDACT_LONG_ABOUT,
        after_long_help = crate::cli_redact::REDACT_AFTER_LONG_HELP
    )]
    Redact(Box<crate::cli_redact::RedactArgs>),
    /// Re-envelope a package for a new recipient, within the sender's onward consent
    #[command(
        long_about = "Re-envelope a package for a new recipient, within the sender's \
            onward-transfer consent.\n\n\
            The field bodies are copied unchanged; the output holds two stanzas, this key's and \
            the new recipient's (the metadata key and the keys of the present fields it is cleared \
            for in the trust store and this key holds), and a signed `forwarded` event. A transfer \
            the sender did not consent to is refused."
    )]
    Forward(crate::cli_redact::ForwardArgs),
    /// Write a standalone extract of a field's segments, with proofs, for a court
    #[command(
        long_about = "Write a standalone extract of a field's segments for a court: the segments \
            with their salts and Merkle inclusion proofs, the sender's signature, the metadata and \
            its key, the per-field leaf counts and the custody chain. The extract reveals the \
            metadata and the custody details to whoever holds it."
    )]
    Extract(crate::cli_redact::ExtractArgs),
    /// Verify an extract standalone: signature, metadata, custody, every proof
    VerifyExtract(crate::cli_redact::VerifyExtractArgs),
}

/// `rogatory demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Work in this (empty or new) directory and keep it [default: a temporary directory]
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
    /// Tell the story as one JSON document on standard output
    #[arg(long)]
    pub json: bool,
}

/// `--ledger DIR`: where a command that acts on a package records the action.
#[derive(Debug, Args)]
pub struct LedgerArg {
    /// The party's ledger, where this action is recorded (created if missing)
    /// [default: rogatory.toml's, else $XDG_DATA_HOME/rogatory/ledger/PARTY]
    #[arg(long = "ledger", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `rogatory keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Party id, such as `de.bka` (lowercase letters, digits, `.`, `-`)
    #[arg(long, value_name = "ID")]
    pub party: String,
    /// Directory to write ID.key and ID.card to (created if missing)
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// First day the card is valid (UTC) [default: today]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub valid_from: Option<String>,
    /// Last day the card is valid, inclusive (UTC) [default: today + 2 years]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub valid_until: Option<String>,
    /// A classical card (X25519 only, no X-Wing hybrid key), for peers that
    /// cannot yet wrap with X-Wing: what is sent to it stays readable to
    /// whoever later breaks X25519
    #[arg(long)]
    pub classical: bool,
    /// Make the signing key in the PKCS#11 token with this label (an HSM or
    /// smartcard), where it stays; the key file then names the token and
    /// holds only the other keys. The token's PIN comes from
    /// ROGATORY_PKCS11_PIN_FILE or the terminal
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    pub token: Option<String>,
    /// The token's PKCS#11 module (its shared library, such as
    /// /usr/lib/softhsm/libsofthsm2.so)
    #[arg(long, value_name = "PATH", requires = "token")]
    pub pkcs11_module: Option<String>,
    #[command(flatten)]
    pub protection: ProtectionArgs,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// How a key file is written: protected by a passphrase, or not.
#[derive(Debug, Args)]
pub struct ProtectionArgs {
    /// Write the key file unprotected (the operating system's file
    /// permissions are then its only protection)
    #[arg(long)]
    pub no_passphrase: bool,
    /// The cost of the passphrase derivation: scrypt with N = 2^LOG_N (10 to
    /// 20; 17 takes 128 MiB and about half a second). Lower is faster
    /// to open and faster to guess
    #[arg(long, value_name = "LOG_N", default_value_t = 17, value_parser = clap::value_parser!(u8).range(10..=20))]
    pub kdf_log_n: u8,
}

/// `rogatory key ...`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Change the passphrase of a key file (or protect or unprotect it)
    #[command(
        long_about = "Change the passphrase of a secret key file, in place and atomically. The \
            current passphrase is asked (or read from ROGATORY_PASSPHRASE_FILE), the new one \
            asked twice (or read from ROGATORY_NEW_PASSPHRASE_FILE). An unprotected key file \
            gets a passphrase; --no-passphrase removes it."
    )]
    Passwd {
        /// The secret key file
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        #[command(flatten)]
        protection: ProtectionArgs,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

/// `rogatory card ...`.
#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// Check a card's self-signature and print its party, fingerprint and validity
    #[command(
        long_about = "Check a card's self-signature and print its party, fingerprint and validity.\n\n\
            Compare the fingerprint with the partner out of band (by phone, in person) before \
            adding the card to a trust store."
    )]
    Fingerprint {
        /// The card file (as written by `keygen`)
        #[arg(value_name = "CARD")]
        card: PathBuf,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Rotate a key: a successor key and card, and a rotation statement signed by the old key
    #[command(
        long_about = "Rotate a party's key (spec §3.6): a new key and card for the same party, \
            and a rotation statement in which the old key names the new card. Writes, beside \
            the old key (or in --out-dir), PARTY-ID.key, PARTY-ID.card and PARTY-ID.rotation, \
            ID the first 8 hex digits of the new key id.\n\n\
            Partners who trust the old card add the new one with `trust add --rotation FILE`: \
            no new fingerprint to compare, the clearances carry over, the old card is retired \
            and still verifies what it signed. The party's ledger continues under the new key: \
            the statement is recorded in it. A key kept in a PKCS#11 token (`keygen --token`) \
            is succeeded by a new key pair on the same token."
    )]
    Rotate(CardRotateArgs),
    /// Revoke a key: a signed statement that it is compromised from a given time
    #[command(
        long_about = "Make a revocation statement (spec §3.7): the key of CARD (by default the \
            signer's own) is held compromised from --compromised on. Signed with --key: the \
            revoked key itself, or a revocation authority that the receivers' trust stores \
            designate. Partners record it with `trust revoke --statement FILE`; from then on \
            verification refuses what the key signed from the compromise on (judged, where a \
            receiver countersigned, by the receipt's time), and receivers refuse it at the \
            handshake."
    )]
    Revoke(CardRevokeArgs),
}

/// `rogatory card rotate`.
#[derive(Debug, Args)]
pub struct CardRotateArgs {
    /// The key to rotate out
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Where to write the new key, card and statement [default: beside the old key]
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// When the new key takes over (UTC) [default: now]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub effective: Option<String>,
    /// Last day the new card is valid, inclusive (UTC) [default: the effective day + 2 years]
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub valid_until: Option<String>,
    #[command(flatten)]
    pub ledger: LedgerArg,
    #[command(flatten)]
    pub protection: ProtectionArgs,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// `rogatory card revoke`.
#[derive(Debug, Args)]
pub struct CardRevokeArgs {
    /// The signing key: the key revoked, or a revocation authority's
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// The card revoked [default: the signing key's own]
    #[arg(long, value_name = "CARD")]
    pub card: Option<PathBuf>,
    /// From when the key is held compromised (UTC day, or RFC 3339 time) [default: now]
    #[arg(long, value_name = "TIME")]
    pub compromised: Option<String>,
    /// Why, for people (at most 256 bytes)
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub reason: String,
    /// Where to write the statement
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// `rogatory trust ...`.
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Add a card with its clearances (or replace the clearances of a card already there)
    Add {
        /// The trust store file (created if absent)
        #[arg(long, value_name = "FILE")]
        trust: PathBuf,
        /// The card file to accept
        #[arg(long, value_name = "CARD", required_unless_present = "rotation")]
        card: Option<PathBuf>,
        /// A rotation statement (`card rotate`): its successor card is added with the
        /// clearances of the trusted predecessor, which is retired
        #[arg(long, value_name = "FILE", conflicts_with_all = ["card", "clearances"])]
        rotation: Option<PathBuf>,
        /// A clearance granted to the party, `key:value` (repeatable, or comma-separated)
        #[arg(long = "clearance", value_name = "TAG", value_delimiter = ',')]
        clearances: Vec<String>,
        /// Let this card revoke other cards of the store (a revocation authority)
        #[arg(long)]
        revocation_authority: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Record a revocation statement: the key is refused from its compromise time on
    Revoke {
        /// The trust store file
        #[arg(long, value_name = "FILE")]
        trust: PathBuf,
        /// The statement (`card revoke`)
        #[arg(long, value_name = "FILE")]
        statement: PathBuf,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// List the cards in a trust store
    List {
        /// The trust store file
        #[arg(long, value_name = "FILE")]
        trust: PathBuf,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Mark a card retired: it still verifies old packages, nobody seals to it
    Retire {
        /// The trust store file
        #[arg(long, value_name = "FILE")]
        trust: PathBuf,
        /// The card's key id, in hex (the fingerprint's spaces may be kept)
        #[arg(long, value_name = "HEX")]
        key_id: String,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

/// Message priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PriorityArg {
    /// Normal handling
    Normal,
    /// Urgent
    Urgent,
    /// Immediate: danger to life or imminent loss of evidence
    Immediate,
}

/// How a field is cut into segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    /// One segment per line (redactable line by line)
    Text,
    /// Blocks of 1 MiB
    Binary,
}

const SEAL_LONG_ABOUT: &str = "\
Seal evidence fields into a package for recipients in the trust store.

Each --field NAME=PATH is streamed from PATH into the package under NAME and
needs access tags (--tags NAME=TAG,TAG). A recipient can read a field only if
every tag of the field is among the clearances its trust-store entry grants.
The sealer always keeps a stanza of its own that reads every field. The
package is written beside -o and renamed into place only once sealed.";

const SEAL_AFTER_LONG_HELP: &str = "\
KIND

--kind defaults to text (one segment per line) for .txt .log .csv .json .jsonl
.xml .eml and for text/* media types, else binary (1 MiB blocks).

MANIFEST

--manifest FILE reads the same request from a TOML file; a value given on the
command line overrides the manifest's. Lists given on the command line (--to,
--category) replace the manifest's; --field, --tags, --media-type and --kind
override or add to the manifest's field of that NAME. Paths in the manifest are
relative to the manifest's directory. Dates are YYYY-MM-DD in UTC;
retain_until and deadline are inclusive.

    to = [\"fr.pnat\", \"nl.om\"]
    case = \"CASE-2026-0042\"
    request = \"MLA/2026/117\"              # optional
    legal_basis = \"Art. 18 Budapest Convention\"
    authority = \"Bundeskriminalamt\"       # optional
    priority = \"urgent\"                   # normal | urgent | immediate
    deadline = \"2026-12-31\"               # optional
    purpose = \"criminal investigation\"    # optional
    categories = [\"content\", \"subscriber\"]
    not_before = \"2026-11-27\"             # optional, default: today
    retain_until = \"2027-12-31\"
    onward = \"none\"                       # none | any | [\"fr.pnat\", ...]

    [provenance]                          # optional
    tool = \"acquire-tool\"
    tool_version = \"4.2\"
    examiner = \"examiner 17\"
    source = \"phone IMEI 350000000000001\"
    source_file = \"phone.img\"             # or source_sha256 = \"HEX\"
    acquired = \"2026-11-20\"               # optional, default: now

    [[field]]
    name = \"chat.txt\"
    path = \"evidence/chat.txt\"
    tags = [\"category:content\", \"sensitivity:restricted\"]
    media_type = \"text/plain\"             # optional
    kind = \"text\"                         # optional: text | binary";

/// `rogatory seal`.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// The sealer's key file
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// The sealer's trust store (recipients and their clearances come from it)
    #[arg(long, value_name = "STORE")]
    pub trust: PathBuf,
    /// Where to write the package (`-`: standard output, streamed; the account then
    /// goes to standard error)
    #[arg(short = 'o', long = "output", value_name = "PKG")]
    pub output: PathBuf,
    /// The request as a TOML file (format in --help); the command line overrides it
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,

    /// A recipient party id (repeatable, or comma-separated)
    #[arg(
        long = "to",
        value_name = "ID",
        value_delimiter = ',',
        help_heading = "Request"
    )]
    pub to: Vec<String>,
    /// A field: its name and the file to read, `NAME=-` for standard input (repeatable)
    #[arg(long = "field", value_name = "NAME=PATH", help_heading = "Request")]
    pub fields: Vec<String>,
    /// A field's access tags, `key:value` (repeatable)
    #[arg(long = "tags", value_name = "NAME=TAG,TAG", help_heading = "Request")]
    pub tags: Vec<String>,
    /// A field's media type [default: from the extension]
    #[arg(
        long = "media-type",
        value_name = "NAME=TYPE",
        help_heading = "Request"
    )]
    pub media_types: Vec<String>,
    /// A field's segmenting rule, `text` or `binary` [default: by extension, see --help]
    #[arg(long = "kind", value_name = "NAME=KIND", help_heading = "Request")]
    pub kinds: Vec<String>,

    /// Case reference
    #[arg(long = "case", value_name = "REF", help_heading = "Legal metadata")]
    pub case: Option<String>,
    /// Request reference
    #[arg(long = "request", value_name = "REF", help_heading = "Legal metadata")]
    pub request: Option<String>,
    /// Legal basis
    #[arg(long, value_name = "TEXT", help_heading = "Legal metadata")]
    pub legal_basis: Option<String>,
    /// Issuing authority
    #[arg(long, value_name = "TEXT", help_heading = "Legal metadata")]
    pub authority: Option<String>,
    /// Priority [default: normal]
    #[arg(long, value_enum, help_heading = "Legal metadata")]
    pub priority: Option<PriorityArg>,
    /// Deadline, inclusive
    #[arg(long, value_name = "YYYY-MM-DD", help_heading = "Legal metadata")]
    pub deadline: Option<String>,
    /// Purpose
    #[arg(long, value_name = "TEXT", help_heading = "Legal metadata")]
    pub purpose: Option<String>,
    /// A data category, such as `subscriber` (repeatable, or comma-separated)
    #[arg(
        long = "category",
        value_name = "TOKEN",
        value_delimiter = ',',
        help_heading = "Legal metadata"
    )]
    pub categories: Vec<String>,
    /// Not to be opened before this day [default: today]
    #[arg(long, value_name = "YYYY-MM-DD", help_heading = "Legal metadata")]
    pub not_before: Option<String>,
    /// Retained until this day, inclusive; recipients cannot open it after
    #[arg(long, value_name = "YYYY-MM-DD", help_heading = "Legal metadata")]
    pub retain_until: Option<String>,
    /// Onward-transfer consent: `none`, `any` (with notice) or party ids [default: none]
    #[arg(long, value_name = "none|any|ID,...", help_heading = "Legal metadata")]
    pub onward: Option<String>,

    #[command(flatten)]
    pub ledger: LedgerArg,

    /// Acquisition tool
    #[arg(long, value_name = "TEXT", help_heading = "Provenance")]
    pub tool: Option<String>,
    /// Acquisition tool version
    #[arg(long, value_name = "TEXT", help_heading = "Provenance")]
    pub tool_version: Option<String>,
    /// Examiner
    #[arg(long, value_name = "TEXT", help_heading = "Provenance")]
    pub examiner: Option<String>,
    /// Source (device, account, ...)
    #[arg(long, value_name = "TEXT", help_heading = "Provenance")]
    pub source: Option<String>,
    /// Compute the source's SHA-256 by reading this file
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "source_sha256",
        help_heading = "Provenance"
    )]
    pub source_file: Option<PathBuf>,
    /// The source's SHA-256, in hex
    #[arg(long, value_name = "HEX", help_heading = "Provenance")]
    pub source_sha256: Option<String>,
    /// When the source was acquired [default: now]
    #[arg(long, value_name = "YYYY-MM-DD", help_heading = "Provenance")]
    pub acquired: Option<String>,
}

/// `rogatory open`.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// The recipient's key file
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// The trust store
    #[arg(long, value_name = "STORE")]
    pub trust: PathBuf,
    /// The package
    #[arg(value_name = "PKG")]
    pub package: PathBuf,
    /// Directory to write the fields to (created if missing); `-` with --field
    /// streams that field to standard output
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Open only this field
    #[arg(long, value_name = "NAME")]
    pub field: Option<String>,
    #[command(flatten)]
    pub ledger: LedgerArg,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// `rogatory verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A recipient's key file, to check and show the sealed metadata too
    #[arg(long, value_name = "KEY")]
    pub key: Option<PathBuf>,
    /// The trust store
    #[arg(long, value_name = "STORE")]
    pub trust: PathBuf,
    /// The package
    #[arg(value_name = "PKG")]
    pub package: PathBuf,
    /// A receipt for this package (a receiver's signed `received` event, as
    /// `rogatory-send` stores it beside the package): the copy must still
    /// hold it, so a custody tail cut at or before it is found (repeatable)
    #[arg(long, value_name = "FILE")]
    pub receipt: Vec<PathBuf>,
    /// A party's ledger: every `received` and `note` its owner appended to
    /// a copy of this package must still be in the copy when the copy ends
    /// just before it (repeatable; nothing is recorded)
    #[arg(long, value_name = "DIR")]
    pub ledger: Vec<PathBuf>,
    /// Print the verification report as JSON
    #[arg(long)]
    pub json: bool,
}

/// `rogatory inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The package
    #[arg(value_name = "PKG")]
    pub package: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// `rogatory custody ...`.
#[derive(Debug, Subcommand)]
pub enum CustodyCommand {
    /// Show the chain of custody: who did what, when (with a key, the sealed details too)
    #[command(
        long_about = "Show the chain of custody: who did what, when, in chain order.\n\n\
            The package's structure, signature and custody chain are verified first (the field \
            ciphertexts are not hashed: `verify` does that). With --key, a recipient's key also \
            opens each event's sealed details: counterpart, reason, legal basis, text. Nothing \
            is recorded in the ledger."
    )]
    Show(CustodyShowArgs),
    /// Append a note to the chain of custody, and record it in the ledger
    Append(CustodyAppendArgs),
    /// Check a receipt (a receiver's signed `received` event) against the copy sent
    #[command(
        long_about = "Check a receipt against the sender's own copy of the package.\n\n\
            RECEIPT is a file holding the receiver's `received` custody event in its canonical \
            encoding. It must follow this copy's last event (a `sent` or `forwarded` naming the \
            receiver), be signed by that receiver, and name the BLAKE3 digest of this copy's \
            exact bytes."
    )]
    VerifyReceipt(VerifyReceiptArgs),
    /// Export the chain of custody as CASE/UCO JSON-LD, JSON or text (to standard output)
    #[command(
        long_about = "Export the chain of custody to standard output, with the sealed details, \
            the acquisition provenance and the fields, and record the export in the ledger.\n\n\
            Formats: `case` is JSON-LD of the CASE 1.x / UCO 1.x ontologies (custody events as \
            investigative actions, acquisition provenance as provenance records; spec §10.6); \
            `json` is Rogatory's own JSON (format \"rogatory-custody/1\"); `text` is for people."
    )]
    Export(CustodyExportArgs),
    /// Compare the chains of two copies of one package: where they part, and equivocation
    #[command(
        long_about = "Compare the custody chains of two copies of one package (spec §10.8). \
            Both copies are verified first (without hashing the field ciphertexts). Copies \
            legitimately part: one package sent to two receivers, each holder appending to its \
            own copy. One actor signing two different events at one position of one history is \
            equivocation: the command names the actor and the position and exits with status 1."
    )]
    Compare(CustodyCompareArgs),
}

/// `rogatory custody compare`.
#[derive(Debug, Args)]
pub struct CustodyCompareArgs {
    /// The trust store
    #[arg(long, value_name = "STORE")]
    pub trust: PathBuf,
    /// One copy
    #[arg(value_name = "PKG")]
    pub first: PathBuf,
    /// The other copy
    #[arg(value_name = "OTHER")]
    pub second: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// What `custody append` appends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AppendAction {
    /// A note: free text in the sealed details
    Note,
}

/// Formats of `custody export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// CASE 1.x / UCO 1.x JSON-LD
    Case,
    /// Rogatory's JSON ("rogatory-custody/1")
    Json,
    /// Readable text
    Text,
}

/// `rogatory custody show`.
#[derive(Debug, Args)]
pub struct CustodyShowArgs {
    /// A recipient's key file, to show the sealed details too
    #[arg(long, value_name = "KEY")]
    pub key: Option<PathBuf>,
    /// The trust store
    #[arg(long, value_name = "STORE")]
    pub trust: PathBuf,
    /// The package
    #[arg(value_name = "PKG")]
    pub package: PathBuf,
    /// Print JSON (format "rogatory-custody/1") instead of text
    #[arg(long)]
    pub json: bool,
}

/// `rogatory custody append`.
#[derive(Debug, Args)]
pub struct CustodyAppendArgs {
    /// The actor's key file (a recipient of the package, or its sender)
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// The trust store
    #[arg(long, value_name = "STORE")]
    pub trust: PathBuf,
    /// What to append
    #[arg(long, value_enum)]
    pub action: AppendAction,
    /// The note's text (sealed: only holders of the package's metadata key read it)
    #[arg(long, value_name = "TEXT")]
    pub text: String,
    /// The package (appended to in place)
    #[arg(value_name = "PKG")]
    pub package: PathBuf,
    #[command(flatten)]
    pub ledger: LedgerArg,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// `rogatory custody verify-receipt`.
#[derive(Debug, Args)]
pub struct VerifyReceiptArgs {
    /// The trust store
    #[arg(long, value_name = "STORE")]
    pub trust: PathBuf,
    /// The sender's copy of the package, exactly as delivered
    #[arg(value_name = "PKG")]
    pub package: PathBuf,
    /// The receipt: the encoded `received` event
    #[arg(value_name = "RECEIPT")]
    pub receipt: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// `rogatory custody export`.
#[derive(Debug, Args)]
pub struct CustodyExportArgs {
    /// A recipient's key file (it opens the sealed details and metadata)
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// The trust store
    #[arg(long, value_name = "STORE")]
    pub trust: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = ExportFormat::Text)]
    pub format: ExportFormat,
    /// The package
    #[arg(value_name = "PKG")]
    pub package: PathBuf,
    #[command(flatten)]
    pub ledger: LedgerArg,
}

/// `rogatory ledger verify`.
#[derive(Debug, Args)]
pub struct LedgerVerifyArgs {
    /// The ledger directory
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// A trust store that must hold the owner's card (by key id, for the
    /// same party): the card beside the ledger proves nothing on its own
    #[arg(long, value_name = "STORE")]
    pub trust: Option<PathBuf>,
    /// The owner's card, obtained elsewhere: `owner.card` must be this card
    #[arg(long, value_name = "CARD")]
    pub card: Option<PathBuf>,
    /// A head recorded outside the ledger (64 hex digits, from a receipt or a
    /// published report): the ledger must hold that line (repeatable)
    #[arg(long, value_name = "HEX")]
    pub head: Vec<String>,
    /// A receipt the owner signed: it must verify with the owner's card, and
    /// the ledger must hold the head it names (repeatable)
    #[arg(long, value_name = "FILE")]
    pub receipt: Vec<PathBuf>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// `rogatory store ...`.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// List the deliveries in a receiver's store (`rogatory-recv --store DIR`)
    List {
        /// The store directory
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// A trust store: names the senders and verifies each package again
        #[arg(long, value_name = "STORE")]
        trust: Option<PathBuf>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// Show one delivery: its package, its custody chain and its receipt
    Show {
        /// The store directory
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The delivery: its name (PACKAGEID.DIGEST) or a unique prefix of it
        #[arg(value_name = "DELIVERY")]
        delivery: String,
        /// A trust store: names the parties and verifies the package again
        #[arg(long, value_name = "STORE")]
        trust: Option<PathBuf>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

/// `rogatory ledger ...`.
#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Verify a ledger: every line's link and signature, and the signed head
    #[command(
        long_about = "Verify a ledger: the owner's card, every line's sequence number, its link \
            to the line before and the owner's signature, and that the signed head names the \
            last line. Prints the owner, the number of lines and the head; on failure, exits \
            with status 1 naming the first line that breaks a rule.\n\n\
            The card beside the ledger proves nothing on its own: its fingerprint is printed; \
            --trust or --card checks it against a card obtained elsewhere. A ledger cut and \
            re-headed at an earlier line by someone with write access verifies on its own: \
            --head (a head published with a report) and --receipt (a receipt names the owner's \
            head) check it against heads recorded elsewhere."
    )]
    Verify(LedgerVerifyArgs),
    /// The transparency report: counts of what the ledger records, for oversight
    #[command(
        long_about = "The transparency report of a verified ledger, for oversight bodies: \
            packages per partner jurisdiction, legal basis, data category and priority; \
            redactions and their reasons; fields opened; packages past their retain-until \
            today. Counts only: never a package id, a case reference or any content."
    )]
    Report {
        /// The ledger directory
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Count only lines from this day on (UTC); retention is judged over the whole ledger
        #[arg(long, value_name = "YYYY-MM-DD")]
        since: Option<String>,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
