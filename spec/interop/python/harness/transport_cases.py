"""Deliveries over QUIC on 127.0.0.1 between the peer's client and ``rogatory-recv``,
and ``rogatory-send`` with a key file made by the peer (spec §13, §10.5).

Every receiver is started with ``--once`` on a free loopback port, waited for with a
timeout, and stopped (SIGTERM, then SIGKILL) in a ``finally`` whatever happens.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Mapping, Optional

from .cross import World
from .util import Peer, Results, Rust, run

G = "transport"
LISTEN_TIMEOUT = 20.0
DELIVER_TIMEOUT = 90


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """A ``rogatory-recv --once`` process on 127.0.0.1, stopped on exit from the block."""

    def __init__(self, rust: Rust, key: Path, trust: Path, store: Path, log: Path) -> None:
        self.port = free_udp_port()
        self.addr = f"127.0.0.1:{self.port}"
        self.log = log
        self._err: Optional[IO[bytes]] = None
        self.proc: Optional[subprocess.Popen[bytes]] = None
        self.argv = [rust.recv, "--key", str(key), "--trust", str(trust), "--listen", self.addr,
                     "--store", str(store), "--once"]
        self.listening = threading.Event()
        self.stdout: list[str] = []

    def __enter__(self) -> "Receiver":
        self._err = open(self.log, "wb")
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=self._err, stdin=subprocess.DEVNULL)

        def pump() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for raw in self.proc.stdout:
                line = raw.decode(errors="replace").rstrip()
                self.stdout.append(line)
                if line.startswith("listening on"):
                    self.listening.set()

        threading.Thread(target=pump, daemon=True).start()
        if not self.listening.wait(LISTEN_TIMEOUT):
            raise RuntimeError(f"rogatory-recv did not print `listening on` within {LISTEN_TIMEOUT}s")
        return self

    def wait(self, timeout: float) -> Optional[int]:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._err is not None:
            self._err.close()


def _check_receipt_both(peer: Peer, rust: Rust, res: Results, w: World, copy: Path, trust: str, label: str) -> None:
    receipt = copy.with_name(copy.name + ".receipt")
    if not res.record(G, f"{label}: receipt stored beside the copy", receipt.exists()):
        return
    r = peer("verify-receipt", "--trust", w.trust(trust), copy, receipt).json()
    res.check(G, f"{label}: peer checks the receipt (§10.5)", "ok", r.get("outcome"))
    rr = rust("custody", "verify-receipt", "--trust", w.trust(trust), copy, receipt)
    res.record(G, f"{label}: rogatory custody verify-receipt accepts it", rr.rc == 0, rr.err.strip())


def _check_store(peer: Peer, rust: Rust, res: Results, w: World, store: Path, label: str,
                 expect: Mapping[str, Optional[bytes]]) -> None:
    pk = sorted((store / "packages").glob("*.rgt"))
    rc = sorted((store / "receipts").glob("*.receipt"))
    if not res.record(G, f"{label}: the receiver stored one package and one receipt", len(pk) == 1 and len(rc) == 1,
                      f"{pk} {rc}"):
        return
    rr = rust("verify", "--trust", w.trust("fr"), pk[0], "--receipt", rc[0])
    res.record(G, f"{label}: rogatory verify of the stored copy --receipt", rr.rc == 0, rr.err.strip())
    out = w.root / f"stored-{label}"
    r = peer("open", "--key", w.key("fr.pnat"), "--trust", w.trust("fr"), "--out-dir", out, pk[0]).json()
    res.check(G, f"{label}: peer opens the receiver's stored copy (with its `received` event)", "open", r.get("stage"))
    for name, data in expect.items():
        p = out / name
        res.record(G, f"{label}: stored copy field {name}", (p.read_bytes() == data) if data is not None else not p.exists())


def run_transport(peer: Peer, rust: Rust, res: Results, w: World, pkgs: dict[str, Path]) -> None:
    inp = w.inputs
    full = {name: data for name, data in inp.items()}
    # T1: the peer's client delivers a peer-sealed package --------------------------------------------
    t1 = w.root / "t1" / "peer-sealed.rgt"
    t1.parent.mkdir()
    shutil.copy(pkgs["peer_sealed"], t1)
    store = w.root / "store-t1"
    with Receiver(rust, w.key("fr.pnat"), w.trust("fr"), store, w.root / "recv-t1.log") as rx:
        r = peer("deliver", "--key", w.key("py.alpha"), "--trust", w.trust("py"), "--to", f"fr.pnat@{rx.addr}", t1,
                 timeout=DELIVER_TIMEOUT).json()
        res.check(G, "T1: peer client delivers a peer-sealed package to rogatory-recv", "ok", r.get("outcome"))
        res.record(G, "T1: TLS 1.3 with ALPN rogatory/1 and an AES-GCM suite",
                   any("alpn=rogatory/1 suite=AES_" in x for x in r.get("log", [])), str(r.get("log")))
        res.check(G, "T1: rogatory-recv --once exits 0 after the receipt", 0, rx.wait(20))
    _check_receipt_both(peer, rust, res, w, t1, "py", "T1")
    _check_store(peer, rust, res, w, store, "T1", full)
    # T1b: the same bytes again: the receiver answers with the first receipt ----------------------------
    first = (t1.with_name(t1.name + ".receipt")).read_bytes() if t1.with_name(t1.name + ".receipt").exists() else b""
    with Receiver(rust, w.key("fr.pnat"), w.trust("fr"), store, w.root / "recv-t1b.log") as rx:
        r = peer("deliver", "--key", w.key("py.alpha"), "--trust", w.trust("py"), "--to", f"fr.pnat@{rx.addr}", t1,
                 timeout=DELIVER_TIMEOUT).json()
        res.check(G, "T1b: a repeated delivery is answered (AlreadyHave) and its receipt verifies", "ok", r.get("outcome"))
        res.record(G, "T1b: the answer was AlreadyHave with the first receipt",
                   any("AlreadyHave" in x for x in r.get("log", [])) and t1.with_name(t1.name + ".receipt").read_bytes() == first,
                   str(r.get("log")))
    # T2: the peer's client delivers a Rust-sealed package with a Rust key file -------------------------
    t2 = w.root / "t2" / "rust-sealed.rgt"
    t2.parent.mkdir()
    shutil.copy(pkgs["rust_sealed"], t2)
    store2 = w.root / "store-t2"
    with Receiver(rust, w.key("fr.pnat"), w.trust("fr"), store2, w.root / "recv-t2.log") as rx:
        r = peer("deliver", "--key", w.key("de.bka"), "--trust", w.trust("de"), "--to", f"fr.pnat@{rx.addr}", t2,
                 timeout=DELIVER_TIMEOUT).json()
        res.check(G, "T2: peer client delivers a Rust-sealed package (de.bka's Rust key and TLS cert)", "ok",
                  r.get("outcome"))
        rx.wait(20)
    _check_receipt_both(peer, rust, res, w, t2, "de", "T2")
    _check_store(peer, rust, res, w, store2, "T2", full)
    # T3: rogatory-send delivers a peer-sealed package with the peer's key file --------------------------
    t3 = w.root / "t3" / "peer-sealed.rgt"
    t3.parent.mkdir()
    shutil.copy(pkgs["peer_sealed"], t3)
    store3 = w.root / "store-t3"
    with Receiver(rust, w.key("fr.pnat"), w.trust("fr"), store3, w.root / "recv-t3.log") as rx:
        s = run([rust.send, "--key", str(w.key("py.alpha")), "--trust", str(w.trust("py")), "--to",
                 f"fr.pnat@{rx.addr}", "--attempts", "2", str(t3)], timeout=DELIVER_TIMEOUT)
        res.record(G, "T3: rogatory-send with the peer's key file (§3.4, TLS key) delivers a peer-sealed package",
                   s.rc == 0, s.err.strip())
        rx.wait(20)
    t3_copy = t3.with_name("peer-sealed.to-fr.pnat.rgt")
    res.record(G, "T3: rogatory-send leaves the package as sealed and delivers fr.pnat's own copy",
               t3.read_bytes() == Path(pkgs["peer_sealed"]).read_bytes() and t3_copy.exists())
    _check_receipt_both(peer, rust, res, w, t3_copy, "py", "T3")
    # T4: a client certificate pinned by no card is refused ---------------------------------------------
    t4 = w.root / "t4" / "stranger.rgt"
    t4.parent.mkdir()
    st = w.trust("stranger")
    for party in ("py.stranger", "fr.pnat"):
        rust("trust", "add", "--trust", st, "--card", w.card(party))
    sr = peer("seal", "--key", w.key("py.stranger"), "--trust", st, "--to", "fr.pnat", "--field",
              f"chat.txt={w.root / 'in' / 'chat.txt'}", "--tags", "chat.txt=category:content", "--case", "X",
              "--legal-basis", "none", "--retain-until", "2030-12-31", "-o", t4)
    res.record(G, "T4: peer seals as py.stranger", sr.rc == 0, sr.out + sr.err)
    store4 = w.root / "store-t4"
    with Receiver(rust, w.key("fr.pnat"), w.trust("fr"), store4, w.root / "recv-t4.log") as rx:
        t0 = time.time()
        r = peer("deliver", "--key", w.key("py.stranger"), "--trust", st, "--to", f"fr.pnat@{rx.addr}",
                 "--attempts", "1", t4, timeout=DELIVER_TIMEOUT).json()
        res.check(G, "T4: a client whose certificate no card pins is refused at the handshake", "refused", r.get("outcome"))
        res.record(G, "T4: no receipt, the receiver keeps running", not t4.with_name(t4.name + ".receipt").exists()
                   and rx.running(), f"{time.time() - t0:.1f}s")
    # T5: the client refuses a server whose certificate is not the addressed receiver's pin -------------
    t5 = w.root / "t5" / "peer-sealed.rgt"
    t5.parent.mkdir()
    shutil.copy(pkgs["peer_sealed"], t5)
    with Receiver(rust, w.key("nl.om"), w.trust("nl"), w.root / "store-t5", w.root / "recv-t5.log") as rx:
        r = peer("deliver", "--key", w.key("py.alpha"), "--trust", w.trust("py"), "--to", f"fr.pnat@{rx.addr}",
                 "--attempts", "1", t5, timeout=DELIVER_TIMEOUT).json()
        res.check(G, "T5: the peer client refuses nl.om's server when it addressed fr.pnat (pin check)",
                  "pin_mismatch", r.get("outcome"))
        res.record(G, "T5: nothing stored by the impostor", not any((w.root / "store-t5").glob("packages/*.rgt")))

    # T6: a client whose card the receiver's store holds revoked is refused (§3.7, §13.1) -------------
    if rust.lifecycle:
        stmt = w.root / "t6-py.alpha.revocation"
        r6 = rust("card", "revoke", "--key", w.key("py.alpha"), "--reason", "test", "-o", stmt)
        if res.record(G, "T6: rogatory card revoke with the peer's key file", r6.rc == 0, r6.err):
            st6 = w.root / "fr-revoked.trust"
            st6.write_bytes(w.trust("fr").read_bytes())
            r6 = rust("trust", "revoke", "--trust", st6, "--statement", stmt)
            res.record(G, "T6: rogatory trust revoke", r6.rc == 0, r6.err)
            t6 = w.root / "t6" / "peer-sealed.rgt"
            t6.parent.mkdir()
            shutil.copy(pkgs["peer_sealed"], t6)
            with Receiver(rust, w.key("fr.pnat"), st6, w.root / "store-t6", w.root / "recv-t6.log") as rx:
                r = peer("deliver", "--key", w.key("py.alpha"), "--trust", w.trust("py"), "--to", f"fr.pnat@{rx.addr}",
                         "--attempts", "1", t6, timeout=DELIVER_TIMEOUT).json()
                res.check(G, "T6: a client with a revoked card is refused at the handshake", "refused", r.get("outcome"))
