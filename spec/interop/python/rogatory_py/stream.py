"""Field encryption (spec §7): the STREAM construction over ChaCha20-Poly1305, segmenting
rules and segment records, and the key schedule of a field (§6.1).
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from . import primitives as P
from .encoding import SegmentSet, u32le
from .errors import RogatoryError
from .merkle import leaf
from .structures import CHUNK_SIZE, SEGMENT_MAX, ctx

TEXT_LINE_LEAVES = 1 << 20
TAG = 16

LABEL_FIELD_AEAD = b"rogatory/v1 field aead-key"
LABEL_FIELD_COMMIT = b"rogatory/v1 field key-commitment"
LABEL_META_AEAD = b"rogatory/v1 metadata aead-key"
LABEL_META_COMMIT = b"rogatory/v1 metadata key-commitment"
LABEL_DETAILS = b"rogatory/v1 custody details-key"
LABEL_RECIPIENT = b"rogatory/v1 recipient-commitment"


# --- Key schedule (§6.1, §6.4) -----------------------------------------------------------------


def field_aead_key(package_id: bytes, f: int, field_key: bytes) -> bytes:
    return P.hkdf(None, field_key, LABEL_FIELD_AEAD + ctx(package_id) + u32le(f))


def field_proof_seed(package_id: bytes, f: int, field_key: bytes) -> bytes:
    return P.hkdf(None, field_key, LABEL_FIELD_COMMIT + ctx(package_id) + u32le(f))


def field_commitment(package_id: bytes, f: int, field_key: bytes) -> bytes:
    """The Ed25519 public key of the field's proof key (§6.1)."""
    return P.ed25519_public(field_proof_seed(package_id, f, field_key))


def metadata_aead_key(package_id: bytes, metadata_key: bytes) -> bytes:
    return P.hkdf(None, metadata_key, LABEL_META_AEAD + ctx(package_id))


def metadata_commitment(package_id: bytes, metadata_key: bytes) -> bytes:
    return P.hkdf(None, metadata_key, LABEL_META_COMMIT + ctx(package_id))


def details_key(
    package_id: bytes, metadata_key: bytes, salt: bytes, kind_tag: int, sequence: int, actor: bytes
) -> bytes:
    """``details_key(e)`` of §6.1 / §10.3."""
    info = LABEL_DETAILS + ctx(package_id) + u32le(kind_tag) + sequence.to_bytes(8, "little") + actor
    return P.hkdf(salt, metadata_key, info)


def recipient_commitment(package_id: bytes, metadata_key: bytes, salt: bytes, key_id: bytes) -> bytes:
    """``recipient_commitment(R)`` of §6.4."""
    return P.hkdf(salt, metadata_key, LABEL_RECIPIENT + ctx(package_id) + key_id)


# --- STREAM (§7.1) ---------------------------------------------------------------------------


def _nonce(i: int, final: bool) -> bytes:
    return b"\x00\x00\x00" + i.to_bytes(8, "big") + (b"\x01" if final else b"\x00")


def _aad(package_id: bytes, f: int) -> bytes:
    return b"\x01\x00\x01\x00" + package_id + u32le(f)


def stream_encrypt(key: bytes, package_id: bytes, f: int, plaintext: bytes, force_final: bool = False) -> bytes:
    """Encrypt a field's plaintext (§7.1); an empty plaintext is one empty final chunk.

    ``force_final`` marks every chunk final (only for building negative test packages).
    """
    aad = _aad(package_id, f)
    n = len(plaintext)
    c = max(1, -(-n // CHUNK_SIZE))
    out = bytearray()
    for i in range(c):
        chunk = plaintext[CHUNK_SIZE * i : CHUNK_SIZE * (i + 1)]
        out += P.aead_encrypt(key, _nonce(i, force_final or i == c - 1), aad, chunk)
    return bytes(out)


def stream_decrypt(key: bytes, package_id: bytes, f: int, ciphertext: bytes) -> Iterator[bytes]:
    """Decrypt chunk by chunk with the geometry taken from the length alone (§7.1).

    Raises :class:`primitives.AeadError` on the first failed tag.
    """
    aad = _aad(package_id, f)
    n = len(ciphertext)
    full = CHUNK_SIZE + TAG
    c = 1 if n == 16 else -(-n // full)
    for i in range(c):
        chunk = ciphertext[full * i : full * (i + 1)] if i < c - 1 else ciphertext[full * (c - 1) :]
        yield P.aead_decrypt(key, _nonce(i, i == c - 1), aad, chunk)


# --- Segmenting (§7.2) ---------------------------------------------------------------------


def segment_binary(data: bytes) -> list[bytes]:
    """``Binary``: blocks of 1 MiB, the last 1 byte to 1 MiB; empty input, no segment."""
    return [data[i : i + SEGMENT_MAX] for i in range(0, len(data), SEGMENT_MAX)]


def segment_text(data: bytes) -> list[bytes]:
    """``Text``: one segment per line for the first 2^20 segments, then lines packed (§7.2)."""
    out: list[bytes] = []
    start = 0
    i = 0
    n = len(data)
    while i < n:
        b = data[i]
        i += 1
        cur = i - start
        if b == 0x0A:
            if len(out) < TEXT_LINE_LEAVES or cur >= 65536:
                out.append(data[start:i])
                start = i
        elif cur >= SEGMENT_MAX:
            out.append(data[start:i])
            start = i
    if start < n:
        out.append(data[start:])
    return out


# --- Segment records (§7.3) -----------------------------------------------------------------


def encode_records(records: Iterable[tuple[int, bytes, bytes]]) -> bytes:
    """The plaintext of a field: ``index || salt || length || bytes`` per segment (§7.3)."""
    return b"".join(u32le(s) + salt + u32le(len(b)) + b for s, salt, b in records)


def read_records(
    plaintext: bytes,
    package_id: bytes,
    f: int,
    segments: SegmentSet,
    leaves: Sequence[bytes],
) -> list[tuple[int, bytes, bytes]]:
    """Parse and check a field's records (§7.3 "Reading", §14.1 checks 30 to 33).

    Returns ``(index, salt, bytes)`` per record; nothing is returned unless every record
    matched its leaf.
    """
    expected = list(segments.indices())
    out: list[tuple[int, bytes, bytes]] = []
    pos = 0
    n = len(plaintext)
    while pos < n:
        if pos + 40 > n:
            raise RogatoryError("tampered", f"field {f}: plaintext ends inside a record", field=f)
        idx = int.from_bytes(plaintext[pos : pos + 4], "little")
        salt = plaintext[pos + 4 : pos + 36]
        ln = int.from_bytes(plaintext[pos + 36 : pos + 40], "little")
        if ln == 0 or ln > SEGMENT_MAX:
            raise RogatoryError("tampered", f"field {f}: segment record length {ln} (layout)", field=f)
        k = len(out)
        if k >= len(expected) or idx != expected[k]:
            raise RogatoryError("tampered", f"segment {f}/{idx}: not the next segment", field=f, segment=idx)
        if pos + 40 + ln > n:
            raise RogatoryError("tampered", f"field {f}: plaintext ends inside a record", field=f)
        data = plaintext[pos + 40 : pos + 40 + ln]
        if idx >= len(leaves) or leaf(package_id, f, idx, salt, data) != leaves[idx]:
            raise RogatoryError("tampered", f"segment {f}/{idx}: does not match its leaf", field=f, segment=idx)
        out.append((idx, salt, data))
        pos += 40 + ln
    if len(out) != len(expected):
        raise RogatoryError("tampered", f"field {f}: a present segment is missing", field=f)
    return out
