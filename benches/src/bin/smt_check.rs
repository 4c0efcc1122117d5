//! Do this machine's CPUs scale? Times one thread doing a fixed amount of
//! work alone, then two threads each doing the same amount at once. On two
//! independent cores both take about as long (ratio ~1.0); on two SMT
//! siblings of one core, or vCPUs that share one, the pair takes up to twice
//! as long (ratio -> 2.0), and "every core" buys little.
//!
//! `cargo run --release -p rogatory-benches --bin smt_check`
//!
//! Four kinds of work, each about a second on one thread: a scalar integer
//! loop, the ChaCha20-Poly1305 kernel over 64 KiB chunks (SIMD), BLAKE3
//! (SIMD) and memcpy (memory bandwidth). Medians of 5 runs each.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Barrier;
use std::time::Instant;

use rogatory_benches::{data, kernel_encrypt};

fn scalar(rounds: u64) -> u64 {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x = x.wrapping_mul(0x2545_f491_4f6c_dd1d);
    }
    x
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median seconds of `run` on one thread, and of two threads each running
/// `run` at the same time (wall time from a common start until both
/// finish). Each thread first makes its own state with `prepare`, outside
/// the timing.
fn measure<S>(prepare: impl Fn() -> S + Sync, run: impl Fn(&mut S) + Sync) -> (f64, f64) {
    let mut state = prepare();
    run(&mut state);
    let mut one = Vec::new();
    let mut two = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        run(&mut state);
        one.push(t.elapsed().as_secs_f64());
        let barrier = Barrier::new(3);
        let elapsed = std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    let mut st = prepare();
                    barrier.wait();
                    run(&mut st);
                });
            }
            barrier.wait();
            Instant::now()
        })
        .elapsed();
        two.push(elapsed.as_secs_f64());
    }
    (median(one), median(two))
}

fn main() {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("available parallelism: {cpus}");
    println!(
        "{:44} {:>9} {:>13} {:>7}",
        "work (per thread)", "1 thread", "2 threads", "ratio"
    );
    let report = |name: &str, (one, two): (f64, f64)| {
        println!("{name:44} {:8.3}s {:12.3}s {:6.2}x", one, two, two / one);
    };
    report(
        "integer ALU loop, 400M rounds",
        measure(
            || (),
            |_| {
                black_box(scalar(black_box(400_000_000)));
            },
        ),
    );
    let input = data(256 << 20);
    report(
        "ChaCha20-Poly1305 kernel, 8 x 256 MiB",
        measure(
            || input.clone(),
            |buf| {
                for _ in 0..8 {
                    black_box(kernel_encrypt(buf));
                }
            },
        ),
    );
    report(
        "BLAKE3, 24 x 256 MiB",
        measure(
            || (),
            |_| {
                for _ in 0..24 {
                    black_box(blake3::hash(&input));
                }
            },
        ),
    );
    report(
        "memcpy, 32 x 256 MiB",
        measure(
            || vec![1u8; input.len()],
            |out| {
                for _ in 0..32 {
                    out.copy_from_slice(&input);
                    black_box(&out);
                }
            },
        ),
    );
}
