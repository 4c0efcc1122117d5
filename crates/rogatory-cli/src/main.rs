//! The `rogatory` command: thin parsing and output over the `rogatory`
//! libraries. See `rogatory --help`.
#![forbid(unsafe_code)]

mod cli;
mod cli_redact;
mod commands;
mod config;
mod error;
mod json;
mod passphrase;
mod progress;
mod sniff;

use std::io::Write;
use std::process::ExitCode;

use clap::error::ErrorKind;

/// Whether the command line asks for JSON (also when it does not parse, so
/// that the usage error is JSON too).
fn wants_json() -> bool {
    std::env::args_os().skip(1).any(|a| a == "--json")
}

/// Reports a failure: one line on standard error, and under `--json` one
/// JSON object on standard output; the exit status is its class's.
fn fail(e: &error::CliError) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "rogatory: error: {}", e.one_line());
    if let Some(hint) = e.hint() {
        let _ = writeln!(std::io::stderr(), "rogatory: hint: {hint}");
    }
    if wants_json() {
        let _ = writeln!(std::io::stdout(), "{}", e.to_json());
    }
    ExitCode::from(e.class().code())
}

fn main() -> ExitCode {
    let cli = match config::parse::<cli::Cli>() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    // Not locked for the whole command: `seal -o -` and `open --out-dir -`
    // stream to standard output from the library's writer thread.
    let mut out = std::io::stdout();
    let result = commands::run(cli, &mut out).and_then(|()| {
        out.flush()
            .map_err(error::CliError::io("writing standard output"))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// Help and version go to standard output with status 0; a usage error is
/// one line `rogatory: error: ...` with status 2.
fn clap_exit(e: &clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
        _ => {
            let text = e.to_string();
            // clap's message is the paragraph before its usage block, and its
            // suggestion ("tip: a similar subcommand exists: 'seal'") after it.
            let mut parts = text.split("\n\n");
            let reason = parts.next().unwrap_or(&text);
            let reason = reason.strip_prefix("error: ").unwrap_or(reason);
            let tip = text
                .lines()
                .map(str::trim)
                .find(|l| l.starts_with("tip: "))
                .map(|l| format!("; {}", l.trim_start_matches("tip: ")))
                .unwrap_or_default();
            fail(&error::CliError::usage(format!(
                "{}{tip} (see --help)",
                error::one_line(reason)
            )))
        }
    }
}
