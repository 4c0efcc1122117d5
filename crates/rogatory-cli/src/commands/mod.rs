//! One module per command. Each takes its parsed arguments and the standard
//! output, does its work through the libraries and prints the result.

mod card;
mod custody;
mod demo;
mod extract;
mod forward;
mod inspect;
mod keygen;
mod ledger;
pub(crate) mod ledger_util;
mod manifest;
mod open;
pub(crate) mod redact;
mod seal;
mod store;
mod trust;
mod verify;

use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use rogatory::core::{Identity, TrustStore};
use rogatory::wire::{PartyCard, Timestamp, decode};

use crate::cli::{
    CardCommand, Cli, Command, CustodyCommand, KeyCommand, LedgerCommand, StoreCommand,
    TrustCommand,
};
use crate::error::{CliError, Result};

/// `writeln!` to the command's output, mapping a failed write to
/// [`CliError`].
macro_rules! outln {
    ($out:expr) => {
        writeln!($out).map_err($crate::error::CliError::io("writing standard output"))?
    };
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, $($arg)*).map_err($crate::error::CliError::io("writing standard output"))?
    };
}
pub(crate) use outln;

/// Runs a command.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<()> {
    match cli.command {
        Command::Keygen(args) => keygen::run(&args, out),
        Command::Key(KeyCommand::Passwd {
            key,
            protection,
            json,
        }) => keygen::passwd(&key, &protection, json, out),
        Command::Card(CardCommand::Fingerprint { card, json }) => {
            card::fingerprint(&card, json, out)
        }
        Command::Card(CardCommand::Rotate(args)) => card::rotate(&args, out),
        Command::Card(CardCommand::Revoke(args)) => card::revoke(&args, out),
        Command::Trust(TrustCommand::Add {
            trust,
            card,
            rotation,
            clearances,
            revocation_authority,
            json,
        }) => match (card, rotation) {
            (_, Some(r)) => trust::add_successor(&trust, &r, revocation_authority, json, out),
            (Some(card), None) => {
                trust::add(&trust, &card, &clearances, revocation_authority, json, out)
            }
            (None, None) => Err(CliError::usage("give --card or --rotation")),
        },
        Command::Trust(TrustCommand::Revoke {
            trust,
            statement,
            json,
        }) => trust::revoke(&trust, &statement, json, out),
        Command::Trust(TrustCommand::List { trust, json }) => trust::list(&trust, json, out),
        Command::Trust(TrustCommand::Retire {
            trust,
            key_id,
            json,
        }) => trust::retire(&trust, &key_id, json, out),
        Command::Seal(args) => seal::run(&args, out),
        Command::Open(args) => open::run(&args, out),
        Command::Verify(args) => verify::run(&args, out),
        Command::Inspect(args) => inspect::run(&args, out),
        Command::Custody(CustodyCommand::Show(args)) => custody::show(&args, out),
        Command::Custody(CustodyCommand::Append(args)) => custody::append(&args, out),
        Command::Custody(CustodyCommand::VerifyReceipt(args)) => {
            custody::verify_receipt_cmd(&args, out)
        }
        Command::Custody(CustodyCommand::Export(args)) => custody::export(&args, out),
        Command::Custody(CustodyCommand::Compare(args)) => custody::compare(&args, out),
        Command::Ledger(LedgerCommand::Verify(args)) => ledger::verify(&args, out),
        Command::Ledger(LedgerCommand::Report { dir, since, json }) => {
            ledger::report(&dir, since.as_deref(), json, out)
        }
        Command::Demo(args) => demo::run(&args, out),
        Command::Store(StoreCommand::List { dir, trust, json }) => {
            store::list(&dir, trust.as_deref(), json, out)
        }
        Command::Store(StoreCommand::Show {
            dir,
            delivery,
            trust,
            json,
        }) => store::show(&dir, &delivery, trust.as_deref(), json, out),
        Command::Completions { shell } => {
            let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "rogatory", out);
            Ok(())
        }
        Command::Man { out_dir } => man(&out_dir, out),
        Command::Redact(args) => redact::run(&args, out),
        Command::Forward(args) => forward::run(&args, out),
        Command::Extract(args) => extract::run(&args, out),
        Command::VerifyExtract(args) => extract::verify(&args, out),
    }
}

/// The system clock, as the protocol's timestamp.
pub(crate) fn now() -> Result<Timestamp> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| Timestamp(d.as_secs()))
        .map_err(|_| CliError::usage("the system clock is before 1970"))
}

/// Reads a secret key file.
pub(crate) fn load_identity(path: &Path) -> Result<Identity> {
    crate::passphrase::load_key(path)
}

/// Reads a trust store that must exist (a missing store is a mistake here,
/// not an empty store).
pub(crate) fn load_trust(path: &Path) -> Result<TrustStore> {
    if !path.exists() {
        return Err(CliError::usage(format!(
            "trust store {} does not exist (create it with `rogatory trust add`)",
            path.display()
        )));
    }
    crate::sniff::expect(path, "a trust store")?;
    Ok(TrustStore::load(path)?)
}

/// Reads the trust store of the party that acts with `identity`: its own
/// card is implied by its key (spec §3.3).
pub(crate) fn load_trust_for(path: &Path, identity: &Identity) -> Result<TrustStore> {
    let mut t = load_trust(path)?;
    t.include_own(rogatory::core::Signer::card(identity))?;
    Ok(t)
}

/// Reads a card file (its canonical bytes). The self-signature is not
/// checked here.
pub(crate) fn read_card(path: &Path) -> Result<PartyCard> {
    let bytes = std::fs::read(path).map_err(CliError::io_path("reading card", path))?;
    decode(&bytes).map_err(CliError::wire(format!("card {}", path.display())))
}

/// Whether something (even a dangling symlink) is at `path`.
pub(crate) fn occupied(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

/// A warning line on standard error.
pub(crate) fn warn(message: &str) {
    let _ = writeln!(std::io::stderr(), "rogatory: warning: {message}");
}

/// Free text on one line for human output.
pub(crate) fn flat(s: &str) -> String {
    crate::error::one_line(s)
}

/// `rogatory man`: one page for the command and one per subcommand, named as
/// git names them (`rogatory-seal.1`, `rogatory-custody-append.1`).
fn man(dir: &Path, out: &mut dyn Write) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(CliError::io_path("creating", dir))?;
    let cmd = <crate::cli::Cli as clap::CommandFactory>::command();
    let mut written = 0;
    let mut stack = vec![("rogatory".to_owned(), cmd)];
    while let Some((name, cmd)) = stack.pop() {
        for sub in cmd.get_subcommands() {
            if sub.get_name() != "help" {
                stack.push((format!("{name}-{}", sub.get_name()), sub.clone()));
            }
        }
        let page = cmd.clone().name(name.clone());
        let mut roff = Vec::new();
        clap_mangen::Man::new(page)
            .render(&mut roff)
            .map_err(CliError::io("rendering a manual page"))?;
        let path = dir.join(format!("{name}.1"));
        rogatory::core::fsutil::write_atomic(&path, &roff, false)?;
        written += 1;
    }
    outln!(out, "wrote {written} manual pages to {}", dir.display());
    Ok(())
}
