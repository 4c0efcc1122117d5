//! Writing a new package front to back (spec §9.1), and writing any output
//! file atomically: a temporary file beside the target, fsynced, then linked
//! into place only when it is whole.

use std::io::Write;
use std::path::Path;

use rogatory_core::container::{make_footer, record_frame};
use rogatory_core::fsutil::AtomicFile;
use rogatory_wire::{CustodyEvent, FieldBody, Prelude, Trailer, encode};

use crate::error::{RedactError, Result};

/// A writer that counts what went through it.
pub(crate) struct Counting<W> {
    pub(crate) inner: W,
    pub(crate) written: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A package being written: the prelude first, then the caller writes the
/// bodies of the present fields in order, then [`PackageWriter::finish`].
pub(crate) struct PackageWriter<W: Write> {
    pub(crate) out: Counting<W>,
}

impl<W: Write> PackageWriter<W> {
    pub(crate) fn start(out: W, prelude: &Prelude) -> Result<Self> {
        let mut out = Counting {
            inner: out,
            written: 0,
        };
        let bytes = encode(prelude).map_err(RedactError::wire("prelude"))?;
        out.write_all(&bytes)
            .map_err(RedactError::io("writing package"))?;
        Ok(Self { out })
    }

    /// Writes the trailer, the custody records and the footer. Checks that
    /// the bodies written add up to what the trailer says.
    pub(crate) fn finish(mut self, trailer: &Trailer, events: &[CustodyEvent]) -> Result<(W, u64)> {
        let bodies: u64 = trailer
            .fields
            .iter()
            .map(|d| match d.body {
                FieldBody::Present { ciphertext_len, .. } => ciphertext_len,
                FieldBody::Removed => 0,
            })
            .sum();
        let trailer_offset = self.out.written;
        if trailer_offset != Prelude::LEN as u64 + bodies {
            return Err(RedactError::usage(
                "internal: the field bodies written do not match the envelope",
            ));
        }
        let t = encode(trailer).map_err(RedactError::wire("trailer"))?;
        self.out
            .write_all(&t)
            .map_err(RedactError::io("writing package"))?;
        let mut records = 0u64;
        for ev in events {
            let frame = record_frame(ev)?;
            records += frame.len() as u64;
            self.out
                .write_all(&frame)
                .map_err(RedactError::io("writing package"))?;
        }
        let count = u32::try_from(events.len())
            .map_err(|_| RedactError::usage("too many custody events"))?;
        let footer = make_footer(trailer_offset, t.len() as u64, records, count)?;
        self.out
            .write_all(&encode(&footer).map_err(RedactError::wire("footer"))?)
            .map_err(RedactError::io("writing package"))?;
        self.out
            .flush()
            .map_err(RedactError::io("writing package"))?;
        Ok((self.out.inner, self.out.written))
    }
}

/// Creates `path` with what `write` produces, through the core's
/// [`AtomicFile`]: a temporary file in the same directory, fsynced, then
/// linked into place (never over an existing file) and the directory
/// fsynced. On any error the temporary file is removed and `path` does not
/// appear.
pub fn create_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut AtomicFile) -> Result<T>,
) -> Result<T> {
    let mut file = AtomicFile::create(path)?;
    let t = write(&mut file)?;
    file.commit()?;
    Ok(t)
}
