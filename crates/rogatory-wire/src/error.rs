//! The one error type of the wire crate.

use thiserror::Error;

/// Why bytes were refused, or a value could not be encoded.
///
/// Every variant is about malformed *input*: decoding never panics and never
/// allocates past the documented limits (see [`crate::limits`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum WireError {
    /// The input ended before the structure did.
    #[error("{what}: truncated input")]
    Truncated {
        /// The structure being decoded.
        what: &'static str,
    },
    /// Bytes were left over after the structure ended.
    #[error("{what}: {extra} trailing bytes after the structure")]
    TrailingBytes {
        /// The structure being decoded.
        what: &'static str,
        /// How many bytes were left.
        extra: usize,
    },
    /// A length, a count or the whole input is larger than its limit.
    #[error("{what}: over limit: {detail}")]
    OverLimit {
        /// The structure being decoded.
        what: &'static str,
        /// Which limit, and the values.
        detail: String,
    },
    /// A boolean byte other than 0 or 1, or an option tag other than 0 or 1.
    #[error("{what}: invalid boolean or option tag {value}")]
    InvalidBool {
        /// The structure being decoded.
        what: &'static str,
        /// The byte found.
        value: u8,
    },
    /// A string was not valid UTF-8.
    #[error("{what}: string is not valid UTF-8")]
    NonUtf8 {
        /// The structure being decoded.
        what: &'static str,
    },
    /// An enum tag names no variant.
    #[error("{what}: unknown enum tag {tag}")]
    UnknownVariant {
        /// The structure being decoded.
        what: &'static str,
        /// The tag found.
        tag: u32,
    },
    /// The magic bytes are not Rogatory's.
    #[error("{what}: bad magic")]
    BadMagic {
        /// The structure being decoded.
        what: &'static str,
    },
    /// The protocol version is not one this implementation speaks.
    #[error("unknown protocol version {0}")]
    UnknownVersion(u16),
    /// The cipher suite is not one this implementation speaks.
    #[error("unknown cipher suite {0}")]
    UnknownSuite(u16),
    /// A string breaks the rules of its kind (charset, form).
    #[error("invalid {}: {detail}", words(.what))]
    InvalidString {
        /// The kind of string.
        what: &'static str,
        /// What rule it breaks.
        detail: String,
    },
    /// A value decodes but is not in its one canonical form (unsorted set,
    /// duplicate, bytes that re-encode differently, ...).
    #[error("{what}: non-canonical: {detail}")]
    NonCanonical {
        /// The structure being decoded.
        what: &'static str,
        /// What is not canonical.
        detail: String,
    },
    /// A value is well formed but breaks a structural rule of the protocol
    /// (indices out of order, a zero where none is allowed, ...).
    #[error("{what}: invalid: {detail}")]
    Invalid {
        /// The structure being decoded.
        what: &'static str,
        /// The rule broken.
        detail: String,
    },
}

impl WireError {
    pub(crate) fn invalid(what: &'static str, detail: impl Into<String>) -> Self {
        Self::Invalid {
            what,
            detail: detail.into(),
        }
    }

    pub(crate) fn non_canonical(what: &'static str, detail: impl Into<String>) -> Self {
        Self::NonCanonical {
            what,
            detail: detail.into(),
        }
    }

    pub(crate) fn over_limit(what: &'static str, detail: impl Into<String>) -> Self {
        Self::OverLimit {
            what,
            detail: detail.into(),
        }
    }
}

/// A type's name as words: `PartyId` is "party id", `FieldName` "field
/// name" (for messages people read).
fn words(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push(' ');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod words_tests {
    #[test]
    fn type_names_read_as_words() {
        assert_eq!(super::words("PartyId"), "party id");
        assert_eq!(super::words("Tag"), "tag");
        let e = super::WireError::InvalidString {
            what: "FieldName",
            detail: "empty".into(),
        };
        assert_eq!(e.to_string(), "invalid field name: empty");
    }
}
