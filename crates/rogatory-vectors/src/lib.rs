//! # rogatory-vectors
//!
//! The deterministic generator of the wire test vectors of protocol v1, and
//! the functions that check them. The vectors, not this crate, are the
//! contract: a second implementation reads `spec/vectors/wire/*.json` and
//! needs no Rust.
//!
//! ```text
//!   fixed sample values ──encode──▶ bytes ──decode, compare──▶ positive vector
//!            │
//!            └──encode, then one edit of the bytes (spec layout)──▶ negative vector
//!                                   └──decode must fail with exactly its class
//!
//!   generate() ──▶ Vec<Vector> ──write_dir()──▶ spec/vectors/wire/<name>.json
//!                              ──compare_dir()─▶ differences (the `vectors_are_current` test)
//! ```
//!
//! ## The vector files
//!
//! One JSON object per file, `<name>.json`, with the keys
//! - `name`: the file's name without `.json`; negative vectors are named after
//!   what they break;
//! - `structure`: the structure to decode the bytes as, the `Wire::NAME` of its
//!   type (`prelude`, `metadata`, `trailer`, `footer`, `custody event`,
//!   `event details`, `party card`, `trust entry`, `ledger entry`, `frame`);
//! - `description`: one sentence, what the vector tests;
//! - `hex`: the input bytes, lowercase hex;
//! - `value`: for a positive vector the decoded value (byte strings as
//!   lowercase hex), `null` for a negative one;
//! - `outcome`: `ok`, or the class of the error the decoder must return, one
//!   of [`CLASSES`] (see [`error_class`]).
//!
//! A decoder passes a vector when it gives exactly that outcome: for `ok`, the
//! same value, and encoding that value gives back the same bytes.
//!
//! Keys, digests, salts and signatures in the vectors are deterministic
//! placeholders (see [`bytes::pseudo`]): the wire layer checks their length,
//! never their meaning. Cryptographic vectors belong to the layer above.
//!
//! There are at least [`MIN_VECTORS`] vectors, at least [`MIN_NEGATIVE`] of
//! them negative; the tests of this crate check those counts.
//!
//! Regenerate with `cargo run -p rogatory-vectors`; the test
//! `vectors_are_current` fails when the files on disk differ from what the
//! generator produces.
//!
//! ## Package vectors
//!
//! [`packages`] describes the second set, `spec/vectors/package/*.json`:
//! whole packages sealed by `rogatory-core` from fixed identities and known
//! plaintexts, with the outcome each step of reading (read, verify, unlock,
//! open) must give. They check the cryptography and the container, where the
//! wire vectors check the encoding alone.
//!
//! ## Redaction vectors
//!
//! [`redaction`] describes the third set, `spec/vectors/redaction/*.json`:
//! packages redacted and forwarded by `rogatory-redact`, extracts of them,
//! and the attacks on both of THREATS.md #4 and #10, each with the outcome
//! (spec §12) that checking it must give.
#![forbid(unsafe_code)]

pub mod bytes;
pub mod custody;
pub mod fuzz;
pub mod keys;
mod negative;
mod package_cases;
pub mod packages;
mod positive;
pub mod redaction;
mod samples;

pub use custody::{compare_custody_dir, custody_dir, generate_custody, write_custody_dir};
pub use package_cases::generate_packages;
pub use packages::{
    CORE_CLASSES, PackageFile, PackageVector, compare_package_dir, core_error_class, package_dir,
    read_package_file, write_package_dir,
};
pub use redaction::{
    RedactionFile, RedactionVector, compare_redaction_dir, generate_redaction, read_redaction_file,
    redaction_dir, write_redaction_dir,
};

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use rogatory_wire::{
    CustodyEvent, EventDetails, Footer, Frame, LedgerEntry, Metadata, PartyCard, Prelude,
    Revocation, Rotation, Trailer, TrustEntry, Wire, WireError,
};

/// The least number of vectors the generator must produce.
pub const MIN_VECTORS: usize = 30;
/// The least number of negative vectors among them.
pub const MIN_NEGATIVE: usize = 15;

/// The outcome of a positive vector.
pub const OK: &str = "ok";

/// Every error class a negative vector may expect, one per [`WireError`]
/// variant.
pub const CLASSES: [&str; 12] = [
    "truncated",
    "trailing_bytes",
    "over_limit",
    "invalid_bool",
    "non_utf8",
    "unknown_variant",
    "bad_magic",
    "unknown_version",
    "unknown_suite",
    "invalid_string",
    "non_canonical",
    "invalid",
];

/// The `Wire::NAME` of every top-level structure, in the order of the spec.
pub const STRUCTURES: [&str; 12] = [
    Prelude::NAME,
    Metadata::NAME,
    Trailer::NAME,
    Footer::NAME,
    CustodyEvent::NAME,
    EventDetails::NAME,
    PartyCard::NAME,
    TrustEntry::NAME,
    LedgerEntry::NAME,
    Frame::NAME,
    Rotation::NAME,
    Revocation::NAME,
];

/// The default directory of the wire vectors, in this source tree.
pub fn default_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/vectors/wire")
}

/// Failures of generation and checking. Generation never panics: a vector
/// whose outcome is not the expected one is an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A sample value could not be built or encoded.
    #[error("building a sample value: {0}")]
    Wire(#[from] WireError),
    /// A vector's bytes do not give the outcome it states.
    #[error("vector {name}: expected outcome {expected}, the decoder gave {got}")]
    WrongOutcome {
        /// The vector.
        name: String,
        /// The outcome it should have.
        expected: String,
        /// What the decoder gave (an outcome and details).
        got: String,
    },
    /// An edit of a negative vector did not apply where it should.
    #[error("vector {vector}: {detail}")]
    Patch {
        /// The vector.
        vector: String,
        /// What went wrong.
        detail: String,
    },
    /// Two vectors have the same name, or a name is not a plain file name.
    #[error("bad vector name {0:?}")]
    BadName(String),
    /// A structure name is not one of [`STRUCTURES`].
    #[error("unknown structure {0:?}")]
    UnknownStructure(String),
    /// JSON could not be written or read.
    #[error("{context}: JSON: {source}")]
    Json {
        /// Which file or value.
        context: String,
        /// The error.
        source: serde_json::Error,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A vector file is not what this crate writes.
    #[error("{path}: {detail}")]
    BadFile {
        /// The path.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

/// The class of a decoding error, as the vectors name it: one of
/// [`CLASSES`]. A variant added to [`WireError`] later is `"unclassified"`
/// until it is given a class here, so no vector can expect it by accident.
pub fn error_class(e: &WireError) -> &'static str {
    match e {
        WireError::Truncated { .. } => "truncated",
        WireError::TrailingBytes { .. } => "trailing_bytes",
        WireError::OverLimit { .. } => "over_limit",
        WireError::InvalidBool { .. } => "invalid_bool",
        WireError::NonUtf8 { .. } => "non_utf8",
        WireError::UnknownVariant { .. } => "unknown_variant",
        WireError::BadMagic { .. } => "bad_magic",
        WireError::UnknownVersion(_) => "unknown_version",
        WireError::UnknownSuite(_) => "unknown_suite",
        WireError::InvalidString { .. } => "invalid_string",
        WireError::NonCanonical { .. } => "non_canonical",
        WireError::Invalid { .. } => "invalid",
        _ => "unclassified",
    }
}

/// One generated vector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vector {
    /// Its name (the file name without `.json`).
    pub name: String,
    /// The structure its bytes are decoded as.
    pub structure: &'static str,
    /// `ok` or an error class.
    pub outcome: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The whole file, as written.
    pub file: String,
}

impl Vector {
    /// Whether the vector expects a failure.
    pub fn is_negative(&self) -> bool {
        self.outcome != OK
    }

    /// The file name, `<name>.json`.
    pub fn file_name(&self) -> String {
        format!("{}.json", self.name)
    }
}

/// The file layout. Keys in this order; `value` keeps the field order of the
/// Rust types, which is the order of the encoding.
#[derive(Serialize)]
struct FileOut<'a, V: Serialize> {
    name: &'a str,
    structure: &'a str,
    description: &'a str,
    hex: String,
    value: Option<&'a V>,
    outcome: &'a str,
}

/// A vector file as read back.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorFile {
    /// `name`.
    pub name: String,
    /// `structure`.
    pub structure: String,
    /// `description`.
    pub description: String,
    /// `hex`, decoded.
    #[serde(deserialize_with = "from_hex")]
    pub hex: Vec<u8>,
    /// `value`.
    pub value: serde_json::Value,
    /// `outcome`.
    pub outcome: String,
}

fn from_hex<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    let s = <String as serde::Deserialize>::deserialize(d)?;
    hex::decode(s).map_err(serde::de::Error::custom)
}

/// Collects vectors, checking each one as it is added.
pub(crate) struct Generator {
    vectors: Vec<Vector>,
    names: BTreeSet<String>,
}

impl Generator {
    fn new() -> Self {
        Self {
            vectors: Vec::new(),
            names: BTreeSet::new(),
        }
    }

    fn claim(&mut self, name: &str) -> Result<(), Error> {
        let plain = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !plain || !self.names.insert(name.to_owned()) {
            return Err(Error::BadName(name.to_owned()));
        }
        Ok(())
    }

    /// A positive vector: `value` encodes, and its bytes decode to `value`.
    pub(crate) fn ok<T>(&mut self, name: &str, description: &str, value: &T) -> Result<(), Error>
    where
        T: Wire + PartialEq + std::fmt::Debug,
    {
        self.claim(name)?;
        let bytes = rogatory_wire::encode(value)?;
        match rogatory_wire::decode::<T>(&bytes) {
            Ok(back) if back == *value => {}
            Ok(back) => {
                return Err(Error::WrongOutcome {
                    name: name.to_owned(),
                    expected: OK.to_owned(),
                    got: format!("a different value: {back:?}"),
                });
            }
            Err(e) => {
                return Err(Error::WrongOutcome {
                    name: name.to_owned(),
                    expected: OK.to_owned(),
                    got: format!("{}: {e}", error_class(&e)),
                });
            }
        }
        self.push::<T, T>(name, description, bytes, Some(value), OK)
    }

    /// A negative vector: `bytes` must fail to decode as `T` with `class`.
    pub(crate) fn bad<T: Wire + std::fmt::Debug>(
        &mut self,
        name: &str,
        description: &str,
        bytes: Vec<u8>,
        class: &'static str,
    ) -> Result<(), Error> {
        self.claim(name)?;
        if class == OK || !CLASSES.contains(&class) {
            return Err(Error::WrongOutcome {
                name: name.to_owned(),
                expected: class.to_owned(),
                got: "not an error class".to_owned(),
            });
        }
        match rogatory_wire::decode::<T>(&bytes) {
            Err(e) if error_class(&e) == class => {}
            Err(e) => {
                return Err(Error::WrongOutcome {
                    name: name.to_owned(),
                    expected: class.to_owned(),
                    got: format!("{}: {e}", error_class(&e)),
                });
            }
            Ok(v) => {
                return Err(Error::WrongOutcome {
                    name: name.to_owned(),
                    expected: class.to_owned(),
                    got: format!("ok: {v:?}"),
                });
            }
        }
        self.push::<T, ()>(name, description, bytes, None, class)
    }

    fn push<T: Wire, V: Serialize>(
        &mut self,
        name: &str,
        description: &str,
        bytes: Vec<u8>,
        value: Option<&V>,
        outcome: &'static str,
    ) -> Result<(), Error> {
        let out = FileOut {
            name,
            structure: T::NAME,
            description,
            hex: hex::encode(&bytes),
            value,
            outcome,
        };
        let mut file = serde_json::to_string_pretty(&out).map_err(|source| Error::Json {
            context: name.to_owned(),
            source,
        })?;
        file.push('\n');
        self.vectors.push(Vector {
            name: name.to_owned(),
            structure: T::NAME,
            outcome,
            bytes,
            file,
        });
        Ok(())
    }
}

/// Generates every vector, in a fixed order. Fails, without writing
/// anything, if any vector does not give its stated outcome.
pub fn generate() -> Result<Vec<Vector>, Error> {
    let mut g = Generator::new();
    positive::all(&mut g)?;
    negative::all(&mut g)?;
    Ok(g.vectors)
}

/// What one decoder made of some bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    /// The bytes decoded.
    Ok {
        /// The value as JSON (the `value` of a vector file).
        value: serde_json::Value,
        /// The value encoded again.
        reencoded: Vec<u8>,
    },
    /// The bytes were refused.
    Err(WireError),
}

impl Decoded {
    /// `ok` or the error class.
    pub fn outcome(&self) -> &'static str {
        match self {
            Decoded::Ok { .. } => OK,
            Decoded::Err(e) => error_class(e),
        }
    }
}

fn run<T: Wire>(bytes: &[u8]) -> Result<Decoded, Error> {
    match rogatory_wire::decode::<T>(bytes) {
        Err(e) => Ok(Decoded::Err(e)),
        Ok(v) => {
            let value = serde_json::to_value(&v).map_err(|source| Error::Json {
                context: T::NAME.to_owned(),
                source,
            })?;
            let reencoded = rogatory_wire::encode(&v)?;
            Ok(Decoded::Ok { value, reencoded })
        }
    }
}

fn from_json<T: Wire + DeserializeOwned>(value: &serde_json::Value) -> Result<Vec<u8>, Error> {
    let v: T = serde_json::from_value(value.clone()).map_err(|source| Error::Json {
        context: T::NAME.to_owned(),
        source,
    })?;
    Ok(rogatory_wire::encode(&v)?)
}

macro_rules! dispatch {
    ($structure:expr, $f:ident, $arg:expr) => {
        match $structure {
            s if s == Prelude::NAME => $f::<Prelude>($arg),
            s if s == Metadata::NAME => $f::<Metadata>($arg),
            s if s == Trailer::NAME => $f::<Trailer>($arg),
            s if s == Footer::NAME => $f::<Footer>($arg),
            s if s == CustodyEvent::NAME => $f::<CustodyEvent>($arg),
            s if s == EventDetails::NAME => $f::<EventDetails>($arg),
            s if s == PartyCard::NAME => $f::<PartyCard>($arg),
            s if s == TrustEntry::NAME => $f::<TrustEntry>($arg),
            s if s == LedgerEntry::NAME => $f::<LedgerEntry>($arg),
            s if s == Frame::NAME => $f::<Frame>($arg),
            s if s == Rotation::NAME => $f::<Rotation>($arg),
            s if s == Revocation::NAME => $f::<Revocation>($arg),
            other => Err(Error::UnknownStructure(other.to_owned())),
        }
    };
}

/// Runs the decoder of `structure` (one of [`STRUCTURES`]) over `bytes`.
pub fn decode_as(structure: &str, bytes: &[u8]) -> Result<Decoded, Error> {
    dispatch!(structure, run, bytes)
}

/// Builds a value of `structure` from its JSON form (a vector's `value`) and
/// encodes it.
pub fn encode_json(structure: &str, value: &serde_json::Value) -> Result<Vec<u8>, Error> {
    dispatch!(structure, from_json, value)
}

/// Writes every vector to `dir` (created if needed) and removes the `.json`
/// files there that the generator no longer produces. Returns the number of
/// files written.
pub fn write_dir(dir: &Path, vectors: &[Vector]) -> Result<usize, Error> {
    let files: Vec<(String, &str)> = vectors
        .iter()
        .map(|v| (v.file_name(), v.file.as_str()))
        .collect();
    write_files(dir, &files)
}

/// Writes `(file name, contents)` pairs to `dir` (created if needed), leaving
/// identical files untouched, and removes the other `.json` files there.
pub(crate) fn write_files(dir: &Path, files: &[(String, &str)]) -> Result<usize, Error> {
    fs::create_dir_all(dir).map_err(|source| Error::Io {
        path: dir.to_owned(),
        source,
    })?;
    let wanted: BTreeSet<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for stale in json_files(dir)? {
        if !wanted.contains(stale.as_str()) {
            let path = dir.join(&stale);
            fs::remove_file(&path).map_err(|source| Error::Io { path, source })?;
        }
    }
    for (name, contents) in files {
        let path = dir.join(name);
        let same = fs::read(&path).is_ok_and(|old| old == contents.as_bytes());
        if !same {
            fs::write(&path, contents).map_err(|source| Error::Io { path, source })?;
        }
    }
    Ok(files.len())
}

/// The names of the `.json` files in `dir`, sorted.
pub fn json_files(dir: &Path) -> Result<Vec<String>, Error> {
    let entries = fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io {
            path: dir.to_owned(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

/// Compares `vectors` with the files in `dir`. Returns one line per
/// difference (a file missing, extra or different); empty when they agree.
pub fn compare_dir(dir: &Path, vectors: &[Vector]) -> Result<Vec<String>, Error> {
    let files: Vec<(String, &str)> = vectors
        .iter()
        .map(|v| (v.file_name(), v.file.as_str()))
        .collect();
    compare_files(dir, &files)
}

/// Compares `(file name, contents)` pairs with the `.json` files in `dir`.
pub(crate) fn compare_files(dir: &Path, files: &[(String, &str)]) -> Result<Vec<String>, Error> {
    let on_disk: BTreeSet<String> = json_files(dir)?.into_iter().collect();
    let wanted: BTreeSet<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let mut diffs = Vec::new();
    for (name, contents) in files {
        let path = dir.join(name);
        match fs::read(&path) {
            Ok(old) if old == contents.as_bytes() => {}
            Ok(_) => diffs.push(format!("{}: differs from the generator", path.display())),
            Err(_) => diffs.push(format!("{}: missing", path.display())),
        }
    }
    for extra in on_disk.difference(&wanted) {
        diffs.push(format!(
            "{}: not produced by the generator",
            dir.join(extra).display()
        ));
    }
    Ok(diffs)
}

/// Reads and parses one vector file.
pub fn read_file(path: &Path) -> Result<VectorFile, Error> {
    let text = fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let file: VectorFile = serde_json::from_str(&text).map_err(|source| Error::Json {
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

/// The fuzz target of a structure: `decode_` and its name with `_` for
/// spaces (`custody event` → `decode_custody_event`).
pub fn fuzz_target(structure: &str) -> String {
    format!("decode_{}", structure.replace(' ', "_"))
}

/// Largest seed written to a fuzz corpus: bigger inputs slow libFuzzer down
/// (its `-max_len` follows the largest seed) for nothing.
pub const SEED_MAX: usize = 64 << 10;
