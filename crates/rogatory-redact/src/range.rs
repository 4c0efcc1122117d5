//! The segment range syntax of `--drop-segments` and `--segments` (spec §12.2):
//! comma-separated items, each a segment index `N` or an inclusive range
//! `A-B` with `A <= B`, in decimal; spaces around items are ignored. Examples:
//! `3`, `3-7`, `3,5,9-12`. Indices are the field's leaf indices: they never
//! change, also after a redaction.

use rogatory_wire::limits::LEAVES_MAX;
use rogatory_wire::{SegmentRange, SegmentSet};

use crate::error::{RedactError, Result};

fn bad(input: &str, detail: impl Into<String>) -> RedactError {
    RedactError::Range {
        input: input.to_owned(),
        detail: detail.into(),
    }
}

fn index(input: &str, s: &str) -> Result<u32> {
    let s = s.trim();
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(input, format!("{s:?} is not a segment index")));
    }
    match s.parse::<u32>() {
        Ok(n) if (n as usize) < LEAVES_MAX => Ok(n),
        _ => Err(bad(
            input,
            format!("segment index {s} is past the limit of {LEAVES_MAX} leaves"),
        )),
    }
}

/// Parses a range list into a canonical set.
pub fn parse_ranges(input: &str) -> Result<SegmentSet> {
    if input.trim().is_empty() {
        return Err(bad(input, "empty"));
    }
    let mut ranges: Vec<SegmentRange> = Vec::new();
    for item in input.split(',') {
        let (a, b) = match item.split_once('-') {
            Some((a, b)) => (index(input, a)?, index(input, b)?),
            None => {
                let a = index(input, item)?;
                (a, a)
            }
        };
        if a > b {
            return Err(bad(input, format!("range {a}-{b} runs backwards")));
        }
        ranges.push(SegmentRange {
            start: a,
            end: b + 1,
        });
    }
    Ok(merge(ranges))
}

/// The canonical set of any ranges: sorted, overlapping and touching ranges
/// merged, empty ones dropped.
pub fn merge(mut ranges: Vec<SegmentRange>) -> SegmentSet {
    ranges.retain(|r| r.start < r.end);
    ranges.sort_unstable();
    let mut out: Vec<SegmentRange> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    // Canonical by construction; the fallback is never taken.
    SegmentSet::from_ranges(out).unwrap_or_default()
}

/// The union of two sets.
pub fn union(a: &SegmentSet, b: &SegmentSet) -> SegmentSet {
    let mut all = a.ranges().to_vec();
    all.extend_from_slice(b.ranges());
    merge(all)
}

/// The intersection of two sets.
pub fn intersection(a: &SegmentSet, b: &SegmentSet) -> SegmentSet {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let (ra, rb) = (a.ranges(), b.ranges());
    while i < ra.len() && j < rb.len() {
        let start = ra[i].start.max(rb[j].start);
        let end = ra[i].end.min(rb[j].end);
        if start < end {
            out.push(SegmentRange { start, end });
        }
        if ra[i].end < rb[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    merge(out)
}

/// `a` without `b`, range by range (no per-index expansion).
pub fn difference(a: &SegmentSet, b: &SegmentSet) -> SegmentSet {
    let mut out = Vec::new();
    for r in a.ranges() {
        let mut start = r.start;
        for cut in b.ranges() {
            if cut.end <= start || cut.start >= r.end {
                continue;
            }
            if cut.start > start {
                out.push(SegmentRange {
                    start,
                    end: cut.start,
                });
            }
            start = start.max(cut.end);
        }
        if start < r.end {
            out.push(SegmentRange { start, end: r.end });
        }
    }
    merge(out)
}

/// Writes a set in the range syntax (`0-2,5`); the empty set is `-`.
pub fn format_ranges(s: &SegmentSet) -> String {
    if s.is_empty() {
        return "-".to_owned();
    }
    s.ranges()
        .iter()
        .map(|r| {
            if r.end - r.start == 1 {
                r.start.to_string()
            } else {
                format!("{}-{}", r.start, r.end - 1)
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn set(idx: &[u32]) -> SegmentSet {
        SegmentSet::from_indices(idx.to_vec()).unwrap()
    }

    #[test]
    fn the_documented_examples_parse() {
        assert_eq!(parse_ranges("3").unwrap(), set(&[3]));
        assert_eq!(parse_ranges("3-7").unwrap(), set(&[3, 4, 5, 6, 7]));
        assert_eq!(
            parse_ranges("3,5,9-12").unwrap(),
            set(&[3, 5, 9, 10, 11, 12])
        );
        assert_eq!(
            parse_ranges(" 9-12 , 3,4 ").unwrap(),
            set(&[3, 4, 9, 10, 11, 12])
        );
        assert_eq!(parse_ranges("1-1,0").unwrap(), set(&[0, 1]));
        assert_eq!(
            format_ranges(&parse_ranges("3,5,9-12,4").unwrap()),
            "3-5,9-12"
        );
    }

    #[test]
    fn bad_ranges_are_refused() {
        for bad in [
            "",
            " ",
            ",",
            "3,",
            "-3",
            "3-",
            "7-3",
            "a",
            "+3",
            "3.5",
            "1-2-3",
            "4194304",
            "99999999999",
        ] {
            assert!(parse_ranges(bad).is_err(), "{bad:?}");
        }
        assert!(parse_ranges("4194303").is_ok());
    }

    #[test]
    fn set_operations_agree_with_indices() {
        let a = set(&[0, 1, 2, 3, 7, 8, 20]);
        let b = set(&[2, 3, 4, 8, 30]);
        assert_eq!(difference(&a, &b), a.difference(&b));
        assert_eq!(intersection(&a, &b), set(&[2, 3, 8]));
        assert_eq!(union(&a, &b), set(&[0, 1, 2, 3, 4, 7, 8, 20, 30]));
        assert_eq!(difference(&a, &a), SegmentSet::empty());
    }
}
