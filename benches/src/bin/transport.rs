//! Transport figures (benches/README.md, "Transport"), on 127.0.0.1 with the
//! files in a RAM file system:
//!
//! ```text
//! transport [--mib N] [--rounds R] [--dir DIR]   the comparison (default 1024 MiB, 5 rounds)
//! transport setup --mib N --dir DIR              keys, trust stores and a package, for the
//!                                                binaries (benches/transport_rss.sh)
//! ```
//!
//! Each round measures, alternately, (a) a bare QUIC stream carrying the
//! package file into a file, with the TLS, transport settings, windows and
//! socket buffers of a delivery (`rogatory_transport::baseline`), and (b) a
//! delivery of the same package to a fresh receiver store: its transfer
//! phase (from the `Accept` to the last byte stored by the receiver) and the
//! whole delivery (from the offer to the verified receipt). Receiver and
//! sender run on runtimes of their own, as two processes would. Medians are
//! printed.
#![forbid(unsafe_code)]
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rogatory_core::actions::{Details, append_event};
use rogatory_core::fsutil::write_atomic;
use rogatory_core::seal::{FieldSpec, PackageInfo, Recipient, Sealer};
use rogatory_core::{Identity, Signer, TrustStore, system_rng};
use rogatory_transport::baseline::{BareReceiver, bare_send};
use rogatory_transport::blocking::{self, BackgroundReceiver};
use rogatory_transport::{
    Destination, DirStore, Limits, Progress, ReceiverConfig, SenderConfig, now,
};
use rogatory_wire::{
    CategorySet, EventBody, FieldKind, FieldName, MediaType, OnwardConsent, PartyId, Priority, Tag,
    TagSet, Text, Timestamp, encode,
};

const DAY: u64 = 86_400;

struct Opts {
    setup_only: bool,
    mib: u64,
    rounds: usize,
    dir: PathBuf,
}

fn opts() -> Opts {
    let mut o = Opts {
        setup_only: false,
        mib: 1024,
        rounds: 5,
        dir: PathBuf::from("/dev/shm/rogatory-bench"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "setup" => o.setup_only = true,
            "--mib" => o.mib = args.next().and_then(|v| v.parse().ok()).expect("--mib N"),
            "--rounds" => {
                o.rounds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--rounds R")
            }
            "--dir" => o.dir = PathBuf::from(args.next().expect("--dir DIR")),
            other => panic!("unknown argument {other:?}"),
        }
    }
    o
}

/// Incompressible bytes, streamed.
struct Gen {
    left: u64,
    x: u64,
}

impl Read for Gen {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        for chunk in buf[..n].chunks_mut(8) {
            self.x ^= self.x << 13;
            self.x ^= self.x >> 7;
            self.x ^= self.x << 17;
            chunk.copy_from_slice(&self.x.to_le_bytes()[..chunk.len()]);
        }
        self.left -= n as u64;
        Ok(n)
    }
}

struct World {
    de: Arc<Identity>,
    fr: Arc<Identity>,
    de_trust: Arc<TrustStore>,
    fr_trust: Arc<TrustStore>,
    package: PathBuf,
}

fn party(dir: &Path, name: &str) -> Arc<Identity> {
    let t = now().0;
    let id = Identity::generate(
        PartyId::new(name).unwrap(),
        Timestamp(t - DAY),
        Timestamp(t + 365 * DAY),
        &mut system_rng(),
    )
    .unwrap();
    let keys = dir.join("keys");
    fs::create_dir_all(&keys).unwrap();
    write_atomic(
        &keys.join(format!("{name}.key")),
        id.to_key_file().unwrap().expose_secret(),
        true,
    )
    .unwrap();
    write_atomic(
        &keys.join(format!("{name}.card")),
        &encode(id.card()).unwrap(),
        false,
    )
    .unwrap();
    Arc::new(id)
}

fn setup(dir: &Path, mib: u64) -> World {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir.join("de")).unwrap();
    let de = party(dir, "de.bka");
    let fr = party(dir, "fr.pnat");
    let content = Tag::new("category:content").unwrap();
    let mut de_trust = TrustStore::new();
    de_trust.add(de.card().clone(), vec![]).unwrap();
    de_trust
        .add(fr.card().clone(), vec![content.clone()])
        .unwrap();
    de_trust.save(&dir.join("de.trust")).unwrap();
    let mut fr_trust = TrustStore::new();
    fr_trust.add(de.card().clone(), vec![]).unwrap();
    fr_trust.add(fr.card().clone(), vec![]).unwrap();
    fr_trust.save(&dir.join("fr.trust")).unwrap();
    let t = now().0;
    let text = |s: &str| Text::new(s).unwrap();
    let info = PackageInfo {
        case_reference: text("CASE-BENCH"),
        request_reference: None,
        legal_basis: text("bench"),
        issuing_authority: text("bench"),
        priority: Priority::Normal,
        deadline: None,
        purpose: text("bench"),
        data_categories: CategorySet::default(),
        not_before: Timestamp(t - 60),
        retain_until: Timestamp(t + 30 * DAY),
        onward: OnwardConsent::None,
        provenance: vec![],
    };
    let package = dir.join("de").join("package.rgt");
    let recipients = vec![Recipient::from_trust(
        de_trust.require(&fr.key_id()).unwrap(),
    )];
    let out = BufWriter::with_capacity(1 << 20, fs::File::create(&package).unwrap());
    let mut sealer = Sealer::new(out, de.as_ref(), recipients, info, now(), system_rng()).unwrap();
    let spec = FieldSpec {
        name: FieldName::new("disk.img").unwrap(),
        media_type: MediaType::new("application/octet-stream").unwrap(),
        kind: FieldKind::Binary,
        tags: TagSet::from_unsorted(vec![content]).unwrap(),
    };
    let mut input = Gen {
        left: mib << 20,
        x: 0x9e37_79b9_7f4a_7c15,
    };
    sealer.add_field(spec, &mut input).unwrap();
    let mut w = sealer.seal().unwrap().writer;
    w.flush().unwrap();
    drop(w);
    // The `sent` event every delivery of this copy carries (a sender appends
    // it once and reuses it), so that every round moves the same bytes.
    append_event(
        &package,
        &de,
        &de_trust,
        now(),
        EventBody::Sent {
            receiver: fr.key_id(),
        },
        Details {
            counterpart: Some(fr.party().clone()),
            ..Details::default()
        },
        &mut system_rng(),
    )
    .unwrap();
    World {
        de,
        fr,
        de_trust: Arc::new(de_trust),
        fr_trust: Arc::new(fr_trust),
        package,
    }
}

/// Records when the receiver accepted and when the offer went out.
#[derive(Default)]
struct Clock {
    offered: Mutex<Option<Instant>>,
    accepted: Mutex<Option<Instant>>,
}

impl Progress for Clock {
    fn started(&self, _: &Path, _: u64) {
        *self.offered.lock().unwrap() = Some(Instant::now());
    }
    fn resumed(&self, _: &Path, _: u64) {
        *self.accepted.lock().unwrap() = Some(Instant::now());
    }
}

fn mbps(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / d.as_secs_f64() / 1e6
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn baseline_round(w: &World, dir: &Path) -> (u64, Duration) {
    let rt_recv = blocking::runtime().unwrap();
    let rt_send = blocking::runtime().unwrap();
    let limits = Limits::default();
    let receiver = {
        let _guard = rt_recv.enter();
        BareReceiver::start(
            &w.fr,
            w.fr_trust.clone(),
            &limits,
            "127.0.0.1:0".parse().unwrap(),
        )
        .unwrap()
    };
    let addr = receiver.local_addr().unwrap();
    let sink = dir.join("bare.out");
    let recv_task = rt_recv.spawn(async move { receiver.receive_one(sink).await });
    let entry = w.de_trust.require(&w.fr.key_id()).unwrap().clone();
    let (sent, started) = rt_send
        .block_on(bare_send(&w.de, &entry, &limits, addr, &w.package, 1 << 20))
        .unwrap();
    let (got, done) = rt_recv.block_on(recv_task).unwrap().unwrap();
    assert_eq!(sent, got);
    let _ = fs::remove_file(dir.join("bare.out"));
    (got, done - started)
}

fn delivery_round(w: &World, dir: &Path) -> (Duration, Duration, Duration) {
    let store = dir.join("fr-store");
    let ledger = dir.join("fr-ledger");
    let _ = fs::remove_dir_all(&store);
    let _ = fs::remove_dir_all(&ledger);
    let _ = fs::remove_file(rogatory_transport::sender::receipt_path(&w.package));
    let size = fs::metadata(&w.package).unwrap().len();
    let receiver = BackgroundReceiver::start(
        ReceiverConfig {
            identity: w.fr.clone(),
            trust: w.fr_trust.clone(),
            store: Arc::new(DirStore::open(&store).unwrap()),
            ledger_dir: ledger,
            limits: Limits::default(),
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .unwrap();
    let clock = Arc::new(Clock::default());
    let cfg = SenderConfig::new(w.de.clone(), w.de_trust.clone(), dir.join("de-ledger"));
    let dest = Destination {
        party: PartyId::new("fr.pnat").unwrap(),
        addr: receiver.local_addr(),
    };
    let package = w.package.clone();
    let progress = clock.clone();
    let sending = std::thread::spawn(move || {
        let t0 = Instant::now();
        let r = blocking::send(cfg, dest, &[package], progress).unwrap();
        let d = r.into_iter().next().unwrap().unwrap();
        (t0, Instant::now(), d)
    });
    // The receiver has stored the last byte when its counter says so.
    let stored = loop {
        let s = receiver.stats();
        if s.data_bytes >= size {
            break Instant::now();
        }
        if sending.is_finished() {
            break Instant::now();
        }
        std::thread::sleep(Duration::from_micros(500));
    };
    let (t0, t_end, d) = sending.join().unwrap();
    assert!(!d.already_delivered);
    assert_eq!(d.bytes_sent, size);
    receiver.stop().unwrap();
    let accepted = clock.accepted.lock().unwrap().unwrap();
    let offered = clock.offered.lock().unwrap().unwrap();
    (stored - accepted, t_end - offered, offered - t0)
}

fn main() {
    let o = opts();
    let t = Instant::now();
    let w = setup(&o.dir, o.mib);
    let size = fs::metadata(&w.package).unwrap().len();
    println!(
        "package: {} ({} bytes), sealed in {:.1} s",
        w.package.display(),
        size,
        t.elapsed().as_secs_f64()
    );
    if o.setup_only {
        return;
    }
    let mut bare = Vec::new();
    let mut transfer = Vec::new();
    let mut whole = Vec::new();
    let mut prepare = Vec::new();
    for round in 0..o.rounds {
        let (bytes, d) = baseline_round(&w, &o.dir);
        bare.push(mbps(bytes, d));
        let (tr, wh, pr) = delivery_round(&w, &o.dir);
        let size = fs::metadata(&w.package).unwrap().len();
        transfer.push(mbps(size, tr));
        whole.push(wh.as_secs_f64());
        prepare.push(pr.as_secs_f64());
        println!(
            "round {round}: bare stream {:.0} MB/s; delivery transfer phase {:.0} MB/s, \
             offer to verified receipt {:.2} s (sender prepare {:.2} s)",
            mbps(bytes, d),
            mbps(size, tr),
            wh.as_secs_f64(),
            pr.as_secs_f64()
        );
    }
    let (b, tr) = (median(bare), median(transfer));
    println!(
        "median of {}: bare stream {b:.0} MB/s; delivery transfer phase {tr:.0} MB/s ({:.2} of the bare stream); \
         offer to verified receipt {:.2} s ({:.0} MB/s); sender prepare {:.2} s",
        o.rounds,
        tr / b,
        median(whole.clone()),
        size as f64 / median(whole) / 1e6,
        median(prepare)
    );
}
