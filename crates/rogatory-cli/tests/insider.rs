//! THREATS #4 as an insider attacks it, through the command line: the
//! redaction vectors' packages that give a third party keys outside the
//! custody chain and the sender's consent are refused by `verify --key`,
//! `open` and `forward` of the party that holds the bogus stanza, each with
//! an error that names the rule, and nothing is written. (The receiver's
//! refusal, with no receipt, is a test of rogatory-transport.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::fs;
use std::path::Path;

use common::Workdir;
use rogatory::core::{Identity, Key32, Signer, TrustStore};
use rogatory::wire::{PartyCard, PartyId, Tag, decode};
use serde_json::Value;

fn hex32(v: &Value) -> [u8; 32] {
    hex::decode(v.as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap()
}

/// A working directory with the vector's package as `pkg.rgt`, every party's
/// key in `keys/PARTY.key` (mode 0600) and the vector's trust store.
fn from_vector(name: &str) -> Workdir {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../spec/vectors/redaction")
        .join(format!("{name}.json"));
    let v: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    let w = Workdir::new();
    fs::create_dir(w.path("keys")).unwrap();
    let mut cards = std::collections::BTreeMap::new();
    for p in v["parties"].as_array().unwrap() {
        let card: PartyCard = decode(&hex::decode(p["card"].as_str().unwrap()).unwrap()).unwrap();
        let s = &p["test_secrets"];
        let id = Identity::from_secrets(
            PartyId::new(p["party"].as_str().unwrap()).unwrap(),
            &Key32::from_bytes(hex32(&s["ed25519_seed"])),
            &Key32::from_bytes(hex32(&s["x25519_secret"])),
            card.body.tls_spki_sha256,
            None,
            card.body.not_before,
            card.body.not_after,
        )
        .unwrap();
        assert_eq!(id.card(), &card, "the test secrets make the vector's card");
        let key = w.path(&format!("keys/{}.key", card.body.party));
        fs::write(&key, id.to_key_file().unwrap().expose_secret()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
        }
        cards.insert(card.body.party.to_string(), card);
    }
    let mut trust = TrustStore::new();
    for t in v["trust"].as_array().unwrap() {
        let clearances = t["clearances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| Tag::new(c.as_str().unwrap()).unwrap())
            .collect();
        trust
            .add(cards[t["party"].as_str().unwrap()].clone(), clearances)
            .unwrap();
    }
    trust.save(&w.path("trust.toml")).unwrap();
    fs::write(
        w.path("pkg.rgt"),
        hex::decode(v["bytes"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    w
}

/// Every path a holder takes refuses the package, naming the rule.
fn refused_everywhere(w: &Workdir, holder: &str, rule: &str) {
    let key = format!("keys/{holder}.key");
    for args in [
        vec!["verify", "--key", &key, "--trust", "trust.toml", "pkg.rgt"],
        vec![
            "open",
            "--key",
            &key,
            "--trust",
            "trust.toml",
            "pkg.rgt",
            "--out-dir",
            "out",
        ],
        vec![
            "forward",
            "--key",
            &key,
            "--trust",
            "trust.toml",
            "--to",
            "nl.om",
            "pkg.rgt",
            "-o",
            "fwd.rgt",
        ],
    ] {
        let f = w.failure(&args);
        assert!(
            f.line.contains("not entitled") && f.line.contains(rule),
            "{args:?}: {}",
            f.line
        );
    }
    let out = w.path("out");
    assert!(
        !out.exists() || fs::read_dir(&out).unwrap().next().is_none(),
        "open wrote nothing"
    );
    assert!(!w.path("fwd.rgt").exists(), "forward wrote nothing");
}

#[test]
fn a_stanza_rewrapped_in_a_redaction_is_refused_by_verify_open_and_forward() {
    let w = from_vector("redaction_stanza_rewrapped_to_third_party");
    // Without a key nothing is wrong: the attack is an insider's.
    w.ok(&["verify", "--trust", "trust.toml", "pkg.rgt"]);
    refused_everywhere(&w, "xx.none", "stanza_not_yours");
}

#[test]
fn a_stanza_committed_to_a_third_party_is_refused_by_verify_open_and_forward() {
    let w = from_vector("redaction_stanza_committed_to_third_party");
    refused_everywhere(&w, "xx.none", "stanza_recipients");
}

#[test]
fn a_stanza_smuggled_into_a_forward_is_refused_by_verify_open_and_forward() {
    let w = from_vector("forward_stanza_smuggled_to_third_party");
    w.ok(&["verify", "--trust", "trust.toml", "pkg.rgt"]);
    refused_everywhere(&w, "xx.none", "stanza_not_yours");
}

#[test]
fn a_send_by_a_recipient_outside_consent_is_refused_by_verify_open_and_forward() {
    let w = from_vector("sent_outside_consent");
    refused_everywhere(&w, "fr.pnat", "onward_consent");
}
