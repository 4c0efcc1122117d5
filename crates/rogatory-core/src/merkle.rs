//! The package's Merkle tree (spec §8.3): RFC 9162 §2.1 over the leaves in
//! field-then-segment order. `MTH({}) = SHA-256()`, a leaf hashes as
//! `SHA-256(0x00 || leaf)`, an inner node as `SHA-256(0x01 || left ||
//! right)`, the left subtree holding the largest power of two smaller than
//! the size; no node is ever duplicated. Inclusion proofs follow RFC 9162
//! §2.1.3.

use rogatory_wire::Digest;

use crate::crypto::sha256;

/// The RFC 9162 hash of a leaf: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Digest {
    sha256(&[&[0u8], data])
}

/// The RFC 9162 hash of an inner node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Digest, right: &Digest) -> Digest {
    sha256(&[&[1u8], &left.0, &right.0])
}

/// The root of the tree over `entries` (the leaf values, not yet hashed).
pub fn root<'a>(entries: impl IntoIterator<Item = &'a Digest>) -> Digest {
    root_of_hashes(entries.into_iter().map(|e| leaf_hash(&e.0)))
}

/// Subtrees smaller than this are hashed on one thread.
const PARALLEL_MIN: usize = 1 << 10;

/// [`root`] over a slice, with large subtrees hashed on every core: the
/// same tree, split where RFC 9162 splits it.
pub fn root_parallel(entries: &[Digest]) -> Digest {
    if entries.len() <= PARALLEL_MIN {
        return root(entries.iter());
    }
    let k = split(entries.len());
    let (left, right) = rayon::join(
        || root_parallel(&entries[..k]),
        || root_parallel(&entries[k..]),
    );
    node_hash(&left, &right)
}

/// The root of the tree whose leaf hashes are `hashes`, in one pass with a
/// stack of perfect subtrees.
pub fn root_of_hashes(hashes: impl IntoIterator<Item = Digest>) -> Digest {
    let mut stack: Vec<(u32, Digest)> = Vec::new();
    for h in hashes {
        let mut h = (0u32, h);
        while let Some(&(height, left)) = stack.last() {
            if height != h.0 {
                break;
            }
            stack.pop();
            h = (height + 1, node_hash(&left, &h.1));
        }
        stack.push(h);
    }
    let Some((_, mut acc)) = stack.pop() else {
        return sha256(&[]);
    };
    while let Some((_, left)) = stack.pop() {
        acc = node_hash(&left, &acc);
    }
    acc
}

fn split(n: usize) -> usize {
    // Largest power of two strictly smaller than n (n >= 2).
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// The inclusion proof of the leaf at `index` in the tree whose leaf hashes
/// are `hashes` (RFC 9162 §2.1.3.1, `PATH(m, D[n])`), from the leaf up.
pub fn inclusion_proof(hashes: &[Digest], index: usize) -> Option<Vec<Digest>> {
    if index >= hashes.len() {
        return None;
    }
    let (mut lo, mut hi, mut m) = (0usize, hashes.len(), index);
    let mut siblings = Vec::new();
    while hi - lo > 1 {
        let k = split(hi - lo);
        if m < k {
            siblings.push(root_of_hashes(hashes[lo + k..hi].iter().copied()));
            hi = lo + k;
        } else {
            siblings.push(root_of_hashes(hashes[lo..lo + k].iter().copied()));
            lo += k;
            m -= k;
        }
    }
    siblings.reverse();
    Some(siblings)
}

/// Checks an inclusion proof (RFC 9162 §2.1.3.2): recomputes the root from
/// the leaf hash, its index, the tree size and the path.
pub fn verify_inclusion(
    leaf: &Digest,
    index: u64,
    size: u64,
    path: &[Digest],
    expected_root: &Digest,
) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in path {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && &r == expected_root
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parallel_root_is_the_same_tree() {
        for n in [
            0usize,
            1,
            2,
            1023,
            1024,
            1025,
            2049,
            4096,
            10_000,
            3 * 4096 + 5,
        ] {
            let entries: Vec<Digest> = (0..n)
                .map(|i| leaf_hash(&(i as u64).to_le_bytes()))
                .collect();
            assert_eq!(root_parallel(&entries), root(entries.iter()), "n={n}");
        }
    }

    #[test]
    fn proofs_verify_for_every_size() {
        for n in 1..40usize {
            let hashes: Vec<Digest> = (0..n)
                .map(|i| leaf_hash(&(i as u64).to_le_bytes()))
                .collect();
            let r = root_of_hashes(hashes.iter().copied());
            for i in 0..n {
                let p = inclusion_proof(&hashes, i).unwrap();
                assert!(p.len() <= 6);
                assert!(
                    verify_inclusion(&hashes[i], i as u64, n as u64, &p, &r),
                    "n={n} i={i}"
                );
                if n > 1 {
                    assert!(!verify_inclusion(
                        &hashes[i],
                        ((i + 1) % n) as u64,
                        n as u64,
                        &p,
                        &r
                    ));
                }
                let mut other = hashes[i];
                other.0[0] ^= 1;
                assert!(!verify_inclusion(&other, i as u64, n as u64, &p, &r));
            }
        }
    }
}
