//! The files under `contrib/` stay true to the binaries: every option the
//! systemd unit passes to `rogatory-recv` is one it has, and every variable
//! the unit sets is one the binaries read.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::Command;

const UNIT: &str = include_str!("../../../contrib/systemd/rogatory-recv.service");
const PASSPHRASE_SOURCES: &str = include_str!("../src/passphrase.rs");

#[test]
fn the_systemd_unit_names_only_options_and_variables_rogatory_recv_has() {
    let exec: String = UNIT
        .lines()
        .skip_while(|l| !l.starts_with("ExecStart="))
        .take_while(|l| !l.trim().is_empty() && !l.starts_with("Restart"))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(exec.contains("/rogatory-recv"), "{exec}");
    let options: Vec<&str> = exec
        .split_whitespace()
        .filter(|w| w.starts_with("--"))
        .collect();
    assert!(options.len() >= 5, "{options:?}");
    let help = Command::new(env!("CARGO_BIN_EXE_rogatory-recv"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    for o in &options {
        assert!(help.contains(&format!("{o} ")), "rogatory-recv has no {o}");
    }
    for line in UNIT.lines() {
        let line = line.trim_start_matches("# ");
        if let Some(var) = line.strip_prefix("Environment=") {
            let name = var.split('=').next().unwrap();
            assert!(
                PASSPHRASE_SOURCES.contains(&format!("\"{name}\"")),
                "the binaries do not read {name}"
            );
        }
    }
}
