//! Sealing, verifying and opening packages end to end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::*;
use rogatory_core::{CoreError, Signer};

#[test]
fn each_recipient_opens_exactly_what_it_is_cleared_for() {
    let w = world();
    let pkg = sealed(&w, 1);
    let alice = open_all(&pkg, &w.trust, &w.alice);
    assert_eq!(alice[0].as_ref().unwrap(), CHAT);
    assert_eq!(alice[1].as_ref().unwrap(), SUBSCRIBER);
    assert_eq!(alice[2].as_ref().unwrap(), &disk());
    let bob = open_all(&pkg, &w.trust, &w.bob);
    assert!(matches!(
        bob[0],
        Err(CoreError::NotCleared { field: 0, .. })
    ));
    assert_eq!(bob[1].as_ref().unwrap(), SUBSCRIBER);
    assert!(matches!(
        bob[2],
        Err(CoreError::NotCleared { field: 2, .. })
    ));
    let sender = open_all(&pkg, &w.trust, &w.sender);
    assert!(
        sender.iter().all(|r| r.is_ok()),
        "the sealer keeps a stanza with every key"
    );
}

#[test]
fn a_party_that_is_not_a_recipient_gets_nothing() {
    let w = world();
    let pkg = sealed(&w, 2);
    let v = parse(&pkg).verify(&w.trust).unwrap();
    assert!(matches!(
        v.unlock(&w.outsider, NOW),
        Err(CoreError::NotARecipient)
    ));
}

#[test]
fn keyless_verification_passes_and_reports_the_chain() {
    let w = world();
    let pkg = sealed(&w, 3);
    let v = parse(&pkg).verify(&w.trust).unwrap();
    let r = v.report();
    assert_eq!(r.sender.as_str(), "de.bka");
    assert_eq!(r.custody.len(), 1);
    assert_eq!(r.custody[0].kind, "sealed");
    assert_eq!(r.fields.len(), 3);
    // 3 lines + 2 lines + 3 blocks
    assert_eq!(r.leaves, 8);
}

#[test]
fn unknown_sender_is_refused() {
    let w = world();
    let pkg = sealed(&w, 4);
    let mut trust = rogatory_core::TrustStore::new();
    trust.add(w.alice.card().clone(), vec![]).unwrap();
    assert!(matches!(
        parse(&pkg).verify(&trust),
        Err(CoreError::UnknownParty { .. })
    ));
}

#[test]
fn expiry_is_enforced_with_the_clock_passed_in() {
    let w = world();
    let pkg = sealed(&w, 5);
    let i = info();
    let unlock = |t| parse(&pkg).verify(&w.trust).unwrap().unlock(&w.alice, t);
    assert!(unlock(i.retain_until).is_ok(), "retain-until is inclusive");
    assert!(matches!(
        unlock(rogatory_wire::Timestamp(i.retain_until.0 + 1)),
        Err(CoreError::Expired { .. })
    ));
    assert!(unlock(i.not_before).is_ok());
    assert!(matches!(
        unlock(rogatory_wire::Timestamp(i.not_before.0 - 1)),
        Err(CoreError::NotYetValid { .. })
    ));
}

#[test]
fn metadata_is_readable_with_a_key_and_absent_from_the_bytes() {
    let w = world();
    let pkg = sealed(&w, 6);
    let u = parse(&pkg)
        .verify(&w.trust)
        .unwrap()
        .unlock(&w.bob, NOW)
        .unwrap();
    assert_eq!(u.metadata().case_reference.as_str(), "CASE-2026-0042");
    assert_eq!(u.metadata().fields[2].name.as_str(), "disk.img");
    for needle in [
        &b"CASE-2026-0042"[..],
        b"Budapest",
        b"de.bka",
        b"fr.pnat",
        b"chat.txt",
        b"alice",
        b"examiner",
    ] {
        assert!(
            !pkg.windows(needle.len()).any(|w| w == needle),
            "{:?} leaks",
            String::from_utf8_lossy(needle)
        );
    }
    assert_eq!(u.report().metadata.as_ref().unwrap().readable, vec![1]);
    let _ = w.bob.key_id();
}

#[test]
fn sealing_is_deterministic_under_a_seeded_rng() {
    let w = world();
    assert_eq!(sealed(&w, 7), sealed(&w, 7));
    assert_ne!(sealed(&w, 7), sealed(&w, 8));
}

/// The front door of the library: fields by name, the request built with
/// defaults, field specs from plain strings, each mistake a typed error
/// that names it.
#[test]
fn fields_open_by_name_and_the_builders_name_what_is_wrong() {
    use rogatory_core::{FieldSpec, PackageInfo};
    let w = world();
    let pkg = sealed(&w, 3);
    let mut u = parse(&pkg)
        .verify(&w.trust)
        .unwrap()
        .unlock(&w.bob, NOW)
        .unwrap();
    assert_eq!(u.field_index("subscriber.csv"), Some(1));
    assert_eq!(u.field_index("nothing.txt"), None);
    let mut out = Vec::new();
    u.open_field_named("subscriber.csv", &mut out).unwrap();
    assert_eq!(out, SUBSCRIBER);
    let e = u
        .open_field_named("nothing.txt", &mut Vec::new())
        .unwrap_err();
    assert!(
        e.to_string().contains("chat.txt, subscriber.csv, disk.img"),
        "{e}"
    );
    assert!(matches!(
        u.open_field_named("chat.txt", &mut Vec::new()),
        Err(CoreError::NotCleared { field: 0, .. })
    ));

    let info = PackageInfo::new("CASE-1", "Art. 18", rogatory_wire::Timestamp(NOW.0 + 10)).unwrap();
    assert_eq!(info.priority, rogatory_wire::Priority::Normal);
    assert!(info.request_reference.is_none() && info.provenance.is_empty());
    let e = PackageInfo::new("CASE-1", "Art. 18", NOW)
        .unwrap()
        .with_data_categories(&["Not A Token"])
        .unwrap_err();
    assert!(
        e.to_string().contains("data category \"Not A Token\""),
        "{e}"
    );
    let spec = FieldSpec::text("chat.txt", &["category:content"]).unwrap();
    assert_eq!(spec.media_type.as_str(), "text/plain");
    let spec = FieldSpec::binary("disk.img", &["category:content"])
        .unwrap()
        .with_media_type("application/x-raw-disk-image")
        .unwrap();
    assert_eq!(spec.kind, rogatory_wire::FieldKind::Binary);
    let e = FieldSpec::text("../etc/passwd", &["category:content"]).unwrap_err();
    assert!(matches!(e, CoreError::UnsafeFieldName { .. }), "{e}");
    let e = FieldSpec::text("a.txt", &[]).unwrap_err();
    assert!(e.to_string().contains("access tags of \"a.txt\""), "{e}");
}
