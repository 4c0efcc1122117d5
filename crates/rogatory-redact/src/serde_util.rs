//! Serde helpers for the structures this crate adds to the protocol (the
//! extract), following the conventions of `rogatory-wire`: sequences check
//! their count against a limit before reading an element and pre-allocate
//! little; fixed-size byte strings encode without a prefix, and as lowercase
//! hex in JSON.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};

/// The message prefix the wire codec maps to its `over_limit` class.
const OVER_LIMIT: &str = "rogatory-over-limit:";

/// Elements reserved for a sequence before any is read.
const PREALLOC_CAP: usize = 1024;

/// Deserializes a `Vec<T>` of at most `MAX` elements.
pub(crate) fn bounded_seq<'de, D, T, const MAX: usize>(d: D) -> Result<Vec<T>, D::Error>
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
                "{OVER_LIMIT} sequence of {hint} elements, limit {MAX}"
            )));
        }
        let mut out = Vec::with_capacity(hint.min(PREALLOC_CAP));
        while let Some(x) = seq.next_element()? {
            if out.len() == MAX {
                return Err(de::Error::custom(format!(
                    "{OVER_LIMIT} sequence longer than {MAX}"
                )));
            }
            out.push(x);
        }
        Ok(out)
    }
}

/// The metadata key as an extract discloses it: 32 bytes, no prefix (hex in
/// JSON). It prints as `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct DisclosedKey(pub [u8; 32]);

impl fmt::Debug for DisclosedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DisclosedKey([redacted])")
    }
}

impl Serialize for DisclosedKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(&HexOf(&self.0))
        } else {
            let mut t = s.serialize_tuple(32)?;
            for b in &self.0 {
                t.serialize_element(b)?;
            }
            t.end()
        }
    }
}

struct HexOf<'a>(&'a [u8]);

impl fmt::Display for HexOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl<'de> Deserialize<'de> for DisclosedKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
            let digest = rogatory_wire::Digest::from_hex(&s).map_err(de::Error::custom)?;
            Ok(Self(digest.0))
        } else {
            d.deserialize_tuple(32, KeyVisitor)
        }
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = DisclosedKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("32 bytes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = [0u8; 32];
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = seq
                .next_element()?
                .ok_or_else(|| de::Error::invalid_length(i, &self))?;
        }
        Ok(DisclosedKey(out))
    }
}
