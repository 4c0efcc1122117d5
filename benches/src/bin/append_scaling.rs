//! Appending a custody event never rewrites the body: the time to append to
//! a 4 GiB package against a 4 MiB one, measured in the same run.
//!
//! `cargo run --release -p rogatory-benches --bin append_scaling [DIR]`
//! (DIR defaults to /dev/shm: tmpfs, the page cache without a disk.)
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rand_core::SeedableRng;
use rogatory_benches::*;
use rogatory_core::actions::{Details, append_event};
use rogatory_wire::{EventBody, FieldKind, Text, Timestamp};

/// An endless deterministic reader of `len` bytes.
struct Pattern {
    left: u64,
    x: u64,
}

impl Read for Pattern {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        for chunk in buf[..n].chunks_mut(8) {
            self.x ^= self.x << 13;
            self.x ^= self.x >> 7;
            self.x ^= self.x << 17;
            let b = self.x.to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn make(p: &Parties, path: &Path, len: u64) {
    let f = std::fs::File::create(path).unwrap();
    let mut s = rogatory_core::Sealer::new(
        BufWriter::new(f),
        &p.sender,
        recipients_of(p),
        info(),
        NOW,
        rng(3),
    )
    .unwrap();
    s.add_field(
        spec("disk.img", FieldKind::Binary),
        &mut Pattern {
            left: len,
            x: 0x1234_5678_9abc_def1,
        },
    )
    .unwrap();
    s.seal().unwrap();
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn appends(p: &Parties, path: &Path, first: usize, n: usize) -> Vec<f64> {
    (first..first + n)
        .map(|i| {
            let t = Instant::now();
            append_event(
                path,
                &p.sender,
                &p.trust,
                Timestamp(NOW.0 + i as u64),
                EventBody::Note,
                Details {
                    text: Some(Text::new(format!("note {i}")).unwrap()),
                    ..Details::default()
                },
                &mut rand_chacha::ChaCha20Rng::seed_from_u64(i as u64),
            )
            .unwrap();
            t.elapsed().as_secs_f64()
        })
        .collect()
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/dev/shm"));
    let p = parties(1);
    let small = dir.join("rogatory-append-4MiB.rgt");
    let large = dir.join("rogatory-append-4GiB.rgt");
    make(&p, &small, 4 << 20);
    make(&p, &large, 4 << 30);
    let rounds = 15;
    // Interleave so that background load hits both alike.
    let mut s = Vec::new();
    let mut l = Vec::new();
    for i in 0..rounds {
        s.extend(appends(&p, &small, i, 1));
        l.extend(appends(&p, &large, i, 1));
    }
    let (ms, ml) = (median(s), median(l));
    println!(
        "append to a 4 MiB package: median {:.3} ms over {rounds}",
        ms * 1e3
    );
    println!(
        "append to a 4 GiB package: median {:.3} ms over {rounds}",
        ml * 1e3
    );
    println!("ratio 4 GiB / 4 MiB: {:.2} (target <= 2)", ml / ms);
    let _ = std::fs::remove_file(&small);
    let _ = std::fs::remove_file(&large);
}
