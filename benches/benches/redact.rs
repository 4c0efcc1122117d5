//! Redacting one segment of a 1 GiB field against sealing that field, in the
//! same run; and a check that the redaction left every other field's bytes
//! unchanged.
//!
//! `cargo bench -p rogatory-benches --bench redact`; figures in
//! benches/README.md ("Redaction").
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Cursor;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rogatory_benches::*;
use rogatory_core::Package;
use rogatory_core::container::Parts;
use rogatory_redact::{HeldPackage, Request};
use rogatory_wire::{FieldBody, FieldKind, SegmentSet, Text};

const SIZE: usize = 1 << 30;
/// The segment removed: one 1 MiB block in the middle of the image.
const SEGMENT: u32 = 512;

fn request() -> Request {
    Request {
        drop_segments: vec![(
            "disk.img".into(),
            SegmentSet::from_indices(vec![SEGMENT]).unwrap(),
        )],
        ..Request::default()
    }
}

fn held<'a>(pkg: &'a [u8], p: &'a Parties) -> HeldPackage<'a, Cursor<&'a [u8]>> {
    HeldPackage::new(
        Package::parse(Cursor::new(pkg)).unwrap(),
        Cursor::new(pkg),
        &p.recipients[0],
        &p.trust,
        NOW,
    )
    .unwrap()
}

fn redact_to<W: std::io::Write + Send>(h: &mut HeldPackage<'_, Cursor<&[u8]>>, out: W) -> W {
    let plan = h.plan(&request()).unwrap();
    h.redact(
        &plan,
        &Text::new("bench").unwrap(),
        &Text::new("bench").unwrap(),
        out,
        &mut rng(9),
    )
    .unwrap()
    .writer
}

/// Every field but the image keeps its exact bytes; the image loses one
/// segment and nothing else; every leaf stays.
fn check_others_unchanged(pkg: &[u8], p: &Parties) {
    let out = redact_to(&mut held(pkg, p), Vec::with_capacity(pkg.len()));
    let before = Parts::read(Cursor::new(pkg)).unwrap();
    let after = Parts::read(Cursor::new(&out[..])).unwrap();
    for i in [0usize, 2] {
        assert_eq!(before.bodies[i], after.bodies[i], "field {i} bytes changed");
        assert_eq!(before.trailer.fields[i], after.trailer.fields[i]);
    }
    assert_eq!(before.trailer.leaves, after.trailer.leaves);
    let FieldBody::Present { segments, .. } = &after.trailer.fields[1].body else {
        panic!("the image is present")
    };
    assert_eq!(segments.count() + 1, (SIZE >> 20) as u64);
    assert!(!segments.contains(SEGMENT));
    assert_eq!(
        before.bodies[1].len() - after.bodies[1].len(),
        (1 << 20) + 40 + 16 * 16,
        "one 1 MiB segment, its record header and 16 chunk tags went"
    );
    eprintln!("check: fields 0 and 2 byte for byte unchanged, one segment of field 1 removed");
}

fn bench(c: &mut Criterion) {
    let p = parties(1);
    let image = data(SIZE);
    let notes = text(1000);
    let fields: [(&str, FieldKind, &[u8]); 3] = [
        ("notes.txt", FieldKind::Text, &notes),
        ("disk.img", FieldKind::Binary, &image),
        ("log.txt", FieldKind::Text, &notes),
    ];
    let pkg = seal(&p, &fields, Vec::with_capacity(SIZE + (64 << 20)));
    check_others_unchanged(&pkg, &p);

    let mut g = c.benchmark_group("field_1GiB");
    g.throughput(Throughput::Bytes(SIZE as u64));
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(5));
    g.measurement_time(Duration::from_secs(40));

    g.bench_function("seal", |b| {
        b.iter(|| {
            seal_to(
                &p,
                &[("disk.img", FieldKind::Binary, &image)],
                std::io::sink(),
            )
        })
    });
    g.bench_function("redact_one_segment", |b| {
        b.iter(|| redact_to(&mut held(&pkg, &p), std::io::sink()))
    });
    g.bench_function("redact_one_segment_after_verify", |b| {
        b.iter_batched(
            || held(&pkg, &p),
            |mut h| redact_to(&mut h, std::io::sink()),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
