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
    Clearances, KeyId, PartyCard, PartyId, Revocation, Rotation, Tag, TagSet, Timestamp,
    TrustEntry, decode, encode,
};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::identity::{card_valid_at, verify_card};
use crate::lifecycle::{verify_revocation, verify_rotation};

/// Accepted cards and clearances.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustStore {
    entries: Vec<TrustEntry>,
    /// What the store knows of a card's life beyond the entry (spec §3.6,
    /// §3.7): the rotation that made it, its revocation, whether it may
    /// revoke other cards.
    states: std::collections::BTreeMap<KeyId, KeyState>,
}

/// The life of one card in a store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct KeyState {
    rotation: Option<Rotation>,
    revocation: Option<Revocation>,
    revocation_authority: bool,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rotation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revocation: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    revocation_authority: bool,
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
            let statement = |what: &str, h: &Option<String>| -> Result<Option<Vec<u8>>> {
                h.as_ref()
                    .map(|h| hex::decode(h).map_err(|e| bad(format!("{what} of {party}: {e}"))))
                    .transpose()
            };
            let state = KeyState {
                rotation: statement("rotation", &r.rotation)?
                    .map(|b| decode::<Rotation>(&b))
                    .transpose()
                    .map_err(|e| bad(format!("rotation of {party}: {e}")))?,
                revocation: statement("revocation", &r.revocation)?
                    .map(|b| decode::<Revocation>(&b))
                    .transpose()
                    .map_err(|e| bad(format!("revocation of {party}: {e}")))?,
                revocation_authority: r.revocation_authority,
            };
            if state != KeyState::default() {
                store.states.insert(key_id, state);
            }
        }
        // Statements are checked once every card is in: a rotation against
        // its predecessor, a revocation against its issuer.
        for (k, st) in &store.states {
            if let Some(rot) = &st.rotation {
                let pred = store.by_key_id(&rot.body.predecessor).ok_or_else(|| {
                    bad(format!(
                        "the rotation to {k} names a predecessor that is not in the store"
                    ))
                })?;
                if verify_rotation(rot, &pred.card)? != *k
                    || rot.body.successor != store.require(k)?.card
                {
                    return Err(bad(format!("the rotation of {k} names another card")));
                }
            }
            if let Some(rev) = &st.revocation {
                store.check_revocation(rev)?;
                if rev.body.key_id != *k {
                    return Err(bad(format!("the revocation of {k} names another card")));
                }
            }
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
                        rotation: self
                            .state(&e.key_id)
                            .and_then(|s| s.rotation.as_ref())
                            .map(|r| encode(r).map(hex::encode))
                            .transpose()
                            .map_err(|e| bad(e.to_string()))?,
                        revocation: self
                            .state(&e.key_id)
                            .and_then(|s| s.revocation.as_ref())
                            .map(|r| encode(r).map(hex::encode))
                            .transpose()
                            .map_err(|e| bad(e.to_string()))?,
                        revocation_authority: self
                            .state(&e.key_id)
                            .is_some_and(|s| s.revocation_authority),
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

    /// Includes the card of the key a party acts with (spec §3.3): its own
    /// events must verify like anyone's, and its key file already proves who
    /// it is. Added in memory only, with no clearances, if the store does
    /// not hold it; a store that holds it (retired, revoked) keeps its entry.
    /// Returns whether it was added.
    pub fn include_own(&mut self, card: &PartyCard) -> Result<bool> {
        let key_id = verify_card(card)?;
        if self.by_key_id(&key_id).is_some() {
            return Ok(false);
        }
        self.insert(TrustEntry {
            party: card.body.party.clone(),
            key_id,
            card: card.clone(),
            clearances: Clearances::default(),
            retired: false,
        })?;
        Ok(true)
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

    fn state(&self, key_id: &KeyId) -> Option<&KeyState> {
        self.states.get(key_id)
    }

    /// The revocation of a card, if the store holds one (spec §3.7).
    pub fn revocation(&self, key_id: &KeyId) -> Option<&Revocation> {
        self.state(key_id).and_then(|s| s.revocation.as_ref())
    }

    /// The rotation statement that made a card the successor of another.
    pub fn rotation(&self, key_id: &KeyId) -> Option<&Rotation> {
        self.state(key_id).and_then(|s| s.rotation.as_ref())
    }

    /// Whether a card may revoke other cards.
    pub fn is_revocation_authority(&self, key_id: &KeyId) -> bool {
        self.state(key_id).is_some_and(|s| s.revocation_authority)
    }

    /// Designates a card (already in the store) a revocation authority, or
    /// no longer one.
    pub fn set_revocation_authority(&mut self, key_id: &KeyId, authority: bool) -> Result<()> {
        self.require(key_id)?;
        self.states.entry(*key_id).or_default().revocation_authority = authority;
        Ok(())
    }

    /// Adds the successor a rotation statement names (spec §3.6): the
    /// predecessor must be in the store and not revoked; the successor takes
    /// over its clearances, and the predecessor is retired (it still
    /// verifies what it signed). Returns the successor's key id.
    pub fn add_successor(&mut self, rotation: Rotation) -> Result<KeyId> {
        let pred = self
            .require(&rotation.body.predecessor)
            .map_err(|_| {
                CoreError::usage(format!(
                    "the rotation's predecessor {} is not in the trust store: add the successor \
                     card after comparing its fingerprint instead",
                    rotation.body.predecessor
                ))
            })?
            .clone();
        if self.revocation(&pred.key_id).is_some() {
            return Err(CoreError::usage(format!(
                "the predecessor {} is revoked: its rotation is not trusted",
                pred.key_id
            )));
        }
        let successor = verify_rotation(&rotation, &pred.card)?;
        if self.by_key_id(&successor).is_none() {
            self.insert(TrustEntry {
                party: pred.party.clone(),
                key_id: successor,
                card: rotation.body.successor.clone(),
                clearances: pred.clearances.clone(),
                retired: false,
            })?;
        }
        self.states.entry(successor).or_default().rotation = Some(rotation);
        self.retire(&pred.key_id)?;
        Ok(successor)
    }

    fn check_revocation(&self, r: &Revocation) -> Result<()> {
        let target = self.require(&r.body.key_id)?;
        if target.party != r.body.party {
            return Err(bad(format!(
                "the revocation names {} for a card of {}",
                r.body.party, target.party
            )));
        }
        let issuer = self.require(&r.body.issuer)?;
        if r.body.issuer != r.body.key_id && !self.is_revocation_authority(&r.body.issuer) {
            return Err(CoreError::usage(format!(
                "the revocation is signed by {} ({}), which is neither the revoked key nor a \
                 revocation authority of this trust store",
                issuer.party, r.body.issuer
            )));
        }
        verify_revocation(r, &issuer.card)
    }

    /// Records a revocation statement (spec §3.7), checked against its
    /// issuer: the revoked card itself or a revocation authority. The card
    /// stays, for what it signed before the compromise.
    pub fn revoke(&mut self, r: Revocation) -> Result<()> {
        self.check_revocation(&r)?;
        let k = r.body.key_id;
        self.states.entry(k).or_default().revocation = Some(r);
        self.retire(&k)
    }

    /// The current card of a party at time `now`: not retired, not revoked,
    /// valid at `now`; the one that became valid last if there are several.
    pub fn current(&self, party: &PartyId, now: Timestamp) -> Result<&TrustEntry> {
        self.entries
            .iter()
            .filter(|e| {
                &e.party == party
                    && !e.retired
                    && self.revocation(&e.key_id).is_none()
                    && card_valid_at(&e.card, now)
            })
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
