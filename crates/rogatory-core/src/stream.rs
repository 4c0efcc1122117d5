//! Field encryption: the STREAM construction over 64 KiB chunks (spec §7.1).
//!
//! Chunk `i` (from 0) of a field is ChaCha20-Poly1305 under the field's AEAD
//! key with nonce `0x000000 || u64be(i) || flag`, where `flag` is `0x01` for
//! the final chunk and `0x00` otherwise, and AAD
//! `u16le(version) || u16le(suite) || package_id || u32le(field index)`.
//! Every chunk but the final one carries exactly 65536 plaintext bytes; the
//! final chunk carries 1 to 65536 bytes, and is empty only when the whole
//! plaintext is. Chunks are independent, so batches are encrypted and
//! decrypted on every core.

use std::io::{Read, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::{Scope, ScopedJoinHandle};

use chacha20poly1305::aead::inout::InOutBuf;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};
use rayon::prelude::*;
use rogatory_wire::limits::CHUNK_SIZE;
use rogatory_wire::package::stream_plaintext_len;
use rogatory_wire::{Digest, PackageId};

use crate::crypto::{TAG_LEN, package_context};
use crate::error::{CoreError, Place, Result};
use crate::secret::Key32;
use crate::tree_hash::TreeHasher;

/// Plaintext bytes per chunk.
pub const CHUNK: usize = CHUNK_SIZE as usize;
/// Ciphertext bytes per full chunk.
pub const CHUNK_CT: usize = CHUNK + TAG_LEN;
/// Chunks processed together (2 MiB of plaintext).
pub const BATCH_CHUNKS: usize = 32;

/// The nonce of chunk `counter`.
pub fn chunk_nonce(counter: u64, last: bool) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[3..11].copy_from_slice(&counter.to_be_bytes());
    n[11] = u8::from(last);
    n
}

/// The AAD of a field's chunks.
pub fn field_aad(package_id: &PackageId, index: u32) -> [u8; 24] {
    let mut a = [0u8; 24];
    a[..20].copy_from_slice(&package_context(package_id));
    a[20..].copy_from_slice(&index.to_le_bytes());
    a
}

struct Cipher {
    aead: ChaCha20Poly1305,
    aad: [u8; 24],
}

impl Cipher {
    fn new(key: &Key32, aad: [u8; 24]) -> Self {
        Self {
            aead: ChaCha20Poly1305::new(key.expose_secret().into()),
            aad,
        }
    }

    /// Encrypts `chunk[..len - 16]` in place and writes the tag after it.
    fn seal(&self, counter: u64, last: bool, chunk: &mut [u8]) -> Result<()> {
        let split = chunk.len() - TAG_LEN;
        let (body, tag_out) = chunk.split_at_mut(split);
        let nonce = Nonce::from(chunk_nonce(counter, last));
        let tag = self
            .aead
            .encrypt_inout_detached(&nonce, &self.aad, body.into())
            .map_err(|_| CoreError::usage("chunk too long"))?;
        tag_out.copy_from_slice(&tag);
        Ok(())
    }

    /// Decrypts a chunk (`ciphertext || tag`) into `out`, which must be 16
    /// bytes shorter; the chunk is left as it was.
    fn open_into(&self, counter: u64, last: bool, chunk: &[u8], out: &mut [u8]) -> bool {
        let Some(split) = chunk.len().checked_sub(TAG_LEN) else {
            return false;
        };
        let (body, tag) = chunk.split_at(split);
        let Ok(tag) = Tag::try_from(tag) else {
            return false;
        };
        let Ok(buf) = InOutBuf::new(body, out) else {
            return false;
        };
        let nonce = Nonce::from(chunk_nonce(counter, last));
        self.aead
            .decrypt_inout_detached(&nonce, &self.aad, buf, &tag)
            .is_ok()
    }

    /// Decrypts a chunk (`ciphertext || tag`) in place; the plaintext is
    /// `chunk[..len - 16]`.
    fn open(&self, counter: u64, last: bool, chunk: &mut [u8]) -> bool {
        let split = chunk.len() - TAG_LEN;
        let (body, tag) = chunk.split_at_mut(split);
        let Ok(tag) = Tag::try_from(&*tag) else {
            return false;
        };
        let nonce = Nonce::from(chunk_nonce(counter, last));
        self.aead
            .decrypt_inout_detached(&nonce, &self.aad, body.into(), &tag)
            .is_ok()
    }
}

/// Up to [`BATCH_CHUNKS`] chunks of plaintext laid out with room for each
/// chunk's tag, so that they are encrypted in place.
pub struct ChunkBatch {
    buf: Vec<u8>,
    pt_len: usize,
}

impl Default for ChunkBatch {
    fn default() -> Self {
        Self::new()
    }
}

impl ChunkBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self {
            buf: vec![0u8; BATCH_CHUNKS * CHUNK_CT],
            pt_len: 0,
        }
    }

    /// Whether the batch holds its full [`BATCH_CHUNKS`] chunks.
    pub fn is_full(&self) -> bool {
        self.pt_len == BATCH_CHUNKS * CHUNK
    }

    /// Copies as much of `data` as fits; returns how much.
    pub fn push(&mut self, mut data: &[u8]) -> usize {
        let mut taken = 0;
        while !data.is_empty() && !self.is_full() {
            let chunk = self.pt_len / CHUNK;
            let within = self.pt_len % CHUNK;
            let n = (CHUNK - within).min(data.len());
            let at = chunk * CHUNK_CT + within;
            self.buf[at..at + n].copy_from_slice(&data[..n]);
            self.pt_len += n;
            taken += n;
            data = &data[n..];
        }
        taken
    }

    /// Empties the batch for reuse.
    pub fn clear(&mut self) {
        self.pt_len = 0;
    }
}

/// Encrypts batches of chunks with consecutive counters.
pub struct BatchSealer {
    cipher: Cipher,
    counter: u64,
}

impl BatchSealer {
    /// A sealer for one field.
    pub fn new(key: &Key32, aad: [u8; 24]) -> Self {
        Self {
            cipher: Cipher::new(key, aad),
            counter: 0,
        }
    }

    /// Encrypts a batch in place on every core; with `last`, its final chunk
    /// carries the final flag (and an empty batch becomes the one empty
    /// final chunk). Returns the ciphertext.
    pub fn seal<'b>(&mut self, batch: &'b mut ChunkBatch, last: bool) -> Result<&'b [u8]> {
        let len = batch.pt_len;
        let n_chunks = if len == 0 { 1 } else { len.div_ceil(CHUNK) };
        let ct_len = len + n_chunks * TAG_LEN;
        let first = self.counter;
        let cipher = &self.cipher;
        batch.buf[..ct_len]
            .par_chunks_mut(CHUNK_CT)
            .enumerate()
            .try_for_each(|(i, chunk)| {
                cipher.seal(first + i as u64, last && i + 1 == n_chunks, chunk)
            })?;
        self.counter += n_chunks as u64;
        Ok(&batch.buf[..ct_len])
    }
}

/// Encrypts a field's plaintext as it is written, and writes the ciphertext
/// to `out`, hashing it with BLAKE3 on the way (one thread; see
/// [`encrypt_pipelined`] for the two-stage form sealing uses).
pub struct StreamEncryptor<W: Write> {
    sealer: BatchSealer,
    batch: ChunkBatch,
    out: W,
    written: u64,
    hasher: blake3::Hasher,
}

impl<W: Write> StreamEncryptor<W> {
    /// Starts a field's stream.
    pub fn new(key: &Key32, aad: [u8; 24], out: W) -> Self {
        Self {
            sealer: BatchSealer::new(key, aad),
            batch: ChunkBatch::new(),
            out,
            written: 0,
            hasher: blake3::Hasher::new(),
        }
    }

    /// Adds plaintext. A full batch is encrypted only once more plaintext
    /// arrives, since the final chunk is known only at [`Self::finish`].
    pub fn write_all(&mut self, mut data: &[u8]) -> Result<()> {
        while !data.is_empty() {
            if self.batch.is_full() {
                self.flush(false)?;
            }
            let n = self.batch.push(data);
            data = &data[n..];
        }
        Ok(())
    }

    fn flush(&mut self, last: bool) -> Result<()> {
        let ct = self.sealer.seal(&mut self.batch, last)?;
        crate::crypto::blake3_update(&mut self.hasher, ct);
        self.out
            .write_all(ct)
            .map_err(CoreError::io("writing field ciphertext"))?;
        self.written += ct.len() as u64;
        self.batch.clear();
        Ok(())
    }

    /// Encrypts what is left, the final chunk flagged. Returns the writer,
    /// the ciphertext length and its BLAKE3 digest.
    pub fn finish(mut self) -> Result<(W, u64, Digest)> {
        self.flush(true)?;
        let digest = Digest(*self.hasher.finalize().as_bytes());
        Ok((self.out, self.written, digest))
    }
}

/// The producer's end of [`encrypt_pipelined`]: plaintext goes in here.
pub struct PipeInput {
    batch: ChunkBatch,
    full: std::sync::mpsc::SyncSender<(ChunkBatch, bool)>,
    empty: std::sync::mpsc::Receiver<ChunkBatch>,
}

impl PipeInput {
    /// Adds plaintext; full batches go to the encrypting thread.
    pub fn write_all(&mut self, mut data: &[u8]) -> Result<()> {
        while !data.is_empty() {
            if self.batch.is_full() {
                self.send(false)?;
            }
            let n = self.batch.push(data);
            data = &data[n..];
        }
        Ok(())
    }

    fn send(&mut self, last: bool) -> Result<()> {
        let next = self.empty.recv().unwrap_or_default();
        let full = std::mem::replace(&mut self.batch, next);
        self.full
            .send((full, last))
            .map_err(|_| CoreError::usage("the encrypting thread stopped"))
    }
}

/// Encrypts a field in two stages: the calling thread runs `produce`, which
/// writes plaintext into a [`PipeInput`]; a second thread encrypts each batch
/// on every core, hashes the ciphertext and writes it to `out`. Returns what
/// `produce` returned, the ciphertext length and its BLAKE3 digest.
pub fn encrypt_pipelined<W, T>(
    key: &Key32,
    aad: [u8; 24],
    out: &mut W,
    produce: impl FnOnce(&mut PipeInput) -> Result<T>,
) -> Result<(T, u64, Digest)>
where
    W: Write + Send,
{
    let (full_tx, full_rx) = sync_channel::<(ChunkBatch, bool)>(2);
    let (empty_tx, empty_rx) = sync_channel::<ChunkBatch>(5);
    for _ in 0..4 {
        let _ = empty_tx.try_send(ChunkBatch::new());
    }
    let mut sealer = BatchSealer::new(key, aad);
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || -> Result<(u64, Digest)> {
            let mut hasher = blake3::Hasher::new();
            let mut written = 0u64;
            // A batch's ciphertext is hashed and written while the next batch
            // is encrypted, so that neither phase ends with a core waiting
            // for the other to finish its share.
            let mut finish = |batch: &ChunkBatch, ct_len: usize| -> Result<()> {
                let ct = &batch.buf[..ct_len];
                crate::crypto::blake3_update(&mut hasher, ct);
                out.write_all(ct)
                    .map_err(CoreError::io("writing field ciphertext"))?;
                written += ct_len as u64;
                Ok(())
            };
            let mut pending: Option<(ChunkBatch, usize)> = None;
            for (mut batch, last) in full_rx {
                let ct_len = match pending.take() {
                    None => sealer.seal(&mut batch, last)?.len(),
                    Some((mut prev, prev_len)) => {
                        let (sealed, finished) = rayon::join(
                            || sealer.seal(&mut batch, last).map(<[u8]>::len),
                            || finish(&prev, prev_len),
                        );
                        finished?;
                        prev.clear();
                        let _ = empty_tx.try_send(prev);
                        sealed?
                    }
                };
                pending = Some((batch, ct_len));
                if last {
                    break;
                }
            }
            if let Some((prev, prev_len)) = pending {
                finish(&prev, prev_len)?;
            }
            Ok((written, Digest(*hasher.finalize().as_bytes())))
        });
        let mut input = PipeInput {
            batch: ChunkBatch::new(),
            full: full_tx,
            empty: empty_rx,
        };
        let produced = produce(&mut input).and_then(|t| input.send(true).map(|()| t));
        drop(input);
        let consumed = worker
            .join()
            .unwrap_or_else(|_| Err(CoreError::usage("the encrypting thread panicked")));
        match (produced, consumed) {
            (Ok(t), Ok((len, digest))) => Ok((t, len, digest)),
            (_, Err(e)) | (Err(e), _) => Err(e),
        }
    })
}

/// A thread that reads a field's ciphertext in the batches a
/// [`StreamDecryptor`] takes, for the opening and redaction pipelines.
///
/// Each batch is handed over, not queued: the thread reads one batch ahead
/// of the one being decrypted, no more. Every buffer in flight is a few MiB
/// more for the caches to hold; with two queued batches opening ran 4 to 6 %
/// slower (benches/README.md). Buffers given back with [`Self::recycle`] are
/// read into again.
pub struct BatchReader<'scope> {
    batches: Receiver<Result<Vec<u8>>>,
    free: SyncSender<Vec<u8>>,
    thread: ScopedJoinHandle<'scope, ()>,
    index: u32,
}

impl<'scope> BatchReader<'scope> {
    /// Starts reading `ct_len` bytes of field `index`'s ciphertext from `r`
    /// on a thread of `scope`.
    pub fn spawn<'env, R: Read + Send + 'scope>(
        scope: &'scope Scope<'scope, 'env>,
        mut r: R,
        ct_len: u64,
        index: u32,
    ) -> Self {
        let (tx, batches) = sync_channel::<Result<Vec<u8>>>(0);
        let (free, free_rx) = sync_channel::<Vec<u8>>(4);
        let full = (BATCH_CHUNKS * CHUNK_CT) as u64;
        let thread = scope.spawn(move || {
            let mut left = ct_len;
            while left > 0 {
                let n = left.min(full) as usize;
                let mut buf = free_rx.try_recv().unwrap_or_default();
                buf.resize(n, 0);
                let res = r
                    .read_exact(&mut buf)
                    .map(|()| buf)
                    .map_err(|e| match e.kind() {
                        std::io::ErrorKind::UnexpectedEof => ends_early(index),
                        _ => CoreError::io("reading package")(e),
                    });
                let stop = res.is_err();
                if tx.send(res).is_err() || stop {
                    break;
                }
                left -= n as u64;
            }
        });
        Self {
            batches,
            free,
            thread,
            index,
        }
    }

    /// The next batch. A read error, or a body shorter than its length
    /// (`Tampered`), ends the reading.
    pub fn next_batch(&self) -> Result<Vec<u8>> {
        self.batches.recv().map_err(|_| ends_early(self.index))?
    }

    /// Gives a buffer back to be read into again.
    pub fn recycle(&self, buf: Vec<u8>) {
        let _ = self.free.try_send(buf);
    }

    /// Stops the thread if it is still reading, and waits for it.
    pub fn finish(self) -> Result<()> {
        drop(self.batches);
        self.thread
            .join()
            .map_err(|_| CoreError::usage("the reading thread panicked"))
    }
}

fn ends_early(index: u32) -> CoreError {
    CoreError::tampered(Place::Field(index), "ciphertext ends early")
}

/// Decrypts a field's ciphertext batch by batch, checking chunk order and the
/// final flag against the known ciphertext length.
pub struct StreamDecryptor {
    cipher: Cipher,
    total_chunks: u64,
    next_chunk: u64,
    remaining: u64,
    what: String,
}

impl StreamDecryptor {
    /// A decryptor for a ciphertext of `ct_len` bytes; `what` names the field
    /// in errors.
    pub fn new(key: &Key32, aad: [u8; 24], ct_len: u64, what: String) -> Result<Self> {
        let pt_len = stream_plaintext_len(ct_len, CHUNK_SIZE)
            .ok_or_else(|| CoreError::decryption(what.clone()))?;
        let total_chunks = (ct_len - pt_len) / TAG_LEN as u64;
        Ok(Self {
            cipher: Cipher::new(key, aad),
            total_chunks,
            next_chunk: 0,
            remaining: ct_len,
            what,
        })
    }

    /// How many ciphertext bytes the next batch should hold: at most
    /// `BATCH_CHUNKS` chunks, never past the end.
    pub fn next_batch_len(&self) -> usize {
        let full = (BATCH_CHUNKS * CHUNK_CT) as u64;
        self.remaining.min(full) as usize
    }

    /// Whether every chunk has been decrypted.
    pub fn is_done(&self) -> bool {
        self.remaining == 0
    }

    /// Decrypts one batch in place (as sized by [`Self::next_batch_len`]) and
    /// compacts the plaintext to the front; returns the plaintext length.
    pub fn decrypt_batch(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.open_in_place(buf)?;
        let mut at = 0;
        for (start, end) in Self::plaintext_ranges(buf.len()) {
            buf.copy_within(start..end, at);
            at += end - start;
        }
        Ok(at)
    }

    /// Decrypts one batch (as sized by [`Self::next_batch_len`]) from `ct`
    /// into the front of `out`, leaving `ct` as it was, and returns the
    /// plaintext length. With a `tree`, the ciphertext is also hashed into
    /// it: each piece on the core that decrypts the chunk it lies in, while
    /// that chunk is in the core's cache, rather than in a pass of its own.
    pub fn decrypt_batch_hashing(
        &mut self,
        ct: &[u8],
        out: &mut [u8],
        tree: Option<&mut TreeHasher>,
    ) -> Result<usize> {
        let fail = || CoreError::decryption(self.what.clone());
        if ct.len() != self.next_batch_len() || ct.is_empty() {
            return Err(fail());
        }
        let chunks = ct.len().div_ceil(CHUNK_CT);
        let pt_len = ct.len() - chunks * TAG_LEN;
        let out = out.get_mut(..pt_len).ok_or_else(fail)?;
        let mut outs: Vec<&mut [u8]> = out.chunks_mut(CHUNK).collect();
        if outs.len() < chunks {
            // A final chunk with no plaintext still has its tag checked.
            outs.push(&mut []);
        }
        let (pieces, tree) = match tree {
            Some(t) => (t.plan(ct).ok_or_else(fail)?, Some(t)),
            None => (Vec::new(), None),
        };
        // The pieces that start in each chunk.
        let bounds: Vec<usize> = (0..=chunks)
            .map(|j| pieces.partition_point(|p| p.range.start < j * CHUNK_CT))
            .collect();
        let first = self.next_chunk;
        let total = self.total_chunks;
        let cipher = &self.cipher;
        let shared = tree.as_deref();
        let done: Vec<_> = outs
            .into_par_iter()
            .zip(ct.par_chunks(CHUNK_CT))
            .enumerate()
            .map(|(j, (o, c))| {
                let hashes: Vec<_> = match shared {
                    Some(t) => pieces[bounds[j]..bounds[j + 1]]
                        .iter()
                        .map(|p| t.hash_piece(p, ct))
                        .collect(),
                    None => Vec::new(),
                };
                let idx = first + j as u64;
                (cipher.open_into(idx, idx + 1 == total, c, o), hashes)
            })
            .collect();
        if done.len() != chunks || !done.iter().all(|(ok, _)| *ok) {
            return Err(fail());
        }
        if let Some(t) = tree {
            let hashes: Vec<_> = done.into_iter().flat_map(|(_, h)| h).collect();
            if !t.push(&pieces, &hashes) {
                return Err(fail());
            }
        }
        self.next_chunk += chunks as u64;
        self.remaining -= ct.len() as u64;
        Ok(pt_len)
    }

    fn plaintext_ranges(len: usize) -> impl Iterator<Item = (usize, usize)> {
        (0..len.div_ceil(CHUNK_CT)).map(move |i| {
            let start = i * CHUNK_CT;
            (start, (start + CHUNK_CT).min(len) - TAG_LEN)
        })
    }

    fn open_in_place(&mut self, buf: &mut [u8]) -> Result<()> {
        if buf.len() != self.next_batch_len() || buf.is_empty() {
            return Err(CoreError::decryption(self.what.clone()));
        }
        let first = self.next_chunk;
        let total = self.total_chunks;
        let cipher = &self.cipher;
        let ok = buf.par_chunks_mut(CHUNK_CT).enumerate().all(|(i, chunk)| {
            let idx = first + i as u64;
            chunk.len() >= TAG_LEN && cipher.open(idx, idx + 1 == total, chunk)
        });
        if !ok {
            return Err(CoreError::decryption(self.what.clone()));
        }
        self.next_chunk += buf.len().div_ceil(CHUNK_CT) as u64;
        self.remaining -= buf.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(pt: &[u8]) -> (Vec<u8>, Digest) {
        let key = Key32::from_bytes([3; 32]);
        let mut e = StreamEncryptor::new(&key, [1; 24], Vec::new());
        for part in pt.chunks(7777) {
            e.write_all(part).unwrap();
        }
        let (out, len, d) = e.finish().unwrap();
        assert_eq!(len as usize, out.len());
        (out, d)
    }

    /// Decrypts in place, and again out of place while hashing the
    /// ciphertext: both must agree, and the hash must be BLAKE3's.
    fn dec(ct: &[u8]) -> Result<Vec<u8>> {
        let in_place = dec_in_place(ct);
        let hashing = dec_hashing(ct);
        match (&in_place, hashing) {
            (Ok(a), Ok((b, digest))) => {
                assert_eq!(a, &b);
                assert_eq!(digest, crate::crypto::blake3(ct));
            }
            (Err(_), Err(_)) => {}
            (a, b) => panic!("the two ways disagree: {a:?} / {b:?}"),
        }
        in_place
    }

    fn dec_in_place(ct: &[u8]) -> Result<Vec<u8>> {
        let key = Key32::from_bytes([3; 32]);
        let mut d = StreamDecryptor::new(&key, [1; 24], ct.len() as u64, String::from("f"))?;
        let mut out = Vec::new();
        let mut at = 0;
        while !d.is_done() {
            let n = d.next_batch_len();
            let mut buf = ct[at..at + n].to_vec();
            at += n;
            let m = d.decrypt_batch(&mut buf)?;
            out.extend_from_slice(&buf[..m]);
        }
        Ok(out)
    }

    fn dec_hashing(ct: &[u8]) -> Result<(Vec<u8>, Digest)> {
        let key = Key32::from_bytes([3; 32]);
        let mut d = StreamDecryptor::new(&key, [1; 24], ct.len() as u64, String::from("f"))?;
        let mut tree = TreeHasher::new(ct.len() as u64);
        let mut out = vec![0u8; ct.len()];
        let (mut at, mut filled) = (0, 0);
        while !d.is_done() {
            let n = d.next_batch_len();
            filled +=
                d.decrypt_batch_hashing(&ct[at..at + n], &mut out[filled..], Some(&mut tree))?;
            at += n;
        }
        out.truncate(filled);
        let digest = tree.finalize().ok_or_else(|| CoreError::decryption("f"))?;
        Ok((out, digest))
    }

    #[test]
    fn lengths_round_trip() {
        for len in [
            0,
            1,
            CHUNK - 1,
            CHUNK,
            CHUNK + 1,
            3 * CHUNK,
            BATCH_CHUNKS * CHUNK,
            BATCH_CHUNKS * CHUNK + 1,
            70 * CHUNK + 5,
        ] {
            let pt: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let (ct, d) = enc(&pt);
            assert_eq!(
                ct.len() as u64,
                rogatory_wire::package::stream_ciphertext_len(len as u64, CHUNK_SIZE)
            );
            assert_eq!(d, crate::crypto::blake3(&ct));
            assert_eq!(dec(&ct).unwrap(), pt, "len {len}");
        }
    }

    #[test]
    fn an_empty_field_still_has_its_tag_checked() {
        let (ct, _) = enc(&[]);
        assert_eq!(ct.len(), TAG_LEN);
        assert_eq!(dec(&ct).unwrap(), Vec::<u8>::new());
        for at in 0..TAG_LEN {
            let mut f = ct.clone();
            f[at] ^= 0x80;
            assert!(dec(&f).is_err(), "flip at {at}");
        }
    }

    #[test]
    fn truncation_reorder_and_flips_fail() {
        let pt = vec![9u8; 3 * CHUNK + 10];
        let (ct, _) = enc(&pt);
        // drop the final chunk: the new last chunk lacks the final flag
        assert!(dec(&ct[..3 * CHUNK_CT]).is_err());
        // swap two chunks
        let mut sw = ct.clone();
        let (a, b) = sw.split_at_mut(CHUNK_CT);
        a.swap_with_slice(&mut b[..CHUNK_CT]);
        assert!(dec(&sw).is_err());
        // trailing garbage changes the chunk geometry
        let mut tr = ct.clone();
        tr.extend_from_slice(&[0; 20]);
        assert!(dec(&tr).is_err());
        // a bit flip anywhere
        for at in [0, CHUNK, CHUNK_CT + 3, ct.len() - 1] {
            let mut f = ct.clone();
            f[at] ^= 1;
            assert!(dec(&f).is_err());
        }
    }

    #[test]
    fn two_final_chunks_fail() {
        // An attacker who could make a non-final chunk look final would let a
        // reader stop early; the flag is bound in the nonce.
        let key = Key32::from_bytes([3; 32]);
        let c = Cipher::new(&key, [1; 24]);
        let mut a = vec![1u8; CHUNK_CT];
        c.seal(0, true, &mut a).unwrap();
        let mut b = vec![2u8; 100];
        c.seal(1, true, &mut b).unwrap();
        let mut ct = a;
        ct.extend_from_slice(&b);
        assert!(dec(&ct).is_err());
    }
}
