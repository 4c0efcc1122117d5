//! Feeds arbitrary bytes, as a peer's QUIC stream would deliver them, to the
//! session's frame reader (`rogatory_transport::FrameDecoder`, spec §13.2),
//! in chunks of a size the first byte chooses. The reader must never panic
//! nor allocate past `FRAME_MAX` for a frame, and every frame it yields must
//! encode back to exactly the bytes it was read from.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rogatory_transport::{FrameDecoder, encode_frame};

fuzz_target!(|data: &[u8]| {
    let Some((&step, stream)) = data.split_first() else {
        return;
    };
    let step = usize::from(step).max(1);
    let mut decoder = FrameDecoder::new();
    let mut consumed = 0;
    let mut boundary = 0;
    let mut again = Vec::new();
    'stream: for chunk in stream.chunks(step) {
        let mut rest = chunk;
        while !rest.is_empty() {
            let Ok(n) = decoder.push(rest) else {
                break 'stream;
            };
            consumed += n;
            rest = &rest[n..];
            match decoder.frame() {
                Ok(Some(frame)) => {
                    again.extend(encode_frame(&frame).expect("a decoded frame must encode"));
                    boundary = consumed;
                }
                Ok(None) => {}
                Err(_) => break 'stream,
            }
        }
    }
    assert_eq!(
        again.as_slice(),
        &stream[..boundary],
        "session stream: decode then encode changed the bytes"
    );
});
