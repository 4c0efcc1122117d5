//! Deliveries over QUIC on 127.0.0.1: end to end, duplicates, limits, the
//! refusals of mutual authentication (THREATS #19), and many senders at
//! once. Every test is bounded in time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use common::*;
use rogatory_core::custody::event_hash;
use rogatory_core::identity::TlsKey;
use rogatory_core::ledger;
use rogatory_core::{Identity, Key32, Package, Signer};
use rogatory_transport::sender::{destination_copy_path, receipt_path};
use rogatory_transport::{
    Destination, DirStore, NoProgress, Receiver, ReceiverConfig, ReceiverStats, Sender, Store,
    TransportError,
};
use rogatory_wire::{
    CustodyEvent, EventBody, LedgerAction, PartyId, RejectReason, Timestamp, decode,
};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

struct Running {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<rogatory_transport::Result<ReceiverStats>>,
}

impl Running {
    async fn start(cfg: ReceiverConfig) -> Self {
        let r = Receiver::start(cfg, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let addr = r.local_addr().unwrap();
        let (stop, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(r.run(
            async move {
                let _ = rx.await;
            },
            false,
        ));
        Self { addr, stop, task }
    }

    fn dest(&self, party: &str) -> Destination {
        Destination {
            party: PartyId::new(party).unwrap(),
            addr: self.addr,
        }
    }

    async fn stop(self) -> ReceiverStats {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap()
    }
}

struct Pair {
    dir: tempfile::TempDir,
    de: Arc<Identity>,
    fr: Arc<Identity>,
    de_trust: Arc<rogatory_core::TrustStore>,
    fr_trust: Arc<rogatory_core::TrustStore>,
}

impl Pair {
    fn new() -> Self {
        let de = identity("de.bka");
        let fr = identity("fr.pnat");
        let de_trust = trust(&[(&de, &[]), (&fr, &["category:content"])]);
        let fr_trust = trust(&[(&de, &[]), (&fr, &[])]);
        let dir = tempfile::tempdir().unwrap();
        for sub in ["de", "fr"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        Self {
            dir,
            de,
            fr,
            de_trust,
            fr_trust,
        }
    }

    fn path(&self, rel: &str) -> std::path::PathBuf {
        self.dir.path().join(rel)
    }

    fn package(&self, name: &str, size: usize) -> std::path::PathBuf {
        let chat = b"2026-01-01 alice: meet at 9\n".to_vec();
        let disk = bytes(size, 7);
        seal(
            &self.de,
            &self.de_trust,
            &[&self.fr],
            &[
                ("chat.txt", &chat, &["category:content"]),
                ("disk.img", &disk, &["category:content"]),
            ],
            &self.path(&format!("de/{name}")),
        )
    }

    fn receiver(&self) -> ReceiverConfig {
        receiver_config(&self.fr, &self.fr_trust, &self.path("fr"))
    }

    fn sender(&self) -> rogatory_transport::SenderConfig {
        sender_config(&self.de, &self.de_trust, &self.path("de"))
    }
}

fn events(path: &Path) -> Vec<CustodyEvent> {
    Package::open(path).unwrap().events().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivers_end_to_end_with_a_verified_receipt() {
    bounded(60, async {
        let w = Pair::new();
        let original = w.package("evidence.rgt", 3 << 20);
        let sealed = std::fs::read(&original).unwrap();
        let rx = Running::start(w.receiver()).await;
        let sender = Sender::new(w.sender(), rx.dest("fr.pnat")).unwrap();
        let d = sender.deliver(&original, &NoProgress).await.unwrap();
        sender.close().await;

        // The original stays as sealed; the destination's copy carries the
        // one `sent` event, the receipt lies beside the copy, a ledger line.
        assert_eq!(std::fs::read(&original).unwrap(), sealed);
        let pkg = destination_copy_path(&original, &PartyId::new("fr.pnat").unwrap());
        assert_eq!(pkg, w.path("de/evidence.to-fr.pnat.rgt"));
        assert_eq!(d.package, pkg);
        assert_eq!(d.receipt_path, receipt_path(&pkg));
        let evs = events(&pkg);
        assert_eq!(evs.len(), 2);
        assert!(
            matches!(evs[1].clear.body, EventBody::Sent { receiver } if receiver == w.fr.key_id())
        );
        assert_eq!(d.sent_event, event_hash(&evs[1]).unwrap());
        assert!(!d.already_delivered);
        assert_eq!(d.accept_offsets, vec![0]);
        let size = std::fs::metadata(&pkg).unwrap().len();
        assert_eq!(d.bytes_sent, size);
        assert_eq!(d.frames_sent, size.div_ceil(1 << 20));
        assert_eq!(d.report.receiver.as_str(), "fr.pnat");
        let stored: CustodyEvent = decode(&std::fs::read(receipt_path(&pkg)).unwrap()).unwrap();
        assert_eq!(stored, d.receipt);
        let de_ledger = ledger::entries(&w.path("de/ledger")).unwrap();
        assert!(de_ledger.iter().any(|e| e.line.action == LedgerAction::Sent
            && e.line.event.map(|r| r.hash) == Some(d.sent_event)
            && e.line.partner.as_ref().map(|p| p.as_str()) == Some("fr.pnat")));

        // The receiver: the package in place, its `received` event last, the
        // receipt stored, a ledger line naming it.
        let stats = rx.stop().await;
        assert_eq!(stats.receipts, 1);
        assert_eq!(stats.data_bytes, size);
        let store = DirStore::open(w.path("fr/store")).unwrap();
        assert!(store.unacknowledged().unwrap().is_empty());
        let key = rogatory_transport::DeliveryKey {
            package_id: Package::open(&pkg).unwrap().package_id(),
            bytes_digest: d.report.bytes_digest,
        };
        let at_fr = store.package_path(&key).unwrap().unwrap();
        let fr_events = events(&at_fr);
        assert_eq!(fr_events.len(), 3);
        assert_eq!(fr_events[2], d.receipt);
        assert_eq!(store.receipt(&key).unwrap().unwrap(), d.receipt);
        let fr_ledger = ledger::entries(&w.path("fr/ledger")).unwrap();
        let line = &fr_ledger.last().unwrap().line;
        assert_eq!(line.action, LedgerAction::Received);
        assert_eq!(
            line.event.map(|r| r.hash),
            Some(event_hash(&d.receipt).unwrap())
        );
        assert_eq!(line.partner.as_ref().unwrap().as_str(), "de.bka");
        assert!(line.legal_basis.is_some());
        ledger::verify(&w.path("fr/ledger")).unwrap();
        match d.receipt.clear.body {
            EventBody::Received { ledger_head, .. } => assert_eq!(ledger_head, line.prev),
            _ => panic!("not a receipt"),
        }
        // The receiver reads what it is cleared for.
        let mut u = Package::open(&at_fr)
            .unwrap()
            .verify(&w.fr_trust)
            .unwrap()
            .unlock(&w.fr, now())
            .unwrap();
        let mut out = Vec::new();
        u.open_field(1, &mut out).unwrap();
        assert_eq!(out, bytes(3 << 20, 7));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_delivery_gets_the_first_receipt() {
    bounded(60, async {
        let w = Pair::new();
        let original = w.package("dup.rgt", 100_000);
        let rx = Running::start(w.receiver()).await;
        let sender = Sender::new(w.sender(), rx.dest("fr.pnat")).unwrap();
        let first = sender.deliver(&original, &NoProgress).await.unwrap();
        let pkg = first.package.clone();
        assert_ne!(pkg, original);
        // Without the stored receipt the sender asks again: same `sent`
        // event, same bytes, so the receiver answers with its first receipt.
        std::fs::remove_file(receipt_path(&pkg)).unwrap();
        let second = sender.deliver(&original, &NoProgress).await.unwrap();
        assert!(second.already_delivered);
        assert_eq!(second.package, pkg, "the copy of the first run is reused");
        assert_eq!(second.receipt, first.receipt);
        assert_eq!(second.frames_sent, 0);
        assert_eq!(events(&pkg).len(), 2, "the `sent` event is appended once");
        // With the stored receipt it is done without asking, given the
        // original or the copy.
        let third = sender.deliver(&original, &NoProgress).await.unwrap();
        assert!(third.already_delivered);
        assert_eq!(third.attempts, 0);
        let fourth = sender.deliver(&pkg, &NoProgress).await.unwrap();
        assert_eq!((fourth.attempts, &fourth.package), (0, &pkg));
        assert_eq!(events(&original).len(), 1, "the original stays as sealed");
        sender.close().await;
        let stats = rx.stop().await;
        assert_eq!(stats.receipts, 1);
        assert_eq!(stats.already_have, 1);
        let lines = ledger::entries(&w.path("de/ledger")).unwrap();
        assert_eq!(
            lines
                .iter()
                .filter(|e| e.line.action == LedgerAction::Sent)
                .count(),
            1
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_offer_is_rejected_before_any_data() {
    bounded(60, async {
        let w = Pair::new();
        let pkg = w.package("big.rgt", 200_000);
        let mut cfg = w.receiver();
        cfg.limits.max_package_size = 100_000;
        let rx = Running::start(cfg).await;
        let sender = Sender::new(w.sender(), rx.dest("fr.pnat")).unwrap();
        let err = sender.deliver(&pkg, &NoProgress).await.unwrap_err();
        assert!(
            matches!(
                err,
                TransportError::Rejected {
                    reason: RejectReason::TooLarge,
                    ..
                }
            ),
            "{err}"
        );
        sender.close().await;
        let stats = rx.stop().await;
        assert_eq!(stats.data_frames, 0);
        assert_eq!(stats.rejected, 1);
        let partials = std::fs::read_dir(w.path("fr/store/partial"))
            .unwrap()
            .count();
        assert_eq!(partials, 0, "no partial file for a refused offer");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_client_is_refused_at_the_handshake() {
    bounded(60, async {
        let w = Pair::new();
        let pkg = w.package("e.rgt", 10_000);
        let mut cfg = w.receiver();
        cfg.trust = trust(&[(&w.fr, &[])]); // fr.pnat does not know de.bka
        let rx = Running::start(cfg).await;
        let sender = Sender::new(w.sender(), rx.dest("fr.pnat")).unwrap();
        let err = sender.deliver(&pkg, &NoProgress).await.unwrap_err();
        assert!(matches!(err, TransportError::Handshake(_)), "{err}");
        assert!(!err.is_retryable());
        let stats = rx.stop().await;
        assert!(stats.handshakes_refused >= 1);
        assert_eq!(stats.data_frames, 0);
    })
    .await;
}

/// Spec §3.7: a receiver refuses, at the handshake, a party whose key its
/// trust store holds revoked, whatever it brings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_key_is_refused_at_the_handshake() {
    use rogatory_core::lifecycle::sign_revocation;
    bounded(60, async {
        let w = Pair::new();
        let pkg = w.package("r.rgt", 10_000);
        let mut trust = (*w.fr_trust).clone();
        let r = sign_revocation(
            w.de.as_ref(),
            w.de.card(),
            now(),
            now(),
            rogatory_wire::ShortText::new("key lost").unwrap(),
        )
        .unwrap();
        trust.revoke(r).unwrap();
        let mut cfg = w.receiver();
        cfg.trust = Arc::new(trust);
        let rx = Running::start(cfg).await;
        let sender = Sender::new(w.sender(), rx.dest("fr.pnat")).unwrap();
        let err = sender.deliver(&pkg, &NoProgress).await.unwrap_err();
        assert!(matches!(err, TransportError::Handshake(_)), "{err}");
        let stats = rx.stop().await;
        assert!(stats.handshakes_refused >= 1);
        assert_eq!((stats.data_frames, stats.receipts), (0, 0));
    })
    .await;
}

/// THREATS #19: a client presenting a certificate that is not the one its
/// card pins is refused, even though the card itself is trusted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_certificate_that_does_not_match_its_pin_is_refused() {
    bounded(60, async {
        let w = Pair::new();
        let t = now().0;
        let party = PartyId::new("de.bka").unwrap();
        let (nb, na) = (Timestamp(t - DAY), Timestamp(t + 365 * DAY));
        let real_tls = TlsKey::generate(&party, nb, na).unwrap();
        let pin = real_tls.spki_sha256;
        let seed = Key32::from_bytes([41; 32]);
        let agree = Key32::from_bytes([42; 32]);
        let real = Arc::new(
            Identity::from_secrets(party.clone(), &seed, &agree, pin, Some(real_tls), nb, na)
                .unwrap(),
        );
        // Same card (same keys and pin), another TLS key.
        let other_tls = TlsKey::generate(&party, nb, na).unwrap();
        let impostor = Arc::new(
            Identity::from_secrets(party, &seed, &agree, pin, Some(other_tls), nb, na).unwrap(),
        );
        assert_eq!(impostor.card(), real.card());
        let de_trust = trust(&[(&real, &[]), (&w.fr, &["category:content"])]);
        let fr_trust = trust(&[(&real, &[]), (&w.fr, &[])]);
        let pkg = seal(
            &real,
            &de_trust,
            &[&w.fr],
            &[("chat.txt", b"hello\n", &["category:content"])],
            &w.path("de/p.rgt"),
        );
        let rx = Running::start(receiver_config(&w.fr, &fr_trust, &w.path("fr"))).await;
        let sender = Sender::new(
            sender_config(&impostor, &de_trust, &w.path("de")),
            rx.dest("fr.pnat"),
        )
        .unwrap();
        let err = sender.deliver(&pkg, &NoProgress).await.unwrap_err();
        assert!(matches!(err, TransportError::Handshake(_)), "{err}");
        // The real certificate goes through.
        let sender = Sender::new(
            sender_config(&real, &de_trust, &w.path("de")),
            rx.dest("fr.pnat"),
        )
        .unwrap();
        sender.deliver(&pkg, &NoProgress).await.unwrap();
        sender.close().await;
        let stats = rx.stop().await;
        assert!(stats.handshakes_refused >= 1);
        assert_eq!(stats.receipts, 1);
    })
    .await;
}

/// THREATS #19: a trusted party answering in place of the receiver the
/// sender means to reach is refused by the sender.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_impersonated_by_another_trusted_party_is_refused() {
    bounded(60, async {
        let w = Pair::new();
        let nl = identity("nl.om");
        let de_trust = trust(&[(&w.de, &[]), (&w.fr, &["category:content"]), (&nl, &[])]);
        let nl_trust = trust(&[(&w.de, &[]), (&nl, &[])]);
        let pkg = seal(
            &w.de,
            &de_trust,
            &[&w.fr, &nl],
            &[("chat.txt", b"hello\n", &["category:content"])],
            &w.path("de/p.rgt"),
        );
        std::fs::create_dir_all(w.path("nl")).unwrap();
        let rx = Running::start(receiver_config(&nl, &nl_trust, &w.path("nl"))).await;
        let sender = Sender::new(
            sender_config(&w.de, &de_trust, &w.path("de")),
            rx.dest("fr.pnat"), // nl.om listens there
        )
        .unwrap();
        let err = sender.deliver(&pkg, &NoProgress).await.unwrap_err();
        assert!(matches!(err, TransportError::Handshake(_)), "{err}");
        let stats = rx.stop().await;
        assert_eq!(stats.data_frames, 0);
        assert_eq!(stats.receipts, 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_senders_deliver_four_packages_each_at_once() {
    bounded(120, async {
        let dir = tempfile::tempdir().unwrap();
        let fr = identity("fr.pnat");
        let senders: Vec<Arc<Identity>> =
            (0..8).map(|i| identity(&format!("s{i}.police"))).collect();
        let mut cards: Vec<(&Identity, &[&str])> = vec![(&fr, &[])];
        cards.extend(senders.iter().map(|s| (s.as_ref(), &[][..])));
        let fr_trust = trust(&cards);
        std::fs::create_dir_all(dir.path().join("fr")).unwrap();
        let rx = Running::start(receiver_config(&fr, &fr_trust, &dir.path().join("fr"))).await;
        let mut jobs = Vec::new();
        for (i, s) in senders.iter().enumerate() {
            let sdir = dir.path().join(format!("s{i}"));
            std::fs::create_dir_all(&sdir).unwrap();
            let strust = trust(&[(s, &[]), (&fr, &["category:content"])]);
            let pkgs: Vec<_> = (0..4)
                .map(|k| {
                    let content = bytes(300_000 + 250_000 * k, (i * 4 + k) as u32);
                    seal(
                        s,
                        &strust,
                        &[&fr],
                        &[("disk.img", &content, &["category:content"])],
                        &sdir.join(format!("p{k}.rgt")),
                    )
                })
                .collect();
            let sender = Sender::new(sender_config(s, &strust, &sdir), rx.dest("fr.pnat")).unwrap();
            jobs.push(tokio::spawn(async move {
                let results = sender.deliver_all(&pkgs, 4, Arc::new(NoProgress)).await;
                sender.close().await;
                results
            }));
        }
        for job in jobs {
            for r in job.await.unwrap() {
                let d = r.unwrap();
                assert!(!d.already_delivered);
            }
        }
        let stats = rx.stop().await;
        assert_eq!(stats.receipts, 32);
        ledger::verify(&dir.path().join("fr/ledger")).unwrap();
        assert_eq!(
            ledger::entries(&dir.path().join("fr/ledger"))
                .unwrap()
                .len(),
            32
        );
    })
    .await;
}

/// A raw session on a fresh connection as `id`, for the abuse cases.
async fn raw_session(
    id: &Identity,
    trust: &rogatory_core::TrustStore,
    to: &Identity,
    addr: SocketAddr,
) -> (
    quinn::Endpoint,
    quinn::SendStream,
    rogatory_transport::frame::FrameReader,
) {
    use rogatory_transport::{config, tls};
    let entry = trust.require(&to.key_id()).unwrap();
    let client =
        config::quic_client_config(tls::client_config(id, entry).unwrap(), &limits()).unwrap();
    let endpoint = config::endpoint("127.0.0.1:0".parse().unwrap(), None).unwrap();
    let conn = endpoint
        .connect_with(client, addr, "rogatory.invalid")
        .unwrap()
        .await
        .unwrap();
    let (send, recv) = conn.open_bi().await.unwrap();
    (
        endpoint,
        send,
        rogatory_transport::frame::FrameReader::new(recv),
    )
}

fn offer_of(pkg: &Path) -> rogatory_wire::Frame {
    rogatory_wire::Frame::Offer(rogatory_wire::Offer {
        package_id: Package::open(pkg).unwrap().package_id(),
        bytes_digest: rogatory_core::actions::bytes_digest(pkg).unwrap(),
        size: std::fs::metadata(pkg).unwrap().len(),
    })
}

async fn expect_reject(reader: &mut rogatory_transport::frame::FrameReader, want: RejectReason) {
    match reader.next().await {
        Ok(Some(rogatory_wire::Frame::Reject { reason, .. })) => assert_eq!(reason, want),
        other => panic!("expected a rejection {want:?}, got {other:?}"),
    }
}

/// A sender that stalls after its offer and one frame is cut off after the
/// idle limit; one that sends a frame at the wrong offset, or announces a
/// frame above FRAME_MAX, is refused as malformed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_and_malformed_senders_are_cut_off() {
    use rogatory_transport::frame::write_frame;
    use rogatory_wire::{Bytes, Frame};
    use std::time::{Duration, Instant};
    bounded(60, async {
        let w = Pair::new();
        let pkg = w.package("p.rgt", 3 << 20);
        // The `sent` event the raw sessions offer.
        rogatory_core::actions::append_event(
            &pkg,
            &w.de,
            &w.de_trust,
            now(),
            EventBody::Sent {
                receiver: w.fr.key_id(),
            },
            rogatory_core::actions::Details::default(),
            &mut rogatory_core::system_rng(),
        )
        .unwrap();
        let mut cfg = w.receiver();
        cfg.limits.idle_timeout = Duration::from_millis(700);
        let rx = Running::start(cfg).await;

        // Stalls after one data frame.
        let (_e, mut send, mut reader) = raw_session(&w.de, &w.de_trust, &w.fr, rx.addr).await;
        write_frame(&mut send, &offer_of(&pkg)).await.unwrap();
        assert!(matches!(
            reader.next().await.unwrap(),
            Some(Frame::Accept { offset: 0 })
        ));
        let data = Frame::Data {
            offset: 0,
            payload: Bytes::new(std::fs::read(&pkg).unwrap()[..1000].to_vec()).unwrap(),
        };
        write_frame(&mut send, &data).await.unwrap();
        let t = Instant::now();
        expect_reject(&mut reader, RejectReason::Timeout).await;
        assert!(t.elapsed() < Duration::from_secs(5));

        // Resumes at what was stored, then sends a frame at the wrong offset.
        let (_e, mut send, mut reader) = raw_session(&w.de, &w.de_trust, &w.fr, rx.addr).await;
        write_frame(&mut send, &offer_of(&pkg)).await.unwrap();
        assert!(matches!(
            reader.next().await.unwrap(),
            Some(Frame::Accept { offset: 1000 })
        ));
        let wrong = Frame::Data {
            offset: 5,
            payload: Bytes::new(vec![0; 10]).unwrap(),
        };
        write_frame(&mut send, &wrong).await.unwrap();
        expect_reject(&mut reader, RejectReason::Malformed).await;

        // Announces a frame above FRAME_MAX.
        let (_e, mut send, mut reader) = raw_session(&w.de, &w.de_trust, &w.fr, rx.addr).await;
        write_frame(&mut send, &offer_of(&pkg)).await.unwrap();
        assert!(matches!(
            reader.next().await.unwrap(),
            Some(Frame::Accept { .. })
        ));
        send.write_all(&u32::MAX.to_le_bytes()).await.unwrap();
        expect_reject(&mut reader, RejectReason::Malformed).await;

        let stats = rx.stop().await;
        assert_eq!(stats.rejected, 3);
        assert_eq!(stats.receipts, 0);
    })
    .await;
}

/// Offers `pkg` on a raw session and sends all of it; returns the answer.
async fn raw_deliver(
    id: &Identity,
    trust: &rogatory_core::TrustStore,
    to: &Identity,
    addr: SocketAddr,
    pkg: &Path,
) -> rogatory_wire::Frame {
    use rogatory_transport::frame::write_frame;
    use rogatory_wire::{Bytes, Frame};
    let (_e, mut send, mut reader) = raw_session(id, trust, to, addr).await;
    write_frame(&mut send, &offer_of(pkg)).await.unwrap();
    let Some(Frame::Accept { offset }) = reader.next().await.unwrap() else {
        panic!("not accepted");
    };
    let bytes = std::fs::read(pkg).unwrap();
    let mut pos = offset as usize;
    for chunk in bytes[pos..].chunks(1 << 20) {
        let f = Frame::Data {
            offset: pos as u64,
            payload: Bytes::new(chunk.to_vec()).unwrap(),
        };
        write_frame(&mut send, &f).await.unwrap();
        pos += chunk.len();
    }
    send.finish().unwrap();
    reader.next().await.unwrap().unwrap()
}

/// THREATS #11 and #19: the receiver takes custody only when the package's
/// last event is a send to it signed by the connected party: not a package
/// sent to someone else, and not another party's send relayed by a trusted
/// peer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_event_must_be_a_send_to_this_receiver_by_the_peer() {
    use rogatory_core::actions::{Details, append_event};
    bounded(60, async {
        let w = Pair::new();
        let nl = identity("nl.om");
        let de_trust = trust(&[(&w.de, &[]), (&w.fr, &["category:content"]), (&nl, &[])]);
        let fr_trust = trust(&[(&w.de, &[]), (&w.fr, &[]), (&nl, &[])]);
        let nl_trust = trust(&[(&w.de, &[]), (&w.fr, &[]), (&nl, &[])]);
        let rx = Running::start(receiver_config(&w.fr, &fr_trust, &w.path("fr"))).await;
        let sent_to = |name: &str, receiver: &Identity| {
            let pkg = seal(
                &w.de,
                &de_trust,
                &[&w.fr, &nl],
                &[("chat.txt", b"hello\n", &["category:content"])],
                &w.path(&format!("de/{name}")),
            );
            append_event(
                &pkg,
                &w.de,
                &de_trust,
                now(),
                EventBody::Sent {
                    receiver: receiver.key_id(),
                },
                Details::default(),
                &mut rogatory_core::system_rng(),
            )
            .unwrap();
            pkg
        };
        let reject = |f: rogatory_wire::Frame| match f {
            rogatory_wire::Frame::Reject { reason, .. } => reason,
            other => panic!("expected a rejection, got {other:?}"),
        };

        // de.bka's package sent to nl.om, offered by de.bka to fr.pnat.
        let to_nl = sent_to("to-nl.rgt", &nl);
        let answer = raw_deliver(&w.de, &de_trust, &w.fr, rx.addr, &to_nl).await;
        assert_eq!(reject(answer), RejectReason::NotForYou);

        // de.bka's send to fr.pnat, relayed by nl.om (trusted, but not its actor).
        let to_fr = sent_to("to-fr.rgt", &w.fr);
        let answer = raw_deliver(&nl, &nl_trust, &w.fr, rx.addr, &to_fr).await;
        assert_eq!(reject(answer), RejectReason::NotForYou);

        // The same bytes from de.bka itself are received.
        let answer = raw_deliver(&w.de, &de_trust, &w.fr, rx.addr, &to_fr).await;
        assert!(matches!(answer, rogatory_wire::Frame::Receipt { .. }));

        // And a duplicate offered by nl.om is not answered with the receipt.
        let (_e, mut send, mut reader) = raw_session(&nl, &nl_trust, &w.fr, rx.addr).await;
        rogatory_transport::frame::write_frame(&mut send, &offer_of(&to_fr))
            .await
            .unwrap();
        assert_eq!(
            reject(reader.next().await.unwrap().unwrap()),
            RejectReason::NotForYou
        );
        let stats = rx.stop().await;
        assert_eq!(stats.receipts, 1);
        assert!(
            std::fs::read_dir(w.path("fr/store/partial"))
                .unwrap()
                .next()
                .is_none(),
            "refused bytes are not kept"
        );
    })
    .await;
}

/// Restart recovery: a package renamed into place without its `received`
/// event, and one with the event but without ledger line and receipt (a
/// crash inside step 7), are both finished before the receiver serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_recovery_finishes_committed_deliveries() {
    use rogatory_core::actions::{Details, append_event, bytes_digest, receive};
    bounded(60, async {
        let w = Pair::new();
        let store = DirStore::open(w.path("fr/store")).unwrap();
        let mut committed = Vec::new();
        for name in ["a.rgt", "b.rgt"] {
            let pkg = w.package(name, 5000);
            append_event(
                &pkg,
                &w.de,
                &w.de_trust,
                now(),
                EventBody::Sent {
                    receiver: w.fr.key_id(),
                },
                Details::default(),
                &mut rogatory_core::system_rng(),
            )
            .unwrap();
            let key = rogatory_transport::DeliveryKey {
                package_id: Package::open(&pkg).unwrap().package_id(),
                bytes_digest: bytes_digest(&pkg).unwrap(),
            };
            let at = store.package_file(&key);
            std::fs::copy(&pkg, &at).unwrap();
            committed.push((key, at));
        }
        // b: crashed after its `received` event, before the ledger line.
        let (b_key, b_path) = committed[1].clone();
        let b_receipt = receive(
            &b_path,
            &w.fr,
            &w.fr_trust,
            now(),
            b_key.bytes_digest,
            rogatory_wire::Digest::ZERO,
            Some(PartyId::new("de.bka").unwrap()),
            &mut rogatory_core::system_rng(),
        )
        .unwrap();
        assert_eq!(store.unacknowledged().unwrap().len(), 2);

        let rx = Running::start(w.receiver()).await;
        let stats = rx.stop().await;
        assert_eq!(stats.recovered, 2);
        assert!(store.unacknowledged().unwrap().is_empty());
        assert_eq!(store.receipt(&b_key).unwrap().unwrap(), b_receipt);
        let lines = ledger::entries(&w.path("fr/ledger")).unwrap();
        assert_eq!(lines.len(), 2);
        ledger::verify(&w.path("fr/ledger")).unwrap();
        // Each receipt names the head its own ledger line follows.
        for (key, path) in &committed {
            let receipt = store.receipt(key).unwrap().unwrap();
            assert_eq!(events(path).last().unwrap(), &receipt);
            let hash = event_hash(&receipt).unwrap();
            let line = lines
                .iter()
                .find(|l| l.line.event.map(|r| r.hash) == Some(hash))
                .unwrap();
            match receipt.clear.body {
                EventBody::Received { ledger_head, .. } => assert_eq!(ledger_head, line.line.prev),
                _ => panic!("not a receipt"),
            }
        }
    })
    .await;
}

/// The insider's attack of THREATS #4, as a recipient with valid keys and a
/// tool of its own would make it: fr.pnat redacts legitimately, re-wraps its
/// own stanza to es.an (trusted by everyone, named nowhere; the consent is
/// `none`), re-signs its `redacted` event with a record that still claims
/// the stanza for itself, and sends the copy to es.an. es.an's receiver
/// refuses it as not entitled and issues no receipt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stanza_rewrapped_to_a_third_party_gets_no_receipt() {
    use rogatory_core::container::Parts;
    use rogatory_core::custody::{ChainHead, sign_event};
    use rogatory_core::seal::envelope_record;
    use rogatory_core::wrap::{KeyBundle, wrap};
    use rogatory_redact::{HeldPackage, Policy, Request, parse_ranges};
    use rogatory_wire::{EventDetails, Text};
    bounded(60, async {
        let w = Pair::new();
        let es = identity("es.an");
        let fr_trust = trust(&[
            (&w.de, &[]),
            (&w.fr, &["category:content"]),
            (&es, &["category:content"]),
        ]);
        let es_trust = trust(&[(&w.de, &[]), (&w.fr, &[]), (&es, &[])]);
        std::fs::create_dir_all(w.path("es")).unwrap();
        let rx = Running::start(receiver_config(&es, &es_trust, &w.path("es"))).await;
        let de_trust = trust(&[(&w.de, &[]), (&w.fr, &["category:content"]), (&es, &[])]);
        let pkg = seal(
            &w.de,
            &de_trust,
            &[&w.fr],
            &[("disk.img", &bytes((2 << 20) + 5, 3), &["category:content"])],
            &w.path("de/p.rgt"),
        );

        // A legitimate redaction: the first MiB of disk.img goes.
        let mut held = HeldPackage::open(&pkg, &w.fr, &fr_trust, now()).unwrap();
        let plan = held
            .plan(&Request {
                drop_fields: vec![],
                drop_segments: vec![("disk.img".into(), parse_ranges("0").unwrap())],
                policy: Policy::new(),
            })
            .unwrap();
        let red = held
            .redact(
                &plan,
                &Text::new("third party").unwrap(),
                &Text::new("Art. 12 MLA treaty").unwrap(),
                Vec::new(),
                &mut rogatory_core::system_rng(),
            )
            .unwrap()
            .writer;
        let u = Package::parse(std::io::Cursor::new(red.clone()))
            .unwrap()
            .verify(&fr_trust)
            .unwrap()
            .unlock(&w.fr, now())
            .unwrap();
        let (meta, digest) = (u.bundle().metadata_key.duplicate(), u.package().digest());
        let keys = KeyBundle {
            metadata_key: meta.duplicate(),
            field_keys: u
                .bundle()
                .field_keys
                .iter()
                .map(|k| k.as_ref().map(Key32::duplicate))
                .collect(),
        };

        // The re-wrap: es.an's stanza, claimed for fr.pnat.
        let mut p = Parts::read(std::io::Cursor::new(red)).unwrap();
        let id = p.prelude.package_id;
        let mut rng = rogatory_core::system_rng();
        p.trailer.stanzas = vec![
            wrap(
                &keys,
                &es.card().body.agreement_key,
                es.card().body.hybrid_key.as_ref(),
                &es.key_id(),
                &id,
                &mut rng,
            )
            .unwrap(),
        ];
        let EventBody::Redacted { removed, .. } = p.events[1].clear.body.clone() else {
            panic!("event 1 is the redaction")
        };
        let envelope = envelope_record(
            p.trailer.fields.clone(),
            &p.trailer.stanzas,
            &[w.fr.key_id()],
            &meta,
            &id,
            &mut rng,
        )
        .unwrap();
        let details = |counterpart: Option<PartyId>| EventDetails {
            actor: w.fr.party().clone(),
            counterpart,
            reason: Text::new("").unwrap(),
            legal_basis: Text::new("").unwrap(),
            text: Text::new("").unwrap(),
        };
        let redacted = sign_event(
            w.fr.as_ref(),
            &meta,
            &id,
            digest,
            Some(ChainHead::of(&p.events[0]).unwrap()),
            now(),
            EventBody::Redacted { removed, envelope },
            &details(None),
            &mut rng,
        )
        .unwrap();
        let sent = sign_event(
            w.fr.as_ref(),
            &meta,
            &id,
            digest,
            Some(ChainHead::of(&redacted).unwrap()),
            now(),
            EventBody::Sent {
                receiver: es.key_id(),
            },
            &details(Some(es.party().clone())),
            &mut rng,
        )
        .unwrap();
        p.events = vec![p.events[0].clone(), redacted, sent];
        let bad = w.path("fr/to-es.rgt");
        std::fs::write(&bad, p.assemble().unwrap()).unwrap();

        // Without a key it verifies: the attack is an insider's.
        Package::open(&bad).unwrap().verify(&es_trust).unwrap();
        // es.an's receiver refuses it, naming the rule.
        match raw_deliver(&w.fr, &fr_trust, &es, rx.addr, &bad).await {
            rogatory_wire::Frame::Reject { reason, detail } => {
                assert_eq!(reason, RejectReason::NotEntitled);
                assert!(detail.as_str().contains("onward_consent"), "{detail:?}");
            }
            other => panic!("expected a rejection, got {other:?}"),
        }
        let stats = rx.stop().await;
        assert_eq!(
            stats.receipts, 0,
            "no receipt for a package outside consent"
        );
        assert!(
            std::fs::read_dir(w.path("es/store/packages"))
                .map(|mut d| d.next().is_none())
                .unwrap_or(true),
            "nothing stored"
        );
    })
    .await;
}

/// DESIGN: each destination gets its own copy with its own `sent` event and
/// the sealed original stays as sealed, so one package sent to two
/// receivers gives two copies whose chains diverge after `sealed`, and the
/// exhibit's hash does not move. A copy that no longer matches its original
/// is refused, never overwritten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_destination_gets_its_own_copy_and_the_original_stays_as_sealed() {
    use rogatory_core::actions::{Details, append_event};
    bounded(90, async {
        let w = Pair::new();
        let nl = identity("nl.om");
        let de_trust = trust(&[
            (&w.de, &[]),
            (&w.fr, &["category:content"]),
            (&nl, &["category:content"]),
        ]);
        let peer_trust = trust(&[(&w.de, &[]), (&w.fr, &[]), (&nl, &[])]);
        let original = seal(
            &w.de,
            &de_trust,
            &[&w.fr, &nl],
            &[("chat.txt", b"hello\n", &["category:content"])],
            &w.path("de/exhibit.rgt"),
        );
        let sealed = std::fs::read(&original).unwrap();
        let fr_rx = Running::start(receiver_config(&w.fr, &peer_trust, &w.path("fr"))).await;
        let nl_rx = Running::start(receiver_config(&nl, &peer_trust, &w.path("nl"))).await;
        let cfg = || sender_config(&w.de, &de_trust, &w.path("de"));

        let to_fr = Sender::new(cfg(), fr_rx.dest("fr.pnat")).unwrap();
        let d_fr = to_fr.deliver(&original, &NoProgress).await.unwrap();
        to_fr.close().await;
        let to_nl = Sender::new(cfg(), nl_rx.dest("nl.om")).unwrap();
        let d_nl = to_nl.deliver(&original, &NoProgress).await.unwrap();

        assert_eq!(std::fs::read(&original).unwrap(), sealed);
        assert_eq!(d_fr.package, w.path("de/exhibit.to-fr.pnat.rgt"));
        assert_eq!(d_nl.package, w.path("de/exhibit.to-nl.om.rgt"));
        for (d, who) in [(&d_fr, &w.fr), (&d_nl, &nl)] {
            let evs = events(&d.package);
            assert_eq!(evs.len(), 2, "sealed and one `sent`");
            assert!(
                matches!(evs[1].clear.body, EventBody::Sent { receiver } if receiver == who.key_id())
            );
            assert!(d.receipt_path.is_file());
        }
        assert_eq!(fr_rx.stop().await.receipts, 1);

        // The original gains a note after the copy to nl.om was made: that
        // copy is stale, refused with its name, and left as it was.
        let nl_copy = std::fs::read(&d_nl.package).unwrap();
        append_event(
            &original,
            &w.de,
            &de_trust,
            now(),
            EventBody::Note,
            Details::default(),
            &mut rogatory_core::system_rng(),
        )
        .unwrap();
        let e = to_nl.deliver(&original, &NoProgress).await.unwrap_err();
        assert!(
            matches!(&e, rogatory_transport::TransportError::StaleCopy { copy, .. } if *copy == d_nl.package),
            "{e}"
        );
        assert!(e.to_string().contains("move it away"), "{e}");
        assert_eq!(std::fs::read(&d_nl.package).unwrap(), nl_copy);
        to_nl.close().await;
        assert_eq!(nl_rx.stop().await.receipts, 1);
    })
    .await;
}
