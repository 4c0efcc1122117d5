//! # rogatory-transport
//!
//! Delivery of packages over QUIC (spec §13): TLS 1.3 with both parties
//! pinned by their cards, the session protocol with resume, the receiver's
//! store and signed receipts. The only crate that runs an async runtime.
//!
//! ```text
//!  sender                                              receiver
//!  ──────                                              ────────
//!  package file (left as it is)
//!   ├ the destination's copy NAME.to-PARTY.rgt: the package + `sent`, made once
//!   │  (reused on retry)
//!   ├ BLAKE3 of the exact bytes, size
//!   │        QUIC + TLS 1.3, ALPN rogatory/1, both certificates pinned by cards
//!   ├ Offer{id, digest, size} ───────────────────────▶ limits, earlier receipt?
//!   │                  ◀──── Accept{fsynced length} | AlreadyHave{receipt} | Reject
//!   ├ Data{offset, ≤ 1 MiB} … ───────────────────────▶ partial file, fsync
//!   │                                                  BLAKE3, verify, last event a
//!   │                                                  send to me by the TLS peer,
//!   │                                                  rename into place, `received`
//!   │                  ◀──────────────── Receipt{received event} | Reject
//!   ├ verify_receipt against its own copy
//!   └ COPY.receipt, ledger line `sent`
//! ```
//!
//! A broken link is retried by the sender with the same offer; the receiver
//! answers with the length it has fsynced, so only what is missing travels
//! again. [`Sender`] and [`Receiver`] are async (tokio); [`blocking`] wraps
//! them for programs without a runtime of their own.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod baseline;
pub mod blocking;
pub mod config;
pub mod error;
pub mod frame;
pub mod receiver;
pub mod sender;
pub mod store;
pub mod tls;

use std::time::{SystemTime, UNIX_EPOCH};

use rogatory_wire::Timestamp;

pub use config::Limits;
pub use error::{Result, TransportError};
pub use frame::{FrameDecoder, encode_frame};
pub use receiver::{Receiver, ReceiverConfig, ReceiverStats};
pub use sender::{Delivery, Destination, NoProgress, Progress, Retry, Sender, SenderConfig};
pub use store::{DeliveryKey, DirStore, Store, StoredDelivery};

/// The system clock as a protocol timestamp (0 if the clock is before 1970).
pub fn now() -> Timestamp {
    Timestamp(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

/// Runs blocking work (files, verification, signing) off the network tasks.
pub(crate) async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| TransportError::Io {
            context: "a blocking task failed".into(),
            source: std::io::Error::other(e.to_string()),
        })
}
