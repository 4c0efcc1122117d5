#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ for every fuzz target from the vectors in
# spec/vectors (rogatory_vectors::fuzz::seeds): every target gets every wire
# vector (up to 64 KiB), those of its own structure named after the vector,
# the others with an `x-` prefix; the extract decoder also the extract
# vectors, the session stream the frames as they travel, the policy parser
# example policies. `cargo test` runs every target over the same seeds.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo run --locked --quiet -p rogatory-vectors -- seed-corpus spec/vectors fuzz/corpus
