//! A length or count of 2^64-1 is refused at once with a typed error, by
//! every top-level decoder, without allocating for it.
//!
//! Rust cannot count allocations without an `unsafe` global allocator, so
//! two weaker guards stand in: every decode must return within a generous
//! time bound, and on Linux the whole file runs again in a child process
//! whose address space is capped with `ulimit -v`, where an allocation of
//! the size a hostile length asks for aborts the child.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::time::{Duration, Instant};

use rogatory_wire::{
    CustodyEvent, EventDetails, Footer, Frame, LedgerEntry, Metadata, PartyCard, Prelude, Trailer,
    TrustEntry, Wire, WireError, decode,
};

/// Far above what a decode of a few hundred bytes takes, even unoptimised on
/// a loaded machine; far below what touching gigabytes would take.
const QUICK: Duration = Duration::from_secs(2);

const MAX: [u8; 8] = u64::MAX.to_le_bytes();

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Decodes `input` as `T`, which must fail at once with one of `allowed`.
fn refused<T: Wire + std::fmt::Debug>(input: &[u8], allowed: &[&str]) {
    let start = Instant::now();
    let got = decode::<T>(input);
    let took = start.elapsed();
    assert!(took < QUICK, "{}: decode took {took:?}", T::NAME);
    let class = match &got {
        Err(WireError::OverLimit { .. }) => "over_limit",
        Err(WireError::Truncated { .. }) => "truncated",
        other => panic!("{}: expected a typed error, got {other:?}", T::NAME),
    };
    assert!(
        allowed.contains(&class),
        "{}: got {got:?}, expected one of {allowed:?}",
        T::NAME
    );
}

const OVER: &[&str] = &["over_limit"];
const SHORT: &[&str] = &["truncated"];

/// The fixed part of a custody event's clear part: sequence, prev, package
/// digest, actor, time, details salt.
fn event_prefix(sequence: u64) -> Vec<u8> {
    cat(&[
        &sequence.to_le_bytes(),
        &[0x11; 32 * 3],
        &[0; 8],
        &[0x22; 32],
    ])
}

#[test]
fn prelude_and_footer_have_no_prefix_and_stop_short() {
    // Fixed-size structures: no length prefix; 2^64-1 where a field is makes
    // a short input, or is refused as a value.
    refused::<Prelude>(&MAX, SHORT);
    refused::<Prelude>(&cat(&[b"ROGATORY", &[1, 0, 1, 0], &MAX]), SHORT);
    refused::<Footer>(&MAX, SHORT);
    refused::<Footer>(&cat(&[&MAX, &MAX, &MAX, &[0xff; 4], &MAX]), SHORT);
}

#[test]
fn metadata() {
    // created, not_before, retain_until, then the case reference's length.
    let times = [0u8; 24];
    refused::<Metadata>(&cat(&[&times, &MAX]), OVER);
    refused::<Metadata>(&cat(&[&times, &MAX, b"trailing garbage"]), OVER);
    // A count: the recipient list, after valid strings and scalars.
    let mut m = cat(&[&times, &0u64.to_le_bytes()]); // case_reference ""
    m.push(0); // request_reference None
    m.extend(0u64.to_le_bytes()); // legal_basis
    m.extend(0u64.to_le_bytes()); // issuing_authority
    m.extend(0u32.to_le_bytes()); // priority Normal
    m.push(0); // deadline None
    m.extend(0u64.to_le_bytes()); // purpose
    m.extend(0u64.to_le_bytes()); // data_categories: none
    m.extend(0u32.to_le_bytes()); // onward None
    m.extend(6u64.to_le_bytes()); // sender party
    m.extend(b"de.bka");
    m.extend([0u8; 32]); // sender key id
    refused::<Metadata>(&cat(&[&m, &MAX]), OVER);
    // The data categories' count instead.
    let upto_categories = m.len() - (8 + 4 + 8 + 6 + 32);
    refused::<Metadata>(&cat(&[&m[..upto_categories], &MAX]), OVER);
}

#[test]
fn trailer() {
    refused::<Trailer>(&MAX, OVER);
    refused::<Trailer>(&cat(&[&MAX, &[0u8; 64]]), OVER);
    // The leaf table's count, after an empty metadata ciphertext and the
    // commitment.
    let head = cat(&[&0u64.to_le_bytes(), &[0x33; 32]]);
    refused::<Trailer>(&cat(&[&head, &MAX]), OVER);
    // One field whose leaves (one byte string) have the length 2^64-1.
    refused::<Trailer>(&cat(&[&head, &1u64.to_le_bytes(), &MAX]), OVER);
}

#[test]
fn custody_event() {
    // Sealed: the envelope's descriptor count.
    refused::<CustodyEvent>(&cat(&[&event_prefix(0), &0u32.to_le_bytes(), &MAX]), OVER);
    // Sent: the details' length after the receiver.
    refused::<CustodyEvent>(
        &cat(&[&event_prefix(1), &1u32.to_le_bytes(), &[0x44; 32], &MAX]),
        OVER,
    );
    // Redacted: the removals' count, and a removal's range count.
    refused::<CustodyEvent>(&cat(&[&event_prefix(3), &3u32.to_le_bytes(), &MAX]), OVER);
    refused::<CustodyEvent>(
        &cat(&[
            &event_prefix(3),
            &3u32.to_le_bytes(),
            &1u64.to_le_bytes(),
            &7u32.to_le_bytes(),
            &MAX,
        ]),
        OVER,
    );
    // Note: the details' length right after the tag.
    refused::<CustodyEvent>(&cat(&[&event_prefix(5), &5u32.to_le_bytes(), &MAX]), OVER);
}

#[test]
fn event_details() {
    refused::<EventDetails>(&MAX, OVER);
    refused::<EventDetails>(&cat(&[&MAX, b"de.bka"]), OVER);
    // The counterpart's length after a valid actor and option tag.
    refused::<EventDetails>(&cat(&[&6u64.to_le_bytes(), b"de.bka", &[1], &MAX]), OVER);
}

#[test]
fn party_card() {
    refused::<PartyCard>(&MAX, OVER);
    refused::<PartyCard>(&cat(&[&MAX, &[0u8; 200]]), OVER);
}

#[test]
fn trust_entry() {
    refused::<TrustEntry>(&MAX, OVER);
    // The clearances' count after a valid party, key id and card.
    let party = cat(&[&6u64.to_le_bytes(), b"de.bka"]);
    // keys and pin, validity, no hybrid key, signature.
    let card = cat(&[&party, &[0x55; 32 * 3], &[0; 16], &[0], &[0x66; 64]]);
    refused::<TrustEntry>(&cat(&[&party, &[0x77; 32], &card, &MAX]), OVER);
}

#[test]
fn ledger_entry() {
    // sequence, prev, time, actor, action, package id, package digest; then
    // event None, partner Some and the partner's length.
    let head = cat(&[
        &1u64.to_le_bytes(),
        &[0x11; 32],
        &[0; 8],
        &[0x22; 32],
        &0u32.to_le_bytes(),
        &[0x33; 16],
        &[0x44; 32],
    ]);
    refused::<LedgerEntry>(&cat(&[&head, &[0, 1], &MAX]), OVER);
    // partner None, legal basis Some and its length.
    refused::<LedgerEntry>(&cat(&[&head, &[0, 0, 1], &MAX]), OVER);
    // Every option None: the categories' count.
    refused::<LedgerEntry>(&cat(&[&head, &[0, 0, 0], &MAX]), OVER);
}

#[test]
fn frame() {
    // Data: tag, offset, then the payload's length.
    refused::<Frame>(&cat(&[&2u32.to_le_bytes(), &[0; 8], &MAX]), OVER);
    refused::<Frame>(
        &cat(&[&2u32.to_le_bytes(), &[0; 8], &MAX, &[0xab; 32]]),
        OVER,
    );
    // Reject: tag, reason, then the detail's length.
    refused::<Frame>(
        &cat(&[&4u32.to_le_bytes(), &0u32.to_le_bytes(), &MAX]),
        OVER,
    );
    // AlreadyHave and Receipt: the receipt's details length (a received body
    // is two digests).
    for tag in [3u32, 5] {
        refused::<Frame>(
            &cat(&[
                &tag.to_le_bytes(),
                &event_prefix(2),
                &2u32.to_le_bytes(),
                &[0x88; 64],
                &MAX,
            ]),
            OVER,
        );
    }
    // Offer and Accept carry no prefix: a short input.
    refused::<Frame>(&cat(&[&0u32.to_le_bytes(), &MAX]), SHORT);
}

/// Every decoder over inputs that are nothing but 2^64-1, repeated.
#[test]
fn all_ones_inputs() {
    for n in 1..=8 {
        let input = [0xffu8; 8].repeat(n);
        let start = Instant::now();
        let results = [
            decode::<Prelude>(&input).err(),
            decode::<Metadata>(&input).err(),
            decode::<Trailer>(&input).err(),
            decode::<Footer>(&input).err(),
            decode::<CustodyEvent>(&input).err(),
            decode::<EventDetails>(&input).err(),
            decode::<PartyCard>(&input).err(),
            decode::<TrustEntry>(&input).err(),
            decode::<LedgerEntry>(&input).err(),
            decode::<Frame>(&input).err(),
        ];
        assert!(start.elapsed() < QUICK);
        assert!(results.iter().all(Option::is_some), "{results:?}");
    }
}

/// 2^64-1 written over every 8-byte window of every positive wire vector,
/// decoded as the vector's structure: a typed error or a canonical value,
/// always at once.
#[test]
fn u64_max_over_every_position_of_the_vectors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/vectors/wire");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if v["outcome"] != "ok" {
            continue;
        }
        let bytes = hex::decode(v["hex"].as_str().unwrap()).unwrap();
        if bytes.len() > 1 << 16 {
            continue;
        }
        let structure = v["structure"].as_str().unwrap();
        for at in 0..bytes.len().saturating_sub(7) {
            let mut input = bytes.clone();
            input[at..at + 8].copy_from_slice(&MAX);
            let start = Instant::now();
            let ok = decode_as(structure, &input);
            assert!(
                start.elapsed() < QUICK,
                "{}: slow at offset {at}",
                path.display()
            );
            if let Some(reencoded) = ok {
                assert_eq!(reencoded, input, "{}: offset {at}", path.display());
            }
            checked += 1;
        }
    }
    assert!(
        checked > 1000,
        "only {checked} inputs: are the vectors there?"
    );
}

/// Some(re-encoding) when the bytes decode.
fn decode_as(structure: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    fn go<T: Wire>(bytes: &[u8]) -> Option<Vec<u8>> {
        decode::<T>(bytes)
            .ok()
            .map(|v| rogatory_wire::encode(&v).unwrap())
    }
    match structure {
        "prelude" => go::<Prelude>(bytes),
        "metadata" => go::<Metadata>(bytes),
        "trailer" => go::<Trailer>(bytes),
        "footer" => go::<Footer>(bytes),
        "custody event" => go::<CustodyEvent>(bytes),
        "event details" => go::<EventDetails>(bytes),
        "party card" => go::<PartyCard>(bytes),
        "trust entry" => go::<TrustEntry>(bytes),
        "ledger entry" => go::<LedgerEntry>(bytes),
        "frame" => go::<Frame>(bytes),
        "rotation" => go::<rogatory_wire::Rotation>(bytes),
        "revocation" => go::<rogatory_wire::Revocation>(bytes),
        other => panic!("unknown structure {other}"),
    }
}

/// Runs this file's other tests again in a child process whose address space
/// is capped at 512 MiB: a decoder that allocated for a hostile length would
/// abort the child.
#[test]
#[cfg(target_os = "linux")]
fn under_an_address_space_cap() {
    const GUARD: &str = "ROGATORY_WIRE_UNDER_ULIMIT";
    if std::env::var_os(GUARD).is_some() {
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 524288 && exec \"$0\" --test-threads=1 --skip under_an_address_space_cap")
        .arg(&exe)
        .env(GUARD, "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the tests failed under `ulimit -v 524288`:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("test result: ok"), "{stdout}");
}

/// A check that the cap bites: allocating 1 GiB under it must fail, so the
/// guard above is not vacuous. Runs only in the capped child.
#[test]
fn the_cap_bites() {
    if std::env::var_os("ROGATORY_WIRE_UNDER_ULIMIT").is_none() {
        return;
    }
    let mut v: Vec<u8> = Vec::new();
    assert!(v.try_reserve_exact(1 << 30).is_err());
}
