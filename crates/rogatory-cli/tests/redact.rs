//! `rogatory redact`, `forward`, `extract` and `verify-extract` end to end,
//! in a temporary directory: de.bka seals for fr.pnat, fr.pnat redacts and
//! forwards to nl.om, nl.om opens what is left and extracts for a court.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::fs;

mod common;

use common::Workdir;

const CHAT: &str = "2026-01-01 alice: meet at 9\n\
2026-01-01 bob: write to bob.smith@example.org\n\
2026-01-02 alice: bring the USB stick\n\
2026-01-02 bob: call me on +49 151 23456789\n\
2026-01-03 alice: done\n\
2026-01-03 bob: pay to DE89 3704 0044 0532 0130 00\n";
const SUBSCRIBER: &str = "name,msisdn\nJohn Doe,+49151000000\n";

struct World(Workdir);

impl std::ops::Deref for World {
    type Target = Workdir;
    fn deref(&self) -> &Workdir {
        &self.0
    }
}

impl World {
    /// de.bka, fr.pnat (content, subscriber, restricted), nl.om (content),
    /// xx.none (subscriber), one trust store; a package sealed by de.bka for
    /// fr.pnat with onward consent to nl.om.
    fn new() -> Self {
        let w = World(Workdir::new());
        w.parties(&[
            ("de.bka", &[]),
            (
                "fr.pnat",
                &["category:content,category:subscriber,sensitivity:restricted"],
            ),
            ("nl.om", &["category:content"]),
            ("xx.none", &["category:subscriber"]),
        ]);
        fs::create_dir(w.path("evidence")).unwrap();
        fs::write(w.path("evidence/chat.txt"), CHAT).unwrap();
        fs::write(w.path("evidence/subscriber.csv"), SUBSCRIBER).unwrap();
        fs::write(w.path("evidence/disk.img"), vec![7u8; 300_000]).unwrap();
        w.ok(&[
            "seal",
            "--key",
            "keys/de.bka.key",
            "--trust",
            "trust.toml",
            "--to",
            "fr.pnat",
            "--field",
            "chat.txt=evidence/chat.txt",
            "--field",
            "subscriber.csv=evidence/subscriber.csv",
            "--field",
            "disk.img=evidence/disk.img",
            "--tags",
            "chat.txt=category:content",
            "--tags",
            "subscriber.csv=category:subscriber",
            "--tags",
            "disk.img=category:content,sensitivity:restricted",
            "--case",
            "CASE-2026-0042",
            "--legal-basis",
            "Art. 18 Budapest Convention",
            "--retain-until",
            "2099-12-31",
            "--onward",
            "nl.om",
            "-o",
            "sealed.rgt",
        ]);
        w
    }

    /// A command that must fail with one error line; returns it.
    fn fails(&self, args: &[&str]) -> String {
        self.failure(args).line
    }

    fn redact(&self, extra: &[&str]) -> String {
        let mut args = vec![
            "redact",
            "--key",
            "keys/fr.pnat.key",
            "--trust",
            "trust.toml",
            "sealed.rgt",
        ];
        args.extend_from_slice(extra);
        self.ok(&args)
    }
}

#[test]
fn a_dry_run_lists_what_would_go_and_writes_nothing() {
    let w = World::new();
    fs::write(
        w.path("policy.toml"),
        "[[rule]]\nname = \"no subscriber data\"\ndrop_fields = [\"subscriber.csv\"]\n\n\
         [[rule]]\ndetect = [\"iban\"]\nfields = [\"chat.txt\"]\n\
         patterns = [{ name = \"usb\", regex = \"USB\" }]\n",
    )
    .unwrap();
    let out = w.redact(&[
        "--dry-run",
        "--detect",
        "email,phone",
        "--policy",
        "policy.toml",
        "--drop-segments",
        "chat.txt:0",
    ]);
    assert!(
        out.contains("would remove (dry run, nothing written):"),
        "{out}"
    );
    assert!(
        out.contains("\"chat.txt\": segments 0-3,5 of 6; keeps 4"),
        "{out}"
    );
    assert!(out.contains("segments 0: drop-segments"), "{out}");
    assert!(out.contains("segment 1: email"), "{out}");
    assert!(out.contains("segment 2: pattern:usb"), "{out}");
    assert!(out.contains("segment 3: phone"), "{out}");
    assert!(out.contains("segment 5: iban"), "{out}");
    assert!(out.contains("\"subscriber.csv\": the whole field"), "{out}");
    for secret in ["bob.smith", "+49 151", "DE89", "USB stick", "John Doe"] {
        assert!(
            !out.contains(secret),
            "the dry run shows {secret:?}:\n{out}"
        );
    }
    let json = w.redact(&["--dry-run", "--json", "--detect", "email"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["plan"]["fields"][0]["removes"], "1");
    assert_eq!(v["plan"]["fields"][0]["segments"][0]["reasons"][0], "email");
    assert!(!json.contains("bob.smith"));
    // Nothing was written.
    let names: Vec<String> = fs::read_dir(w.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.ends_with(".rgt") && n != "sealed.rgt")
    );
}

#[test]
fn redact_forward_open_extract_and_verify_the_extract() {
    let w = World::new();
    let out = w.redact(&[
        "--drop-field",
        "subscriber.csv",
        "--drop-segments",
        "chat.txt:3",
        "--detect",
        "email",
        "--reason",
        "not for the receiving authority",
        "--legal-basis",
        "Art. 12 MLA treaty",
        "-o",
        "redacted.rgt",
    ]);
    assert!(out.contains("removed:"), "{out}");
    assert!(
        out.contains("\"chat.txt\": segments 1,3 of 6; keeps 0,2,4-5"),
        "{out}"
    );
    assert!(out.contains("custody event 1 (redacted)"), "{out}");
    // Anyone with the trust store verifies the redacted package.
    let v = w.ok(&["verify", "--trust", "trust.toml", "redacted.rgt"]);
    assert!(v.contains("redacted"), "{v}");
    // Refusals: an existing output, a cut into a field the key cannot read,
    // a forward the sender did not consent to.
    let e = w.fails(&[
        "redact",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "trust.toml",
        "sealed.rgt",
        "--drop-field",
        "disk.img",
        "--reason",
        "r",
        "--legal-basis",
        "b",
        "-o",
        "redacted.rgt",
    ]);
    assert!(e.contains("exists"), "{e}");
    let e = w.fails(&[
        "forward",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "trust.toml",
        "--to",
        "xx.none",
        "redacted.rgt",
        "-o",
        "to-xx.rgt",
    ]);
    assert!(e.contains("onward transfer to xx.none refused"), "{e}");
    assert!(!w.path("to-xx.rgt").exists());

    let out = w.ok(&[
        "forward",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "trust.toml",
        "--to",
        "nl.om",
        "--legal-basis",
        "Art. 26 MLA treaty",
        "redacted.rgt",
        "-o",
        "forwarded.rgt",
    ]);
    assert!(out.contains("forwarded:   to nl.om"), "{out}");
    assert!(out.contains("it reads:    \"chat.txt\""), "{out}");

    // nl.om verifies with its key and opens exactly what is left to it.
    let v = w.ok(&[
        "verify",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "forwarded.rgt",
    ]);
    assert!(v.contains("forwarded"), "{v}");
    w.ok(&[
        "open",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "forwarded.rgt",
        "--out-dir",
        "received",
    ]);
    let chat = fs::read_to_string(w.path("received/chat.txt")).unwrap();
    let lines: Vec<&str> = CHAT.lines().collect();
    assert_eq!(
        chat,
        format!("{}\n{}\n{}\n{}\n", lines[0], lines[2], lines[4], lines[5])
    );
    assert!(!w.path("received/subscriber.csv").exists());
    assert!(!w.path("received/disk.img").exists());
    // nl.om cannot cut into disk.img.
    let e = w.fails(&[
        "redact",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "forwarded.rgt",
        "--drop-segments",
        "disk.img:0",
        "--dry-run",
    ]);
    assert!(e.contains("can only be dropped whole"), "{e}");

    // An extract for a court.
    let out = w.ok(&[
        "extract",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "forwarded.rgt",
        "--field",
        "chat.txt",
        "--segments",
        "0,4",
        "-o",
        "court.rgx",
    ]);
    assert!(out.contains("segments 0,4 (2 segment(s)"), "{out}");
    let v = w.ok(&["verify-extract", "--trust", "trust.toml", "court.rgx"]);
    assert!(
        v.contains("verified:    signature, metadata, custody chain, 2 segment(s)"),
        "{v}"
    );
    assert!(v.contains("case:        CASE-2026-0042"), "{v}");
    assert!(v.contains("reveals the metadata"), "{v}");
    let j = w.ok(&[
        "verify-extract",
        "--json",
        "--trust",
        "trust.toml",
        "court.rgx",
    ]);
    let r: serde_json::Value = serde_json::from_str(&j).unwrap();
    assert_eq!(r["segments"].as_array().unwrap().len(), 2);
    assert_eq!(r["custody"].as_array().unwrap().len(), 3);
    // A segment asked for that was removed; a changed extract.
    let e = w.fails(&[
        "extract",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "forwarded.rgt",
        "--field",
        "chat.txt",
        "--segments",
        "1",
        "-o",
        "x.rgx",
    ]);
    assert!(e.contains("removed by a redaction"), "{e}");
    let mut bytes = fs::read(w.path("court.rgx")).unwrap();
    let at = bytes.windows(4).position(|x| x == b"meet").unwrap();
    bytes[at] = b'M';
    fs::write(w.path("changed.rgx"), &bytes).unwrap();
    let e = w.fails(&["verify-extract", "--trust", "trust.toml", "changed.rgx"]);
    assert!(e.contains("do not lead to the signed Merkle root"), "{e}");
    fs::write(w.path("garbage.rgx"), b"not an extract").unwrap();
    let e = w.fails(&["verify-extract", "--trust", "trust.toml", "garbage.rgx"]);
    assert!(e.contains("extract"), "{e}");

    // Every action is in the party's ledger.
    let l = w.ok(&["ledger", "verify", "data/rogatory/ledger/fr.pnat"]);
    assert!(!l.is_empty());
}

#[test]
fn bad_selectors_are_usage_errors() {
    let w = World::new();
    for (args, words) in [
        (
            vec!["--dry-run", "--drop-segments", "chat.txt"],
            "NAME:RANGE",
        ),
        (
            vec!["--dry-run", "--drop-segments", "chat.txt:7-3"],
            "backwards",
        ),
        (
            vec!["--dry-run", "--drop-segments", "chat.txt:6"],
            "no segment 6",
        ),
        (vec!["--dry-run", "--drop-field", "nope"], "no field named"),
        (vec!["--dry-run"], "nothing selected"),
    ] {
        let mut all = vec![
            "redact",
            "--key",
            "keys/fr.pnat.key",
            "--trust",
            "trust.toml",
            "sealed.rgt",
        ];
        all.extend(args);
        let e = w.fails(&all);
        assert!(e.contains(words), "{all:?}: {e}");
    }
    // Without --dry-run, the reason, legal basis and output are required.
    let out = w.run(&[
        "redact",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "trust.toml",
        "sealed.rgt",
        "--drop-field",
        "disk.img",
    ]);
    assert_eq!(out.status.code(), Some(2));
}
