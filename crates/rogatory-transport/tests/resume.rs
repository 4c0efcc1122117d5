//! Resume: the link is cut at 20 pseudo-random points (fixed seed) by a UDP
//! relay between sender and receiver; each time the sender reconnects, the
//! receiver asks for the bytes after what it stored, and the delivery
//! completes with nothing corrupted and no frame stored twice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::*;
use rand_core::{Rng, SeedableRng};
use rogatory_core::Package;
use rogatory_transport::{Destination, DirStore, NoProgress, Receiver, Retry, Sender, Store};
use rogatory_wire::PartyId;
use tokio::net::UdpSocket;

const CUTS: usize = 20;
const PACKAGE: usize = 32 << 20;

/// A UDP relay that forwards datagrams both ways and, after the client has
/// sent `budget` bytes on the current connection, drops everything in both
/// directions (the link is cut) until the client starts a new connection
/// (a QUIC Initial packet), which gets the next budget. Without budgets
/// left it forwards everything.
struct Relay {
    addr: SocketAddr,
    cuts: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

fn is_initial(datagram: &[u8]) -> bool {
    // Long header (1), fixed bit (1), type Initial (00).
    datagram.first().is_some_and(|b| b & 0xf0 == 0xc0)
}

impl Relay {
    async fn start(upstream: SocketAddr, budgets: Vec<u64>) -> Self {
        let front = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let back = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        back.connect(upstream).await.unwrap();
        let addr = front.local_addr().unwrap();
        let cuts = Arc::new(AtomicU64::new(0));
        let counted = cuts.clone();
        let task = tokio::spawn(async move {
            let mut budgets: VecDeque<u64> = budgets.into();
            let mut left = budgets.pop_front();
            let mut cut = false;
            let mut client: Option<SocketAddr> = None;
            let mut up = vec![0u8; 65_536];
            let mut down = vec![0u8; 65_536];
            loop {
                tokio::select! {
                    r = front.recv_from(&mut up) => {
                        let Ok((n, from)) = r else { return };
                        client = Some(from);
                        let d = &up[..n];
                        if cut {
                            if !is_initial(d) {
                                continue;
                            }
                            cut = false;
                            left = budgets.pop_front();
                        }
                        if let Some(l) = left {
                            if n as u64 > l {
                                cut = true;
                                counted.fetch_add(1, Ordering::Relaxed);
                                continue;
                            }
                            left = Some(l - n as u64);
                        }
                        let _ = back.send(d).await;
                    }
                    r = back.recv(&mut down) => {
                        let Ok(n) = r else { return };
                        if let (false, Some(c)) = (cut, client) {
                            let _ = front.send_to(&down[..n], c).await;
                        }
                    }
                }
            }
        });
        Self { addr, cuts, task }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_cuts_each_resumed_nothing_stored_twice() {
    bounded(110, async {
        let dir = tempfile::tempdir().unwrap();
        let de = identity("de.bka");
        let fr = identity("fr.pnat");
        let de_trust = trust(&[(&de, &[]), (&fr, &["category:content"])]);
        let fr_trust = trust(&[(&de, &[]), (&fr, &[])]);
        for sub in ["de", "fr"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let content = bytes(PACKAGE, 11);
        let pkg = seal(
            &de,
            &de_trust,
            &[&fr],
            &[("disk.img", &content, &["category:content"])],
            &dir.path().join("de/disk.rgt"),
        );

        let mut rcfg = receiver_config(&fr, &fr_trust, &dir.path().join("fr"));
        rcfg.limits.idle_timeout = Duration::from_millis(800);
        rcfg.limits.handshake_timeout = Duration::from_millis(800);
        let receiver = Receiver::start(rcfg, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let upstream = receiver.local_addr().unwrap();
        let stats = receiver.stats();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let running = tokio::spawn(receiver.run(
            async move {
                let _ = stopped.await;
            },
            false,
        ));

        // 20 cuts, each after 0 to 2 MiB of client datagrams on a connection:
        // some during the handshake or the offer, most inside the data.
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0x0052_4f47_4154_4f52);
        let budgets: Vec<u64> = (0..CUTS).map(|_| rng.next_u64() % (2 << 20)).collect();
        let relay = Relay::start(upstream, budgets).await;

        let mut scfg = sender_config(&de, &de_trust, &dir.path().join("de"));
        scfg.limits.idle_timeout = Duration::from_millis(800);
        scfg.limits.handshake_timeout = Duration::from_millis(800);
        scfg.retry = Retry {
            attempts: 60,
            first_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(20),
        };
        let dest = Destination {
            party: PartyId::new("fr.pnat").unwrap(),
            addr: relay.addr,
        };
        let sender = Sender::new(scfg, dest).unwrap();
        let d = sender.deliver(&pkg, &NoProgress).await.unwrap();
        sender.close().await;
        let _ = stop.send(());
        running.await.unwrap().unwrap();
        relay.task.abort();

        let cuts = relay.cuts.load(Ordering::Relaxed);
        assert_eq!(cuts, CUTS as u64, "every cut happened");
        assert!(d.attempts > CUTS as u32 / 2, "attempts {}", d.attempts);

        // Each Accept named what the receiver had stored: never less than
        // the one before.
        assert!(
            d.accept_offsets.windows(2).all(|w| w[0] <= w[1]),
            "{:?}",
            d.accept_offsets
        );
        assert!(
            d.accept_offsets.iter().filter(|&&o| o > 0).count() >= 5,
            "resumed mid-package: {:?}",
            d.accept_offsets
        );

        // Frames: the receiver stored each frame exactly once, so no frame
        // was re-sent beyond what it was missing.
        // (What travelled is fr.pnat's copy, the package with its `sent`.)
        let size = std::fs::metadata(&d.package).unwrap().len();
        let needed = size.div_ceil(1 << 20);
        let s = stats.get();
        assert_eq!(s.data_bytes, size, "every byte stored exactly once");
        assert_eq!(s.data_frames, needed, "every frame stored exactly once");
        // What the sender sent beyond that was lost in flight at the cuts.
        assert!(d.frames_sent >= needed);

        // Nothing corrupted: the stored package verifies and its receipt
        // names the sender's bytes.
        let store = DirStore::open(dir.path().join("fr/store")).unwrap();
        let key = rogatory_transport::DeliveryKey {
            package_id: Package::open(&pkg).unwrap().package_id(),
            bytes_digest: d.report.bytes_digest,
        };
        let at_fr = store.package_path(&key).unwrap().unwrap();
        let mut u = Package::open(&at_fr)
            .unwrap()
            .verify(&fr_trust)
            .unwrap()
            .unlock(&fr, now())
            .unwrap();
        let mut out = Vec::with_capacity(PACKAGE);
        u.open_field(0, &mut out).unwrap();
        assert!(out == content, "the field opens to the sealed bytes");
        eprintln!(
            "cuts {cuts}, attempts {}, frames sent {}, needed {needed}, accepts {:?}",
            d.attempts, d.frames_sent, d.accept_offsets
        );
    })
    .await;
}
