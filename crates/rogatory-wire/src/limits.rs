//! Every limit of protocol v1 (spec §2.4). A decoder checks a length or count
//! against its limit before it allocates for it.

/// Access tags per field.
pub const TAGS_MAX: usize = 16;
/// Clearances granted to one party in a trust store.
pub const CLEARANCES_MAX: usize = 256;
/// Data categories in the metadata.
pub const CATEGORIES_MAX: usize = 32;
/// Parties named in one onward-transfer consent.
pub const PARTIES_MAX: usize = 64;
/// Fields per package.
pub const FIELDS_MAX: usize = 4096;
/// Recipient stanzas per package, and recipients named in the metadata.
pub const RECIPIENTS_MAX: usize = 256;
/// Acquisition provenance records in the metadata.
pub const PROVENANCE_MAX: usize = 64;
/// Leaves (segments) in one field, and in one package in all.
pub const LEAVES_MAX: usize = 1 << 22;
/// Size of one segment's plaintext in bytes (1 MiB).
pub const SEGMENT_MAX: usize = 1 << 20;
/// Payload bytes per STREAM chunk (64 KiB); the only chunk size of suite 1.
pub const CHUNK_SIZE: u32 = 1 << 16;
/// Encoded sealed metadata, and its ciphertext (16 MiB).
pub const METADATA_MAX: usize = 16 << 20;
/// A recipient stanza's ciphertext: the padded key bundle of the largest
/// package plus the AEAD tag.
pub const STANZA_CIPHERTEXT_MAX: usize = 4 + 32 + FIELDS_MAX * 33 + 16;
/// Ciphertext bytes of one field (4 PiB).
pub const FIELD_CIPHERTEXT_MAX: u64 = 1 << 52;
/// Ranges in one field's segment set.
pub const RANGES_MAX: usize = LEAVES_MAX;
/// The container trailer (256 MiB: a full leaf table is 128 MiB).
pub const TRAILER_MAX: usize = 256 << 20;
/// The sealed details of one custody event (64 KiB).
pub const DETAILS_MAX: usize = 64 << 10;
/// One encoded custody event (64 MiB: it may carry a whole envelope).
pub const EVENT_MAX: usize = 64 << 20;
/// Custody events in one package.
pub const EVENTS_MAX: usize = 65_536;
/// One encoded ledger line.
pub const LEDGER_LINE_MAX: usize = 64 << 10;
/// One encoded party card.
pub const CARD_MAX: usize = 2048;
/// One encoded trust-store entry.
pub const TRUST_ENTRY_MAX: usize = 32 << 10;
/// Payload bytes in one session data frame (1 MiB).
pub const DATA_FRAME_MAX: usize = 1 << 20;
/// One encoded session frame (a receipt frame carries a `received` event).
pub const FRAME_MAX: usize = 2 << 20;
