//! `--json` as an interface: every command that acts or reports prints one
//! JSON document with the same conventions (`rogatory --help`, the README):
//! an object with its `format`, every time in RFC 3339, every key id under
//! a name ending in `key_id`, never a bare list.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeSet;
use std::fs;

mod common;

use common::Workdir;
use serde_json::Value;

/// Keys that hold a time in the documents this test makes (wire seconds
/// in `time`, `not_before`, `retain_until` and `created`, a card's validity,
/// a rotation's and a revocation's moments).
const TIME_KEYS: &[&str] = &[
    "time",
    "not_before",
    "retain_until",
    "created",
    "valid_from",
    "valid_until",
    "effective",
    "compromised",
];

fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
}

/// Checks one value against the conventions; `key_ids` are the hex key
/// ids of every card in play, which may appear only under `..key_id`.
fn check(path: &str, key: &str, v: &Value, key_ids: &BTreeSet<String>, errors: &mut Vec<String>) {
    if TIME_KEYS.contains(&key) && !v.is_null() && !v.as_str().is_some_and(is_rfc3339) {
        errors.push(format!("{path}: time {v} is not RFC 3339"));
    }
    if let Some(s) = v.as_str()
        && key_ids.contains(s)
        && !key.ends_with("key_id")
    {
        errors.push(format!("{path}: a key id under {key:?}"));
    }
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                check(&format!("{path}.{k}"), k, x, key_ids, errors);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                check(&format!("{path}[{i}]"), key, x, key_ids, errors);
            }
        }
        _ => {}
    }
}

struct Run {
    w: Workdir,
    key_ids: BTreeSet<String>,
    docs: Vec<(String, Value)>,
}

impl Run {
    /// Runs a command with `--json`; it must succeed with one document.
    fn json(&mut self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let text = self.w.ok(&all);
        let v: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("rogatory {all:?}: not one JSON document ({e}):\n{text}"));
        assert!(v.is_object(), "rogatory {all:?}: not an object:\n{text}");
        // 1, or the name of a document the spec defines (the custody export).
        assert!(
            v["format"] == 1
                || v["format"]
                    .as_str()
                    .is_some_and(|f| f.starts_with("rogatory-")),
            "rogatory {all:?}: format {}",
            v["format"]
        );
        self.docs
            .push((args[..2.min(args.len())].join(" "), v.clone()));
        v
    }
}

#[test]
fn every_command_prints_one_document_with_one_naming_scheme_and_one_time_format() {
    let w = Workdir::new();
    fs::write(
        w.path("chat.txt"),
        "2026-01-01 alice: meet at 9\n2026-01-01 bob: mail bob@example.org\n",
    )
    .unwrap();
    let mut r = Run {
        w,
        key_ids: BTreeSet::new(),
        docs: Vec::new(),
    };
    for p in ["de.bka", "fr.pnat", "nl.om"] {
        let k = r.json(&[
            "keygen",
            "--no-passphrase",
            "--kdf-log-n",
            "10",
            "--party",
            p,
            "--out-dir",
            "keys",
        ]);
        assert_eq!(k["party"], p);
        r.key_ids.insert(k["key_id"].as_str().unwrap().to_owned());
    }
    r.json(&["card", "fingerprint", "keys/de.bka.card"]);
    for (p, c) in [
        ("de.bka", ""),
        ("fr.pnat", "category:content"),
        ("nl.om", "category:content"),
    ] {
        let card = format!("keys/{p}.card");
        let mut args = vec!["trust", "add", "--trust", "t.toml", "--card", &card];
        if !c.is_empty() {
            args.extend(["--clearance", c]);
        }
        let a = r.json(&args);
        assert_eq!(a["action"], "added");
    }
    let listed = r.json(&["trust", "list", "--trust", "t.toml"]);
    assert_eq!(listed["cards"].as_array().unwrap().len(), 3);
    let sealed = r.json(&[
        "seal",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "t.toml",
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
        "--onward",
        "nl.om",
        "-o",
        "p.rgt",
    ]);
    assert_eq!(sealed["fields"][0]["readers"][0], "fr.pnat");
    r.json(&["verify", "--trust", "t.toml", "p.rgt"]);
    r.json(&[
        "verify",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "t.toml",
        "p.rgt",
    ]);
    r.json(&["inspect", "p.rgt"]);
    let opened = r.json(&[
        "open",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "t.toml",
        "p.rgt",
        "--out-dir",
        "out",
    ]);
    assert_eq!(opened["fields"][0]["state"], "opened");
    let appended = r.json(&[
        "custody",
        "append",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "t.toml",
        "--action",
        "note",
        "--text",
        "checked",
        "p.rgt",
    ]);
    assert_eq!(appended["kind"], "note");
    r.json(&["custody", "show", "--trust", "t.toml", "p.rgt"]);
    r.json(&[
        "redact",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "t.toml",
        "p.rgt",
        "--detect",
        "email",
        "--dry-run",
    ]);
    r.json(&[
        "redact",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "t.toml",
        "p.rgt",
        "--detect",
        "email",
        "--reason",
        "third party",
        "--legal-basis",
        "Art. 12",
        "-o",
        "r.rgt",
    ]);
    r.json(&[
        "forward",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "t.toml",
        "--to",
        "nl.om",
        "r.rgt",
        "-o",
        "f.rgt",
    ]);
    r.json(&[
        "extract",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "t.toml",
        "f.rgt",
        "--field",
        "chat.txt",
        "-o",
        "c.rgx",
    ]);
    r.json(&["verify-extract", "--trust", "t.toml", "c.rgx"]);
    r.json(&["ledger", "verify", "data/rogatory/ledger/fr.pnat"]);
    r.json(&["ledger", "report", "data/rogatory/ledger/fr.pnat"]);
    r.json(&[
        "key",
        "passwd",
        "--key",
        "keys/nl.om.key",
        "--no-passphrase",
    ]);
    let rotated = r.json(&[
        "card",
        "rotate",
        "--key",
        "keys/nl.om.key",
        "--no-passphrase",
    ]);
    r.key_ids
        .insert(rotated["key_id"].as_str().unwrap().to_owned());
    let rotation = rotated["rotation"].as_str().unwrap().to_owned();
    r.json(&["trust", "add", "--trust", "t.toml", "--rotation", &rotation]);
    let fr = r.docs[0].1["key_id"].as_str().map(str::to_owned);
    let revoked = r.json(&[
        "card",
        "revoke",
        "--key",
        "keys/de.bka.key",
        "-o",
        "de.revocation",
    ]);
    assert_eq!(revoked["party"], "de.bka");
    r.json(&[
        "trust",
        "revoke",
        "--trust",
        "t.toml",
        "--statement",
        "de.revocation",
    ]);
    let retire = fr.unwrap();
    r.json(&["trust", "retire", "--trust", "t.toml", "--key-id", &retire]);

    let mut errors = Vec::new();
    for (cmd, doc) in &r.docs {
        check(cmd, "", doc, &r.key_ids, &mut errors);
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // Every command that acts on a package or a key was covered.
    let covered: BTreeSet<&str> = r.docs.iter().map(|(c, _)| c.as_str()).collect();
    assert!(covered.len() >= 20, "{covered:?}");
}
