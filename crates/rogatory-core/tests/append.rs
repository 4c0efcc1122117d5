//! Appending custody records in place, and recovering an interrupted append
//! (spec §9.4): a torn append leaves the old state or the new one, never a
//! third, and the body is never rewritten.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::io::Cursor;

use common::*;
use rogatory_core::container::{Recovery, append_record, journal_path, recover};
use rogatory_core::custody::{ChainHead, sign_event};
use rogatory_core::{CoreError, Package, Signer};
use rogatory_wire::*;

fn note(
    pkg: &[u8],
    w: &World,
    who: &rogatory_core::Identity,
    seed: u8,
    t: Timestamp,
) -> CustodyEvent {
    let v = Package::parse(Cursor::new(pkg.to_vec()))
        .unwrap()
        .verify(&w.trust)
        .unwrap();
    let u = v.unlock(who, NOW).unwrap();
    let last = u.package().events().last().unwrap().clone();
    sign_event(
        who,
        &u.bundle().metadata_key,
        &u.package().package_id(),
        u.package().digest(),
        Some(ChainHead::of(&last).unwrap()),
        t,
        EventBody::Note,
        &EventDetails {
            actor: who.party().clone(),
            counterpart: None,
            reason: text(""),
            legal_basis: text(""),
            text: text("checked the seals"),
        },
        &mut rng(seed),
    )
    .unwrap()
}

#[test]
fn append_keeps_the_body_and_verifies() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.rgt");
    let pkg = sealed(&w, 30);
    std::fs::write(&path, &pkg).unwrap();
    let ev = note(&pkg, &w, &w.alice, 1, Timestamp(NOW.0 + 5));
    append_record(&path, &ev).unwrap();
    let after = std::fs::read(&path).unwrap();
    assert_eq!(
        &after[..pkg.len() - 68],
        &pkg[..pkg.len() - 68],
        "the body and earlier records are untouched"
    );
    let v = Package::open(&path).unwrap().verify(&w.trust).unwrap();
    assert_eq!(v.report().custody.len(), 2);
    assert_eq!(v.report().custody[1].kind, "note");
    // The same event again does not follow the new last one.
    assert!(matches!(
        append_record(&path, &ev),
        Err(CoreError::Usage(_))
    ));
}

#[test]
fn every_torn_append_recovers_to_old_or_new() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.rgt");
    let pkg = sealed(&w, 31);
    let ev = note(&pkg, &w, &w.alice, 2, Timestamp(NOW.0 + 5));
    // The complete new state, for reference.
    std::fs::write(&path, &pkg).unwrap();
    append_record(&path, &ev).unwrap();
    let new_state = std::fs::read(&path).unwrap();
    let tail = &new_state[pkg.len() - 68..];
    // The journal an append writes, rebuilt: crash points inside it and
    // inside the in-place write.
    let mut journal = b"RGTRYJNL".to_vec();
    journal.extend_from_slice(&((pkg.len() - 68) as u64).to_le_bytes());
    journal.extend_from_slice(&(tail.len() as u64).to_le_bytes());
    journal.extend_from_slice(tail);
    let check = rogatory_core::crypto::sha256(&[&journal]);
    journal.extend_from_slice(&check.0);
    // 1. Crash while writing the journal: the package is untouched.
    for cut in [0, 8, 30, journal.len() / 2, journal.len() - 1] {
        std::fs::write(&path, &pkg).unwrap();
        std::fs::write(journal_path(&path), &journal[..cut]).unwrap();
        assert!(matches!(
            Package::open(&path),
            Err(CoreError::InterruptedAppend { .. })
        ));
        assert_eq!(recover(&path).unwrap(), Recovery::RolledBack);
        assert_eq!(std::fs::read(&path).unwrap(), pkg, "cut {cut}: old state");
    }
    // 2. Crash during the in-place write: the whole journal is there.
    for cut in [0, 1, 20, tail.len() / 2, tail.len() - 1, tail.len()] {
        let mut torn = pkg[..pkg.len() - 68].to_vec();
        torn.extend_from_slice(&tail[..cut]);
        if cut < 68 {
            // the old footer's bytes not yet overwritten
            torn.extend_from_slice(&pkg[pkg.len() - 68 + cut..]);
        }
        std::fs::write(&path, &torn).unwrap();
        std::fs::write(journal_path(&path), &journal).unwrap();
        assert_eq!(recover(&path).unwrap(), Recovery::RolledForward);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            new_state,
            "cut {cut}: new state"
        );
        assert!(Package::open(&path).unwrap().verify(&w.trust).is_ok());
    }
    assert_eq!(recover(&path).unwrap(), Recovery::Clean);
}

#[test]
fn a_journal_for_another_file_is_discarded() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.rgt");
    let pkg = sealed(&w, 32);
    std::fs::write(&path, &pkg).unwrap();
    let mut journal = b"RGTRYJNL".to_vec();
    journal.extend_from_slice(&(1u64 << 40).to_le_bytes());
    journal.extend_from_slice(&100u64.to_le_bytes());
    journal.extend_from_slice(&[0u8; 100]);
    let check = rogatory_core::crypto::sha256(&[&journal]);
    journal.extend_from_slice(&check.0);
    std::fs::write(journal_path(&path), &journal).unwrap();
    assert_eq!(recover(&path).unwrap(), Recovery::RolledBack);
    assert_eq!(std::fs::read(&path).unwrap(), pkg);
}

#[test]
fn time_near_the_end_of_the_clock_is_refused_without_panic() {
    let w = world();
    let pkg = sealed(&w, 33);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.rgt");
    std::fs::write(&path, &pkg).unwrap();
    // An event far in the future is outside every card's validity.
    let ev = note(&pkg, &w, &w.alice, 3, Timestamp(NOW.0 + 10));
    let mut forged = ev.clone();
    forged.clear.time = Timestamp(u64::MAX);
    let mut p = rogatory_core::container::Parts::read(Cursor::new(pkg)).unwrap();
    p.events.push(forged);
    let err = Package::parse(Cursor::new(p.assemble().unwrap()))
        .unwrap()
        .verify(&w.trust)
        .unwrap_err();
    assert!(
        matches!(err, CoreError::Custody { sequence: 1, .. }),
        "{err}"
    );
}
