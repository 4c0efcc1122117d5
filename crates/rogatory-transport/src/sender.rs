//! The sender (spec §13.3): makes each destination its own copy of the
//! package with its `sent` event (once), leaving the original as it was; offers the exact
//! bytes, streams them from the offset the receiver asks for, retries with
//! resume on a broken link, and accepts only a receipt that verifies against
//! its own copy.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rogatory_core::actions::{Details, ReceiptReport, append_event, bytes_digest, verify_receipt};
use rogatory_core::container::recover;
use rogatory_core::custody::{event_hash, event_ref};
use rogatory_core::fsutil::{AtomicFile, write_atomic};
use rogatory_core::ledger::{self, Ledger, Record};
use rogatory_core::{Identity, Package, Signer, TrustStore, system_rng};
use rogatory_wire::{
    Bytes, CustodyEvent, Digest, EventBody, Frame, LedgerAction, Metadata, Offer, PartyId,
    TrustEntry, decode, encode, limits,
};
use tokio::sync::mpsc;
use tokio::time::timeout;
use tracing::{info, warn};

use crate::config::{self, Limits};
use crate::error::{Result, TransportError, from_connection};
use crate::frame::{FrameReader, encode_frame, write_frame};
use crate::store::DeliveryKey;
use crate::{now, run_blocking, tls};

/// Where to deliver: a party (its current card in the trust store) at an
/// address. Written `ID@ADDR`, such as `fr.pnat@192.0.2.7:4433`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The receiving party.
    pub party: PartyId,
    /// Its address.
    pub addr: SocketAddr,
}

impl FromStr for Destination {
    type Err = TransportError;

    fn from_str(s: &str) -> Result<Self> {
        let (party, addr) = s
            .split_once('@')
            .ok_or_else(|| TransportError::Usage(format!("{s:?}: expected ID@HOST:PORT")))?;
        let party = PartyId::new(party)
            .map_err(|e| TransportError::Usage(format!("party id {party:?}: {e}")))?;
        let addr = addr
            .to_socket_addrs()
            .map_err(|e| TransportError::Usage(format!("address {addr:?}: {e}")))?
            .next()
            .ok_or_else(|| {
                TransportError::Usage(format!("address {addr:?} resolves to nothing"))
            })?;
        Ok(Self { party, addr })
    }
}

/// How often and how patiently a sender tries again.
#[derive(Debug, Clone)]
pub struct Retry {
    /// Attempts in all (at least 1).
    pub attempts: u32,
    /// Wait before the second attempt; doubled after each failure.
    pub first_backoff: Duration,
    /// The longest wait between attempts.
    pub max_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 10,
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(15),
        }
    }
}

/// What a sender needs.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// The sender's keys (with its TLS key and certificate).
    pub identity: Arc<Identity>,
    /// The parties it trusts (the receiver must be one).
    pub trust: Arc<TrustStore>,
    /// The sender's ledger directory.
    pub ledger_dir: PathBuf,
    /// Timeouts.
    pub limits: Limits,
    /// Retries.
    pub retry: Retry,
    /// Payload bytes per data frame (at most 1 MiB).
    pub frame_size: usize,
}

impl SenderConfig {
    /// A configuration with default limits, retries and frame size.
    pub fn new(identity: Arc<Identity>, trust: Arc<TrustStore>, ledger_dir: PathBuf) -> Self {
        Self {
            identity,
            trust,
            ledger_dir,
            limits: Limits::default(),
            retry: Retry::default(),
            frame_size: limits::DATA_FRAME_MAX,
        }
    }
}

/// Progress of deliveries, for a progress bar. Called from the runtime: keep
/// it quick.
pub trait Progress: Send + Sync {
    /// A delivery of `size` bytes starts.
    fn started(&self, _package: &Path, _size: u64) {}
    /// The receiver asked for the bytes from `offset` (0, or where it
    /// resumes).
    fn resumed(&self, _package: &Path, _offset: u64) {}
    /// `bytes` more were handed to the link.
    fn sent(&self, _package: &Path, _bytes: u64) {}
    /// An attempt failed and another follows.
    fn retrying(&self, _package: &Path, _error: &TransportError) {}
    /// All bytes are out; waiting for the receipt.
    fn waiting(&self, _package: &Path) {}
}

/// A [`Progress`] that shows nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// A completed delivery: a receipt that verified against the sender's copy.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The file delivered: the destination's copy
    /// ([`destination_copy_path`]), or the file given if it was one already.
    pub package: PathBuf,
    /// The receipt (the receiver's `received` event).
    pub receipt: CustodyEvent,
    /// What the verified receipt establishes.
    pub report: ReceiptReport,
    /// Where the receipt was stored (beside the file delivered, [`receipt_path`]).
    pub receipt_path: PathBuf,
    /// The receiver already had these bytes (or a stored receipt already
    /// verified): nothing travelled.
    pub already_delivered: bool,
    /// Attempts made.
    pub attempts: u32,
    /// The offset of each `Accept` received, in order.
    pub accept_offsets: Vec<u64>,
    /// Data frames sent, in all attempts.
    pub frames_sent: u64,
    /// Payload bytes sent, in all attempts.
    pub bytes_sent: u64,
    /// The hash of the `sent` event this delivery carries.
    pub sent_event: Digest,
}

/// A package ready to offer.
struct Prepared {
    path: PathBuf,
    key: DeliveryKey,
    size: u64,
    package_digest: Digest,
    sent: CustodyEvent,
    metadata: Metadata,
}

struct Tally {
    accept_offsets: Vec<u64>,
    frames: u64,
    bytes: u64,
}

enum Answered {
    Receipt(CustodyEvent),
    AlreadyHave(CustodyEvent),
}

/// The path of the receipt stored beside a package: `PKG.receipt`.
pub fn receipt_path(package: &Path) -> PathBuf {
    let mut name = package
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".receipt");
    package.with_file_name(name)
}

struct Inner {
    cfg: SenderConfig,
    dest: Destination,
    receiver: TrustEntry,
    endpoint: quinn::Endpoint,
    client: quinn::ClientConfig,
    conn: tokio::sync::Mutex<Option<quinn::Connection>>,
    /// Serializes this process's appends to the ledger and to package files.
    files: std::sync::Mutex<()>,
}

/// Delivers packages to one receiver, over one connection at a time.
/// Cheap to clone; clones share the connection.
#[derive(Clone)]
pub struct Sender {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("party", self.inner.cfg.identity.party())
            .field("dest", &self.inner.dest)
            .finish()
    }
}

impl Sender {
    /// A sender for `dest`, whose current card must be in the trust store.
    /// Must be called inside a tokio runtime.
    pub fn new(mut cfg: SenderConfig, dest: Destination) -> Result<Self> {
        if cfg.frame_size == 0 || cfg.frame_size > limits::DATA_FRAME_MAX {
            return Err(TransportError::Usage(format!(
                "frame size must be 1 to {} bytes",
                limits::DATA_FRAME_MAX
            )));
        }
        // Its own card is implied by its key: its events verify with it.
        if cfg.trust.by_key_id(&cfg.identity.key_id()).is_none() {
            let mut t = (*cfg.trust).clone();
            t.include_own(cfg.identity.card())?;
            cfg.trust = Arc::new(t);
        }
        let receiver = cfg.trust.current(&dest.party, now())?.clone();
        let tls = tls::client_config(&cfg.identity, &receiver)?;
        let client = config::quic_client_config(tls, &cfg.limits)?;
        let bind: SocketAddr = if dest.addr.is_ipv4() {
            (std::net::Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let endpoint = config::endpoint(bind, None)?;
        Ok(Self {
            inner: Arc::new(Inner {
                cfg,
                dest,
                receiver,
                endpoint,
                client,
                conn: tokio::sync::Mutex::new(None),
                files: std::sync::Mutex::new(()),
            }),
        })
    }

    /// The receiver's card.
    pub fn receiver(&self) -> &TrustEntry {
        &self.inner.receiver
    }

    /// Delivers one package: returns only with a receipt that verified
    /// against this copy.
    pub async fn deliver(&self, package: &Path, progress: &dyn Progress) -> Result<Delivery> {
        let inner = self.inner.clone();
        let path = package.to_owned();
        let prepared = run_blocking(move || prepare(&inner, &path)).await??;
        let prepared = match prepared {
            Ok(p) => p,
            Err(done) => return Ok(*done),
        };
        progress.started(&prepared.path, prepared.size);
        let retry = &self.inner.cfg.retry;
        let mut backoff = retry.first_backoff;
        let mut tally = Tally {
            accept_offsets: Vec::new(),
            frames: 0,
            bytes: 0,
        };
        let mut attempt = 0;
        let answered = loop {
            attempt += 1;
            match self.attempt(&prepared, &mut tally, progress).await {
                Ok(a) => break a,
                Err(e) if e.is_retryable() && attempt < retry.attempts.max(1) => {
                    warn!(package = %prepared.path.display(), attempt, error = %e, "retrying");
                    progress.retrying(&prepared.path, &e);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(retry.max_backoff);
                }
                Err(e) => return Err(e),
            }
        };
        let (receipt, already) = match answered {
            Answered::Receipt(r) => (r, false),
            Answered::AlreadyHave(r) => (r, true),
        };
        let inner = self.inner.clone();
        let delivery =
            run_blocking(move || conclude(&inner, &prepared, receipt, already, attempt, tally))
                .await??;
        info!(
            package = %delivery.package.display(),
            receiver = %delivery.report.receiver,
            "receipt verified"
        );
        Ok(delivery)
    }

    /// Delivers several packages over one connection, up to `parallel` at
    /// once. One result per package, in order.
    pub async fn deliver_all(
        &self,
        packages: &[PathBuf],
        parallel: usize,
        progress: Arc<dyn Progress>,
    ) -> Vec<Result<Delivery>> {
        let gate = Arc::new(tokio::sync::Semaphore::new(parallel.max(1)));
        let mut tasks = Vec::with_capacity(packages.len());
        for p in packages {
            let sender = self.clone();
            let p = p.clone();
            let gate = gate.clone();
            let progress = progress.clone();
            tasks.push(tokio::spawn(async move {
                let _permit = gate
                    .acquire_owned()
                    .await
                    .map_err(|_| TransportError::Shutdown)?;
                sender.deliver(&p, progress.as_ref()).await
            }));
        }
        let mut out = Vec::with_capacity(tasks.len());
        for t in tasks {
            out.push(t.await.unwrap_or_else(|e| {
                Err(TransportError::Io {
                    context: "a delivery task failed".into(),
                    source: std::io::Error::other(e.to_string()),
                })
            }));
        }
        out
    }

    /// Closes the connection after every answer was read, and waits briefly
    /// for the close to reach the receiver.
    pub async fn close(&self) {
        if let Some(conn) = self.inner.conn.lock().await.take() {
            conn.close(quinn::VarInt::from_u32(0), b"done");
        }
        let _ = timeout(Duration::from_secs(2), self.inner.endpoint.wait_idle()).await;
    }

    async fn connection(&self) -> Result<quinn::Connection> {
        let mut held = self.inner.conn.lock().await;
        if let Some(c) = held.as_ref()
            && c.close_reason().is_none()
        {
            return Ok(c.clone());
        }
        *held = None;
        let inner = &self.inner;
        let connecting = inner
            .endpoint
            .connect_with(inner.client.clone(), inner.dest.addr, tls::SERVER_NAME)
            .map_err(|e| TransportError::Connection(e.to_string()))?;
        let conn = timeout(inner.cfg.limits.handshake_timeout, connecting)
            .await
            .map_err(|_| TransportError::Timeout("handshake"))?
            .map_err(from_connection)?;
        tls::check_alpn(&conn)?;
        // The verifier admitted only this pin; check it once more.
        if tls::peer_pin(&conn)? != inner.receiver.card.body.tls_spki_sha256 {
            conn.close(quinn::VarInt::from_u32(1), b"wrong peer");
            return Err(TransportError::Handshake(
                "the receiver's certificate is not pinned by its card".into(),
            ));
        }
        info!(receiver = %inner.dest.party, addr = %inner.dest.addr, "connected");
        *held = Some(conn.clone());
        Ok(conn)
    }

    async fn attempt(
        &self,
        p: &Prepared,
        tally: &mut Tally,
        progress: &dyn Progress,
    ) -> Result<Answered> {
        let limits = &self.inner.cfg.limits;
        let conn = self.connection().await?;
        let (mut send, recv) = conn.open_bi().await.map_err(from_connection)?;
        let mut reader = FrameReader::new(recv);
        let offer = Frame::Offer(Offer {
            package_id: p.key.package_id,
            bytes_digest: p.key.bytes_digest,
            size: p.size,
        });
        write_frame(&mut send, &offer).await?;
        let answer = timeout(limits.idle_timeout, reader.next())
            .await
            .map_err(|_| TransportError::Timeout("no answer to the offer"))??;
        let offset = match answer {
            Some(Frame::AlreadyHave { receipt }) => return Ok(Answered::AlreadyHave(receipt)),
            Some(Frame::Reject { reason, detail }) => {
                return Err(TransportError::Rejected {
                    reason,
                    detail: detail.to_string(),
                });
            }
            Some(Frame::Accept { offset }) if offset <= p.size => offset,
            Some(Frame::Accept { offset }) => {
                return Err(TransportError::protocol(format!(
                    "accept at {offset}, beyond the {} bytes offered",
                    p.size
                )));
            }
            Some(_) => return Err(TransportError::protocol("unexpected answer to an offer")),
            None => return Err(TransportError::Connection("the stream ended".into())),
        };
        tally.accept_offsets.push(offset);
        progress.resumed(&p.path, offset);
        info!(package = %p.path.display(), offset, size = p.size, "sending");
        let stopped = self
            .send_data(&mut send, p, offset, tally, progress)
            .await?;
        if !stopped {
            send.finish()
                .map_err(|e| TransportError::Connection(e.to_string()))?;
            progress.waiting(&p.path);
        }
        let answer = timeout(limits.answer_deadline(p.size), reader.next())
            .await
            .map_err(|_| TransportError::Timeout("no receipt"))??;
        match answer {
            Some(Frame::Receipt { receipt }) => Ok(Answered::Receipt(receipt)),
            Some(Frame::Reject { reason, detail }) => Err(TransportError::Rejected {
                reason,
                detail: detail.to_string(),
            }),
            Some(_) => Err(TransportError::protocol("unexpected answer after the data")),
            None => Err(TransportError::Connection(
                "the stream ended without an answer".into(),
            )),
        }
    }

    /// Streams the file from `offset` to its end in data frames; a reader
    /// thread keeps the next frames ready. Returns whether the receiver
    /// stopped the stream (its answer then says why).
    async fn send_data(
        &self,
        send: &mut quinn::SendStream,
        p: &Prepared,
        offset: u64,
        tally: &mut Tally,
        progress: &dyn Progress,
    ) -> Result<bool> {
        let frame_size = self.inner.cfg.frame_size;
        let (tx, mut rx) = mpsc::channel::<Result<Vec<u8>>>(4);
        let path = p.path.clone();
        let size = p.size;
        let reader =
            tokio::task::spawn_blocking(move || read_chunks(&path, offset, size, frame_size, &tx));
        let mut pos = offset;
        let mut stopped = false;
        while pos < size {
            let Some(chunk) = rx.recv().await else {
                return Err(TransportError::Usage("the package reader stopped".into()));
            };
            let chunk = chunk?;
            let n = chunk.len() as u64;
            let payload = Bytes::new(chunk).map_err(|e| TransportError::Usage(e.to_string()))?;
            let bytes = encode_frame(&Frame::Data {
                offset: pos,
                payload,
            })?;
            match send.write_all(&bytes).await {
                Ok(()) => {}
                Err(quinn::WriteError::Stopped(_)) => {
                    stopped = true;
                    break;
                }
                Err(e) => return Err(e.into()),
            }
            pos += n;
            tally.frames += 1;
            tally.bytes += n;
            progress.sent(&p.path, n);
        }
        drop(rx);
        let _ = reader.await;
        Ok(stopped)
    }
}

/// Reads `[offset, size)` of a file in `frame_size` chunks into `tx`.
pub(crate) fn read_chunks(
    path: &Path,
    offset: u64,
    size: u64,
    frame_size: usize,
    tx: &mpsc::Sender<Result<Vec<u8>>>,
) {
    let ctx = || format!("reading {}", path.display());
    let opened = File::open(path).and_then(|mut f| f.seek(SeekFrom::Start(offset)).map(|_| f));
    let mut file = match opened {
        Ok(f) => f,
        Err(e) => {
            let _ = tx.blocking_send(Err(TransportError::io(ctx())(e)));
            return;
        }
    };
    let mut pos = offset;
    while pos < size {
        let n = usize::try_from(size - pos).map_or(frame_size, |left| left.min(frame_size));
        let mut buf = vec![0u8; n];
        if let Err(e) = file.read_exact(&mut buf) {
            let _ = tx.blocking_send(Err(TransportError::io(ctx())(e)));
            return;
        }
        pos += n as u64;
        if tx.blocking_send(Ok(buf)).is_err() {
            return;
        }
    }
}

/// The destination's own copy of a package (DESIGN: each destination gets
/// its own copy with its own `sent` event; the original stays as sealed):
/// `NAME.to-PARTY.rgt` beside `NAME.rgt` (`NAME.to-PARTY` for any other
/// file name).
pub fn destination_copy_path(package: &Path, receiver: &PartyId) -> PathBuf {
    let name = package
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let copy = match name.strip_suffix(".rgt") {
        Some(stem) => format!("{stem}.to-{receiver}.rgt"),
        None => format!("{name}.to-{receiver}"),
    };
    package.with_file_name(copy)
}

/// Whether `event` is `identity`'s `sent` naming `receiver`.
fn is_sent_to(event: &CustodyEvent, identity: &Identity, receiver: &TrustEntry) -> bool {
    event.clear.actor == identity.key_id()
        && matches!(event.clear.body, EventBody::Sent { receiver: r } if r == receiver.key_id)
}

/// Readies a package. A file whose last event is this sender's `sent` to
/// this receiver is a destination's copy already and is offered as it is.
/// Any other file is left as it is: its destination's copy
/// ([`destination_copy_path`]) is reused if it is this file plus that
/// `sent` event, else made (the bytes copied, the event appended, then
/// renamed into place). Then the offer's size and digest are taken. A
/// delivery whose stored receipt still verifies is complete already
/// (`Err(delivery)`).
fn prepare(inner: &Inner, given: &Path) -> Result<Result<Prepared, Box<Delivery>>> {
    let identity = inner.cfg.identity.as_ref();
    let trust = inner.cfg.trust.as_ref();
    let receiver = &inner.receiver;
    let appending = inner
        .files
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    recover(given)?;
    // The receiver verifies every byte; the sender checks the structure,
    // the signature and the chain it extends.
    let verified = Package::open(given)?.verify_structure(trust)?;
    let events = verified.package().events().to_vec();
    let last = events
        .last()
        .cloned()
        .ok_or_else(|| TransportError::Usage("the package has no custody events".into()))?;
    let (path, sent, reuse) = if is_sent_to(&last, identity, receiver) {
        (given.to_owned(), last, true)
    } else {
        drop(verified);
        let copy = destination_copy_path(given, &receiver.party);
        match existing_copy(inner, given, &copy, &events)? {
            Some(sent) => (copy, sent, true),
            None => {
                let sent = make_copy(inner, given, &copy)?;
                (copy, sent, false)
            }
        }
    };
    let unlocked = Package::open(&path)?
        .verify_structure(trust)?
        .unlock_for_verification(identity)?;
    let metadata = unlocked.metadata().clone();
    let package_digest = unlocked.package().digest();
    let package_id = unlocked.package().package_id();
    drop(unlocked);
    drop(appending);
    let size = std::fs::metadata(&path)
        .map_err(TransportError::io(format!("reading {}", path.display())))?
        .len();
    let digest = bytes_digest(&path)?;
    let prepared = Prepared {
        path,
        key: DeliveryKey {
            package_id,
            bytes_digest: digest,
        },
        size,
        package_digest,
        sent,
        metadata,
    };
    if reuse && let Some(done) = stored_receipt(inner, &prepared)? {
        return Ok(Err(Box::new(done)));
    }
    Ok(Ok(prepared))
}

/// The destination's copy made by an earlier run, if there is one: its
/// `sent` event, once the copy is checked to be the original's events plus
/// that one event. A file of that name that is anything else is an error,
/// never overwritten.
fn existing_copy(
    inner: &Inner,
    original: &Path,
    copy: &Path,
    original_events: &[CustodyEvent],
) -> Result<Option<CustodyEvent>> {
    if !copy.exists() {
        return Ok(None);
    }
    let stale = || TransportError::StaleCopy {
        copy: copy.to_owned(),
        original: original.to_owned(),
        receiver: inner.receiver.party.clone(),
    };
    recover(copy)?;
    let Ok(verified) = Package::open(copy).and_then(|p| p.verify_structure(&inner.cfg.trust))
    else {
        return Err(stale());
    };
    let events = verified.package().events();
    match events.split_last() {
        Some((last, before))
            if before == original_events
                && is_sent_to(last, &inner.cfg.identity, &inner.receiver) =>
        {
            Ok(Some(last.clone()))
        }
        _ => Err(stale()),
    }
}

/// Makes the destination's copy in an [`AtomicFile`]: the original's bytes,
/// flushed, this sender's `sent` event appended to the pending file, then
/// committed (fsynced, linked to `copy`, never over an existing file).
fn make_copy(inner: &Inner, original: &Path, copy: &Path) -> Result<CustodyEvent> {
    let context = || format!("making the copy {}", copy.display());
    let mut file = AtomicFile::create(copy)?;
    let mut from = File::open(original).map_err(TransportError::io(format!(
        "reading {}",
        original.display()
    )))?;
    std::io::copy(&mut from, &mut file).map_err(TransportError::io(context()))?;
    file.flush().map_err(TransportError::io(context()))?;
    let receiver = &inner.receiver;
    let sent = append_event(
        file.pending_path(),
        inner.cfg.identity.as_ref(),
        &inner.cfg.trust,
        now(),
        EventBody::Sent {
            receiver: receiver.key_id,
        },
        Details {
            counterpart: Some(receiver.party.clone()),
            ..Details::default()
        },
        &mut system_rng(),
    )?;
    file.commit()?;
    Ok(sent)
}

/// A receipt stored beside the package by an earlier run, if it verifies
/// against the package as it is.
fn stored_receipt(inner: &Inner, p: &Prepared) -> Result<Option<Delivery>> {
    let rp = receipt_path(&p.path);
    let Ok(bytes) = std::fs::read(&rp) else {
        return Ok(None);
    };
    let Ok(receipt) = decode::<CustodyEvent>(&bytes) else {
        return Ok(None);
    };
    let Ok(report) = verify_receipt(&p.path, &receipt, &inner.cfg.trust) else {
        return Ok(None);
    };
    record_sent(inner, p)?;
    Ok(Some(Delivery {
        package: p.path.clone(),
        receipt,
        report,
        receipt_path: rp,
        already_delivered: true,
        attempts: 0,
        accept_offsets: Vec::new(),
        frames_sent: 0,
        bytes_sent: 0,
        sent_event: event_hash(&p.sent)?,
    }))
}

/// Verifies the receipt against this copy, stores it beside the package and
/// records the delivery in the ledger.
fn conclude(
    inner: &Inner,
    p: &Prepared,
    receipt: CustodyEvent,
    already: bool,
    attempts: u32,
    tally: Tally,
) -> Result<Delivery> {
    let report =
        verify_receipt(&p.path, &receipt, &inner.cfg.trust).map_err(TransportError::BadReceipt)?;
    if report.receiver_key_id != inner.receiver.key_id {
        return Err(TransportError::BadReceipt(rogatory_core::CoreError::Usage(
            "the receipt is signed by another card than the receiver's".into(),
        )));
    }
    record_sent(inner, p)?;
    let rp = receipt_path(&p.path);
    let bytes = encode(&receipt).map_err(|e| TransportError::Usage(e.to_string()))?;
    write_atomic(&rp, &bytes, false)?;
    Ok(Delivery {
        package: p.path.clone(),
        receipt,
        report,
        receipt_path: rp,
        already_delivered: already,
        attempts,
        accept_offsets: tally.accept_offsets,
        frames_sent: tally.frames,
        bytes_sent: tally.bytes,
        sent_event: event_hash(&p.sent)?,
    })
}

/// The ledger line `sent` for this delivery's `sent` event, once.
fn record_sent(inner: &Inner, p: &Prepared) -> Result<()> {
    let identity = inner.cfg.identity.as_ref();
    let dir = &inner.cfg.ledger_dir;
    let sent = event_ref(&p.sent)?;
    let _one_at_a_time = inner
        .files
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut ledger = Ledger::open(dir, identity)?;
    if ledger::entries(dir)?
        .iter()
        .any(|e| e.line.action == LedgerAction::Sent && e.line.event == Some(sent))
    {
        return Ok(());
    }
    let m = &p.metadata;
    let mut r = Record::new(
        now(),
        LedgerAction::Sent,
        p.key.package_id,
        p.package_digest,
    );
    r.event = Some(sent);
    r.partner = Some(inner.receiver.party.clone());
    r.legal_basis = Some(m.legal_basis.clone());
    r.categories = m.data_categories.clone();
    r.priority = Some(m.priority);
    r.retain_until = Some(m.retain_until);
    ledger.append(identity, r)?;
    Ok(())
}
