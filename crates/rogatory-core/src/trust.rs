//! The trust store (spec §3.3): the cards a party accepts, keyed by
//! (party, key id), with the clearances it grants each party. A human-edited
//! TOML file; retired cards stay so old packages remain verifiable.
//!
//! ```toml
//! [[party]]
//! party = "fr.pnat"
//! key_id = "5f1c…"          # SHA-256 over the card's keys
//! card = "0600000000…"      # the card's canonical bytes, hex
//! clearances = ["category:subscriber", "sensitivity:restricted"]
//! retired = false
//! ```

use std::path::Path;

use rogatory_wire::{
    Clearances, KeyId, PartyCard, PartyId, Tag, TagSet, Timestamp, TrustEntry, decode, encode,
};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::identity::{card_valid_at, verify_card};

/// Accepted cards and clearances.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustStore {
    entries: Vec<TrustEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustFile {
    #[serde(default, rename = "party")]
    parties: Vec<TrustRecord>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustRecord {
    party: String,
    key_id: String,
    card: String,
    #[serde(default)]
    clearances: Vec<String>,
    #[serde(default)]
    retired: bool,
}

fn bad(detail: impl Into<String>) -> CoreError {
    CoreError::BadFile {
        what: "trust store",
        detail: detail.into(),
    }
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a store; a missing file is an empty store.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(s) => Self::parse(&s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::new()),
            Err(e) => Err(CoreError::io(format!("reading {}", path.display()))(e)),
        }
    }

    /// Parses the TOML form, checking every card's self-signature and key id.
    pub fn parse(s: &str) -> Result<Self> {
        let file: TrustFile = toml::from_str(s).map_err(|e| bad(e.to_string()))?;
        let mut store = Self::new();
        for r in file.parties {
            let party = PartyId::new(&r.party).map_err(|e| bad(e.to_string()))?;
            let key_id = KeyId::from_hex(&r.key_id).map_err(|e| bad(e.to_string()))?;
            let card_bytes =
                hex::decode(&r.card).map_err(|e| bad(format!("card of {party}: {e}")))?;
            let card: PartyCard =
                decode(&card_bytes).map_err(|e| bad(format!("card of {party}: {e}")))?;
            let tags = r
                .clearances
                .iter()
                .map(|t| Tag::new(t.as_str()))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| bad(format!("clearances of {party}: {e}")))?;
            let clearances = Clearances::from_unsorted(tags)
                .map_err(|e| bad(format!("clearances of {party}: {e}")))?;
            let entry = TrustEntry {
                party: party.clone(),
                key_id,
                card,
                clearances,
                retired: r.retired,
            };
            store.insert(entry)?;
        }
        Ok(store)
    }

    /// The TOML form.
    pub fn to_toml(&self) -> Result<String> {
        let file = TrustFile {
            parties: self
                .entries
                .iter()
                .map(|e| {
                    Ok(TrustRecord {
                        party: e.party.to_string(),
                        key_id: e.key_id.to_hex(),
                        card: hex::encode(encode(&e.card).map_err(|e| bad(e.to_string()))?),
                        clearances: e
                            .clearances
                            .as_slice()
                            .iter()
                            .map(|t| t.to_string())
                            .collect(),
                        retired: e.retired,
                    })
                })
                .collect::<Result<Vec<_>>>()?,
        };
        let body = toml::to_string(&file).map_err(|e| bad(e.to_string()))?;
        Ok(format!(
            "# Rogatory trust store: the party cards this party accepts.\n\
             # Edit clearances and retired by hand; key_id and card come from `rogatory trust add`.\n\n{body}"
        ))
    }

    /// Writes the store atomically (temporary file, fsync, rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::fsutil::write_atomic(path, self.to_toml()?.as_bytes(), false)
    }

    fn insert(&mut self, entry: TrustEntry) -> Result<()> {
        let id = verify_card(&entry.card).map_err(|_| {
            bad(format!(
                "card of {} is not validly self-signed",
                entry.party
            ))
        })?;
        if id != entry.key_id {
            return Err(bad(format!(
                "key id of {} does not match its card",
                entry.party
            )));
        }
        if entry.card.body.party != entry.party {
            return Err(bad(format!(
                "entry {} holds a card of {}",
                entry.party, entry.card.body.party
            )));
        }
        if self.entries.iter().any(|e| e.key_id == entry.key_id) {
            return Err(bad(format!("key id {} listed twice", entry.key_id)));
        }
        self.entries.push(entry);
        self.entries
            .sort_by(|a, b| (&a.party, a.key_id).cmp(&(&b.party, b.key_id)));
        Ok(())
    }

    /// Adds a card with clearances, or replaces the clearances of a card
    /// already present. Returns its key id.
    pub fn add(&mut self, card: PartyCard, clearances: Vec<Tag>) -> Result<KeyId> {
        let key_id = verify_card(&card)?;
        let clearances = Clearances::from_unsorted(clearances)
            .map_err(|e| CoreError::usage(format!("clearances: {e}")))?;
        if let Some(e) = self.entries.iter_mut().find(|e| e.key_id == key_id) {
            e.clearances = clearances;
            return Ok(key_id);
        }
        self.insert(TrustEntry {
            party: card.body.party.clone(),
            key_id,
            card,
            clearances,
            retired: false,
        })?;
        Ok(key_id)
    }

    /// Marks a card retired: it still verifies old packages.
    pub fn retire(&mut self, key_id: &KeyId) -> Result<()> {
        let e = self
            .entries
            .iter_mut()
            .find(|e| &e.key_id == key_id)
            .ok_or(CoreError::UnknownParty { key_id: *key_id })?;
        e.retired = true;
        Ok(())
    }

    /// Every entry, sorted by party then key id.
    pub fn entries(&self) -> &[TrustEntry] {
        &self.entries
    }

    /// The entry of a key id, retired or not.
    pub fn by_key_id(&self, key_id: &KeyId) -> Option<&TrustEntry> {
        self.entries.iter().find(|e| &e.key_id == key_id)
    }

    /// The entry of a key id, or [`CoreError::UnknownParty`].
    pub fn require(&self, key_id: &KeyId) -> Result<&TrustEntry> {
        self.by_key_id(key_id)
            .ok_or(CoreError::UnknownParty { key_id: *key_id })
    }

    /// The current card of a party at time `now`: not retired, valid at
    /// `now`; the one that became valid last if there are several.
    pub fn current(&self, party: &PartyId, now: Timestamp) -> Result<&TrustEntry> {
        self.entries
            .iter()
            .filter(|e| &e.party == party && !e.retired && card_valid_at(&e.card, now))
            .max_by_key(|e| e.card.body.not_before)
            .ok_or_else(|| {
                CoreError::usage(format!("no current card of {party} in the trust store"))
            })
    }

    /// Whether a party is cleared for every tag of a field.
    pub fn is_cleared(entry: &TrustEntry, tags: &TagSet) -> bool {
        tags.is_subset(entry.clearances.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{Identity, Signer};
    use crate::secret::Key32;
    use rogatory_wire::Digest;

    fn id(party: &str, seed: u8) -> Identity {
        Identity::from_secrets(
            PartyId::new(party).unwrap(),
            &Key32::from_bytes([seed; 32]),
            &Key32::from_bytes([seed + 1; 32]),
            Digest([seed; 32]),
            None,
            Timestamp(0),
            Timestamp(1000),
        )
        .unwrap()
    }

    #[test]
    fn toml_round_trip_and_lookup() {
        let a = id("de.bka", 1);
        let b = id("fr.pnat", 3);
        let mut s = TrustStore::new();
        s.add(
            a.card().clone(),
            vec![Tag::new("category:content").unwrap()],
        )
        .unwrap();
        s.add(b.card().clone(), vec![]).unwrap();
        let text = s.to_toml().unwrap();
        let back = TrustStore::parse(&text).unwrap();
        assert_eq!(back, s);
        assert_eq!(back.require(&a.key_id()).unwrap().party.as_str(), "de.bka");
        assert!(
            back.current(&PartyId::new("fr.pnat").unwrap(), Timestamp(5))
                .is_ok()
        );
        assert!(
            back.current(&PartyId::new("fr.pnat").unwrap(), Timestamp(5000))
                .is_err()
        );
    }

    #[test]
    fn edited_card_or_key_id_is_refused() {
        let a = id("de.bka", 1);
        let mut s = TrustStore::new();
        s.add(a.card().clone(), vec![]).unwrap();
        let text = s.to_toml().unwrap();
        let other = id("de.bka", 7);
        let swapped = text.replace(&a.key_id().to_hex(), &other.key_id().to_hex());
        assert!(TrustStore::parse(&swapped).is_err());
        let card_hex = hex::encode(encode(a.card()).unwrap());
        let mut flipped = card_hex.clone().into_bytes();
        flipped[100] = if flipped[100] == b'0' { b'1' } else { b'0' };
        let text2 = text.replace(&card_hex, std::str::from_utf8(&flipped).unwrap());
        assert!(TrustStore::parse(&text2).is_err());
    }
}
