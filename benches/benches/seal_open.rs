//! Sealing and opening a field, against the raw AEAD kernel in the same run.
//!
//! `cargo bench -p rogatory-benches --bench seal_open`; figures and ratios in
//! benches/README.md.
#![allow(missing_docs, clippy::unwrap_used)]

use std::io::Cursor;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rogatory_benches::*;
use rogatory_core::Package;
use rogatory_wire::FieldKind;

const SIZE: usize = 256 << 20;

fn bench(c: &mut Criterion) {
    let input = data(SIZE);
    let mut g = c.benchmark_group("field_256MiB");
    g.throughput(Throughput::Bytes(SIZE as u64));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));

    g.bench_function("kernel_encrypt_1core", |b| {
        b.iter_batched_ref(
            || input.clone(),
            |buf| kernel_encrypt(buf),
            BatchSize::LargeInput,
        )
    });
    let p = parties(1);
    g.bench_function("seal", |b| {
        b.iter(|| {
            seal_to(
                &p,
                &[("disk.img", FieldKind::Binary, &input)],
                std::io::sink(),
            )
        })
    });
    let chunks = kernel_seal_chunks(&input);
    g.bench_function("kernel_decrypt_1core", |b| {
        b.iter_batched_ref(
            || chunks.clone(),
            |ch| kernel_decrypt(ch),
            BatchSize::LargeInput,
        )
    });
    let pkg = seal(&p, &[("disk.img", FieldKind::Binary, &input)], Vec::new());
    g.bench_function("verify_and_open", |b| {
        b.iter(|| {
            let v = Package::parse(Cursor::new(&pkg[..]))
                .unwrap()
                .verify(&p.trust)
                .unwrap();
            let mut u = v.unlock(&p.recipients[0], NOW).unwrap();
            let mut sink = std::io::sink();
            u.open_field(0, &mut sink).unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
