//! Key file vectors (`spec/vectors/keys/*.json`, spec §3.4, §3.5 and
//! §3.8): a party's secret key file, unprotected and protected by a
//! passphrase, from fixed secrets, a fixed salt and a low scrypt cost, edits
//! of the protected form, and token key files, each with the outcome a
//! reader must give.
//!
//! One JSON object per file: `name`, `kind` (`positive`, `negative`),
//! `description`, `passphrase` (UTF-8), `file` (the bytes, hex), for a token
//! key file `token` (the token a reader must simulate: its module, label,
//! key id, and the test Ed25519 seed of the key it holds), and `expected`:
//! `outcome` (`ok`, `wrong_passphrase`, `bad_file`, or `token_key_mismatch`
//! when the token's key is not the card's) and, for `ok`, `key_file` (the
//! unprotected key file inside, hex) and `key_id`.
//! **Test keys, published so that the vectors can be checked: never use them
//! for anything else.**

use std::path::{Path, PathBuf};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rogatory_core::keyfile::{KdfParams, Passphrase, unprotect};
use rogatory_core::token::{ExternalSigner, TOKEN_KEY_FILE_MAGIC, TokenRef};
use rogatory_core::{CoreError, Identity, Key32, Signer};
use rogatory_wire::{Digest, PartyId, PublicKey, Signature, Timestamp};
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
    /// For a token key file (spec §3.8): the token to simulate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenVector>,
    /// What reading it gives.
    pub expected: KeyFileOutcome,
}

/// The token a token key file vector names, and the test key it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenVector {
    /// The PKCS#11 module path.
    pub module: String,
    /// The token's label.
    pub token: String,
    /// The `CKA_ID` of its key pair, hex.
    pub object_id: String,
    /// The Ed25519 seed of the key the simulated token holds, hex: a test
    /// key standing in for the token's.
    pub test_ed25519_seed: String,
}

/// A token simulated in software from a published test seed: what a
/// reader of the token key file vectors plugs in where the PKCS#11 token
/// would be.
pub struct TestToken {
    key: Identity,
    reference: TokenRef,
}

impl TestToken {
    /// The token of a vector.
    pub fn new(v: &TokenVector) -> Result<Self, Error> {
        let seed: [u8; 32] = hex::decode(&v.test_ed25519_seed)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| Error::Patch {
                vector: "keys".into(),
                detail: "test_ed25519_seed: 32 bytes, hex".into(),
            })?;
        let key = Identity::from_secrets(
            PartyId::new("test.token")?,
            &Key32::from_bytes(seed),
            &Key32::from_bytes([0x01; 32]),
            Digest([0; 32]),
            None,
            Timestamp(0),
            Timestamp(u64::MAX),
        )
        .map_err(core)?;
        let object_id = hex::decode(&v.object_id).map_err(|e| Error::Patch {
            vector: "keys".into(),
            detail: format!("object_id: {e}"),
        })?;
        Ok(Self {
            key,
            reference: TokenRef {
                module: v.module.clone(),
                token: v.token.clone(),
                object_id,
            },
        })
    }
}

impl ExternalSigner for TestToken {
    fn public_key(&self) -> PublicKey {
        self.key.card().body.signing_key
    }

    fn sign(&self, message: &[u8]) -> rogatory_core::Result<Signature> {
        Signer::sign(&self.key, message)
    }

    fn token(&self) -> &TokenRef {
        &self.reference
    }
}

fn token_vector(seed: u8) -> TokenVector {
    TokenVector {
        module: "/usr/lib/softhsm/libsofthsm2.so".into(),
        token: "rogatory".into(),
        object_id: hex::encode([0xa5; 16]),
        test_ed25519_seed: hex::encode([seed; 32]),
    }
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

/// Reads a key file as spec §3.5 says (a protected one with `passphrase`;
/// a token key file of §3.8 with the simulated `token`), and gives the
/// outcome class and, when it opens, the key file inside and its card's key
/// id.
pub fn read(
    file: &[u8],
    passphrase: &str,
    token: Option<&TokenVector>,
) -> (String, Option<(Vec<u8>, String)>) {
    let pass = Passphrase::new(passphrase.as_bytes().to_vec());
    let plain = if rogatory_core::keyfile::is_protected(file) {
        unprotect(file, &pass).map(|p| p.expose_secret().to_vec())
    } else {
        Ok(file.to_vec())
    };
    let opened = plain.and_then(|p| {
        let id = if p.starts_with(TOKEN_KEY_FILE_MAGIC) {
            Identity::from_token_key_file(&p, |_| {
                let t =
                    token.ok_or_else(|| CoreError::Usage("the vector names no token".into()))?;
                let t = TestToken::new(t).map_err(|e| CoreError::Usage(e.to_string()))?;
                Ok::<Box<dyn ExternalSigner>, CoreError>(Box::new(t))
            })?
        } else {
            Identity::from_key_file(&p)?
        };
        Ok((p, id.key_id()))
    });
    match opened {
        Ok((p, k)) => (OK.to_owned(), Some((p, k.to_hex()))),
        Err(CoreError::WrongPassphrase) => ("wrong_passphrase".to_owned(), None),
        Err(CoreError::Token { .. }) => ("token_key_mismatch".to_owned(), None),
        Err(_) => ("bad_file".to_owned(), None),
    }
}

/// The token key file of de.bka (spec §3.8), its signing key held by the
/// simulated token of seed `0x55`.
fn token_identity() -> Result<Identity, Error> {
    let t = TestToken::new(&token_vector(0x55))?;
    Identity::from_secrets_with_signer(
        PartyId::new("de.bka")?,
        Box::new(t),
        &Key32::from_bytes([0x22; 32]),
        Some(&Key32::from_bytes([0x44; 32])),
        Digest([0x33; 32]),
        None,
        Timestamp(1_700_000_000),
        Timestamp(1_900_000_000),
    )
    .map_err(core)
}

/// One key file vector before it is checked: name, description, file,
/// passphrase, outcome, token.
type Case<'a> = (
    &'a str,
    &'a str,
    Vec<u8>,
    &'a str,
    &'a str,
    Option<TokenVector>,
);

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
    let tok = token_identity()?.to_key_file().map_err(core)?;
    let t = tok.expose_secret().to_vec();
    let tok_protected =
        rogatory_core::keyfile::protect(&t, &pass, FAST, &mut ChaCha20Rng::from_seed([0x77; 32]))
            .map_err(core)?;
    let tedit = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = t.clone();
        f(&mut b);
        b
    };
    // The label field: after the module's 8 + 31 bytes, counted from the end
    // (8 + 8 label bytes, 8 + 16 id bytes).
    let label_len_at = t.len() - (8 + 16) - (8 + 8);
    let cases: Vec<Case<'_>> = vec![
        (
            "token_key_file_plain",
            "A token key file (spec §3.8) of de.bka: a hybrid card whose signing key is held by the \
             token `rogatory` (simulated here by the test seed 55 × 32), key id a5 × 16; the \
             agreement secret (22 × 32) and X-Wing seed (44 × 32) in the file, no TLS key.",
            t.clone(),
            PASSPHRASE,
            OK,
            Some(token_vector(0x55)),
        ),
        (
            "token_key_file_protected",
            "The same token key file protected by the passphrase (spec §3.5 wraps it unchanged).",
            tok_protected.expose_secret().to_vec(),
            PASSPHRASE,
            OK,
            Some(token_vector(0x55)),
        ),
        (
            "token_key_file_other_key_on_token",
            "The token key file read against a token whose key pair with that id is another \
             Ed25519 key (seed 56 × 32): the token's key is not the card's signing key.",
            t.clone(),
            PASSPHRASE,
            "token_key_mismatch",
            Some(token_vector(0x56)),
        ),
        (
            "token_key_file_empty_label",
            "The token key file with a token label of 0 bytes (the label must be 1 to 32 bytes).",
            tedit(&|b| {
                b.splice(label_len_at..label_len_at + 16, 0u64.to_le_bytes());
            }),
            PASSPHRASE,
            "bad_file",
            Some(token_vector(0x55)),
        ),
        (
            "token_key_file_trailing_byte",
            "The token key file with one byte after its key id.",
            tedit(&|b| b.push(0)),
            PASSPHRASE,
            "bad_file",
            Some(token_vector(0x55)),
        ),
        (
            "key_file_plain",
            "An unprotected key file (spec §3.4) of de.bka with test secrets.",
            plain.expose_secret().to_vec(),
            PASSPHRASE,
            OK,
            None,
        ),
        (
            "key_file_protected",
            "The same key file protected by the passphrase (spec §3.5): scrypt log2 N = 10, r = 8, \
             p = 1, a salt from a seeded generator.",
            p.clone(),
            PASSPHRASE,
            OK,
            None,
        ),
        (
            "key_file_wrong_passphrase",
            "The protected key file opened with another passphrase.",
            p.clone(),
            "correct horse battery stapler",
            "wrong_passphrase",
            None,
        ),
        (
            "key_file_salt_changed",
            "The protected key file with one bit of its salt flipped: the header is the AAD, so \
             it fails like a wrong passphrase.",
            edit(&|b| b[20] ^= 1),
            PASSPHRASE,
            "wrong_passphrase",
            None,
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
            None,
        ),
        (
            "key_file_cost_over_limit",
            "The protected key file naming log2 N = 21 (2 GiB of memory): refused before any \
             derivation.",
            cost,
            PASSPHRASE,
            "bad_file",
            None,
        ),
    ];
    let mut out = Vec::new();
    for (name, description, file, passphrase, outcome, token) in cases {
        let (got, opened) = read(&file, passphrase, token.as_ref());
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
            token,
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
