//! Where a passphrase comes from (spec §3.5): the file named by
//! `ROGATORY_PASSPHRASE_FILE`, the open file descriptor named by
//! `ROGATORY_PASSPHRASE_FD`, or the terminal. A new passphrase (keygen,
//! `key passwd`) comes from `ROGATORY_NEW_PASSPHRASE_FILE` or
//! `ROGATORY_NEW_PASSPHRASE_FD`, or is asked twice on the terminal. The PIN
//! of a PKCS#11 token (spec §3.8) comes from `ROGATORY_PKCS11_PIN_FILE` or
//! `ROGATORY_PKCS11_PIN_FD`, or is asked on the terminal.
#![allow(dead_code)]

use std::path::Path;

use rogatory::core::Identity;
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
    prompt_for(text, "a passphrase", "ROGATORY_PASSPHRASE_FILE")
}

fn prompt_for(text: &str, what: &str, file_var: &str) -> Result<Passphrase> {
    let mut s = rpassword::prompt_password(text).map_err(|e| {
        CliError::usage(format!(
            "cannot ask for {what} on the terminal ({e}): set {file_var} to a file that holds it"
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

/// Reads a key file: a secret key file (spec §3.4), or a token key file
/// (§3.8) whose signing key a PKCS#11 token holds; either may be protected
/// by a passphrase (§3.5).
pub fn load_key(path: &Path) -> Result<Identity> {
    #[cfg(feature = "pkcs11")]
    {
        use rogatory::pkcs11::{Pin, open_signer};
        Identity::load_with_token(
            path,
            || for_key(path),
            |r| {
                let pin = token_pin(&r.token)?;
                let text = String::from_utf8(pin.expose_secret().to_vec())
                    .map_err(|_| CliError::usage("a token PIN must be UTF-8 text"))?;
                open_signer(r, &Pin::new(text))
                    .map_err(|e| CliError::Core(rogatory::core::CoreError::from(e)))
            },
        )
    }
    #[cfg(not(feature = "pkcs11"))]
    {
        Identity::load_with(path, || for_key(path))
    }
}

/// The user PIN of the PKCS#11 token labelled `token`.
pub fn token_pin(token: &str) -> Result<Passphrase> {
    match from_env("ROGATORY_PKCS11_PIN_FILE", "ROGATORY_PKCS11_PIN_FD")? {
        Some(p) => Ok(p),
        None => prompt_for(
            &format!("PIN of token {token}: "),
            "a token PIN",
            "ROGATORY_PKCS11_PIN_FILE",
        ),
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
