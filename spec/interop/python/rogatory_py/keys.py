"""Identities (spec §3): party cards, key ids, the trust store file and the secret key file.

Also the TLS identity a party's card pins (§3.1 ``tls_spki_sha256``, §13.1): an ECDSA
P-256 key with a self-signed certificate, made with ``cryptography``.
"""

from __future__ import annotations

import datetime as _dt
import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from . import primitives as P
from . import xwing
from .encoding import Str
from .errors import DecodeError, RogatoryError
from .structures import (
    CARD_BODY,
    CARD_MAX,
    CLEARANCES,
    CLEARANCES_MAX,
    PARTY_CARD,
    REVOCATION_BODY,
    ROTATION_BODY,
    decode,
)

LABEL_KEY_ID = b"rogatory/v1 key-id"
LABEL_SIG_CARD = b"rogatory/v1 sig card"
LABEL_SIG_ROTATION = b"rogatory/v1 sig rotation"
LABEL_SIG_REVOCATION = b"rogatory/v1 sig revocation"
KEYFILE_MAGIC = b"RGTRYKEY"


@dataclass(frozen=True)
class Card:
    """A decoded, self-signature-checked party card (§3.1)."""

    raw: bytes
    party: str
    signing_key: bytes
    agreement_key: bytes
    tls_spki_sha256: bytes
    not_before: int
    not_after: int
    key_id: bytes
    hybrid_key: Optional[bytes] = None  # the X-Wing public key of a hybrid card (§3.1)

    def valid_at(self, t: int) -> bool:
        """``not_before <= t <= not_after`` (§3.1)."""
        return self.not_before <= t <= self.not_after

    def fingerprint(self) -> str:
        """The key id in 16 groups of 4 hex digits (§3.1)."""
        h = self.key_id.hex()
        return " ".join(h[i : i + 4] for i in range(0, 64, 4))


def key_id_of(
    signing_key: bytes, agreement_key: bytes, tls_spki_sha256: bytes, hybrid_key: Optional[bytes] = None
) -> bytes:
    """``SHA-256(label "rogatory/v1 key-id" || signing || agreement || tls pin [|| hybrid])``
    (§3.1)."""
    return P.sha256(LABEL_KEY_ID, signing_key, agreement_key, tls_spki_sha256, hybrid_key or b"")


def parse_card(raw: bytes, check_signature: bool = True) -> Card:
    """Decode a ``party card`` (§2.5) and verify its self-signature strictly (§3.1)."""
    v = decode("party card", raw)
    b = v["body"]
    if check_signature:
        msg = LABEL_SIG_CARD + CARD_BODY.encode(b)
        if not P.ed25519_verify_strict(b["signing_key"], msg, v["signature"]):
            raise RogatoryError("bad_signature", f"card of {b['party']}: self-signature")
        if b["hybrid_key"] is not None and not xwing.valid_public_key(b["hybrid_key"]):
            raise RogatoryError("bad_file", f"card of {b['party']}: the hybrid key is not a valid ML-KEM-768 key")
    return Card(
        raw=bytes(raw),
        party=b["party"],
        signing_key=b["signing_key"],
        agreement_key=b["agreement_key"],
        tls_spki_sha256=b["tls_spki_sha256"],
        not_before=b["not_before"],
        not_after=b["not_after"],
        key_id=key_id_of(b["signing_key"], b["agreement_key"], b["tls_spki_sha256"], b["hybrid_key"]),
        hybrid_key=b["hybrid_key"],
    )


def make_card(
    party: str,
    seed: bytes,
    agreement_secret: bytes,
    tls_pin: bytes,
    not_before: int,
    not_after: int,
    hybrid_seed: Optional[bytes] = None,
) -> bytes:
    """Build and self-sign a party card (§3.1); hybrid with an X-Wing seed."""
    body = {
        "party": party,
        "signing_key": P.ed25519_public(seed),
        "agreement_key": P.x25519_public(agreement_secret),
        "tls_spki_sha256": tls_pin,
        "not_before": not_before,
        "not_after": not_after,
        "hybrid_key": None if hybrid_seed is None else xwing.public_key(hybrid_seed),
    }
    enc = CARD_BODY.encode(body)
    return enc + P.ed25519_sign(seed, LABEL_SIG_CARD + enc)


# --- TLS identity ------------------------------------------------------------------------------


def spki_sha256_of_cert(cert_der: bytes) -> bytes:
    """SHA-256 of the DER SubjectPublicKeyInfo of a certificate: the pin (§3.1, §13.1)."""
    cert = x509.load_der_x509_certificate(cert_der)
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return P.sha256(spki)


def make_tls_identity(party: str) -> tuple[bytes, bytes]:
    """A fresh ECDSA P-256 key (PKCS#8 DER) and a self-signed certificate (DER)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, party)])
    now = _dt.datetime.now(_dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(days=1))
        .not_valid_after(now + _dt.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(party)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_der, cert.public_bytes(serialization.Encoding.DER)


# --- Secret key file (§3.4) ---------------------------------------------------------------------


@dataclass
class KeyFile:
    """A party's secret key file (§3.4), checked against its card."""

    card: Card
    signing_seed: bytes
    agreement_secret: bytes
    tls_key_der: Optional[bytes] = None
    tls_cert_der: Optional[bytes] = None
    hybrid_seed: Optional[bytes] = None  # the X-Wing seed of a hybrid card

    @property
    def key_id(self) -> bytes:
        return self.card.key_id

    @property
    def party(self) -> str:
        return self.card.party

    def sign(self, message: bytes) -> bytes:
        return P.ed25519_sign(self.signing_seed, message)

    def encode(self) -> bytes:
        """The file's bytes (§3.4)."""
        out = KEYFILE_MAGIC + (1).to_bytes(2, "little")
        out += len(self.card.raw).to_bytes(8, "little") + self.card.raw
        out += self.signing_seed + self.agreement_secret
        out += b"\x00" if self.hybrid_seed is None else b"\x01" + self.hybrid_seed
        if self.tls_key_der is None:
            out += b"\x00"
        else:
            assert self.tls_cert_der is not None
            out += b"\x01" + len(self.tls_key_der).to_bytes(8, "little") + self.tls_key_der
            out += len(self.tls_cert_der).to_bytes(8, "little") + self.tls_cert_der
        return out


def parse_key_file(data: bytes, name: str = "key file") -> KeyFile:
    """Read a secret key file (§3.4): layout, bounds, then keys against the card."""

    def bad(why: str) -> RogatoryError:
        return RogatoryError("bad_file", f"{name}: {why}")

    if len(data) < 18 or data[:8] != KEYFILE_MAGIC:
        raise bad("not a Rogatory key file (magic)")
    if int.from_bytes(data[8:10], "little") != 1:
        raise bad("unknown key file version")
    c = int.from_bytes(data[10:18], "little")
    if c > CARD_MAX or 18 + c > len(data):
        raise bad("card length")
    pos = 18 + c
    try:
        card = parse_card(data[18:pos], check_signature=False)
    except DecodeError as e:
        raise bad(f"card does not decode ({e.cls})") from None
    if pos + 65 > len(data):
        raise bad("truncated")
    seed, secret, hflag = data[pos : pos + 32], data[pos + 32 : pos + 64], data[pos + 64]
    pos += 65
    hybrid_seed = None
    if hflag == 1:
        if pos + 32 > len(data):
            raise bad("truncated")
        hybrid_seed = data[pos : pos + 32]
        pos += 32
    elif hflag != 0:
        raise bad("X-Wing flag")
    if pos + 1 > len(data):
        raise bad("truncated")
    flag = data[pos]
    pos += 1
    tls_key = tls_cert = None
    if flag == 1:
        parts = []
        for bound in (16384, 65536):
            if pos + 8 > len(data):
                raise bad("truncated")
            n = int.from_bytes(data[pos : pos + 8], "little")
            pos += 8
            if n > bound or pos + n > len(data):
                raise bad("TLS length")
            parts.append(data[pos : pos + n])
            pos += n
        tls_key, tls_cert = parts
    elif flag != 0:
        raise bad("TLS flag")
    if pos != len(data):
        raise bad("trailing bytes")
    remade = make_card(
        card.party, seed, secret, card.tls_spki_sha256, card.not_before, card.not_after, hybrid_seed
    )
    if remade != card.raw:
        raise bad("the keys do not match the card")
    return KeyFile(parse_card(card.raw), seed, secret, tls_key, tls_cert, hybrid_seed)


PROTECTED_MAGIC = b"RGTRYPKY"


def unprotect_key_file(data: bytes, passphrase: bytes, name: str = "key file") -> bytes:
    """Open a protected key file (§3.5): header checks, then scrypt and ChaCha20-Poly1305."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    def bad(why: str) -> RogatoryError:
        return RogatoryError("bad_file", f"{name}: {why}")

    if len(data) < 60 or data[:8] != PROTECTED_MAGIC:
        raise bad("not a protected key file")
    if int.from_bytes(data[8:10], "little") != 1 or data[10] != 1:
        raise bad("unknown version or kdf")
    log_n, r, p = data[11], int.from_bytes(data[12:16], "little"), int.from_bytes(data[16:20], "little")
    if not (10 <= log_n <= 20 and 1 <= r <= 32 and 1 <= p <= 16 and 128 * r * (1 << log_n) <= 1 << 30):
        raise bad("scrypt cost out of bounds")
    n = int.from_bytes(data[52:60], "little")
    if not (16 <= n <= 131088) or n != len(data) - 60:
        raise bad("ciphertext length")
    k = Scrypt(salt=data[20:52], length=32, n=1 << log_n, r=r, p=p).derive(passphrase)
    try:
        return P.aead_once_open(k, data[:60], data[60:])
    except P.AeadError:
        raise bad("wrong passphrase, or the file was changed") from None


def _passphrase() -> bytes:
    """The passphrase from ``ROGATORY_PASSPHRASE_FILE``: its first line (§3.5)."""
    f = os.environ.get("ROGATORY_PASSPHRASE_FILE")
    if not f:
        raise RogatoryError("usage", "a protected key file needs ROGATORY_PASSPHRASE_FILE")
    return Path(f).read_bytes().split(b"\n", 1)[0].rstrip(b"\r")


def load_key_file(path: str | os.PathLike[str]) -> KeyFile:
    """Load a key file (§3.4, or §3.5 protected), refusing one that is not regular or that
    group or others may read or write."""
    p = Path(path)
    st = os.stat(p)
    if not stat.S_ISREG(st.st_mode):
        raise RogatoryError("bad_file", f"{p}: not a regular file")
    if st.st_mode & 0o077:
        raise RogatoryError(
            "bad_file", f"{p}: readable or writable by group or others; fix with: chmod 600 {p}"
        )
    data = p.read_bytes()
    if data[:8] == PROTECTED_MAGIC:
        data = unprotect_key_file(data, _passphrase(), str(p))
    return parse_key_file(data, str(p))


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with mode 0600, atomically (temporary file, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.{P.random_bytes(8).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def keygen(
    party: str, not_before: int, not_after: int, with_tls: bool = True, hybrid: bool = True
) -> KeyFile:
    """Draw a party's keys and self-sign its card (§3.1, §3.4); hybrid (X-Wing) unless told not."""
    if not Str("PartyId").check(party):
        raise RogatoryError("usage", f"invalid party id {party!r}")
    seed, secret = P.random_bytes(32), P.random_bytes(32)
    hybrid_seed = P.random_bytes(32) if hybrid else None
    tls_key = tls_cert = None
    pin = bytes(32)
    if with_tls:
        tls_key, tls_cert = make_tls_identity(party)
        pin = spki_sha256_of_cert(tls_cert)
    raw = make_card(party, seed, secret, pin, not_before, not_after, hybrid_seed)
    return KeyFile(parse_card(raw), seed, secret, tls_key, tls_cert, hybrid_seed)


# --- Trust store (§3.3) -------------------------------------------------------------------------


@dataclass
class TrustEntry:
    """One accepted card (§3.1, §3.3), with its rotation and revocation statements."""

    card: Card
    clearances: list[str] = field(default_factory=list)
    retired: bool = False
    rotation: Optional[bytes] = None  # encode(Rotation), §3.6
    revocation: Optional[bytes] = None  # encode(Revocation), §3.7
    revocation_authority: bool = False
    compromised: Optional[int] = None  # from a verified revocation

    @property
    def revoked(self) -> bool:
        return self.compromised is not None

    @property
    def party(self) -> str:
        return self.card.party

    @property
    def key_id(self) -> bytes:
        return self.card.key_id


class TrustStore:
    """A party's trust store: accepted cards by key id, with clearances (§3.3)."""

    def __init__(self, entries: list[TrustEntry]) -> None:
        self.entries = entries
        self.by_id = {e.key_id: e for e in entries}

    def get(self, key_id: bytes) -> Optional[TrustEntry]:
        """Look a card up by key id, retired or not (§3.3 "Use")."""
        return self.by_id.get(key_id)

    def current(self, party: str, now: int) -> Optional[TrustEntry]:
        """The current card of ``party``: not retired, valid at ``now``, latest ``not_before``."""
        cands = [
            e for e in self.entries
            if e.party == party and not e.retired and not e.revoked and e.card.valid_at(now)
        ]
        return max(cands, key=lambda e: e.card.not_before) if cands else None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "TrustStore":
        """Load a trust store file (§3.3), refusing the whole file on any failed check."""
        p = Path(path)
        if not p.exists():
            return cls([])
        try:
            doc = tomllib.loads(p.read_text("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise RogatoryError("bad_file", f"{p}: not TOML: {e}") from None
        tables = doc.get("party", [])
        if not isinstance(tables, list):
            raise RogatoryError("bad_file", f"{p}: `party` is not an array of tables")
        entries: list[TrustEntry] = []
        seen: set[bytes] = set()
        tag = Str("Tag")
        for i, t in enumerate(tables):
            def bad(why: str) -> RogatoryError:
                return RogatoryError("bad_file", f"{p}: party entry {i}: {why}")

            if not isinstance(t, dict) or set(t) - KEYS:
                raise bad("unknown key")
            party, kid, card_hex = t.get("party"), t.get("key_id"), t.get("card")
            if not isinstance(party, str) or not Str("PartyId").check(party):
                raise bad("party")
            if not isinstance(kid, str) or len(kid) != 64 or any(c not in "0123456789abcdefABCDEF" for c in kid):
                raise bad("key_id")
            try:
                raw = bytes.fromhex(card_hex) if isinstance(card_hex, str) else None
                if raw is None:
                    raise ValueError
                card = parse_card(raw, check_signature=False)
            except (ValueError, DecodeError):
                raise bad("card") from None
            clr = t.get("clearances", [])
            if not isinstance(clr, list) or any(not isinstance(c, str) or not tag.check(c) for c in clr):
                raise bad("clearances")
            clr = CLEARANCES.canonical(clr)
            if len(clr) > CLEARANCES_MAX:
                raise bad("too many clearances")
            retired = t.get("retired", False)
            if not isinstance(retired, bool):
                raise bad("retired")
            try:
                card = parse_card(raw)
            except RogatoryError:
                raise bad("card self-signature") from None
            if card.key_id != bytes.fromhex(kid):
                raise bad("key_id does not match the card")
            if card.party != party:
                raise bad("party does not match the card")
            if card.key_id in seen:
                raise bad("duplicate key id")
            seen.add(card.key_id)
            extra: dict[str, Any] = {}
            for k in ("rotation", "revocation"):
                v = t.get(k)
                if v is not None:
                    try:
                        extra[k] = bytes.fromhex(v) if isinstance(v, str) else None
                    except ValueError:
                        extra[k] = None
                    if extra[k] is None:
                        raise bad(f"{k} is not hexadecimal")
            ra = t.get("revocation_authority", False)
            if not isinstance(ra, bool):
                raise bad("revocation_authority")
            entries.append(TrustEntry(card, clr, retired, extra.get("rotation"), extra.get("revocation"), ra))
        store = cls(entries)
        for i, ent in enumerate(entries):  # step 10: rotations
            if ent.rotation is not None:
                why = check_rotation(ent.rotation, store, ent.card)
                if why:
                    raise RogatoryError("bad_file", f"{p}: party entry {i}: rotation: {why}")
        for i, ent in enumerate(entries):  # step 11: revocations
            if ent.revocation is not None:
                why = check_revocation(ent.revocation, store, ent)
                if why:
                    raise RogatoryError("bad_file", f"{p}: party entry {i}: revocation: {why}")
        return store

    def dump(self) -> str:
        """The file text, entries sorted by party then key id (§3.3 writer rules)."""
        lines = [
            "# Rogatory trust store: the party cards this party accepts.",
            "# Written by rogatory_py (the Python interop implementation).",
            "",
        ]
        for e in sorted(self.entries, key=lambda e: (e.party.encode(), e.key_id)):
            clr = ", ".join(_toml_str(c) for c in CLEARANCES.canonical(e.clearances))
            lines += [
                "[[party]]",
                f"party = {_toml_str(e.party)}",
                f'key_id = "{e.key_id.hex()}"',
                f'card = "{e.card.raw.hex()}"',
                f"clearances = [{clr}]",
                f"retired = {'true' if e.retired else 'false'}",
            ]
            if e.rotation is not None:
                lines.append(f'rotation = "{e.rotation.hex()}"')
            if e.revocation is not None:
                lines.append(f'revocation = "{e.revocation.hex()}"')
            if e.revocation_authority:
                lines.append("revocation_authority = true")
            lines.append("")
        return "\n".join(lines)

    def add(self, card: Card, clearances: list[str], retired: bool = False) -> None:
        """Add a card, or replace the clearances of a card already there."""
        old = self.by_id.get(card.key_id)
        if old is not None:
            old.clearances = CLEARANCES.canonical(clearances)
            return
        e = TrustEntry(card, CLEARANCES.canonical(clearances), retired)
        self.entries.append(e)
        self.by_id[card.key_id] = e


KEYS = {"party", "key_id", "card", "clearances", "retired", "rotation", "revocation", "revocation_authority"}


def check_rotation(raw: bytes, store: "TrustStore", card: Card) -> str:
    """Trust-store step 10 (§3.3) with "Checking" of §3.6; returns why it fails, or ``""``."""
    try:
        r = decode("rotation", raw)
    except DecodeError as e:
        return f"does not decode ({e.cls})"
    body = r["body"]
    pred = store.get(body["predecessor"])
    if pred is None:
        return "its predecessor is not an entry of the store"
    try:
        succ = parse_card(PARTY_CARD.encode(body["successor"]))
    except (RogatoryError, DecodeError):
        return "the successor's self-signature does not verify"
    if succ.party != pred.party or succ.key_id == pred.key_id:
        return "the successor is not another card of the predecessor's party"
    msg = LABEL_SIG_ROTATION + ROTATION_BODY.encode(body)
    if not P.ed25519_verify_strict(pred.card.signing_key, msg, r["signature"]):
        return "not signed by the predecessor"
    if succ.raw != card.raw:
        return "its successor is not this entry's card"
    return ""


def check_revocation(raw: bytes, store: "TrustStore", entry: "TrustEntry") -> str:
    """Trust-store step 11 (§3.3, §3.7); marks ``entry`` compromised; returns why it fails."""
    try:
        r = decode("revocation", raw)
    except DecodeError as e:
        return f"does not decode ({e.cls})"
    b = r["body"]
    if b["key_id"] != entry.key_id or b["party"] != entry.party:
        return "it names another card"
    issuer = store.get(b["issuer"])
    if issuer is None or not (issuer is entry or issuer.revocation_authority):
        return "its issuer is neither the key itself nor a revocation authority of the store"
    if not P.ed25519_verify_strict(issuer.card.signing_key, LABEL_SIG_REVOCATION + REVOCATION_BODY.encode(b), r["signature"]):
        return "its signature does not verify"
    entry.compromised = b["compromised"]
    return ""


def _toml_str(s: str) -> str:
    out = ['"']
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def utc_day_start(t: Optional[int] = None) -> int:
    """The first second of the UTC day of ``t`` (default now)."""
    import time

    t = int(time.time()) if t is None else t
    return t - t % 86400


def parse_date(s: str, end_of_day: bool = False) -> int:
    """``YYYY-MM-DD`` in UTC to POSIX seconds (the first, or last, second of the day)."""
    d = _dt.datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=_dt.timezone.utc)
    t = int(d.timestamp())
    return t + 86399 if end_of_day else t
