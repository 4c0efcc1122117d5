//! Verifies and opens one in-memory field into a sink, for profilers:
//! `perf record -g target/release/open_once [MIB] [REPEATS]` (default 1024
//! MiB, 3 times), after `cargo build --release -p rogatory-benches --bin
//! open_once`. Sealing the package first takes about as long as one repeat:
//! raise REPEATS to make it a small part of a profile.
#![allow(missing_docs, clippy::unwrap_used)]

use std::io::Cursor;

use rogatory_benches::*;
use rogatory_core::Package;
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
    let p = parties(1);
    let pkg = seal(
        &p,
        &[("disk.img", FieldKind::Binary, &data(mib << 20))],
        Vec::new(),
    );
    let t = std::time::Instant::now();
    for _ in 0..repeats {
        let v = Package::parse(Cursor::new(&pkg[..]))
            .unwrap()
            .verify_lazily(&p.trust)
            .unwrap();
        let mut u = v.unlock(&p.recipients[0], NOW).unwrap();
        u.open_field(0, &mut std::io::sink()).unwrap();
        u.finish_verification().unwrap();
    }
    let s = t.elapsed().as_secs_f64() / f64::from(repeats);
    println!(
        "verify and open {mib} MiB: {:.3} s, {:.0} MiB/s",
        s,
        mib as f64 / s
    );
}
