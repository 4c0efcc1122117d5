"""Cryptographic primitives of suite 1 (spec §1.4, §4.1, §6.1), on PyPI ``cryptography``
and ``blake3``.

* SHA-256, BLAKE3 (default hash mode, 32 bytes);
* HKDF-SHA256 (RFC 5869, extract then expand, 32 bytes, "no salt" = 32 zero bytes);
* ChaCha20-Poly1305 (RFC 8439), including ``AEAD-once`` with the all-zero nonce (§6.1);
* X25519 with the all-zero-output refusal (§6.3, RFC 9180 §7.1.4);
* Ed25519 signing and *strict* verification (§1.4): ``S`` below the group order, neither
  ``R`` nor ``A`` of small order, and the cofactorless equation compared with the bytes
  of ``R``. OpenSSL (behind ``cryptography``) checks ``S < L`` and the cofactorless
  equation against the encoding of ``R``; the small-order tests of ``R`` and ``A`` are
  done here, with exact integer arithmetic on the Edwards curve.
"""

from __future__ import annotations

import hashlib
import hmac as _hmac
import os
from typing import Optional

import blake3 as _blake3
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand


def random_bytes(n: int) -> bytes:
    """``n`` bytes from the operating system's CSPRNG."""
    return os.urandom(n)


def sha256(*parts: bytes) -> bytes:
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def blake3(data: bytes) -> bytes:
    """BLAKE3 in its default hash mode, 32 bytes (§1.4)."""
    return _blake3.blake3(data, max_threads=_blake3.blake3.AUTO).digest()


class Blake3Stream:
    """Incremental BLAKE3 over a file read in pieces."""

    def __init__(self) -> None:
        self._h = _blake3.blake3()

    def update(self, data: bytes) -> None:
        self._h.update(data)

    def digest(self) -> bytes:
        return self._h.digest()


def ct_eq(a: bytes, b: bytes) -> bool:
    """Constant-time comparison (RECOMMENDED for key commitments, §6.1)."""
    return _hmac.compare_digest(a, b)


# --- HKDF (RFC 5869) -----------------------------------------------------------------------


def hkdf(salt: Optional[bytes], ikm: bytes, info: bytes, length: int = 32) -> bytes:
    """``HKDF(salt, ikm, info)``: extract then expand; ``None`` salt is 32 zero bytes (§6.1)."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    """HKDF-Extract (RFC 5869 §2.2); an empty salt is ``HashLen`` zero bytes."""
    from cryptography.hazmat.primitives import hmac

    h = hmac.HMAC(salt if salt else bytes(32), hashes.SHA256())
    h.update(ikm)
    return h.finalize()


def hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    """HKDF-Expand (RFC 5869 §2.3)."""
    return HKDFExpand(algorithm=hashes.SHA256(), length=length, info=info).derive(prk)


# --- ChaCha20-Poly1305 ------------------------------------------------------------------------


class AeadError(Exception):
    """A failed AEAD tag (or input shorter than a tag): the uniform decryption failure."""


def aead_encrypt(key: bytes, nonce: bytes, aad: bytes, plaintext: bytes) -> bytes:
    return ChaCha20Poly1305(key).encrypt(nonce, plaintext, aad)


def aead_decrypt(key: bytes, nonce: bytes, aad: bytes, ciphertext: bytes) -> bytes:
    if len(ciphertext) < 16:
        raise AeadError("shorter than a tag")
    try:
        return ChaCha20Poly1305(key).decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        raise AeadError("tag") from None


ZERO_NONCE = bytes(12)


def aead_once_seal(key: bytes, aad: bytes, plaintext: bytes) -> bytes:
    """``AEAD-once(key, aad, plaintext)`` of §6.1: the all-zero nonce."""
    return aead_encrypt(key, ZERO_NONCE, aad, plaintext)


def aead_once_open(key: bytes, aad: bytes, ciphertext: bytes) -> bytes:
    return aead_decrypt(key, ZERO_NONCE, aad, ciphertext)


# --- X25519 ------------------------------------------------------------------------------------


class DhError(Exception):
    """X25519 gave the all-zero shared secret (a non-contributory public key)."""


def x25519_public(secret: bytes) -> bytes:
    """The X25519 public key of a 32-byte secret (RFC 7748 clamping applied in use)."""
    return X25519PrivateKey.from_private_bytes(secret).public_key().public_bytes_raw()


def x25519(secret: bytes, public: bytes) -> bytes:
    """X25519(secret, public); refuses an all-zero output (RFC 9180 §7.1.4)."""
    try:
        out = X25519PrivateKey.from_private_bytes(secret).exchange(
            X25519PublicKey.from_public_bytes(public)
        )
    except ValueError:
        raise DhError("all-zero shared secret") from None
    if out == bytes(32):
        raise DhError("all-zero shared secret")
    return out


def x25519_contributory(public: bytes) -> bool:
    """Whether ``public`` is contributory: X25519 with a fresh secret is not all zero."""
    try:
        x25519(random_bytes(32), public)
        return True
    except DhError:
        return False


# --- Ed25519 -------------------------------------------------------------------------------------

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = (-121665 * pow(121666, _P - 2, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def _decompress(b: bytes) -> Optional[tuple[int, int, int, int]]:
    """Decode an Edwards25519 point (RFC 8032 §5.1.3) to extended coordinates.

    The y coordinate is reduced modulo p, as curve25519-dalek decompresses it.
    """
    y = int.from_bytes(b, "little") & ((1 << 255) - 1)
    sign = b[31] >> 7
    y %= _P
    u = (y * y - 1) % _P
    v = (_D * y * y + 1) % _P
    x = (u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P)) % _P
    vx2 = (v * x * x) % _P
    if vx2 == u:
        pass
    elif vx2 == (-u) % _P:
        x = (x * _SQRT_M1) % _P
    else:
        return None
    if x == 0 and sign:
        return None
    if (x & 1) != sign:
        x = _P - x
    return (x, y, 1, (x * y) % _P)


def _double(pt: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x1, y1, z1, _ = pt
    a = x1 * x1 % _P
    b = y1 * y1 % _P
    c = 2 * z1 * z1 % _P
    h = (a + b) % _P
    e = (h - (x1 + y1) * (x1 + y1)) % _P
    g = (a - b) % _P
    f = (c + g) % _P
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _is_small_order(b: bytes) -> bool:
    """Whether the encoded point has small order: ``[8]P`` is the identity."""
    pt = _decompress(b)
    if pt is None:
        return True  # not a point: refuse like a small-order one
    for _ in range(3):
        pt = _double(pt)
    x, y, z, _ = pt
    return x % _P == 0 and (y - z) % _P == 0


def ed25519_public(seed: bytes) -> bytes:
    """``Ed25519-PublicKey(seed)`` (RFC 8032 §5.1.5)."""
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


def ed25519_sign(seed: bytes, message: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


def ed25519_verify_strict(public: bytes, message: bytes, signature: bytes) -> bool:
    """Strict Ed25519 verification of §1.4 (the rules of ed25519-dalek ``verify_strict``)."""
    if len(public) != 32 or len(signature) != 64:
        return False
    r, s = signature[:32], signature[32:]
    if int.from_bytes(s, "little") >= _L:
        return False
    if _is_small_order(public) or _is_small_order(r):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False
