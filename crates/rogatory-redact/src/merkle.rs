//! Inclusion proofs for many leaves at once (spec §8.3, RFC 9162 §2.1.3).
//!
//! The core's `merkle::inclusion_proof` recomputes the subtrees of one path
//! from the leaves, which costs the whole tree per proof. An extract needs
//! proofs for many segments of one tree, so this walks the tree once: each
//! subtree's hash is computed once and handed, as a sibling, to every wanted
//! leaf on the other side. The proofs are the RFC's `PATH(m, D[n])`, from the
//! leaf's sibling up, and check with `rogatory_core::merkle::verify_inclusion`.

use rogatory_core::merkle::{leaf_hash, node_hash};
use rogatory_wire::Digest;

/// The largest power of two strictly below `n` (`n >= 2`).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The root of the tree over `entries` (leaf values, hashed here) and the
/// inclusion proof of each position in `wanted` (sorted, unique, in range),
/// in the order of `wanted`.
pub(crate) fn root_and_proofs(entries: &[&Digest], wanted: &[usize]) -> (Digest, Vec<Vec<Digest>>) {
    let mut proofs = vec![Vec::new(); wanted.len()];
    if entries.is_empty() {
        return (rogatory_core::crypto::sha256(&[]), proofs);
    }
    let root = walk(entries, 0, entries.len(), wanted, 0, &mut proofs);
    (root, proofs)
}

/// Hashes the subtree `[lo, hi)`; `wanted[..]` are the wanted positions in
/// it, whose proofs start at `proofs[first..]`.
fn walk(
    entries: &[&Digest],
    lo: usize,
    hi: usize,
    wanted: &[usize],
    first: usize,
    proofs: &mut [Vec<Digest>],
) -> Digest {
    if hi - lo == 1 {
        return leaf_hash(&entries[lo].0);
    }
    let mid = lo + split(hi - lo);
    let n_left = wanted.partition_point(|&w| w < mid);
    let (left_wanted, right_wanted) = wanted.split_at(n_left);
    let left = walk(entries, lo, mid, left_wanted, first, proofs);
    let right = walk(entries, mid, hi, right_wanted, first + n_left, proofs);
    for p in &mut proofs[first..first + n_left] {
        p.push(right);
    }
    for p in &mut proofs[first + n_left..first + wanted.len()] {
        p.push(left);
    }
    node_hash(&left, &right)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use rogatory_core::merkle::{inclusion_proof, root, verify_inclusion};

    #[test]
    fn agrees_with_the_core_for_every_small_tree() {
        for n in 1..70usize {
            let leaves: Vec<Digest> = (0..n).map(|i| Digest([i as u8; 32])).collect();
            let refs: Vec<&Digest> = leaves.iter().collect();
            let hashes: Vec<Digest> = leaves.iter().map(|l| leaf_hash(&l.0)).collect();
            let all: Vec<usize> = (0..n).collect();
            let (r, proofs) = root_and_proofs(&refs, &all);
            assert_eq!(r, root(leaves.iter()), "n={n}");
            for i in 0..n {
                assert_eq!(
                    proofs[i],
                    inclusion_proof(&hashes, i).unwrap(),
                    "n={n} i={i}"
                );
                assert!(verify_inclusion(
                    &hashes[i], i as u64, n as u64, &proofs[i], &r
                ));
            }
            let some: Vec<usize> = (0..n).filter(|i| i % 3 == 1).collect();
            let (_, p) = root_and_proofs(&refs, &some);
            for (k, &i) in some.iter().enumerate() {
                assert_eq!(p[k], proofs[i]);
            }
        }
    }

    #[test]
    fn the_spec_example_path() {
        // §8.3: PATH(1, D[5]) over d_i = i × 32.
        let leaves: Vec<Digest> = (0..5).map(|i| Digest([i as u8; 32])).collect();
        let refs: Vec<&Digest> = leaves.iter().collect();
        let (_, p) = root_and_proofs(&refs, &[1]);
        let hex: Vec<String> = p[0].iter().map(|d| d.to_hex()).collect();
        assert_eq!(
            hex,
            [
                "7f9c9e31ac8256ca2f258583df262dbc7d6f68f2a03043d5c99a4ae5a7396ce9",
                "fc264939b1ac77b06378c5ece54a7b57b6b6c821eb80627bb674d8785c8dc8ca",
                "1da033bf8927ed69376d91533748494f7f5e88c20603dede2afc9bfd43d46f17",
            ]
        );
    }
}
