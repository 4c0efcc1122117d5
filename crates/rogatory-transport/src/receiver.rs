//! The receiver (spec §13.3): a QUIC server that admits only trusted
//! parties, stores each offered package through a [`Store`], resumes broken
//! transfers, verifies everything and answers with a signed receipt.
//!
//! ```text
//! stream ─▶ Offer ─▶ size ≤ limit? ─▶ receipt for (id, digest)? ─▶ AlreadyHave
//!                                  └▶ slot for (id, digest) ─▶ Accept{fsynced length}
//!        ─▶ Data… ─▶ partial file ─▶ fsync ─▶ BLAKE3 = offer? ─▶ verify
//!        ─▶ last event a send to me by the TLS peer? ─▶ rename into place
//!        ─▶ `received` event + ledger line ─▶ receipt file ─▶ Receipt
//! ```
//!
//! A second offer of the same delivery by the same party preempts a session
//! that is still waiting for data (the sender reconnected after a broken
//! link); an offer by another party while one is running is answered
//! `Busy`. Restart recovery ([`Receiver::start`]) finishes every package
//! that was renamed into place but not yet acknowledged.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rogatory_core::actions::{bytes_digest, receive};
use rogatory_core::container::recover;
use rogatory_core::custody::{event_hash, event_ref};
use rogatory_core::ledger::{self, Ledger, Record};
use rogatory_core::{CoreError, Identity, Package, Signer, TrustStore, system_rng};
use rogatory_wire::{
    CustodyEvent, EventBody, Frame, KeyId, LedgerAction, Metadata, PartyId, RejectReason, ShortText,
};
use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{Instant, timeout, timeout_at};
use tracing::{debug, info, warn};

use crate::config::{self, Limits};
use crate::error::{Result, TransportError};
use crate::frame::{FrameReader, write_frame};
use crate::store::{DeliveryKey, Partial, Store};
use crate::tls;
use crate::{now, run_blocking};

/// The smallest package file there is (spec §14.1 check 2).
const MIN_PACKAGE: u64 = 96;
/// Received bytes are fsynced at least this often (and always before they
/// are counted in an `Accept`).
const SYNC_EVERY: u64 = 32 << 20;
/// QUIC application close codes.
const CLOSE_IDLE: u32 = 0;
const CLOSE_SHUTDOWN: u32 = 1;
/// QUIC stream stop code after a rejection.
const STOP_REJECTED: u32 = 1;
/// How long a closing receiver waits for its connections to end.
const GRACE: Duration = Duration::from_secs(5);

/// What a receiver needs.
#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    /// The receiver's keys (with its TLS key and certificate).
    pub identity: Arc<Identity>,
    /// The parties it accepts.
    pub trust: Arc<TrustStore>,
    /// Where received packages go.
    pub store: Arc<dyn Store>,
    /// The receiver's ledger directory.
    pub ledger_dir: PathBuf,
    /// Limits.
    pub limits: Limits,
}

/// Counters of a running receiver.
#[derive(Debug, Default)]
struct Counters {
    receipts: AtomicU64,
    already_have: AtomicU64,
    rejected: AtomicU64,
    data_frames: AtomicU64,
    data_bytes: AtomicU64,
    preempted: AtomicU64,
    recovered: AtomicU64,
    handshakes_refused: AtomicU64,
}

/// What a receiver has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiverStats {
    /// Receipts issued for new deliveries.
    pub receipts: u64,
    /// Duplicate deliveries answered with the first receipt.
    pub already_have: u64,
    /// Offers and sessions rejected.
    pub rejected: u64,
    /// Data frames stored.
    pub data_frames: u64,
    /// Payload bytes stored.
    pub data_bytes: u64,
    /// Sessions ended by a newer offer of the same delivery.
    pub preempted: u64,
    /// Deliveries finished by restart recovery.
    pub recovered: u64,
    /// Connections refused at or right after the handshake.
    pub handshakes_refused: u64,
}

impl Counters {
    fn snapshot(&self) -> ReceiverStats {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ReceiverStats {
            receipts: g(&self.receipts),
            already_have: g(&self.already_have),
            rejected: g(&self.rejected),
            data_frames: g(&self.data_frames),
            data_bytes: g(&self.data_bytes),
            preempted: g(&self.preempted),
            recovered: g(&self.recovered),
            handshakes_refused: g(&self.handshakes_refused),
        }
    }
}

fn bump(a: &AtomicU64, n: u64) {
    a.fetch_add(n, Ordering::Relaxed);
}

/// The party at the other end of a connection, as its certificate pin says.
#[derive(Debug, Clone)]
struct Peer {
    party: PartyId,
    key_ids: Vec<KeyId>,
    addr: SocketAddr,
}

/// One delivery in progress: who holds it, and how to ask it to yield.
#[derive(Debug)]
struct Slot {
    lock: Arc<tokio::sync::Mutex<()>>,
    holder: Option<Holder>,
}

#[derive(Debug)]
struct Holder {
    party: PartyId,
    cancel: Arc<Notify>,
    id: u64,
}

#[derive(Debug)]
struct Shared {
    cfg: ReceiverConfig,
    counters: Counters,
    slots: Mutex<HashMap<DeliveryKey, Slot>>,
    peers: Mutex<HashMap<PartyId, u32>>,
    /// Serializes receipts and ledger appends, so that the head a receipt
    /// names is the head its ledger line follows.
    ledger: Mutex<()>,
    next_id: AtomicU64,
    delivered: Notify,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How a session ends when it does not end with a receipt.
#[derive(Debug)]
enum Fail {
    /// Answer with a typed rejection.
    Reject(RejectReason, String),
    /// Nothing to answer: the link is gone or the session was preempted.
    Gone(TransportError),
}

impl From<TransportError> for Fail {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Malformed(_)
            | TransportError::FrameTooLarge { .. }
            | TransportError::Truncated
            | TransportError::Protocol(_) => Fail::Reject(RejectReason::Malformed, e.to_string()),
            TransportError::Store { .. } | TransportError::Io { .. } => {
                Fail::Reject(RejectReason::StoreFailure, e.to_string())
            }
            TransportError::Core(CoreError::Io { .. }) => {
                Fail::Reject(RejectReason::StoreFailure, e.to_string())
            }
            other => Fail::Gone(other),
        }
    }
}

/// What a verification failure is called on the wire.
fn verification_failure(e: &CoreError) -> (RejectReason, String) {
    let reason = match e {
        CoreError::UnknownParty { .. } => RejectReason::UntrustedSender,
        CoreError::Expired { .. } => RejectReason::Expired,
        CoreError::NotARecipient => RejectReason::NotForYou,
        CoreError::NotEntitled { .. } => RejectReason::NotEntitled,
        CoreError::Io { .. } => RejectReason::StoreFailure,
        _ => RejectReason::VerificationFailed,
    };
    (reason, e.to_string())
}

enum Answer {
    Receipt(CustodyEvent),
    AlreadyHave(CustodyEvent),
}

/// Exclusive right to one delivery's partial file.
struct SlotGuard {
    shared: Arc<Shared>,
    key: DeliveryKey,
    id: u64,
    cancel: Arc<Notify>,
    _lock: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        let mut slots = lock(&self.shared.slots);
        if let Some(slot) = slots.get_mut(&self.key) {
            if slot.holder.as_ref().is_some_and(|h| h.id == self.id) {
                slot.holder = None;
            }
            // Only the map and this guard still hold the lock: nobody waits.
            if slot.holder.is_none() && Arc::strong_count(&slot.lock) <= 2 {
                slots.remove(&self.key);
            }
        }
    }
}

/// A running delivery of one peer party, counted against its limit.
struct PeerPermit {
    shared: Arc<Shared>,
    party: PartyId,
}

impl Drop for PeerPermit {
    fn drop(&mut self) {
        let mut peers = lock(&self.shared.peers);
        if let Some(n) = peers.get_mut(&self.party) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                peers.remove(&self.party);
            }
        }
    }
}

impl Shared {
    fn limits(&self) -> &Limits {
        &self.cfg.limits
    }

    fn peer_permit(self: &Arc<Self>, party: &PartyId) -> Option<PeerPermit> {
        let mut peers = lock(&self.peers);
        let n = peers.entry(party.clone()).or_insert(0);
        if *n >= self.limits().max_streams_per_peer {
            return None;
        }
        *n += 1;
        Some(PeerPermit {
            shared: self.clone(),
            party: party.clone(),
        })
    }

    async fn acquire(
        self: &Arc<Self>,
        key: DeliveryKey,
        party: &PartyId,
    ) -> Result<SlotGuard, Fail> {
        let (mutex, cancel_old) = {
            let mut slots = lock(&self.slots);
            let slot = slots.entry(key).or_insert_with(|| Slot {
                lock: Arc::new(tokio::sync::Mutex::new(())),
                holder: None,
            });
            match &slot.holder {
                Some(h) if &h.party != party => {
                    return Err(Fail::Reject(
                        RejectReason::Busy,
                        "another party is delivering these bytes".into(),
                    ));
                }
                Some(h) => (slot.lock.clone(), Some(h.cancel.clone())),
                None => (slot.lock.clone(), None),
            }
        };
        if let Some(cancel) = cancel_old {
            debug!(delivery = %key.name(), "a newer offer preempts the running session");
            cancel.notify_one();
        }
        let guard = timeout(self.limits().idle_timeout, mutex.lock_owned())
            .await
            .map_err(|_| {
                Fail::Reject(
                    RejectReason::Busy,
                    "this delivery is still being processed".into(),
                )
            })?;
        let cancel = Arc::new(Notify::new());
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        {
            let mut slots = lock(&self.slots);
            let slot = slots.entry(key).or_insert_with(|| Slot {
                lock: tokio::sync::OwnedMutexGuard::mutex(&guard).clone(),
                holder: None,
            });
            slot.holder = Some(Holder {
                party: party.clone(),
                cancel: cancel.clone(),
                id,
            });
        }
        Ok(SlotGuard {
            shared: self.clone(),
            key,
            id,
            cancel,
            _lock: guard,
        })
    }
}

/// A bound receiver, ready to [`run`](Receiver::run).
#[derive(Debug)]
pub struct Receiver {
    endpoint: quinn::Endpoint,
    shared: Arc<Shared>,
}

impl Receiver {
    /// Finishes what a previous run left (packages renamed into place but
    /// not acknowledged, interrupted custody appends), then binds `listen`.
    /// Must be called inside a tokio runtime.
    pub async fn start(mut cfg: ReceiverConfig, listen: SocketAddr) -> Result<Self> {
        // Its own card is implied by its key: its receipts verify with it.
        if cfg.trust.by_key_id(&cfg.identity.key_id()).is_none() {
            let mut t = (*cfg.trust).clone();
            t.include_own(cfg.identity.card())?;
            cfg.trust = Arc::new(t);
        }
        let tls = tls::server_config(&cfg.identity, cfg.trust.clone())?;
        let server = config::quic_server_config(tls, &cfg.limits)?;
        let shared = Arc::new(Shared {
            cfg,
            counters: Counters::default(),
            slots: Mutex::new(HashMap::new()),
            peers: Mutex::new(HashMap::new()),
            ledger: Mutex::new(()),
            next_id: AtomicU64::new(0),
            delivered: Notify::new(),
        });
        let s = shared.clone();
        run_blocking(move || recover_store(&s)).await??;
        let endpoint = config::endpoint(listen, Some(server))?;
        Ok(Self { endpoint, shared })
    }

    /// The address the receiver listens on.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.endpoint
            .local_addr()
            .map_err(TransportError::io("reading the local address"))
    }

    /// What the receiver has done so far (shared with [`StatsHandle`]).
    pub fn stats(&self) -> StatsHandle {
        StatsHandle(self.shared.clone())
    }

    /// Serves until `shutdown` completes, or with `once` until one delivery
    /// was answered with a receipt (new or earlier). Then it stops accepting,
    /// lets connections end (briefly), and closes.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()>,
        once: bool,
    ) -> Result<ReceiverStats> {
        let shared = self.shared;
        let endpoint = self.endpoint;
        let permits = Arc::new(Semaphore::new(shared.limits().max_connections));
        let mut connections = JoinSet::new();
        let mut shutdown = std::pin::pin!(shutdown);
        let mut signalled = false;
        info!(
            addr = %endpoint.local_addr().map_err(TransportError::io("reading the local address"))?,
            party = %shared.cfg.identity.party(),
            "receiver listening"
        );
        loop {
            tokio::select! {
                () = &mut shutdown => {
                    info!("shutting down");
                    signalled = true;
                    break;
                }
                () = shared.delivered.notified(), if once => {
                    info!("one delivery answered; stopping (--once)");
                    break;
                }
                incoming = endpoint.accept() => {
                    let Some(incoming) = incoming else { break };
                    // Address validation first (a QUIC Retry): a spoofed
                    // source costs no handshake.
                    if !incoming.remote_address_validated() && incoming.may_retry() {
                        if let Err(e) = incoming.retry() {
                            e.into_incoming().ignore();
                        }
                        continue;
                    }
                    match permits.clone().try_acquire_owned() {
                        Ok(permit) => {
                            let s = shared.clone();
                            connections.spawn(async move {
                                handle_connection(s, incoming).await;
                                drop(permit);
                            });
                        }
                        Err(_) => {
                            warn!(addr = %incoming.remote_address(), "too many connections; refused");
                            incoming.refuse();
                        }
                    }
                }
                Some(joined) = connections.join_next(), if !connections.is_empty() => {
                    if let Err(e) = joined {
                        warn!(error = %e, "a connection task failed");
                    }
                }
            }
        }
        endpoint.set_server_config(None);
        if signalled {
            endpoint.close(quinn::VarInt::from_u32(CLOSE_SHUTDOWN), b"shutting down");
        }
        let drained = timeout(GRACE, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            connections.abort_all();
            endpoint.close(quinn::VarInt::from_u32(CLOSE_SHUTDOWN), b"shutting down");
        }
        let _ = timeout(Duration::from_secs(2), endpoint.wait_idle()).await;
        let stats = shared.counters.snapshot();
        info!(
            receipts = stats.receipts,
            already_have = stats.already_have,
            rejected = stats.rejected,
            data_frames = stats.data_frames,
            data_bytes = stats.data_bytes,
            preempted = stats.preempted,
            "receiver stopped"
        );
        Ok(stats)
    }
}

/// A view of a running receiver's counters.
#[derive(Debug, Clone)]
pub struct StatsHandle(Arc<Shared>);

impl StatsHandle {
    /// The counters now.
    pub fn get(&self) -> ReceiverStats {
        self.0.counters.snapshot()
    }
}

async fn handle_connection(shared: Arc<Shared>, incoming: quinn::Incoming) {
    let addr = incoming.remote_address();
    let conn = match accept(&shared, incoming).await {
        Ok(c) => c,
        Err(e) => {
            bump(&shared.counters.handshakes_refused, 1);
            warn!(%addr, error = %e, "connection refused");
            return;
        }
    };
    let peer = match identify(&shared, &conn, addr) {
        Ok(p) => p,
        Err(e) => {
            bump(&shared.counters.handshakes_refused, 1);
            warn!(%addr, error = %e, "connection refused");
            conn.close(quinn::VarInt::from_u32(CLOSE_SHUTDOWN), b"untrusted");
            return;
        }
    };
    info!(peer = %peer.party, %addr, "connection accepted");
    let idle = shared.limits().idle_timeout;
    let mut streams = JoinSet::new();
    loop {
        tokio::select! {
            accepted = conn.accept_bi() => match accepted {
                Ok((send, recv)) => {
                    let s = shared.clone();
                    let p = peer.clone();
                    streams.spawn(handle_stream(s, p, send, recv));
                }
                Err(e) => {
                    debug!(peer = %peer.party, reason = %e, "connection ended");
                    break;
                }
            },
            Some(joined) = streams.join_next(), if !streams.is_empty() => {
                if let Err(e) = joined {
                    warn!(error = %e, "a session task failed");
                }
            }
            () = tokio::time::sleep(idle), if streams.is_empty() => {
                debug!(peer = %peer.party, "closing an idle connection");
                conn.close(quinn::VarInt::from_u32(CLOSE_IDLE), b"idle");
                break;
            }
        }
    }
    while streams.join_next().await.is_some() {}
}

async fn accept(shared: &Shared, incoming: quinn::Incoming) -> Result<quinn::Connection> {
    let connecting = incoming.accept()?;
    let conn = timeout(shared.limits().handshake_timeout, connecting)
        .await
        .map_err(|_| TransportError::Timeout("handshake"))??;
    tls::check_alpn(&conn)?;
    Ok(conn)
}

/// The party whose pinned card the peer's certificate matches (the TLS
/// verifier already refused any other).
fn identify(shared: &Shared, conn: &quinn::Connection, addr: SocketAddr) -> Result<Peer> {
    let pin = tls::peer_pin(conn)?;
    let entries = tls::entries_for_pin(&shared.cfg.trust, &pin, now());
    let first = entries.first().ok_or_else(|| {
        TransportError::Handshake("the peer's certificate matches no current trusted card".into())
    })?;
    if entries.iter().any(|e| e.party != first.party) {
        return Err(TransportError::Handshake(
            "the peer's certificate is pinned by cards of two parties".into(),
        ));
    }
    Ok(Peer {
        party: first.party.clone(),
        key_ids: entries.iter().map(|e| e.key_id).collect(),
        addr,
    })
}

/// A rejection detail as the wire allows it: control characters blanked,
/// cut to 256 bytes.
fn short(s: &str) -> Result<ShortText, rogatory_wire::WireError> {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut cut = clean.len().min(ShortText::MAX);
    while !clean.is_char_boundary(cut) {
        cut -= 1;
    }
    ShortText::new(&clean[..cut])
}

async fn handle_stream(
    shared: Arc<Shared>,
    peer: Peer,
    mut send: quinn::SendStream,
    recv: quinn::RecvStream,
) {
    let mut reader = FrameReader::new(recv);
    let outcome = session(&shared, &peer, &mut send, &mut reader).await;
    let frame = match outcome {
        Ok(Answer::Receipt(receipt)) => Frame::Receipt { receipt },
        Ok(Answer::AlreadyHave(receipt)) => Frame::AlreadyHave { receipt },
        Err(Fail::Reject(reason, detail)) => {
            bump(&shared.counters.rejected, 1);
            warn!(peer = %peer.party, addr = %peer.addr, ?reason, %detail, "rejected");
            reader.stop(STOP_REJECTED);
            let Ok(detail) = short(&detail).or_else(|_| ShortText::new("")) else {
                return;
            };
            Frame::Reject { reason, detail }
        }
        Err(Fail::Gone(e)) => {
            info!(peer = %peer.party, error = %e, "session ended without an answer");
            return;
        }
    };
    let answered = matches!(frame, Frame::Receipt { .. } | Frame::AlreadyHave { .. });
    let sent = async {
        write_frame(&mut send, &frame).await?;
        send.finish()
            .map_err(|e| TransportError::Connection(e.to_string()))?;
        // Wait until the peer has read the answer (or gave up).
        let _ = send.stopped().await;
        Ok::<_, TransportError>(())
    };
    match timeout(shared.limits().idle_timeout, sent).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => info!(peer = %peer.party, error = %e, "could not deliver the answer"),
        Err(_) => info!(peer = %peer.party, "the peer did not read the answer"),
    }
    if answered {
        shared.delivered.notify_one();
    }
}

async fn session(
    shared: &Arc<Shared>,
    peer: &Peer,
    send: &mut quinn::SendStream,
    reader: &mut FrameReader,
) -> Result<Answer, Fail> {
    let limits = shared.limits().clone();
    let offer = match timeout(limits.idle_timeout, reader.next()).await {
        Err(_) => return Err(Fail::Reject(RejectReason::Timeout, "no offer".into())),
        Ok(Ok(Some(Frame::Offer(o)))) => o,
        Ok(Ok(Some(_))) => {
            return Err(Fail::Reject(
                RejectReason::Malformed,
                "the first frame must be an offer".into(),
            ));
        }
        Ok(Ok(None)) => {
            return Err(Fail::Gone(TransportError::protocol(
                "the stream ended before an offer",
            )));
        }
        Ok(Err(e)) => return Err(e.into()),
    };
    let key = DeliveryKey {
        package_id: offer.package_id,
        bytes_digest: offer.bytes_digest,
    };
    info!(peer = %peer.party, delivery = %key.name(), size = offer.size, "offer");
    if offer.size > limits.max_package_size {
        return Err(Fail::Reject(
            RejectReason::TooLarge,
            format!(
                "{} bytes offered, this receiver accepts at most {}",
                offer.size, limits.max_package_size
            ),
        ));
    }
    if offer.size < MIN_PACKAGE {
        return Err(Fail::Reject(
            RejectReason::Malformed,
            "smaller than any package".into(),
        ));
    }
    if let Some(receipt) = earlier_receipt(shared, key, peer).await? {
        return Ok(Answer::AlreadyHave(receipt));
    }
    let _permit = shared.peer_permit(&peer.party).ok_or_else(|| {
        Fail::Reject(
            RejectReason::Busy,
            format!(
                "at most {} deliveries per party at once",
                limits.max_streams_per_peer
            ),
        )
    })?;
    let slot = shared.acquire(key, &peer.party).await?;
    if let Some(receipt) = earlier_receipt(shared, key, peer).await? {
        return Ok(Answer::AlreadyHave(receipt));
    }
    let store = shared.cfg.store.clone();
    if let Some(path) = run_blocking(move || store.package_path(&key)).await?? {
        // Renamed into place by an earlier session that did not finish.
        let s = shared.clone();
        let receipt = run_blocking(move || finish_delivery(&s, key, &path, None)).await?;
        return receipt_or_fail(shared, receipt);
    }
    let store = shared.cfg.store.clone();
    let mut partial = run_blocking(move || store.open_partial(&key)).await??;
    if partial.len() > offer.size {
        partial = run_blocking(move || partial.truncate().map(|()| partial)).await??;
    }
    let offset = partial.len();
    write_frame(send, &Frame::Accept { offset }).await?;
    info!(peer = %peer.party, delivery = %key.name(), offset, "accepted");
    let partial = receive_data(shared, reader, &slot, partial, offer.size).await?;
    let path = partial.path().to_owned();
    drop(partial);

    let s = shared.clone();
    let p = peer.clone();
    let checked = run_blocking(move || check_partial(&s, &p, key, &path)).await??;
    let known = match checked {
        Ok(known) => known,
        Err(fail) => {
            let store = shared.cfg.store.clone();
            let _ = run_blocking(move || store.discard_partial(&key)).await;
            return Err(fail);
        }
    };
    let store = shared.cfg.store.clone();
    let path = run_blocking(move || store.commit(&key)).await??;
    let s = shared.clone();
    let receipt = run_blocking(move || finish_delivery(&s, key, &path, Some(known))).await?;
    drop(slot);
    receipt_or_fail(shared, receipt)
}

fn receipt_or_fail(shared: &Shared, receipt: Result<CustodyEvent>) -> Result<Answer, Fail> {
    match receipt {
        Ok(r) => {
            bump(&shared.counters.receipts, 1);
            info!(receipt = %event_hash(&r).map(|h| h.to_hex()).unwrap_or_default(), "receipt issued");
            Ok(Answer::Receipt(r))
        }
        Err(TransportError::Core(e)) => {
            let (reason, detail) = verification_failure(&e);
            Err(Fail::Reject(reason, detail))
        }
        Err(e) => Err(e.into()),
    }
}

/// The receipt of an earlier delivery of the same bytes, answered only to
/// the party that sent them.
async fn earlier_receipt(
    shared: &Arc<Shared>,
    key: DeliveryKey,
    peer: &Peer,
) -> Result<Option<CustodyEvent>, Fail> {
    let store = shared.cfg.store.clone();
    let key_ids = peer.key_ids.clone();
    let found = run_blocking(move || -> Result<Option<(CustodyEvent, bool)>> {
        let Some(receipt) = store.receipt(&key)? else {
            return Ok(None);
        };
        let Some(path) = store.package_path(&key)? else {
            return Ok(Some((receipt, false)));
        };
        let pkg = Package::open(&path)?;
        let seq = receipt.clear.sequence;
        let sender = seq
            .checked_sub(1)
            .and_then(|i| pkg.events().get(usize::try_from(i).ok()?))
            .map(|e| e.clear.actor);
        Ok(Some((
            receipt,
            sender.is_some_and(|actor| key_ids.contains(&actor)),
        )))
    })
    .await??;
    match found {
        None => Ok(None),
        Some((receipt, true)) => {
            bump(&shared.counters.already_have, 1);
            info!(peer = %peer.party, delivery = %key.name(), "already have it");
            Ok(Some(receipt))
        }
        Some((_, false)) => Err(Fail::Reject(
            RejectReason::NotForYou,
            "these bytes were delivered by another party".into(),
        )),
    }
}

async fn receive_data(
    shared: &Shared,
    reader: &mut FrameReader,
    slot: &SlotGuard,
    mut partial: Partial,
    size: u64,
) -> Result<Partial, Fail> {
    let limits = shared.limits();
    let deadline = Instant::now() + limits.data_deadline(size - partial.len());
    while partial.len() < size {
        let stall = Instant::now() + limits.idle_timeout;
        let next = tokio::select! {
            () = slot.cancel.notified() => {
                bump(&shared.counters.preempted, 1);
                let _ = run_blocking(move || partial.sync()).await;
                return Err(Fail::Gone(TransportError::protocol(
                    "preempted by a newer offer of the same delivery",
                )));
            }
            next = timeout_at(stall.min(deadline), reader.next()) => next,
        };
        let frame = match next {
            Err(_) => {
                let _ = run_blocking(move || partial.sync()).await;
                let detail = if Instant::now() >= deadline {
                    "the sender is too slow"
                } else {
                    "the sender went silent"
                };
                return Err(Fail::Reject(RejectReason::Timeout, detail.into()));
            }
            Ok(Err(e)) => {
                let _ = run_blocking(move || partial.sync()).await;
                return Err(e.into());
            }
            Ok(Ok(None)) => {
                let _ = run_blocking(move || partial.sync()).await;
                return Err(Fail::Reject(
                    RejectReason::Malformed,
                    "the stream ended before the package did".into(),
                ));
            }
            Ok(Ok(Some(frame))) => frame,
        };
        let Frame::Data { offset, payload } = frame else {
            let _ = run_blocking(move || partial.sync()).await;
            return Err(Fail::Reject(
                RejectReason::Malformed,
                "expected a data frame".into(),
            ));
        };
        let len = payload.len() as u64;
        if offset != partial.len() || len == 0 || len > size - partial.len() {
            let detail = format!(
                "data frame at {offset} of {len} bytes; expected one at {} within {size}",
                partial.len()
            );
            let _ = run_blocking(move || partial.sync()).await;
            return Err(Fail::Reject(RejectReason::Malformed, detail));
        }
        partial = run_blocking(move || -> Result<Partial> {
            partial.write(payload.as_slice())?;
            if partial.len() - partial.synced() >= SYNC_EVERY {
                partial.sync()?;
            }
            Ok(partial)
        })
        .await??;
        bump(&shared.counters.data_frames, 1);
        bump(&shared.counters.data_bytes, len);
    }
    run_blocking(move || partial.sync().map(|()| partial))
        .await?
        .map_err(Fail::from)
}

/// What verification learnt, for the receipt and the ledger line.
struct Known {
    sender: PartyId,
    metadata: Option<Metadata>,
}

/// Verifies a complete partial file: its digest, the package (signature,
/// envelope, custody), that its last event is a send to this receiver
/// signed by the TLS peer, that this receiver can read its metadata, and
/// its retention.
fn check_partial(
    shared: &Shared,
    peer: &Peer,
    key: DeliveryKey,
    path: &Path,
) -> Result<Result<Known, Fail>> {
    let reject = |r: RejectReason, d: &str| Ok(Err(Fail::Reject(r, d.into())));
    let digest = bytes_digest(path)?;
    if digest != key.bytes_digest {
        return reject(
            RejectReason::DigestMismatch,
            "the bytes received do not match the offered digest",
        );
    }
    let pkg = match Package::open(path) {
        Ok(p) => p,
        Err(e) => return Ok(Err(core_reject(&e))),
    };
    if pkg.package_id() != key.package_id {
        return reject(
            RejectReason::VerificationFailed,
            "the package id differs from the offer",
        );
    }
    let verified = match pkg.verify(&shared.cfg.trust) {
        Ok(v) => v,
        Err(e) => return Ok(Err(core_reject(&e))),
    };
    let identity = &shared.cfg.identity;
    let Some(last) = verified.package().events().last() else {
        return reject(RejectReason::VerificationFailed, "no custody events");
    };
    if last.clear.body.receiver() != Some(identity.key_id()) {
        return reject(
            RejectReason::NotForYou,
            "the last custody event is not a send to this receiver",
        );
    }
    if !peer.key_ids.contains(&last.clear.actor) {
        return reject(
            RejectReason::NotForYou,
            "the last custody event is signed by another party than the connected one",
        );
    }
    let sender = peer.party.clone();
    let unlocked = match verified.unlock_for_verification(identity) {
        Ok(u) => u,
        Err(e) => return Ok(Err(core_reject(&e))),
    };
    let metadata = unlocked.metadata().clone();
    if now() > metadata.retain_until {
        return reject(
            RejectReason::Expired,
            "the package's retain-until has passed",
        );
    }
    Ok(Ok(Known {
        sender,
        metadata: Some(metadata),
    }))
}

fn core_reject(e: &CoreError) -> Fail {
    let (reason, detail) = verification_failure(e);
    Fail::Reject(reason, detail)
}

fn record(
    action: LedgerAction,
    pkg: (rogatory_wire::PackageId, rogatory_wire::Digest),
    event: &CustodyEvent,
    partner: PartyId,
    metadata: Option<&Metadata>,
) -> Result<Record> {
    let mut r = Record::new(now(), action, pkg.0, pkg.1);
    r.event = Some(event_ref(event)?);
    r.partner = Some(partner);
    if let Some(m) = metadata {
        r.legal_basis = Some(m.legal_basis.clone());
        r.categories = m.data_categories.clone();
        r.priority = Some(m.priority);
        r.retain_until = Some(m.retain_until);
    }
    Ok(r)
}

/// Appends the `received` event to a committed package and the matching
/// ledger line, and records the receipt in the store. Idempotent: a package
/// whose `received` event is already there (a crash before its receipt was
/// recorded) only gets what is still missing.
fn finish_delivery(
    shared: &Shared,
    key: DeliveryKey,
    path: &Path,
    known: Option<Known>,
) -> Result<CustodyEvent> {
    let identity = &shared.cfg.identity;
    let trust = &shared.cfg.trust;
    let _ledger_lock = lock(&shared.ledger);
    recover(path)?;
    let known = match known {
        Some(k) => k,
        None => learn(shared, path)?,
    };
    let pkg = Package::open(path)?;
    let pkg_ref = (pkg.package_id(), pkg.digest());
    let last = pkg
        .events()
        .last()
        .cloned()
        .ok_or_else(|| TransportError::protocol("the package has no custody events"))?;
    drop(pkg);
    let mut ledger = Ledger::open(&shared.cfg.ledger_dir, identity.as_ref())?;
    let receipt = match &last.clear.body {
        EventBody::Received { bytes_digest, .. }
            if last.clear.actor == identity.key_id() && *bytes_digest == key.bytes_digest =>
        {
            let hash = event_hash(&last)?;
            let recorded = ledger::entries(&shared.cfg.ledger_dir)?
                .iter()
                .any(|e| e.line.event.is_some_and(|r| r.hash == hash));
            if !recorded {
                ledger.append(
                    identity.as_ref(),
                    record(
                        LedgerAction::Received,
                        pkg_ref,
                        &last,
                        known.sender.clone(),
                        known.metadata.as_ref(),
                    )?,
                )?;
            }
            last
        }
        _ => {
            let receipt = receive(
                path,
                identity,
                trust,
                now(),
                key.bytes_digest,
                ledger.head(),
                Some(known.sender.clone()),
                &mut system_rng(),
            )?;
            ledger.append(
                identity.as_ref(),
                record(
                    LedgerAction::Received,
                    pkg_ref,
                    &receipt,
                    known.sender.clone(),
                    known.metadata.as_ref(),
                )?,
            )?;
            receipt
        }
    };
    shared.cfg.store.put_receipt(&key, &receipt)?;
    Ok(receipt)
}

/// For recovery: who sent a committed package (the actor of its send to
/// this receiver) and its metadata, from the package itself.
fn learn(shared: &Shared, path: &Path) -> Result<Known> {
    let identity = &shared.cfg.identity;
    let verified = Package::open(path)?.verify(&shared.cfg.trust)?;
    let me = identity.key_id();
    let send = verified
        .package()
        .events()
        .iter()
        .rev()
        .find(|e| e.clear.body.receiver() == Some(me))
        .ok_or_else(|| TransportError::protocol("no send to this receiver in the package"))?;
    let sender = shared.cfg.trust.require(&send.clear.actor)?.party.clone();
    let metadata = verified
        .unlock_for_verification(identity)
        .ok()
        .map(|u| u.metadata().clone());
    Ok(Known { sender, metadata })
}

/// Restart recovery: every package renamed into place but not acknowledged
/// gets its `received` event, ledger line and receipt. Packages whose
/// `received` event is already there go first: their receipt names the
/// ledger head of the moment they crashed, before any other line.
fn recover_store(shared: &Shared) -> Result<()> {
    let me = shared.cfg.identity.key_id();
    let mut pending = Vec::new();
    for key in shared.cfg.store.unacknowledged()? {
        let Some(path) = shared.cfg.store.package_path(&key)? else {
            continue;
        };
        let _ = recover(&path);
        let received = Package::open(&path)
            .ok()
            .and_then(|p| p.events().last().map(|e| e.clear.clone()))
            .is_some_and(|c| c.actor == me && matches!(c.body, EventBody::Received { .. }));
        pending.push((!received, key, path));
    }
    pending.sort_by_key(|(later, key, _)| (*later, key.name()));
    for (_, key, path) in pending {
        match finish_delivery(shared, key, &path, None) {
            Ok(_) => {
                bump(&shared.counters.recovered, 1);
                info!(delivery = %key.name(), "recovered: receipt issued");
            }
            Err(e) => warn!(delivery = %key.name(), error = %e, "recovery failed"),
        }
    }
    Ok(())
}
