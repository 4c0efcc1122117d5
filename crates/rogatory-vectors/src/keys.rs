//! Key file vectors (`spec/vectors/keys/*.json`, spec §3.4 and §3.5): a
//! party's secret key file, unprotected and protected by a passphrase, from
//! fixed secrets, a fixed salt and a low scrypt cost, and edits of the
//! protected form, each with the outcome a reader must give.
//!
//! One JSON object per file: `name`, `kind` (`positive`, `negative`),
//! `description`, `passphrase` (UTF-8), `file` (the bytes, hex), and
//! `expected`: `outcome` (`ok`, `wrong_passphrase` or `bad_file`) and, for
//! `ok`, `key_file` (the unprotected key file inside, hex) and `key_id`.
//! **Test keys, published so that the vectors can be checked: never use them
//! for anything else.**

use std::path::{Path, PathBuf};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rogatory_core::keyfile::{KdfParams, Passphrase, unprotect};
use rogatory_core::{CoreError, Identity, Key32, Signer};
use rogatory_wire::{Digest, PartyId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{Error, OK, compare_files, write_files};

/// The default directory of the key file vectors, in this source tree.
pub fn keys_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/vectors/keys")
}

/// A key file vector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFileVector {
    /// The file name without `.json`.
    pub name: String,
    /// `positive` or `negative`.
    pub kind: String,
    /// What the vector tests.
    pub description: String,
    /// The passphrase to try, UTF-8.
    pub passphrase: String,
    /// The file, hex.
    pub file: String,
    /// What reading it gives.
    pub expected: KeyFileOutcome,
}

/// The outcome of reading a key file vector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFileOutcome {
    /// `ok`, `wrong_passphrase` or `bad_file`.
    pub outcome: String,
    /// For `ok`: the unprotected key file (spec §3.4), hex.
    pub key_file: Option<String>,
    /// For `ok`: the key id of its card.
    pub key_id: Option<String>,
}

const PASSPHRASE: &str = "correct horse battery staple";
const FAST: KdfParams = KdfParams {
    log_n: 10,
    r: 8,
    p: 1,
};

fn identity() -> Result<Identity, Error> {
    Identity::from_secrets(
        PartyId::new("de.bka")?,
        &Key32::from_bytes([0x11; 32]),
        &Key32::from_bytes([0x22; 32]),
        Digest([0x33; 32]),
        None,
        Timestamp(1_700_000_000),
        Timestamp(1_900_000_000),
    )
    .map_err(core)
}

fn core(e: CoreError) -> Error {
    Error::Patch {
        vector: "keys".into(),
        detail: e.to_string(),
    }
}

/// Reads a key file as spec §3.5 says (a protected one with `passphrase`),
/// and gives the outcome class and, when it opens, the key file inside and
/// its card's key id.
pub fn read(file: &[u8], passphrase: &str) -> (String, Option<(Vec<u8>, String)>) {
    let pass = Passphrase::new(passphrase.as_bytes().to_vec());
    let plain = if rogatory_core::keyfile::is_protected(file) {
        unprotect(file, &pass).map(|p| p.expose_secret().to_vec())
    } else {
        Ok(file.to_vec())
    };
    let opened = plain.and_then(|p| Identity::from_key_file(&p).map(|id| (p, id.key_id())));
    match opened {
        Ok((p, k)) => (OK.to_owned(), Some((p, k.to_hex()))),
        Err(CoreError::WrongPassphrase) => ("wrong_passphrase".to_owned(), None),
        Err(_) => ("bad_file".to_owned(), None),
    }
}

/// Generates the key file vectors (each checked by [`read`] first).
pub fn generate_keys() -> Result<Vec<(String, String)>, Error> {
    let id = identity()?;
    let plain = id.to_key_file().map_err(core)?;
    let pass = Passphrase::new(PASSPHRASE.as_bytes().to_vec());
    let protected = id
        .to_protected_key_file(&pass, FAST, &mut ChaCha20Rng::from_seed([0x44; 32]))
        .map_err(core)?;
    let p = protected.expose_secret().to_vec();
    let edit = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = p.clone();
        f(&mut b);
        b
    };
    let mut cost = p.clone();
    cost[11] = 21; // log2 N = 21: 2 GiB, past the bound
    let cases: Vec<(&str, &str, Vec<u8>, &str, &str)> = vec![
        (
            "key_file_plain",
            "An unprotected key file (spec §3.4) of de.bka with test secrets.",
            plain.expose_secret().to_vec(),
            PASSPHRASE,
            OK,
        ),
        (
            "key_file_protected",
            "The same key file protected by the passphrase (spec §3.5): scrypt log2 N = 10, r = 8, \
             p = 1, a salt from a seeded generator.",
            p.clone(),
            PASSPHRASE,
            OK,
        ),
        (
            "key_file_wrong_passphrase",
            "The protected key file opened with another passphrase.",
            p.clone(),
            "correct horse battery stapler",
            "wrong_passphrase",
        ),
        (
            "key_file_salt_changed",
            "The protected key file with one bit of its salt flipped: the header is the AAD, so \
             it fails like a wrong passphrase.",
            edit(&|b| b[20] ^= 1),
            PASSPHRASE,
            "wrong_passphrase",
        ),
        (
            "key_file_ciphertext_truncated",
            "The protected key file without its last byte: the length field no longer names the \
             rest of the file.",
            edit(&|b| {
                b.pop();
            }),
            PASSPHRASE,
            "bad_file",
        ),
        (
            "key_file_cost_over_limit",
            "The protected key file naming log2 N = 21 (2 GiB of memory): refused before any \
             derivation.",
            cost,
            PASSPHRASE,
            "bad_file",
        ),
    ];
    let mut out = Vec::new();
    for (name, description, file, passphrase, outcome) in cases {
        let (got, opened) = read(&file, passphrase);
        if got != outcome {
            return Err(Error::WrongOutcome {
                name: name.to_owned(),
                expected: outcome.to_owned(),
                got,
            });
        }
        let v = KeyFileVector {
            name: name.to_owned(),
            kind: if outcome == OK {
                "positive"
            } else {
                "negative"
            }
            .to_owned(),
            description: description.to_owned(),
            passphrase: passphrase.to_owned(),
            file: hex::encode(&file),
            expected: KeyFileOutcome {
                outcome: outcome.to_owned(),
                key_file: opened.as_ref().map(|(p, _)| hex::encode(p)),
                key_id: opened.map(|(_, k)| k),
            },
        };
        let text = serde_json::to_string_pretty(&v).map_err(|source| Error::Json {
            context: name.to_owned(),
            source,
        })? + "\n";
        out.push((format!("{name}.json"), text));
    }
    Ok(out)
}

/// Writes the key file vectors to `dir`.
pub fn write_keys_dir(dir: &Path, files: &[(String, String)]) -> Result<usize, Error> {
    let f: Vec<(String, &str)> = files.iter().map(|(n, t)| (n.clone(), t.as_str())).collect();
    write_files(dir, &f)
}

/// Compares the key file vectors with the files in `dir`.
pub fn compare_keys_dir(dir: &Path, files: &[(String, String)]) -> Result<Vec<String>, Error> {
    let f: Vec<(String, &str)> = files.iter().map(|(n, t)| (n.clone(), t.as_str())).collect();
    compare_files(dir, &f)
}
