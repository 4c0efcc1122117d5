//! BLAKE3 of a long stream, computed from pieces that the caller hashes where
//! it likes: on the core that is about to decrypt the same bytes, while they
//! are in its cache, instead of in a second pass over the stream.
//!
//! The digest is plain BLAKE3 of the whole stream (spec §8.3 does not change);
//! only the order of the work does. BLAKE3 is a tree over 1 KiB chunks, and a
//! subtree that starts at a multiple of its own power-of-two size can be
//! hashed on its own to a chaining value (`blake3::hazmat`). [`TreeHasher`]
//! cuts each batch of the stream into such subtrees of at most
//! [`MAX_PIECE`] bytes, lets the caller hash them in any order and on any
//! thread ([`TreeHasher::hash_piece`]), and merges their chaining values in
//! stream order as BLAKE3's own incremental hasher would. Bytes of a batch
//! past its last 1 KiB boundary wait (at most 1023 bytes, copied) for the
//! next batch.
//!
//! The total length is fixed up front: it decides which piece is the final,
//! possibly short, one, and whether a single piece is the whole tree (whose
//! hash is then a root, not a chaining value).

use blake3::hazmat::{
    ChainingValue, HasherExt, Mode, max_subtree_len, merge_subtrees_non_root, merge_subtrees_root,
};
use blake3::{CHUNK_LEN, Hasher};
use rogatory_wire::Digest;

/// The largest piece: 64 BLAKE3 chunks, enough for the widest SIMD backend
/// (16 chunks at once) and about one 64 KiB ciphertext chunk of work.
pub const MAX_PIECE: usize = 64 * CHUNK_LEN;

const CHUNK: u64 = CHUNK_LEN as u64;

/// One subtree of the stream inside the current batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// Where the piece lies in the batch.
    pub range: std::ops::Range<usize>,
    /// Where it starts in the whole stream.
    offset: u64,
}

/// The hash of one [`Piece`].
#[derive(Clone, Copy, Debug)]
pub struct PieceHash(Node);

#[derive(Clone, Copy, Debug)]
enum Node {
    /// A subtree's chaining value.
    Cv(ChainingValue),
    /// The piece was the whole stream: its hash is the digest.
    Root(Digest),
}

/// BLAKE3 of a stream of known length, from pieces hashed by the caller.
#[derive(Debug)]
pub struct TreeHasher {
    total: u64,
    /// Bytes whose chaining values are on the stack.
    merged: u64,
    /// Up to 1023 bytes at `merged` that wait for the next batch.
    pending: Vec<u8>,
    /// Chaining values of complete subtrees, with their lengths, left to
    /// right; equal neighbours are merged as soon as both are known.
    stack: Vec<(ChainingValue, u64)>,
    root: Option<Digest>,
    /// Pieces handed out by [`Self::plan`] and not yet pushed.
    planned: usize,
}

impl TreeHasher {
    /// A hasher for a stream of exactly `total` bytes.
    pub fn new(total: u64) -> Self {
        Self {
            total,
            merged: 0,
            pending: Vec::new(),
            stack: Vec::new(),
            root: None,
            planned: 0,
        }
    }

    /// Bytes given to [`Self::plan`] so far.
    pub fn consumed(&self) -> u64 {
        self.merged + self.pending.len() as u64
    }

    /// Takes the next `batch` of the stream: completes a chunk left waiting
    /// by the previous batch (hashing it here), keeps this batch's bytes past
    /// its last chunk boundary for the next one, and returns the pieces in
    /// between, which the caller hashes with [`Self::hash_piece`] and gives
    /// back, in order, to [`Self::push`] before the next call.
    ///
    /// Bytes beyond the total length are refused (`None`), as is a call
    /// before the previous batch's pieces were pushed.
    pub fn plan(&mut self, batch: &[u8]) -> Option<Vec<Piece>> {
        let end = self.consumed().checked_add(batch.len() as u64)?;
        if end > self.total || self.planned != 0 {
            return None;
        }
        let mut at = 0usize;
        if !self.pending.is_empty() {
            let want = (CHUNK - self.merged % CHUNK).min(self.total - self.merged);
            let take = (want as usize - self.pending.len()).min(batch.len());
            self.pending.extend_from_slice(&batch[..take]);
            at = take;
            if self.pending.len() as u64 == want {
                let chunk = std::mem::take(&mut self.pending);
                let piece = Piece {
                    range: 0..chunk.len(),
                    offset: self.merged,
                };
                let h = self.hash_piece(&piece, &chunk);
                self.push_one(&piece, h);
            } else {
                return Some(Vec::new());
            }
        }
        // `merged` is now on a chunk boundary, or the stream is complete.
        let stop = if end == self.total {
            end
        } else {
            end - end % CHUNK
        };
        let mut pieces = Vec::new();
        let mut offset = self.merged;
        while offset < stop {
            let left = stop - offset;
            let mut size = MAX_PIECE as u64;
            if let Some(max) = max_subtree_len(offset) {
                size = size.min(max);
            }
            let len = if stop == self.total && left <= size {
                // The final piece, possibly short.
                left
            } else {
                while size > left {
                    size /= 2;
                }
                size
            };
            let start = at + (offset - self.merged) as usize;
            pieces.push(Piece {
                range: start..start + len as usize,
                offset,
            });
            offset += len;
        }
        let tail = at + (stop - self.merged) as usize;
        self.pending.extend_from_slice(&batch[tail..]);
        self.planned = pieces.len();
        Some(pieces)
    }

    /// Hashes `piece` of `batch` (the slice given to [`Self::plan`]). Only
    /// reads `self`: call it from any thread.
    pub fn hash_piece(&self, piece: &Piece, batch: &[u8]) -> PieceHash {
        let data = &batch[piece.range.clone()];
        let mut h = Hasher::new();
        if piece.offset == 0 && data.len() as u64 == self.total {
            h.update(data);
            return PieceHash(Node::Root(Digest(*h.finalize().as_bytes())));
        }
        if piece.offset > 0 {
            h.set_input_offset(piece.offset);
        }
        h.update(data);
        PieceHash(Node::Cv(h.finalize_non_root()))
    }

    /// Gives back the hashes of the pieces of the last [`Self::plan`], in
    /// the order it returned them. Returns `false` (and changes nothing) when
    /// their number differs.
    pub fn push(&mut self, pieces: &[Piece], hashes: &[PieceHash]) -> bool {
        if pieces.len() != self.planned || hashes.len() != pieces.len() {
            return false;
        }
        for (p, h) in pieces.iter().zip(hashes) {
            self.push_one(p, *h);
        }
        self.planned = 0;
        true
    }

    fn push_one(&mut self, piece: &Piece, hash: PieceHash) {
        let len = piece.range.len() as u64;
        self.merged += len;
        match hash.0 {
            Node::Root(d) => self.root = Some(d),
            Node::Cv(mut cv) => {
                let mut len = len;
                // Merge equal complete neighbours, except into a subtree that
                // reaches the end: the last merge must be the root's.
                while let Some(&(left, left_len)) = self.stack.last() {
                    if left_len != len || self.merged >= self.total {
                        break;
                    }
                    self.stack.pop();
                    cv = merge_subtrees_non_root(&left, &cv, Mode::Hash);
                    len *= 2;
                }
                self.stack.push((cv, len));
            }
        }
    }

    /// The BLAKE3 digest of the whole stream, or `None` when fewer than
    /// `total` bytes were pushed.
    pub fn finalize(mut self) -> Option<Digest> {
        if self.merged != self.total || self.planned != 0 {
            return None;
        }
        if self.total == 0 {
            return Some(Digest(*blake3::hash(&[]).as_bytes()));
        }
        if let Some(d) = self.root {
            return Some(d);
        }
        let (mut right, _) = self.stack.pop()?;
        loop {
            let (left, _) = self.stack.pop()?;
            if self.stack.is_empty() {
                return Some(Digest(
                    *merge_subtrees_root(&left, &right, Mode::Hash).as_bytes(),
                ));
            }
            right = merge_subtrees_non_root(&left, &right, Mode::Hash);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tree_hash(data: &[u8], batches: &[usize]) -> Option<Digest> {
        let mut t = TreeHasher::new(data.len() as u64);
        let mut at = 0;
        let mut cuts = batches.iter().copied().cycle();
        while at < data.len() {
            let n = cuts.next().unwrap_or(1).max(1).min(data.len() - at);
            let batch = &data[at..at + n];
            let pieces = t.plan(batch)?;
            // Hash in reverse to show the order of hashing does not matter.
            let mut hashes: Vec<_> = pieces
                .iter()
                .rev()
                .map(|p| t.hash_piece(p, batch))
                .collect();
            hashes.reverse();
            assert!(t.push(&pieces, &hashes));
            at += n;
        }
        t.finalize()
    }

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 31 + i / 1024) as u8).collect()
    }

    #[test]
    fn equals_blake3_at_the_edges() {
        let edges = [
            0usize,
            1,
            1023,
            1024,
            1025,
            2048,
            3 * 1024 + 5,
            MAX_PIECE - 1,
            MAX_PIECE,
            MAX_PIECE + 1,
            2 * MAX_PIECE,
            4 * MAX_PIECE + 1024,
            65552 * 32 + 7,
        ];
        for n in edges {
            let data = bytes(n);
            let want = Digest(*blake3::hash(&data).as_bytes());
            for batch in [1usize, 1000, 1024, 4096, 65552, 65552 * 32, n.max(1)] {
                assert_eq!(
                    tree_hash(&data, &[batch]),
                    Some(want),
                    "len {n} batch {batch}"
                );
            }
        }
    }

    #[test]
    fn refuses_misuse() {
        let data = bytes(5000);
        let mut t = TreeHasher::new(4000);
        assert!(t.plan(&data).is_none());
        let p = t.plan(&data[..3000]).unwrap_or_default();
        assert!(t.plan(&data[3000..3500]).is_none(), "pieces not pushed yet");
        assert!(!t.push(&p[..p.len() - 1], &[]));
        let h: Vec<_> = p.iter().map(|x| t.hash_piece(x, &data[..3000])).collect();
        assert!(t.push(&p, &h));
        let short = TreeHasher::new(10);
        assert!(short.finalize().is_none());
        let mut t = TreeHasher::new(3000);
        let p = t.plan(&data[..3000]).unwrap_or_default();
        let h: Vec<_> = p.iter().map(|x| t.hash_piece(x, &data[..3000])).collect();
        assert!(t.push(&p, &h));
        assert_eq!(
            t.finalize(),
            Some(Digest(*blake3::hash(&data[..3000]).as_bytes()))
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn equals_blake3(len in 0usize..600_000, batches in proptest::collection::vec(1usize..200_000, 1..6)) {
            let data = bytes(len);
            prop_assert_eq!(tree_hash(&data, &batches), Some(Digest(*blake3::hash(&data).as_bytes())));
        }
    }
}
