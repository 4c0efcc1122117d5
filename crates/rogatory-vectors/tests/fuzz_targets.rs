//! THREATS #14: `cargo test` runs every fuzz target over its seed corpus,
//! so that a regression in a decoder fails the test suite and not only the
//! fuzz smoke run; and the fuzz crate's targets are exactly these.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use rogatory_vectors::fuzz::{TARGETS, seeds};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn every_fuzz_target_runs_over_its_seed_corpus() {
    let spec = root().join("spec/vectors");
    for (name, target) in TARGETS {
        let corpus = seeds(name, &spec).unwrap();
        let own = corpus.iter().filter(|(n, _)| !n.starts_with("x-")).count();
        assert!(own > 0, "{name}: no seed of its own");
        for (seed, bytes) in &corpus {
            let run = std::panic::catch_unwind(|| target(bytes));
            assert!(run.is_ok(), "fuzz target {name} fails on its seed {seed}");
            // Truncations and bit flips of every seed, as a fuzzer's first
            // mutations would be.
            for cut in [0, bytes.len() / 2, bytes.len().saturating_sub(1)] {
                target(&bytes[..cut]);
            }
            if !bytes.is_empty() {
                let mut flipped = bytes.clone();
                let at = flipped.len() / 3;
                flipped[at] ^= 0x80;
                target(&flipped);
            }
        }
    }
}

#[test]
fn the_fuzz_crate_has_exactly_these_targets_and_each_calls_its_function() {
    let manifest = std::fs::read_to_string(root().join("fuzz/Cargo.toml")).unwrap();
    let bins: Vec<&str> = manifest
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .filter_map(|l| l.strip_suffix('"'))
        .filter(|n| *n != "rogatory-fuzz")
        .collect();
    let mut listed: Vec<&str> = TARGETS.iter().map(|(n, _)| *n).collect();
    let mut found = bins.clone();
    listed.sort_unstable();
    found.sort_unstable();
    assert_eq!(found, listed, "fuzz/Cargo.toml and fuzz::TARGETS differ");
    for name in bins {
        let src =
            std::fs::read_to_string(root().join(format!("fuzz/fuzz_targets/{name}.rs"))).unwrap();
        assert!(
            src.contains(&format!("rogatory_vectors::fuzz::{name}(data)")),
            "fuzz/fuzz_targets/{name}.rs does not run rogatory_vectors::fuzz::{name}"
        );
    }
}
