//! `rogatory-recv`: the receiving service. Accepts deliveries over QUIC from
//! the parties in its trust store, stores them atomically, resumes broken
//! transfers and answers each with a signed receipt. See `--help`.
#![forbid(unsafe_code)]

#[allow(dead_code)]
mod config;
#[allow(dead_code)]
mod error;
mod net;
mod passphrase;
#[allow(dead_code)]
mod sniff;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use rogatory::transport::{DirStore, Limits, ReceiverConfig, blocking};

use crate::error::Result;

/// `rogatory-recv`: receive evidence packages over QUIC and answer with
/// signed receipts.
#[derive(Debug, Parser)]
#[command(
    name = "rogatory-recv",
    version,
    about = "Receive evidence packages over QUIC and answer with signed receipts",
    long_about = "Receive evidence packages over QUIC and answer with signed receipts.\n\n\
        Only parties whose party card is in the trust store (not retired, valid now) get past \
        the TLS handshake: both sides present certificates pinned by their cards. Each offered \
        package is written to a partial file in the store, fsynced, verified (signature, \
        envelope, custody, and that its last custody event is a send to this receiver signed \
        by the connected party), renamed into place, and answered with this party's signed \
        `received` event, which is also recorded in its ledger. A broken transfer resumes where \
        the stored bytes end; a repeated delivery is answered with the first receipt. On start, \
        packages stored but not yet acknowledged (after a crash) are finished.\n\n\
        Logs go to standard error; the listening address is printed to standard output. Stops \
        cleanly on SIGTERM or Ctrl-C. Exit status 0 after a clean stop, 1 on failure, 2 on a \
        usage error.",
    max_term_width = 100
)]
struct Args {
    /// The receiver's key file (with its TLS key)
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// The trust store: the parties accepted as senders
    #[arg(long, value_name = "STORE")]
    trust: PathBuf,
    /// Address to listen on (UDP), such as 0.0.0.0:4433
    #[arg(long, value_name = "ADDR")]
    listen: SocketAddr,
    /// Directory of received packages, partial files and receipts (created if missing)
    #[arg(long, value_name = "DIR")]
    store: PathBuf,
    /// The receiver's ledger [default: rogatory.toml's, else $XDG_DATA_HOME/rogatory/ledger/PARTY]
    #[arg(long, value_name = "DIR")]
    ledger: Option<PathBuf>,
    /// Exit after answering one delivery with a receipt
    #[arg(long)]
    once: bool,
    /// The largest package accepted, in bytes [default: 256 GiB]
    #[arg(long, value_name = "BYTES")]
    max_size: Option<u64>,
    /// Debug logs (RUST_LOG, when set, chooses instead: `info`,
    /// `rogatory_transport=debug`, ...)
    #[arg(short, long)]
    verbose: bool,
    /// Log format on standard error
    #[arg(long, value_enum, default_value_t = net::LogFormat::Text)]
    log_format: net::LogFormat,
    /// The party's configuration (key, trust store, ledger) [default: ROGATORY_CONFIG,
    /// ./rogatory.toml, $XDG_CONFIG_HOME/rogatory/rogatory.toml]
    #[arg(long, value_name = "FILE")]
    #[allow(dead_code)] // read before parsing, by config::parse
    config: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = match config::parse::<Args>() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    net::init_logs(args.verbose, args.log_format);
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "rogatory-recv: error: {}", e.one_line());
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<()> {
    let identity = net::load_identity(&args.key)?;
    let trust = net::load_trust(&args.trust, &identity)?;
    let mut limits = Limits::default();
    if let Some(max) = args.max_size {
        limits.max_package_size = max;
    }
    let cfg = ReceiverConfig {
        ledger_dir: net::ledger_dir(args.ledger.as_deref(), &args.key, &identity),
        identity,
        trust,
        store: Arc::new(DirStore::open(&args.store)?),
        limits,
    };
    let stats = blocking::serve(cfg, args.listen, args.once, |addr| {
        let mut out = std::io::stdout();
        let _ = writeln!(out, "listening on {addr}");
        let _ = out.flush();
    })?;
    let _ = writeln!(
        std::io::stdout(),
        "stopped: {} receipt(s) issued, {} duplicate(s) answered, {} rejected",
        stats.receipts,
        stats.already_have,
        stats.rejected
    );
    Ok(())
}
