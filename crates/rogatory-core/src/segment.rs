//! Segments and leaves (spec §7.2, §7.3, §8.1).
//!
//! A field is a sequence of segments; each segment is one leaf of the
//! package's Merkle tree. Inside the field's plaintext stream each segment
//! is a record `u32le(segment index) || salt (32) || u32le(length) || bytes`,
//! so the salt travels encrypted beside the segment it hides.
//!
//! Segmenting (a sealer's rule, not checked by readers): binary fields in
//! blocks of 1 MiB; text fields one segment per line (the line feed belongs
//! to its line; a line over 1 MiB is cut into 1 MiB pieces). Past
//! [`TEXT_LINE_LEAVES`] segments a text field packs whole lines into segments
//! of at least 64 KiB and at most 1 MiB, so a huge log stays bounded.

use rogatory_wire::limits::SEGMENT_MAX;
use rogatory_wire::{Digest, FieldKind, PackageId, labels};

use crate::crypto::sha256;

/// Segments of one line each in a text field before packing starts.
pub const TEXT_LINE_LEAVES: u32 = 1 << 20;
/// Smallest packed segment of a text field past the line cap.
pub const PACKED_MIN: usize = 64 << 10;
/// Length of a segment record header.
pub const RECORD_HEADER: usize = 4 + 32 + 4;

/// A leaf: `SHA-256(HASH_LEAF || package_id || u32le(field) ||
/// u32le(segment) || salt || BLAKE3(segment))`.
pub fn leaf(
    package_id: &PackageId,
    field: u32,
    segment: u32,
    salt: &[u8; 32],
    hash: &Digest,
) -> Digest {
    sha256(&[
        labels::HASH_LEAF,
        &package_id.0,
        &field.to_le_bytes(),
        &segment.to_le_bytes(),
        salt,
        &hash.0,
    ])
}

/// Cuts a stream of bytes into segments as it is read.
pub struct Segmenter {
    kind: FieldKind,
    current: Vec<u8>,
    emitted: u32,
}

impl Segmenter {
    /// A segmenter for a field of this kind.
    pub fn new(kind: FieldKind) -> Self {
        Self {
            kind,
            current: Vec::new(),
            emitted: 0,
        }
    }

    fn packing(&self) -> bool {
        self.kind == FieldKind::Text && self.emitted >= TEXT_LINE_LEAVES
    }

    /// Feeds bytes; calls `emit` with each completed segment.
    pub fn push<E>(
        &mut self,
        mut data: &[u8],
        emit: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        while !data.is_empty() {
            match self.kind {
                FieldKind::Binary => {
                    let take = (SEGMENT_MAX - self.current.len()).min(data.len());
                    self.current.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    if self.current.len() == SEGMENT_MAX {
                        self.flush(emit)?;
                    }
                }
                FieldKind::Text => {
                    let room = SEGMENT_MAX - self.current.len();
                    let window = &data[..room.min(data.len())];
                    match window.iter().position(|&b| b == b'\n') {
                        Some(nl) => {
                            self.current.extend_from_slice(&data[..=nl]);
                            data = &data[nl + 1..];
                            if !self.packing() || self.current.len() >= PACKED_MIN {
                                self.flush(emit)?;
                            }
                        }
                        None => {
                            self.current.extend_from_slice(window);
                            data = &data[window.len()..];
                            if self.current.len() == SEGMENT_MAX {
                                self.flush(emit)?;
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn flush<E>(&mut self, emit: &mut impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
        if !self.current.is_empty() {
            emit(&self.current)?;
            self.emitted = self.emitted.saturating_add(1);
            self.current.clear();
        }
        Ok(())
    }

    /// Emits what is left.
    pub fn finish<E>(mut self, emit: &mut impl FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
        self.flush(emit)
    }
}

/// One segment parsed out of a field's plaintext stream.
pub struct SegmentRecord<'a> {
    /// Segment index.
    pub index: u32,
    /// Its salt.
    pub salt: [u8; 32],
    /// Its bytes.
    pub data: &'a [u8],
}

/// Reassembles segment records from plaintext that arrives in batches.
#[derive(Default)]
pub struct RecordParser {
    buf: Vec<u8>,
}

/// Why a plaintext stream is not a sequence of segment records.
#[derive(Debug, PartialEq, Eq)]
pub enum RecordError {
    /// A length of zero or over 1 MiB.
    BadLength,
    /// The stream ended inside a record.
    Truncated,
}

impl RecordParser {
    /// Adds plaintext and hands every complete record to `f`.
    pub fn push<E: From<RecordError>>(
        &mut self,
        data: &[u8],
        f: &mut impl FnMut(SegmentRecord<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.buf.extend_from_slice(data);
        let mut at = 0;
        loop {
            let rest = &self.buf[at..];
            if rest.len() < RECORD_HEADER {
                break;
            }
            let index = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
            let mut salt = [0u8; 32];
            salt.copy_from_slice(&rest[4..36]);
            let len = u32::from_le_bytes([rest[36], rest[37], rest[38], rest[39]]) as usize;
            if len > SEGMENT_MAX || len == 0 {
                return Err(RecordError::BadLength.into());
            }
            if rest.len() < RECORD_HEADER + len {
                break;
            }
            f(SegmentRecord {
                index,
                salt,
                data: &rest[RECORD_HEADER..RECORD_HEADER + len],
            })?;
            at += RECORD_HEADER + len;
        }
        self.buf.drain(..at);
        Ok(())
    }

    /// Checks that nothing is left over at the end of the stream.
    pub fn finish(self) -> Result<(), RecordError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(RecordError::Truncated)
        }
    }
}

/// A complete segment record found in a buffer: where its bytes are.
#[derive(Clone, Debug)]
pub struct RecordSpan {
    /// Segment index.
    pub index: u32,
    /// Its salt.
    pub salt: [u8; 32],
    /// Where its bytes start in the buffer.
    pub start: usize,
    /// Where they end.
    pub end: usize,
}

/// Finds the complete records at the front of `buf`, in place: returns them
/// and how many bytes they take (the rest is an incomplete record).
pub fn split_records(buf: &[u8], out: &mut Vec<RecordSpan>) -> Result<usize, RecordError> {
    let mut at = 0;
    loop {
        let rest = &buf[at..];
        if rest.len() < RECORD_HEADER {
            return Ok(at);
        }
        let index = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let mut salt = [0u8; 32];
        salt.copy_from_slice(&rest[4..36]);
        let len = u32::from_le_bytes([rest[36], rest[37], rest[38], rest[39]]) as usize;
        if len > SEGMENT_MAX || len == 0 {
            return Err(RecordError::BadLength);
        }
        if rest.len() < RECORD_HEADER + len {
            return Ok(at);
        }
        out.push(RecordSpan {
            index,
            salt,
            start: at + RECORD_HEADER,
            end: at + RECORD_HEADER + len,
        });
        at += RECORD_HEADER + len;
    }
}

/// Appends a record header for a segment to `out`.
pub fn put_record_header(out: &mut Vec<u8>, index: u32, salt: &[u8; 32], len: usize) {
    out.extend_from_slice(&index.to_le_bytes());
    out.extend_from_slice(salt);
    out.extend_from_slice(&(len as u32).to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(kind: FieldKind, input: &[u8], piece: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut s = Segmenter::new(kind);
        let mut emit = |seg: &[u8]| -> Result<(), ()> {
            out.push(seg.to_vec());
            Ok(())
        };
        for p in input.chunks(piece.max(1)) {
            s.push(p, &mut emit).unwrap();
        }
        s.finish(&mut emit).unwrap();
        out
    }

    #[test]
    fn text_is_one_segment_per_line() {
        let input = b"alpha\nbeta\n\ngamma";
        for piece in [1, 3, 100] {
            let segs = cut(FieldKind::Text, input, piece);
            assert_eq!(
                segs,
                vec![
                    b"alpha\n".to_vec(),
                    b"beta\n".to_vec(),
                    b"\n".to_vec(),
                    b"gamma".to_vec()
                ]
            );
        }
    }

    #[test]
    fn long_lines_and_blocks_are_cut_at_one_mib() {
        let mut input = vec![b'x'; SEGMENT_MAX + 10];
        input.push(b'\n');
        let segs = cut(FieldKind::Text, &input, 4096);
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].len(), SEGMENT_MAX);
        assert_eq!(segs[1].len(), 11);
        let bin = vec![0u8; 2 * SEGMENT_MAX + 1];
        let segs = cut(FieldKind::Binary, &bin, 100_000);
        assert_eq!(
            segs.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![SEGMENT_MAX, SEGMENT_MAX, 1]
        );
        assert!(cut(FieldKind::Binary, b"", 1).is_empty());
    }

    #[test]
    fn records_parse_across_batches() {
        let mut stream = Vec::new();
        for (i, seg) in [b"one".as_slice(), b"two!", b"3"].iter().enumerate() {
            put_record_header(&mut stream, i as u32, &[i as u8; 32], seg.len());
            stream.extend_from_slice(seg);
        }
        for piece in [1, 5, 1000] {
            let mut p = RecordParser::default();
            let mut got = Vec::new();
            for c in stream.chunks(piece) {
                p.push(c, &mut |r: SegmentRecord<'_>| -> Result<(), RecordError> {
                    got.push((r.index, r.data.to_vec()));
                    Ok(())
                })
                .unwrap();
            }
            p.finish().unwrap();
            assert_eq!(got.len(), 3);
            assert_eq!(got[1], (1, b"two!".to_vec()));
        }
        let mut p = RecordParser::default();
        p.push(
            &stream[..stream.len() - 1],
            &mut |_r: SegmentRecord<'_>| -> Result<(), RecordError> { Ok(()) },
        )
        .unwrap();
        assert_eq!(p.finish(), Err(RecordError::Truncated));
    }
}
