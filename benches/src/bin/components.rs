//! Prints the throughput of each component of sealing on this machine, to
//! see where the time goes: `cargo run --release -p rogatory-benches --bin components`.
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Instant;

use rogatory_benches::*;
use rogatory_core::stream::{BatchSealer, ChunkBatch};

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
}
