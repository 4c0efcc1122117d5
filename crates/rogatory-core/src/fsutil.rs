//! Small file helpers: atomic replacement with fsync.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

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
