//! The whole path of issue 5: a package sealed by A (de.bka), redacted by B
//! (fr.pnat), forwarded to C (nl.om) verifies at C — A's signature, B's
//! redaction, the whole chain, the onward consent — and C reads exactly the
//! segments left to it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::fs;

use common::*;
use rogatory_core::{CoreError, Package};
use rogatory_redact::{
    Category, HeldPackage, Policy, Request, check_without_key, create_atomically, parse_ranges,
};
use rogatory_wire::{FieldBody, PartyId};

#[test]
fn sealed_by_a_redacted_by_b_forwarded_to_c_verifies_at_c() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("evidence.rgt");
    fs::write(&original, sealed(&w, only_to(&["nl.om"]))).unwrap();

    // B: drop subscriber.csv, segment 4 of chat.txt, and every chat line in
    // which a detector finds an e-mail address or a phone number.
    let redacted = dir.path().join("redacted.rgt");
    let report = {
        let mut h = HeldPackage::open(&original, &w.redactor, &w.trust, NOW).unwrap();
        let request = Request {
            drop_fields: vec!["subscriber.csv".into()],
            drop_segments: vec![("chat.txt".into(), parse_ranges("4").unwrap())],
            policy: Policy::detect("pii", &[Category::Email, Category::Phone]).unwrap(),
        };
        let plan = h.plan(&request).unwrap();
        assert_eq!(plan.fields.len(), 2);
        assert_eq!(
            rogatory_redact::format_ranges(&plan.fields[0].removes),
            "1,3-4"
        );
        assert!(plan.fields[1].whole);
        create_atomically(&redacted, |out| {
            h.redact(
                &plan,
                &text("not for the receiving authority"),
                &text("Art. 12 MLA treaty"),
                out,
                &mut rng(40),
            )
            .map(|w| w.report)
        })
        .unwrap()
    };
    assert_eq!(report.event_sequence, 1);
    assert_eq!(report.removed.len(), 2);
    assert_eq!(report.removed[0].kept, "0,2,5");

    // B forwards the redacted package to C.
    let forwarded = dir.path().join("forwarded.rgt");
    let report = {
        let mut h = HeldPackage::open(&redacted, &w.redactor, &w.trust, NOW).unwrap();
        create_atomically(&forwarded, |out| {
            h.forward(
                &PartyId::new("nl.om").unwrap(),
                None,
                Some(&text("Art. 26 MLA treaty")),
                out,
                &mut rng(41),
            )
            .map(|w| w.report)
        })
        .unwrap()
    };
    assert_eq!(report.receiver.as_ref().unwrap().as_str(), "nl.om");
    assert_eq!(report.receiver_reads, vec!["chat.txt".to_owned()]);
    assert!(!report.notice_required);

    // C verifies everything: keyless, then with its key.
    let pkg = Package::open(&forwarded).unwrap();
    check_without_key(&pkg).unwrap();
    let verified = pkg.verify(&w.trust).unwrap();
    assert_eq!(verified.report().sender.as_str(), "de.bka");
    let kinds: Vec<&str> = verified.report().custody.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["sealed", "redacted", "forwarded"]);
    let parties: Vec<&str> = verified
        .report()
        .custody
        .iter()
        .map(|e| e.actor_party.as_str())
        .collect();
    assert_eq!(parties, ["de.bka", "fr.pnat", "fr.pnat"]);
    let mut unlocked = verified.unlock(&w.third, NOW).unwrap();
    let onward = unlocked.onward().clone();
    assert_eq!(onward.forwards.len(), 1);
    assert_eq!(onward.forwards[0].receiver.as_str(), "nl.om");
    assert_eq!(
        unlocked.report().metadata.as_ref().unwrap().readable,
        vec![0],
        "C holds a key for chat.txt only"
    );

    // C reads exactly the segments left to it.
    let mut out = Vec::new();
    unlocked.open_field(0, &mut out).unwrap();
    let expected = [CHAT_LINES[0], CHAT_LINES[2], CHAT_LINES[5]].concat();
    assert_eq!(String::from_utf8(out).unwrap(), expected);
    assert!(matches!(
        unlocked.open_field(1, &mut Vec::new()),
        Err(CoreError::NotCleared { .. } | CoreError::Usage(_))
    ));
    assert!(unlocked.trailer_field_is_removed(1));
    assert!(matches!(
        unlocked.open_field(2, &mut Vec::new()),
        Err(CoreError::NotCleared { .. })
    ));

    // The disk image C cannot read travelled byte for byte unchanged.
    let before = parts(&fs::read(&original).unwrap());
    let after = parts(&fs::read(&forwarded).unwrap());
    assert_eq!(before.bodies[2], after.bodies[2]);
    assert_eq!(before.trailer.fields[2], after.trailer.fields[2]);
    assert_eq!(after.trailer.stanzas.len(), 2);
    assert_eq!(
        before.trailer.leaves, after.trailer.leaves,
        "every leaf kept"
    );
    assert_eq!(before.trailer.signature, after.trailer.signature);

    // And C, in turn, holds it: it can redact further.
    let h = HeldPackage::open(&forwarded, &w.third, &w.trust, NOW).unwrap();
    assert!(h.readable(0) && !h.readable(1) && !h.readable(2));
}

trait RemovedProbe {
    fn trailer_field_is_removed(&self, i: usize) -> bool;
}

impl<R: std::io::Read + std::io::Seek + Send> RemovedProbe for rogatory_core::UnlockedPackage<R> {
    fn trailer_field_is_removed(&self, i: usize) -> bool {
        matches!(self.package().trailer().fields[i].body, FieldBody::Removed)
    }
}
