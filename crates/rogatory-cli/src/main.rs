//! The `rogatory` command: thin parsing and output over the `rogatory`
//! libraries. See `rogatory --help`.
#![forbid(unsafe_code)]

mod cli;
mod cli_redact;
mod commands;
mod error;
mod passphrase;
mod progress;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = commands::run(cli, &mut out).and_then(|()| {
        out.flush()
            .map_err(error::CliError::io("writing standard output"))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "rogatory: error: {}", e.one_line());
            ExitCode::FAILURE
        }
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
            // clap's message is the paragraph before its usage block.
            let reason = text.split("\n\n").next().unwrap_or(&text);
            let reason = reason.strip_prefix("error: ").unwrap_or(reason);
            let _ = writeln!(
                std::io::stderr(),
                "rogatory: error: {} (see --help)",
                error::one_line(reason)
            );
            ExitCode::from(2)
        }
    }
}
