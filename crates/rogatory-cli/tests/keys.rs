//! Keys that last as long as the evidence, through the command line:
//! rotation (spec §3.6) across a package's life and the party's ledger, and
//! revocation (spec §3.7) by the key itself or by a designated authority.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::fs;

mod common;

use common::Workdir;
use rogatory::core::lifecycle::sign_rotation;
use rogatory::core::{Identity, Signer, system_rng};
use rogatory::wire::{PartyId, encode};

fn world() -> Workdir {
    let w = Workdir::new();
    w.parties(&[
        ("de.bka", &[]),
        ("fr.pnat", &["category:content"]),
        ("nl.om", &["category:content"]),
    ]);
    fs::write(w.path("chat.txt"), "a: hi\nb: hello\n").unwrap();
    w
}

fn seal(w: &Workdir, key: &str, out: &str) {
    w.ok(&[
        "seal",
        "--key",
        key,
        "--trust",
        "trust.toml",
        "--to",
        "fr.pnat",
        "--field",
        "chat.txt=chat.txt",
        "--tags",
        "chat.txt=category:content",
        "--case",
        "C",
        "--legal-basis",
        "B",
        "--retain-until",
        "2099-01-01",
        "-o",
        out,
    ]);
}

fn fails(w: &Workdir, args: &[&str]) -> String {
    w.failure(args).line
}

/// The one file in keys/ with this suffix, for a rotated key.
fn rotated(w: &Workdir, suffix: &str) -> String {
    let name = fs::read_dir(w.path("keys"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("de.bka-") && n.ends_with(suffix))
        .unwrap();
    format!("keys/{name}")
}

#[test]
fn key_rotation_across_a_packages_life_and_the_ledger() {
    let w = world();
    seal(&w, "keys/de.bka.key", "p1.rgp");
    let out = w.ok(&[
        "card",
        "rotate",
        "--key",
        "keys/de.bka.key",
        "--no-passphrase",
    ]);
    assert!(
        out.contains("/data/rogatory/ledger/de.bka continues under the new key"),
        "{out}"
    );
    let (key, rotation) = (rotated(&w, ".key"), rotated(&w, ".rotation"));
    let out = w.ok(&[
        "trust",
        "add",
        "--trust",
        "trust.toml",
        "--rotation",
        &rotation,
    ]);
    assert!(out.contains("the successor of"), "{out}");
    assert!(out.contains("retired:"), "{out}");
    // The new key seals; packages of both keys verify and open.
    seal(&w, &key, "p2.rgp");
    for p in ["p1.rgp", "p2.rgp"] {
        w.ok(&["verify", "--trust", "trust.toml", p]);
        w.ok(&[
            "verify",
            "--key",
            "keys/fr.pnat.key",
            "--trust",
            "trust.toml",
            p,
        ]);
    }
    // The old card no longer seals (it is retired: nobody chooses it).
    let list = w.ok(&["trust", "list", "--trust", "trust.toml", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    let de: Vec<bool> = v["cards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["party"] == "de.bka")
        .map(|e| e["retired"].as_bool().unwrap())
        .collect();
    assert_eq!(de.len(), 2);
    assert_eq!(de.iter().filter(|r| **r).count(), 1);
    // The ledger holds lines of both keys and verifies under the new owner.
    let out = w.ok(&[
        "ledger",
        "verify",
        "data/rogatory/ledger/de.bka",
        "--trust",
        "trust.toml",
    ]);
    assert!(out.contains("lines:       2"), "{out}");
    let new = Identity::load(&w.path(&key)).unwrap();
    assert!(
        out.contains(&rogatory::core::identity::fingerprint(&new.key_id())),
        "{out}"
    );
    // The old key can no longer write to the ledger.
    let err = fails(
        &w,
        &[
            "custody",
            "append",
            "--key",
            "keys/de.bka.key",
            "--trust",
            "trust.toml",
            "--action",
            "note",
            "--text",
            "x",
            "p1.rgp",
        ],
    );
    assert!(err.contains("another key"), "{err}");

    // A successor that its predecessor did not sign: refused.
    let nl = Identity::load(&w.path("keys/nl.om.key")).unwrap();
    let fake = Identity::generate(
        PartyId::new("de.bka").unwrap(),
        new.card().body.not_before,
        new.card().body.not_after,
        &mut system_rng(),
    )
    .unwrap();
    let mut forged = sign_rotation(&new, fake.card(), new.card().body.not_before).unwrap();
    forged.signature = nl.sign(b"rogatory/v1 sig rotation").unwrap();
    fs::write(w.path("forged.rotation"), encode(&forged).unwrap()).unwrap();
    let err = fails(
        &w,
        &[
            "trust",
            "add",
            "--trust",
            "trust.toml",
            "--rotation",
            "forged.rotation",
        ],
    );
    assert!(err.contains("not signed by the predecessor's key"), "{err}");
}

#[test]
fn a_revoked_key_is_refused_from_its_compromise_time_by_self_or_authority() {
    let w = world();
    seal(&w, "keys/de.bka.key", "p.rgp");
    w.ok(&["verify", "--trust", "trust.toml", "p.rgp"]);
    // A revocation by nl.om is refused while nl.om is no authority.
    w.ok(&[
        "card",
        "revoke",
        "--key",
        "keys/nl.om.key",
        "--card",
        "keys/de.bka.card",
        "--compromised",
        "2020-01-01",
        "--reason",
        "seized laptop",
        "-o",
        "by-nl.rev",
    ]);
    let err = fails(
        &w,
        &[
            "trust",
            "revoke",
            "--trust",
            "trust.toml",
            "--statement",
            "by-nl.rev",
        ],
    );
    assert!(
        err.contains("neither the revoked key nor a revocation authority"),
        "{err}"
    );
    w.ok(&["verify", "--trust", "trust.toml", "p.rgp"]);
    // Designated an authority, nl.om's statement counts.
    w.ok(&[
        "trust",
        "add",
        "--trust",
        "trust.toml",
        "--card",
        "keys/nl.om.card",
        "--clearance",
        "category:content",
        "--revocation-authority",
    ]);
    w.ok(&[
        "trust",
        "revoke",
        "--trust",
        "trust.toml",
        "--statement",
        "by-nl.rev",
    ]);
    let err = fails(&w, &["verify", "--trust", "trust.toml", "p.rgp"]);
    assert!(err.contains("custody event 0: revoked"), "{err}");
    // And de.bka can no longer be sealed for.
    let err = fails(
        &w,
        &[
            "seal",
            "--key",
            "keys/fr.pnat.key",
            "--trust",
            "trust.toml",
            "--to",
            "de.bka",
            "--field",
            "chat.txt=chat.txt",
            "--tags",
            "chat.txt=category:content",
            "--case",
            "C",
            "--legal-basis",
            "B",
            "--retain-until",
            "2099-01-01",
            "-o",
            "back.rgp",
        ],
    );
    assert!(err.contains("de.bka"), "{err}");

    // Self-revocation from a past time: everything the key signed since is refused.
    let w = world();
    seal(&w, "keys/de.bka.key", "p.rgp");
    w.ok(&[
        "card",
        "revoke",
        "--key",
        "keys/de.bka.key",
        "--compromised",
        "2020-01-01",
        "-o",
        "self.rev",
    ]);
    w.ok(&[
        "trust",
        "revoke",
        "--trust",
        "trust.toml",
        "--statement",
        "self.rev",
    ]);
    let err = fails(&w, &["verify", "--trust", "trust.toml", "p.rgp"]);
    assert!(err.contains("custody event 0: revoked"), "{err}");
    // A compromise time in the future is refused.
    let err = fails(
        &w,
        &[
            "card",
            "revoke",
            "--key",
            "keys/nl.om.key",
            "--compromised",
            "2999-01-01",
            "-o",
            "f.rev",
        ],
    );
    assert!(err.contains("in the future"), "{err}");
}

/// The defaults a person expects: a party's `rogatory.toml` names its key,
/// trust store and ledger, so that the flags can be left out (a flag still
/// wins); without one, the ledger is kept outside the key's folder; a
/// configuration that is missing or wrong is a usage error naming it.
#[test]
fn a_configuration_file_supplies_key_trust_and_ledger_and_the_default_ledger_is_outside_the_keys() {
    let w = Workdir::new();
    w.parties(&[("de.bka", &[]), ("fr.pnat", &["category:content"])]);
    fs::write(w.path("chat.txt"), "2026-01-01 alice: meet at 9\n").unwrap();
    let seal = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "seal",
            "--to",
            "fr.pnat",
            "--field",
            "chat.txt=chat.txt",
            "--tags",
            "chat.txt=category:content",
            "--case",
            "C-1",
            "--legal-basis",
            "Art. 18",
            "--retain-until",
            "2099-12-31",
            "-o",
            out,
        ];
        args.extend_from_slice(extra);
        w.run(&args)
    };

    // No configuration and no --key: clap's usage error.
    let out = seal("none.rgt", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--key"));

    // Without --ledger or a configuration, the ledger is not in keys/.
    let out = seal(
        "a.rgt",
        &["--key", "keys/de.bka.key", "--trust", "trust.toml"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(w.path("data/rogatory/ledger/de.bka/ledger.log").is_file());
    assert!(!w.path("keys/ledger").exists());

    // rogatory.toml in the current directory, paths relative to it.
    fs::create_dir_all(w.path("party")).unwrap();
    fs::write(
        w.path("rogatory.toml"),
        "key = \"keys/de.bka.key\"\ntrust = \"trust.toml\"\nledger = \"party/ledger\"\n",
    )
    .unwrap();
    let out = seal("b.rgt", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(w.path("party/ledger/ledger.log").is_file());
    w.ok(&["verify", "--trust", "trust.toml", "b.rgt"]);
    // The defaults show in --help.
    let help = w.ok(&["seal", "--help"]);
    assert!(help.contains("keys/de.bka.key"), "{help}");
    // A flag wins over the file: fr.pnat's key is not a sender here.
    let out = seal("c.rgt", &["--key", "keys/fr.pnat.key"]);
    assert!(!out.status.success());
    assert!(!w.path("c.rgt").exists());

    // --config names another file (here from a subdirectory); one that is
    // missing, or has a key it does not know, is a usage error naming it.
    fs::create_dir_all(w.path("elsewhere")).unwrap();
    let mut c = std::process::Command::new(common::BIN);
    w.isolate(&mut c);
    let out = c
        .current_dir(w.path("elsewhere"))
        .args(["--config", "../rogatory.toml", "verify", "../b.rgt"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = w.run(&["--config", "missing.toml", "verify", "b.rgt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
    fs::write(w.path("typo.toml"), "keys = \"keys/de.bka.key\"\n").unwrap();
    let out = w.run_env(
        common::BIN,
        &["verify", "b.rgt"],
        &[("ROGATORY_CONFIG", "typo.toml")],
    );
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("typo.toml") && e.contains("unknown field"),
        "{e}"
    );
}
