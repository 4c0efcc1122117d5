//! Small file helpers: atomic replacement with fsync, and [`AtomicFile`],
//! the safe way to write a package.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{CoreError, Result};

/// Fsyncs the directory that holds `path`, so that a rename in it is durable.
pub fn sync_dir(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(CoreError::io(format!("syncing {}", dir.display())))
}

/// Writes `bytes` to `path` through a temporary file in the same directory:
/// write, fsync, rename, fsync the directory. With `private`, the file is
/// created with mode 0600.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> Result<()> {
    let tmp = temp_path(path);
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let ctx = || format!("writing {}", path.display());
    let mut f = opts.open(&tmp).map_err(CoreError::io(ctx()))?;
    f.write_all(bytes).map_err(CoreError::io(ctx()))?;
    f.sync_all().map_err(CoreError::io(ctx()))?;
    drop(f);
    fs::rename(&tmp, path).map_err(CoreError::io(ctx()))?;
    sync_dir(path)
}

/// A temporary name beside `path`: `.NAME.tmp`.
pub fn temp_path(path: &Path) -> std::path::PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    path.with_file_name(format!(".{name}.tmp"))
}

/// A new file that appears at its path whole or not at all: the bytes go to
/// a temporary file beside it, and only [`AtomicFile::commit`] flushes and
/// fsyncs them, links the file into place (never over an existing file) and
/// fsyncs the directory. Dropped without a commit (an error while writing,
/// a panic), the temporary file is removed and nothing appears. Give it to
/// a [`crate::Sealer`] to write a package:
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::io::Write;
/// use rogatory_core::fsutil::AtomicFile;
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("evidence.rgt");
/// let mut f = AtomicFile::create(&path)?;
/// f.write_all(b"...")?;
/// assert!(!path.exists()); // not before the commit
/// f.commit()?;
/// assert_eq!(std::fs::read(&path)?, b"...");
/// assert!(AtomicFile::create(&path).is_err()); // never over an existing file
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    w: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts the file at `path`, which must not exist yet.
    pub fn create(path: &Path) -> Result<Self> {
        if path.symlink_metadata().is_ok() {
            return Err(CoreError::usage(format!(
                "{} exists: not overwritten",
                path.display()
            )));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(CoreError::io(format!("creating {}", tmp.display())))?;
        Ok(Self {
            path: path.to_owned(),
            tmp,
            w: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    /// The path the file will have.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file being written, for work that needs a path (such
    /// as appending a custody event) after a [`Write::flush`].
    pub fn pending_path(&self) -> &Path {
        &self.tmp
    }

    /// Puts the file in place: flush, fsync, link, fsync the directory.
    pub fn commit(mut self) -> Result<()> {
        let ctx = format!("writing {}", self.path.display());
        let w = self
            .w
            .take()
            .ok_or_else(|| CoreError::usage("the file was already committed"))?;
        let done = w
            .into_inner()
            .map_err(|e| CoreError::io(ctx.clone())(e.into_error()))
            .and_then(|f| f.sync_all().map_err(CoreError::io(ctx.clone())))
            .and_then(|()| {
                fs::hard_link(&self.tmp, &self.path)
                    .map_err(CoreError::io(format!("placing {}", self.path.display())))
            });
        let _ = fs::remove_file(&self.tmp);
        done?;
        sync_dir(&self.path)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.w {
            Some(w) => w.write(buf),
            None => Err(std::io::Error::other("the file was already committed")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.w {
            Some(w) => w.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.w.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod atomic_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_file_dropped_before_its_commit_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.rgt");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(&[7u8; 3 << 20]).unwrap();
        drop(f);
        assert!(!path.exists());
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no temporary file left"
        );
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"whole").unwrap();
        f.commit().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"whole");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(AtomicFile::create(&path).is_err());
    }
}
