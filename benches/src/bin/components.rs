//! Prints the throughput of each component of sealing and opening on this
//! machine, to see where the time goes (best of 5, one thread unless
//! stated): `cargo run --release -p rogatory-benches --bin components`.
//!
//! The copies at the end are those the open path makes of every plaintext
//! byte besides decrypting it: `StreamDecryptor::decrypt_batch` closes the
//! 16-byte tag gaps of each 2 MiB batch with `copy_within`, and
//! `RecordParser::push` appends the batch to its own buffer, then drains the
//! parsed records (moving the partial record left over to the front).
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Instant;

use rogatory_benches::*;
use rogatory_core::segment::{RecordError, RecordParser, SegmentRecord, put_record_header};
use rogatory_core::stream::{BATCH_CHUNKS, BatchSealer, CHUNK_CT, ChunkBatch};

fn rate(name: &str, bytes: usize, mut f: impl FnMut()) {
    f();
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{name:36} {:8.0} MiB/s",
        bytes as f64 / best / (1 << 20) as f64
    );
}

fn main() {
    let n = 256 << 20;
    let data = data(n);
    let mut work = data.clone();
    rate("chacha20poly1305 kernel, 1 core", n, || {
        kernel_encrypt(&mut work);
    });
    rate("blake3, 1 thread", n, || {
        std::hint::black_box(blake3::hash(&data));
    });
    rate("blake3 update_rayon 2 MiB pieces", n, || {
        let mut h = blake3::Hasher::new();
        for c in data.chunks(2 << 20) {
            h.update_rayon(c);
        }
        std::hint::black_box(h.finalize());
    });
    let key = rogatory_core::Key32::from_bytes([1; 32]);
    let mut batch = ChunkBatch::new();
    rate("BatchSealer 2 MiB batches (rayon)", n, || {
        let mut s = BatchSealer::new(&key, [0; 24]);
        for c in data.chunks(2 << 20) {
            batch.clear();
            batch.push(c);
            std::hint::black_box(s.seal(&mut batch, false).unwrap());
        }
    });

    // The plaintext of a binary field: records of 1 MiB segments.
    let mut records = Vec::with_capacity(n + (n >> 20) * 40 + 40);
    for (i, seg) in data.chunks(1 << 20).enumerate() {
        put_record_header(&mut records, i as u32, &[7; 32], seg.len());
        records.extend_from_slice(seg);
    }
    let batch = BATCH_CHUNKS * (CHUNK_CT - 16);
    rate("memcpy, 2 MiB pieces", n, || {
        let mut out = vec![0u8; batch];
        for c in data.chunks(batch) {
            out[..c.len()].copy_from_slice(c);
            std::hint::black_box(&out);
        }
    });
    let mut strided = vec![0u8; BATCH_CHUNKS * CHUNK_CT];
    rate("decrypt_batch's copy_within, 2 MiB", n, || {
        for _ in 0..n / batch {
            // As StreamDecryptor::decrypt_batch: each chunk's plaintext
            // moved left over the tags before it.
            let mut at = 0;
            for i in 0..BATCH_CHUNKS {
                let start = i * CHUNK_CT;
                let end = start + CHUNK_CT - 16;
                strided.copy_within(start..end, at);
                at += end - start;
            }
            std::hint::black_box(&strided);
        }
    });
    rate("RecordParser::push, 2 MiB pieces", n, || {
        let mut p = RecordParser::default();
        let mut seen = 0usize;
        for c in records.chunks(batch) {
            p.push(c, &mut |r: SegmentRecord<'_>| -> Result<(), RecordError> {
                seen += r.data.len();
                Ok(())
            })
            .unwrap();
        }
        p.finish().unwrap();
        std::hint::black_box(seen);
    });
}
