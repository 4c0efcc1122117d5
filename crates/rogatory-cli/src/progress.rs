//! Progress bars on standard error, drawn only when it is a terminal (never
//! in tests or pipes).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar, hidden unless standard error is a terminal.
pub fn bytes(total: u64, message: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{msg:>10} [{bar:40}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_owned());
    bar
}

/// A spinner for work whose progress the library does not report.
pub fn spinner(message: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// A reader that moves a bar by the bytes read through it (seeks move
/// nothing: the bar counts work done, not the position).
#[derive(Debug)]
pub struct Reading<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: std::io::Read> std::io::Read for Reading<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

impl<R: std::io::Seek> std::io::Seek for Reading<R> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// `file` read through `bar`.
pub fn reading<R>(inner: R, bar: &ProgressBar) -> Reading<R> {
    Reading {
        inner,
        bar: bar.clone(),
    }
}

/// Opens a package whose reads move a bytes bar: `passes` times its size
/// (each pass over the file a command makes), with bytes and ETA.
pub fn open_package(
    path: &std::path::Path,
    passes: u64,
    message: &str,
) -> crate::error::Result<(rogatory::core::Package<Reading<std::fs::File>>, ProgressBar)> {
    if path.as_os_str() == "-" {
        return Err(crate::error::CliError::usage(
            "a package is read with random access, not from standard input (-): save it to a \
             file and give its path",
        ));
    }
    crate::sniff::expect(path, "a package")?;
    let size = std::fs::metadata(path)
        .map_err(crate::error::CliError::io_path("opening", path))?
        .len();
    let bar = bytes(size.saturating_mul(passes), message);
    let pkg = rogatory::core::Package::open_through(path, |f| reading(f, &bar));
    match pkg {
        Ok(pkg) => Ok((pkg, bar)),
        Err(e) => {
            bar.finish_and_clear();
            Err(e.into())
        }
    }
}

/// A package held for redaction, forwarding or an extract, its reads under
/// one bar with bytes and ETA: the verification pass first (the file's
/// size); call [`phase`] before each later pass.
pub fn held<'a>(
    path: &std::path::Path,
    identity: &'a rogatory::core::Identity,
    trust: &'a rogatory::core::TrustStore,
    now: rogatory::wire::Timestamp,
) -> crate::error::Result<(
    rogatory::redact::HeldPackage<'a, Reading<std::fs::File>>,
    ProgressBar,
)> {
    let (pkg, bar) = open_package(path, 1, "verifying")?;
    let bodies = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            bar.finish_and_clear();
            return Err(crate::error::CliError::io_path("opening", path)(e));
        }
    };
    match rogatory::redact::HeldPackage::new(pkg, reading(bodies, &bar), identity, trust, now) {
        Ok(h) => Ok((h, bar)),
        Err(e) => {
            bar.finish_and_clear();
            Err(crate::commands::redact::cli(e))
        }
    }
}

/// The bar starts a new pass of `total` bytes.
pub fn phase(bar: &ProgressBar, total: u64, message: &str) {
    bar.reset();
    bar.set_length(total);
    bar.set_message(message.to_owned());
}
