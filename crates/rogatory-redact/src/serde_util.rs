//! Serde helpers for the structures this crate adds to the protocol (the
//! extract), following the conventions of `rogatory-wire`: sequences check
//! their count against a limit before reading an element and pre-allocate
//! little; fixed-size byte strings encode without a prefix, and as lowercase
//! hex in JSON.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};

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
