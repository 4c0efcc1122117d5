//! Package vectors (`spec/vectors/package/*.json`): whole sealed packages,
//! the parties' keys, and the outcome each step of reading must give.
//!
//! ```text
//!   fixed identities ─┐
//!   known plaintexts ─┼─ Sealer (seeded ChaCha20Rng, fixed `now`) ──▶ package bytes
//!   trust store ──────┘                     │
//!                            one edit (a bit flip, a cut, a forged stanza, an
//!                            envelope re-signed by the sender, ...)
//!                                           ▼
//!   read ──▶ verify(trust) ──▶ unlock(party, now) ──▶ open field i  (spec §14)
//!   each step's outcome: `ok` or the error class of [`core_error_class`]
//! ```
//!
//! ## The vector files
//!
//! One JSON object per file, `<name>.json`, with the keys
//! - `name`, `kind` (`positive`: a valid package, every step the access rule
//!   allows succeeds; `negative`: named after what it breaks), `description`;
//! - `now`: the time (POSIX seconds, UTC) passed to `unlock`;
//! - `parties`: every party of the vector: `party`, `role` (`sender`,
//!   `recipient`, `not a recipient`), `key_id` and `card` (the encoded party
//!   card, spec §3.1) in hex, and `test_secrets`: its Ed25519 seed and X25519
//!   secret (32 bytes each, hex). **These are test keys, published so that
//!   anyone can check the vectors: never use them for anything else.**
//!   Rebuilding the card from the seeds (and the card's other fields) gives
//!   the card's bytes again;
//! - `trust`: the verifier's trust store: `party`, `key_id` and `clearances`
//!   (the card is that of the party of the same key id). The sender sealed
//!   with the same clearances, so they decide which field keys each
//!   recipient's bundle holds (spec §4.2, §6.2);
//! - `fields`: what the sender sealed, per field: `index`, `name`,
//!   `media_type`, `kind` (`Text` or `Binary`), `tags`, `size` and
//!   `plaintext` (hex; `null` when no step of this vector opens the field);
//! - `package`: the package file, hex;
//! - `expected`: `read` (spec §14 checks 1–8: footer, layout, trailer,
//!   records), then `verify` (checks 9–13 with the trust store; `null` when
//!   `read` failed), then `unlock`: a list, in order, of `party` (who
//!   unlocks, with its own key, at `now`; empty when `verify` failed),
//!   `outcome` (checks 14–22) and `open`: for every field index of the
//!   package, `field` and `outcome` (checks 23–34; empty when `unlock`
//!   failed). An `open` outcome `ok` means exactly the bytes of that field's
//!   `plaintext`, nothing else.
//!
//! Each outcome is `ok` or one of [`CORE_CLASSES`]. A later step is tried only
//! when the steps before it passed; each `unlock` entry starts again from the
//! package bytes.
//!
//! Regenerate with `cargo run -p rogatory-vectors`; the test
//! `package_vectors_are_current` fails when the files differ from what the
//! generator produces.

use std::collections::BTreeSet;
use std::io::{Cursor, Read, Seek};
use std::path::{Path, PathBuf};

use rogatory_core::{CoreError, Identity, Key32, Package, TrustStore};
use rogatory_wire::{Digest, PartyCard, Tag, Timestamp, decode, encode};
use serde::{Deserialize, Serialize};

use crate::{Error, OK};

/// Every error class a package vector may expect, one per [`CoreError`]
/// variant (see [`core_error_class`]).
pub const CORE_CLASSES: [&str; 17] = [
    "malformed",
    "tampered",
    "decryption",
    "not_a_recipient",
    "not_cleared",
    "expired",
    "not_yet_valid",
    "unknown_party",
    "card_not_valid",
    "bad_signature",
    "custody",
    "unsafe_field_name",
    "usage",
    "interrupted_append",
    "bad_file",
    "io",
    "digest_mismatch",
];

/// The least number of package vectors, and of negative ones among them.
pub const MIN_PACKAGE_VECTORS: usize = 20;
/// The least number of negative package vectors.
pub const MIN_PACKAGE_NEGATIVE: usize = 15;

/// The class of a core error, as the package vectors name it: one of
/// [`CORE_CLASSES`]. A variant added to [`CoreError`] later is
/// `"unclassified"` until it is given a class here, so that no vector can
/// expect it by accident.
pub fn core_error_class(e: &CoreError) -> &'static str {
    match e {
        CoreError::Malformed { .. } => "malformed",
        CoreError::Tampered { .. } => "tampered",
        CoreError::Decryption { .. } => "decryption",
        CoreError::NotARecipient => "not_a_recipient",
        CoreError::NotCleared { .. } => "not_cleared",
        CoreError::Expired { .. } => "expired",
        CoreError::NotYetValid { .. } => "not_yet_valid",
        CoreError::UnknownParty { .. } => "unknown_party",
        CoreError::CardNotValid { .. } => "card_not_valid",
        CoreError::BadSignature { .. } => "bad_signature",
        CoreError::Custody { .. } => "custody",
        CoreError::NotEntitled { .. } => "not_entitled",
        CoreError::UnsafeFieldName { .. } => "unsafe_field_name",
        CoreError::FieldRemoved { .. } => "removed",
        CoreError::Usage(_) => "usage",
        CoreError::InterruptedAppend { .. } => "interrupted_append",
        CoreError::BadFile { .. } => "bad_file",
        CoreError::Io { .. } => "io",
        CoreError::DigestMismatch { .. } => "digest_mismatch",
        _ => "unclassified",
    }
}

/// The default directory of the package vectors, in this source tree.
pub fn package_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/vectors/package")
}

/// A package vector file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageFile {
    /// The file name without `.json`.
    pub name: String,
    /// `positive` or `negative`.
    pub kind: String,
    /// One or two sentences: what the vector tests.
    pub description: String,
    /// The time passed to `unlock`, POSIX seconds.
    pub now: u64,
    /// The parties, with their test keys.
    pub parties: Vec<PartyJson>,
    /// The verifier's trust store.
    pub trust: Vec<TrustJson>,
    /// What the sender sealed.
    pub fields: Vec<FieldJson>,
    /// The package bytes, hex.
    pub package: String,
    /// The outcome of each step.
    pub expected: Expected,
}

/// A party of a vector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyJson {
    /// Party id.
    pub party: String,
    /// `sender`, `recipient` or `not a recipient`.
    pub role: String,
    /// Key id of its card, hex.
    pub key_id: String,
    /// Its encoded party card, hex.
    pub card: String,
    /// Its secret keys: test keys, never to be used elsewhere.
    pub test_secrets: SecretsJson,
}

/// A party's secret keys (test keys).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsJson {
    /// The Ed25519 secret seed (RFC 8032), hex.
    pub ed25519_seed: String,
    /// The X25519 secret (RFC 7748, clamped when used), hex.
    pub x25519_secret: String,
    /// The X-Wing seed (the 32-byte decapsulation key), hex, for a party
    /// with a hybrid card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xwing_seed: Option<String>,
}

/// An entry of the verifier's trust store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustJson {
    /// Party id.
    pub party: String,
    /// Key id, hex (the card is the party's in `parties`).
    pub key_id: String,
    /// Clearances granted.
    pub clearances: Vec<String>,
}

/// A sealed field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldJson {
    /// Field index.
    pub index: u32,
    /// Field name.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// `Text` or `Binary`.
    pub kind: String,
    /// Access tags.
    pub tags: Vec<String>,
    /// Plaintext size.
    pub size: u64,
    /// The plaintext, hex; `null` when no step opens it.
    pub plaintext: Option<String>,
}

/// The outcomes of the steps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// Reading the structure.
    pub read: String,
    /// Verifying with the trust store; `None` when `read` failed.
    pub verify: Option<String>,
    /// Unlocking as each party, and opening every field.
    pub unlock: Vec<UnlockJson>,
}

/// Unlocking as one party.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnlockJson {
    /// Who unlocks.
    pub party: String,
    /// The outcome.
    pub outcome: String,
    /// Opening each field; empty when the unlock failed.
    pub open: Vec<OpenJson>,
}

/// Opening one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenJson {
    /// Field index.
    pub field: u32,
    /// The outcome: `ok` means exactly the field's plaintext.
    pub outcome: String,
}

impl PackageFile {
    /// Whether the vector expects any failure other than the access rule
    /// (`kind` is `negative`).
    pub fn is_negative(&self) -> bool {
        self.kind == "negative"
    }

    /// The package bytes.
    pub fn package_bytes(&self) -> Result<Vec<u8>, Error> {
        unhex(&self.name, "package", &self.package)
    }

    /// The plaintext of field `index`, if the vector gives it.
    pub fn plaintext(&self, index: u32) -> Result<Option<Vec<u8>>, Error> {
        match self.fields.iter().find(|f| f.index == index) {
            Some(FieldJson {
                plaintext: Some(h), ..
            }) => Ok(Some(unhex(&self.name, "plaintext", h)?)),
            _ => Ok(None),
        }
    }

    /// The identity of `party`, rebuilt from its test secrets and checked
    /// against its card.
    pub fn identity(&self, party: &str) -> Result<Identity, Error> {
        let p = self
            .parties
            .iter()
            .find(|p| p.party == party)
            .ok_or_else(|| bad(&self.name, format!("no party {party}")))?;
        let card = self.card_of(p)?;
        let seed = key32(&self.name, &p.test_secrets.ed25519_seed)?;
        let x = key32(&self.name, &p.test_secrets.x25519_secret)?;
        let xwing = match &p.test_secrets.xwing_seed {
            Some(h) => Some(key32(&self.name, h)?),
            None => None,
        };
        let b = &card.body;
        let id = Identity::from_secrets_with_hybrid(
            b.party.clone(),
            &seed,
            &x,
            xwing.as_ref(),
            b.tls_spki_sha256,
            None,
            b.not_before,
            b.not_after,
        )
        .map_err(|e| bad(&self.name, format!("identity of {party}: {e}")))?;
        if rogatory_core::Signer::card(&id) != &card {
            return Err(bad(
                &self.name,
                format!("the test secrets of {party} do not give its card"),
            ));
        }
        Ok(id)
    }

    fn card_of(&self, p: &PartyJson) -> Result<PartyCard, Error> {
        let bytes = unhex(&self.name, "card", &p.card)?;
        let card: PartyCard = decode(&bytes)?;
        let id = rogatory_core::identity::verify_card(&card)
            .map_err(|e| bad(&self.name, format!("card of {}: {e}", p.party)))?;
        if id.to_hex() != p.key_id {
            return Err(bad(&self.name, format!("key id of {}", p.party)));
        }
        Ok(card)
    }

    /// The verifier's trust store.
    pub fn trust_store(&self) -> Result<TrustStore, Error> {
        let mut store = TrustStore::new();
        for t in &self.trust {
            let p = self
                .parties
                .iter()
                .find(|p| p.key_id == t.key_id && p.party == t.party)
                .ok_or_else(|| bad(&self.name, format!("trust entry {} has no card", t.party)))?;
            let clearances = t
                .clearances
                .iter()
                .map(|c| Tag::new(c.as_str()))
                .collect::<Result<Vec<_>, _>>()?;
            store
                .add(self.card_of(p)?, clearances)
                .map_err(|e| bad(&self.name, format!("trust entry {}: {e}", t.party)))?;
        }
        Ok(store)
    }
}

fn bad(name: &str, detail: String) -> Error {
    Error::Patch {
        vector: name.to_owned(),
        detail,
    }
}

fn unhex(name: &str, what: &str, h: &str) -> Result<Vec<u8>, Error> {
    hex::decode(h).map_err(|e| bad(name, format!("{what}: {e}")))
}

fn key32(name: &str, h: &str) -> Result<Key32, Error> {
    let v = unhex(name, "secret", h)?;
    let a: [u8; 32] = v
        .try_into()
        .map_err(|_| bad(name, "a secret is not 32 bytes".to_owned()))?;
    Ok(Key32::from_bytes(a))
}

/// What the steps of reading gave, with the plaintext of every field that
/// opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcomes {
    /// Reading the structure.
    pub read: String,
    /// Verifying.
    pub verify: Option<String>,
    /// Per unlocking party.
    pub unlock: Vec<UnlockOutcome>,
}

/// What unlocking as one party gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnlockOutcome {
    /// Who.
    pub party: String,
    /// `ok` or a class.
    pub outcome: String,
    /// Per field: `ok` with the plaintext, or a class.
    pub open: Vec<(u32, Result<Vec<u8>, String>)>,
}

fn outcome<T>(r: &Result<T, CoreError>) -> String {
    match r {
        Ok(_) => OK.to_owned(),
        Err(e) => core_error_class(e).to_owned(),
    }
}

/// Runs every step over a package: `open` gives a freshly parsed package
/// each time it is called (from memory, a file, any reader). Unlocks as each
/// of `unlockers` in order, each time from a fresh parse, and opens every
/// field with `open_field`.
pub fn evaluate<R, F>(
    open: F,
    trust: &TrustStore,
    now: Timestamp,
    unlockers: &[(&str, &Identity)],
) -> Outcomes
where
    R: Read + Seek + Send,
    F: Fn() -> Result<Package<R>, CoreError>,
{
    let first = open();
    let read = outcome(&first);
    let Ok(pkg) = first else {
        return Outcomes {
            read,
            verify: None,
            unlock: Vec::new(),
        };
    };
    let fields = pkg.trailer().fields.len() as u32;
    let verified = pkg.verify(trust);
    let verify = outcome(&verified);
    if verified.is_err() {
        return Outcomes {
            read,
            verify: Some(verify),
            unlock: Vec::new(),
        };
    }
    drop(verified);
    let mut unlock = Vec::new();
    for (party, identity) in unlockers {
        let unlocked = open().and_then(|p| p.verify(trust)?.unlock(identity, now));
        let mut u = UnlockOutcome {
            party: (*party).to_owned(),
            outcome: outcome(&unlocked),
            open: Vec::new(),
        };
        if let Ok(mut up) = unlocked {
            for i in 0..fields {
                let mut out = Vec::new();
                let r = up
                    .open_field(i, &mut out)
                    .map(|_| out)
                    .map_err(|e| core_error_class(&e).to_owned());
                u.open.push((i, r));
            }
        }
        unlock.push(u);
    }
    Outcomes {
        read,
        verify: Some(verify),
        unlock,
    }
}

/// [`evaluate`] over the bytes in memory.
pub fn evaluate_bytes(
    bytes: &[u8],
    trust: &TrustStore,
    now: Timestamp,
    unlockers: &[(&str, &Identity)],
) -> Outcomes {
    evaluate(|| Package::parse(Cursor::new(bytes)), trust, now, unlockers)
}

/// Compares what the steps gave with what a vector expects. Returns one
/// line per difference; empty when they agree.
pub fn compare_outcomes(file: &PackageFile, got: &Outcomes) -> Result<Vec<String>, Error> {
    let mut diffs = Vec::new();
    let e = &file.expected;
    if got.read != e.read {
        diffs.push(format!("read: expected {}, got {}", e.read, got.read));
    }
    if got.verify != e.verify {
        diffs.push(format!(
            "verify: expected {:?}, got {:?}",
            e.verify, got.verify
        ));
    }
    if got.unlock.len() != e.unlock.len() {
        diffs.push(format!(
            "unlock: expected {} steps, got {}",
            e.unlock.len(),
            got.unlock.len()
        ));
    }
    for (want, have) in e.unlock.iter().zip(&got.unlock) {
        if want.party != have.party || want.outcome != have.outcome {
            diffs.push(format!(
                "unlock as {}: expected {}, got {} (as {})",
                want.party, want.outcome, have.outcome, have.party
            ));
        }
        if want.open.len() != have.open.len() {
            diffs.push(format!(
                "unlock as {}: expected {} opens, got {}",
                want.party,
                want.open.len(),
                have.open.len()
            ));
        }
        for (w, (i, h)) in want.open.iter().zip(&have.open) {
            let place = format!("open field {} as {}", w.field, want.party);
            if w.field != *i {
                diffs.push(format!("{place}: field {i} was opened instead"));
                continue;
            }
            match h {
                Ok(plain) if w.outcome == OK => match file.plaintext(*i)? {
                    Some(p) if p == *plain => {}
                    Some(_) => diffs.push(format!("{place}: a different plaintext")),
                    None => diffs.push(format!("{place}: the vector gives no plaintext")),
                },
                Ok(_) => diffs.push(format!("{place}: expected {}, got ok", w.outcome)),
                Err(c) if *c != w.outcome => {
                    diffs.push(format!("{place}: expected {}, got {c}", w.outcome));
                }
                Err(_) => {}
            }
        }
    }
    Ok(diffs)
}

/// A generated package vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageVector {
    /// Its name.
    pub name: String,
    /// Whether it is negative.
    pub negative: bool,
    /// The whole file, as written.
    pub file: String,
}

impl PackageVector {
    /// The file name, `<name>.json`.
    pub fn file_name(&self) -> String {
        format!("{}.json", self.name)
    }

    pub(crate) fn new(f: &PackageFile) -> Result<Self, Error> {
        let mut file = serde_json::to_string_pretty(f).map_err(|source| Error::Json {
            context: f.name.clone(),
            source,
        })?;
        file.push('\n');
        Ok(Self {
            name: f.name.clone(),
            negative: f.is_negative(),
            file,
        })
    }
}

/// Reads and parses one package vector file.
pub fn read_package_file(path: &Path) -> Result<PackageFile, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let file: PackageFile = serde_json::from_str(&text).map_err(|source| Error::Json {
        context: path.display().to_string(),
        source,
    })?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    if stem.as_deref() != Some(file.name.as_str()) {
        return Err(Error::BadFile {
            path: path.to_owned(),
            detail: format!("name {:?} is not the file name", file.name),
        });
    }
    Ok(file)
}

/// Writes the package vectors to `dir` and removes stale `.json` files
/// there; see [`crate::write_dir`].
pub fn write_package_dir(dir: &Path, vectors: &[PackageVector]) -> Result<usize, Error> {
    let files: Vec<(String, &str)> = vectors
        .iter()
        .map(|v| (v.file_name(), v.file.as_str()))
        .collect();
    crate::write_files(dir, &files)
}

/// Compares the package vectors with the files in `dir`; see
/// [`crate::compare_dir`].
pub fn compare_package_dir(dir: &Path, vectors: &[PackageVector]) -> Result<Vec<String>, Error> {
    let files: Vec<(String, &str)> = vectors
        .iter()
        .map(|v| (v.file_name(), v.file.as_str()))
        .collect();
    crate::compare_files(dir, &files)
}

/// The tags of a field as strings.
pub(crate) fn tag_strings<'a>(tags: impl IntoIterator<Item = &'a Tag>) -> Vec<String> {
    tags.into_iter().map(|t| t.to_string()).collect()
}

/// Hex of a card's encoding.
pub(crate) fn card_hex(card: &PartyCard) -> Result<String, Error> {
    Ok(hex::encode(encode(card)?))
}

/// Names in `names` that occur twice.
pub(crate) fn duplicates<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    names.into_iter().filter(|n| !seen.insert(*n)).collect()
}

/// A digest as BLAKE3 of bytes (the ciphertext digest of spec §7.1).
pub(crate) fn blake3(bytes: &[u8]) -> Digest {
    rogatory_core::crypto::blake3(bytes)
}
