//! Building blocks: fixed-size byte strings, bounded byte strings and
//! sequences, and the string kinds of the protocol (spec §2.2).
//!
//! Fixed-size byte strings encode as their bytes with no prefix. Variable
//! byte strings, strings and sequences encode as a `u64` little-endian length
//! (a count, for sequences) followed by the bytes or elements; the length is
//! checked against the limit of that position before anything is allocated.
//! In JSON (test vectors, reports) byte strings are lowercase hex.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};

use crate::codec::{MSG_INVALID_STRING, MSG_NON_CANONICAL, MSG_OVER_LIMIT};
use crate::error::WireError;

/// Elements pre-allocated for a sequence before they are actually read.
const PREALLOC_CAP: usize = 4096;

macro_rules! fixed_bytes {
    ($(#[$meta:meta])* $name:ident, $len:expr) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// Length in bytes.
            pub const LEN: usize = $len;

            /// All zero bytes.
            pub const ZERO: Self = Self([0u8; $len]);

            /// The bytes.
            pub const fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            /// Lowercase hex.
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }

            /// Parses lowercase or uppercase hex of exactly the right length.
            pub fn from_hex(s: &str) -> Result<Self, WireError> {
                let mut out = [0u8; $len];
                hex::decode_to_slice(s, &mut out).map_err(|e| WireError::InvalidString {
                    what: stringify!($name),
                    detail: format!("hex: {e}"),
                })?;
                Ok(Self(out))
            }

            /// Copies from a slice of exactly the right length.
            pub fn from_slice(s: &[u8]) -> Result<Self, WireError> {
                let arr: [u8; $len] = s.try_into().map_err(|_| WireError::Invalid {
                    what: stringify!($name),
                    detail: format!("{} bytes, expected {}", s.len(), $len),
                })?;
                Ok(Self(arr))
            }
        }

        impl From<[u8; $len]> for $name {
            fn from(b: [u8; $len]) -> Self {
                Self(b)
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.to_hex())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if s.is_human_readable() {
                    s.serialize_str(&self.to_hex())
                } else {
                    let mut t = s.serialize_tuple($len)?;
                    for b in &self.0 {
                        t.serialize_element(b)?;
                    }
                    t.end()
                }
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                if d.is_human_readable() {
                    let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                    Self::from_hex(&s).map_err(de::Error::custom)
                } else {
                    d.deserialize_tuple($len, FixedVisitor::<$len>).map(Self)
                }
            }
        }
    };
}

struct FixedVisitor<const N: usize>;

impl<'de, const N: usize> Visitor<'de> for FixedVisitor<N> {
    type Value = [u8; N];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{N} bytes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = [0u8; N];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(i, &self))?;
        }
        Ok(out)
    }
}

fixed_bytes!(
    /// A 32-byte digest (SHA-256 or BLAKE3, as the position says).
    Digest, 32
);
fixed_bytes!(
    /// A key id: SHA-256 over a party card's public keys (spec §3.1). Never a name.
    KeyId, 32
);
fixed_bytes!(
    /// A package id: 16 random bytes chosen by the sender.
    PackageId, 16
);
fixed_bytes!(
    /// An Ed25519 signature.
    Signature, 64
);
fixed_bytes!(
    /// A 32-byte public key (Ed25519 or X25519, as the position says).
    PublicKey, 32
);
fixed_bytes!(
    /// A 32-byte random salt.
    Salt, 32
);
fixed_bytes!(
    /// An X-Wing (ML-KEM-768 + X25519) public key: the 1184-byte ML-KEM-768
    /// encapsulation key followed by the 32-byte X25519 public key (spec §3.1).
    XWingPublicKey, 1216
);
fixed_bytes!(
    /// An X-Wing ciphertext: the 1088-byte ML-KEM-768 ciphertext followed by
    /// the 32-byte ephemeral X25519 public key (spec §6.3).
    XWingCiphertext, 1120
);

/// A variable-length byte string of at most `MAX` bytes.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Bytes<const MAX: usize>(Vec<u8>);

impl<const MAX: usize> Bytes<MAX> {
    /// The limit.
    pub const MAX: usize = MAX;

    /// Wraps `v`, refusing more than `MAX` bytes.
    pub fn new(v: Vec<u8>) -> Result<Self, WireError> {
        if v.len() > MAX {
            return Err(WireError::over_limit(
                "bytes",
                format!("{} bytes, limit {MAX}", v.len()),
            ));
        }
        Ok(Self(v))
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.0
    }

    /// Takes the bytes out.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<const MAX: usize> fmt::Debug for Bytes<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.len() <= 64 {
            write!(f, "Bytes({})", hex::encode(&self.0))
        } else {
            write!(f, "Bytes({} bytes)", self.0.len())
        }
    }
}

impl<const MAX: usize> Serialize for Bytes<MAX> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&hex::encode(&self.0))
        } else {
            s.serialize_bytes(&self.0)
        }
    }
}

impl<'de, const MAX: usize> Deserialize<'de> for Bytes<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            let v = hex::decode(s.as_ref()).map_err(de::Error::custom)?;
            Self::new(v).map_err(de::Error::custom)
        } else {
            d.deserialize_bytes(BytesVisitor::<MAX>)
        }
    }
}

struct BytesVisitor<const MAX: usize>;

impl<'de, const MAX: usize> Visitor<'de> for BytesVisitor<MAX> {
    type Value = Bytes<MAX>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at most {MAX} bytes")
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
        self.visit_bytes(v)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
        if v.len() > MAX {
            return Err(E::custom(format!(
                "{MSG_OVER_LIMIT} byte string of {} bytes, limit {MAX}",
                v.len()
            )));
        }
        Ok(Bytes(v.to_vec()))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
        if v.len() > MAX {
            return Err(E::custom(format!(
                "{MSG_OVER_LIMIT} byte string of {} bytes, limit {MAX}",
                v.len()
            )));
        }
        Ok(Bytes(v))
    }
}

/// Serde helper for `Vec<T>` positions (`#[serde(deserialize_with =
/// "bounded_seq::<_, _, MAX>")]`): the count is checked against `MAX` before
/// any element is read, and pre-allocation is capped. For structures other
/// crates add to the protocol, so that they decode by the same rules.
pub fn bounded_seq<'de, D, T, const MAX: usize>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_seq(SeqVisitor::<T, MAX>(PhantomData))
}

struct SeqVisitor<T, const MAX: usize>(PhantomData<T>);

impl<'de, T: Deserialize<'de>, const MAX: usize> Visitor<'de> for SeqVisitor<T, MAX> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a sequence of at most {MAX} elements")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let hint = seq.size_hint().unwrap_or(0);
        if hint > MAX {
            return Err(de::Error::custom(format!(
                "{MSG_OVER_LIMIT} sequence of {hint} elements, limit {MAX}"
            )));
        }
        let mut out = Vec::with_capacity(hint.min(PREALLOC_CAP));
        while let Some(x) = seq.next_element()? {
            if out.len() == MAX {
                return Err(de::Error::custom(format!(
                    "{MSG_OVER_LIMIT} sequence longer than {MAX}"
                )));
            }
            out.push(x);
        }
        Ok(out)
    }
}

/// Carries a typed error through serde, so that [`crate::codec`] maps it back.
pub(crate) fn de_error<E: de::Error>(e: WireError) -> E {
    match e {
        WireError::NonCanonical { detail, .. } => {
            E::custom(format!("{MSG_NON_CANONICAL} {detail}"))
        }
        WireError::OverLimit { detail, .. } => E::custom(format!("{MSG_OVER_LIMIT} {detail}")),
        WireError::InvalidString { what, detail } => {
            E::custom(format!("{MSG_INVALID_STRING} {what}: {detail}"))
        }
        other => E::custom(format!("{}{other}", crate::codec::MSG_INVALID)),
    }
}

/// Checks a sequence count on the encoding side.
pub(crate) fn check_count(what: &'static str, n: usize, max: usize) -> Result<(), WireError> {
    if n > max {
        Err(WireError::over_limit(
            what,
            format!("{n} elements, limit {max}"),
        ))
    } else {
        Ok(())
    }
}

/// Checks that a sequence is strictly increasing under `key` (sorted, no
/// duplicates): the canonical form of every set in the protocol.
pub(crate) fn check_strictly_sorted<T, K: Ord>(
    what: &'static str,
    items: &[T],
    key: impl Fn(&T) -> K,
) -> Result<(), WireError> {
    for pair in items.windows(2) {
        if let [a, b] = pair
            && key(a) >= key(b)
        {
            return Err(WireError::non_canonical(
                what,
                "set elements must be sorted and unique",
            ));
        }
    }
    Ok(())
}

/// The rules of a string kind.
trait StringRule {
    const WHAT: &'static str;
    const MAX: usize;
    fn check(s: &str) -> Result<(), String>;
}

macro_rules! string_kind {
    ($(#[$meta:meta])* $name:ident, $rule:ident, $max:expr, $check:expr) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        struct $rule;

        impl StringRule for $rule {
            const WHAT: &'static str = stringify!($name);
            const MAX: usize = $max;
            fn check(s: &str) -> Result<(), String> {
                let f: fn(&str) -> Result<(), String> = $check;
                f(s)
            }
        }

        impl $name {
            /// Largest length in bytes.
            pub const MAX: usize = $max;

            /// Checks `s` against the rules of this kind.
            pub fn new(s: impl Into<String>) -> Result<Self, WireError> {
                let s = s.into();
                check_string::<$rule>(&s).map_err(|detail| WireError::InvalidString {
                    what: <$rule as StringRule>::WHAT,
                    detail,
                })?;
                Ok(Self(s))
            }

            /// The string.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = WireError;
            fn from_str(s: &str) -> Result<Self, WireError> {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_str(StrVisitor::<$rule>(PhantomData)).map(Self)
            }
        }
    };
}

fn check_string<R: StringRule>(s: &str) -> Result<(), String> {
    if s.len() > R::MAX {
        return Err(format!("{} bytes, limit {}", s.len(), R::MAX));
    }
    R::check(s)
}

struct StrVisitor<R>(PhantomData<R>);

impl<'de, R: StringRule> Visitor<'de> for StrVisitor<R> {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {}", R::WHAT)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<String, E> {
        self.visit_str(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        if v.len() > R::MAX {
            return Err(E::custom(format!(
                "{MSG_OVER_LIMIT} {} of {} bytes, limit {}",
                R::WHAT,
                v.len(),
                R::MAX
            )));
        }
        R::check(v).map_err(|d| E::custom(format!("{MSG_INVALID_STRING} {}: {d}", R::WHAT)))?;
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        self.visit_str(&v)?;
        Ok(v)
    }
}

fn ascii_token(s: &str, extra: &[u8]) -> Result<(), String> {
    let b = s.as_bytes();
    match b.first() {
        None => return Err("empty".into()),
        Some(c) if !(c.is_ascii_lowercase() || c.is_ascii_digit()) => {
            return Err("must start with a lowercase letter or digit".into());
        }
        _ => {}
    }
    if let Some(c) = b
        .iter()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || extra.contains(c)))
    {
        return Err(format!("character {:?} not allowed", char::from(*c)));
    }
    Ok(())
}

fn no_controls(s: &str, allow_newlines: bool) -> Result<(), String> {
    for c in s.chars() {
        let ok_ws = allow_newlines && matches!(c, '\n' | '\r' | '\t');
        if c.is_control() && !ok_ws {
            return Err(format!(
                "control character U+{:04X} not allowed",
                u32::from(c)
            ));
        }
    }
    Ok(())
}

string_kind!(
    /// A party id such as `de.bka`: 1 to 64 bytes of `[a-z0-9.-]`, starting
    /// with a letter or digit.
    PartyId, PartyRule, 64, |s| ascii_token(s, b".-")
);

string_kind!(
    /// An access tag `key:value`: each side 1 or more bytes of `[a-z0-9._-]`,
    /// starting with a letter or digit; exactly one `:`; at most 64 bytes.
    Tag, TagRule, 64, |s| {
        let (k, v) = s.split_once(':').ok_or_else(|| "must be key:value".to_owned())?;
        ascii_token(k, b"._-").map_err(|e| format!("key: {e}"))?;
        ascii_token(v, b"._-").map_err(|e| format!("value: {e}"))
    }
);

string_kind!(
    /// A token such as a data category (`subscriber`, `traffic`, `content`):
    /// 1 to 64 bytes of `[a-z0-9._-]`, starting with a letter or digit.
    Token, TokenRule, 64, |s| ascii_token(s, b"._-")
);

string_kind!(
    /// A field name: 1 to 255 bytes of UTF-8 without control characters. It
    /// is a label, not a path: readers never use it as one unchecked.
    FieldName, FieldNameRule, 255, |s| {
        if s.is_empty() {
            return Err("empty".into());
        }
        no_controls(s, false)
    }
);

string_kind!(
    /// A media type `type/subtype`, lowercase ASCII `[a-z0-9.+-]` on each
    /// side, at most 127 bytes, no parameters.
    MediaType, MediaTypeRule, 127, |s| {
        let (t, sub) = s.split_once('/').ok_or_else(|| "must be type/subtype".to_owned())?;
        ascii_token(t, b".+-").map_err(|e| format!("type: {e}"))?;
        ascii_token(sub, b".+-").map_err(|e| format!("subtype: {e}"))
    }
);

string_kind!(
    /// Free text of the legal metadata: UTF-8, at most 4096 bytes, no control
    /// characters other than line feed, carriage return and tab. May be empty.
    Text, TextRule, 4096, |s| no_controls(s, true)
);

impl Text {
    /// The empty text.
    pub fn empty() -> Self {
        Self(String::new())
    }
}

string_kind!(
    /// A short free text (a rejection detail): UTF-8, at most 256 bytes, no
    /// control characters.
    ShortText, ShortTextRule, 256, |s| no_controls(s, false)
);

/// A canonical set: sorted by its byte order, no duplicates, between `MIN`
/// and `MAX` elements. Tags, categories and party lists use it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Set<T, const MIN: usize, const MAX: usize>(Vec<T>);

impl<T, const MAX: usize> Default for Set<T, 0, MAX> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: Ord + Clone, const MIN: usize, const MAX: usize> Set<T, MIN, MAX> {
    /// Builds the canonical set from any order; duplicates are merged.
    pub fn from_unsorted(mut items: Vec<T>) -> Result<Self, WireError> {
        items.sort();
        items.dedup();
        Self::from_sorted(items)
    }

    /// Wraps items that must already be in canonical order.
    pub fn from_sorted(items: Vec<T>) -> Result<Self, WireError> {
        let s = Self(items);
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> Result<(), WireError> {
        if self.0.len() < MIN {
            return Err(WireError::invalid(
                "set",
                format!("{} elements, at least {MIN} required", self.0.len()),
            ));
        }
        check_count("set", self.0.len(), MAX)?;
        check_strictly_sorted("set", &self.0, |x| x.clone())
    }

    /// The elements, in canonical order.
    pub fn as_slice(&self) -> &[T] {
        &self.0
    }

    /// Whether `x` is in the set.
    pub fn contains(&self, x: &T) -> bool {
        self.0.binary_search(x).is_ok()
    }

    /// Whether every element of `self` is in `other`.
    pub fn is_subset(&self, other: &[T]) -> bool {
        self.0.iter().all(|x| other.contains(x))
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T: fmt::Debug, const MIN: usize, const MAX: usize> fmt::Debug for Set<T, MIN, MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(&self.0).finish()
    }
}

impl<T: Serialize, const MIN: usize, const MAX: usize> Serialize for Set<T, MIN, MAX> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T, const MIN: usize, const MAX: usize> Deserialize<'de> for Set<T, MIN, MAX>
where
    T: Deserialize<'de> + Ord + Clone,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items: Vec<T> = bounded_seq::<D, T, MAX>(d)?;
        let s = Self(items);
        s.check().map_err(de_error)?;
        Ok(s)
    }
}

impl<'a, T, const MIN: usize, const MAX: usize> IntoIterator for &'a Set<T, MIN, MAX> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// The access tags of a field: 1 to 16 canonical [`Tag`]s.
pub type TagSet = Set<Tag, 1, { crate::limits::TAGS_MAX }>;

/// A set of clearances granted to a party: 0 to 256 tags.
pub type Clearances = Set<Tag, 0, { crate::limits::CLEARANCES_MAX }>;

/// A set of data categories: 0 to 32 tokens.
pub type CategorySet = Set<Token, 0, { crate::limits::CATEGORIES_MAX }>;

/// A set of party ids: 1 to 64.
pub type PartySet = Set<PartyId, 1, { crate::limits::PARTIES_MAX }>;

/// A UTC time: whole seconds since 1970-01-01T00:00:00Z, leap seconds not
/// counted (POSIX time). Encoded as `u64`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// Seconds since the epoch.
    pub const fn secs(self) -> u64 {
        self.0
    }
}
