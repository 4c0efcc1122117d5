//! Sealing and opening, each against the raw AEAD kernel measured in the
//! same run; recipient scaling; verification growth with the number of
//! leaves.
//!
//! `cargo bench -p rogatory-benches --bench seal_open` (figures, ratios and
//! the conditions in benches/README.md). `ROGATORY_BENCH_MIB` sets the size
//! of the single-field group (default 1024, 1 GiB).
//!
//! - `field_1GiB`: one binary field. `kernel_encrypt_1core` is
//!   ChaCha20-Poly1305 over 64 KiB chunks on one thread, in place;
//!   `seal` streams the field from memory into a sink (segments, salted
//!   leaves, STREAM on every core, BLAKE3 of plaintext segments and of the
//!   ciphertext, trailer, signature, stanza, `sealed` event);
//!   `kernel_decrypt_1core` is the kernel decrypting; `verify_and_open`
//!   parses, verifies with no key (BLAKE3 of the ciphertext), unlocks and
//!   opens the field into a sink, every segment checked against its leaf.
//! - `package_100MiB_20_fields`: sealing 20 fields of 5 MiB for 1 and for
//!   30 recipients with classical cards (`seal_recipients`), and for 30
//!   with hybrid cards (`seal_recipients_hybrid`: X-Wing stanzas);
//!   `package_20_tiny_fields`: the same with fields of one byte, which shows
//!   what the recipients cost in absolute terms.
//! - `text_lines`: keyless verification, and verification with opening, of
//!   a text field of 100 000 and of 1 000 000 lines (one leaf per line).
//! - `unlock_30_recipients`: keyless verification, verification with
//!   unlocking, and the entitlement checks of spec §12.6 alone, for the last
//!   of 30 recipients of a package of 20 one-byte fields.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::io::Cursor;
use std::time::Duration;

use criterion::{
    BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use rogatory_benches::*;
use rogatory_core::Package;
use rogatory_wire::FieldKind;

fn field_mib() -> usize {
    std::env::var("ROGATORY_BENCH_MIB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024)
}

/// Verify and open as `rogatory open` does: every ciphertext digest is
/// checked, each field's in the pass that decrypts it.
fn verify_and_open(pkg: &[u8], p: &Parties, field: u32) -> u64 {
    let v = Package::parse(Cursor::new(pkg))
        .unwrap()
        .verify_lazily(&p.trust)
        .unwrap();
    let mut u = v.unlock(&p.recipients[0], NOW).unwrap();
    let n = u.open_field(field, &mut std::io::sink()).unwrap();
    u.finish_verification().unwrap();
    n
}

fn field(c: &mut Criterion) {
    let mib = field_mib();
    let size = mib << 20;
    let mut g = c.benchmark_group(format!(
        "field_{}",
        if mib == 1024 {
            "1GiB".to_owned()
        } else {
            format!("{mib}MiB")
        }
    ));
    g.throughput(Throughput::Bytes(size as u64));
    g.sample_size(10);
    g.sampling_mode(SamplingMode::Flat);
    g.warm_up_time(Duration::from_secs(2));
    g.measurement_time(Duration::from_secs(15));

    let input = data(size);
    let p = parties(1);
    {
        // Encrypting ciphertext again costs the same: no copy per iteration.
        let mut work = input.clone();
        g.bench_function("kernel_encrypt_1core", |b| {
            b.iter(|| kernel_encrypt(&mut work))
        });
    }
    g.bench_function("seal", |b| {
        b.iter(|| {
            seal_to(
                &p,
                &[("disk.img", FieldKind::Binary, &input)],
                std::io::sink(),
            )
        })
    });
    let pkg = seal(&p, &[("disk.img", FieldKind::Binary, &input)], Vec::new());
    {
        let chunks = kernel_seal_chunks(&input);
        drop(input);
        g.bench_function("kernel_decrypt_1core", |b| {
            b.iter_batched_ref(
                || chunks.clone(),
                |ch| kernel_decrypt(ch),
                BatchSize::PerIteration,
            )
        });
    }
    g.bench_function("verify_and_open", |b| {
        b.iter(|| verify_and_open(&pkg, &p, 0))
    });
    g.finish();
}

fn recipients(c: &mut Criterion) {
    const FIELDS: usize = 20;
    const FIELD: usize = 5 << 20;
    let input = data(FIELDS * FIELD);
    let names: Vec<String> = (0..FIELDS).map(|i| format!("field-{i:02}.bin")).collect();
    let fields: Vec<(&str, FieldKind, &[u8])> = names
        .iter()
        .zip(input.chunks(FIELD))
        .map(|(n, d)| (n.as_str(), FieldKind::Binary, d))
        .collect();
    let mut g = c.benchmark_group("package_100MiB_20_fields");
    g.throughput(Throughput::Bytes(input.len() as u64));
    // A 5 % target needs more samples than the rest.
    g.sample_size(30);
    g.warm_up_time(Duration::from_secs(2));
    g.measurement_time(Duration::from_secs(20));
    for n in [1usize, 30] {
        let p = parties(n);
        g.bench_with_input(BenchmarkId::new("seal_recipients", n), &n, |b, _| {
            b.iter(|| seal_to(&p, &fields, std::io::sink()))
        });
    }
    let hybrid = parties_with(30, true);
    g.bench_with_input(
        BenchmarkId::new("seal_recipients_hybrid", 30),
        &30,
        |b, _| b.iter(|| seal_to(&hybrid, &fields, std::io::sink())),
    );
    g.finish();
    // What the recipients cost in absolute terms: the same 20 fields of one
    // byte each, where the stanzas (one HPKE seal each) are most of the work.
    let tiny: Vec<(&str, FieldKind, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), FieldKind::Binary, &b"x"[..]))
        .collect();
    let mut g = c.benchmark_group("package_20_tiny_fields");
    g.sample_size(30);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
    for n in [1usize, 30] {
        let p = parties(n);
        g.bench_with_input(BenchmarkId::new("seal_recipients", n), &n, |b, _| {
            b.iter(|| seal_to(&p, &tiny, std::io::sink()))
        });
    }
    g.bench_with_input(
        BenchmarkId::new("seal_recipients_hybrid", 30),
        &30,
        |b, _| b.iter(|| seal_to(&hybrid, &tiny, std::io::sink())),
    );
    g.finish();
}

fn text_lines(c: &mut Criterion) {
    let mut g = c.benchmark_group("text_lines");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(2));
    g.measurement_time(Duration::from_secs(10));
    let p = parties(1);
    for lines in [100_000usize, 1_000_000] {
        let text = text(lines);
        let pkg = seal(&p, &[("chat.txt", FieldKind::Text, &text)], Vec::new());
        g.throughput(Throughput::Elements(lines as u64));
        g.bench_with_input(BenchmarkId::new("verify", lines), &pkg, |b, pkg| {
            b.iter(|| {
                black_box(
                    Package::parse(Cursor::new(&pkg[..]))
                        .unwrap()
                        .verify(&p.trust)
                        .unwrap(),
                )
            })
        });
        g.bench_with_input(
            BenchmarkId::new("verify_and_open", lines),
            &pkg,
            |b, pkg| b.iter(|| verify_and_open(pkg, &p, 0)),
        );
    }
    g.finish();
}

/// What unlocking costs a recipient of a package sealed for 30, and how much
/// of it the checks of spec §12.6 (every stanza's recipient, every holder,
/// every onward transfer, its own stanza) take: the check alone, measured in
/// the same run as keyless verification and as verification with unlocking.
fn unlock(c: &mut Criterion) {
    use rogatory_core::custody::open_details;
    use rogatory_core::entitlement::{self, Chain, Holder};
    let p = parties(30);
    let names: Vec<String> = (0..20).map(|i| format!("field-{i:02}.bin")).collect();
    let tiny: Vec<(&str, FieldKind, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), FieldKind::Binary, &b"x"[..]))
        .collect();
    let pkg = seal(&p, &tiny, Vec::new());
    let who = &p.recipients[29];
    let mut g = c.benchmark_group("unlock_30_recipients");
    g.sample_size(50);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("verify", |b| {
        b.iter(|| {
            black_box(
                Package::parse(Cursor::new(&pkg[..]))
                    .unwrap()
                    .verify(&p.trust)
                    .unwrap(),
            )
        })
    });
    g.bench_function("verify_and_unlock", |b| {
        b.iter(|| {
            black_box(
                Package::parse(Cursor::new(&pkg[..]))
                    .unwrap()
                    .verify(&p.trust)
                    .unwrap()
                    .unlock(who, NOW)
                    .unwrap(),
            )
        })
    });
    let u = Package::parse(Cursor::new(&pkg[..]))
        .unwrap()
        .verify(&p.trust)
        .unwrap()
        .unlock(who, NOW)
        .unwrap();
    let id = u.package().package_id();
    let mk = &u.bundle().metadata_key;
    let details: Vec<_> = u
        .package()
        .events()
        .iter()
        .map(|e| open_details(e, mk, &id).unwrap())
        .collect();
    let holder = Holder {
        key_id: rogatory_core::Signer::key_id(who),
        stanza: u.stanza_index(),
    };
    g.bench_function("entitlement_check", |b| {
        b.iter(|| {
            black_box(
                entitlement::check(
                    &Chain {
                        events: u.package().events(),
                        summaries: &u.report().custody,
                        details: &details,
                        metadata: u.metadata(),
                        metadata_key: mk,
                        package_id: &id,
                    },
                    Some(holder),
                )
                .unwrap(),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, field, recipients, text_lines, unlock);
criterion_main!(benches);
