"""Shared pieces of the interop harness: running the peer and the reference binaries,
recording results, and writing the two local file formats the cases need (the trust
store of spec §3.3 and the unprotected key file of §3.4) without using the peer.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence

CALL_TIMEOUT = 120  # seconds per command

# The outcome classes a peer may name for a refusal (spec Appendix A, §2.5, §12.9, README).
REFUSALS = {
    "malformed", "tampered", "decryption", "not_a_recipient", "not_cleared", "expired", "not_yet_valid",
    "unknown_party", "card_not_valid", "bad_signature", "custody", "not_entitled", "unsafe_field_name",
    "interrupted_append", "bad_file", "digest_mismatch", "removed",
    "leaf_missing", "segments_come_back", "removed_field_comes_back", "change_without_redaction",
    "removal_list_mismatch", "removal_of_unchanged_field", "field_count_changed", "unsigned_removal",
    "unsigned_envelope_change", "stanza_count", "cut_without_key", "stanza_recipients", "actor_not_holder",
    "onward_consent", "stanza_not_yours", "package_signature", "metadata_commitment", "metadata_decryption",
    "metadata_malformed", "leaf_counts", "metadata_sender", "custody_details", "inclusion_proof",
}


@dataclass
class Run:
    rc: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        """The peer's one JSON object (last non-empty line of standard output)."""
        lines = [x for x in self.out.splitlines() if x.strip()]
        if not lines:
            return {"outcome": "no_output", "stderr": self.err[-2000:]}
        try:
            obj = json.loads(lines[-1])
        except json.JSONDecodeError:
            return {"outcome": "bad_json", "stdout": self.out[-2000:]}
        return obj if isinstance(obj, dict) else {"outcome": "bad_json"}


def run(argv: Sequence[str], cwd: Optional[Path] = None, env: Optional[dict[str, str]] = None,
        timeout: int = CALL_TIMEOUT) -> Run:
    try:
        p = subprocess.run(
            list(argv), cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as e:
        return Run(124, (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or ""),
                   f"timeout after {timeout}s")
    return Run(p.returncode, p.stdout, p.stderr)


class Peer:
    """The implementation under test, driven through the command interface of README.md."""

    def __init__(self, cmd: str) -> None:
        self.argv = shlex.split(cmd)

    def __call__(self, *args: object, timeout: int = CALL_TIMEOUT, env: Optional[dict[str, str]] = None) -> Run:
        full = None if env is None else {**os.environ, **env}
        return run(self.argv + [str(a) for a in args], timeout=timeout, env=full)


class Rust:
    """The reference binaries (``rogatory``, ``rogatory-send``, ``rogatory-recv``)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.rogatory = str(bindir / "rogatory")
        self.send = str(bindir / "rogatory-send")
        self.recv = str(bindir / "rogatory-recv")
        help_text = run([self.rogatory, "keygen", "--help"]).out
        self.no_passphrase = ["--no-passphrase"] if "--no-passphrase" in help_text else []
        self.protected_keys = "ROGATORY_NEW_PASSPHRASE_FILE" in help_text
        self.classical = ["--classical"] if "--classical" in help_text else []
        card_help = run([self.rogatory, "card", "--help"]).out
        self.lifecycle = "rotate" in card_help and "revoke" in card_help

    def __call__(self, *args: object, cwd: Optional[Path] = None, timeout: int = CALL_TIMEOUT) -> Run:
        return run([self.rogatory] + [str(a) for a in args], cwd=cwd, timeout=timeout)

    def keygen(self, party: str, out_dir: Path, classical: bool = False) -> Run:
        """A hybrid card by default (when the binaries make them); ``classical`` asks for an
        X25519-only card."""
        extra = self.classical if classical else []
        return self("keygen", *self.no_passphrase, *extra, "--party", party, "--out-dir", str(out_dir))


@dataclass
class Results:
    """Pass/fail per group, with the details of every failure."""

    groups: dict[str, list[int]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, group: str, name: str, ok: bool, detail: str = "") -> bool:
        with self.lock:
            g = self.groups.setdefault(group, [0, 0])
            g[0 if ok else 1] += 1
            if not ok:
                self.failures.append(f"[{group}] {name}: {detail}")
        return ok

    def check(self, group: str, name: str, expected: Any, got: Any) -> bool:
        ok = expected == got
        return self.record(group, name, ok, "" if ok else f"expected {expected!r}, got {got!r}")

    @property
    def failed(self) -> int:
        return sum(f for _, f in self.groups.values())


# --- local file formats, written by the harness itself ----------------------------------------


def toml_string(s: str) -> str:
    out = ['"']
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out) + '"'


def write_trust(path: Path, entries: Sequence[tuple[str, str, str, Sequence[str]]]) -> None:
    """A trust store file (spec §3.3): ``(party, key id hex, card hex, clearances)`` each."""
    lines = ["# trust store written by the interop harness (spec §3.3)", ""]
    for party, kid, card, clr in sorted(entries, key=lambda e: (e[0].encode(), e[1])):
        lines += [
            "[[party]]",
            f"party = {toml_string(party)}",
            f'key_id = "{kid}"',
            f'card = "{card}"',
            "clearances = [" + ", ".join(toml_string(c) for c in sorted(set(clr), key=str.encode)) + "]",
            "retired = false",
            "",
        ]
    path.write_text("\n".join(lines), "utf-8")


def write_key_file(
    path: Path, card: bytes, ed25519_seed: bytes, x25519_secret: bytes, xwing_seed: Optional[bytes] = None
) -> None:
    """An unprotected secret key file without TLS key (spec §3.4), mode 0600; with the X-Wing
    seed of a hybrid card when there is one."""
    data = b"RGTRYKEY" + (1).to_bytes(2, "little") + len(card).to_bytes(8, "little") + card
    data += ed25519_seed + x25519_secret
    data += b"\x00" if xwing_seed is None else b"\x01" + xwing_seed
    data += b"\x00"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)


def card_key_id(trust_toml: Path, party: str) -> Optional[str]:
    """The key id of ``party`` in a trust store file (read with tomllib, for test setup)."""
    import tomllib

    doc = tomllib.loads(trust_toml.read_text("utf-8"))
    for t in doc.get("party", []):
        if t.get("party") == party:
            return t.get("key_id")
    return None


def flip(data: bytes, offset: int, bit: int = 0) -> bytes:
    b = bytearray(data)
    b[offset] ^= 1 << bit
    return bytes(b)
