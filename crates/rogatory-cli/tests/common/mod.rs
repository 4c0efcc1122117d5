//! What the end-to-end tests of the `rogatory` binary share: a temporary
//! working directory to run commands in, and parties made and trusted through
//! the binary itself.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_rogatory");

/// A temporary working directory for `rogatory` commands.
pub struct Workdir {
    pub dir: TempDir,
}

/// A command that failed with exactly one error line.
pub struct Failure {
    /// The line `rogatory: error: ...`.
    pub line: String,
    /// Its standard output.
    pub stdout: String,
    /// Its exit status.
    pub code: Option<i32>,
}

impl Workdir {
    pub fn new() -> Self {
        Workdir {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Keeps a command to this directory: its default ledgers under `data/`
    /// (`data/rogatory/ledger/PARTY`), no configuration file but the
    /// directory's own `rogatory.toml`.
    pub fn isolate(&self, c: &mut Command) {
        c.env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env_remove("ROGATORY_CONFIG");
    }

    /// Makes each party's keys in `keys/` with `keygen` and adds its card to
    /// `trust.toml`, one `--clearance` per entry of its list.
    pub fn parties(&self, parties: &[(&str, &[&str])]) {
        for (party, _) in parties {
            self.ok(&[
                "keygen",
                "--no-passphrase",
                "--party",
                party,
                "--out-dir",
                "keys",
            ]);
        }
        for (party, clearances) in parties {
            let card = format!("keys/{party}.card");
            let mut args = vec!["trust", "add", "--trust", "trust.toml", "--card", &card];
            for c in *clearances {
                args.extend(["--clearance", c]);
            }
            self.ok(&args);
        }
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_bin(BIN, args)
    }

    /// Runs a command that must succeed; returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_bin(BIN, args)
    }

    /// Runs `bin` (one of the crate's binaries) in the directory.
    pub fn run_bin(&self, bin: &str, args: &[&str]) -> Output {
        self.run_env(bin, args, &[])
    }

    /// Runs `bin` with these environment variables (the caller's passphrase
    /// variables are never passed on).
    pub fn run_env(&self, bin: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = Command::new(bin);
        c.args(args)
            .current_dir(self.dir.path())
            .env_remove("COLUMNS");
        self.isolate(&mut c);
        for v in [
            "ROGATORY_PASSPHRASE_FILE",
            "ROGATORY_PASSPHRASE_FD",
            "ROGATORY_NEW_PASSPHRASE_FILE",
            "ROGATORY_NEW_PASSPHRASE_FD",
            "ROGATORY_PKCS11_PIN_FILE",
            "ROGATORY_PKCS11_PIN_FD",
        ] {
            c.env_remove(v);
        }
        c.envs(env.iter().copied());
        c.stdin(std::process::Stdio::null()).output().unwrap()
    }

    /// Runs `bin`, which must succeed; returns its standard output.
    pub fn ok_bin(&self, bin: &str, args: &[&str]) -> String {
        let out = self.run_bin(bin, args);
        assert!(
            out.status.success(),
            "{bin} {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must fail with one line `rogatory: error: ...`
    /// (warnings and the hint line aside).
    pub fn failure(&self, args: &[&str]) -> Failure {
        let out = self.run(args);
        assert!(!out.status.success(), "rogatory {args:?} succeeded");
        let stderr = String::from_utf8(out.stderr).unwrap();
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("rogatory: warning: ") && !l.starts_with("rogatory: hint: "))
            .collect();
        assert_eq!(errors.len(), 1, "expected one error line, got {stderr:?}");
        assert!(errors[0].starts_with("rogatory: error: "), "{stderr:?}");
        Failure {
            line: errors[0].to_owned(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            code: out.status.code(),
        }
    }
}
