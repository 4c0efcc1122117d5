//! Frames on a session stream (spec §13.2): `u32le(len) || encode(Frame)`.
//!
//! [`FrameDecoder`] is the one reader of frames from a peer, sans-IO: the
//! caller hands it bytes, it hands back frames. It checks a length prefix
//! against `FRAME_MAX` as soon as the four bytes are there, before it
//! allocates for the frame, and decodes each frame with the canonical codec
//! of `rogatory-wire` (limits, no trailing bytes, re-encoding equality). The
//! async [`FrameReader`] feeds it from a QUIC stream; the fuzz target
//! `session_stream` feeds it arbitrary bytes.

use rogatory_wire::{Frame, decode, encode, limits};

use crate::error::{Result, TransportError};

/// Bytes of the length prefix.
const PREFIX: usize = 4;

/// `u32le(len) || encode(frame)`: a frame as it travels.
pub fn encode_frame(frame: &Frame) -> Result<Vec<u8>> {
    let body = encode(frame).map_err(|e| TransportError::Usage(format!("frame: {e}")))?;
    let len = u32::try_from(body.len())
        .map_err(|_| TransportError::Usage("frame longer than 4 GiB".into()))?;
    let mut out = Vec::with_capacity(PREFIX + body.len());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading the length prefix; `filled` bytes of it are in `prefix`.
    Prefix,
    /// Reading a frame of `len` bytes into `body`.
    Body { len: usize },
}

/// Turns a byte stream into frames, one at a time.
///
/// ```text
/// loop {
///     let spare = decoder.spare();       // exactly the bytes it still needs
///     let n = read(spare);               // fill some of them
///     decoder.advance(n)?;               // a length prefix is checked here
///     if let Some(frame) = decoder.frame()? { ... }
/// }
/// ```
#[derive(Debug)]
pub struct FrameDecoder {
    state: State,
    prefix: [u8; PREFIX],
    body: Vec<u8>,
    filled: usize,
    complete: bool,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self {
            state: State::Prefix,
            prefix: [0; PREFIX],
            body: Vec::new(),
            filled: 0,
            complete: false,
        }
    }

    /// Whether the decoder sits between two frames (a clean end of stream is
    /// possible here).
    pub fn at_boundary(&self) -> bool {
        self.state == State::Prefix && self.filled == 0
    }

    /// The buffer to fill next: exactly the bytes still missing from the
    /// current prefix or frame, never more, so that nothing of the next frame
    /// is read ahead. Empty while a complete frame waits in [`Self::frame`].
    pub fn spare(&mut self) -> &mut [u8] {
        if self.complete {
            return &mut [];
        }
        match self.state {
            State::Prefix => &mut self.prefix[self.filled..],
            State::Body { len } => &mut self.body[self.filled..len],
        }
    }

    /// Records that `n` bytes of [`Self::spare`] were filled. When a length
    /// prefix completes, it is checked against `FRAME_MAX` before the frame's
    /// buffer is allocated.
    pub fn advance(&mut self, n: usize) -> Result<()> {
        let room = self.spare().len();
        if n > room {
            return Err(TransportError::Usage(format!(
                "advanced by {n} bytes, {room} were spare"
            )));
        }
        self.filled += n;
        match self.state {
            State::Prefix if self.filled == PREFIX => {
                let len = u32::from_le_bytes(self.prefix);
                if len as usize > limits::FRAME_MAX {
                    return Err(TransportError::FrameTooLarge {
                        len: u64::from(len),
                        limit: limits::FRAME_MAX as u64,
                    });
                }
                let len = len as usize;
                self.body.clear();
                self.body.resize(len, 0);
                self.state = State::Body { len };
                self.filled = 0;
                self.complete = len == 0;
            }
            State::Body { len } if self.filled == len => self.complete = true,
            _ => {}
        }
        Ok(())
    }

    /// Copies as much of `bytes` as the current frame needs; returns how many
    /// were taken. Call [`Self::frame`] whenever it took fewer than offered.
    pub fn push(&mut self, bytes: &[u8]) -> Result<usize> {
        let spare = self.spare();
        let n = spare.len().min(bytes.len());
        spare[..n].copy_from_slice(&bytes[..n]);
        self.advance(n)?;
        Ok(n)
    }

    /// The completed frame, if one is complete, decoded canonically; the
    /// decoder then waits for the next prefix.
    pub fn frame(&mut self) -> Result<Option<Frame>> {
        if !self.complete {
            return Ok(None);
        }
        let State::Body { len } = self.state else {
            return Ok(None);
        };
        self.state = State::Prefix;
        self.filled = 0;
        self.complete = false;
        decode::<Frame>(&self.body[..len])
            .map(Some)
            .map_err(TransportError::Malformed)
    }
}

/// Reads frames from a QUIC receive stream through a [`FrameDecoder`].
#[derive(Debug)]
pub struct FrameReader {
    recv: quinn::RecvStream,
    decoder: FrameDecoder,
}

impl FrameReader {
    /// Wraps a receive stream.
    pub fn new(recv: quinn::RecvStream) -> Self {
        Self {
            recv,
            decoder: FrameDecoder::new(),
        }
    }

    /// The next frame; `None` at a clean end of the stream (between frames).
    pub async fn next(&mut self) -> Result<Option<Frame>> {
        loop {
            if let Some(frame) = self.decoder.frame()? {
                return Ok(Some(frame));
            }
            let spare = self.decoder.spare();
            match self.recv.read(spare).await? {
                Some(n) => self.decoder.advance(n)?,
                None if self.decoder.at_boundary() => return Ok(None),
                None => return Err(TransportError::Truncated),
            }
        }
    }

    /// Asks the peer to stop sending on this stream (after a refusal).
    pub fn stop(&mut self, code: u32) {
        let _ = self.recv.stop(quinn::VarInt::from_u32(code));
    }
}

/// Writes one frame to a QUIC send stream.
pub async fn write_frame(send: &mut quinn::SendStream, frame: &Frame) -> Result<()> {
    let bytes = encode_frame(frame)?;
    send.write_all(&bytes).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use rogatory_wire::{Bytes, Digest, Offer, PackageId, RejectReason, ShortText};

    fn frames() -> Vec<Frame> {
        vec![
            Frame::Offer(Offer {
                package_id: PackageId([7; 16]),
                bytes_digest: Digest([9; 32]),
                size: 12345,
            }),
            Frame::Accept { offset: 77 },
            Frame::Data {
                offset: 3,
                payload: Bytes::new(vec![1, 2, 3, 4, 5]).unwrap(),
            },
            Frame::Reject {
                reason: RejectReason::NotForYou,
                detail: ShortText::new("not for you").unwrap(),
            },
        ]
    }

    fn decode_all(bytes: &[u8], step: usize) -> Result<Vec<Frame>> {
        let mut d = FrameDecoder::new();
        let mut out = Vec::new();
        for chunk in bytes.chunks(step.max(1)) {
            let mut rest = chunk;
            while !rest.is_empty() {
                let n = d.push(rest)?;
                rest = &rest[n..];
                if let Some(f) = d.frame()? {
                    out.push(f);
                }
            }
        }
        if let Some(f) = d.frame()? {
            out.push(f);
        }
        if !d.at_boundary() {
            return Err(TransportError::Truncated);
        }
        Ok(out)
    }

    #[test]
    fn frames_round_trip_in_any_chunking() {
        let all = frames();
        let mut bytes = Vec::new();
        for f in &all {
            bytes.extend(encode_frame(f).unwrap());
        }
        for step in [1, 2, 3, 5, 11, 64, bytes.len()] {
            assert_eq!(decode_all(&bytes, step).unwrap(), all, "step {step}");
        }
    }

    #[test]
    fn spec_example_reject_frame() {
        let f = Frame::Reject {
            reason: RejectReason::NotForYou,
            detail: ShortText::new("not for you").unwrap(),
        };
        assert_eq!(
            hex::encode(encode_frame(&f).unwrap()),
            "1b00000004000000040000000b000000000000006e6f7420666f7220796f75"
        );
    }

    #[test]
    fn oversized_prefix_is_refused_before_the_body() {
        let mut d = FrameDecoder::new();
        let len = (limits::FRAME_MAX as u32 + 1).to_le_bytes();
        assert!(matches!(
            d.push(&len),
            Err(TransportError::FrameTooLarge { .. })
        ));
        let mut d = FrameDecoder::new();
        assert!(matches!(
            d.push(&u32::MAX.to_le_bytes()),
            Err(TransportError::FrameTooLarge { .. })
        ));
        // Nothing was allocated for it.
        assert_eq!(d.body.capacity(), 0);
    }

    #[test]
    fn garbage_and_truncation_are_errors() {
        let mut bytes = encode_frame(&Frame::Accept { offset: 1 }).unwrap();
        bytes.pop();
        assert!(matches!(
            decode_all(&bytes, 3),
            Err(TransportError::Truncated)
        ));
        let junk = [4u8, 0, 0, 0, 99, 0, 0, 0];
        assert!(matches!(
            decode_all(&junk, 8),
            Err(TransportError::Malformed(_))
        ));
        let empty = [0u8, 0, 0, 0];
        assert!(matches!(
            decode_all(&empty, 4),
            Err(TransportError::Malformed(_))
        ));
    }

    #[test]
    fn spare_never_reaches_into_the_next_frame() {
        let a = encode_frame(&Frame::Accept { offset: 1 }).unwrap();
        let mut d = FrameDecoder::new();
        assert_eq!(d.spare().len(), 4);
        d.push(&a[..4]).unwrap();
        assert_eq!(d.spare().len(), a.len() - 4);
        d.push(&a[4..]).unwrap();
        assert_eq!(d.spare().len(), 0);
        assert!(d.frame().unwrap().is_some());
        assert!(d.at_boundary());
    }
}
