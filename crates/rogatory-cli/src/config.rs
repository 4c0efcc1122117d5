//! The party's configuration file, `rogatory.toml`: the key file, trust
//! store and ledger a party always uses, so that `--key`, `--trust` and
//! `--ledger` can be left out. Found, first match wins:
//!
//! 1. `--config FILE`;
//! 2. the file named by `ROGATORY_CONFIG`;
//! 3. `rogatory.toml` in the current directory;
//! 4. `$XDG_CONFIG_HOME/rogatory/rogatory.toml` (`~/.config/...`).
//!
//! A file named by 1 or 2 must exist; 3 and 4 are used only if they do.
//! Relative paths in the file are relative to the file's directory. A flag
//! given on the command line always wins over the file.
//!
//! Without a ledger from the command line or the file, a party's ledger is
//! `$XDG_DATA_HOME/rogatory/ledger/PARTY` (`~/.local/share/...`): outside
//! the key's folder, where secrets live. A ledger made by an earlier version
//! beside the key file (`ledger/PARTY`) stays in use where it is.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{CliError, Result};

/// The name of the file looked for in the current directory.
pub const FILE_NAME: &str = "rogatory.toml";

/// What the file says, its paths resolved.
#[derive(Debug, Default, Clone)]
pub struct Config {
    /// The party's key file.
    pub key: Option<PathBuf>,
    /// The party's trust store.
    pub trust: Option<PathBuf>,
    /// The party's ledger directory.
    pub ledger: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    key: Option<PathBuf>,
    trust: Option<PathBuf>,
    ledger: Option<PathBuf>,
}

/// `--config FILE` or `--config=FILE` among the arguments, before clap
/// parses them (the file supplies defaults to that parse).
fn flag(args: &[OsString]) -> Option<PathBuf> {
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--" {
            return None;
        }
        if a == "--config" {
            return it.next().map(PathBuf::from);
        }
        if let Some(v) = a.to_str().and_then(|s| s.strip_prefix("--config=")) {
            return Some(PathBuf::from(v));
        }
    }
    None
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

fn home_dir(xdg: &str, fallback: &str) -> Option<PathBuf> {
    env_path(xdg).or_else(|| env_path("HOME").map(|h| h.join(fallback)))
}

/// Finds and reads the configuration for this command line.
pub fn load(args: &[OsString]) -> Result<Config> {
    let named = flag(args).or_else(|| std::env::var_os("ROGATORY_CONFIG").map(PathBuf::from));
    let path = match named {
        Some(p) => {
            if !p.is_file() {
                return Err(CliError::usage(format!(
                    "configuration file {} not found (from --config or ROGATORY_CONFIG)",
                    p.display()
                )));
            }
            p
        }
        None => {
            let conventional = [
                Some(PathBuf::from(FILE_NAME)),
                home_dir("XDG_CONFIG_HOME", ".config").map(|d| d.join("rogatory").join(FILE_NAME)),
            ];
            match conventional.into_iter().flatten().find(|p| p.is_file()) {
                Some(p) => p,
                None => return Ok(Config::default()),
            }
        }
    };
    read(&path)
}

fn read(path: &Path) -> Result<Config> {
    let text = std::fs::read_to_string(path).map_err(CliError::io_path("reading", path))?;
    let file: File = toml::from_str(&text).map_err(|e| {
        CliError::usage(format!(
            "configuration file {}: {} (it may set key, trust and ledger)",
            path.display(),
            crate::error::one_line(e.message())
        ))
    })?;
    let base = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let resolve = |p: Option<PathBuf>| p.map(|p| if p.is_absolute() { p } else { base.join(p) });
    Ok(Config {
        key: resolve(file.key),
        trust: resolve(file.trust),
        ledger: resolve(file.ledger),
    })
}

/// The command with the file's values as defaults: a required `--key` or
/// `--trust` that the file sets is no longer required, and `--ledger`
/// defaults to the file's, in every subcommand.
pub fn apply(cmd: clap::Command, cfg: &Config) -> clap::Command {
    let cmd = cmd.mut_args(|a| {
        let value = match a.get_long() {
            Some("key") if a.is_required_set() => cfg.key.as_ref(),
            Some("trust") if a.is_required_set() => cfg.trust.as_ref(),
            Some("ledger") => cfg.ledger.as_ref(),
            _ => None,
        };
        match value {
            Some(v) => a
                .required(false)
                .default_value(v.to_string_lossy().into_owned()),
            None => a,
        }
    });
    cmd.mut_subcommands(|s| apply(s, cfg))
}

/// Parses the command line of `T` with the configuration's defaults. A
/// configuration that cannot be read is a usage error, as clap's are.
pub fn parse<T: clap::Parser>() -> std::result::Result<T, clap::Error> {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let cfg = load(&argv).map_err(|e| {
        clap::Error::raw(
            clap::error::ErrorKind::InvalidValue,
            format!("{}\n", e.one_line()),
        )
    })?;
    let mut cmd = apply(T::command(), &cfg);
    let matches = cmd.try_get_matches_from_mut(argv)?;
    T::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))
}

/// The default ledger of `party` when neither the command line nor the
/// file names one (see the module documentation).
pub fn default_ledger(key_file: &Path, party: &str) -> PathBuf {
    let beside = match key_file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let earlier = beside.join("ledger").join(party);
    if earlier.join("owner.card").is_file() {
        return earlier;
    }
    match home_dir("XDG_DATA_HOME", ".local/share") {
        Some(data) => data.join("rogatory").join("ledger").join(party),
        None => earlier,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    #[test]
    fn the_flag_is_found_before_parsing() {
        assert_eq!(
            flag(&args(&["rogatory", "--config", "a.toml", "seal"])),
            Some(PathBuf::from("a.toml"))
        );
        assert_eq!(
            flag(&args(&["rogatory", "seal", "--config=b.toml"])),
            Some(PathBuf::from("b.toml"))
        );
        assert_eq!(flag(&args(&["rogatory", "--", "--config", "x"])), None);
        assert_eq!(flag(&args(&["rogatory", "seal"])), None);
    }

    #[test]
    fn a_ledger_beside_the_key_file_from_an_earlier_version_stays_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("keys/de.bka.key");
        let earlier = dir.path().join("keys/ledger/de.bka");
        if std::env::var_os("HOME").is_some() {
            assert_ne!(default_ledger(&key, "de.bka"), earlier);
        }
        std::fs::create_dir_all(&earlier).unwrap();
        std::fs::write(earlier.join("owner.card"), b"card").unwrap();
        assert_eq!(default_ledger(&key, "de.bka"), earlier);
    }

    #[test]
    fn paths_are_relative_to_the_file_and_unknown_keys_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("rogatory.toml");
        std::fs::write(
            &p,
            "key = \"keys/fr.pnat.key\"\ntrust = \"/etc/fr.trust\"\n",
        )
        .unwrap();
        let c = read(&p).unwrap();
        assert_eq!(c.key, Some(dir.path().join("keys/fr.pnat.key")));
        assert_eq!(c.trust, Some(PathBuf::from("/etc/fr.trust")));
        assert_eq!(c.ledger, None);
        std::fs::write(&p, "keys = \"typo\"\n").unwrap();
        let e = read(&p).unwrap_err().to_string();
        assert!(
            e.contains("unknown field") && e.contains("rogatory.toml"),
            "{e}"
        );
    }
}
