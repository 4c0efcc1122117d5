//! The canonical codec: the only place that turns protocol values into bytes
//! and back (spec §2, "Encoding").
//!
//! Every structure has exactly one encoding. [`decode`]
//! 1. refuses input longer than the structure's [`Wire::MAX_ENCODED`];
//! 2. checks every length and count against its limit before allocating
//!    (strings and byte strings are borrowed from the input and copied only once
//!    their length is known to be within bounds; sequences check their count);
//! 3. rejects trailing bytes;
//! 4. checks the structural rules of the value ([`Wire::validate`]);
//! 5. re-encodes the value and rejects input that does not come back byte for
//!    byte.
//!
//! The bytes are those of `bincode` 2.0.1 in its serde mode with fixed-width
//! little-endian integers; the spec describes them without reference to
//! bincode, so the codec can be replaced without changing a byte.

use serde::{Serialize, de::DeserializeOwned};

use crate::error::WireError;

/// A hard ceiling for the codec itself, above every structure's own limit.
const HARD_LIMIT: usize = 1 << 30;

fn config() -> impl bincode::config::Config {
    bincode::config::standard()
        .with_little_endian()
        .with_fixed_int_encoding()
        .with_limit::<HARD_LIMIT>()
}

/// A structure of the protocol with a canonical encoding.
pub trait Wire: Serialize + DeserializeOwned {
    /// The structure's name in the spec, used in errors.
    const NAME: &'static str;
    /// The largest encoding accepted (bytes).
    const MAX_ENCODED: usize;
    /// Structural rules beyond what the types enforce (spec: "rules").
    fn validate(&self) -> Result<(), WireError> {
        Ok(())
    }
}

/// Encodes a value in its canonical form, after checking its rules.
pub fn encode<T: Wire>(value: &T) -> Result<Vec<u8>, WireError> {
    value.validate()?;
    let bytes = bincode::serde::encode_to_vec(value, config()).map_err(|e| WireError::Invalid {
        what: T::NAME,
        detail: e.to_string(),
    })?;
    if bytes.len() > T::MAX_ENCODED {
        return Err(WireError::over_limit(
            T::NAME,
            format!(
                "encoding is {} bytes, limit {}",
                bytes.len(),
                T::MAX_ENCODED
            ),
        ));
    }
    Ok(bytes)
}

/// Decodes exactly one canonical value from `bytes`.
pub fn decode<T: Wire>(bytes: &[u8]) -> Result<T, WireError> {
    if bytes.len() > T::MAX_ENCODED {
        return Err(WireError::over_limit(
            T::NAME,
            format!("input is {} bytes, limit {}", bytes.len(), T::MAX_ENCODED),
        ));
    }
    let (value, read): (T, usize) = bincode::serde::borrow_decode_from_slice(bytes, config())
        .map_err(|e| map_error(T::NAME, e))?;
    if read != bytes.len() {
        return Err(WireError::TrailingBytes {
            what: T::NAME,
            extra: bytes.len() - read,
        });
    }
    value.validate()?;
    let again = encode(&value)?;
    if again != bytes {
        return Err(WireError::non_canonical(
            T::NAME,
            "the bytes do not re-encode to themselves",
        ));
    }
    Ok(value)
}

/// Prefix of the messages our own serde visitors raise, so that they map back
/// to typed errors.
pub(crate) const MSG_OVER_LIMIT: &str = "rogatory-over-limit:";
pub(crate) const MSG_INVALID_STRING: &str = "rogatory-invalid-string:";
pub(crate) const MSG_NON_CANONICAL: &str = "rogatory-non-canonical:";
pub(crate) const MSG_INVALID: &str = "rogatory-invalid:";

fn map_error(what: &'static str, e: bincode::error::DecodeError) -> WireError {
    use bincode::error::DecodeError as D;
    match e {
        D::UnexpectedEnd { .. } => WireError::Truncated { what },
        D::LimitExceeded => WireError::over_limit(what, "codec limit"),
        D::InvalidBooleanValue(value) => WireError::InvalidBool { what, value },
        D::UnexpectedVariant {
            type_name, found, ..
        } if type_name.contains("Option") => WireError::InvalidBool {
            what,
            value: u8::try_from(found).unwrap_or(u8::MAX),
        },
        D::UnexpectedVariant { found, .. } => WireError::UnknownVariant { what, tag: found },
        D::Utf8 { .. } => WireError::NonUtf8 { what },
        D::OutsideUsizeRange(n) => WireError::over_limit(what, format!("length {n}")),
        D::OtherString(msg) => map_message(what, &msg),
        D::Other(msg) => map_message(what, msg),
        other => WireError::invalid(what, other.to_string()),
    }
}

fn map_message(what: &'static str, msg: &str) -> WireError {
    if let Some(rest) = msg.strip_prefix(MSG_OVER_LIMIT) {
        WireError::over_limit(what, rest.trim())
    } else if let Some(rest) = msg.strip_prefix(MSG_INVALID_STRING) {
        WireError::InvalidString {
            what,
            detail: rest.trim().to_owned(),
        }
    } else if let Some(rest) = msg.strip_prefix(MSG_NON_CANONICAL) {
        WireError::non_canonical(what, rest.trim())
    } else if let Some(rest) = msg.strip_prefix(MSG_INVALID) {
        WireError::invalid(what, rest.trim())
    } else if msg.contains("invalid value: integer") || msg.contains("unknown variant") {
        // serde's derive reports an enum tag it does not know this way.
        WireError::UnknownVariant {
            what,
            tag: parse_tag(msg).unwrap_or(u32::MAX),
        }
    } else if msg.contains("Option") && msg.contains("variant") {
        WireError::InvalidBool {
            what,
            value: parse_tag(msg)
                .and_then(|t| u8::try_from(t).ok())
                .unwrap_or(u8::MAX),
        }
    } else {
        WireError::invalid(what, msg)
    }
}

fn parse_tag(msg: &str) -> Option<u32> {
    let start = msg.find(|c: char| c.is_ascii_digit())?;
    let digits: String = msg[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}
