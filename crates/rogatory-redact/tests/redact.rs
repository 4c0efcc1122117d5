//! Structural redaction (spec §12.1, §12.2): what goes, what stays, who can
//! cut into what, and the signed record of it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::*;
use rogatory_core::custody::open_details;
use rogatory_core::{CoreError, Signer};
use rogatory_redact::{
    Category, Policy, RedactError, Request, check_without_key, format_ranges, parse_ranges,
};
use rogatory_wire::{EventBody, FieldBody, OnwardConsent, SegmentSet};

fn present(bytes: &[u8], field: usize) -> Option<SegmentSet> {
    match &parts(bytes).trailer.fields[field].body {
        FieldBody::Present { segments, .. } => Some(segments.clone()),
        FieldBody::Removed => None,
    }
}

#[test]
fn segments_go_leaves_stay_indices_never_change() {
    let w = world();
    let pkg = sealed(&w, OnwardConsent::None);
    let out = redact(
        &pkg,
        &w.redactor,
        &w.trust,
        &Request {
            drop_segments: vec![("chat.txt".into(), parse_ranges("1,3-4").unwrap())],
            ..Request::default()
        },
        50,
    );
    let (before, after) = (parts(&pkg), parts(&out));
    assert_eq!(before.trailer.leaves, after.trailer.leaves);
    assert_eq!(before.trailer.signature, after.trailer.signature);
    assert_eq!(
        before.trailer.metadata_ciphertext,
        after.trailer.metadata_ciphertext
    );
    assert_eq!(present(&out, 0), Some(segs(&[0, 2, 5])));
    // Untouched bodies are copied byte for byte; the touched one is new,
    // under a new key.
    assert_eq!(before.bodies[1], after.bodies[1]);
    assert_eq!(before.bodies[2], after.bodies[2]);
    assert_eq!(before.trailer.fields[1..], after.trailer.fields[1..]);
    let key_of = |p: &rogatory_core::container::Parts| match &p.trailer.fields[0].body {
        FieldBody::Present { key_commitment, .. } => *key_commitment,
        FieldBody::Removed => panic!("present"),
    };
    assert_ne!(key_of(&before), key_of(&after));
    // One stanza: the redactor's, with the new key of chat.txt and its old
    // keys of the others.
    assert_eq!(after.trailer.stanzas.len(), 1);
    let b = bundle_of(&out, &w.redactor, &w.trust);
    assert!(b.field_keys.iter().all(Option::is_some));
    // The redactor reads what is left, each segment under its own index.
    let mut h = held(&out, &w.redactor, &w.trust);
    assert!(h.readable(0));
    let mut u = rogatory_core::Package::parse(std::io::Cursor::new(out.clone()))
        .unwrap()
        .verify(&w.trust)
        .unwrap()
        .unlock(&w.redactor, NOW)
        .unwrap();
    let mut text = Vec::new();
    u.open_field(0, &mut text).unwrap();
    assert_eq!(
        text,
        [CHAT_LINES[0], CHAT_LINES[2], CHAT_LINES[5]]
            .concat()
            .as_bytes()
    );
    // The original recipients' stanzas are gone: the sender cannot open
    // this copy.
    assert!(matches!(
        rogatory_core::Package::parse(std::io::Cursor::new(out.clone()))
            .unwrap()
            .verify(&w.trust)
            .unwrap()
            .unlock(&w.sender, NOW),
        Err(CoreError::NotARecipient)
    ));
    // The event: its clear part lists the removed leaves and the new
    // envelope; its sealed details the reason and legal basis.
    let ev = after.events.last().unwrap();
    let EventBody::Redacted { removed, envelope } = &ev.clear.body else {
        panic!("a redacted event")
    };
    assert_eq!(removed.len(), 1);
    assert_eq!(format_ranges(&removed[0].segments), "1,3-4");
    assert_eq!(envelope.fields, after.trailer.fields);
    let d = open_details(ev, &b.metadata_key, &after.prelude.package_id).unwrap();
    assert_eq!(d.reason.as_str(), "third party not entitled");
    assert_eq!(d.legal_basis.as_str(), "Art. 12 MLA treaty");
    assert_eq!(&d.actor, w.redactor.party());
    drop(h.plan(&Request::default()).unwrap());
}

#[test]
fn cutting_every_segment_removes_the_field_and_a_second_redaction_chains() {
    let w = world();
    let pkg = sealed(&w, only_to(&["nl.om"]));
    let once = redact(
        &pkg,
        &w.redactor,
        &w.trust,
        &Request {
            drop_segments: vec![("subscriber.csv".into(), parse_ranges("0-1").unwrap())],
            ..Request::default()
        },
        51,
    );
    assert_eq!(
        present(&once, 1),
        None,
        "all segments cut: the field is removed"
    );
    let fwd = forward(&once, &w.redactor, "nl.om", &w.trust, 52);
    // nl.om cannot read disk.img: it can drop it whole, not cut into it.
    let mut h = held(&fwd, &w.third, &w.trust);
    let cut = Request {
        drop_segments: vec![("disk.img".into(), segs(&[0]))],
        ..Request::default()
    };
    assert!(matches!(
        h.plan(&cut),
        Err(RedactError::CannotCut { field: 2, .. })
    ));
    let twice = redact(
        &fwd,
        &w.third,
        &w.trust,
        &Request {
            drop_fields: vec!["disk.img".into()],
            drop_segments: vec![("chat.txt".into(), segs(&[0]))],
            ..Request::default()
        },
        53,
    );
    assert_eq!(present(&twice, 2), None);
    assert_eq!(present(&twice, 0), Some(segs(&[1, 2, 3, 4, 5])));
    let pkg_twice = rogatory_core::Package::parse(std::io::Cursor::new(twice.clone())).unwrap();
    check_without_key(&pkg_twice).unwrap();
    let v = pkg_twice.verify(&w.trust).unwrap();
    let kinds: Vec<&str> = v.report().custody.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["sealed", "redacted", "forwarded", "redacted"]);
    // A removed field is not removed again.
    let mut h = held(&twice, &w.third, &w.trust);
    let plan = h
        .plan(&Request {
            drop_fields: vec!["disk.img".into()],
            ..Request::default()
        })
        .unwrap();
    assert!(plan.is_empty());
    assert_eq!(plan.skipped[0].index, 2);
    assert!(matches!(
        h.redact(&plan, &text("r"), &text("b"), Vec::new(), &mut rng(1)),
        Err(RedactError::NothingToRedact)
    ));
}

#[test]
fn bad_requests_are_refused() {
    let w = world();
    let pkg = sealed(&w, OnwardConsent::None);
    let mut h = held(&pkg, &w.redactor, &w.trust);
    assert!(matches!(
        h.plan(&Request {
            drop_fields: vec!["nope.txt".into()],
            ..Request::default()
        }),
        Err(RedactError::NoSuchField(_))
    ));
    assert!(matches!(
        h.plan(&Request {
            drop_segments: vec![("chat.txt".into(), segs(&[2, 6]))],
            ..Request::default()
        }),
        Err(RedactError::NoSuchSegment {
            segment: 6,
            count: 6,
            ..
        })
    ));
    // A plan for another package's fields is not applied blindly.
    let mut plan = h
        .plan(&Request {
            drop_segments: vec![("chat.txt".into(), segs(&[2]))],
            ..Request::default()
        })
        .unwrap();
    plan.fields[0].removes = segs(&[9]);
    assert!(matches!(
        h.redact(&plan, &text("r"), &text("b"), Vec::new(), &mut rng(2)),
        Err(RedactError::Usage(_))
    ));
}

#[test]
fn a_dry_run_lists_categories_never_the_matched_text() {
    let w = world();
    let pkg = sealed(&w, OnwardConsent::None);
    let mut h = held(&pkg, &w.redactor, &w.trust);
    let mut policy = Policy::parse(
        r#"
[[rule]]
name = "no subscriber data"
drop_fields = ["subscriber.csv"]

[[rule]]
name = "bank and phone"
detect = ["iban", "phone"]
fields = ["chat.txt"]
patterns = [{ name = "usb", regex = "USB stick" }]
"#,
    )
    .unwrap();
    policy.extend(Policy::detect("--detect", &[Category::Email]).unwrap());
    let plan = h
        .plan(&Request {
            policy,
            ..Request::default()
        })
        .unwrap();
    assert_eq!(plan.fields.len(), 2);
    let chat = &plan.fields[0];
    assert_eq!(format_ranges(&chat.removes), "1-3,5");
    let by_segment: Vec<(u32, Vec<String>)> = chat
        .segments
        .iter()
        .map(|s| (s.segment, s.reasons.iter().map(|r| r.to_string()).collect()))
        .collect();
    assert_eq!(
        by_segment,
        [
            (1, vec!["email".to_owned()]),
            (2, vec!["pattern:usb".to_owned()]),
            (3, vec!["phone".to_owned()]),
            (5, vec!["iban".to_owned()]),
        ]
    );
    assert!(plan.fields[1].whole);
    // disk.img is binary: not scanned by default, and not mentioned.
    assert!(plan.skipped.is_empty());
    let json = serde_json::to_string(&plan).unwrap();
    for secret in [
        "bob.smith",
        "example.org",
        "+49 151",
        "23456789",
        "DE89",
        "USB stick",
    ] {
        assert!(!json.contains(secret), "the plan shows {secret:?}");
    }
    assert!(json.contains("\"email\"") && json.contains("\"removes\":\"1-3,5\""));
}

#[test]
fn text_fields_the_redactor_cannot_read_are_skipped_not_scanned() {
    let w = world();
    let pkg = sealed(&w, only_to(&["xx.none"]));
    let red = redact(
        &pkg,
        &w.redactor,
        &w.trust,
        &Request {
            drop_segments: vec![("chat.txt".into(), segs(&[0]))],
            ..Request::default()
        },
        54,
    );
    // xx.none is cleared for subscriber data only.
    let fwd = forward(&red, &w.redactor, "xx.none", &w.trust, 55);
    let mut h = held(&fwd, &w.outsider, &w.trust);
    let plan = h
        .plan(&Request {
            policy: Policy::detect("pii", &Category::ALL).unwrap(),
            ..Request::default()
        })
        .unwrap();
    assert_eq!(plan.fields.len(), 1, "subscriber.csv holds a phone number");
    assert_eq!(plan.fields[0].name, "subscriber.csv");
    assert_eq!(format_ranges(&plan.fields[0].removes), "1");
    assert_eq!(plan.skipped.len(), 1);
    assert_eq!(plan.skipped[0].name, "chat.txt");
    assert!(matches!(
        h.plan(&Request {
            policy: Policy::parse("[[rule]]\ndetect = [\"email\"]\nfields = [\"chat.txt\"]")
                .unwrap(),
            ..Request::default()
        }),
        Err(RedactError::CannotCut { field: 0, .. })
    ));
}

/// The package file changes between verification (when it is held) and the
/// redaction: a changed byte in the field being cut fails its chunk's tag, a
/// changed byte in a field copied unchanged fails its ciphertext digest.
#[test]
fn a_file_changed_after_it_was_verified_is_caught_while_redacting() {
    use rogatory_core::Package;
    use rogatory_core::container::Container;
    use std::io::Cursor;
    let w = world();
    let pkg = sealed(&w, OnwardConsent::None);
    let layout = Container::parse(Cursor::new(pkg.clone())).unwrap();
    for field in [0usize, 1] {
        let (offset, len) = layout.bodies[field].unwrap();
        let mut changed = pkg.clone();
        changed[(offset + len / 2) as usize] ^= 1;
        let mut h = rogatory_redact::HeldPackage::new(
            Package::parse(Cursor::new(pkg.clone())).unwrap(),
            Cursor::new(changed),
            &w.redactor,
            &w.trust,
            NOW,
        )
        .unwrap();
        let plan = h
            .plan(&Request {
                drop_segments: vec![("chat.txt".into(), parse_ranges("1").unwrap())],
                ..Request::default()
            })
            .unwrap();
        let err = h
            .redact(
                &plan,
                &text("third party"),
                &text("Art. 12 MLA treaty"),
                Vec::new(),
                &mut rng(7),
            )
            .unwrap_err();
        assert!(
            matches!(
                err,
                RedactError::Core(CoreError::Decryption { .. } | CoreError::Tampered { .. })
            ),
            "field {field}: {err:?}"
        );
    }
}
