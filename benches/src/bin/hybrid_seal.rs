//! What X-Wing hybrid recipients cost a seal: 100 MiB in 20 fields of 5 MiB
//! for 30 recipients with hybrid cards against 30 with classical cards,
//! alternated in one run (so that a busy minute slows both alike), and the
//! same for 20 fields of one byte, where the stanzas are most of the work.
//!
//! `cargo run --release -p rogatory-benches --bin hybrid_seal [ROUNDS]`
//! (ROUNDS defaults to 15). Prints the medians and their ratio.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use rogatory_benches::*;
use rogatory_wire::FieldKind;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let classical = parties_with(30, false);
    let hybrid = parties_with(30, true);
    let input = data(100 << 20);
    let names: Vec<String> = (0..20).map(|i| format!("field-{i:02}.bin")).collect();
    let big: Vec<(&str, FieldKind, &[u8])> = names
        .iter()
        .zip(input.chunks(5 << 20))
        .map(|(n, d)| (n.as_str(), FieldKind::Binary, d))
        .collect();
    let tiny: Vec<(&str, FieldKind, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), FieldKind::Binary, &b"x"[..]))
        .collect();
    for (what, fields) in [("100 MiB, 20 fields", &big), ("20 fields of 1 byte", &tiny)] {
        let (mut c, mut h) = (Vec::new(), Vec::new());
        // One warm-up of each, then the rounds, alternating.
        seal_to(&classical, fields, std::io::sink());
        seal_to(&hybrid, fields, std::io::sink());
        // Which goes first alternates too (ABBA), so that neither always
        // follows the other.
        for round in 0..rounds {
            for hybrid_now in [round % 2 == 1, round % 2 == 0] {
                let (p, out) = if hybrid_now {
                    (&hybrid, &mut h)
                } else {
                    (&classical, &mut c)
                };
                let t = Instant::now();
                seal_to(p, fields, std::io::sink());
                out.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
        let (mc, mh) = (median(c), median(h));
        println!(
            "{what}: 30 classical {mc:.2} ms, 30 hybrid {mh:.2} ms (medians of {rounds}), \
             ratio {:.3}, +{:.2} ms",
            mh / mc,
            mh - mc
        );
    }
}
