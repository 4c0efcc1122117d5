//! `rogatory-send`: delivers packages over QUIC to a trusted receiver and
//! exits 0 only with a verified receipt for each. See `--help`.
#![forbid(unsafe_code)]

#[allow(dead_code)]
mod config;
#[allow(dead_code)]
mod error;
#[allow(dead_code)]
mod json;
mod net;
mod passphrase;
#[allow(dead_code)]
mod sniff;

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use rogatory::core::custody::event_hash;
use rogatory::core::time::format_rfc3339;
use rogatory::transport::{
    Delivery, Destination, Progress, SenderConfig, TransportError, blocking,
};

use crate::error::{CliError, Result};

/// `rogatory-send`: deliver evidence packages over QUIC to a trusted receiver.
#[derive(Debug, Parser)]
#[command(
    name = "rogatory-send",
    version,
    about = "Deliver evidence packages over QUIC to a trusted receiver",
    long_about = "Deliver evidence packages over QUIC to a trusted receiver.\n\n\
        The receiver is named by its party id and found in the trust store: the connection is \
        accepted only if its TLS certificate matches the pin on that party's current card. \
        Each package is left as it is: the receiver gets its own copy, NAME.to-PARTY.rgt \
        beside NAME.rgt, which is the package plus a `sent` custody event naming the receiver \
        (made once: a retry or a later run reuses it; a package whose last event is already \
        that `sent` is delivered as it is). Broken transfers are retried and resume where the \
        receiver's stored bytes end. Each receipt (the receiver's signed `received` event) is \
        verified against the copy and stored beside it as NAME.to-PARTY.rgt.receipt, and the \
        delivery is recorded in the ledger.\n\n\
        A progress bar is drawn only when standard error is a terminal. Exit status 0 only if \
        every package has a verified receipt; 1 otherwise (one line per failure on standard \
        error); 2 on a usage error.",
    max_term_width = 100
)]
struct Args {
    /// The sender's key file (with its TLS key)
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// The trust store (the receiver's card must be in it)
    #[arg(long, value_name = "STORE")]
    trust: PathBuf,
    /// The receiver: its party id and address, such as fr.pnat@192.0.2.7:4433
    #[arg(long, value_name = "ID@ADDR")]
    to: String,
    /// The packages to deliver
    #[arg(value_name = "PKG", required = true)]
    packages: Vec<PathBuf>,
    /// The sender's ledger [default: rogatory.toml's, else $XDG_DATA_HOME/rogatory/ledger/PARTY]
    #[arg(long, value_name = "DIR")]
    ledger: Option<PathBuf>,
    /// Attempts per package before giving up
    #[arg(long, value_name = "N", default_value_t = 10)]
    attempts: u32,
    /// Log each attempt on standard error
    #[arg(short, long)]
    verbose: bool,
    /// Log format on standard error
    #[arg(long, value_enum, default_value_t = net::LogFormat::Text)]
    log_format: net::LogFormat,
    /// Print one JSON document of the deliveries on standard output instead of
    /// text (`rogatory --help`: format 1, RFC 3339 times); failures stay on
    /// standard error and in the document
    #[arg(long)]
    json: bool,
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
    if args.verbose || std::env::var_os("RUST_LOG").is_some() {
        net::init_logs(false, args.log_format);
    }
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "rogatory-send: error: {}", e.one_line());
            ExitCode::FAILURE
        }
    }
}

/// Delivers every package; true if each has a verified receipt.
fn run(args: &Args) -> Result<bool> {
    let identity = net::load_identity(&args.key)?;
    let trust = net::load_trust(&args.trust, &identity)?;
    let dest: Destination = args.to.parse()?;
    for p in &args.packages {
        if !p.is_file() {
            return Err(CliError::usage(format!("{} is not a file", p.display())));
        }
    }
    let ledger_dir = net::ledger_dir(args.ledger.as_deref(), &args.key, &identity);
    let mut cfg = SenderConfig::new(identity, trust, ledger_dir);
    cfg.retry.attempts = args.attempts.max(1);
    let bars = Arc::new(Bars::new());
    let results = blocking::send(cfg, dest.clone(), &args.packages, bars.clone())?;
    bars.clear();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut all = true;
    let mut docs = Vec::new();
    for (path, result) in args.packages.iter().zip(results) {
        match result {
            Ok(d) if args.json => docs.push(delivery_json(path, &d)?),
            Ok(d) => report(&mut out, &d)?,
            Err(e) => {
                all = false;
                let e = CliError::from(e);
                let _ = writeln!(
                    std::io::stderr(),
                    "rogatory-send: error: {}: {}",
                    path.display(),
                    e.one_line()
                );
                if args.json {
                    let mut j = e.to_json();
                    if let Some(m) = j.as_object_mut() {
                        m.remove("format");
                        m.insert("package".into(), serde_json::json!(path));
                    }
                    docs.push(j);
                }
            }
        }
    }
    if args.json {
        json::print_list(&mut out, "deliveries", &docs)?;
    }
    out.flush()
        .map_err(CliError::io("writing standard output"))?;
    Ok(all)
}

/// One delivery as `--json` prints it.
fn delivery_json(given: &Path, d: &Delivery) -> Result<serde_json::Value> {
    Ok(serde_json::json!({
        "package": given,
        "delivered": d.package,
        "already_delivered": d.already_delivered,
        "receiver": d.report.receiver,
        "receiver_key_id": d.report.receiver_key_id,
        "received_at": d.report.time,
        "receipt": d.receipt_path,
        "receipt_hash": d.report.receipt_hash,
        "bytes_digest": d.report.bytes_digest,
        "ledger_head": d.report.ledger_head,
        "sent_event": d.sent_event,
        "attempts": d.attempts,
        "accept_offsets": d.accept_offsets,
        "bytes_sent": d.bytes_sent,
    }))
}

fn report(out: &mut dyn Write, d: &Delivery) -> Result<()> {
    let w = |e| CliError::io("writing standard output")(e);
    let hash = event_hash(&d.receipt)?;
    writeln!(
        out,
        "{}: {} by {} at {}",
        d.package.display(),
        if d.already_delivered {
            "already delivered, receipt verified"
        } else {
            "delivered, receipt verified"
        },
        d.report.receiver,
        format_rfc3339(d.report.time)
    )
    .map_err(w)?;
    writeln!(
        out,
        "  receipt:     {} ({})",
        d.receipt_path.display(),
        hash
    )
    .map_err(w)?;
    writeln!(out, "  bytes:       BLAKE3 {}", d.report.bytes_digest).map_err(w)?;
    writeln!(
        out,
        "  their ledger head: {}",
        rogatory::core::ledger::head_text(&d.report.ledger_head)
    )
    .map_err(w)?;
    if d.attempts > 1 {
        writeln!(
            out,
            "  attempts:    {} (resumed at {:?})",
            d.attempts, d.accept_offsets
        )
        .map_err(w)?;
    }
    Ok(())
}

/// One progress bar per package, drawn only on a terminal.
struct Bars {
    multi: MultiProgress,
    bars: Mutex<HashMap<PathBuf, ProgressBar>>,
    style: Option<ProgressStyle>,
}

impl Bars {
    fn new() -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let style = ProgressStyle::with_template(
            "{msg:>16} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
        )
        .ok()
        .map(|s| s.progress_chars("=> "));
        Self {
            multi: MultiProgress::with_draw_target(target),
            bars: Mutex::new(HashMap::new()),
            style,
        }
    }

    fn with(&self, package: &Path, f: impl FnOnce(&ProgressBar)) {
        let bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = bars.get(package) {
            f(b);
        }
    }

    fn clear(&self) {
        let bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        for b in bars.values() {
            b.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}

impl Progress for Bars {
    fn started(&self, package: &Path, size: u64) {
        let bar = self.multi.add(ProgressBar::new(size));
        if let Some(s) = &self.style {
            bar.set_style(s.clone());
        }
        let name = package
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        bar.set_message(name);
        bar.enable_steady_tick(Duration::from_millis(200));
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        bars.insert(package.to_owned(), bar);
    }

    fn resumed(&self, package: &Path, offset: u64) {
        self.with(package, |b| b.set_position(offset));
    }

    fn sent(&self, package: &Path, bytes: u64) {
        self.with(package, |b| b.inc(bytes));
    }

    fn retrying(&self, package: &Path, error: &TransportError) {
        let e = error.to_string();
        self.with(package, |b| {
            b.println(format!("retrying {}: {e}", package.display()));
        });
    }

    fn waiting(&self, package: &Path) {
        self.with(package, |b| b.set_message("awaiting receipt"));
    }
}
