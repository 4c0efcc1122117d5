//! Session frames of the transport (spec §13). Each frame travels as a
//! `u32` little-endian length followed by its encoding.

use serde::{Deserialize, Serialize};

use crate::codec::Wire;
use crate::custody::{CustodyEvent, EventKind};
use crate::error::WireError;
use crate::limits;
use crate::primitives::{Bytes, Digest, PackageId, ShortText};

/// Offer of one package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offer {
    /// The package id.
    pub package_id: PackageId,
    /// BLAKE3 of the exact bytes to be delivered.
    pub bytes_digest: Digest,
    /// Their length.
    pub size: u64,
}

/// Why a receiver refused (codes are the tag values, spec §13.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RejectReason {
    /// 0: the offer or a frame did not decode or broke the protocol.
    Malformed,
    /// 1: the package is larger than the receiver accepts.
    TooLarge,
    /// 2: the bytes received do not match the offered digest or size.
    DigestMismatch,
    /// 3: the package does not verify (signature, envelope, custody).
    VerificationFailed,
    /// 4: the last custody event is not a send to this receiver by the peer.
    NotForYou,
    /// 5: the sender of a custody event is not trusted.
    UntrustedSender,
    /// 6: the package is outside its validity window.
    Expired,
    /// 7: too many deliveries at once; try later.
    Busy,
    /// 8: the receiver could not store the package.
    StoreFailure,
    /// 9: the sender went silent past the idle limit.
    Timeout,
    /// 10: the package gives this receiver a stanza that its custody chain
    /// and the sender's onward consent do not give it (spec §12.6).
    NotEntitled,
}

/// One frame of the session protocol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frame {
    /// Sender → receiver: what it wants to deliver.
    Offer(Offer),
    /// Receiver → sender: send from this offset (what it has fsynced).
    Accept {
        /// First byte wanted.
        offset: u64,
    },
    /// Sender → receiver: bytes at an offset.
    Data {
        /// Offset of the first byte.
        offset: u64,
        /// At most 1 MiB.
        payload: Bytes<{ limits::DATA_FRAME_MAX }>,
    },
    /// Receiver → sender: already stored; the earlier receipt.
    AlreadyHave {
        /// The receipt (a `received` event).
        receipt: CustodyEvent,
    },
    /// Receiver → sender: refused.
    Reject {
        /// Code.
        reason: RejectReason,
        /// A short human-readable detail.
        detail: ShortText,
    },
    /// Receiver → sender: verified and stored.
    Receipt {
        /// The receipt (a `received` event).
        receipt: CustodyEvent,
    },
}

impl Wire for Frame {
    const NAME: &'static str = "frame";
    const MAX_ENCODED: usize = limits::FRAME_MAX;

    fn validate(&self) -> Result<(), WireError> {
        match self {
            Frame::AlreadyHave { receipt } | Frame::Receipt { receipt } => {
                receipt.validate()?;
                if receipt.clear.body.kind() != EventKind::Received {
                    return Err(WireError::invalid(
                        Self::NAME,
                        "a receipt must be a received event",
                    ));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}
