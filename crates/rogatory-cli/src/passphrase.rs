//! Where a passphrase comes from (spec §3.5): the file named by
//! `ROGATORY_PASSPHRASE_FILE`, the open file descriptor named by
//! `ROGATORY_PASSPHRASE_FD`, or the terminal. A new passphrase (keygen,
//! `key passwd`) comes from `ROGATORY_NEW_PASSPHRASE_FILE` or
//! `ROGATORY_NEW_PASSPHRASE_FD`, or is asked twice on the terminal.
#![allow(dead_code)]

use std::path::Path;

use rogatory::core::keyfile::Passphrase;
use zeroize::Zeroize;

use crate::error::{CliError, Result};

/// Reads the first line of `path` (without its line ending).
fn first_line(what: &str, path: &Path) -> Result<Passphrase> {
    let mut bytes = std::fs::read(path).map_err(CliError::io_path(what, path))?;
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let mut line = bytes[..end].to_vec();
    bytes.zeroize();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Passphrase::new(line))
}

/// From the environment: a file, or a file descriptor (read through
/// `/dev/fd`, which needs no unsafe code).
fn from_env(file_var: &str, fd_var: &str) -> Result<Option<Passphrase>> {
    if let Some(path) = std::env::var_os(file_var) {
        return first_line(
            &format!("reading the passphrase file ({file_var})"),
            Path::new(&path),
        )
        .map(Some);
    }
    if let Ok(fd) = std::env::var(fd_var) {
        let n: u32 = fd
            .trim()
            .parse()
            .map_err(|_| CliError::usage(format!("{fd_var}={fd:?}: a file descriptor number")))?;
        return first_line(
            &format!("reading the passphrase from file descriptor {n} ({fd_var})"),
            Path::new(&format!("/dev/fd/{n}")),
        )
        .map(Some);
    }
    Ok(None)
}

fn prompt(text: &str) -> Result<Passphrase> {
    let mut s = rpassword::prompt_password(text).map_err(|e| {
        CliError::usage(format!(
            "cannot ask for a passphrase on the terminal ({e}): set ROGATORY_PASSPHRASE_FILE \
             to a file that holds it"
        ))
    })?;
    let p = Passphrase::new(s.as_bytes().to_vec());
    s.zeroize();
    Ok(p)
}

/// The passphrase of the protected key file `key`.
pub fn for_key(key: &Path) -> Result<Passphrase> {
    match from_env("ROGATORY_PASSPHRASE_FILE", "ROGATORY_PASSPHRASE_FD")? {
        Some(p) => Ok(p),
        None => prompt(&format!("passphrase of {}: ", key.display())),
    }
}

/// A new passphrase for `key`: from the environment, or asked twice.
pub fn new_for(key: &Path) -> Result<Passphrase> {
    if let Some(p) = from_env("ROGATORY_NEW_PASSPHRASE_FILE", "ROGATORY_NEW_PASSPHRASE_FD")? {
        return check_new(p);
    }
    let a = prompt(&format!("new passphrase for {}: ", key.display()))?;
    let b = prompt("the same passphrase again: ")?;
    if a.expose_secret() != b.expose_secret() {
        return Err(CliError::usage("the two passphrases differ"));
    }
    check_new(a)
}

fn check_new(p: Passphrase) -> Result<Passphrase> {
    if p.expose_secret().is_empty() {
        return Err(CliError::usage(
            "an empty passphrase protects nothing: give one, or use --no-passphrase",
        ));
    }
    Ok(p)
}
