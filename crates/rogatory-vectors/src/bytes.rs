//! Deterministic byte strings and the small byte-level edits that turn a
//! valid encoding into a negative vector.
//!
//! The edits work on the spec's layout, not on the codec: a length prefix is
//! a `u64` little-endian, an enum tag a `u32` little-endian, and so on
//! (spec §2.2). Every edit checks that it applies exactly where it should, so
//! a change of the encoding makes generation fail instead of producing a
//! vector that tests something else.

use crate::Error;

/// `N` random-looking bytes derived from `label` alone (FNV-1a of the label
/// seeds a SplitMix64 counter): the same label always gives the same bytes.
pub fn pseudo<const N: usize>(label: &str) -> [u8; N] {
    let mut out = [0u8; N];
    fill(label, &mut out);
    out
}

/// `n` random-looking bytes derived from `label`, as [`pseudo`].
pub fn pseudo_vec(label: &str, n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    fill(label, &mut out);
    out
}

fn fill(label: &str, out: &mut [u8]) {
    // FNV-1a, 64 bit.
    let mut seed: u64 = 0xcbf2_9ce4_8422_2325;
    for b in label.as_bytes() {
        seed ^= u64::from(*b);
        seed = seed.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // SplitMix64 over a counter.
    let mut counter = seed;
    for chunk in out.chunks_mut(8) {
        counter = counter.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = counter;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let bytes = z.to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

/// A `u32` as the wire writes it (an enum tag, an index).
pub fn le32(x: u32) -> Vec<u8> {
    x.to_le_bytes().to_vec()
}

/// A `u64` as the wire writes it (a length, a count, a time).
pub fn le64(x: u64) -> Vec<u8> {
    x.to_le_bytes().to_vec()
}

/// A string or byte string as the wire writes it: `u64` length, then bytes.
pub fn lp(bytes: &[u8]) -> Vec<u8> {
    let mut out = le64(bytes.len() as u64);
    out.extend_from_slice(bytes);
    out
}

/// Concatenation.
pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Replaces the one occurrence of `from` in `bytes` with `to`. Fails if
/// `from` occurs zero or several times.
pub fn replace_once(vector: &str, bytes: &[u8], from: &[u8], to: &[u8]) -> Result<Vec<u8>, Error> {
    let hits: Vec<usize> = if from.is_empty() || from.len() > bytes.len() {
        Vec::new()
    } else {
        bytes
            .windows(from.len())
            .enumerate()
            .filter(|(_, w)| *w == from)
            .map(|(i, _)| i)
            .collect()
    };
    match hits.as_slice() {
        [at] => {
            let mut out = Vec::with_capacity(bytes.len() - from.len() + to.len());
            out.extend_from_slice(&bytes[..*at]);
            out.extend_from_slice(to);
            out.extend_from_slice(&bytes[at + from.len()..]);
            Ok(out)
        }
        _ => Err(Error::Patch {
            vector: vector.to_owned(),
            detail: format!("the pattern occurs {} times, expected once", hits.len()),
        }),
    }
}

/// Overwrites `bytes[at..at + new.len()]` with `new`, checking that the old
/// content there is `old` (so the offset is the one the spec gives).
pub fn overwrite(
    vector: &str,
    bytes: &[u8],
    at: usize,
    old: &[u8],
    new: &[u8],
) -> Result<Vec<u8>, Error> {
    let end = at.checked_add(new.len());
    let here = end.and_then(|end| bytes.get(at..end));
    if old.len() != new.len() || here != Some(old) {
        return Err(Error::Patch {
            vector: vector.to_owned(),
            detail: format!("offset {at} does not hold the expected bytes"),
        });
    }
    let mut out = bytes.to_vec();
    out[at..at + new.len()].copy_from_slice(new);
    Ok(out)
}

/// The first `n` bytes.
pub fn truncate(vector: &str, bytes: &[u8], n: usize) -> Result<Vec<u8>, Error> {
    bytes
        .get(..n)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| Error::Patch {
            vector: vector.to_owned(),
            detail: format!("cannot cut {} bytes to {n}", bytes.len()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo_is_deterministic_and_label_dependent() {
        assert_eq!(pseudo::<32>("a"), pseudo::<32>("a"));
        assert_ne!(pseudo::<32>("a"), pseudo::<32>("b"));
        assert_eq!(pseudo_vec("a", 13).as_slice(), &pseudo::<32>("a")[..13]);
    }

    #[test]
    fn replace_once_requires_one_hit() {
        assert_eq!(replace_once("t", b"abcabd", b"bd", b"X").unwrap(), b"abcaX");
        assert!(replace_once("t", b"abcabd", b"ab", b"X").is_err());
        assert!(replace_once("t", b"abc", b"z", b"X").is_err());
    }

    #[test]
    fn overwrite_checks_old_bytes() {
        assert_eq!(overwrite("t", b"abcd", 1, b"bc", b"XY").unwrap(), b"aXYd");
        assert!(overwrite("t", b"abcd", 1, b"bd", b"XY").is_err());
        assert!(overwrite("t", b"abcd", 3, b"dd", b"XY").is_err());
    }
}
