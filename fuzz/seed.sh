#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ from the wire vectors in spec/vectors/wire:
# every target gets every vector (up to 64 KiB); those of its own structure
# are named after the vector, the others carry an `x-` prefix.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo run --locked --quiet -p rogatory-vectors -- seed-corpus spec/vectors/wire fuzz/corpus
