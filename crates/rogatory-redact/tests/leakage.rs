//! Declared leakage (spec §12.8, THREATS.md #9): a redacted package holds
//! nothing of what was removed, and two packages that differ only in
//! redacted content give redacted packages that differ only where the spec
//! says they may.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::*;
use rogatory_redact::Request;
use rogatory_wire::{EventBody, FieldBody, OnwardConsent};

const SECRET: &str = "2026-01-02 bob: the informant is Jane Roe\n";
const OTHER: &str = "2026-01-02 bob: the informant is Max Mann\n";

fn chat_with(line3: &str) -> Vec<u8> {
    let mut lines = CHAT_LINES.to_vec();
    lines[3] = line3;
    lines.concat().into_bytes()
}

fn drop_line_3() -> Request {
    Request {
        drop_segments: vec![("chat.txt".into(), segs(&[3]))],
        ..Request::default()
    }
}

#[test]
fn removed_plaintext_and_salts_appear_nowhere() {
    let w = world();
    let pkg = sealed_with(&w, OnwardConsent::None, &chat_with(SECRET), 21);
    let before = bundle_of(&pkg, &w.redactor, &w.trust);
    let old = records(&pkg, before.field_keys[0].as_ref().unwrap(), 0);
    let (_, salt3, data3) = old.iter().find(|r| r.0 == 3).unwrap().clone();
    assert_eq!(data3, SECRET.as_bytes());

    let out = redact(&pkg, &w.redactor, &w.trust, &drop_line_3(), 22);
    let hash3 = blake3::hash(&data3);
    for (what, needle) in [
        ("the removed text", SECRET.as_bytes()),
        ("its salt", &salt3[..]),
        ("its BLAKE3 hash", hash3.as_bytes()),
        ("a piece of the text", b"informant is Jane".as_slice()),
    ] {
        assert!(
            !contains(&out, needle),
            "{what} appears in the redacted package"
        );
    }
    // Nor inside the re-encrypted field, for whoever holds its new key.
    let after = bundle_of(&out, &w.redactor, &w.trust);
    let new = records(&out, after.field_keys[0].as_ref().unwrap(), 0);
    assert_eq!(new.iter().map(|r| r.0).collect::<Vec<_>>(), [0, 1, 2, 4, 5]);
    for (i, salt, data) in &new {
        assert_ne!(salt, &salt3);
        assert!(!contains(data, b"Jane Roe"));
        // Every kept segment keeps its index, salt and bytes.
        assert!(old.contains(&(*i, *salt, data.clone())));
    }
    // The new key is not the old one.
    assert_ne!(
        after.field_keys[0].as_ref().unwrap().expose_secret(),
        before.field_keys[0].as_ref().unwrap().expose_secret()
    );
}

#[test]
fn packages_differing_only_in_redacted_content_differ_only_where_declared() {
    let w = world();
    assert_eq!(SECRET.len(), OTHER.len());
    let a = sealed_with(&w, OnwardConsent::None, &chat_with(SECRET), 23);
    let b = sealed_with(&w, OnwardConsent::None, &chat_with(OTHER), 23);
    assert_ne!(a, b);
    let ra = redact(&a, &w.redactor, &w.trust, &drop_line_3(), 24);
    let rb = redact(&b, &w.redactor, &w.trust, &drop_line_3(), 24);
    assert_eq!(ra.len(), rb.len(), "the same size");
    let (pa, pb) = (parts(&ra), parts(&rb));

    // Identical: prelude, every field body (the re-encrypted one too), the
    // metadata, the envelope, the stanza.
    assert_eq!(pa.prelude, pb.prelude);
    assert_eq!(pa.bodies, pb.bodies);
    assert_eq!(
        pa.trailer.metadata_ciphertext,
        pb.trailer.metadata_ciphertext
    );
    assert_eq!(
        pa.trailer.metadata_commitment,
        pb.trailer.metadata_commitment
    );
    assert_eq!(pa.trailer.fields, pb.trailer.fields);
    assert_eq!(pa.trailer.stanzas, pb.trailer.stanzas);

    // Declared: the removed segment's leaf (kept, salted) ...
    let (la, lb) = (&pa.trailer.leaves.fields, &pb.trailer.leaves.fields);
    for (f, (x, y)) in la.iter().zip(lb).enumerate() {
        for (s, (p, q)) in x.leaves.iter().zip(&y.leaves).enumerate() {
            assert_eq!(p == q, (f, s) != (0, 3), "leaf {f}/{s}");
        }
    }
    // ... and what is computed from it: the package digest and the
    // signatures over it, the event hashes and the details' tags.
    assert_ne!(
        pa.trailer.signature.signature,
        pb.trailer.signature.signature
    );
    assert_eq!(pa.trailer.signature.signer, pb.trailer.signature.signer);
    assert_eq!(pa.events.len(), pb.events.len());
    for (ea, eb) in pa.events.iter().zip(&pb.events) {
        let (ca, cb) = (&ea.clear, &eb.clear);
        assert_eq!(
            (ca.sequence, ca.actor, ca.time, ca.details_salt),
            (cb.sequence, cb.actor, cb.time, cb.details_salt)
        );
        assert_ne!(ca.package_digest, cb.package_digest);
        assert_eq!(ea.details.len(), eb.details.len());
        let tag = ea.details.len() - 16;
        assert_eq!(
            ea.details.as_slice()[..tag],
            eb.details.as_slice()[..tag],
            "details differ only in their tag"
        );
        match (&ca.body, &cb.body) {
            // Declared: the earlier envelope's digest of the field's
            // ciphertext before the redaction.
            (EventBody::Sealed { envelope: x }, EventBody::Sealed { envelope: y }) => {
                for (dx, dy) in x.fields.iter().zip(&y.fields) {
                    if dx.index == 0 {
                        let (
                            FieldBody::Present {
                                ciphertext_digest: gx,
                                ciphertext_len: lx,
                                segments: sx,
                                key_commitment: kx,
                                ..
                            },
                            FieldBody::Present {
                                ciphertext_digest: gy,
                                ciphertext_len: ly,
                                segments: sy,
                                key_commitment: ky,
                                ..
                            },
                        ) = (&dx.body, &dy.body)
                        else {
                            panic!("field 0 present at sealing")
                        };
                        assert_ne!(gx, gy);
                        assert_eq!((lx, sx, kx), (ly, sy, ky));
                    } else {
                        assert_eq!(dx, dy);
                    }
                }
                assert_eq!(x.stanzas_digest, y.stanzas_digest);
            }
            // Declared: a key proof signs the event's `prev`, which covers
            // the package digest.
            (
                EventBody::Redacted {
                    removed: x,
                    envelope: ex,
                },
                EventBody::Redacted {
                    removed: y,
                    envelope: ey,
                },
            ) => {
                assert_eq!(ex, ey);
                assert_eq!(x.len(), y.len());
                for (rx, ry) in x.iter().zip(y) {
                    assert_eq!((rx.field, &rx.segments), (ry.field, &ry.segments));
                    assert_eq!(rx.key_proof.is_some(), ry.key_proof.is_some());
                }
            }
            (x, y) => assert_eq!(x, y),
        }
    }
    // Byte for byte, the differences are few and all inside those places.
    let differing = ra.iter().zip(&rb).filter(|(x, y)| x != y).count();
    assert!(differing < 600, "{differing} bytes differ");
}
