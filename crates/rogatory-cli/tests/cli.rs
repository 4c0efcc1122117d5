//! The `rogatory` binary end to end, in a temporary directory: keys, trust
//! store, seal, verify, inspect, open, and the refusals.
//!
//! The `--help` snapshots live in `tests/snapshots/`; after an intended
//! change, regenerate them with `SNAPSHOTS=overwrite cargo test -p rogatory-cli`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::fs;
use std::path::Path;
use std::process::Command;

mod common;

use common::{BIN, Workdir};

const CHAT: &[u8] =
    b"2026-01-01 alice: meet at 9\n2026-01-01 bob: ok\n2026-01-02 alice: bring the USB stick\n";
const SUBSCRIBER: &[u8] = b"name,msisdn\nJohn Doe,+49151000000\n";

fn disk() -> Vec<u8> {
    (0..(1u32 << 20) + 12345)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect()
}

/// A working directory with three parties and one trust store:
/// de.bka seals; fr.pnat is cleared for content, subscriber data and
/// restricted material; nl.om for subscriber data only.
struct World(Workdir);

impl std::ops::Deref for World {
    type Target = Workdir;
    fn deref(&self) -> &Workdir {
        &self.0
    }
}

impl World {
    fn new() -> Self {
        let w = World(Workdir::new());
        w.parties(&[
            ("de.bka", &[]),
            (
                "fr.pnat",
                &[
                    "category:content",
                    "category:subscriber,sensitivity:restricted",
                ],
            ),
            ("nl.om", &["category:subscriber"]),
        ]);
        fs::create_dir(w.path("evidence")).unwrap();
        fs::write(w.path("evidence/chat.txt"), CHAT).unwrap();
        fs::write(w.path("evidence/subscriber.csv"), SUBSCRIBER).unwrap();
        fs::write(w.path("evidence/disk.img"), disk()).unwrap();
        w
    }

    /// Runs a command that must fail with one line `rogatory: error: ...`;
    /// returns that line and the standard output.
    fn fails(&self, args: &[&str]) -> (String, String) {
        let f = self.failure(args);
        (f.line, f.stdout)
    }

    /// Seals the three evidence files for fr.pnat and nl.om into `out`.
    fn seal(&self, out: &str) -> String {
        self.ok(&[
            "seal",
            "--key",
            "keys/de.bka.key",
            "--trust",
            "trust.toml",
            "--to",
            "fr.pnat",
            "--to",
            "nl.om",
            "--field",
            "chat.txt=evidence/chat.txt",
            "--field",
            "subscriber.csv=evidence/subscriber.csv",
            "--field",
            "disk.img=evidence/disk.img",
            "--tags",
            "chat.txt=category:content,sensitivity:restricted",
            "--tags",
            "subscriber.csv=category:subscriber",
            "--tags",
            "disk.img=category:content",
            "--case",
            "CASE-2026-0042",
            "--request",
            "MLA/2026/117",
            "--legal-basis",
            "Art. 18 Budapest Convention",
            "--authority",
            "Bundeskriminalamt",
            "--priority",
            "urgent",
            "--category",
            "content,subscriber",
            "--retain-until",
            "2099-12-31",
            "--onward",
            "nl.om",
            "--tool",
            "acquire-tool",
            "--tool-version",
            "4.2",
            "--examiner",
            "examiner 17",
            "--source",
            "phone",
            "--source-file",
            "evidence/disk.img",
            "-o",
            out,
        ])
    }

    fn listing(&self, dir: &str) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(self.path(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

#[test]
fn keygen_writes_a_private_key_and_a_card_and_refuses_to_overwrite() {
    let w = World::new();
    let out = w.ok(&[
        "keygen",
        "--no-passphrase",
        "--party",
        "it.gdf",
        "--out-dir",
        "k2",
        "--valid-until",
        "2099-01-01",
    ]);
    let printed = out
        .lines()
        .find_map(|l| l.strip_prefix("fingerprint: "))
        .unwrap()
        .to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(w.path("k2/it.gdf.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let card = w.ok(&["card", "fingerprint", "k2/it.gdf.card"]);
    assert!(card.contains("party:       it.gdf"), "{card}");
    assert!(card.contains(&printed), "{card}");
    assert!(card.contains("to 2099-01-01"), "{card}");

    let key_before = fs::read(w.path("k2/it.gdf.key")).unwrap();
    let (err, _) = w.fails(&["keygen", "--party", "it.gdf", "--out-dir", "k2"]);
    assert!(err.contains("refusing to overwrite"), "{err}");
    assert_eq!(fs::read(w.path("k2/it.gdf.key")).unwrap(), key_before);

    // A card whose self-signature no longer verifies is refused.
    let mut bytes = fs::read(w.path("k2/it.gdf.card")).unwrap();
    let n = bytes.len();
    bytes[n - 1] ^= 1;
    fs::write(w.path("k2/bad.card"), bytes).unwrap();
    w.fails(&["card", "fingerprint", "k2/bad.card"]);
    w.fails(&[
        "trust",
        "add",
        "--trust",
        "trust.toml",
        "--card",
        "k2/bad.card",
    ]);
}

#[test]
fn trust_list_and_retire() {
    let w = World::new();
    let text = w.ok(&["trust", "list", "--trust", "trust.toml"]);
    assert!(text.contains("nl.om"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&w.ok(&["trust", "list", "--trust", "trust.toml", "--json"])).unwrap();
    assert_eq!(json["format"], 1);
    let entries = json["cards"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries[0]["valid_from"].as_str().unwrap().ends_with('Z'));
    let nl = entries.iter().find(|e| e["party"] == "nl.om").unwrap();
    assert_eq!(nl["clearances"], serde_json::json!(["category:subscriber"]));
    assert_eq!(nl["retired"], false);

    // Retire by fingerprint (spaces kept): nobody can seal to it any more.
    let fp = nl["fingerprint"].as_str().unwrap().to_owned();
    w.ok(&["trust", "retire", "--trust", "trust.toml", "--key-id", &fp]);
    let json: serde_json::Value =
        serde_json::from_str(&w.ok(&["trust", "list", "--trust", "trust.toml", "--json"])).unwrap();
    assert!(
        json["cards"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["party"] == "nl.om" && e["retired"] == true)
    );
    let (err, _) = w.fails(&[
        "seal",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "trust.toml",
        "--to",
        "nl.om",
        "--field",
        "s.csv=evidence/subscriber.csv",
        "--tags",
        "s.csv=category:subscriber",
        "--case",
        "C",
        "--legal-basis",
        "B",
        "--retain-until",
        "2099-01-01",
        "-o",
        "p.rgp",
    ]);
    assert!(err.contains("nl.om"), "{err}");
    w.fails(&["trust", "retire", "--trust", "trust.toml", "--key-id", "00"]);
}

#[test]
fn seal_verify_inspect_and_open_by_each_recipient() {
    let w = World::new();
    let sealed = w.seal("case.rgp");
    assert!(sealed.contains("readable by fr.pnat, nl.om"), "{sealed}");
    assert!(
        temporaries(&w, "case.rgp").is_empty(),
        "no temporary file is left"
    );

    // Keyless verification.
    let v = w.ok(&["verify", "--trust", "trust.toml", "case.rgp"]);
    assert!(v.contains("sender:      de.bka"), "{v}");
    assert!(v.contains("    0  sealed     de.bka  "), "{v}");
    assert!(
        !v.contains("CASE-2026-0042"),
        "no metadata without a key: {v}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&w.ok(&["verify", "--trust", "trust.toml", "case.rgp", "--json"]))
            .unwrap();
    assert_eq!(json["sender"], "de.bka");
    assert_eq!(json["fields"].as_array().unwrap().len(), 3);
    assert_eq!(json["custody"][0]["kind"], "sealed");
    assert!(json["metadata"].is_null());

    // With a key: the metadata, and the readable segments checked.
    let v = w.ok(&[
        "verify",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "case.rgp",
    ]);
    assert!(v.contains("case:         CASE-2026-0042"), "{v}");
    assert!(v.contains("onward:       nl.om"), "{v}");
    assert!(v.contains("priority:     urgent"), "{v}");
    assert!(v.contains("examiner examiner 17"), "{v}");
    let json: serde_json::Value = serde_json::from_str(&w.ok(&[
        "verify",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "case.rgp",
        "--json",
    ]))
    .unwrap();
    assert_eq!(json["metadata"]["readable"], serde_json::json!([1]));
    assert_eq!(
        json["metadata"]["metadata"]["case_reference"],
        "CASE-2026-0042"
    );

    // Inspect: no key, no trust store.
    let i = w.ok(&["inspect", "case.rgp"]);
    assert!(i.contains("NOT VERIFIED"), "{i}");
    assert!(
        i.contains("stanzas:     3"),
        "two recipients and the sealer: {i}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&w.ok(&["inspect", "case.rgp", "--json"])).unwrap();
    assert_eq!(json["fields"].as_array().unwrap().len(), 3);
    assert_eq!(json["events"][0]["kind"], "sealed");

    // fr.pnat reads everything; nl.om only the subscriber data.
    let o = w.ok(&[
        "open",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "trust.toml",
        "case.rgp",
        "--out-dir",
        "fr",
    ]);
    assert_eq!(
        w.listing("fr"),
        ["chat.txt", "disk.img", "subscriber.csv"],
        "{o}"
    );
    assert_eq!(fs::read(w.path("fr/chat.txt")).unwrap(), CHAT);
    assert_eq!(fs::read(w.path("fr/subscriber.csv")).unwrap(), SUBSCRIBER);
    assert_eq!(fs::read(w.path("fr/disk.img")).unwrap(), disk());

    let o = w.ok(&[
        "open",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "case.rgp",
        "--out-dir",
        "nl",
    ]);
    assert_eq!(w.listing("nl"), ["subscriber.csv"]);
    assert_eq!(fs::read(w.path("nl/subscriber.csv")).unwrap(), SUBSCRIBER);
    assert!(o.contains("\"chat.txt\": not opened: not cleared"), "{o}");
    assert!(o.contains("\"disk.img\": not opened: not cleared"), "{o}");

    // Opening again never overwrites.
    fs::write(w.path("nl/subscriber.csv"), b"mine").unwrap();
    let (err, _) = w.fails(&[
        "open",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "case.rgp",
        "--out-dir",
        "nl",
    ]);
    assert!(err.contains("refusing to overwrite"), "{err}");
    assert_eq!(fs::read(w.path("nl/subscriber.csv")).unwrap(), b"mine");

    // Nor is an existing package overwritten by seal.
    let before = fs::read(w.path("case.rgp")).unwrap();
    w.fails(&[
        "seal",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "trust.toml",
        "--to",
        "nl.om",
        "--field",
        "s.csv=evidence/subscriber.csv",
        "--tags",
        "s.csv=category:subscriber",
        "--case",
        "C",
        "--legal-basis",
        "B",
        "--retain-until",
        "2099-01-01",
        "-o",
        "case.rgp",
    ]);
    assert_eq!(fs::read(w.path("case.rgp")).unwrap(), before);
}

#[test]
fn a_flipped_byte_fails_verification_with_one_line() {
    let w = World::new();
    w.seal("case.rgp");
    let mut bytes = fs::read(w.path("case.rgp")).unwrap();
    let n = bytes.len();
    for (name, at) in [("body.rgp", n / 2), ("tail.rgp", n - 100)] {
        let mut b = bytes.clone();
        b[at] ^= 0x01;
        fs::write(w.path(name), &b).unwrap();
        let (err, out) = w.fails(&["verify", "--trust", "trust.toml", name]);
        assert!(out.is_empty(), "nothing is reported as verified: {out}");
        assert!(err.len() > "rogatory: error: ".len(), "{err}");
        let out_dir = format!("out-{name}");
        w.fails(&[
            "open",
            "--key",
            "keys/fr.pnat.key",
            "--trust",
            "trust.toml",
            name,
            "--out-dir",
            &out_dir,
        ]);
        assert!(
            !w.path(&out_dir).exists(),
            "nothing is written from a package that does not verify"
        );
    }
    let (err, _) = w.fails(&["verify", "--trust", "trust.toml", "body.rgp"]);
    assert!(err.contains("tampered"), "{err}");
    bytes.truncate(n - 1);
    fs::write(w.path("short.rgp"), &bytes).unwrap();
    w.fails(&["verify", "--trust", "trust.toml", "short.rgp"]);
    w.fails(&["inspect", "short.rgp"]);
}

/// Renames field `field` of a package sealed by `sender` (its key file) as
/// another implementation could: the metadata re-encrypted, the package
/// digest re-signed and the `sealed` event re-signed over it. A package
/// with a name our sealer refuses, for testing the reader.
fn foreign_rename(w: &World, pkg: &str, sender: &str, field: usize, name: &str) {
    use rogatory::core::container::Parts;
    use rogatory::core::crypto::{aead_seal_once, metadata_keys, signed_message};
    use rogatory::core::custody::{open_details, sign_event};
    use rogatory::core::seal::package_digest;
    use rogatory::core::{Identity, Package, Signer, TrustStore};
    use rogatory::wire::{Bytes, FieldName, SignatureBlock, Timestamp, encode, labels};
    use std::io::Cursor;

    let bytes = fs::read(w.path(pkg)).unwrap();
    let id = Identity::from_key_file(&fs::read(w.path(sender)).unwrap()).unwrap();
    let trust = TrustStore::load(&w.path("trust.toml")).unwrap();
    let u = Package::parse(Cursor::new(bytes.clone()))
        .unwrap()
        .verify(&trust)
        .unwrap()
        .unlock_for_verification(&id)
        .unwrap();
    let mk = u.bundle().metadata_key.duplicate();
    let mut metadata = u.metadata().clone();
    metadata.fields[field].name = FieldName::new(name).unwrap();
    let mut p = Parts::read(Cursor::new(bytes)).unwrap();
    let pid = p.prelude.package_id;
    let prelude = encode(&p.prelude).unwrap();
    let ct = aead_seal_once(
        &metadata_keys(&mk, &pid).aead,
        &prelude,
        &encode(&metadata).unwrap(),
    )
    .unwrap();
    let digest = package_digest(
        &prelude,
        &ct,
        &p.trailer.metadata_commitment,
        &p.trailer.leaves,
    );
    p.trailer.metadata_ciphertext = Bytes::new(ct).unwrap();
    p.trailer.signature = SignatureBlock {
        signer: id.key_id(),
        signature: id
            .sign(&signed_message(labels::SIG_PACKAGE, &[&digest.0]))
            .unwrap(),
    };
    let old = p.events[0].clone();
    let details = open_details(&old, &mk, &pid).unwrap();
    p.events = vec![
        sign_event(
            &id,
            &mk,
            &pid,
            digest,
            None,
            Timestamp(old.clear.time.0),
            old.clear.body.clone(),
            &details,
            &mut rogatory::core::system_rng(),
        )
        .unwrap(),
    ];
    fs::write(w.path(pkg), p.assemble().unwrap()).unwrap();
}

#[test]
fn a_field_name_that_is_not_portable_is_refused_when_sealing() {
    let w = World::new();
    for bad in [
        "../x",
        ".hidden",
        "a\u{202e}txt.exe",
        "zero\u{200b}width",
        "CON.txt",
    ] {
        let f = w.failure(&[
            "seal",
            "--key",
            "keys/de.bka.key",
            "--trust",
            "trust.toml",
            "--to",
            "fr.pnat",
            "--field",
            &format!("{bad}=evidence/chat.txt"),
            "--tags",
            &format!("{bad}=category:content"),
            "--case",
            "C",
            "--legal-basis",
            "B",
            "--retain-until",
            "2099-01-01",
            "-o",
            "p.rgp",
        ]);
        assert!(
            f.line.contains("is not a safe file name"),
            "{bad:?}: {}",
            f.line
        );
        assert!(!w.path("p.rgp").exists());
    }
}

#[test]
fn a_field_name_with_a_path_cannot_escape_the_out_dir() {
    // Our sealer refuses a name that is not a portable file name; another
    // implementation's package may hold one, and `open` refuses to write it.
    let w = World::new();
    let out = w.run(&[
        "seal",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "trust.toml",
        "--to",
        "fr.pnat",
        "--field",
        "renamed=evidence/chat.txt",
        "--tags",
        "renamed=category:content",
        "--field",
        "ok.txt=evidence/chat.txt",
        "--tags",
        "ok.txt=category:content",
        "--case",
        "C",
        "--legal-basis",
        "B",
        "--retain-until",
        "2099-01-01",
        "-o",
        "p.rgp",
    ]);
    assert!(out.status.success());
    foreign_rename(&w, "p.rgp", "keys/de.bka.key", 0, "../x");

    fs::create_dir(w.path("a")).unwrap();
    let (err, stdout) = w.fails(&[
        "open",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "trust.toml",
        "p.rgp",
        "--out-dir",
        "a/out",
    ]);
    assert!(err.contains("1 of 2 field(s)"), "{err}");
    assert!(
        stdout.contains("\"../x\": FAILED: field name \"../x\" is not a safe file name"),
        "{stdout}"
    );
    assert!(!w.path("a/x").exists());
    assert!(!w.path("x").exists());
    assert_eq!(w.listing("a"), ["out"]);
    assert_eq!(w.listing("a/out"), ["ok.txt"]);
}

#[test]
fn sealing_refuses_untrusted_recipients_and_untagged_fields() {
    let w = World::new();
    let base = [
        "seal",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "trust.toml",
        "--case",
        "C",
        "--legal-basis",
        "B",
        "--retain-until",
        "2099-01-01",
        "-o",
        "p.rgp",
        "--field",
        "chat.txt=evidence/chat.txt",
    ];
    let with = |extra: &[&'static str]| -> Vec<&'static str> { [&base[..], extra].concat() };

    let (err, _) = w.fails(&with(&[
        "--to",
        "fr.pnat",
        "--to",
        "xx.unknown",
        "--tags",
        "chat.txt=category:content",
    ]));
    assert!(
        err.contains("xx.unknown") && err.contains("trust store"),
        "{err}"
    );

    let (err, _) = w.fails(&with(&["--to", "fr.pnat"]));
    assert!(err.contains("field \"chat.txt\" has no tags"), "{err}");

    let (err, _) = w.fails(&with(&["--to", "fr.pnat", "--tags", "chat.txt=Not A Tag"]));
    assert!(err.contains("Not A Tag"), "{err}");

    let (err, _) = w.fails(&with(&[
        "--to",
        "fr.pnat",
        "--tags",
        "other=category:content",
    ]));
    assert!(err.contains("not a field"), "{err}");

    let (err, _) = w.fails(&with(&["--tags", "chat.txt=category:content"]));
    assert!(err.contains("no recipients"), "{err}");

    // A usage error from the parser is one line too, with status 2.
    let out = w.run(&["seal", "--key", "k"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("rogatory: error: "), "{stderr}");

    assert!(!w.path("p.rgp").exists());
    assert!(temporaries(&w, "p.rgp").is_empty());
}

/// Hidden files beside NAME in the world's directory (`.NAME.*`: a sealer's
/// temporary file, whatever its suffix).
fn temporaries(w: &World, name: &str) -> Vec<String> {
    let prefix = format!(".{name}.");
    fs::read_dir(w.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix))
        .collect()
}

#[test]
fn a_manifest_seals_the_same_request_and_the_command_line_overrides_it() {
    let w = World::new();
    fs::create_dir(w.path("req")).unwrap();
    fs::write(
        w.path("req/manifest.toml"),
        r#"
to = ["fr.pnat", "nl.om"]
case = "FROM-MANIFEST"
legal_basis = "Art. 18 Budapest Convention"
priority = "immediate"
categories = ["content"]
retain_until = "2099-12-31"
onward = ["fr.pnat"]

[provenance]
tool = "acquire-tool"
source_file = "../evidence/disk.img"

[[field]]
name = "chat.txt"
path = "../evidence/chat.txt"
tags = ["category:content", "sensitivity:restricted"]

[[field]]
name = "subscriber.csv"
path = "../evidence/subscriber.csv"
tags = ["category:content"]
"#,
    )
    .unwrap();
    w.ok(&[
        "seal",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "trust.toml",
        "--manifest",
        "req/manifest.toml",
        "--case",
        "FROM-COMMAND-LINE",
        "--tags",
        "subscriber.csv=category:subscriber",
        "-o",
        "m.rgp",
    ]);
    let v = w.ok(&[
        "verify",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "m.rgp",
    ]);
    assert!(v.contains("case:         FROM-COMMAND-LINE"), "{v}");
    assert!(
        v.contains("legal basis:  Art. 18 Budapest Convention"),
        "{v}"
    );
    assert!(v.contains("priority:     immediate"), "{v}");
    assert!(v.contains("onward:       fr.pnat"), "{v}");
    assert!(v.contains("provenance:   tool acquire-tool"), "{v}");
    w.ok(&[
        "open",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "m.rgp",
        "--out-dir",
        "nl",
    ]);
    assert_eq!(
        w.listing("nl"),
        ["subscriber.csv"],
        "the command line's tags replaced the manifest's"
    );
    assert_eq!(fs::read(w.path("nl/subscriber.csv")).unwrap(), SUBSCRIBER);

    fs::write(
        w.path("req/bad.toml"),
        "to = [\"fr.pnat\"]\ncsae = \"typo\"\n",
    )
    .unwrap();
    let (err, _) = w.fails(&[
        "seal",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "trust.toml",
        "--manifest",
        "req/bad.toml",
        "-o",
        "b.rgp",
    ]);
    assert!(err.contains("csae"), "{err}");
}

#[test]
fn a_package_outside_its_window_verifies_with_a_warning_and_does_not_open() {
    let w = World::new();
    w.ok(&[
        "seal",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "trust.toml",
        "--to",
        "nl.om",
        "--field",
        "s.csv=evidence/subscriber.csv",
        "--tags",
        "s.csv=category:subscriber",
        "--case",
        "C",
        "--legal-basis",
        "B",
        "--not-before",
        "2099-01-01",
        "--retain-until",
        "2099-12-31",
        "-o",
        "later.rgp",
    ]);
    let out = w.run(&[
        "verify",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "later.rgp",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("rogatory: warning: package not yet valid"),
        "{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("case:         C"), "{stdout}");
    assert!(stdout.contains("segments not checked"), "{stdout}");
    let (err, _) = w.fails(&[
        "open",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "later.rgp",
        "--out-dir",
        "o",
    ]);
    assert!(err.contains("not yet valid"), "{err}");
    assert!(!w.path("o").exists());
}

#[test]
fn the_example_manifest_is_valid() {
    // The documented example seals once its evidence files exist.
    let w = World::new();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/manifest.toml");
    fs::copy(example, w.path("manifest.toml")).unwrap();
    w.ok(&[
        "seal",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "trust.toml",
        "--manifest",
        "manifest.toml",
        "--retain-until",
        "2099-12-31",
        "-o",
        "e.rgp",
    ]);
    w.ok(&["verify", "--trust", "trust.toml", "e.rgp"]);
}

/// Compares `actual` with `tests/snapshots/NAME`, or writes it there when
/// `SNAPSHOTS=overwrite`.
fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("SNAPSHOTS").is_some_and(|v| v == "overwrite") {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, actual).unwrap();
        return;
    }
    let expected = fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}: run with SNAPSHOTS=overwrite",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "`{name}` changed; if intended, run with SNAPSHOTS=overwrite\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

#[test]
fn help_output_is_pinned() {
    let dir = tempfile::tempdir().unwrap();
    let help = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(dir.path())
            .env_remove("COLUMNS")
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    snapshot("rogatory-help.txt", &help(&["--help"]));
    snapshot("rogatory-seal-help.txt", &help(&["seal", "--help"]));
}

/// Spec §3.5: a key file protected by a passphrase opens with it and with no
/// other; `key passwd` changes it, or removes it.
#[test]
fn a_protected_key_opens_with_its_passphrase_only_and_passwd_changes_it() {
    let w = World::new();
    fs::write(w.path("pass"), "correct horse battery staple\n").unwrap();
    fs::write(w.path("other"), "Tr0ub4dor&3\n").unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| w.run_env(BIN, args, env);
    let out = run(
        &[
            "keygen",
            "--party",
            "it.gdf",
            "--out-dir",
            "k3",
            "--kdf-log-n",
            "10",
        ],
        &[("ROGATORY_NEW_PASSPHRASE_FILE", "pass")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("protected by its passphrase"));
    let key = fs::read(w.path("k3/it.gdf.key")).unwrap();
    assert_eq!(&key[..8], b"RGTRYPKY", "the key file is protected");
    assert!(
        !key.windows(6).any(|x| x == b"it.gdf"),
        "nothing of the key in the clear"
    );
    w.ok(&[
        "trust",
        "add",
        "--trust",
        "trust.toml",
        "--card",
        "k3/it.gdf.card",
    ]);
    let use_key = |pass: &str| {
        run(
            &[
                "verify",
                "--key",
                "k3/it.gdf.key",
                "--trust",
                "trust.toml",
                "p.rgp",
            ],
            &[("ROGATORY_PASSPHRASE_FILE", pass)],
        )
    };
    w.ok(&[
        "seal",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "trust.toml",
        "--to",
        "it.gdf",
        "--field",
        "chat.txt=evidence/chat.txt",
        "--tags",
        "chat.txt=category:content",
        "--case",
        "C",
        "--legal-basis",
        "B",
        "--retain-until",
        "2099-01-01",
        "-o",
        "p.rgp",
    ]);
    assert!(use_key("pass").status.success());
    let wrong = use_key("other");
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stderr)
            .contains("wrong passphrase, or the file was changed"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    // A changed byte of the protected file is the same error.
    let mut bad = key.clone();
    bad[70] ^= 1;
    fs::write(w.path("k3/it.gdf.key"), &bad).unwrap();
    assert!(String::from_utf8_lossy(&use_key("pass").stderr).contains("wrong passphrase"));
    fs::write(w.path("k3/it.gdf.key"), &key).unwrap();

    // A new passphrase: the old one no longer opens it.
    let out = run(
        &[
            "key",
            "passwd",
            "--key",
            "k3/it.gdf.key",
            "--kdf-log-n",
            "10",
        ],
        &[
            ("ROGATORY_PASSPHRASE_FILE", "pass"),
            ("ROGATORY_NEW_PASSPHRASE_FILE", "other"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!use_key("pass").status.success());
    assert!(use_key("other").status.success());
    // Removed: the file is a plain key file, mode 0600 still.
    let out = run(
        &["key", "passwd", "--key", "k3/it.gdf.key", "--no-passphrase"],
        &[("ROGATORY_PASSPHRASE_FILE", "other")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        &fs::read(w.path("k3/it.gdf.key")).unwrap()[..8],
        b"RGTRYKEY"
    );
    w.ok(&[
        "verify",
        "--key",
        "k3/it.gdf.key",
        "--trust",
        "trust.toml",
        "p.rgp",
    ]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(w.path("k3/it.gdf.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // An empty new passphrase is refused.
    fs::write(w.path("empty"), "\n").unwrap();
    let out = run(
        &["key", "passwd", "--key", "k3/it.gdf.key"],
        &[("ROGATORY_NEW_PASSPHRASE_FILE", "empty")],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("an empty passphrase protects nothing"));
}

/// A package to a hybrid card (the default of `keygen`) and a classical one
/// (`keygen --classical`): both open it, `inspect` counts each kind of
/// stanza, and a hybrid card stripped of its X-Wing key to force the
/// classical wrap is refused by the trust store.
#[test]
fn a_package_mixes_hybrid_and_classical_recipients() {
    let w = Workdir::new();
    for party in ["de.bka", "fr.pnat"] {
        let out = w.ok(&[
            "keygen",
            "--no-passphrase",
            "--party",
            party,
            "--out-dir",
            "keys",
        ]);
        assert!(
            out.contains("key wrap:    X-Wing hybrid (ML-KEM-768 + X25519)"),
            "{out}"
        );
    }
    let out = w.ok(&[
        "keygen",
        "--no-passphrase",
        "--classical",
        "--party",
        "be.fed",
        "--out-dir",
        "keys",
    ]);
    assert!(out.contains("key wrap:    X25519 (classical)"), "{out}");
    for party in ["de.bka", "fr.pnat", "be.fed"] {
        let card = format!("keys/{party}.card");
        w.ok(&[
            "trust",
            "add",
            "--trust",
            "trust.toml",
            "--card",
            &card,
            "--clearance",
            "category:subscriber",
        ]);
    }
    let listed: serde_json::Value =
        serde_json::from_str(&w.ok(&["trust", "list", "--trust", "trust.toml", "--json"])).unwrap();
    let hybrid: Vec<(String, bool)> = listed["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["party"].as_str().unwrap().to_owned(),
                e["hybrid"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        hybrid,
        [
            ("be.fed".to_owned(), false),
            ("de.bka".to_owned(), true),
            ("fr.pnat".to_owned(), true)
        ]
    );

    fs::write(w.path("subscriber.csv"), SUBSCRIBER).unwrap();
    w.ok(&[
        "seal",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "trust.toml",
        "--to",
        "fr.pnat",
        "--to",
        "be.fed",
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
        "mixed.rgp",
    ]);
    let i = w.ok(&["inspect", "mixed.rgp"]);
    assert!(
        i.contains("stanzas:     3 (2 X-Wing hybrid, 1 X25519)"),
        "the sealer, fr.pnat hybrid; be.fed classical: {i}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&w.ok(&["inspect", "mixed.rgp", "--json"])).unwrap();
    assert_eq!(json["hybrid_stanzas"], 2);
    for party in ["fr.pnat", "be.fed"] {
        let key = format!("keys/{party}.key");
        w.ok(&[
            "open",
            "--key",
            &key,
            "--trust",
            "trust.toml",
            "mixed.rgp",
            "--out-dir",
            party,
        ]);
        assert_eq!(
            fs::read(w.path(&format!("{party}/subscriber.csv"))).unwrap(),
            SUBSCRIBER
        );
    }

    // A sender's tool that wants the classical wrap for fr.pnat cannot get
    // a trust store to hold fr.pnat's card without its X-Wing key: the
    // card's signature covers the key.
    let card = fs::read(w.path("keys/fr.pnat.card")).unwrap();
    let flag = 8 + "fr.pnat".len() + 112;
    assert_eq!(card[flag], 1, "the hybrid key's option flag");
    let mut stripped = card[..flag].to_vec();
    stripped.push(0);
    stripped.extend_from_slice(&card[flag + 1 + 1216..]);
    fs::write(w.path("stripped.card"), &stripped).unwrap();
    let f = w.failure(&[
        "trust",
        "add",
        "--trust",
        "other.toml",
        "--card",
        "stripped.card",
    ]);
    assert!(f.line.contains("signature"), "{}", f.line);
    assert!(!w.path("other.toml").exists(), "nothing written");
}

/// Every class of failure has its own exit status, and under `--json` (for
/// the commands that have it, and a command line that does not parse) the
/// error is one JSON object on standard output naming the class.
#[test]
fn each_class_of_failure_has_its_exit_status_and_a_json_form() {
    let w = World::new();
    w.seal("case.rgp");
    w.ok(&[
        "keygen",
        "--no-passphrase",
        "--party",
        "xx.none",
        "--out-dir",
        "keys",
    ]);
    w.ok(&[
        "trust",
        "add",
        "--trust",
        "trust.toml",
        "--card",
        "keys/xx.none.card",
    ]);
    w.ok(&[
        "trust",
        "add",
        "--trust",
        "fr-only.toml",
        "--card",
        "keys/fr.pnat.card",
    ]);
    fs::write(w.path("junk.rgp"), vec![b'x'; 4096]).unwrap();
    let mut flipped = fs::read(w.path("case.rgp")).unwrap();
    let n = flipped.len();
    flipped[n / 2] ^= 1;
    fs::write(w.path("flipped.rgp"), &flipped).unwrap();
    let open = |key: &str, pkg: &str, out: &str| {
        vec![
            "open".to_owned(),
            "--key".into(),
            key.into(),
            "--trust".into(),
            "trust.toml".into(),
            pkg.into(),
            "--out-dir".into(),
            out.into(),
        ]
    };
    let own = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<String>>();
    let cases: Vec<(Vec<String>, u8, &str)> = vec![
        (own(&["sael", "x"]), 2, "usage"),
        (
            own(&["verify", "--trust", "trust.toml", "junk.rgp"]),
            3,
            "not_a_package",
        ),
        (
            own(&["verify", "--trust", "trust.toml", "flipped.rgp"]),
            4,
            "tampered",
        ),
        (open("keys/xx.none.key", "case.rgp", "x1"), 5, "not_for_you"),
        (
            own(&[
                "extract",
                "--key",
                "keys/nl.om.key",
                "--trust",
                "trust.toml",
                "case.rgp",
                "--field",
                "chat.txt",
                "-o",
                "x.rgx",
            ]),
            6,
            "not_cleared",
        ),
        (
            own(&["verify", "--trust", "fr-only.toml", "case.rgp"]),
            8,
            "untrusted",
        ),
        (
            own(&["verify", "--trust", "trust.toml", "missing.rgp"]),
            9,
            "io",
        ),
        (open("keys/fr.pnat.card", "case.rgp", "x2"), 10, "key"),
    ];
    for (mut args, code, class) in cases {
        let plain: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = w.run(&plain);
        assert_eq!(
            out.status.code(),
            Some(i32::from(code)),
            "{plain:?}: {out:?}"
        );
        assert!(
            out.stdout.is_empty(),
            "{plain:?}: nothing on stdout without --json"
        );
        if !["sael", "verify"].contains(&plain[0]) {
            continue;
        }
        args.push("--json".into());
        let json: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = w.run(&json);
        assert_eq!(out.status.code(), Some(i32::from(code)), "{json:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{json:?}: {e}: {out:?}"));
        assert_eq!(v["format"], 1);
        assert_eq!(v["error"]["class"], class, "{json:?}: {v}");
        assert_eq!(v["error"]["exit_code"], code);
        let stderr = String::from_utf8(out.stderr).unwrap();
        let line = stderr.lines().next().unwrap_or_default();
        assert!(line.starts_with("rogatory: error: "), "{stderr}");
        assert_eq!(
            v["error"]["message"].as_str().unwrap(),
            line.trim_start_matches("rogatory: error: ")
        );
        // A hint, if any, is the one other line, in both forms.
        match v["error"]["hint"].as_str() {
            Some(h) => assert_eq!(
                stderr.lines().nth(1),
                Some(format!("rogatory: hint: {h}").as_str())
            ),
            None => assert_eq!(stderr.lines().count(), 1, "{stderr}"),
        }
    }
    // clap's suggestion is kept.
    let out = w.run(&["sael"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'seal'"), "{err}");
}

/// Shell completions and manual pages come from the same definitions as
/// `--help`, so they name every command.
#[test]
fn completions_and_manual_pages_cover_every_command() {
    let w = Workdir::new();
    for (shell, marker) in [
        ("bash", "_rogatory()"),
        ("zsh", "#compdef rogatory"),
        ("fish", "complete -c rogatory"),
    ] {
        let out = w.ok(&["completions", shell]);
        assert!(out.contains(marker), "{shell}: {out:.200}");
        assert!(
            out.contains("seal") && out.contains("verify-extract"),
            "{shell}"
        );
    }
    let out = w.ok(&["man", "--out-dir", "man"]);
    assert!(out.starts_with("wrote "), "{out}");
    for page in [
        "rogatory.1",
        "rogatory-seal.1",
        "rogatory-custody-append.1",
        "rogatory-card-rotate.1",
    ] {
        let roff = fs::read_to_string(w.path(&format!("man/{page}"))).unwrap();
        assert!(
            roff.starts_with(".ie") || roff.contains(".TH"),
            "{page}: {roff:.100}"
        );
    }
    let (e, _) = (w.failure(&["completions", "tcsh"]).line, ());
    assert!(e.contains("tcsh"), "{e}");
}

/// Runs `rogatory` in the world's directory with `input` on standard input.
fn piped(w: &World, args: &[&str], input: &[u8]) -> std::process::Output {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut c = Command::new(BIN);
    w.isolate(&mut c);
    let mut child = c
        .args(args)
        .current_dir(w.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// `-` where streaming allows: a field sealed from standard input into a
/// package on standard output (the account on standard error), one field
/// opened to standard output; a package cannot be read from standard input
/// (random access), which is said, with the way out.
#[test]
fn dash_streams_a_field_in_and_a_package_out_and_a_field_back_out() {
    let w = World::new();
    let sealed = piped(
        &w,
        &[
            "seal",
            "--key",
            "keys/de.bka.key",
            "--trust",
            "trust.toml",
            "--to",
            "fr.pnat",
            "--field",
            "chat.txt=-",
            "--tags",
            "chat.txt=category:content",
            "--case",
            "C-1",
            "--legal-basis",
            "Art. 18",
            "--retain-until",
            "2099-12-31",
            "-o",
            "-",
        ],
        CHAT,
    );
    let err = String::from_utf8_lossy(&sealed.stderr);
    assert!(sealed.status.success(), "{err}");
    assert!(err.contains("sealed:      standard output"), "{err}");
    assert!(!w.path("-").exists());
    fs::write(w.path("piped.rgt"), &sealed.stdout).unwrap();
    w.ok(&["verify", "--trust", "trust.toml", "piped.rgt"]);

    let opened = piped(
        &w,
        &[
            "open",
            "--key",
            "keys/fr.pnat.key",
            "--trust",
            "trust.toml",
            "piped.rgt",
            "--field",
            "chat.txt",
            "--out-dir",
            "-",
        ],
        b"",
    );
    let err = String::from_utf8_lossy(&opened.stderr);
    assert!(opened.status.success(), "{err}");
    assert_eq!(opened.stdout, CHAT);
    assert!(err.contains("opened to standard output"), "{err}");
    // --field also selects in a directory; a name it does not have is named.
    let (e, _) = w.fails(&[
        "open",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "trust.toml",
        "piped.rgt",
        "--field",
        "nope.txt",
        "--out-dir",
        "o",
    ]);
    assert!(e.contains("no such field (it has chat.txt)"), "{e}");
    // Standard output needs one field; standard input cannot be a package.
    let (e, _) = w.fails(&[
        "open",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "trust.toml",
        "piped.rgt",
        "--out-dir",
        "-",
    ]);
    assert!(e.contains("needs --field NAME"), "{e}");
    let v = piped(
        &w,
        &["verify", "--trust", "trust.toml", "-"],
        &sealed.stdout,
    );
    assert_eq!(v.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&v.stderr).contains("random access"),
        "{}",
        String::from_utf8_lossy(&v.stderr)
    );
    // Two fields cannot both come from standard input.
    let (e, _) = w.fails(&[
        "seal",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "trust.toml",
        "--to",
        "fr.pnat",
        "--field",
        "a.txt=-",
        "--field",
        "b.txt=-",
        "--tags",
        "a.txt=category:content",
        "--tags",
        "b.txt=category:content",
        "--case",
        "C",
        "--legal-basis",
        "B",
        "--retain-until",
        "2099-12-31",
        "-o",
        "two.rgt",
    ]);
    assert!(
        e.contains("only one field can come from standard input"),
        "{e}"
    );
}

/// The stumbles a person meets: what was given is named with what it is,
/// no debug forms leak, and the failures that have a next step say it.
#[test]
fn errors_name_the_file_what_it_is_and_the_next_step() {
    let w = World::new();
    w.seal("p.rgp");
    fs::write(w.path("junk.rgp"), [0xffu8; 3000]).unwrap();
    for (args, says, code) in [
        (
            vec!["verify", "--trust", "trust.toml", "junk.rgp"],
            "junk.rgp is not a Rogatory file, not a package",
            3,
        ),
        (
            vec!["verify", "--trust", "trust.toml", "keys/de.bka.card"],
            "keys/de.bka.card is a party card (`rogatory card fingerprint` reads it), not a package",
            3,
        ),
        (
            vec!["inspect", "keys"],
            "keys is a directory, not a package",
            3,
        ),
        (
            vec!["verify", "--trust", "keys/de.bka.key", "p.rgp"],
            "keys/de.bka.key is a secret key file, not a trust store",
            3,
        ),
        (
            vec![
                "keygen",
                "--party",
                "Bad Party",
                "--out-dir",
                "k",
                "--no-passphrase",
            ],
            "party id \"Bad Party\": invalid party id: ",
            2,
        ),
    ] {
        let f = w.failure(&args);
        assert!(f.line.contains(says), "{args:?}: {}", f.line);
        assert_eq!(f.code, Some(code), "{args:?}: {}", f.line);
        assert!(
            !f.line.contains("PartyId") && !f.line.contains("Timestamp("),
            "{}",
            f.line
        );
    }
    // Opening with a trust store that lacks the sender: the next step.
    fs::write(w.path("empty.toml"), "").unwrap();
    let out = w.run(&[
        "open",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "empty.toml",
        "p.rgp",
        "--out-dir",
        "o",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(8));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rogatory: hint: compare the party's card fingerprint"),
        "{err}"
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(j["error"]["hint"].as_str().unwrap().contains("trust add"));
}
