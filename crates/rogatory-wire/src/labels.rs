//! Domain-separation labels (spec §3.2). Every hash, HKDF use and signature of
//! the protocol starts from its own label, so that no value can be replayed
//! as another. Labels are ASCII and are always followed, in the hashed or
//! signed input, by the fields that the spec lists for them.

/// Key id of a party card: `SHA-256(KEY_ID || ed25519 || x25519 || tls pin)`.
pub const KEY_ID: &[u8] = b"rogatory/v1 key-id";
/// Ed25519 signature over a card body.
pub const SIG_CARD: &[u8] = b"rogatory/v1 sig card";
/// Ed25519 signature over the package digest.
pub const SIG_PACKAGE: &[u8] = b"rogatory/v1 sig package";
/// Ed25519 signature over a custody event.
pub const SIG_EVENT: &[u8] = b"rogatory/v1 sig custody-event";
/// Ed25519 signature over a ledger head.
pub const SIG_LEDGER: &[u8] = b"rogatory/v1 sig ledger-head";
/// Ed25519 signature by a predecessor card's key over a rotation statement.
pub const SIG_ROTATION: &[u8] = b"rogatory/v1 sig rotation";
/// Ed25519 signature by an issuer over a revocation statement.
pub const SIG_REVOCATION: &[u8] = b"rogatory/v1 sig revocation";
/// Ed25519 signature by a field's proof key: a redactor's proof that it
/// held the key of a field it cut into.
pub const SIG_FIELD_KEY: &[u8] = b"rogatory/v1 sig field-key";

/// HKDF info: a field's AEAD key.
pub const HKDF_FIELD_AEAD: &[u8] = b"rogatory/v1 field aead-key";
/// HKDF info: the seed of a field key's proof key, whose Ed25519 public key
/// is the field's key commitment.
pub const HKDF_FIELD_COMMIT: &[u8] = b"rogatory/v1 field key-commitment";
/// HKDF info: the metadata AEAD key.
pub const HKDF_META_AEAD: &[u8] = b"rogatory/v1 metadata aead-key";
/// HKDF info: the metadata key's commitment.
pub const HKDF_META_COMMIT: &[u8] = b"rogatory/v1 metadata key-commitment";
/// HKDF info: the key of one custody event's sealed details.
pub const HKDF_DETAILS: &[u8] = b"rogatory/v1 custody details-key";
/// HKDF info: a commitment to the recipient of a stanza.
pub const HKDF_RECIPIENT: &[u8] = b"rogatory/v1 recipient-commitment";
/// HPKE `info` prefix of a recipient stanza.
pub const HPKE_INFO: &[u8] = b"rogatory/v1 key-wrap";

/// SHA-256 prefix of a segment leaf.
pub const HASH_LEAF: &[u8] = b"rogatory/v1 leaf";
/// SHA-256 prefix of the package digest.
pub const HASH_PACKAGE: &[u8] = b"rogatory/v1 package-digest";
/// SHA-256 prefix of the stanzas digest.
pub const HASH_STANZAS: &[u8] = b"rogatory/v1 stanzas";
/// SHA-256 prefix of the envelope digest.
pub const HASH_ENVELOPE: &[u8] = b"rogatory/v1 envelope";
/// SHA-256 prefix of a custody event hash (the `prev` of the next event).
pub const HASH_EVENT: &[u8] = b"rogatory/v1 custody-event";
/// SHA-256 prefix of a ledger line hash.
pub const HASH_LEDGER: &[u8] = b"rogatory/v1 ledger-line";
/// SHA-256 prefix of the stable name of a node in a CASE/UCO export (not a
/// security use: it only makes the names stable).
pub const CASE_NODE: &[u8] = b"rogatory/v1 case-node";
/// SHA-256 prefix of the container footer check value.
pub const HASH_FOOTER: &[u8] = b"rogatory/v1 footer";
