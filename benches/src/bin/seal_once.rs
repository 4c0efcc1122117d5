//! Seals one in-memory field to a sink, for profilers:
//! `perf record -g target/release/seal_once [MIB] [REPEATS]` (default 1024
//! MiB, 3 times), after `cargo build --release -p rogatory-benches --bin
//! seal_once`.
#![allow(missing_docs, clippy::unwrap_used)]

use rogatory_benches::*;
use rogatory_wire::FieldKind;

fn main() {
    let mib: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1024);
    let repeats: u32 = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let input = data(mib << 20);
    let p = parties(1);
    let t = std::time::Instant::now();
    for _ in 0..repeats {
        seal_to(
            &p,
            &[("disk.img", FieldKind::Binary, &input)],
            std::io::sink(),
        );
    }
    let s = t.elapsed().as_secs_f64() / f64::from(repeats);
    println!("seal {mib} MiB: {:.3} s, {:.0} MiB/s", s, mib as f64 / s);
}
