//! Party identities (spec §3.1, §3.4): the Ed25519 signing key, the X25519
//! key-agreement key, the optional X-Wing hybrid key, the TLS key and
//! certificate, and the self-signed party card that publishes them.

use std::fmt;

use ed25519_dalek::{Signer as _, SigningKey};
use rand_core::CryptoRng;
use rogatory_wire::{
    CardBody, Digest, KeyId, PartyCard, PartyId, PublicKey, Signature, Timestamp, decode, encode,
    labels,
};
use x25519_dalek::StaticSecret;

use crate::crypto::{sha256, verify_signature};
use crate::error::{CoreError, Place, Result};
use crate::secret::{Key32, SecretBytes};
use crate::token::{ExternalSigner, TOKEN_KEY_FILE_MAGIC, TokenRef};

/// Signs on behalf of a party. A key can live in an HSM or a smartcard
/// behind this trait; the core only ever asks for signatures over messages
/// that begin with one of the protocol's domain labels.
pub trait Signer {
    /// The key id of the signing party's card.
    fn key_id(&self) -> KeyId;
    /// The party id.
    fn party(&self) -> &PartyId;
    /// The card.
    fn card(&self) -> &PartyCard;
    /// An Ed25519 signature over `message`.
    fn sign(&self, message: &[u8]) -> Result<Signature>;
}

/// The key id of a card: `SHA-256(KEY_ID || ed25519 || x25519 || tls pin
/// [|| x-wing])`, the X-Wing key only when the card has one.
pub fn key_id(body: &CardBody) -> KeyId {
    let hybrid: &[u8] = body.hybrid_key.as_ref().map_or(&[], |k| k.as_ref());
    KeyId(
        sha256(&[
            labels::KEY_ID,
            &body.signing_key.0,
            &body.agreement_key.0,
            &body.tls_spki_sha256.0,
            hybrid,
        ])
        .0,
    )
}

/// The fingerprint people compare out of band: the key id in groups of four
/// hex digits.
pub fn fingerprint(key_id: &KeyId) -> String {
    let hex = key_id.to_hex();
    hex.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// How packages are wrapped to a card, for people: `X-Wing hybrid
/// (ML-KEM-768 + X25519)` for a card with a hybrid key, `X25519 (classical)`
/// otherwise (spec §6.3).
pub fn key_wrap_name(card: &PartyCard) -> &'static str {
    if card.body.hybrid_key.is_some() {
        "X-Wing hybrid (ML-KEM-768 + X25519)"
    } else {
        "X25519 (classical)"
    }
}

/// Checks a card's self-signature, and its X-Wing key if it has one, and
/// returns its key id.
pub fn verify_card(card: &PartyCard) -> Result<KeyId> {
    if let Some(k) = &card.body.hybrid_key
        && !crate::wrap::is_valid_hybrid_key(k)
    {
        return Err(CoreError::BadFile {
            what: "card",
            detail: format!(
                "the X-Wing key of {} is not a valid ML-KEM-768 key",
                card.body.party
            ),
        });
    }
    let body = encode(&card.body).map_err(CoreError::malformed(Place::Signature))?;
    verify_signature(
        &card.body.signing_key,
        labels::SIG_CARD,
        &[&body],
        &card.signature,
        "party card",
    )?;
    Ok(key_id(&card.body))
}

/// Whether `t` is within a card's validity window (both ends inclusive).
pub fn card_valid_at(card: &PartyCard, t: Timestamp) -> bool {
    card.body.not_before <= t && t <= card.body.not_after
}

/// A TLS private key (PKCS#8 DER) and its self-signed certificate (DER).
pub struct TlsKey {
    /// PKCS#8 DER of the private key.
    pub key_der: SecretBytes,
    /// DER of the certificate.
    pub cert_der: Vec<u8>,
    /// SHA-256 of the certificate's SubjectPublicKeyInfo (the pin).
    pub spki_sha256: Digest,
}

impl TlsKey {
    /// Generates an ECDSA P-256 key and a self-signed certificate naming
    /// `party`, valid over the card's window.
    pub fn generate(party: &PartyId, not_before: Timestamp, not_after: Timestamp) -> Result<Self> {
        use rcgen::{CertificateParams, KeyPair, PublicKeyData};
        let err = |e: rcgen::Error| CoreError::usage(format!("TLS certificate: {e}"));
        let key = KeyPair::generate().map_err(err)?;
        let mut params = CertificateParams::new(vec![party.as_str().to_owned()]).map_err(err)?;
        let (y, m, d) = crate::time::ymd(not_before);
        params.not_before = rcgen::date_time_ymd(y as i32, m as u8, d as u8);
        let (y, m, d) = crate::time::ymd(not_after);
        params.not_after = rcgen::date_time_ymd(y as i32, m as u8, d as u8);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, party.as_str());
        let cert = params.self_signed(&key).map_err(err)?;
        let spki = key.subject_public_key_info();
        Ok(Self {
            key_der: SecretBytes::new(key.serialize_der()),
            cert_der: cert.der().to_vec(),
            spki_sha256: sha256(&[&spki]),
        })
    }
}

/// The pin of a TLS private key (PKCS#8 DER): SHA-256 of its
/// SubjectPublicKeyInfo.
pub fn tls_key_pin(key_der: &SecretBytes) -> Result<Digest> {
    use rcgen::PublicKeyData;
    let kp = rcgen::KeyPair::try_from(key_der.expose_secret()).map_err(|e| CoreError::BadFile {
        what: "key",
        detail: format!("TLS key: {e}"),
    })?;
    Ok(sha256(&[&kp.subject_public_key_info()]))
}

/// Where a party's Ed25519 signing key is: in this process, or in a token
/// that signs for it. (A process holds a handful of identities, so the size
/// of the software variant does not matter; boxing it would only leave one
/// more copy of the secret behind on the heap.)
#[allow(clippy::large_enum_variant)]
enum SigningHolder {
    Software(SigningKey),
    Token(Box<dyn ExternalSigner>),
}

/// A party's secret keys and its card. Prints as redacted.
pub struct Identity {
    signing: SigningHolder,
    agreement: StaticSecret,
    hybrid: Option<Key32>,
    tls: Option<TlsKey>,
    card: PartyCard,
    key_id: KeyId,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("party", &self.card.body.party)
            .field("key_id", &self.key_id)
            .field("secrets", &"[redacted]")
            .finish()
    }
}

impl Identity {
    /// Generates fresh keys (with an X-Wing hybrid key), a TLS certificate
    /// and a self-signed card valid from `not_before` to `not_after`
    /// (inclusive).
    pub fn generate(
        party: PartyId,
        not_before: Timestamp,
        not_after: Timestamp,
        rng: &mut impl CryptoRng,
    ) -> Result<Self> {
        Self::generate_with(party, not_before, not_after, true, rng)
    }

    /// [`Identity::generate`], with an X-Wing hybrid key only if `hybrid`:
    /// a classical card (X25519 only) is for peers that cannot yet wrap with
    /// X-Wing.
    pub fn generate_with(
        party: PartyId,
        not_before: Timestamp,
        not_after: Timestamp,
        hybrid: bool,
        rng: &mut impl CryptoRng,
    ) -> Result<Self> {
        let tls = TlsKey::generate(&party, not_before, not_after)?;
        let signing_seed = Key32::random(rng);
        let agreement = Key32::random(rng);
        let hybrid_seed = hybrid.then(|| Key32::random(rng));
        Self::from_secrets_with_hybrid(
            party,
            &signing_seed,
            &agreement,
            hybrid_seed.as_ref(),
            tls.spki_sha256,
            Some(tls),
            not_before,
            not_after,
        )
    }

    /// Builds an identity from known secrets (deterministic tests and vectors;
    /// keys imported from elsewhere). It takes the TLS key as given and does
    /// not check it against `tls_spki_sha256` (tests build mismatched ones on
    /// purpose); [`Identity::from_key_file`] does check.
    pub fn from_secrets(
        party: PartyId,
        signing_seed: &Key32,
        agreement_secret: &Key32,
        tls_spki_sha256: Digest,
        tls: Option<TlsKey>,
        not_before: Timestamp,
        not_after: Timestamp,
    ) -> Result<Self> {
        Self::from_secrets_with_hybrid(
            party,
            signing_seed,
            agreement_secret,
            None,
            tls_spki_sha256,
            tls,
            not_before,
            not_after,
        )
    }

    /// [`Identity::from_secrets`] with an X-Wing seed (32 bytes, the X-Wing
    /// decapsulation key of draft-connolly-cfrg-xwing-kem) when the card is
    /// to carry a hybrid key.
    #[allow(clippy::too_many_arguments)]
    pub fn from_secrets_with_hybrid(
        party: PartyId,
        signing_seed: &Key32,
        agreement_secret: &Key32,
        hybrid_seed: Option<&Key32>,
        tls_spki_sha256: Digest,
        tls: Option<TlsKey>,
        not_before: Timestamp,
        not_after: Timestamp,
    ) -> Result<Self> {
        let signing = SigningHolder::Software(SigningKey::from_bytes(signing_seed.expose_secret()));
        Self::assemble(
            party,
            signing,
            agreement_secret,
            hybrid_seed,
            tls_spki_sha256,
            tls,
            not_before,
            not_after,
        )
    }

    /// Builds the card from the public halves and has `signing` sign it.
    #[allow(clippy::too_many_arguments)]
    fn assemble(
        party: PartyId,
        signing: SigningHolder,
        agreement_secret: &Key32,
        hybrid_seed: Option<&Key32>,
        tls_spki_sha256: Digest,
        tls: Option<TlsKey>,
        not_before: Timestamp,
        not_after: Timestamp,
    ) -> Result<Self> {
        if not_before > not_after {
            return Err(CoreError::usage("card validity ends before it starts"));
        }
        let agreement = StaticSecret::from(*agreement_secret.expose_secret());
        let signing_key = match &signing {
            SigningHolder::Software(key) => PublicKey(key.verifying_key().to_bytes()),
            SigningHolder::Token(t) => t.public_key(),
        };
        let body = CardBody {
            party,
            signing_key,
            agreement_key: PublicKey(x25519_dalek::PublicKey::from(&agreement).to_bytes()),
            tls_spki_sha256,
            not_before,
            not_after,
            hybrid_key: hybrid_seed
                .map(crate::wrap::hybrid_public_key_of)
                .transpose()?,
        };
        let msg = encode(&body).map_err(CoreError::malformed(Place::Signature))?;
        let message = crate::crypto::signed_message(labels::SIG_CARD, &[&msg]);
        let signature = match &signing {
            SigningHolder::Software(key) => Signature(key.sign(&message).to_bytes()),
            SigningHolder::Token(t) => {
                checked_token_signature(t.as_ref(), &body.signing_key, &message)?
            }
        };
        let card = PartyCard { body, signature };
        let key_id = key_id(&card.body);
        Ok(Self {
            signing,
            agreement,
            hybrid: hybrid_seed.map(Key32::duplicate),
            tls,
            card,
            key_id,
        })
    }

    /// Generates the keys that live in this process (X25519, the X-Wing
    /// seed if `hybrid`, the TLS key) and a card whose signing key is the
    /// one `signer` holds (a PKCS#11 token, spec §3.8), signed by it.
    pub fn generate_with_signer(
        party: PartyId,
        not_before: Timestamp,
        not_after: Timestamp,
        hybrid: bool,
        signer: Box<dyn ExternalSigner>,
        rng: &mut impl CryptoRng,
    ) -> Result<Self> {
        let tls = TlsKey::generate(&party, not_before, not_after)?;
        let agreement = Key32::random(rng);
        let hybrid_seed = hybrid.then(|| Key32::random(rng));
        Self::from_secrets_with_signer(
            party,
            signer,
            &agreement,
            hybrid_seed.as_ref(),
            tls.spki_sha256,
            Some(tls),
            not_before,
            not_after,
        )
    }

    /// [`Identity::from_secrets_with_hybrid`] with the signing key held by
    /// `signer` (spec §3.8): the card is built from the given secrets and
    /// the signer's public key, and signed by the signer.
    #[allow(clippy::too_many_arguments)]
    pub fn from_secrets_with_signer(
        party: PartyId,
        signer: Box<dyn ExternalSigner>,
        agreement_secret: &Key32,
        hybrid_seed: Option<&Key32>,
        tls_spki_sha256: Digest,
        tls: Option<TlsKey>,
        not_before: Timestamp,
        not_after: Timestamp,
    ) -> Result<Self> {
        Self::assemble(
            party,
            SigningHolder::Token(signer),
            agreement_secret,
            hybrid_seed,
            tls_spki_sha256,
            tls,
            not_before,
            not_after,
        )
    }

    /// Where the signing key is held, when a token holds it (spec §3.8).
    pub fn token(&self) -> Option<&TokenRef> {
        match &self.signing {
            SigningHolder::Software(_) => None,
            SigningHolder::Token(t) => Some(t.token()),
        }
    }

    /// The X25519 secret, for unwrapping stanzas.
    pub(crate) fn agreement_secret(&self) -> &StaticSecret {
        &self.agreement
    }

    /// The X-Wing seed, when the card has a hybrid key.
    pub(crate) fn hybrid_secret(&self) -> Option<&Key32> {
        self.hybrid.as_ref()
    }

    /// The TLS key and certificate, when the identity has them.
    pub fn tls(&self) -> Option<&TlsKey> {
        self.tls.as_ref()
    }

    /// Encodes the secret key file: spec §3.4, or the token key file of
    /// §3.8 when a token holds the signing key. Write it with mode 0600.
    pub fn to_key_file(&self) -> Result<SecretBytes> {
        let card = encode(&self.card).map_err(CoreError::malformed(Place::Signature))?;
        let mut out = Vec::with_capacity(256 + card.len());
        match &self.signing {
            SigningHolder::Software(key) => {
                out.extend_from_slice(KEY_FILE_MAGIC);
                out.extend_from_slice(&1u16.to_le_bytes());
                put_bytes(&mut out, &card);
                out.extend_from_slice(&key.to_bytes());
            }
            SigningHolder::Token(_) => {
                out.extend_from_slice(TOKEN_KEY_FILE_MAGIC);
                out.extend_from_slice(&1u16.to_le_bytes());
                put_bytes(&mut out, &card);
            }
        }
        out.extend_from_slice(self.agreement.as_bytes());
        match &self.hybrid {
            Some(seed) => {
                out.push(1);
                out.extend_from_slice(seed.expose_secret());
            }
            None => out.push(0),
        }
        match &self.tls {
            Some(t) => {
                out.push(1);
                put_bytes(&mut out, t.key_der.expose_secret());
                put_bytes(&mut out, &t.cert_der);
            }
            None => out.push(0),
        }
        if let SigningHolder::Token(t) = &self.signing {
            t.token().encode_into(&mut out);
        }
        Ok(SecretBytes::new(out))
    }

    /// Reads an unprotected secret key file from `path` and checks that its
    /// keys match its card; a protected one is [`CoreError::PassphraseRequired`]
    /// (use [`Identity::load_with`]). Refuses, as ssh does, a file that its
    /// group or others may read or write (spec §3.4): a secret key shared
    /// with other accounts is not the party's alone.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        Self::load_with(path, || {
            Err(CoreError::PassphraseRequired {
                path: path.to_owned(),
            })
        })
    }

    /// [`Identity::load`] for a key file that may be protected (spec §3.5):
    /// `passphrase` is asked for only when the file is, and a wrong one is
    /// [`CoreError::WrongPassphrase`].
    pub fn load_with<E: From<CoreError>>(
        path: &std::path::Path,
        passphrase: impl FnOnce() -> std::result::Result<crate::keyfile::Passphrase, E>,
    ) -> std::result::Result<Self, E> {
        Self::load_with_token(path, passphrase, |t: &TokenRef| {
            Err(CoreError::Token {
                token: t.token.clone(),
                detail: "this key's signing key is in a PKCS#11 token, and this build has no \
                         PKCS#11 support (build rogatory with its `pkcs11` feature)"
                    .into(),
            }
            .into())
        })
    }

    /// [`Identity::load_with`] that also reads a token key file (spec §3.8):
    /// `open_token` is asked, only for such a file, for the signer of the
    /// token it names.
    pub fn load_with_token<E: From<CoreError>>(
        path: &std::path::Path,
        passphrase: impl FnOnce() -> std::result::Result<crate::keyfile::Passphrase, E>,
        open_token: impl FnOnce(&TokenRef) -> std::result::Result<Box<dyn ExternalSigner>, E>,
    ) -> std::result::Result<Self, E> {
        let bytes = read_private(path)?;
        let plain;
        let bytes = if crate::keyfile::is_protected(bytes.expose_secret()) {
            plain = crate::keyfile::unprotect(bytes.expose_secret(), &passphrase()?)?;
            plain.expose_secret()
        } else {
            bytes.expose_secret()
        };
        if bytes.starts_with(TOKEN_KEY_FILE_MAGIC) {
            Self::from_token_key_file(bytes, open_token)
        } else {
            Ok(Self::from_key_file(bytes)?)
        }
    }

    /// Decodes a token key file (spec §3.8), opens its token with
    /// `open_token`, and checks that the token's key is the card's signing
    /// key and that the other keys match the card.
    pub fn from_token_key_file<E: From<CoreError>>(
        bytes: &[u8],
        open_token: impl FnOnce(&TokenRef) -> std::result::Result<Box<dyn ExternalSigner>, E>,
    ) -> std::result::Result<Self, E> {
        let bad = |d: &str| CoreError::BadFile {
            what: "key",
            detail: d.into(),
        };
        let mut r = Reader(bytes);
        if r.take(8).ok_or_else(|| bad("truncated"))? != TOKEN_KEY_FILE_MAGIC {
            return Err(bad("not a Rogatory token key file").into());
        }
        if r.take(2).ok_or_else(|| bad("truncated"))? != 1u16.to_le_bytes() {
            return Err(bad("unknown token key file version").into());
        }
        let card_bytes = r
            .bytes(rogatory_wire::limits::CARD_MAX)
            .ok_or_else(|| bad("card"))?;
        let card: PartyCard = decode(card_bytes).map_err(|e| bad(&format!("card: {e}")))?;
        let (agreement, hybrid, tls) = read_local_secrets(&mut r, &card)?;
        let token = TokenRef::decode_from(&mut |n| r.bytes(n)).ok_or_else(|| bad("token"))?;
        if !r.0.is_empty() {
            return Err(bad("trailing bytes").into());
        }
        verify_card(&card)?;
        let signer = open_token(&token)?;
        if signer.public_key() != card.body.signing_key {
            return Err(CoreError::Token {
                token: token.token.clone(),
                detail: format!(
                    "its key {} is not the signing key of the card of {} in this key file",
                    hex::encode(signer.public_key().0),
                    card.body.party
                ),
            }
            .into());
        }
        let agreement = StaticSecret::from(*agreement.expose_secret());
        let hybrid_key = hybrid
            .as_ref()
            .map(crate::wrap::hybrid_public_key_of)
            .transpose()?;
        if PublicKey(x25519_dalek::PublicKey::from(&agreement).to_bytes())
            != card.body.agreement_key
            || hybrid_key != card.body.hybrid_key
        {
            return Err(bad("the keys do not match the card").into());
        }
        let key_id = key_id(&card.body);
        Ok(Self {
            signing: SigningHolder::Token(signer),
            agreement,
            hybrid,
            tls,
            card,
            key_id,
        })
    }

    /// The key file (spec §3.4) protected by `passphrase` (spec §3.5), with
    /// a fresh salt. Write it with mode 0600.
    pub fn to_protected_key_file(
        &self,
        passphrase: &crate::keyfile::Passphrase,
        params: crate::keyfile::KdfParams,
        rng: &mut impl CryptoRng,
    ) -> Result<SecretBytes> {
        crate::keyfile::protect(self.to_key_file()?.expose_secret(), passphrase, params, rng)
    }

    /// Decodes a secret key file and checks that its keys match its card.
    pub fn from_key_file(bytes: &[u8]) -> Result<Self> {
        let bad = |d: &str| CoreError::BadFile {
            what: "key",
            detail: d.into(),
        };
        let mut r = Reader(bytes);
        let magic = r.take(8).ok_or_else(|| bad("truncated"))?;
        if magic == TOKEN_KEY_FILE_MAGIC {
            return Err(bad(
                "a token key file (its signing key is in a PKCS#11 token): load it with \
                 Identity::load_with_token",
            ));
        }
        if magic != KEY_FILE_MAGIC {
            return Err(bad("not a Rogatory key file"));
        }
        let version = r.take(2).ok_or_else(|| bad("truncated"))?;
        if version != 1u16.to_le_bytes() {
            return Err(bad("unknown key file version"));
        }
        let card_bytes = r
            .bytes(rogatory_wire::limits::CARD_MAX)
            .ok_or_else(|| bad("card"))?;
        let card: PartyCard = decode(card_bytes).map_err(|e| bad(&format!("card: {e}")))?;
        let seed = Key32::from_bytes(r.array().ok_or_else(|| bad("truncated"))?);
        let (agreement, hybrid, tls) = read_local_secrets(&mut r, &card)?;
        if !r.0.is_empty() {
            return Err(bad("trailing bytes"));
        }
        let id = Self::from_secrets_with_hybrid(
            card.body.party.clone(),
            &seed,
            &agreement,
            hybrid.as_ref(),
            card.body.tls_spki_sha256,
            tls,
            card.body.not_before,
            card.body.not_after,
        )?;
        if id.card != card {
            return Err(bad("the keys do not match the card"));
        }
        Ok(id)
    }
}

/// The part of both key files (spec §3.4, §3.8) after the signing key: the
/// X25519 secret, the X-Wing flag and seed, the TLS flag, key and
/// certificate (checked against the card's pin).
fn read_local_secrets(
    r: &mut Reader<'_>,
    card: &PartyCard,
) -> Result<(Key32, Option<Key32>, Option<TlsKey>)> {
    let bad = |d: &str| CoreError::BadFile {
        what: "key",
        detail: d.into(),
    };
    let agreement = Key32::from_bytes(r.array().ok_or_else(|| bad("truncated"))?);
    let hybrid = match r.take(1).ok_or_else(|| bad("truncated"))? {
        [0] => None,
        [1] => Some(Key32::from_bytes(
            r.array().ok_or_else(|| bad("truncated"))?,
        )),
        _ => return Err(bad("bad X-Wing flag")),
    };
    let tls = match r.take(1).ok_or_else(|| bad("truncated"))? {
        [0] => None,
        [1] => {
            let key = SecretBytes::new(r.bytes(16 << 10).ok_or_else(|| bad("tls key"))?.to_vec());
            let cert = r
                .bytes(64 << 10)
                .ok_or_else(|| bad("tls certificate"))?
                .to_vec();
            if tls_key_pin(&key)? != card.body.tls_spki_sha256 {
                return Err(bad("the TLS key does not match the card's pin"));
            }
            Some(TlsKey {
                key_der: key,
                cert_der: cert,
                spki_sha256: card.body.tls_spki_sha256,
            })
        }
        _ => return Err(bad("bad TLS flag")),
    };
    Ok((agreement, hybrid, tls))
}

/// A signature from a token, checked strictly under `public` before it is
/// used: a token that returns a wrong signature (a fault, another key) is
/// an error here, not a package that fails verification later.
fn checked_token_signature(
    signer: &dyn ExternalSigner,
    public: &PublicKey,
    message: &[u8],
) -> Result<Signature> {
    let sig = signer.sign(message)?;
    verify_signature(public, b"", &[message], &sig, "token signature").map_err(|_| {
        CoreError::Token {
            token: signer.token().token.clone(),
            detail: "it returned a signature that does not verify under the card's signing key"
                .into(),
        }
    })?;
    Ok(sig)
}

/// Reads a secret key file that only its owner may read (spec §3.4),
/// bounded in size.
fn read_private(path: &std::path::Path) -> Result<SecretBytes> {
    use std::io::Read;
    let ctx = || format!("reading key {}", path.display());
    let f = std::fs::File::open(path).map_err(CoreError::io(ctx()))?;
    let meta = f.metadata().map_err(CoreError::io(ctx()))?;
    if !meta.is_file() {
        return Err(CoreError::BadFile {
            what: "key",
            detail: format!("{} is not a file", path.display()),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(CoreError::BadFile {
                what: "key",
                detail: format!(
                    "{} is accessible by group or others (mode {mode:04o}): a secret key file \
                     must be its owner's alone; run `chmod 600 {}`",
                    path.display(),
                    path.display()
                ),
            });
        }
    }
    // A key file is at most a few KiB; a protected one a little more. The
    // buffer is sized up front so that growing it leaves no copy of the
    // secret behind in freed memory.
    let limit: u64 = 256 << 10;
    let mut bytes = SecretBytes::new(Vec::with_capacity(meta.len().min(limit) as usize + 1));
    f.take(limit + 1)
        .read_to_end(bytes.expose_secret_mut())
        .map_err(CoreError::io(ctx()))?;
    if bytes.expose_secret().len() as u64 > limit {
        return Err(CoreError::BadFile {
            what: "key",
            detail: format!("{} is too long for a key file", path.display()),
        });
    }
    Ok(bytes)
}

impl Signer for Identity {
    fn key_id(&self) -> KeyId {
        self.key_id
    }

    fn party(&self) -> &PartyId {
        &self.card.body.party
    }

    fn card(&self) -> &PartyCard {
        &self.card
    }

    fn sign(&self, message: &[u8]) -> Result<Signature> {
        match &self.signing {
            SigningHolder::Software(key) => Ok(Signature(key.sign(message).to_bytes())),
            SigningHolder::Token(t) => {
                checked_token_signature(t.as_ref(), &self.card.body.signing_key, message)
            }
        }
    }
}

const KEY_FILE_MAGIC: &[u8; 8] = b"RGTRYKEY";

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u64).to_le_bytes());
    out.extend_from_slice(b);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }

    fn array(&mut self) -> Option<[u8; 32]> {
        self.take(32)?.try_into().ok()
    }

    fn bytes(&mut self, max: usize) -> Option<&'a [u8]> {
        let len = u64::from_le_bytes(self.take(8)?.try_into().ok()?);
        let len = usize::try_from(len).ok().filter(|&l| l <= max)?;
        self.take(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_identity(party: &str) -> Identity {
        Identity::from_secrets(
            PartyId::new(party).unwrap(),
            &Key32::from_bytes([1; 32]),
            &Key32::from_bytes([2; 32]),
            Digest([3; 32]),
            None,
            Timestamp(0),
            Timestamp(10),
        )
        .unwrap()
    }

    #[test]
    fn card_is_self_signed_and_key_file_round_trips() {
        let id = test_identity("de.bka");
        assert_eq!(verify_card(id.card()).unwrap(), id.key_id());
        let file = id.to_key_file().unwrap();
        let back = Identity::from_key_file(file.expose_secret()).unwrap();
        assert_eq!(back.key_id(), id.key_id());
        assert!(!format!("{id:?}").contains("0101"));
    }

    #[test]
    fn swapped_agreement_key_is_detected() {
        let id = test_identity("de.bka");
        let mut card = id.card().clone();
        card.body.agreement_key = PublicKey([9; 32]);
        assert!(matches!(
            verify_card(&card),
            Err(CoreError::BadSignature { .. })
        ));
        let mut card = id.card().clone();
        card.body.tls_spki_sha256 = Digest([9; 32]);
        assert!(verify_card(&card).is_err());
    }

    #[test]
    fn key_file_rejects_garbage() {
        let id = test_identity("de.bka");
        let file = id.to_key_file().unwrap();
        let b = file.expose_secret();
        for cut in [0, 5, 10, 30, b.len() - 1] {
            assert!(Identity::from_key_file(&b[..cut]).is_err());
        }
        let mut extra = b.to_vec();
        extra.push(0);
        assert!(Identity::from_key_file(&extra).is_err());
        let mut flipped = b.to_vec();
        let n = flipped.len();
        flipped[n - 40] ^= 1; // inside the x25519 secret: no longer matches the card
        assert!(Identity::from_key_file(&flipped).is_err());
    }

    #[test]
    fn generate_makes_tls_material() {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([5; 32]);
        let id = Identity::generate(
            PartyId::new("fr.pnat").unwrap(),
            Timestamp(1_700_000_000),
            Timestamp(1_900_000_000),
            &mut rng,
        )
        .unwrap();
        let tls = id.tls().unwrap();
        assert_eq!(tls.spki_sha256, id.card().body.tls_spki_sha256);
        assert!(!tls.cert_der.is_empty());
        let back = Identity::from_key_file(id.to_key_file().unwrap().expose_secret()).unwrap();
        assert_eq!(back.tls().unwrap().cert_der, tls.cert_der);
    }

    use rand_core::SeedableRng;
}
