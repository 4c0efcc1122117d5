//! The receiver's store (DESIGN §5): partial files, packages and receipts,
//! behind the small [`Store`] trait so that another store (an object store)
//! can replace the directory.
//!
//! [`DirStore`], the embedded default, is a directory:
//!
//! ```text
//! DIR/partial/KEY.part      bytes received so far, fsynced before they are counted
//! DIR/packages/KEY.rgt      verified packages, renamed into place whole; the
//!                           receiver's `received` event is appended here
//! DIR/receipts/KEY.receipt  encode(CustodyEvent): the receipt, written last
//! ```
//!
//! `KEY` names a delivery: the package id and the BLAKE3 digest of the bytes
//! offered, in hex. A package under `packages/` without a receipt is one that
//! was renamed into place but not yet acknowledged: restart recovery
//! finishes it. Nothing under `packages/` is ever partial: a partial file is
//! verified before its rename, and the rename is atomic.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use rogatory_core::fsutil::{sync_dir, write_atomic};
use rogatory_wire::{CustodyEvent, Digest, PackageId, decode, encode};

use crate::error::{Result, TransportError};

/// One delivery: a package id and the BLAKE3 digest of the exact bytes
/// offered. A redacted re-delivery of the same package is a new delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeliveryKey {
    /// The package id.
    pub package_id: PackageId,
    /// BLAKE3 of the offered bytes.
    pub bytes_digest: Digest,
}

impl DeliveryKey {
    /// `PACKAGEID.DIGEST` in lowercase hex: a file name.
    pub fn name(&self) -> String {
        format!(
            "{}.{}",
            hex::encode(self.package_id.0),
            hex::encode(self.bytes_digest.0)
        )
    }

    /// The inverse of [`Self::name`].
    pub fn parse(name: &str) -> Option<Self> {
        let (id, digest) = name.split_once('.')?;
        let id: [u8; 16] = hex::decode(id).ok()?.try_into().ok()?;
        let digest: [u8; 32] = hex::decode(digest).ok()?.try_into().ok()?;
        Some(Self {
            package_id: PackageId(id),
            bytes_digest: Digest(digest),
        })
    }
}

/// The bytes of one delivery received so far, in a local file.
#[derive(Debug)]
pub struct Partial {
    file: File,
    path: PathBuf,
    len: u64,
    synced: u64,
}

impl Partial {
    /// Opens `path` for appending, creating it empty, fsyncs what it holds
    /// and counts it.
    pub fn open(path: PathBuf) -> Result<Self> {
        let ctx = || format!("opening {}", path.display());
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(TransportError::store(ctx()))?;
        file.sync_all().map_err(TransportError::store(ctx()))?;
        sync_dir(&path)?;
        let len = file.metadata().map_err(TransportError::store(ctx()))?.len();
        Ok(Self {
            file,
            path,
            len,
            synced: len,
        })
    }

    /// Appends bytes.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all(bytes)
            .map_err(TransportError::store(format!(
                "writing {}",
                self.path.display()
            )))?;
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Makes everything written durable.
    pub fn sync(&mut self) -> Result<()> {
        if self.synced != self.len {
            self.file
                .sync_data()
                .map_err(TransportError::store(format!(
                    "syncing {}",
                    self.path.display()
                )))?;
            self.synced = self.len;
        }
        Ok(())
    }

    /// Bytes written.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes written and fsynced.
    pub fn synced(&self) -> u64 {
        self.synced
    }

    /// Where the bytes are, for verification.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Empties the file (its content could not be right).
    pub fn truncate(&mut self) -> Result<()> {
        let ctx = || format!("truncating {}", self.path.display());
        self.file.set_len(0).map_err(TransportError::store(ctx()))?;
        self.file.sync_all().map_err(TransportError::store(ctx()))?;
        self.len = 0;
        self.synced = 0;
        Ok(())
    }
}

/// Where a receiver keeps what it receives. Every method may block (file
/// I/O); the receiver calls them off its network tasks. Local paths are
/// handed out because verification and the custody append work on files; a
/// remote store stages locally and uploads on [`Store::commit`] and
/// [`Store::put_receipt`].
pub trait Store: Send + Sync + std::fmt::Debug {
    /// The receipt of a completed delivery.
    fn receipt(&self, key: &DeliveryKey) -> Result<Option<CustodyEvent>>;
    /// The partial file of a delivery, created empty if there is none; what
    /// it holds is fsynced before its length is reported.
    fn open_partial(&self, key: &DeliveryKey) -> Result<Partial>;
    /// Deletes the partial file of a delivery.
    fn discard_partial(&self, key: &DeliveryKey) -> Result<()>;
    /// Moves a complete, fsynced and verified partial into place, atomically;
    /// returns where the package now is.
    fn commit(&self, key: &DeliveryKey) -> Result<PathBuf>;
    /// Where a committed package is, if it is.
    fn package_path(&self, key: &DeliveryKey) -> Result<Option<PathBuf>>;
    /// Records the receipt of a committed package, atomically.
    fn put_receipt(&self, key: &DeliveryKey, receipt: &CustodyEvent) -> Result<()>;
    /// Committed packages that have no receipt yet (restart recovery).
    fn unacknowledged(&self) -> Result<Vec<DeliveryKey>>;
}

/// One delivery as the store holds it (for operators: `rogatory store
/// list`).
#[derive(Debug, Clone)]
pub struct StoredDelivery {
    /// The delivery.
    pub key: DeliveryKey,
    /// The verified package, when it was committed.
    pub package: Option<PathBuf>,
    /// The receipt sent for it, when one was written.
    pub receipt: Option<CustodyEvent>,
    /// Bytes received so far, for a delivery still in progress (or broken
    /// off, to be resumed).
    pub partial_bytes: Option<u64>,
}

/// The embedded store: a directory (see the module documentation).
#[derive(Debug, Clone)]
pub struct DirStore {
    root: PathBuf,
}

impl DirStore {
    /// Opens (creating) a store directory.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        for sub in ["partial", "packages", "receipts"] {
            let d = root.join(sub);
            fs::create_dir_all(&d)
                .map_err(TransportError::store(format!("creating {}", d.display())))?;
        }
        Ok(Self { root })
    }

    /// Opens a store directory that must exist (to read it, not to receive).
    pub fn existing(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        if !root.join("packages").is_dir() {
            return Err(TransportError::Usage(format!(
                "{} is not a receiver's store (no packages/ directory)",
                root.display()
            )));
        }
        Ok(Self { root })
    }

    /// The store's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The delivery keys of the files `SUB/KEY.SUFFIX`, sorted.
    fn keys_in(&self, sub: &str, suffix: &str) -> Result<Vec<DeliveryKey>> {
        let dir = self.root.join(sub);
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(TransportError::store(format!("listing {}", dir.display()))(
                    e,
                ));
            }
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry =
                entry.map_err(TransportError::store(format!("listing {}", dir.display())))?;
            let name = entry.file_name();
            if let Some(key) = name
                .to_str()
                .and_then(|n| n.strip_suffix(suffix))
                .and_then(DeliveryKey::parse)
            {
                out.push(key);
            }
        }
        out.sort_by_key(|k| k.name());
        Ok(out)
    }

    /// Every delivery the store holds: committed packages, with their
    /// receipts, and partial files, sorted by delivery name.
    pub fn deliveries(&self) -> Result<Vec<StoredDelivery>> {
        let mut keys = self.keys_in("packages", ".rgt")?;
        keys.extend(self.keys_in("partial", ".part")?);
        keys.sort_by_key(|k| k.name());
        keys.dedup();
        keys.into_iter()
            .map(|key| {
                let partial = self.partial_path(&key);
                Ok(StoredDelivery {
                    package: self.package_path(&key)?,
                    receipt: self.receipt(&key)?,
                    partial_bytes: fs::metadata(&partial).ok().map(|m| m.len()),
                    key,
                })
            })
            .collect()
    }

    fn partial_path(&self, key: &DeliveryKey) -> PathBuf {
        self.root
            .join("partial")
            .join(format!("{}.part", key.name()))
    }

    /// Where a committed package goes.
    pub fn package_file(&self, key: &DeliveryKey) -> PathBuf {
        self.root
            .join("packages")
            .join(format!("{}.rgt", key.name()))
    }

    fn receipt_path(&self, key: &DeliveryKey) -> PathBuf {
        self.root
            .join("receipts")
            .join(format!("{}.receipt", key.name()))
    }
}

impl Store for DirStore {
    fn receipt(&self, key: &DeliveryKey) -> Result<Option<CustodyEvent>> {
        let path = self.receipt_path(key);
        match fs::read(&path) {
            Ok(bytes) => decode(&bytes).map(Some).map_err(|e| TransportError::Store {
                context: format!("reading {}", path.display()),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(TransportError::store(format!("reading {}", path.display()))(e)),
        }
    }

    fn open_partial(&self, key: &DeliveryKey) -> Result<Partial> {
        Partial::open(self.partial_path(key))
    }

    fn discard_partial(&self, key: &DeliveryKey) -> Result<()> {
        let path = self.partial_path(key);
        match fs::remove_file(&path) {
            Ok(()) => Ok(sync_dir(&path)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(TransportError::store(format!(
                "removing {}",
                path.display()
            ))(e)),
        }
    }

    fn commit(&self, key: &DeliveryKey) -> Result<PathBuf> {
        let from = self.partial_path(key);
        let to = self.package_file(key);
        fs::rename(&from, &to).map_err(TransportError::store(format!(
            "renaming {} to {}",
            from.display(),
            to.display()
        )))?;
        sync_dir(&to)?;
        sync_dir(&from)?;
        Ok(to)
    }

    fn package_path(&self, key: &DeliveryKey) -> Result<Option<PathBuf>> {
        let p = self.package_file(key);
        Ok(p.is_file().then_some(p))
    }

    fn put_receipt(&self, key: &DeliveryKey, receipt: &CustodyEvent) -> Result<()> {
        let bytes = encode(receipt).map_err(|e| TransportError::Usage(format!("receipt: {e}")))?;
        write_atomic(&self.receipt_path(key), &bytes, false)?;
        Ok(())
    }

    fn unacknowledged(&self) -> Result<Vec<DeliveryKey>> {
        let mut keys = self.keys_in("packages", ".rgt")?;
        keys.retain(|k| !self.receipt_path(k).exists());
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn key(n: u8) -> DeliveryKey {
        DeliveryKey {
            package_id: PackageId([n; 16]),
            bytes_digest: Digest([n + 1; 32]),
        }
    }

    #[test]
    fn key_names_round_trip() {
        let k = key(3);
        assert_eq!(DeliveryKey::parse(&k.name()), Some(k));
        assert_eq!(DeliveryKey::parse("zz.00"), None);
        assert_eq!(DeliveryKey::parse("nodot"), None);
    }

    #[test]
    fn partial_resumes_and_commits_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirStore::open(dir.path()).unwrap();
        let k = key(1);
        let mut p = store.open_partial(&k).unwrap();
        assert_eq!(p.len(), 0);
        p.write(b"hello ").unwrap();
        assert_eq!(p.synced(), 0);
        p.sync().unwrap();
        drop(p);
        let mut p = store.open_partial(&k).unwrap();
        assert_eq!(p.len(), 6);
        p.write(b"world").unwrap();
        p.sync().unwrap();
        assert!(store.package_path(&k).unwrap().is_none());
        let path = store.commit(&k).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"hello world");
        assert_eq!(store.unacknowledged().unwrap(), vec![k]);
        assert!(store.receipt(&k).unwrap().is_none());
        // A new partial of the same key starts empty.
        assert_eq!(store.open_partial(&k).unwrap().len(), 0);
        store.discard_partial(&k).unwrap();
        store.discard_partial(&k).unwrap();
    }
}
