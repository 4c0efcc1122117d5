//! `rogatory-send`, `rogatory-recv` and `rogatory demo` as processes, on
//! 127.0.0.1: a delivery between the binaries, the receiver killed with
//! SIGKILL mid-transfer and restarted (the delivery resumes and completes),
//! a clean stop on SIGTERM, and the demo. Every wait is bounded.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rogatory::core::{Identity, Package, TrustStore};
use rogatory::transport::blocking;
use rogatory::transport::{Destination, Progress, Retry, SenderConfig};
use rogatory::wire::PartyId;

mod common;
use common::Workdir;

const ROGATORY: &str = common::BIN;
const SEND: &str = env!("CARGO_BIN_EXE_rogatory-send");
const RECV: &str = env!("CARGO_BIN_EXE_rogatory-recv");

/// The working directory of the two parties.
struct World {
    w: Workdir,
}

impl std::ops::Deref for World {
    type Target = Workdir;
    fn deref(&self) -> &Workdir {
        &self.w
    }
}

impl World {
    /// de.bka sends, fr.pnat receives; each trusts the other.
    fn new() -> Self {
        let w = World { w: Workdir::new() };
        for party in ["de.bka", "fr.pnat"] {
            w.ok_bin(
                ROGATORY,
                &[
                    "keygen",
                    "--no-passphrase",
                    "--party",
                    party,
                    "--out-dir",
                    "keys",
                ],
            );
        }
        w.ok_bin(
            ROGATORY,
            &[
                "trust",
                "add",
                "--trust",
                "de.trust",
                "--card",
                "keys/fr.pnat.card",
                "--clearance",
                "category:content",
            ],
        );
        w.ok_bin(
            ROGATORY,
            &[
                "trust",
                "add",
                "--trust",
                "de.trust",
                "--card",
                "keys/de.bka.card",
            ],
        );
        for card in ["keys/de.bka.card", "keys/fr.pnat.card"] {
            w.ok_bin(
                ROGATORY,
                &["trust", "add", "--trust", "fr.trust", "--card", card],
            );
        }
        w
    }

    /// Seals `content` as one binary field for fr.pnat.
    fn seal(&self, name: &str, content: &[u8]) -> PathBuf {
        let input = self.path(&format!("{name}.in"));
        fs::write(&input, content).unwrap();
        let field = format!("disk.img={}", input.display());
        self.ok_bin(
            ROGATORY,
            &[
                "seal",
                "--key",
                "keys/de.bka.key",
                "--trust",
                "de.trust",
                "--to",
                "fr.pnat",
                "--field",
                &field,
                "--tags",
                "disk.img=category:content",
                "--kind",
                "disk.img=binary",
                "--case",
                "CASE-2026-0042",
                "--legal-basis",
                "Art. 18 Budapest Convention",
                "--retain-until",
                "2099-12-31",
                "-o",
                name,
            ],
        );
        fs::remove_file(&input).unwrap();
        self.path(name)
    }

    /// Starts `rogatory-recv` for fr.pnat and returns it with its address.
    fn receiver(&self, listen: &str, once: bool) -> (Child, String) {
        let mut args = vec![
            "--key",
            "keys/fr.pnat.key",
            "--trust",
            "fr.trust",
            "--listen",
            listen,
            "--store",
            "frstore",
        ];
        if once {
            args.push("--once");
        }
        let mut child = Command::new(RECV)
            .args(&args)
            .current_dir(self.dir.path())
            .env("XDG_DATA_HOME", Path::new(self.dir.path()).join("data"))
            .env("XDG_CONFIG_HOME", Path::new(self.dir.path()).join("config"))
            .env_remove("ROGATORY_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("rogatory-recv did not start");
        let addr = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        (child, addr)
    }
}

/// Waits for a child with a time limit (kills it past the limit).
fn wait(child: &mut Child, secs: u64) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            panic!("a child process ran past {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[test]
fn send_and_recv_deliver_with_a_receipt() {
    let w = World::new();
    let pkg = w.seal("evidence.rgt", b"a small disk image\n");
    let (mut recv, addr) = w.receiver("127.0.0.1:0", true);
    let to = format!("fr.pnat@{addr}");
    let out = w.ok_bin(
        SEND,
        &[
            "--key",
            "keys/de.bka.key",
            "--trust",
            "de.trust",
            "--to",
            &to,
            "evidence.rgt",
        ],
    );
    assert!(
        out.contains("delivered, receipt verified by fr.pnat"),
        "{out}"
    );
    assert!(wait(&mut recv, 30).success());
    // The sealed original stays as sealed; fr.pnat's copy carries the
    // `sent` event and has the receipt beside it.
    assert!(out.contains("evidence.to-fr.pnat.rgt"), "{out}");
    assert!(w.path("evidence.to-fr.pnat.rgt.receipt").is_file());
    assert!(!w.path("evidence.rgt.receipt").exists());
    assert_eq!(Package::open(&pkg).unwrap().events().len(), 1);
    assert_eq!(files_in(&w.path("frstore/packages")).len(), 1);
    assert_eq!(files_in(&w.path("frstore/receipts")).len(), 1);
    // Both ledgers verify and record the exchange.
    let out = w.ok_bin(
        ROGATORY,
        &["ledger", "verify", "data/rogatory/ledger/fr.pnat"],
    );
    assert!(!out.is_empty());
    w.ok_bin(
        ROGATORY,
        &["ledger", "verify", "data/rogatory/ledger/de.bka"],
    );
    // The operator's view of the store: what arrived, from whom, verified
    // again, receipted.
    let listed: serde_json::Value = serde_json::from_str(&w.ok_bin(
        ROGATORY,
        &["store", "list", "frstore", "--trust", "fr.trust", "--json"],
    ))
    .unwrap();
    let d = &listed["deliveries"].as_array().unwrap()[0];
    assert_eq!(
        listed["deliveries"].as_array().unwrap().len(),
        1,
        "{listed}"
    );
    assert_eq!(d["state"], "stored");
    assert_eq!(d["sender"], "de.bka");
    assert_eq!(d["verified"], true);
    assert!(d["receipted"].as_str().unwrap().ends_with('Z'), "{d}");
    assert_eq!(d["custody"][2]["kind"], "received");
    let text = w.ok_bin(ROGATORY, &["store", "list", "frstore"]);
    assert!(text.contains("receipt:   signed "), "{text}");
    let prefix = &d["package_id"].as_str().unwrap()[..8];
    let shown = w.ok_bin(
        ROGATORY,
        &["store", "show", "frstore", prefix, "--trust", "fr.trust"],
    );
    assert!(shown.contains("from:      de.bka"), "{shown}");
    assert!(shown.contains("received   fr.pnat"), "{shown}");
    // Sending again is answered from the stored receipt, without a receiver.
    let out = w.ok_bin(
        SEND,
        &[
            "--key",
            "keys/de.bka.key",
            "--trust",
            "de.trust",
            "--to",
            &to,
            "evidence.rgt",
        ],
    );
    assert!(out.contains("already delivered"), "{out}");
    assert_eq!(Package::open(&pkg).unwrap().events().len(), 1);
    // The same as one JSON document for scripts.
    let doc: serde_json::Value = serde_json::from_str(&w.ok_bin(
        SEND,
        &[
            "--key",
            "keys/de.bka.key",
            "--trust",
            "de.trust",
            "--to",
            &to,
            "evidence.rgt",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(doc["format"], 1);
    let d = &doc["deliveries"][0];
    assert_eq!(d["already_delivered"], true, "{doc}");
    assert_eq!(d["receiver"], "fr.pnat");
    assert!(
        d["delivered"]
            .as_str()
            .unwrap()
            .ends_with("evidence.to-fr.pnat.rgt")
    );
    assert!(d["received_at"].as_str().unwrap().ends_with('Z'), "{doc}");
    let copy = w.path("evidence.to-fr.pnat.rgt");
    assert_eq!(Package::open(&copy).unwrap().events().len(), 2);
}

#[test]
fn send_refuses_an_unknown_receiver_and_exits_1() {
    let w = World::new();
    w.seal("evidence.rgt", b"x\n");
    let out = w.run_bin(
        SEND,
        &[
            "--key",
            "keys/de.bka.key",
            "--trust",
            "de.trust",
            "--to",
            "nl.om@127.0.0.1:9",
            "evidence.rgt",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("rogatory-send: error: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn recv_stops_cleanly_on_sigterm() {
    let w = World::new();
    let (mut recv, _addr) = w.receiver("127.0.0.1:0", false);
    let pid = recv.id().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    let status = wait(&mut recv, 30);
    assert_eq!(status.code(), Some(0), "clean exit on SIGTERM");
}

/// For a log collector: `--log-format json` writes one JSON object per line
/// on standard error, `RUST_LOG` filters, and the stop is logged with its
/// counts as fields (not a debug dump).
#[test]
fn recv_logs_json_lines_filtered_by_rust_log() {
    let w = World::new();
    let log = fs::File::create(w.path("recv.log")).unwrap();
    let mut child = Command::new(RECV)
        .args([
            "--key",
            "keys/fr.pnat.key",
            "--trust",
            "fr.trust",
            "--listen",
            "127.0.0.1:0",
            "--store",
            "frstore",
            "--log-format",
            "json",
        ])
        .env("RUST_LOG", "info")
        .current_dir(w.dir.path())
        .env("XDG_DATA_HOME", Path::new(w.dir.path()).join("data"))
        .env("XDG_CONFIG_HOME", Path::new(w.dir.path()).join("config"))
        .env_remove("ROGATORY_CONFIG")
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("listening on "), "{first}");
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(wait(&mut child, 30).code(), Some(0));
    let text = fs::read_to_string(w.path("recv.log")).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(!lines.is_empty(), "{text}");
    assert!(
        lines
            .iter()
            .all(|l| l["level"].is_string() && l["timestamp"].is_string())
    );
    let stopped = lines
        .iter()
        .find(|l| l["message"] == "receiver stopped")
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(stopped["receipts"], 0);
    assert!(!text.contains("ReceiverStats"), "{text}");
}

/// Kills the receiver once this many bytes were handed to the link.
struct KillAt {
    at: u64,
    sent: Mutex<u64>,
    victim: Arc<Mutex<Option<Child>>>,
    killed: Mutex<Option<Instant>>,
}

impl Progress for KillAt {
    fn sent(&self, _package: &Path, bytes: u64) {
        let mut sent = self.sent.lock().unwrap();
        *sent += bytes;
        if *sent >= self.at {
            let mut killed = self.killed.lock().unwrap();
            if killed.is_none() {
                if let Some(child) = self.victim.lock().unwrap().as_mut() {
                    child.kill().unwrap(); // SIGKILL
                    let _ = child.wait();
                }
                *killed = Some(Instant::now());
            }
        }
    }
}

#[test]
fn receiver_killed_mid_transfer_and_restarted_then_the_delivery_completes() {
    let w = World::new();
    let size: usize = 48 << 20;
    let content: Vec<u8> = (0..size as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let pkg = w.seal("disk.rgt", &content);
    drop(content);
    let (recv, addr) = w.receiver("127.0.0.1:0", false);
    let victim = Arc::new(Mutex::new(Some(recv)));
    let progress = Arc::new(KillAt {
        at: 24 << 20,
        sent: Mutex::new(0),
        victim: victim.clone(),
        killed: Mutex::new(None),
    });

    // Restart the receiver on the same port as soon as it is dead.
    let restarter = {
        let progress = progress.clone();
        let dir = w.dir.path().to_owned();
        let addr = addr.clone();
        std::thread::spawn(move || -> Option<Child> {
            let start = Instant::now();
            while progress.killed.lock().unwrap().is_none() {
                if start.elapsed() > Duration::from_secs(60) {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            // Killed mid-transfer: whatever it stored is a partial file,
            // nothing in the store looks like a whole package.
            assert!(files_in(&dir.join("frstore/packages")).is_empty());
            assert_eq!(files_in(&dir.join("frstore/partial")).len(), 1);
            let child = Command::new(RECV)
                .args([
                    "--key",
                    "keys/fr.pnat.key",
                    "--trust",
                    "fr.trust",
                    "--listen",
                    &addr,
                    "--store",
                    "frstore",
                    "--once",
                ])
                .current_dir(&dir)
                .env("XDG_DATA_HOME", Path::new(&dir).join("data"))
                .env("XDG_CONFIG_HOME", Path::new(&dir).join("config"))
                .env_remove("ROGATORY_CONFIG")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            Some(child)
        })
    };

    let identity =
        Arc::new(Identity::from_key_file(&fs::read(w.path("keys/de.bka.key")).unwrap()).unwrap());
    let trust = Arc::new(TrustStore::load(&w.path("de.trust")).unwrap());
    let mut cfg = SenderConfig::new(identity, trust, w.path("data/rogatory/ledger/de.bka"));
    cfg.limits.idle_timeout = Duration::from_secs(2);
    cfg.limits.handshake_timeout = Duration::from_secs(2);
    cfg.retry = Retry {
        attempts: 20,
        first_backoff: Duration::from_millis(200),
        max_backoff: Duration::from_millis(500),
    };
    let dest = Destination {
        party: PartyId::new("fr.pnat").unwrap(),
        addr: addr.parse().unwrap(),
    };
    let results = blocking::send(cfg, dest, std::slice::from_ref(&pkg), progress.clone()).unwrap();
    let d = results.into_iter().next().unwrap().unwrap();

    let mut restarted = restarter.join().unwrap().expect("the receiver was killed");
    assert!(
        wait(&mut restarted, 30).success(),
        "the restarted receiver exits after one delivery"
    );
    assert!(progress.killed.lock().unwrap().is_some());
    assert!(d.attempts >= 2, "attempts {}", d.attempts);
    assert_eq!(d.accept_offsets.len(), 2, "{:?}", d.accept_offsets);
    assert_eq!(d.accept_offsets[0], 0);
    assert!(
        d.accept_offsets[1] > 0,
        "the second attempt resumed: {:?}",
        d.accept_offsets
    );
    assert_eq!(d.package, w.path("disk.to-fr.pnat.rgt"));
    let size = fs::metadata(&d.package).unwrap().len();
    assert!(
        d.bytes_sent < size + (24 << 20),
        "only what was missing travelled again"
    );
    assert!(w.path("disk.to-fr.pnat.rgt.receipt").is_file());
    assert!(files_in(&w.path("frstore/partial")).is_empty());
    assert_eq!(files_in(&w.path("frstore/packages")).len(), 1);
    w.ok_bin(
        ROGATORY,
        &["ledger", "verify", "data/rogatory/ledger/fr.pnat"],
    );
    // What the receiver stored verifies and opens to the sealed bytes.
    let stored = &files_in(&w.path("frstore/packages"))[0];
    let out = w.ok_bin(
        ROGATORY,
        &[
            "open",
            "--key",
            "keys/fr.pnat.key",
            "--trust",
            "fr.trust",
            stored.to_str().unwrap(),
            "--out-dir",
            "opened",
        ],
    );
    assert!(!out.is_empty());
    let opened = fs::read(w.path("opened/disk.img")).unwrap();
    assert_eq!(opened.len(), 48 << 20);
    assert!(
        opened
            .iter()
            .enumerate()
            .all(|(i, b)| *b == ((i as u32).wrapping_mul(2_654_435_761) >> 24) as u8)
    );
}

#[test]
fn demo_runs_with_no_arguments() {
    let out = Command::new(ROGATORY).arg("demo").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for step in [
        "de.bka verified fr.pnat's signed receipt",
        "informant.txt   not cleared",
        "chat.txt        removes line 1 (phone), line 3 (email); keeps lines 0,2,4",
        "a forward to it is refused: onward transfer to be.fedpol refused",
        "fr.pnat verified nl.om's signed receipt",
        "4  forwarded by fr.pnat",
        "2 segment(s) 0,4",
        "Done.",
    ] {
        assert!(text.contains(step), "{step:?} in\n{text}");
    }
    // The personal data never reaches nl.om, nor the story itself.
    assert!(!text.contains("carol.dupont"), "{text}");
    assert!(!text.contains("56 78"), "{text}");
}

/// `demo --json --dir DIR`: the same story as one document for tools, and
/// the files kept: the sealed original unchanged beside fr.pnat's copy,
/// nl.om's stored package with the whole chain, the court's extract.
#[test]
fn demo_tells_the_story_as_json_and_keeps_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().join("story");
    let out = Command::new(ROGATORY)
        .args(["demo", "--json", "--dir"])
        .arg(&keep)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["format"], 1);
    let steps: Vec<(&str, &str)> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["step"].as_str().unwrap(), s["party"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [
            ("parties", "all"),
            ("seal", "de.bka"),
            ("deliver", "de.bka"),
            ("open", "fr.pnat"),
            ("redact", "fr.pnat"),
            ("deliver", "fr.pnat"),
            ("forward", "fr.pnat"),
            ("verify", "nl.om"),
            ("extract", "court"),
            ("ledgers", "all"),
        ]
    );
    let step = |name: &str| {
        doc["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["step"] == name)
            .unwrap()
            .clone()
    };
    let verified = step("verify");
    let kinds: Vec<&str> = verified["custody"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "sealed",
            "sent",
            "received",
            "redacted",
            "forwarded",
            "sent",
            "received"
        ]
    );
    assert_eq!(
        step("extract")["verified"]["segments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(
        step("forward")["refused"]["error"]
            .as_str()
            .unwrap()
            .contains("consent")
    );
    // The files: the original as sealed (one event), fr.pnat's copy with its
    // `sent`, what nl.om opened without the personal data.
    let sealed = keep.join("de.bka/evidence.rgt");
    assert_eq!(Package::open(&sealed).unwrap().events().len(), 1);
    let copy = keep.join("de.bka/evidence.to-fr.pnat.rgt");
    assert_eq!(Package::open(&copy).unwrap().events().len(), 2);
    assert!(
        keep.join("de.bka/evidence.to-fr.pnat.rgt.receipt")
            .is_file()
    );
    let chat = fs::read_to_string(keep.join("nl.om/opened/chat.txt")).unwrap();
    assert_eq!(chat.lines().count(), 3, "{chat}");
    assert!(!chat.contains('@') && !chat.contains("+33"), "{chat}");
    assert!(!keep.join("nl.om/opened/subscriber.csv").exists());
    assert!(keep.join("nl.om/court.rgx").is_file());
    // A second run refuses the non-empty directory, touching nothing.
    let again = Command::new(ROGATORY)
        .args(["demo", "--dir"])
        .arg(&keep)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    assert_eq!(Package::open(&sealed).unwrap().events().len(), 1);
}
