//! A party's Ed25519 signing key in a PKCS#11 token (an HSM, a smartcard,
//! SoftHSM2), for Rogatory (spec §3.8).
//!
//! The token makes the key (`CKM_EC_EDWARDS_KEY_PAIR_GEN`, not extractable,
//! sensitive) and signs with it (`CKM_EDDSA`, pure Ed25519); the key never
//! leaves it. [`Pkcs11Signer`] implements the core's
//! [`ExternalSigner`], so every signature Rogatory makes (the card, the
//! package, custody events, receipts, ledger lines, rotations and
//! revocations) can come from the token, and the core checks each one under
//! the card's key before using it.
//!
//! What stays in the token key file (spec §3.8): the X25519 secret and the
//! X-Wing seed that unwrap stanzas, and the TLS key. PKCS#11 up to 3.1 has
//! no X-Wing; X25519 derivation (`CKM_ECDH1_DERIVE` on `CKK_EC_MONTGOMERY`
//! keys) is probed with [`Token::x25519_derive`], which says so in a typed
//! error where the token lacks it.
//!
//! ```no_run
//! use std::sync::Arc;
//! use rogatory_pkcs11::{Pin, Token};
//! # fn main() -> Result<(), rogatory_pkcs11::Pkcs11Error> {
//! let token = Arc::new(Token::open(
//!     "/usr/lib/softhsm/libsofthsm2.so",
//!     "rogatory",
//!     &Pin::new("1234".into()),
//! )?);
//! let signer = token.generate_ed25519("de.bka")?;
//! println!("key id {:02x?}", signer.token_ref().object_id);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fmt;
use std::sync::{Arc, Mutex};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use rogatory_core::CoreError;
use rogatory_core::token::{ExternalSigner, OBJECT_ID_MAX, TOKEN_LABEL_MAX, TokenRef};
use rogatory_wire::{PublicKey, Signature};
use thiserror::Error;
use zeroize::Zeroizing;

/// DER of the Ed25519 curve OID 1.3.101.112, as `CKA_EC_PARAMS`.
const ED25519_OID: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
/// `CKA_EC_PARAMS` as the printable string `edwards25519`, which tokens of
/// PKCS#11 3.0 that predate the OID form accept.
const ED25519_NAME: &[u8] = b"\x13\x0cedwards25519";

/// A token's user PIN. Zeroized on drop; prints as redacted.
pub struct Pin(Zeroizing<String>);

impl Pin {
    /// Wraps a PIN.
    pub fn new(pin: String) -> Self {
        Self(Zeroizing::new(pin))
    }
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pin([redacted])")
    }
}

/// What can go wrong with a token. Each names the token (or module).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Pkcs11Error {
    /// The module could not be loaded or initialised.
    #[error("cannot load the PKCS#11 module {module}: {source}")]
    Module {
        /// The module's path.
        module: String,
        /// What the loader said.
        #[source]
        source: CkError,
    },
    /// No initialised token has the label.
    #[error("no token labelled {label:?} in {module} (tokens: {present})")]
    NoToken {
        /// The label asked for.
        label: String,
        /// The module.
        module: String,
        /// The labels present, comma-separated.
        present: String,
    },
    /// The token refused the PIN.
    #[error("token {token}: the PIN was refused")]
    WrongPin {
        /// The token.
        token: String,
    },
    /// The token has locked the user PIN (too many wrong PINs).
    #[error("token {token}: the user PIN is locked; its security officer must reset it")]
    PinLocked {
        /// The token.
        token: String,
    },
    /// No Ed25519 key pair with the id is on the token.
    #[error("token {token} holds no Ed25519 key pair with id {id}")]
    NoKey {
        /// The token.
        token: String,
        /// The `CKA_ID`, hex.
        id: String,
    },
    /// The token lacks an algorithm.
    #[error("token {token} does not support {algorithm}")]
    Unsupported {
        /// The token.
        token: String,
        /// The algorithm and its PKCS#11 mechanism.
        algorithm: &'static str,
    },
    /// A key object on the token is not what Rogatory needs.
    #[error("token {token}: {detail}")]
    BadKey {
        /// The token.
        token: String,
        /// What is wrong.
        detail: String,
    },
    /// A PKCS#11 call failed.
    #[error("token {token}: {operation}: {source}")]
    Call {
        /// The token.
        token: String,
        /// What was being done.
        operation: &'static str,
        /// The module's error.
        #[source]
        source: CkError,
    },
    /// A label, id or PIN given by the caller is not usable.
    #[error("{0}")]
    Usage(String),
}

impl From<Pkcs11Error> for CoreError {
    fn from(e: Pkcs11Error) -> Self {
        match e {
            Pkcs11Error::Unsupported { token, algorithm } => CoreError::TokenUnsupported {
                token,
                algorithm: algorithm.into(),
            },
            other => CoreError::Token {
                token: other.token().to_owned(),
                detail: other.to_string(),
            },
        }
    }
}

impl Pkcs11Error {
    fn token(&self) -> &str {
        match self {
            Pkcs11Error::Module { module, .. } | Pkcs11Error::NoToken { module, .. } => module,
            Pkcs11Error::WrongPin { token }
            | Pkcs11Error::PinLocked { token }
            | Pkcs11Error::NoKey { token, .. }
            | Pkcs11Error::Unsupported { token, .. }
            | Pkcs11Error::BadKey { token, .. }
            | Pkcs11Error::Call { token, .. } => token,
            Pkcs11Error::Usage(_) => "(none)",
        }
    }
}

type Result<T> = std::result::Result<T, Pkcs11Error>;

/// An open, logged-in session with one token.
pub struct Token {
    ctx: Pkcs11,
    slot: Slot,
    module: String,
    label: String,
    session: Mutex<Session>,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("module", &self.module)
            .field("label", &self.label)
            .finish()
    }
}

impl Token {
    /// Loads `module`, finds the initialised token labelled `label`, opens a
    /// read-write session and logs in as its user with `pin`. (PKCS#11 keeps
    /// one login per application and token: while another session of this
    /// process is logged in, the token accepts the new session without
    /// asking for the PIN again.)
    pub fn open(module: &str, label: &str, pin: &Pin) -> Result<Self> {
        if label.is_empty() || label.len() > TOKEN_LABEL_MAX {
            return Err(Pkcs11Error::Usage(format!(
                "a token label is 1 to {TOKEN_LABEL_MAX} bytes: {label:?}"
            )));
        }
        let load = |source| Pkcs11Error::Module {
            module: module.to_owned(),
            source,
        };
        let ctx = Pkcs11::new(module).map_err(load)?;
        match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
            Err(e) => return Err(load(e)),
        }
        let slots = ctx.get_slots_with_initialized_token().map_err(load)?;
        let mut present = Vec::new();
        let mut found = None;
        for slot in slots {
            let info = ctx.get_token_info(slot).map_err(load)?;
            let l = info.label().trim_end().to_owned();
            if l == label {
                found = Some(slot);
                break;
            }
            present.push(l);
        }
        let slot = found.ok_or_else(|| Pkcs11Error::NoToken {
            label: label.to_owned(),
            module: module.to_owned(),
            present: if present.is_empty() {
                "none".into()
            } else {
                present.join(", ")
            },
        })?;
        let call = |operation| {
            move |source| Pkcs11Error::Call {
                token: label.to_owned(),
                operation,
                source,
            }
        };
        let session = ctx.open_rw_session(slot).map_err(call("open a session"))?;
        match session.login(UserType::User, Some(&AuthPin::new(pin.0.as_str().into()))) {
            Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(CkError::Pkcs11(RvError::PinIncorrect, _)) => {
                return Err(Pkcs11Error::WrongPin {
                    token: label.to_owned(),
                });
            }
            Err(CkError::Pkcs11(RvError::PinLocked, _)) => {
                return Err(Pkcs11Error::PinLocked {
                    token: label.to_owned(),
                });
            }
            Err(e) => return Err(call("log in")(e)),
        }
        Ok(Self {
            ctx,
            slot,
            module: module.to_owned(),
            label: label.to_owned(),
            session: Mutex::new(session),
        })
    }

    /// The token's label.
    pub fn label(&self) -> &str {
        &self.label
    }

    fn call(&self, operation: &'static str) -> impl FnOnce(CkError) -> Pkcs11Error + '_ {
        move |source| Pkcs11Error::Call {
            token: self.label.clone(),
            operation,
            source,
        }
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        // A panic while holding the lock leaves the session as usable as
        // before: PKCS#11 calls are atomic from here.
        self.session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the token offers every mechanism of `needed`.
    fn offers(&self, needed: &[MechanismType]) -> Result<bool> {
        let list = self
            .ctx
            .get_mechanism_list(self.slot)
            .map_err(self.call("list mechanisms"))?;
        Ok(needed.iter().all(|m| list.contains(m)))
    }

    fn require(&self, needed: &[MechanismType], algorithm: &'static str) -> Result<()> {
        if self.offers(needed)? {
            Ok(())
        } else {
            Err(Pkcs11Error::Unsupported {
                token: self.label.clone(),
                algorithm,
            })
        }
    }

    /// Generates an Ed25519 key pair on the token, labelled `label`, with a
    /// fresh random 16-byte `CKA_ID`: the private key sensitive and not
    /// extractable. Refused with [`Pkcs11Error::Unsupported`] where the token
    /// has no Ed25519.
    pub fn generate_ed25519(self: &Arc<Self>, label: &str) -> Result<Pkcs11Signer> {
        self.require(
            &[
                MechanismType::ECC_EDWARDS_KEY_PAIR_GEN,
                MechanismType::EDDSA,
            ],
            "Ed25519 signing (CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA)",
        )?;
        let session = self.session();
        let id = session
            .generate_random_vec(16)
            .map_err(self.call("draw a key id"))?;
        let private = [
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
            Attribute::Sign(true),
            Attribute::Id(id.clone()),
            Attribute::Label(label.as_bytes().to_vec()),
        ];
        let mut last = None;
        for params in [ED25519_OID, ED25519_NAME] {
            let public = [
                Attribute::Token(true),
                Attribute::Private(false),
                Attribute::Verify(true),
                Attribute::EcParams(params.to_vec()),
                Attribute::Id(id.clone()),
                Attribute::Label(label.as_bytes().to_vec()),
            ];
            match session.generate_key_pair(&Mechanism::EccEdwardsKeyPairGen, &public, &private) {
                Ok(_) => {
                    last = None;
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        if let Some(e) = last {
            return Err(self.call("generate an Ed25519 key pair")(e));
        }
        drop(session);
        self.signer(&id)
    }

    /// The signer for the Ed25519 key pair with `CKA_ID` `id`.
    pub fn signer(self: &Arc<Self>, id: &[u8]) -> Result<Pkcs11Signer> {
        if id.is_empty() || id.len() > OBJECT_ID_MAX {
            return Err(Pkcs11Error::Usage(format!(
                "a key id is 1 to {OBJECT_ID_MAX} bytes"
            )));
        }
        let session = self.session();
        let find = |class| {
            session
                .find_objects(&[
                    Attribute::Class(class),
                    Attribute::KeyType(KeyType::EC_EDWARDS),
                    Attribute::Id(id.to_vec()),
                ])
                .map_err(self.call("find the key"))
        };
        let no_key = || Pkcs11Error::NoKey {
            token: self.label.clone(),
            id: hex(id),
        };
        let private = *find(ObjectClass::PRIVATE_KEY)?.first().ok_or_else(no_key)?;
        let public = *find(ObjectClass::PUBLIC_KEY)?.first().ok_or_else(no_key)?;
        let attrs = session
            .get_attributes(public, &[AttributeType::EcPoint])
            .map_err(self.call("read the public key"))?;
        let point = attrs.into_iter().find_map(|a| match a {
            Attribute::EcPoint(p) => Some(p),
            _ => None,
        });
        let public_key =
            point
                .as_deref()
                .and_then(ed25519_point)
                .ok_or_else(|| Pkcs11Error::BadKey {
                    token: self.label.clone(),
                    detail: format!("the public key of id {} is not an Ed25519 point", hex(id)),
                })?;
        drop(session);
        Ok(Pkcs11Signer {
            token: Arc::clone(self),
            private,
            public: PublicKey(public_key),
            reference: TokenRef {
                module: self.module.clone(),
                token: self.label.clone(),
                object_id: id.to_vec(),
            },
        })
    }

    /// Whether the token can hold an X25519 key and derive with it
    /// (`CKM_EC_MONTGOMERY_KEY_PAIR_GEN` and `CKM_ECDH1_DERIVE`): where it
    /// cannot, [`Pkcs11Error::Unsupported`] says so, and the X25519 secret
    /// stays in the token key file.
    pub fn x25519_derive(&self) -> Result<()> {
        self.require(
            &[
                MechanismType::ECC_MONTGOMERY_KEY_PAIR_GEN,
                MechanismType::ECDH1_DERIVE,
            ],
            "X25519 key agreement (CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKM_ECDH1_DERIVE)",
        )
    }
}

/// The 32-byte Ed25519 public key of a `CKA_EC_POINT`: the DER OCTET STRING
/// of PKCS#11 3.0 (`04 20 || key`), or the raw 32 bytes some tokens give.
fn ed25519_point(p: &[u8]) -> Option<[u8; 32]> {
    match p {
        [0x04, 0x20, rest @ ..] if rest.len() == 32 => rest.try_into().ok(),
        raw if raw.len() == 32 => raw.try_into().ok(),
        _ => None,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// An Ed25519 key pair on a token, signing for a Rogatory identity.
pub struct Pkcs11Signer {
    token: Arc<Token>,
    private: ObjectHandle,
    public: PublicKey,
    reference: TokenRef,
}

impl fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Signer")
            .field("token", &self.reference.token)
            .field("object_id", &hex(&self.reference.object_id))
            .finish()
    }
}

impl Pkcs11Signer {
    /// Where the key is, as a token key file records it.
    pub fn token_ref(&self) -> &TokenRef {
        &self.reference
    }

    /// An Ed25519 signature by the token, as it returned it (the core
    /// checks it; see [`ExternalSigner`]).
    pub fn sign_raw(&self, message: &[u8]) -> Result<[u8; 64]> {
        let session = self.token.session();
        let sig = session
            .sign(
                &Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure)),
                self.private,
                message,
            )
            .map_err(self.token.call("sign"))?;
        sig.try_into().map_err(|s: Vec<u8>| Pkcs11Error::BadKey {
            token: self.reference.token.clone(),
            detail: format!("it returned a signature of {} bytes, not 64", s.len()),
        })
    }
}

impl ExternalSigner for Pkcs11Signer {
    fn public_key(&self) -> PublicKey {
        self.public
    }

    fn sign(&self, message: &[u8]) -> rogatory_core::Result<Signature> {
        Ok(Signature(self.sign_raw(message)?))
    }

    fn token(&self) -> &TokenRef {
        &self.reference
    }
}

/// Opens the token a token key file names and returns the signer of its key
/// pair: the opener [`rogatory_core::Identity::load_with_token`] needs.
pub fn open_signer(reference: &TokenRef, pin: &Pin) -> Result<Box<dyn ExternalSigner>> {
    let token = Arc::new(Token::open(&reference.module, &reference.token, pin)?);
    Ok(Box::new(token.signer(&reference.object_id)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_points_of_both_forms() {
        let k = [7u8; 32];
        let mut der = vec![0x04, 0x20];
        der.extend_from_slice(&k);
        assert_eq!(ed25519_point(&der), Some(k));
        assert_eq!(ed25519_point(&k), Some(k));
        assert_eq!(ed25519_point(&der[..33]), None);
        assert_eq!(ed25519_point(&[0x04, 0x41, 1, 2]), None);
        assert_eq!(ed25519_point(&[]), None);
    }

    #[test]
    fn a_pin_prints_redacted() {
        assert_eq!(format!("{:?}", Pin::new("1234".into())), "Pin([redacted])");
    }

    #[test]
    fn a_missing_module_is_a_typed_error() {
        let e = Token::open("/nonexistent/libnothing.so", "t", &Pin::new("1".into())).unwrap_err();
        assert!(matches!(e, Pkcs11Error::Module { .. }), "{e}");
        assert!(e.to_string().contains("/nonexistent/libnothing.so"), "{e}");
    }
}
