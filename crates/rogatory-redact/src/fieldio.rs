//! Streaming a field's bytes: its segments, each checked against its signed
//! leaf before anyone sees it, or its ciphertext copied unchanged. Memory
//! stays bounded by a few STREAM batches and one segment, whatever the size
//! of the field.

use std::io::{Read, Seek, Write};

use rogatory_core::container::Container;
use rogatory_core::crypto::{blake3_parallel, blake3_update, ct_eq, field_keys};
use rogatory_core::segment::{RecordParser, SegmentRecord, leaf};
use rogatory_core::stream::{BatchReader, StreamDecryptor, field_aad};
use rogatory_core::{CoreError, Key32, Place};
use rogatory_wire::{Digest, FieldBody, PackageId};

use crate::error::{RedactError, Result};

impl From<rogatory_core::segment::RecordError> for RedactError {
    fn from(e: rogatory_core::segment::RecordError) -> Self {
        RedactError::Core(CoreError::from(e))
    }
}

fn tampered(place: Place, detail: &str) -> RedactError {
    RedactError::Core(CoreError::Tampered {
        place,
        detail: detail.to_owned(),
    })
}

fn read_error(index: u32) -> impl Fn(std::io::Error) -> RedactError {
    move |e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => tampered(Place::Field(index), "ciphertext ends early"),
        _ => RedactError::Io {
            context: "reading package".into(),
            source: e,
        },
    }
}

/// Decrypts field `index` with `key` and hands each segment, after it
/// matched its signed leaf, to `on_segment(segment index, salt, bytes)`, in
/// increasing index order. Also checks that the segments are exactly the
/// envelope's. A file changed since it was verified is caught without
/// hashing the ciphertext again: the key commitment, every chunk's tag under
/// that key, each segment's signed leaf and the envelope's segment set
/// together admit only the bytes that were verified (the same plaintext
/// under the same key and nonces encrypts to the same ciphertext), and
/// nothing read here leaves unchecked. On error, what `on_segment` did must
/// be thrown away by the caller.
pub(crate) fn read_segments<R: Read + Seek + Send>(
    container: &mut Container<R>,
    package_id: &PackageId,
    index: u32,
    key: &Key32,
    mut on_segment: impl FnMut(u32, &[u8; 32], &[u8]) -> Result<()>,
) -> Result<()> {
    let i = index as usize;
    let what = format!("field {index}");
    let body = container
        .trailer
        .fields
        .get(i)
        .map(|d| d.body.clone())
        .ok_or_else(|| RedactError::usage(format!("no field {index}")))?;
    let FieldBody::Present {
        ciphertext_len,
        key_commitment,
        segments,
        ..
    } = body
    else {
        return Err(RedactError::usage(format!(
            "field {index} was removed by a redaction"
        )));
    };
    let keys = field_keys(key, package_id, index);
    if !ct_eq(&keys.commitment, &key_commitment) {
        return Err(CoreError::Decryption { what }.into());
    }
    let mut dec = StreamDecryptor::new(
        &keys.aead,
        field_aad(package_id, index),
        ciphertext_len,
        what,
    )?;
    let (r, trailer) = container.body_and_trailer(index)?;
    let leaves = &trailer
        .leaves
        .fields
        .get(i)
        .ok_or_else(|| tampered(Place::LeafTable, "no leaves for the field"))?
        .leaves;
    let mut expected = segments.iter();
    let mut parser = RecordParser::default();
    let mut emit = |rec: SegmentRecord<'_>| -> Result<()> {
        let place = Place::Segment {
            field: index,
            segment: rec.index,
        };
        match expected.next() {
            Some(want) if want == rec.index => {}
            _ => {
                return Err(tampered(
                    place,
                    "segment out of order or not in the envelope",
                ));
            }
        }
        let l = leaves
            .get(rec.index as usize)
            .ok_or_else(|| tampered(place.clone(), "no leaf"))?;
        if leaf(
            package_id,
            index,
            rec.index,
            &rec.salt,
            &blake3_parallel(rec.data),
        ) != *l
        {
            return Err(tampered(place, "segment does not match its signed leaf"));
        }
        on_segment(rec.index, &rec.salt, rec.data)
    };
    std::thread::scope(|scope| -> Result<()> {
        let reader = BatchReader::spawn(scope, r, ciphertext_len, index);
        let mut outcome = Ok(());
        while !dec.is_done() {
            let step = (|| -> Result<()> {
                let mut buf = reader.next_batch()?;
                let m = dec.decrypt_batch(&mut buf)?;
                parser.push(&buf[..m], &mut emit)?;
                reader.recycle(buf);
                Ok(())
            })();
            if step.is_err() {
                outcome = step;
                break;
            }
        }
        let read = reader.finish();
        outcome?;
        Ok(read?)
    })?;
    parser
        .finish()
        .map_err(|_| tampered(Place::Field(index), "plaintext ends inside a segment"))?;
    if expected.next().is_some() {
        return Err(tampered(
            Place::Field(index),
            "segments missing from the ciphertext",
        ));
    }
    Ok(())
}

/// Copies field `index`'s ciphertext unchanged to `out`, checking its BLAKE3
/// digest against the envelope. Returns the bytes copied.
pub(crate) fn copy_body<R: Read + Seek, W: Write>(
    container: &mut Container<R>,
    index: u32,
    out: &mut W,
) -> Result<u64> {
    let expected = match container
        .trailer
        .fields
        .get(index as usize)
        .map(|d| &d.body)
    {
        Some(FieldBody::Present {
            ciphertext_digest, ..
        }) => *ciphertext_digest,
        _ => {
            return Err(RedactError::usage(format!(
                "field {index} has no ciphertext"
            )));
        }
    };
    let (mut r, len) = container.body_reader(index)?;
    let mut h = blake3::Hasher::new();
    let mut buf = vec![0u8; 4 << 20];
    let mut left = len;
    while left > 0 {
        let want = (buf.len() as u64).min(left) as usize;
        r.read_exact(&mut buf[..want]).map_err(read_error(index))?;
        blake3_update(&mut h, &buf[..want]);
        out.write_all(&buf[..want])
            .map_err(RedactError::io("writing package"))?;
        left -= want as u64;
    }
    if Digest(*h.finalize().as_bytes()) != expected {
        return Err(tampered(
            Place::Field(index),
            "ciphertext digest does not match the envelope (the file changed)",
        ));
    }
    Ok(len)
}
