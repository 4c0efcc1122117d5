//! The chain of custody (spec §10): appending events in place, receipts, and
//! every way of forging, reordering, moving or shortening a chain, each
//! caught with an error that names the event and the rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::io::Cursor;

use common::*;
use proptest::prelude::*;
use rogatory_core::actions::{Details, append_event, bytes_digest, receive, verify_receipt};
use rogatory_core::container::Parts;
use rogatory_core::custody::{ChainHead, event_hash, sign_event};
use rogatory_core::{CoreError, Identity, Key32, Package, Signer, TrustStore};
use rogatory_wire::*;

/// A package and the keys to extend its chain in memory.
struct Chain {
    parts: Parts,
    meta: Key32,
    digest: Digest,
}

impl Chain {
    fn new(w: &World, seed: u8) -> Self {
        let pkg = sealed(w, seed);
        let u = Package::parse(Cursor::new(pkg.clone()))
            .unwrap()
            .verify(&w.trust)
            .unwrap()
            .unlock(&w.sender, NOW)
            .unwrap();
        Self {
            meta: u.bundle().metadata_key.duplicate(),
            digest: u.package().digest(),
            parts: Parts::read(Cursor::new(pkg)).unwrap(),
        }
    }

    fn head(&self) -> ChainHead {
        ChainHead::of(self.parts.events.last().unwrap()).unwrap()
    }

    fn sign(
        &self,
        who: &Identity,
        prev: Option<ChainHead>,
        t: i64,
        body: EventBody,
        seed: u8,
    ) -> CustodyEvent {
        sign_event(
            who,
            &self.meta,
            &self.parts.prelude.package_id,
            self.digest,
            prev,
            Timestamp((NOW.0 as i64 + t) as u64),
            body,
            &Details::default().for_actor(who.party()),
            &mut rng(seed),
        )
        .unwrap()
    }

    fn push(&mut self, who: &Identity, t: i64, body: EventBody, seed: u8) {
        let ev = self.sign(who, Some(self.head()), t, body, seed);
        self.parts.events.push(ev);
    }

    fn bytes(&self) -> Vec<u8> {
        self.parts.assemble().unwrap()
    }

    fn verify(
        &self,
        trust: &TrustStore,
    ) -> Result<rogatory_core::VerifiedPackage<Cursor<Vec<u8>>>, CoreError> {
        Package::parse(Cursor::new(self.bytes()))?.verify(trust)
    }
}

/// sealed → sent to alice → received by alice → note by alice.
fn delivered(w: &World, seed: u8) -> Chain {
    let mut c = Chain::new(w, seed);
    c.push(
        &w.sender,
        10,
        EventBody::Sent {
            receiver: w.alice.key_id(),
        },
        1,
    );
    c.push(
        &w.alice,
        20,
        EventBody::Received {
            bytes_digest: Digest([1; 32]),
            ledger_head: Digest::ZERO,
        },
        2,
    );
    c.push(&w.alice, 30, EventBody::Note, 3);
    c
}

fn rule_of(e: CoreError) -> (u64, String) {
    match e {
        CoreError::Custody {
            sequence,
            rule,
            detail,
        } => (sequence, format!("{rule}: {detail}")),
        other => panic!("expected a custody error, got {other}"),
    }
}

#[test]
fn a_delivered_chain_verifies_and_reads_in_order() {
    let w = world();
    let c = delivered(&w, 40);
    let v = c.verify(&w.trust).unwrap();
    let kinds: Vec<_> = v
        .report()
        .custody
        .iter()
        .map(|e| (e.kind, e.actor_party.to_string()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("sealed", "de.bka"),
            ("sent", "de.bka"),
            ("received", "fr.pnat"),
            ("note", "fr.pnat")
        ]
        .map(|(k, p)| (k, p.to_string()))
    );
    // With a key, the sealed details open and name their actors.
    assert!(c.verify(&w.trust).unwrap().unlock(&w.bob, NOW).is_ok());
}

#[test]
fn custody_reordered() {
    let w = world();
    let mut c = delivered(&w, 41);
    c.parts.events.swap(2, 3);
    let (seq, rule) = rule_of(c.verify(&w.trust).unwrap_err());
    assert_eq!(seq, 2);
    assert!(rule.contains("sequence"), "{rule}");
}

#[test]
fn custody_dropped_middle() {
    let w = world();
    let mut c = delivered(&w, 42);
    c.parts.events.remove(2);
    let (seq, rule) = rule_of(c.verify(&w.trust).unwrap_err());
    assert_eq!(seq, 2);
    assert!(rule.contains("sequence"), "{rule}");
}

#[test]
fn custody_dropped_tail_is_caught_by_the_session_not_the_file() {
    // A file whose tail is cut still verifies on its own: the receiver's
    // transport requires the last event to be the peer's `sent`, and a
    // receipt names the exact bytes. Here: the cut copy fails the receipt.
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.rgt");
    std::fs::write(&path, sealed(&w, 43)).unwrap();
    append_event(
        &path,
        &w.sender,
        &w.trust,
        Timestamp(NOW.0 + 5),
        EventBody::Sent {
            receiver: w.alice.key_id(),
        },
        Details::default(),
        &mut rng(1),
    )
    .unwrap();
    let offered = bytes_digest(&path).unwrap();
    let alice_copy = dir.path().join("alice.rgt");
    std::fs::copy(&path, &alice_copy).unwrap();
    let receipt = receive(
        &alice_copy,
        &w.alice,
        &w.trust,
        Timestamp(NOW.0 + 6),
        offered,
        Digest::ZERO,
        None,
        &mut rng(2),
    )
    .unwrap();
    assert!(verify_receipt(&path, &receipt, &w.trust).is_ok());
    // The sender's copy without its `sent` event: the receipt no longer fits.
    let mut p = Parts::read(std::fs::File::open(&path).unwrap()).unwrap();
    p.events.pop();
    let cut = dir.path().join("cut.rgt");
    std::fs::write(&cut, p.assemble().unwrap()).unwrap();
    assert!(verify_receipt(&cut, &receipt, &w.trust).is_err());
}

#[test]
fn custody_moved_from_other_package() {
    let w = world();
    let mut c = delivered(&w, 44);
    let other = delivered(&w, 45);
    c.parts.events[3] = other.parts.events[3].clone();
    let (seq, rule) = rule_of(c.verify(&w.trust).unwrap_err());
    assert_eq!(seq, 3);
    assert!(rule.contains("another package"), "{rule}");
}

#[test]
fn custody_forged_signature() {
    let w = world();
    let mut c = delivered(&w, 46);
    c.parts.events[3].signature.0[5] ^= 1;
    let (seq, rule) = rule_of(c.verify(&w.trust).unwrap_err());
    assert_eq!(seq, 3);
    assert!(rule.contains("signature"), "{rule}");
}

#[test]
fn custody_fork() {
    // Two events in one file that both follow event 1.
    let w = world();
    let mut c = delivered(&w, 47);
    let after_sent = ChainHead::of(&c.parts.events[1]).unwrap();
    // It claims the position after the received event in the file.
    let fork = c.sign(
        &w.bob,
        Some(ChainHead {
            sequence: 2,
            ..after_sent
        }),
        25,
        EventBody::Note,
        9,
    );
    c.parts.events[3] = fork;
    let (seq, rule) = rule_of(c.verify(&w.trust).unwrap_err());
    assert_eq!(seq, 3);
    assert!(rule.contains("fork"), "{rule}");
}

#[test]
fn custody_unknown_actor() {
    let w = world();
    let stranger = party("zz.unknown", 77);
    let mut c = delivered(&w, 48);
    c.push(&stranger, 40, EventBody::Note, 4);
    let (seq, rule) = rule_of(c.verify(&w.trust).unwrap_err());
    assert_eq!(seq, 4);
    assert!(rule.contains("unknown actor"), "{rule}");
}

#[test]
fn custody_time_goes_back() {
    let w = world();
    let mut c = delivered(&w, 49);
    // 301 s before the latest event (skew is 300 s).
    c.push(&w.alice, 30 - 301, EventBody::Note, 5);
    let (seq, rule) = rule_of(c.verify(&w.trust).unwrap_err());
    assert_eq!(seq, 4);
    assert!(rule.contains("time goes back"), "{rule}");
    // Within the skew is fine.
    let mut ok = delivered(&w, 49);
    ok.push(&w.alice, 30 - 299, EventBody::Note, 5);
    assert!(ok.verify(&w.trust).is_ok());
}

#[test]
fn custody_received_without_sent() {
    let w = world();
    let mut c = Chain::new(&w, 50);
    c.push(
        &w.bob,
        10,
        EventBody::Received {
            bytes_digest: Digest([1; 32]),
            ledger_head: Digest::ZERO,
        },
        6,
    );
    let (seq, rule) = rule_of(c.verify(&w.trust).unwrap_err());
    assert_eq!(seq, 1);
    assert!(rule.contains("without a `sent`"), "{rule}");
    // A receipt by another party than the one the send names.
    let mut c = Chain::new(&w, 51);
    c.push(
        &w.sender,
        10,
        EventBody::Sent {
            receiver: w.alice.key_id(),
        },
        7,
    );
    c.push(
        &w.bob,
        20,
        EventBody::Received {
            bytes_digest: Digest([1; 32]),
            ledger_head: Digest::ZERO,
        },
        8,
    );
    assert!(
        rule_of(c.verify(&w.trust).unwrap_err())
            .1
            .contains("without a `sent`")
    );
}

#[test]
fn two_sends_to_two_receivers_are_two_copies_not_a_fork() {
    // Each destination's copy has its own `sent`; each copy verifies.
    let w = world();
    let mut to_alice = Chain::new(&w, 52);
    let mut to_bob = Chain::new(&w, 52);
    to_alice.push(
        &w.sender,
        10,
        EventBody::Sent {
            receiver: w.alice.key_id(),
        },
        10,
    );
    to_bob.push(
        &w.sender,
        10,
        EventBody::Sent {
            receiver: w.bob.key_id(),
        },
        11,
    );
    assert!(to_alice.verify(&w.trust).is_ok());
    assert!(to_bob.verify(&w.trust).is_ok());
}

#[test]
fn custody_envelope_swapped_without_redaction() {
    // A forwarder re-envelopes and swaps field 2's ciphertext for another.
    let w = world();
    let mut c = Chain::new(&w, 53);
    let mut env = match &c.parts.events[0].clear.body {
        EventBody::Sealed { envelope } => envelope.clone(),
        _ => unreachable!(),
    };
    if let FieldBody::Present {
        ciphertext_digest, ..
    } = &mut env.fields[2].body
    {
        ciphertext_digest.0[0] ^= 1;
    }
    env.recipients.truncate(2);
    c.push(
        &w.alice,
        10,
        EventBody::Forwarded {
            receiver: w.bob.key_id(),
            envelope: env,
        },
        12,
    );
    let (seq, rule) = rule_of(c.verify(&w.trust).unwrap_err());
    assert_eq!(seq, 1);
    assert!(
        rule.contains("without a `redacted` event naming it"),
        "{rule}"
    );
}

#[test]
fn every_hop_keeps_its_stanza_count_and_the_seal_covers_every_segment() {
    let w = world();
    let sealed_env = |c: &Chain| match &c.parts.events[0].clear.body {
        EventBody::Sealed { envelope } => envelope.clone(),
        _ => unreachable!(),
    };
    // A forward that keeps three stanzas (someone else's keys riding along).
    let mut c = Chain::new(&w, 57);
    let env = sealed_env(&c);
    c.push(
        &w.alice,
        10,
        EventBody::Forwarded {
            receiver: w.bob.key_id(),
            envelope: env,
        },
        16,
    );
    let (seq, rule) = rule_of(c.verify(&w.trust).unwrap_err());
    assert_eq!(seq, 1);
    assert!(rule.contains("2 expected"), "{rule}");
    // A sender who seals a field without one of its segments.
    let mut c = Chain::new(&w, 58);
    let mut env = sealed_env(&c);
    if let FieldBody::Present { segments, .. } = &mut env.fields[2].body {
        *segments = SegmentSet::from_indices(vec![0, 1]).unwrap();
    }
    let sealed = c.sign(&w.sender, None, 0, EventBody::Sealed { envelope: env }, 17);
    c.parts.events[0] = sealed;
    let (seq, rule) = rule_of(c.verify(&w.trust).unwrap_err());
    assert_eq!(seq, 0);
    assert!(rule.contains("without every one of its segments"), "{rule}");
}

#[test]
fn custody_sealed_details_nonce_reused() {
    // Two events with one details salt: with the same kind, sequence and
    // actor that would repeat a key and nonce; any repeat is refused.
    let w = world();
    let mut c = delivered(&w, 54);
    let salt = c.parts.events[3].clear.details_salt;
    let head = c.head();
    let mut ev = c.sign(&w.alice, Some(head), 40, EventBody::Note, 13);
    ev.clear.details_salt = salt;
    // Re-sign honestly with the reused salt.
    let re = {
        let msg = rogatory_core::custody::event_message(&ev.clear, ev.details.as_slice()).unwrap();
        w.alice.sign(&msg).unwrap()
    };
    ev.signature = re;
    c.parts.events.push(ev);
    let (seq, rule) = rule_of(c.verify(&w.trust).unwrap_err());
    assert_eq!(seq, 4);
    assert!(rule.contains("salt reused"), "{rule}");
}

#[test]
fn an_expired_key_cannot_hide_behind_its_own_timestamp() {
    // The sender's card ends at t0; its events are dated before t0, but the
    // receiver countersigns a receipt long after: refused.
    let mut w = world();
    // A receiver whose card outlives the sender's.
    let late_receiver = Identity::from_secrets(
        PartyId::new("it.gdf").unwrap(),
        &Key32::from_bytes([9; 32]),
        &Key32::from_bytes([109; 32]),
        Digest([9; 32]),
        None,
        Timestamp(1_700_000_000),
        Timestamp(2_100_000_000),
    )
    .unwrap();
    w.trust.add(late_receiver.card().clone(), vec![]).unwrap();
    let card_end = w.sender.card().body.not_after.0;
    let late = (card_end - NOW.0 + 10_000) as i64;
    let received_at = |t: i64| {
        let mut c = Chain::new(&w, 55);
        c.push(
            &w.sender,
            10,
            EventBody::Sent {
                receiver: late_receiver.key_id(),
            },
            14,
        );
        c.push(
            &late_receiver,
            t,
            EventBody::Received {
                bytes_digest: Digest([1; 32]),
                ledger_head: Digest::ZERO,
            },
            15,
        );
        c.verify(&w.trust).map(|_| ())
    };
    let (seq, rule) = rule_of(received_at(late).unwrap_err());
    assert_eq!(seq, 0);
    assert!(rule.contains("expired before the receipt"), "{rule}");
    // Received while the sender's card was still valid: fine.
    assert!(received_at(20).is_ok());
}

#[test]
fn append_and_receipt_on_files() {
    let w = world();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.rgt");
    std::fs::write(&path, sealed(&w, 56)).unwrap();
    let sent = append_event(
        &path,
        &w.sender,
        &w.trust,
        Timestamp(NOW.0 + 5),
        EventBody::Sent {
            receiver: w.alice.key_id(),
        },
        Details::default(),
        &mut rng(3),
    )
    .unwrap();
    assert_eq!(sent.clear.sequence, 1);
    let offered = bytes_digest(&path).unwrap();
    let alice_copy = dir.path().join("alice.rgt");
    std::fs::copy(&path, &alice_copy).unwrap();
    let receipt = receive(
        &alice_copy,
        &w.alice,
        &w.trust,
        Timestamp(NOW.0 + 6),
        offered,
        Digest([7; 32]),
        Some(w.sender.party().clone()),
        &mut rng(4),
    )
    .unwrap();
    let report = verify_receipt(&path, &receipt, &w.trust).unwrap();
    assert_eq!(report.receiver.as_str(), "fr.pnat");
    assert_eq!(report.ledger_head, Digest([7; 32]));
    assert_eq!(report.receipt_hash, event_hash(&receipt).unwrap());
    // The receiver's copy verifies with the receipt as its last event.
    let v = Package::open(&alice_copy)
        .unwrap()
        .verify(&w.trust)
        .unwrap();
    assert_eq!(v.report().custody.last().unwrap().kind, "received");
    // A receipt naming other bytes.
    let mut wrong = receipt.clone();
    if let EventBody::Received { bytes_digest, .. } = &mut wrong.clear.body {
        bytes_digest.0[0] ^= 1;
    }
    assert!(verify_receipt(&path, &wrong, &w.trust).is_err());
    // Bob cannot countersign alice's delivery.
    let bob_copy = dir.path().join("bob.rgt");
    std::fs::copy(&path, &bob_copy).unwrap();
    assert!(
        receive(
            &bob_copy,
            &w.bob,
            &w.trust,
            Timestamp(NOW.0 + 6),
            offered,
            Digest::ZERO,
            None,
            &mut rng(5)
        )
        .is_err()
    );
}

#[derive(Debug, Clone)]
enum Step {
    Note { by_alice: bool },
    Delivery,
}

#[derive(Debug, Clone, Copy)]
enum Mutation {
    Swap(usize),
    Drop(usize),
    FlipSignature(usize),
    FlipClear(usize),
    Duplicate(usize),
}

fn build(w: &World, steps: &[Step]) -> Chain {
    let mut c = Chain::new(w, 60);
    let mut t = 0;
    let mut seed = 100u8;
    for s in steps {
        t += 7;
        seed = seed.wrapping_add(2);
        match s {
            Step::Note { by_alice } => c.push(
                if *by_alice { &w.alice } else { &w.sender },
                t,
                EventBody::Note,
                seed,
            ),
            Step::Delivery => {
                c.push(
                    &w.sender,
                    t,
                    EventBody::Sent {
                        receiver: w.bob.key_id(),
                    },
                    seed,
                );
                c.push(
                    &w.bob,
                    t + 1,
                    EventBody::Received {
                        bytes_digest: Digest([seed; 32]),
                        ledger_head: Digest::ZERO,
                    },
                    seed.wrapping_add(1),
                );
            }
        }
    }
    c
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        any::<bool>().prop_map(|by_alice| Step::Note { by_alice }),
        Just(Step::Delivery)
    ]
}

fn mutation(n: usize) -> impl Strategy<Value = Mutation> {
    // Index 0 is `sealed`; mutations may hit any event.
    prop_oneof![
        (0..n - 1).prop_map(Mutation::Swap),
        (0..n).prop_map(Mutation::Drop),
        (0..n).prop_map(Mutation::FlipSignature),
        (0..n).prop_map(Mutation::FlipClear),
        (0..n).prop_map(Mutation::Duplicate),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random valid chains verify; any single mutation of one is caught.
    #[test]
    fn random_chains_and_single_mutations(steps in proptest::collection::vec(step(), 1..6), pick in any::<prop::sample::Index>(), kind in 0u8..5) {
        let w = world();
        let c = build(&w, &steps);
        prop_assert!(c.verify(&w.trust).is_ok());
        let n = c.parts.events.len();
        let m = match kind {
            0 => Mutation::Swap(pick.index(n - 1)),
            1 => Mutation::Drop(pick.index(n)),
            2 => Mutation::FlipSignature(pick.index(n)),
            3 => Mutation::FlipClear(pick.index(n)),
            _ => Mutation::Duplicate(pick.index(n)),
        };
        let _ = mutation(n);
        let mut bad = Chain { parts: c.parts.clone(), meta: c.meta.duplicate(), digest: c.digest };
        let ev = &mut bad.parts.events;
        match m {
            Mutation::Swap(i) => ev.swap(i, i + 1),
            Mutation::Drop(i) => {
                if i + 1 == n {
                    // A dropped tail is caught by the session and receipts,
                    // not by the file alone (see custody_dropped_tail...).
                    return Ok(());
                }
                ev.remove(i);
            }
            Mutation::FlipSignature(i) => ev[i].signature.0[3] ^= 0x10,
            Mutation::FlipClear(i) => ev[i].clear.time.0 ^= 1,
            Mutation::Duplicate(i) => {
                let e = ev[i].clone();
                ev.insert(i + 1, e);
            }
        }
        let res = bad.parts.assemble().map_err(|e| e.to_string()).and_then(|b| {
            Package::parse(Cursor::new(b)).and_then(|p| p.verify(&w.trust)).map(|_| ()).map_err(|e| e.to_string())
        });
        prop_assert!(res.is_err(), "mutation {m:?} of {steps:?} went unnoticed");
    }
}

/// Spec §10.7: a tail cut at rest verifies on its own, and is found by
/// whoever holds the receipt (events up to it) or the ledger of the party
/// that appended the events in place.
#[test]
fn custody_tail_cut_at_rest_is_found_by_the_receipt_and_the_ledger() {
    use rogatory_core::custody::{check_ledger_in_chain, check_receipt_in_chain, event_ref};
    use rogatory_core::ledger::{self, Ledger, Record};
    let w = world();
    let c = delivered(&w, 60);
    let events = c.parts.events.clone();
    let receipt = events[2].clone();
    // alice records her receipt and her note in her ledger.
    let dir = tempfile::tempdir().unwrap();
    let mut l = Ledger::open(dir.path(), &w.alice).unwrap();
    for (ev, action) in [
        (&events[2], LedgerAction::Received),
        (&events[3], LedgerAction::Note),
    ] {
        let mut r = Record::new(NOW, action, c.parts.prelude.package_id, c.digest);
        r.event = Some(event_ref(ev).unwrap());
        l.append(&w.alice, r).unwrap();
    }
    let lines = ledger::entries(dir.path()).unwrap();
    // The whole chain holds both.
    check_receipt_in_chain(&events, &c.digest, &receipt).unwrap();
    assert_eq!(
        check_ledger_in_chain(&events, &c.digest, &lines).unwrap(),
        2
    );

    // The note cut: the copy verifies, the receipt is still there, the
    // ledger finds the cut.
    let mut cut = Chain {
        parts: Parts::read(Cursor::new(c.bytes())).unwrap(),
        meta: c.meta.duplicate(),
        digest: c.digest,
    };
    cut.parts.events.truncate(3);
    cut.verify(&w.trust).unwrap();
    check_receipt_in_chain(&cut.parts.events, &c.digest, &receipt).unwrap();
    let (seq, rule) =
        rule_of(check_ledger_in_chain(&cut.parts.events, &c.digest, &lines).unwrap_err());
    assert_eq!(seq, 3);
    assert!(
        rule.starts_with("cut: ledger line 1 records a `note`"),
        "{rule}"
    );

    // The receipt cut too: the receipt finds it (and so does the ledger).
    cut.parts.events.truncate(2);
    cut.verify(&w.trust).unwrap();
    let (seq, rule) =
        rule_of(check_receipt_in_chain(&cut.parts.events, &c.digest, &receipt).unwrap_err());
    assert_eq!(seq, 2);
    assert!(
        rule.starts_with("cut: this copy holds 2 event(s)"),
        "{rule}"
    );
    assert!(check_ledger_in_chain(&cut.parts.events, &c.digest, &lines).is_err());

    // A receipt of another package is no evidence about this one.
    let other = delivered(&w, 61);
    let (_, rule) =
        rule_of(check_receipt_in_chain(&events, &c.digest, &other.parts.events[2]).unwrap_err());
    assert!(rule.starts_with("receipt:"), "{rule}");
}

/// THREATS #11 across copies: one actor signing two different events at
/// one position of one history is equivocation; sends of one package to two
/// receivers, and different parties appending to their own copies, are not.
#[test]
fn custody_equivocation_across_copies_is_flagged() {
    use rogatory_core::custody::compare_copies;
    let w = world();
    let base = Chain::new(&w, 62);
    let copy = |body: EventBody, who: &Identity, seed: u8| {
        let mut c = Chain {
            parts: Parts::read(Cursor::new(base.bytes())).unwrap(),
            meta: base.meta.duplicate(),
            digest: base.digest,
        };
        c.push(who, 10, body, seed);
        c
    };
    let to_alice = copy(
        EventBody::Sent {
            receiver: w.alice.key_id(),
        },
        &w.sender,
        70,
    );
    let to_bob = copy(
        EventBody::Sent {
            receiver: w.bob.key_id(),
        },
        &w.sender,
        71,
    );
    let noted = copy(EventBody::Note, &w.sender, 72);
    let alice_notes = copy(EventBody::Note, &w.alice, 73);
    // One package sent to two receivers: not equivocation.
    let d = compare_copies(&to_alice.parts.events, &to_bob.parts.events)
        .unwrap()
        .unwrap();
    assert_eq!((d.sequence, d.same_prev), (1, true));
    // A copy and its own continuation: one is a prefix of the other.
    assert!(
        compare_copies(&base.parts.events, &to_alice.parts.events)
            .unwrap()
            .is_none()
    );
    // Two parties appending to their own copies: ordinary divergence.
    assert!(
        compare_copies(&noted.parts.events, &alice_notes.parts.events)
            .unwrap()
            .is_some()
    );
    // The sender signs a send to alice in one copy and a note in another
    // at the same position of the same history: equivocation.
    let (seq, rule) =
        rule_of(compare_copies(&to_alice.parts.events, &noted.parts.events).unwrap_err());
    assert_eq!(seq, 1);
    assert!(rule.starts_with("equivocation: one actor"), "{rule}");
    // Two different sends to the same receiver: equivocation too.
    let again = copy(
        EventBody::Sent {
            receiver: w.alice.key_id(),
        },
        &w.sender,
        74,
    );
    assert!(compare_copies(&to_alice.parts.events, &again.parts.events).is_err());
}

/// THREATS #17, revocation (spec §3.7): what a revoked key signed from its
/// compromise time on is refused, judged by the time a receiver
/// countersigned it where one did, else by the time it states.
#[test]
fn key_compromise_revocation_flags_what_the_key_signed_after_the_compromise() {
    use rogatory_core::lifecycle::sign_revocation;
    let w = world();
    let c = delivered(&w, 63); // sealed 0, sent +10, received +20 (alice), note +30 (alice)
    let mut chain = Chain {
        parts: Parts::read(Cursor::new(c.bytes())).unwrap(),
        meta: c.meta.duplicate(),
        digest: c.digest,
    };
    chain.push(&w.sender, 40, EventBody::Note, 64); // de.bka, after the receipt
    let t = |d: u64| Timestamp(NOW.0 + d);
    let revoked_at = |compromised: Timestamp| {
        let mut trust = w.trust.clone();
        let r = sign_revocation(
            &w.sender,
            w.sender.card(),
            compromised,
            t(100),
            ShortText::new("key copied from a seized laptop").unwrap(),
        )
        .unwrap();
        trust.revoke(r).unwrap();
        trust
    };
    // Compromised before the receipt (+15): the sealed event, countersigned
    // only at +20, can no longer be told from a forgery.
    let (seq, rule) = rule_of(chain.verify(&revoked_at(t(15))).unwrap_err());
    assert_eq!(seq, 0);
    assert!(rule.starts_with("revoked:"), "{rule}");
    assert!(rule.contains("when a receiver countersigned it"), "{rule}");
    // Compromised at +25: everything up to the receipt is countersigned
    // before it; de.bka's note at +40, after the last receipt, is judged by
    // the time it states.
    let (seq, rule) = rule_of(chain.verify(&revoked_at(t(25))).unwrap_err());
    assert_eq!(seq, 4);
    assert!(rule.contains("no receipt countersigned it"), "{rule}");
    // Compromised at +50: nothing was signed after it.
    chain.verify(&revoked_at(t(50))).unwrap();
    // A revoked key is never a current card.
    assert!(revoked_at(t(50)).current(w.sender.party(), t(60)).is_err());
}

/// Spec §3.7: a revocation is accepted from the key itself or from a
/// revocation authority the store designates, from nobody else.
#[test]
fn a_revocation_counts_only_from_the_key_or_a_designated_authority() {
    use rogatory_core::lifecycle::sign_revocation;
    let w = world();
    let by = |issuer: &Identity| {
        sign_revocation(
            issuer,
            w.sender.card(),
            NOW,
            NOW,
            ShortText::new("").unwrap(),
        )
        .unwrap()
    };
    let mut trust = w.trust.clone();
    let err = trust.revoke(by(&w.bob)).unwrap_err();
    assert!(
        err.to_string()
            .contains("neither the revoked key nor a revocation authority"),
        "{err}"
    );
    trust
        .set_revocation_authority(&w.bob.key_id(), true)
        .unwrap();
    trust.revoke(by(&w.bob)).unwrap();
    assert!(trust.revocation(&w.sender.key_id()).is_some());
    // The store keeps it: written and read back, checked again.
    let back = TrustStore::parse(&trust.to_toml().unwrap()).unwrap();
    assert_eq!(back, trust);
    // A forged statement (signature of another key) is refused when loaded.
    let mut forged = by(&w.bob);
    forged.signature.0[0] ^= 1;
    let mut t2 = w.trust.clone();
    t2.set_revocation_authority(&w.bob.key_id(), true).unwrap();
    assert!(t2.revoke(forged).is_err());
}

/// Spec §3.6: a successor signed by its predecessor is trusted through it,
/// takes over its clearances and retires it; packages and custody by either
/// key verify across the rotation; a successor the predecessor did not sign
/// is refused.
#[test]
fn key_rotation_across_a_packages_life() {
    use rogatory_core::lifecycle::sign_rotation;
    let w = world();
    let old_pkg = delivered(&w, 65);
    let successor = party("fr.pnat", 42);
    let rotation = sign_rotation(&w.alice, successor.card(), NOW).unwrap();
    let mut trust = w.trust.clone();
    let k = trust.add_successor(rotation.clone()).unwrap();
    assert_eq!(k, successor.key_id());
    let entry = trust.require(&k).unwrap();
    assert_eq!(
        entry.clearances,
        w.trust.require(&w.alice.key_id()).unwrap().clearances
    );
    assert!(trust.require(&w.alice.key_id()).unwrap().retired);
    assert_eq!(trust.current(w.alice.party(), NOW).unwrap().key_id, k);
    // The old package, with the old key's events, verifies; the new key
    // appends to it (a note after the rotation) and the chain verifies.
    let mut c = Chain {
        parts: Parts::read(Cursor::new(old_pkg.bytes())).unwrap(),
        meta: old_pkg.meta.duplicate(),
        digest: old_pkg.digest,
    };
    c.verify(&trust).unwrap();
    c.push(&successor, 50, EventBody::Note, 66);
    c.verify(&trust).unwrap();
    // The store keeps the statement and checks it when read back.
    let back = TrustStore::parse(&trust.to_toml().unwrap()).unwrap();
    assert_eq!(back.rotation(&k), Some(&rotation));
    // A successor signed by another key than its predecessor's is refused.
    let mut forged = rotation.clone();
    forged.signature = w.bob.sign(b"anything").unwrap();
    let err = w.trust.clone().add_successor(forged).unwrap_err();
    assert!(
        err.to_string()
            .contains("not signed by the predecessor's key"),
        "{err}"
    );
    // A successor of another party is refused.
    let other = party("nl.om", 43);
    let mut cross = rotation;
    cross.body.successor = other.card().clone();
    assert!(w.trust.clone().add_successor(cross).is_err());
}
