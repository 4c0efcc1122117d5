//! `rogatory` with a party's signing key in a PKCS#11 token: a real SoftHSM2
//! token (Debian `softhsm2`, which `.ci/run` installs), initialised in the
//! test's own directory with `softhsm2-util`. Without SoftHSM2 the test says
//! so and passes, unless `ROGATORY_REQUIRE_SOFTHSM=1` (set by `.ci/run`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

mod common;

use common::{BIN, Workdir};

const LABEL: &str = "rogatory-test";
const SUBSCRIBER: &[u8] = b"name,msisdn\nJohn Doe,+49151000000\n";

struct Hsm {
    w: Workdir,
    module: String,
    conf: String,
}

impl Hsm {
    /// A working directory with an initialised token (user PIN 1234), or
    /// `None` where SoftHSM2 is not installed.
    fn new() -> Option<Self> {
        let module = std::env::var("ROGATORY_PKCS11_MODULE")
            .unwrap_or_else(|_| "/usr/lib/softhsm/libsofthsm2.so".into());
        let tool = Command::new("softhsm2-util").arg("--version").output();
        if !Path::new(&module).exists() || tool.is_err() {
            assert!(
                std::env::var("ROGATORY_REQUIRE_SOFTHSM").as_deref() != Ok("1"),
                "ROGATORY_REQUIRE_SOFTHSM=1 but SoftHSM2 ({module}) is not installed"
            );
            eprintln!("skipped: SoftHSM2 is not installed ({module}); apt-get install softhsm2");
            return None;
        }
        let w = Workdir::new();
        fs::create_dir(w.path("tokens")).unwrap();
        let conf = w.path("softhsm2.conf");
        fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                w.path("tokens").display()
            ),
        )
        .unwrap();
        let init = Command::new("softhsm2-util")
            .args(["--init-token", "--free", "--label", LABEL])
            .args(["--so-pin", "0000", "--pin", "1234"])
            .env("SOFTHSM2_CONF", &conf)
            .output()
            .unwrap();
        assert!(init.status.success(), "{init:?}");
        fs::write(w.path("pin.txt"), "1234\n").unwrap();
        fs::write(w.path("wrong-pin.txt"), "4321\n").unwrap();
        Some(Self {
            module,
            conf: conf.to_string_lossy().into_owned(),
            w,
        })
    }

    fn run(&self, args: &[&str], pin_file: Option<&str>) -> Output {
        let mut env = vec![("SOFTHSM2_CONF", self.conf.as_str())];
        if let Some(p) = pin_file {
            env.push(("ROGATORY_PKCS11_PIN_FILE", p));
        }
        self.w.run_env(BIN, args, &env)
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, Some("pin.txt"));
        assert!(
            out.status.success(),
            "rogatory {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn err(&self, args: &[&str], pin_file: Option<&str>) -> String {
        let out = self.run(args, pin_file);
        assert!(!out.status.success(), "rogatory {args:?} succeeded");
        String::from_utf8(out.stderr).unwrap()
    }
}

#[test]
fn a_token_held_signing_key_seals_appends_custody_and_keeps_its_key_on_the_token() {
    let Some(h) = Hsm::new() else { return };
    let module = h.module.clone();
    let out = h.ok(&[
        "keygen",
        "--no-passphrase",
        "--party",
        "de.bka",
        "--out-dir",
        "keys",
        "--token",
        LABEL,
        "--pkcs11-module",
        &module,
    ]);
    assert!(
        out.contains(&format!("signing key: in token {LABEL} ({module})")),
        "{out}"
    );
    let key = fs::read(h.w.path("keys/de.bka.key")).unwrap();
    assert_eq!(&key[..8], b"RGTRYTOK", "a token key file (spec §3.8)");
    h.ok(&[
        "keygen",
        "--no-passphrase",
        "--party",
        "fr.pnat",
        "--out-dir",
        "keys",
    ]);
    for (card, clearance) in [
        ("keys/de.bka.card", None),
        ("keys/fr.pnat.card", Some("category:subscriber")),
    ] {
        let mut args = vec!["trust", "add", "--trust", "trust.toml", "--card", card];
        if let Some(c) = clearance {
            args.extend(["--clearance", c]);
        }
        h.ok(&args);
    }
    fs::write(h.w.path("subscriber.csv"), SUBSCRIBER).unwrap();
    let seal = [
        "seal",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "trust.toml",
        "--to",
        "fr.pnat",
        "--field",
        "subscriber.csv=subscriber.csv",
        "--tags",
        "subscriber.csv=category:subscriber",
        "--case",
        "C-1",
        "--legal-basis",
        "B",
        "--retain-until",
        "2099-12-31",
        "-o",
        "case.rgp",
    ];
    // The PIN is asked for; with none to give, the error says where it goes.
    let e = h.err(&seal, None);
    assert!(e.contains("ROGATORY_PKCS11_PIN_FILE"), "{e}");
    let e = h.err(&seal, Some("wrong-pin.txt"));
    assert!(e.contains("PIN was refused"), "{e}");
    assert!(!h.w.path("case.rgp").exists(), "nothing written");

    h.ok(&seal);
    let v = h.ok(&["verify", "--trust", "trust.toml", "case.rgp"]);
    assert!(v.contains("sender:      de.bka"), "{v}");
    // The token signs a custody note too, and the chain verifies.
    h.ok(&[
        "custody",
        "append",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "trust.toml",
        "--action",
        "note",
        "--text",
        "examined",
        "case.rgp",
    ]);
    let v = h.ok(&["verify", "--trust", "trust.toml", "case.rgp"]);
    assert!(v.contains("    1  note       de.bka  "), "{v}");
    h.ok(&[
        "open",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "trust.toml",
        "case.rgp",
        "--out-dir",
        "fr",
    ]);
    assert_eq!(fs::read(h.w.path("fr/subscriber.csv")).unwrap(), SUBSCRIBER);

    // Rotation: the successor key pair is made on the same token, signed
    // for by the old one; the partner accepts it from the statement, and
    // packages of both keys verify.
    h.ok(&[
        "card",
        "rotate",
        "--key",
        "keys/de.bka.key",
        "--no-passphrase",
    ]);
    let new_key = fs::read_dir(h.w.path("keys"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("de.bka-") && n.ends_with(".key"))
        .map(|n| format!("keys/{n}"))
        .unwrap();
    let rotation = new_key.replace(".key", ".rotation");
    let new_bytes = fs::read(h.w.path(&new_key)).unwrap();
    assert_eq!(
        &new_bytes[..8],
        b"RGTRYTOK",
        "the successor is on the token too"
    );
    assert_ne!(
        new_bytes[new_bytes.len() - 16..],
        key[key.len() - 16..],
        "a new key pair"
    );
    h.ok(&[
        "trust",
        "add",
        "--trust",
        "trust.toml",
        "--rotation",
        &rotation,
    ]);
    let mut seal2 = seal;
    seal2[2] = new_key.as_str();
    seal2[seal2.len() - 1] = "case2.rgp";
    h.ok(&seal2);
    for p in ["case.rgp", "case2.rgp"] {
        h.ok(&["verify", "--trust", "trust.toml", p]);
    }

    // The token key file takes a passphrase like any key file; both are
    // then needed.
    fs::write(h.w.path("pass.txt"), "correct horse\n").unwrap();
    let out = h.w.run_env(
        BIN,
        &[
            "key",
            "passwd",
            "--key",
            "keys/de.bka.key",
            "--kdf-log-n",
            "10",
        ],
        &[
            ("SOFTHSM2_CONF", h.conf.as_str()),
            ("ROGATORY_PKCS11_PIN_FILE", "pin.txt"),
            ("ROGATORY_NEW_PASSPHRASE_FILE", "pass.txt"),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let out = h.w.run_env(
        BIN,
        &[
            "verify",
            "--key",
            "keys/de.bka.key",
            "--trust",
            "trust.toml",
            "case.rgp",
        ],
        &[
            ("SOFTHSM2_CONF", h.conf.as_str()),
            ("ROGATORY_PKCS11_PIN_FILE", "pin.txt"),
            ("ROGATORY_PASSPHRASE_FILE", "pass.txt"),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("case:         C-1"),
        "{out:?}"
    );
}
