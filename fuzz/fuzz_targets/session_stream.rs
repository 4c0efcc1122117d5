//! Feeds arbitrary bytes, as a peer's QUIC stream would deliver them, to the
//! session's frame reader (`rogatory_transport::FrameDecoder`, spec §13.2),
//! in chunks of a size the first byte chooses. The reader must never panic
//! nor allocate past `FRAME_MAX` for a frame, and every frame it yields must
//! encode back to exactly the bytes it was read from.
//!
//! The body is `rogatory_vectors::fuzz::session_stream`, which `cargo test` also runs
//! over the seed corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rogatory_vectors::fuzz::session_stream(data));
