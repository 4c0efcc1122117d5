//! `rogatory custody ...` and `rogatory ledger ...` end to end, in a
//! temporary directory: the chain shown, a note appended, the chain exported
//! in every format, receipts checked, every action recorded in the party's
//! ledger, the ledger verified (and refused once edited, cut, shortened or
//! reordered) and reported on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeSet;
use std::fs;

use rogatory::core::actions::{Details, append_event, bytes_digest, receive};
use rogatory::core::ledger::{Ledger, Record};
use rogatory::core::{Identity, Signer, TrustStore, system_rng};
use rogatory::wire::{
    CategorySet, Digest, EventBody, LedgerAction, PartyId, Timestamp, Token, encode,
};
use serde_json::Value;

mod common;

use common::Workdir;

const CASE_REFERENCE: &str = "CASE-2026-0042";

/// de.bka seals; fr.pnat and nl.om receive. Keys in `keys/`; de.bka keeps
/// its ledger in the default place, fr.pnat in `fr-ledger/`.
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
            ("fr.pnat", &["category:content,category:subscriber"]),
            ("nl.om", &["category:subscriber"]),
        ]);
        fs::create_dir(w.path("evidence")).unwrap();
        fs::write(w.path("evidence/chat.txt"), "a: hi\nb: hello\n").unwrap();
        fs::write(w.path("evidence/subscriber.csv"), "name\nJohn Doe\n").unwrap();
        fs::write(w.path("evidence/phone.img"), vec![7u8; 4096]).unwrap();
        w
    }

    /// Runs a command that must fail, with the exit status of a class of
    /// failure (1 to 11, `rogatory --help`) and one line `rogatory: error: ...`.
    fn fails(&self, args: &[&str]) -> String {
        let f = self.failure(args);
        assert!(matches!(f.code, Some(1..=11)), "{:?}: {}", f.code, f.line);
        f.line
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    fn seal(&self, out: &str) -> String {
        self.ok(&[
            "seal",
            "--key",
            "keys/de.bka.key",
            "--trust",
            "trust.toml",
            "--to",
            "fr.pnat,nl.om",
            "--field",
            "chat.txt=evidence/chat.txt",
            "--field",
            "subscriber.csv=evidence/subscriber.csv",
            "--tags",
            "chat.txt=category:content",
            "--tags",
            "subscriber.csv=category:subscriber",
            "--case",
            CASE_REFERENCE,
            "--legal-basis",
            "Art. 18 Budapest Convention",
            "--priority",
            "urgent",
            "--category",
            "content,subscriber",
            "--retain-until",
            "2099-12-31",
            "--tool",
            "acquire-tool",
            "--tool-version",
            "4.2",
            "--examiner",
            "examiner 17",
            "--source",
            "phone",
            "--source-file",
            "evidence/phone.img",
            "-o",
            out,
        ])
    }

    fn identity(&self, party: &str) -> Identity {
        Identity::from_key_file(&fs::read(self.path(&format!("keys/{party}.key"))).unwrap())
            .unwrap()
    }

    fn trust(&self) -> TrustStore {
        TrustStore::load(&self.path("trust.toml")).unwrap()
    }

    fn ledger_lines(&self, dir: &str) -> Vec<String> {
        fs::read_to_string(self.path(dir).join("ledger.log"))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// A copy of the ledger in `from` at `to`, with its log replaced.
    fn ledger_copy(&self, from: &str, to: &str, lines: &[String]) {
        fs::create_dir_all(self.path(to)).unwrap();
        for f in ["head", "owner.card"] {
            fs::copy(self.path(from).join(f), self.path(to).join(f)).unwrap();
        }
        let mut text = lines.join("\n");
        text.push('\n');
        fs::write(self.path(to).join("ledger.log"), text).unwrap();
    }
}

fn types(doc: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::Object(o) => {
                match o.get("@type") {
                    Some(Value::String(t)) => {
                        out.insert(t.clone());
                    }
                    Some(Value::Array(a)) => {
                        out.extend(a.iter().filter_map(|t| t.as_str().map(str::to_owned)))
                    }
                    _ => {}
                }
                o.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(doc, &mut out);
    out
}

#[test]
fn custody_is_shown_appended_exported_and_recorded_in_the_ledger() {
    let w = World::new();
    let sealed = w.seal("case.rgp");
    assert!(sealed.contains("/data/rogatory/ledger/de.bka"), "{sealed}");

    // The chain as sealed, without a key: clear parts only.
    let shown = w.ok(&["custody", "show", "--trust", "trust.toml", "case.rgp"]);
    assert!(shown.contains("    0  sealed     "), "{shown}");
    assert!(shown.contains("de.bka"), "{shown}");
    assert!(!shown.contains("legal basis"), "{shown}");

    // fr.pnat appends a note; the new head is printed.
    let appended = w.ok(&[
        "custody",
        "append",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "trust.toml",
        "--action",
        "note",
        "--text",
        "seals checked on arrival",
        "--ledger",
        "fr-ledger",
        "case.rgp",
    ]);
    assert!(
        appended.contains("appended:    note by fr.pnat"),
        "{appended}"
    );
    assert!(
        appended.contains("chain head:  event 1, hash "),
        "{appended}"
    );
    assert!(
        appended.contains("ledger:      fr-ledger (line 0"),
        "{appended}"
    );

    // The chain again, with a key: the note and the sealed details.
    let shown = w.ok(&[
        "custody",
        "show",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "case.rgp",
    ]);
    assert!(shown.contains("    1  note       "), "{shown}");
    assert!(shown.contains("fr.pnat"), "{shown}");
    assert!(shown.contains("seals checked on arrival"), "{shown}");
    assert!(
        shown.contains("legal basis   Art. 18 Budapest Convention"),
        "{shown}"
    );
    let json = w.json(&[
        "custody",
        "show",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "case.rgp",
        "--json",
    ]);
    assert_eq!(json["format"], "rogatory-custody/1");
    assert_eq!(json["events"].as_array().unwrap().len(), 2);
    assert_eq!(json["events"][1]["kind"], "note");
    assert_eq!(json["events"][1]["actor_party"], "fr.pnat");
    assert_eq!(
        json["events"][1]["details"]["text"],
        "seals checked on arrival"
    );
    assert_eq!(json["events"][1]["prev"], json["events"][0]["event_hash"]);
    let appended_hash = appended
        .lines()
        .find_map(|l| l.strip_prefix("chain head:  event 1, hash "))
        .unwrap();
    assert_eq!(json["events"][1]["event_hash"], appended_hash);

    // Export in all three formats (by fr.pnat, recorded in its ledger).
    let export = |format: &str| {
        w.ok(&[
            "custody",
            "export",
            "--key",
            "keys/fr.pnat.key",
            "--trust",
            "trust.toml",
            "--ledger",
            "fr-ledger",
            "--format",
            format,
            "case.rgp",
        ])
    };
    let case: Value = serde_json::from_str(&export("case")).unwrap();
    assert!(case["@context"]["uco-core"].is_string());
    assert!(case["@graph"].is_array());
    let found = types(&case);
    for t in [
        "case-investigation:InvestigativeAction",
        "case-investigation:ProvenanceRecord",
        "uco-identity:Organization",
        "uco-tool:Tool",
        "uco-observable:File",
        "uco-observable:ObservableObject",
        "uco-observable:ContentDataFacet",
        "uco-types:Hash",
    ] {
        assert!(found.contains(t), "no {t} in {found:?}");
    }
    let actions: Vec<&Value> = case["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["@type"] == "case-investigation:InvestigativeAction")
        .collect();
    assert_eq!(actions.len(), 3, "sealed, note and the acquisition");
    let json: Value = serde_json::from_str(&export("json")).unwrap();
    assert_eq!(json["format"], "rogatory-custody/1");
    assert_eq!(json["provenance"][0]["examiner"], "examiner 17");
    let text = export("text");
    assert!(text.starts_with("custody of package "), "{text}");
    assert!(text.contains("seals checked on arrival"), "{text}");
    // The export is of the custody: never the case reference.
    for out in [case.to_string(), json.to_string(), text] {
        assert!(!out.contains(CASE_REFERENCE));
    }

    // Opening records a line too, and never modifies the package.
    let before = fs::read(w.path("case.rgp")).unwrap();
    let opened = w.ok(&[
        "open",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "trust.toml",
        "--ledger",
        "fr-ledger",
        "case.rgp",
        "--out-dir",
        "fr",
    ]);
    assert!(opened.contains("ledger:      fr-ledger (head "), "{opened}");
    assert_eq!(fs::read(w.path("case.rgp")).unwrap(), before);
    // nl.om opens with its default ledger.
    w.ok(&[
        "open",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "case.rgp",
        "--out-dir",
        "nl",
    ]);
    assert_eq!(fs::read(w.path("case.rgp")).unwrap(), before);

    // Every ledger verifies.
    let v = w.ok(&["ledger", "verify", "data/rogatory/ledger/de.bka"]);
    assert!(v.contains("owner:       de.bka"), "{v}");
    assert!(v.contains("lines:       2"), "one line per recipient: {v}");
    let v = w.ok(&["ledger", "verify", "fr-ledger"]);
    assert!(v.contains("owner:       fr.pnat"), "{v}");
    assert!(v.contains("lines:       5"), "note, 3 exports, open: {v}");
    let v = w.ok(&["ledger", "verify", "data/rogatory/ledger/nl.om"]);
    assert!(v.contains("lines:       1"), "{v}");

    // The reports count what was done.
    let r = w.json(&["ledger", "report", "data/rogatory/ledger/de.bka", "--json"]);
    assert_eq!(r["ledger"]["owner"], "de.bka");
    assert_eq!(r["lines"], 2);
    assert_eq!(r["packages"], 1);
    assert_eq!(r["actions"]["sealed"], 2);
    assert_eq!(r["by_partner"]["fr.pnat"]["sealed"], 1);
    assert_eq!(r["by_partner"]["nl.om"]["sealed"], 1);
    assert_eq!(r["by_category"]["content"]["sealed"], 1);
    assert_eq!(r["by_category"]["subscriber"]["sealed"], 1);
    assert_eq!(r["by_priority"]["urgent"]["sealed"], 1);
    assert_eq!(
        r["by_legal_basis"]["Art. 18 Budapest Convention"]["sealed"],
        1
    );
    assert_eq!(r["retention"]["packages"], 1);
    assert_eq!(r["retention"]["past_retain_until"], 0);

    let r = w.json(&["ledger", "report", "fr-ledger", "--json"]);
    assert_eq!(r["actions"]["note"], 1);
    assert_eq!(r["actions"]["exported"], 3);
    assert_eq!(r["actions"]["opened"], 1);
    assert_eq!(r["opened"]["fields"], 2, "fr.pnat reads both fields");
    assert_eq!(r["by_partner"]["de.bka"]["opened"], 1);
    assert_eq!(r["by_partner"]["de.bka"]["exported"], 1, "one package");
    let r = w.json(&["ledger", "report", "data/rogatory/ledger/nl.om", "--json"]);
    assert_eq!(r["opened"]["fields"], 1, "nl.om reads the subscriber data");

    // Counts only: no case reference, no package id.
    let package_id = sealed
        .lines()
        .find_map(|l| l.strip_prefix("package id:  "))
        .unwrap();
    for dir in ["data/rogatory/ledger/de.bka", "fr-ledger"] {
        for args in [
            vec!["ledger", "report", dir, "--json"],
            vec!["ledger", "report", dir],
        ] {
            let out = w.ok(&args);
            assert!(!out.contains(CASE_REFERENCE), "{out}");
            assert!(!out.contains(package_id), "{out}");
        }
    }
    let table = w.ok(&["ledger", "report", "fr-ledger"]);
    assert!(
        table.contains("packages per partner jurisdiction"),
        "{table}"
    );
    assert!(
        table.contains("opened:      2 field(s) in 1 opening(s)"),
        "{table}"
    );

    // --since: a day after everything counts nothing (retention still does).
    let r = w.json(&[
        "ledger",
        "report",
        "fr-ledger",
        "--json",
        "--since",
        "2999-01-01",
    ]);
    assert_eq!(r["lines"], 0);
    assert_eq!(r["retention"]["packages"], 1);
    let r = w.json(&[
        "ledger",
        "report",
        "fr-ledger",
        "--json",
        "--since",
        "2000-01-01",
    ]);
    assert_eq!(r["lines"], 5);
    let err = w.fails(&["ledger", "report", "fr-ledger", "--since", "yesterday"]);
    assert!(err.contains("YYYY-MM-DD"), "{err}");
}

#[test]
fn an_edited_cut_shortened_or_reordered_ledger_fails_naming_the_line() {
    let w = World::new();
    w.seal("case.rgp");
    for i in 0..3 {
        let text = format!("note {i}");
        w.ok(&[
            "custody",
            "append",
            "--key",
            "keys/fr.pnat.key",
            "--trust",
            "trust.toml",
            "--action",
            "note",
            "--text",
            &text,
            "--ledger",
            "fr",
            "case.rgp",
        ]);
    }
    let lines = w.ledger_lines("fr");
    assert_eq!(lines.len(), 3);
    w.ok(&["ledger", "verify", "fr"]);

    // One hex digit of line 1 flipped: in its middle (the line no longer
    // decodes) or in its signature (it decodes, but does not verify).
    let flip = |at: usize| {
        let mut edited = lines.clone();
        let mut bytes = edited[1].clone().into_bytes();
        bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
        edited[1] = String::from_utf8(bytes).unwrap();
        edited
    };
    let n = lines[1].len();
    w.ledger_copy("fr", "edited", &flip(n / 2));
    let err = w.fails(&["ledger", "verify", "edited"]);
    assert!(err.contains("line 1"), "{err}");
    w.fails(&["ledger", "report", "edited"]);
    w.ledger_copy("fr", "edited-signature", &flip(n - 10));
    let err = w.fails(&["ledger", "verify", "edited-signature"]);
    assert!(err.contains("line 1: signature does not verify"), "{err}");

    // Line 1 dropped.
    let dropped = vec![lines[0].clone(), lines[2].clone()];
    w.ledger_copy("fr", "dropped", &dropped);
    let err = w.fails(&["ledger", "verify", "dropped"]);
    assert!(err.contains("line 1"), "{err}");

    // The tail cut: the signed head names a line the log no longer has.
    w.ledger_copy("fr", "cut", &lines[..2]);
    let err = w.fails(&["ledger", "verify", "cut"]);
    assert!(err.contains("line 2") && err.contains("cut"), "{err}");

    // Lines 0 and 1 swapped.
    let reordered = vec![lines[1].clone(), lines[0].clone(), lines[2].clone()];
    w.ledger_copy("fr", "reordered", &reordered);
    let err = w.fails(&["ledger", "verify", "reordered"]);
    assert!(err.contains("line 0"), "{err}");

    // A ledger kept by another key is refused before anything is done.
    let before = fs::read(w.path("case.rgp")).unwrap();
    let err = w.fails(&[
        "custody",
        "append",
        "--key",
        "keys/nl.om.key",
        "--trust",
        "trust.toml",
        "--action",
        "note",
        "--text",
        "x",
        "--ledger",
        "fr",
        "case.rgp",
    ]);
    assert!(err.contains("another key"), "{err}");
    assert_eq!(fs::read(w.path("case.rgp")).unwrap(), before);
}

#[test]
fn packages_past_their_retain_until_are_counted_at_today() {
    let w = World::new();
    let who = w.identity("de.bka");
    let dir = w.path("old");
    let mut ledger = Ledger::open(&dir, &who).unwrap();
    for (package, retain_until) in [(1u8, 1_600_000_000u64), (2, 4_000_000_000)] {
        let mut r = Record::new(
            Timestamp(1_500_000_000),
            LedgerAction::Sealed,
            rogatory::wire::PackageId([package; 16]),
            Digest([package; 32]),
        );
        r.partner = Some(PartyId::new("fr.pnat").unwrap());
        r.categories = CategorySet::from_unsorted(vec![Token::new("traffic").unwrap()]).unwrap();
        r.retain_until = Some(Timestamp(retain_until));
        ledger.append(&who, r).unwrap();
    }
    let r = w.json(&["ledger", "report", "old", "--json"]);
    assert_eq!(r["retention"]["packages"], 2);
    assert_eq!(r["retention"]["past_retain_until"], 1);
    assert_eq!(r["by_category"]["traffic"]["sealed"], 2);
    let table = w.ok(&["ledger", "report", "old"]);
    assert!(
        table.contains("retention:   1 of 2 package(s) past"),
        "{table}"
    );
}

#[test]
fn a_receipt_verifies_against_the_copy_sent_and_nothing_else() {
    let w = World::new();
    w.seal("case.rgp");
    let sender = w.identity("de.bka");
    let receiver = w.identity("fr.pnat");
    let trust = w.trust();
    let now = Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    );

    // de.bka sends (the transport's `sent`), fr.pnat receives its copy and
    // signs the receipt.
    append_event(
        &w.path("case.rgp"),
        &sender,
        &trust,
        now,
        EventBody::Sent {
            receiver: receiver.key_id(),
        },
        Details::default(),
        &mut system_rng(),
    )
    .unwrap();
    fs::copy(w.path("case.rgp"), w.path("fr-copy.rgp")).unwrap();
    let offered = bytes_digest(&w.path("case.rgp")).unwrap();
    let receipt = receive(
        &w.path("fr-copy.rgp"),
        &receiver,
        &trust,
        now,
        offered,
        Digest([0x42; 32]),
        Some(sender.party().clone()),
        &mut system_rng(),
    )
    .unwrap();
    fs::write(w.path("receipt.bin"), encode(&receipt).unwrap()).unwrap();

    let out = w.ok(&[
        "custody",
        "verify-receipt",
        "--trust",
        "trust.toml",
        "case.rgp",
        "receipt.bin",
    ]);
    assert!(out.starts_with("receipt verified"), "{out}");
    assert!(out.contains("receiver:     fr.pnat"), "{out}");
    assert!(
        out.contains(&format!("ledger head:  {}", "42".repeat(32))),
        "{out}"
    );
    let json = w.json(&[
        "custody",
        "verify-receipt",
        "--trust",
        "trust.toml",
        "case.rgp",
        "receipt.bin",
        "--json",
    ]);
    assert_eq!(json["receiver"], "fr.pnat");
    assert_eq!(json["bytes_digest"], offered.to_hex());

    // The receiver's copy (which has the receipt appended) is not the copy
    // the receipt names.
    let err = w.fails(&[
        "custody",
        "verify-receipt",
        "--trust",
        "trust.toml",
        "fr-copy.rgp",
        "receipt.bin",
    ]);
    assert!(err.contains("receipt"), "{err}");
    // Nor is a copy whose bytes changed after delivery.
    w.ok(&[
        "custody",
        "append",
        "--key",
        "keys/de.bka.key",
        "--trust",
        "trust.toml",
        "--action",
        "note",
        "--text",
        "sent",
        "case.rgp",
    ]);
    w.fails(&[
        "custody",
        "verify-receipt",
        "--trust",
        "trust.toml",
        "case.rgp",
        "receipt.bin",
    ]);
    // A file that is not an encoded event.
    fs::write(w.path("junk.bin"), b"not a receipt").unwrap();
    let err = w.fails(&[
        "custody",
        "verify-receipt",
        "--trust",
        "trust.toml",
        "case.rgp",
        "junk.bin",
    ]);
    assert!(err.contains("receipt junk.bin"), "{err}");
}

fn today() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
}

/// de.bka's copy `case.rgp` with its `sent` to fr.pnat, fr.pnat's copy
/// `fr-copy.rgp` with its receipt (also in `receipt.bin`, naming `head`)
/// and a note by fr.pnat recorded in `fr-ledger`.
fn delivered_with_note(w: &World, head: Digest) {
    w.seal("case.rgp");
    let (sender, receiver, trust) = (w.identity("de.bka"), w.identity("fr.pnat"), w.trust());
    append_event(
        &w.path("case.rgp"),
        &sender,
        &trust,
        today(),
        EventBody::Sent {
            receiver: receiver.key_id(),
        },
        Details::default(),
        &mut system_rng(),
    )
    .unwrap();
    fs::copy(w.path("case.rgp"), w.path("fr-copy.rgp")).unwrap();
    let receipt = receive(
        &w.path("fr-copy.rgp"),
        &receiver,
        &trust,
        today(),
        bytes_digest(&w.path("case.rgp")).unwrap(),
        head,
        Some(sender.party().clone()),
        &mut system_rng(),
    )
    .unwrap();
    fs::write(w.path("receipt.bin"), encode(&receipt).unwrap()).unwrap();
    w.ok(&[
        "custody",
        "append",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "trust.toml",
        "--ledger",
        "fr-ledger",
        "--action",
        "note",
        "--text",
        "seen",
        "fr-copy.rgp",
    ]);
}

/// `pkg` with its last `keep` events only, written to `out`.
fn cut(w: &World, pkg: &str, keep: usize, out: &str) {
    use rogatory::core::container::Parts;
    let mut p = Parts::read(std::io::Cursor::new(fs::read(w.path(pkg)).unwrap())).unwrap();
    p.events.truncate(keep);
    fs::write(w.path(out), p.assemble().unwrap()).unwrap();
}

/// Spec §10.7: a tail cut at rest verifies on its own; `verify --receipt`
/// and `verify --ledger` find it.
#[test]
fn a_custody_tail_cut_at_rest_is_found_with_the_receipt_or_the_ledger() {
    let w = World::new();
    delivered_with_note(&w, Digest::ZERO);
    let all = [
        "verify",
        "--trust",
        "trust.toml",
        "fr-copy.rgp",
        "--receipt",
        "receipt.bin",
        "--ledger",
        "fr-ledger",
    ];
    let out = w.ok(&all);
    assert!(
        out.contains("tail:        holds the receipt receipt.bin (event 2)"),
        "{out}"
    );
    assert!(
        out.contains("consistent with the ledger of fr.pnat (1 of its events in this copy)"),
        "{out}"
    );

    // The note cut: only the ledger can tell.
    cut(&w, "fr-copy.rgp", 3, "no-note.rgp");
    w.ok(&["verify", "--trust", "trust.toml", "no-note.rgp"]);
    w.ok(&[
        "verify",
        "--trust",
        "trust.toml",
        "no-note.rgp",
        "--receipt",
        "receipt.bin",
    ]);
    let err = w.fails(&[
        "verify",
        "--trust",
        "trust.toml",
        "no-note.rgp",
        "--ledger",
        "fr-ledger",
    ]);
    assert!(
        err.contains("custody event 3: cut: ledger line 0 records a `note`"),
        "{err}"
    );

    // The receipt cut as well: the receipt tells.
    cut(&w, "fr-copy.rgp", 2, "no-receipt.rgp");
    w.ok(&["verify", "--trust", "trust.toml", "no-receipt.rgp"]);
    let err = w.fails(&[
        "verify",
        "--trust",
        "trust.toml",
        "no-receipt.rgp",
        "--receipt",
        "receipt.bin",
    ]);
    assert!(
        err.contains("custody event 2: cut: this copy holds 2 event(s)"),
        "{err}"
    );
}

/// The review's finding: `ledger verify` trusted whatever card lay beside
/// the ledger. It now shows the owner's fingerprint, checks the owner
/// against a trust store or a card, and checks heads recorded elsewhere.
#[test]
fn ledger_verify_checks_the_owner_and_heads_recorded_elsewhere() {
    use rogatory::core::identity::fingerprint;
    use rogatory::core::ledger;
    let w = World::new();
    delivered_with_note(&w, Digest::ZERO);
    let fr = w.identity("fr.pnat");
    let out = w.run(&["ledger", "verify", "fr-ledger"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(&format!("fingerprint: {}", fingerprint(&fr.key_id()))),
        "{stdout}"
    );
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("was not checked against a card you trust"),
        "the unchecked owner is said"
    );
    w.ok(&["ledger", "verify", "fr-ledger", "--trust", "trust.toml"]);
    w.ok(&[
        "ledger",
        "verify",
        "fr-ledger",
        "--card",
        "keys/fr.pnat.card",
    ]);
    let err = w.fails(&[
        "ledger",
        "verify",
        "fr-ledger",
        "--card",
        "keys/de.bka.card",
    ]);
    assert!(err.contains("kept by another key"), "{err}");

    // A ledger re-written under a new key with the same party id verifies
    // on its own, but not against the trust store.
    let forger = Identity::generate(
        PartyId::new("fr.pnat").unwrap(),
        today(),
        Timestamp(today().0 + 86_400),
        &mut system_rng(),
    )
    .unwrap();
    let mut l = Ledger::open(&w.path("forged"), &forger).unwrap();
    l.append(
        &forger,
        Record::new(
            today(),
            LedgerAction::Note,
            rogatory::wire::PackageId([1; 16]),
            Digest([2; 32]),
        ),
    )
    .unwrap();
    w.ok(&["ledger", "verify", "forged"]);
    let err = w.fails(&["ledger", "verify", "forged", "--trust", "trust.toml"]);
    assert!(err.contains("not in the trust store"), "{err}");

    // Heads recorded elsewhere: a published head, and a receipt's.
    let head = ledger::verify(&w.path("fr-ledger")).unwrap().head;
    let out = w.ok(&["ledger", "verify", "fr-ledger", "--head", &head.to_hex()]);
    assert!(out.contains("(line 0)"), "{out}");
    let err = w.fails(&["ledger", "verify", "fr-ledger", "--head", &"ab".repeat(32)]);
    assert!(
        err.contains("rolled back before it, or rewritten since"),
        "{err}"
    );
    fs::copy(w.path("case.rgp"), w.path("fr-copy2.rgp")).unwrap();
    let receipt = receive(
        &w.path("fr-copy2.rgp"),
        &fr,
        &w.trust(),
        today(),
        bytes_digest(&w.path("case.rgp")).unwrap(),
        head,
        Some(PartyId::new("de.bka").unwrap()),
        &mut system_rng(),
    )
    .unwrap();
    fs::write(w.path("receipt2.bin"), encode(&receipt).unwrap()).unwrap();
    let out = w.ok(&[
        "ledger",
        "verify",
        "fr-ledger",
        "--receipt",
        "receipt2.bin",
        "--receipt",
        "receipt.bin",
    ]);
    assert!(
        out.contains("the receipt receipt2.bin names (line 0)"),
        "{out}"
    );
    assert!(
        out.contains("the receipt receipt.bin names (the empty ledger)"),
        "{out}"
    );
    // Another party's receipt is no evidence about this ledger.
    let err = w.fails(&["ledger", "verify", "forged", "--receipt", "receipt2.bin"]);
    assert!(err.contains("not by this ledger's owner"), "{err}");
    // Rolled back (log and head removed together): verifies alone, not
    // against the receipt.
    fs::remove_file(w.path("fr-ledger/ledger.log")).unwrap();
    fs::remove_file(w.path("fr-ledger/head")).unwrap();
    w.ok(&["ledger", "verify", "fr-ledger"]);
    let err = w.fails(&["ledger", "verify", "fr-ledger", "--receipt", "receipt2.bin"]);
    assert!(err.contains("rolled back before it"), "{err}");
}

/// Spec §10.8 through the command line.
#[test]
fn custody_compare_flags_one_actor_signing_two_events_at_one_position() {
    let w = World::new();
    w.seal("a.rgp");
    fs::copy(w.path("a.rgp"), w.path("b.rgp")).unwrap();
    fs::copy(w.path("a.rgp"), w.path("c.rgp")).unwrap();
    let note = |key: &str, pkg: &str, ledger: &str| {
        w.ok(&[
            "custody",
            "append",
            "--key",
            key,
            "--trust",
            "trust.toml",
            "--ledger",
            ledger,
            "--action",
            "note",
            "--text",
            "x",
            pkg,
        ]);
    };
    note("keys/de.bka.key", "a.rgp", "de-ledger");
    note("keys/de.bka.key", "b.rgp", "de-ledger");
    note("keys/fr.pnat.key", "c.rgp", "fr-ledger");
    let out = w.ok(&[
        "custody",
        "compare",
        "--trust",
        "trust.toml",
        "a.rgp",
        "c.rgp",
    ]);
    assert!(
        out.starts_with("no equivocation: the copies agree up to event 0"),
        "{out}"
    );
    let err = w.fails(&[
        "custody",
        "compare",
        "--trust",
        "trust.toml",
        "a.rgp",
        "b.rgp",
    ]);
    assert!(err.contains("equivocation: one actor"), "{err}");
    w.seal("other.rgp");
    let err = w.fails(&[
        "custody",
        "compare",
        "--trust",
        "trust.toml",
        "a.rgp",
        "other.rgp",
    ]);
    assert!(err.contains("not copies of one package"), "{err}");
}

/// A secret key file others can read is refused, as ssh does; a ledger is
/// its owner's alone.
#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_refused_and_ledgers_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new();
    delivered_with_note(&w, Digest::ZERO);
    let mode = |p: &str| fs::metadata(w.path(p)).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode("fr-ledger"), 0o700);
    for f in [
        "fr-ledger/ledger.log",
        "fr-ledger/head",
        "fr-ledger/owner.card",
    ] {
        assert_eq!(mode(f), 0o600, "{f}");
    }
    assert_eq!(mode("keys/fr.pnat.key"), 0o600);
    fs::set_permissions(
        w.path("keys/fr.pnat.key"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let err = w.fails(&[
        "verify",
        "--key",
        "keys/fr.pnat.key",
        "--trust",
        "trust.toml",
        "fr-copy.rgp",
    ]);
    assert!(
        err.contains("accessible by group or others (mode 0644)")
            && err.contains("chmod 600 keys/fr.pnat.key"),
        "{err}"
    );
}
