//! The one error type of the transport crate.
//!
//! Malformed peer input ([`TransportError::Malformed`],
//! [`TransportError::FrameTooLarge`], [`TransportError::Protocol`]) is kept
//! apart from caller mistakes ([`TransportError::Usage`]), from a peer's typed
//! refusal ([`TransportError::Rejected`]) and from failures of the link.
//! [`TransportError::is_retryable`] tells a sender which failures a new
//! attempt may cure.

use std::path::PathBuf;

use rogatory_core::CoreError;
use rogatory_wire::{PartyId, RejectReason, WireError};
use thiserror::Error;

/// Errors of the QUIC transport, the session protocol and the receiver's store.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The core library refused or failed (verification, custody, keys, ...).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// A frame from the peer did not decode (spec §2.5, §13.2).
    #[error("malformed frame from the peer: {0}")]
    Malformed(#[source] WireError),
    /// A frame's length prefix exceeds `FRAME_MAX`; refused before reading it.
    #[error("frame of {len} bytes announced, limit {limit}")]
    FrameTooLarge {
        /// The announced length.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// The stream ended inside a frame.
    #[error("the stream ended inside a frame")]
    Truncated,
    /// The peer broke the session protocol (an unexpected frame, a wrong
    /// offset, a missing answer).
    #[error("protocol violation by the peer: {0}")]
    Protocol(String),
    /// The receiver refused the delivery with a typed reason (spec §13.4).
    #[error("rejected by the receiver: {reason:?}: {detail}")]
    Rejected {
        /// The reason code.
        reason: RejectReason,
        /// The receiver's short detail.
        detail: String,
    },
    /// The TLS handshake failed or the peer refused it: an untrusted peer, a
    /// certificate that does not match the pinned card, no common ALPN.
    #[error("handshake refused: {0}")]
    Handshake(String),
    /// The QUIC connection was lost or could not be made.
    #[error("connection: {0}")]
    Connection(String),
    /// Something took longer than its limit.
    #[error("timed out: {0}")]
    Timeout(&'static str),
    /// The receipt returned by the receiver does not verify against the
    /// sender's own copy.
    #[error("the receipt does not verify: {0}")]
    BadReceipt(#[source] CoreError),
    /// The receiver's store failed.
    #[error("store: {context}: {source}")]
    Store {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A socket or file could not be used.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The TLS configuration could not be built (a bad key or certificate).
    #[error("TLS configuration: {0}")]
    TlsConfig(String),
    /// The caller asked for something invalid.
    #[error("invalid request: {0}")]
    Usage(String),
    /// The destination's copy of a package exists but is not the package
    /// as given plus this sender's `sent` event to that receiver (the
    /// original changed after the copy was made, or another file has its
    /// name). Nothing is overwritten.
    #[error(
        "{} exists but is not {} with its `sent` event to {receiver}; \
         move it away to deliver the package as it is now",
        copy.display(),
        original.display()
    )]
    StaleCopy {
        /// The destination's copy.
        copy: PathBuf,
        /// The package as given.
        original: PathBuf,
        /// The receiving party.
        receiver: PartyId,
    },
    /// The service is shutting down.
    #[error("shutting down")]
    Shutdown,
}

impl TransportError {
    /// Whether a new attempt (a new connection, the same offer) may succeed:
    /// a lost or stalled link, a receiver that was busy, timed out or could
    /// not store. A refused handshake, a malformed exchange or any other
    /// typed rejection is final.
    pub fn is_retryable(&self) -> bool {
        match self {
            TransportError::Connection(_)
            | TransportError::Timeout(_)
            | TransportError::Truncated => true,
            TransportError::Rejected { reason, .. } => matches!(
                reason,
                RejectReason::Busy | RejectReason::Timeout | RejectReason::StoreFailure
            ),
            _ => false,
        }
    }

    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| TransportError::Io { context, source }
    }

    pub(crate) fn store(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| TransportError::Store { context, source }
    }

    pub(crate) fn protocol(detail: impl Into<String>) -> Self {
        TransportError::Protocol(detail.into())
    }
}

/// Result with [`TransportError`].
pub type Result<T, E = TransportError> = std::result::Result<T, E>;

/// Classifies a QUIC connection error: a TLS alert (a refused certificate,
/// no common protocol) is a refused handshake, anything else a lost link.
pub(crate) fn from_connection(e: quinn::ConnectionError) -> TransportError {
    use quinn::ConnectionError as C;
    let is_crypto = |code: quinn::TransportErrorCode| {
        let c = u64::from(code);
        (0x100..0x200).contains(&c)
    };
    match e {
        C::TransportError(t) if is_crypto(t.code) => TransportError::Handshake(t.to_string()),
        C::ConnectionClosed(c) if is_crypto(c.error_code) => {
            TransportError::Handshake(format!("the peer refused the handshake ({c})"))
        }
        C::TimedOut => TransportError::Timeout("the connection went idle"),
        other => TransportError::Connection(other.to_string()),
    }
}

impl From<quinn::ReadError> for TransportError {
    fn from(e: quinn::ReadError) -> Self {
        match e {
            quinn::ReadError::ConnectionLost(c) => from_connection(c),
            other => TransportError::Connection(other.to_string()),
        }
    }
}

impl From<quinn::WriteError> for TransportError {
    fn from(e: quinn::WriteError) -> Self {
        match e {
            quinn::WriteError::ConnectionLost(c) => from_connection(c),
            other => TransportError::Connection(other.to_string()),
        }
    }
}

impl From<quinn::ConnectionError> for TransportError {
    fn from(e: quinn::ConnectionError) -> Self {
        from_connection(e)
    }
}
