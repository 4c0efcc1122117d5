"""Every test vector of spec/vectors/ (spec Appendix A), checked through the peer's CLI.

* wire: ``decode`` gives the vector's outcome; for ``ok`` the JSON value equals ``value``
  and ``encode`` of ``value`` gives ``hex`` back;
* package: ``verify`` gives ``read``/``verify``; for each ``unlock`` entry, ``open`` at
  ``now`` gives the unlock outcome and every field's outcome, and each ``ok`` field's bytes
  equal the vector's plaintext;
* custody: ``verify`` gives ``verify``, ``event`` and ``rule``;
* redaction: ``verify`` + ``open`` (package) or ``verify-extract`` give ``outcome``, and a
  positive package gives exactly ``readable``.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Optional

from .util import Peer, Results, write_key_file, write_trust


def _vector_files(root: Path, sub: str) -> list[Path]:
    return sorted((root / sub).glob("*.json"))


def _setup_parties(d: dict[str, Any], work: Path) -> tuple[Path, dict[str, Path]]:
    """The vector's trust store (§3.3) and a key file (§3.4) per party with test secrets."""
    cards = {p["party"]: p for p in d["parties"]}
    entries: list[tuple[str, str, str, list[str]]] = []
    for t in d["trust"]:
        if isinstance(t, str):  # custody vectors list key ids only
            p = next(x for x in d["parties"] if x["key_id"] == t)
            entries.append((p["party"], p["key_id"], p["card"], []))
        else:
            p = cards[t["party"]]
            entries.append((t["party"], t["key_id"], p["card"], t.get("clearances", [])))
    trust = work / "trust.toml"
    write_trust(trust, entries)
    keys: dict[str, Path] = {}
    for p in d["parties"]:
        s = p.get("test_secrets")
        if s:
            kp = work / f"{p['party']}.key"
            xw = s.get("xwing_seed")
            write_key_file(kp, bytes.fromhex(p["card"]), bytes.fromhex(s["ed25519_seed"]),
                           bytes.fromhex(s["x25519_secret"]), bytes.fromhex(xw) if xw else None)
            keys[p["party"]] = kp
    return trust, keys


def wire_vector(peer: Peer, res: Results, f: Path, work: Path) -> None:
    d = json.loads(f.read_text())
    name = d["name"]
    w = work / "wire" / name
    w.mkdir(parents=True, exist_ok=True)
    (w / "input.bin").write_bytes(bytes.fromhex(d["hex"]))
    r = peer("decode", d["structure"], w / "input.bin").json()
    if not res.check("wire", f"{name} (outcome)", d["outcome"], r.get("outcome")):
        return
    if d["outcome"] != "ok":
        return
    if not res.check("wire", f"{name} (value)", d["value"], r.get("value")):
        return
    (w / "value.json").write_text(json.dumps(d["value"]))
    r = peer("encode", d["structure"], w / "value.json", "--out", w / "reencoded.bin").json()
    got = (w / "reencoded.bin").read_bytes().hex() if (w / "reencoded.bin").exists() else None
    res.check("wire", f"{name} (re-encode)", d["hex"], got)


def _stage_outcomes(v: dict[str, Any]) -> tuple[str, Optional[str]]:
    """(read, verify) outcomes from a peer ``verify`` answer."""
    if v.get("outcome") == "ok":
        return "ok", "ok"
    if v.get("stage") == "read":
        return v.get("outcome", "?"), None
    return "ok", v.get("outcome", "?")


def package_vector(peer: Peer, res: Results, f: Path, work: Path) -> None:
    d = json.loads(f.read_text())
    name = d["name"]
    w = work / "package" / name
    w.mkdir(parents=True, exist_ok=True)
    trust, keys = _setup_parties(d, w)
    pkg = w / "package.rgt"
    pkg.write_bytes(bytes.fromhex(d["package"]))
    exp = d["expected"]
    read, ver = _stage_outcomes(peer("verify", "--trust", trust, pkg).json())
    ok = res.check("package", f"{name} (read)", exp["read"], read)
    ok = res.check("package", f"{name} (verify)", exp["verify"], ver) and ok
    if not ok:
        return
    for u in exp["unlock"]:
        party = u["party"]
        out = w / f"out-{party}"
        r = peer("open", "--key", keys[party], "--trust", trust, "--now", str(d["now"]), "--out-dir", out, pkg).json()
        unlock = "ok" if r.get("stage") == "open" else r.get("outcome")
        if not res.check("package", f"{name} (unlock by {party})", u["outcome"], unlock) or unlock != "ok":
            continue
        got = {x["field"]: x for x in r.get("fields", [])}
        for fo in u["open"]:
            g = got.get(fo["field"], {})
            if not res.check("package", f"{name} (open field {fo['field']} by {party})", fo["outcome"], g.get("outcome")):
                continue
            pt = d["fields"][fo["field"]]["plaintext"]
            if fo["outcome"] == "ok" and pt is not None:
                data = (out / g["file"]).read_bytes().hex() if g.get("file") else None
                res.check("package", f"{name} (plaintext field {fo['field']} by {party})", pt, data)


def custody_vector(peer: Peer, res: Results, f: Path, work: Path) -> None:
    d = json.loads(f.read_text())
    name = d["name"]
    w = work / "custody" / name
    w.mkdir(parents=True, exist_ok=True)
    trust, _ = _setup_parties(d, w)
    pkg = w / "package.rgt"
    pkg.write_bytes(bytes.fromhex(d["package"]))
    r = peer("verify", "--trust", trust, pkg).json()
    got = {"verify": r.get("outcome"), "event": r.get("event"), "rule": r.get("rule")}
    res.check("custody", name, d["expected"], got)


def redaction_outcome(r: dict[str, Any]) -> str:
    """The outcome a redaction vector names: a class of §12.9, an entitlement rule, or §14's."""
    if r.get("outcome") == "ok" and r.get("stage", "open") == "open":
        return "ok"
    if r.get("redaction"):
        return str(r["redaction"])
    if r.get("outcome") == "not_entitled" and r.get("rule"):
        return str(r["rule"])
    return str(r.get("outcome"))


def redaction_vector(peer: Peer, res: Results, f: Path, work: Path) -> None:
    d = json.loads(f.read_text())
    name = d["name"]
    w = work / "redaction" / name
    w.mkdir(parents=True, exist_ok=True)
    trust, keys = _setup_parties(d, w)
    exp = d["expected"]
    readable: list[dict[str, str]] = []
    if d["input"] == "extract":
        x = w / "input.rgx"
        x.write_bytes(bytes.fromhex(d["bytes"]))
        outcome = redaction_outcome(peer("verify-extract", "--trust", trust, x).json())
    else:
        pkg = w / "package.rgt"
        pkg.write_bytes(bytes.fromhex(d["bytes"]))
        v = peer("verify", "--trust", trust, pkg).json()
        if v.get("outcome") != "ok":
            outcome = redaction_outcome(v)
        else:
            out = w / "out"
            r = peer("open", "--key", keys[d["holder"]], "--trust", trust, "--now", str(d["now"]), "--out-dir", out, pkg).json()
            outcome = redaction_outcome(r)
            if outcome == "ok":
                for fo in r.get("fields", []):
                    if fo.get("outcome") == "ok":
                        readable.append(
                            {"field": fo["name"], "segments": fo["segments"], "plaintext": (out / fo["file"]).read_bytes().hex()}
                        )
                    elif fo.get("outcome") not in ("not_cleared", "removed"):
                        outcome = str(fo.get("outcome"))
    res.check("redaction", f"{name} (outcome)", exp["outcome"], outcome)
    if exp["outcome"] == "ok" and outcome == "ok":
        res.check("redaction", f"{name} (readable)", exp["readable"], readable)


RUNNERS: dict[str, Callable[[Peer, Results, Path, Path], None]] = {
    "wire": wire_vector,
    "package": package_vector,
    "custody": custody_vector,
    "redaction": redaction_vector,
}


def run_vectors(peer: Peer, res: Results, root: Path, work: Path, jobs: int = 2) -> dict[str, int]:
    """Run every vector directory; returns the number of vector files per directory."""
    counts: dict[str, int] = {}
    tasks = []
    for sub, fn in RUNNERS.items():
        files = _vector_files(root, sub)
        counts[sub] = len(files)
        tasks += [(fn, f) for f in files]

    def one(t: tuple[Callable[[Peer, Results, Path, Path], None], Path]) -> None:
        fn, f = t
        try:
            fn(peer, res, f, work)
        except Exception as e:  # noqa: BLE001 - a crash of one vector is a failure, not the end
            res.record(fn.__name__.replace("_vector", ""), f.stem, False, f"harness error: {type(e).__name__}: {e}")

    with ThreadPoolExecutor(max_workers=jobs) as ex:
        list(ex.map(one, tasks))
    return counts
