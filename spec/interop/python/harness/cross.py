"""Packages, extracts, redactions and key files crossing between the peer and the
reference binaries, with no network (the transport cases are in transport_cases.py).

Parties: ``de.bka``, ``fr.pnat``, ``nl.om`` made by ``rogatory keygen`` (Rust key files;
``fr.pnat`` with ``--classical``, so that every package mixes X-Wing and X25519 stanzas);
``py.alpha`` and ``py.stranger`` made by the peer's ``keygen`` (its own key files, TLS
identity and card). Trust stores are written by ``rogatory trust add`` (spec §3.3 files)
and read by both implementations.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .util import REFUSALS, Peer, Results, Rust, flip

G = "cross"

TAGS = {
    "chat.txt": "category:content,sensitivity:restricted",
    "subscriber.csv": "category:subscriber",
    "disk.img": "category:content",
    "empty.txt": "category:subscriber",
}


@dataclass
class World:
    """The parties, trust stores and inputs shared by the cross and transport cases."""

    root: Path
    keys: Path
    pykeys: Path
    inputs: dict[str, bytes]

    def key(self, party: str) -> Path:
        return (self.pykeys if party.startswith("py.") else self.keys) / f"{party}.key"

    def card(self, party: str) -> Path:
        return (self.pykeys if party.startswith("py.") else self.keys) / f"{party}.card"

    def trust(self, name: str) -> Path:
        return self.root / f"{name}.trust"

    def field_args(self) -> list[str]:
        out: list[str] = []
        for name in self.inputs:
            out += ["--field", f"{name}={self.root / 'in' / name}", "--tags", f"{name}={TAGS[name]}"]
        return out


def make_world(peer: Peer, rust: Rust, res: Results, root: Path) -> World:
    keys, pykeys = root / "keys", root / "pykeys"
    (root / "in").mkdir(parents=True, exist_ok=True)
    for p in ("de.bka", "fr.pnat", "nl.om"):
        r = rust.keygen(p, keys, classical=p == "fr.pnat")
        res.record("setup", f"rogatory keygen {p}", r.rc == 0, r.err)
    for p in ("py.alpha", "py.stranger"):
        r = peer("keygen", "--party", p, "--out-dir", pykeys)
        res.record("setup", f"peer keygen {p}", r.rc == 0, r.out + r.err)
        mode = os.stat(pykeys / f"{p}.key").st_mode & 0o777 if (pykeys / f"{p}.key").exists() else None
        res.check("setup", f"peer key file {p} mode 0600 (§3.4)", 0o600, mode)
    w = World(root, keys, pykeys, {})
    grants = {
        "de": {"de.bka": "", "fr.pnat": "category:content,category:subscriber,sensitivity:restricted",
               "nl.om": "category:subscriber", "py.alpha": "category:content"},
        "fr": {"de.bka": "", "fr.pnat": "", "py.alpha": "",
               "nl.om": "category:content,category:subscriber,sensitivity:restricted"},
        "nl": {"de.bka": "", "fr.pnat": "", "nl.om": "", "py.alpha": ""},
        "py": {"py.alpha": "", "de.bka": "", "nl.om": "category:subscriber",
               "fr.pnat": "category:content,category:subscriber,sensitivity:restricted"},
        "nosigner": {"fr.pnat": "", "nl.om": ""},
    }
    for store, parties in grants.items():
        for party, clr in parties.items():
            args = ["trust", "add", "--trust", w.trust(store), "--card", w.card(party)]
            if clr:
                args += ["--clearance", clr]
            r = rust(*args)
            res.record("setup", f"rogatory trust add {party} to {store}.trust", r.rc == 0, r.err)
    lines = [f"2026-11-{d:02d} 10:{d:02d} alice: message {d} to bob\n".encode() for d in range(1, 13)]
    w.inputs = {
        "chat.txt": b"".join(lines),
        "subscriber.csv": b"msisdn,name,since\n+4915100000001,Erika Mustermann,2019-01-01\n",
        "disk.img": os.urandom(1_300_000),
        "empty.txt": b"",
    }
    for name, data in w.inputs.items():
        (root / "in" / name).write_bytes(data)
    return w


def peer_open_check(peer: Peer, res: Results, w: World, pkg: Path, party: str, trust: str,
                    expect: dict[str, Optional[bytes]], label: str) -> None:
    """Peer ``open`` by ``party``: each field of ``expect`` opens to those bytes, or is
    ``not_cleared`` / ``removed`` when the value is ``None``."""
    out = w.root / f"open-{label}-{party}"
    r = peer("open", "--key", w.key(party), "--trust", w.trust(trust), "--out-dir", out, pkg).json()
    if not res.check(G, f"{label}: peer unlocks as {party}", "open", r.get("stage")):
        res.record(G, f"{label}: peer unlock detail", False, str(r))
        return
    by_name = {str(f["name"]): f for f in r.get("fields", [])}
    for name, data in expect.items():
        f = by_name.get(name, {})
        if data is None:
            res.record(G, f"{label}: {party} cannot read {name}", f.get("outcome") in ("not_cleared", "removed"), str(f))
        else:
            got = (out / name).read_bytes() if f.get("outcome") == "ok" else None
            res.record(G, f"{label}: {party} reads {name} byte for byte", got == data, str(f))


def rust_open_check(rust: Rust, res: Results, w: World, pkg: Path, party: str, trust: str,
                    expect: dict[str, Optional[bytes]], label: str) -> None:
    out = w.root / f"rust-open-{label}-{party}"
    r = rust("open", "--key", w.key(party), "--trust", w.trust(trust), pkg, "--out-dir", out)
    res.record(G, f"{label}: rogatory open as {party} exits 0", r.rc == 0, r.err.strip())
    for name, data in expect.items():
        p = out / name
        if data is None:
            res.record(G, f"{label}: rogatory open as {party} does not write {name}", not p.exists())
        else:
            res.record(G, f"{label}: rogatory open as {party} writes {name} byte for byte",
                       p.exists() and p.read_bytes() == data)


def differential(peer: Peer, rust: Rust, res: Results, w: World, pkg: Path, trust: str, label: str) -> None:
    """Mutations of a valid package: both implementations must refuse every one."""
    data = pkg.read_bytes()
    n = len(data)
    muts = {
        "field body bit flip": flip(data, 28 + 5),
        "prelude package id bit flip": flip(data, 20),
        "footer check bit flip": flip(data, n - 40 + 3),
        "last custody signature bit flip": flip(data, n - 68 - 1),
        "truncated by one byte": data[:-1],
        "17 trailing zero bytes": data + bytes(17),
    }
    for name, m in muts.items():
        p = w.root / f"mut-{label}-{name.replace(' ', '_')}.rgt"
        p.write_bytes(m)
        pr = peer("verify", "--trust", w.trust(trust), p).json()
        rr = rust("verify", "--trust", w.trust(trust), p)
        res.record(G, f"{label}: {name}: peer refuses ({pr.get('outcome')}), rogatory refuses (exit {rr.rc})",
                   pr.get("outcome") in REFUSALS and rr.rc in (3, 4), f"peer={pr} rust_rc={rr.rc} {rr.err.strip()}")


def protected_key_case(peer: Peer, rust: Rust, res: Results, w: World) -> None:
    """P0 (Python peer only, §3.5): a passphrase-protected Rust key file opens a package."""
    d = w.root / "protected"
    d.mkdir()
    (d / "pass").write_text("correct horse battery staple\n")
    env_new = {"ROGATORY_NEW_PASSPHRASE_FILE": str(d / "pass")}
    from .util import run

    r = run([rust.rogatory, "keygen", "--party", "be.fed", "--out-dir", str(d), "--kdf-log-n", "10"],
            env={**os.environ, **env_new})
    if not res.record(G, "P0: rogatory keygen with a passphrase (§3.5)", r.rc == 0, r.err):
        return
    st = d / "de.trust"
    for party, card in (("de.bka", w.card("de.bka")), ("be.fed", d / "be.fed.card")):
        rust("trust", "add", "--trust", st, "--card", card, "--clearance", "category:subscriber")
    pkg = d / "for-be.rgt"
    f = w.root / "in" / "subscriber.csv"
    r = rust("seal", "--key", w.key("de.bka"), "--trust", st, "--to", "be.fed", "--field", f"subscriber.csv={f}",
             "--tags", "subscriber.csv=category:subscriber", "--case", "C", "--legal-basis", "B",
             "--retain-until", "2030-12-31", "-o", pkg)
    res.record(G, "P0: rogatory seal for be.fed", r.rc == 0, r.err)
    o = peer("open", "--key", d / "be.fed.key", "--trust", st, "--out-dir", d / "out", pkg,
             env={"ROGATORY_PASSPHRASE_FILE": str(d / "pass")}).json()
    res.record(G, "P0: the peer opens it with the protected key file and its passphrase",
               o.get("stage") == "open" and (d / "out" / "subscriber.csv").read_bytes() == w.inputs["subscriber.csv"]
               if (d / "out" / "subscriber.csv").exists() else False, str(o))
    (d / "wrong").write_text("wrong\n")
    o = peer("open", "--key", d / "be.fed.key", "--trust", st, "--out-dir", d / "out2", pkg,
             env={"ROGATORY_PASSPHRASE_FILE": str(d / "wrong")}).json()
    res.check(G, "P0: a wrong passphrase is refused", "bad_file", o.get("outcome"))


def stanza_bound_case(peer: Peer, rust: Rust, res: Results, w: World, pkg: Path) -> None:
    """B1: the decoder's bound on a stanza ciphertext (§2.4 says 135 220, §6.3 bytes<135232>).

    The trailer of a valid package is re-encoded with the peer's ``decode``/``encode`` and
    stanza ciphertexts of 135 220 and 135 221 bytes; both implementations must read the first
    (it then fails verification) and refuse the second as malformed.
    """
    import hashlib
    import json

    data = pkg.read_bytes()
    n = len(data)
    foot = data[n - 68:]
    to, tl, rl = (int.from_bytes(foot[i:i + 8], "little") for i in (0, 8, 16))
    count = int.from_bytes(foot[24:28], "little")
    (w.root / "b1-trailer.bin").write_bytes(data[to:to + tl])
    t = peer("decode", "trailer", w.root / "b1-trailer.bin").json()
    if not res.check(G, "B1: peer decodes the trailer of its package", "ok", t.get("outcome")):
        return
    for size, readable in ((135220, True), (135221, False)):
        v = dict(t["value"])
        v["stanzas"] = [{kem: {"enc": st["enc"], "ciphertext": os.urandom(size).hex()}}
                        for s in v["stanzas"] for kem, st in s.items()]
        (w.root / f"b1-{size}.json").write_text(json.dumps(v))
        peer("encode", "trailer", w.root / f"b1-{size}.json", "--out", w.root / f"b1-{size}.bin")
        nt = (w.root / f"b1-{size}.bin").read_bytes()
        head = to.to_bytes(8, "little") + len(nt).to_bytes(8, "little") + rl.to_bytes(8, "little") + count.to_bytes(4, "little")
        footer = head + hashlib.sha256(b"rogatory/v1 footer" + head).digest() + b"RGTRYEND"
        p = w.root / f"b1-stanza-{size}.rgt"
        p.write_bytes(data[:to] + nt + data[to + tl:n - 68] + footer)
        pr = peer("verify", "--trust", w.trust("fr"), p).json()
        rr = rust("inspect", p)
        peer_read = not (pr.get("stage") == "read" and pr.get("outcome") == "malformed")
        res.record(G, f"B1: stanza ciphertexts of {size} bytes {'read' if readable else 'refused as malformed'} "
                      f"by the peer ({pr.get('stage')}/{pr.get('outcome')}) and by rogatory inspect (exit {rr.rc})",
                   peer_read == readable and (rr.rc == 0) == readable, f"{pr} {rr.err.strip()}")


def key_lifecycle_cases(peer: Peer, rust: Rust, res: Results, w: World, rpkg: Path) -> None:
    """K1 rotation (§3.6) and K2 revocation (§3.7, §10.4 rule 11b), with statements made by
    ``rogatory card rotate`` / ``card revoke`` and recorded by ``rogatory trust``."""
    import shutil

    d = w.root / "lifecycle"
    d.mkdir()
    # K1: de.bka rotates; a store that accepts the rotation still verifies the old package and
    # verifies a package sealed with the successor key.
    shutil.copy(w.key("de.bka"), d / "old.key")
    os.chmod(d / "old.key", 0o600)
    r = rust("card", "rotate", "--key", d / "old.key", *rust.no_passphrase, "--out-dir", d / "rot",
             "--ledger", d / "ledger")
    rot = sorted((d / "rot").glob("*.rotation"))
    if res.record(G, "K1: rogatory card rotate", r.rc == 0 and len(rot) == 1, r.err):
        new_key = sorted((d / "rot").glob("*.key"))[0]
        for store in ("py", "de"):
            shutil.copy(w.trust(store), d / f"{store}.trust")
            r = rust("trust", "add", "--trust", d / f"{store}.trust", "--rotation", rot[0])
            res.record(G, f"K1: rogatory trust add --rotation into {store}.trust", r.rc == 0, r.err)
        v = peer("verify", "--trust", d / "py.trust", rpkg).json()
        res.check(G, "K1: the peer reads the store with the rotation and verifies the old key's package",
                  "ok", v.get("outcome"))
        newpkg = d / "after-rotation.rgt"
        f = w.root / "in" / "chat.txt"
        r = rust("seal", "--key", new_key, "--trust", d / "de.trust", "--to", "fr.pnat", "--field", f"chat.txt={f}",
                 "--tags", f"chat.txt={TAGS['chat.txt']}", "--case", "C", "--legal-basis", "B",
                 "--retain-until", "2030-12-31", "--ledger", d / "ledger", "-o", newpkg)
        if res.record(G, "K1: rogatory seals with the successor key", r.rc == 0, r.err):
            v = peer("verify", "--trust", d / "py.trust", newpkg).json()
            res.check(G, "K1: the peer verifies the successor's package", "ok", v.get("outcome"))
            peer_open_check(peer, res, w, newpkg, "fr.pnat", "lifecycle/py", {"chat.txt": w.inputs["chat.txt"]}, "K1")
        # a rotation statement whose signature is changed makes the store unreadable (step 10)
        bad = d / "bad-rotation.trust"
        text = (d / "py.trust").read_text()
        import re

        m = re.search(r'rotation = "([0-9a-f]+)"', text)
        if res.record(G, "K1: the store records the statement", m is not None):
            assert m is not None
            h = m.group(1)
            bad.write_text(text.replace(h, h[:-2] + ("00" if h[-2:] != "00" else "01")))
            v = peer("verify", "--trust", bad, rpkg).json()
            rr = rust("verify", "--trust", bad, rpkg)
            res.record(G, f"K1: a forged rotation statement: peer refuses the store ({v.get('outcome')}), "
                          f"rogatory too (exit {rr.rc})", v.get("outcome") == "bad_file" and rr.rc != 0, str(v))
    # K2: de.bka revoked from the start of today (by the key itself): what it signed since is
    # refused (custody rule `revoked`); revoked from now: the earlier package still verifies.
    day = time.strftime("%Y-%m-%d", time.gmtime())
    for label, when, ok in (("from the start of today", ["--compromised", day], False), ("from now", [], True)):
        stmt = d / f"revocation-{ok}.bin"
        r = rust("card", "revoke", "--key", w.key("de.bka"), *when, "--reason", "laptop seized", "-o", stmt)
        if not res.record(G, f"K2: rogatory card revoke {label}", r.rc == 0, r.err):
            continue
        (d / f"rev-{ok}.trust").write_bytes(w.trust("py").read_bytes())
        r = rust("trust", "revoke", "--trust", d / f"rev-{ok}.trust", "--statement", stmt)
        res.record(G, f"K2: rogatory trust revoke ({label})", r.rc == 0, r.err)
        v = peer("verify", "--trust", d / f"rev-{ok}.trust", rpkg).json()
        rr = rust("verify", "--trust", d / f"rev-{ok}.trust", rpkg)
        got = (v.get("outcome"), v.get("event"), v.get("rule"))
        want = ("ok", None, None) if ok else ("custody", 0, "revoked")
        res.record(G, f"K2: revoked {label}: peer gives {got}, rogatory exits {rr.rc}",
                   got == want and (rr.rc == 0) == ok, f"{v} {rr.err.strip()}")


def run_cross(peer: Peer, rust: Rust, res: Results, w: World, python_peer: bool = False) -> dict[str, Path]:
    """The file-level cross checks; returns packages the transport cases reuse."""
    inp = w.inputs
    chat_lines = inp["chat.txt"].splitlines(keepends=True)
    if python_peer and rust.protected_keys:
        protected_key_case(peer, rust, res, w)
    # --- R1: a package sealed by the reference, read by the peer ---------------------------------
    rpkg = w.root / "rust-sealed.rgt"
    r = rust("seal", "--key", w.key("de.bka"), "--trust", w.trust("de"), "--to", "fr.pnat,nl.om,py.alpha",
             *w.field_args(), "--case", "CASE-2026-0042", "--legal-basis", "Art. 18 Budapest Convention",
             "--retain-until", "2030-12-31", "--onward", "nl.om", "-o", rpkg)
    res.record(G, "R1: rogatory seal", r.rc == 0, r.err)
    v = peer("verify", "--trust", w.trust("py"), rpkg).json()
    res.check(G, "R1: peer verifies the Rust-sealed package (no key)", "ok", v.get("outcome"))
    v = peer("verify", "--trust", w.trust("nosigner"), rpkg).json()
    res.check(G, "R1: peer refuses it with a trust store lacking the signer", "unknown_party", v.get("outcome"))
    peer_open_check(peer, res, w, rpkg, "fr.pnat", "py",
                    {"chat.txt": inp["chat.txt"], "subscriber.csv": inp["subscriber.csv"], "disk.img": inp["disk.img"],
                     "empty.txt": b""}, "R1")
    peer_open_check(peer, res, w, rpkg, "nl.om", "py",
                    {"chat.txt": None, "subscriber.csv": inp["subscriber.csv"], "disk.img": None}, "R1")
    peer_open_check(peer, res, w, rpkg, "py.alpha", "py",
                    {"chat.txt": None, "subscriber.csv": None, "disk.img": inp["disk.img"]}, "R1")
    r2 = peer("open", "--key", w.key("py.stranger"), "--trust", w.trust("py"), "--out-dir", w.root / "o-stranger", rpkg).json()
    res.check(G, "R1: peer: a key with no stanza is not a recipient", "not_a_recipient", r2.get("outcome"))
    differential(peer, rust, res, w, rpkg, "py", "R1")
    if rust.lifecycle:
        key_lifecycle_cases(peer, rust, res, w, rpkg)
    # --- R2: an extract made by the reference --------------------------------------------------------
    rx = w.root / "rust.rgx"
    r = rust("extract", "--key", w.key("fr.pnat"), "--trust", w.trust("fr"), rpkg, "--field", "chat.txt",
             "--segments", "0,2,5-7", "-o", rx)
    res.record(G, "R2: rogatory extract", r.rc == 0, r.err)
    x = peer("verify-extract", "--trust", w.trust("py"), rx).json()
    res.check(G, "R2: peer verifies the Rust extract", "ok", x.get("outcome"))
    segs = [(s["segment"], bytes.fromhex(s["data"])) for s in x.get("segments", [])]
    res.check(G, "R2: extract segments are the chosen lines", [(i, chat_lines[i]) for i in (0, 2, 5, 6, 7)], segs)
    xb = rx.read_bytes()
    at = xb.find(chat_lines[5])
    if res.record(G, "R2: segment 5 found in the extract bytes", at > 0):
        bad = w.root / "rust-changed.rgx"
        bad.write_bytes(flip(xb, at + 3))
        x = peer("verify-extract", "--trust", w.trust("py"), bad).json()
        rr = rust("verify-extract", "--trust", w.trust("py"), bad)
        res.record(G, f"R2: a changed segment: peer refuses ({x.get('outcome')}), rogatory refuses",
                   x.get("outcome") == "inclusion_proof" and rr.rc == 4, f"{x} {rr.rc}")
    # --- R3: a redaction and a forward by the reference --------------------------------------------
    red = w.root / "rust-redacted.rgt"
    r = rust("redact", "--key", w.key("fr.pnat"), "--trust", w.trust("fr"), rpkg, "--drop-segments", "chat.txt:1,3",
             "--drop-field", "subscriber.csv", "--reason", "third-party data", "--legal-basis", "Art. 12", "-o", red)
    res.record(G, "R3: rogatory redact", r.rc == 0, r.err)
    v = peer("verify", "--trust", w.trust("py"), red).json()
    res.check(G, "R3: peer verifies the Rust-redacted package", "ok", v.get("outcome"))
    kept = b"".join(l for i, l in enumerate(chat_lines) if i not in (1, 3))
    peer_open_check(peer, res, w, red, "fr.pnat", "py",
                    {"chat.txt": kept, "subscriber.csv": None, "disk.img": inp["disk.img"]}, "R3")
    fwd = w.root / "rust-forwarded.rgt"
    r = rust("forward", "--key", w.key("fr.pnat"), "--trust", w.trust("fr"), "--to", "nl.om", red, "-o", fwd)
    res.record(G, "R3: rogatory forward to nl.om", r.rc == 0, r.err)
    peer_open_check(peer, res, w, fwd, "nl.om", "nl",
                    {"chat.txt": kept, "subscriber.csv": None, "disk.img": inp["disk.img"]}, "R3-forwarded")
    # --- P1: a package sealed by the peer, read by the reference -------------------------------------
    ppkg = w.root / "peer-sealed.rgt"
    r = peer("seal", "--key", w.key("py.alpha"), "--trust", w.trust("py"), "--to", "fr.pnat,nl.om", *w.field_args(),
             "--case", "PY-2026-7", "--legal-basis", "Art. 18 Budapest Convention", "--retain-until", "2030-12-31",
             "--onward", "nl.om", "-o", ppkg)
    res.record(G, "P1: peer seal", r.rc == 0, r.out + r.err)
    rr = rust("verify", "--trust", w.trust("fr"), ppkg)
    res.record(G, "P1: rogatory verify accepts the peer-sealed package", rr.rc == 0, rr.err.strip())
    rr = rust("verify", "--trust", w.trust("fr"), "--key", w.key("fr.pnat"), ppkg)
    res.record(G, "P1: rogatory verify --key (stanza, metadata, segments) accepts it", rr.rc == 0, rr.err.strip())
    rust_open_check(rust, res, w, ppkg, "fr.pnat", "fr",
                    {"chat.txt": inp["chat.txt"], "subscriber.csv": inp["subscriber.csv"], "disk.img": inp["disk.img"],
                     "empty.txt": b""}, "P1")
    rust_open_check(rust, res, w, ppkg, "nl.om", "nl", {"chat.txt": None, "subscriber.csv": inp["subscriber.csv"],
                                                          "disk.img": None}, "P1")
    rust_open_check(rust, res, w, ppkg, "py.alpha", "fr",
                    {"chat.txt": inp["chat.txt"], "subscriber.csv": inp["subscriber.csv"], "disk.img": inp["disk.img"]},
                    "P1-sealer-own-key")
    v = peer("verify", "--trust", w.trust("py"), ppkg).json()
    res.check(G, "P1: peer verifies its own package", "ok", v.get("outcome"))
    stanza_bound_case(peer, rust, res, w, ppkg)
    # a note appended in place by the reference (§9.4, §10.5) to the peer's package
    noted = w.root / "peer-sealed-noted.rgt"
    noted.write_bytes(ppkg.read_bytes())
    r = rust("custody", "append", "--key", w.key("fr.pnat"), "--trust", w.trust("fr"), "--action", "note",
             "--text", "Eingang bestätigt; weitergeleitet an die Ermittlungsgruppe", noted)
    res.record(G, "P1: rogatory custody append (note) to the peer-sealed package", r.rc == 0, r.err)
    v = peer("verify", "--trust", w.trust("py"), noted).json()
    res.check(G, "P1: peer verifies the chain with the reference's note", "ok", v.get("outcome"))
    peer_open_check(peer, res, w, noted, "nl.om", "py", {"subscriber.csv": inp["subscriber.csv"]}, "P1-noted")
    # a key file that others may read is refused (§3.4)
    loose = w.root / "loose.key"
    loose.write_bytes(w.key("fr.pnat").read_bytes())
    os.chmod(loose, 0o644)
    o = peer("open", "--key", loose, "--trust", w.trust("py"), "--out-dir", w.root / "o-loose", ppkg).json()
    res.check(G, "P1: peer refuses a key file readable by others (§3.4)", "bad_file", o.get("outcome"))
    differential(peer, rust, res, w, ppkg, "fr", "P1")
    px = w.root / "peer-sealed.rgx"
    r = rust("extract", "--key", w.key("fr.pnat"), "--trust", w.trust("fr"), ppkg, "--field", "chat.txt", "-o", px)
    res.record(G, "P1: rogatory extract from the peer-sealed package", r.rc == 0, r.err)
    rr = rust("verify-extract", "--trust", w.trust("fr"), px)
    res.record(G, "P1: rogatory verify-extract", rr.rc == 0, rr.err)
    x = peer("verify-extract", "--trust", w.trust("py"), px).json()
    res.check(G, "P1: peer verify-extract", "ok", x.get("outcome"))
    pred = w.root / "peer-sealed-redacted.rgt"
    r = rust("redact", "--key", w.key("fr.pnat"), "--trust", w.trust("fr"), ppkg, "--drop-segments", "chat.txt:0",
             "--reason", "r", "--legal-basis", "b", "-o", pred)
    res.record(G, "P1: rogatory redacts the peer-sealed package", r.rc == 0, r.err)
    peer_open_check(peer, res, w, pred, "fr.pnat", "py",
                    {"chat.txt": b"".join(chat_lines[1:]), "subscriber.csv": inp["subscriber.csv"], "disk.img": inp["disk.img"]},
                    "P1-redacted")
    return {"rust_sealed": rpkg, "peer_sealed": ppkg}
