"""X-Wing (draft-connolly-cfrg-xwing-kem): ML-KEM-768 + X25519, the hybrid KEM of spec §6.3.

Built on ``cryptography``'s ML-KEM-768 (FIPS 203) and X25519, SHAKE-256 and SHA3-256 of
:mod:`hashlib`. Sizes: decapsulation key (seed) 32, public key 1216 (ML-KEM 1184 then
X25519 32), ciphertext 1120 (ML-KEM 1088 then X25519 32), shared secret 32.

``encapsulate`` draws its randomness inside ``cryptography`` (which offers no deterministic
ML-KEM encapsulation), so the published vectors are checked here by key derivation and
decapsulation; the reference implementation checks encapsulation too.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric import mlkem

from . import primitives as P

SEED_LEN = 32
PUBLIC_KEY_LEN = 1216
CIPHERTEXT_LEN = 1120
_MLKEM_PK = 1184
_MLKEM_CT = 1088
# XWingLabel, the ASCII of "\.//^\"
_LABEL = b"\x5c\x2e\x2f\x2f\x5e\x5c"


class XWingError(Exception):
    """A malformed X-Wing key or ciphertext, or an X25519 part that gives no secret."""


def _expand(seed: bytes) -> tuple[mlkem.MLKEM768PrivateKey, bytes, bytes]:
    """``expandDecapsulationKey``: SHAKE-256(seed, 96) → ML-KEM (d, z), X25519 secret."""
    if len(seed) != SEED_LEN:
        raise XWingError("an X-Wing seed is 32 bytes")
    expanded = hashlib.shake_256(seed).digest(96)
    sk_m = mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:64])
    sk_x = expanded[64:96]
    return sk_m, sk_x, P.x25519_public(sk_x)


def _combiner(ss_m: bytes, ss_x: bytes, ct_x: bytes, pk_x: bytes) -> bytes:
    return hashlib.sha3_256(ss_m + ss_x + ct_x + pk_x + _LABEL).digest()


def public_key(seed: bytes) -> bytes:
    """The 1216-byte X-Wing public key of a seed: ``pk_M || pk_X``."""
    sk_m, _, pk_x = _expand(seed)
    return sk_m.public_key().public_bytes_raw() + pk_x


def valid_public_key(pk: bytes) -> bool:
    """Whether ``pk`` is 1216 bytes whose ML-KEM part passes the modulus check (FIPS 203 §7.2)."""
    if len(pk) != PUBLIC_KEY_LEN:
        return False
    try:
        mlkem.MLKEM768PublicKey.from_public_bytes(pk[:_MLKEM_PK])
    except ValueError:
        return False
    return True


def encapsulate(pk: bytes) -> tuple[bytes, bytes]:
    """``Encapsulate(pk)``: ``(shared_secret, ciphertext)``."""
    if not valid_public_key(pk):
        raise XWingError("malformed X-Wing public key")
    pk_m, pk_x = pk[:_MLKEM_PK], pk[_MLKEM_PK:]
    ss_m, ct_m = mlkem.MLKEM768PublicKey.from_public_bytes(pk_m).encapsulate()
    ek_x = P.random_bytes(32)
    ct_x = P.x25519_public(ek_x)
    try:
        ss_x = P.x25519(ek_x, pk_x)
    except P.DhError:
        raise XWingError("the X25519 part of the X-Wing key is not contributory") from None
    return _combiner(ss_m, ss_x, ct_x, pk_x), ct_m + ct_x


def decapsulate(seed: bytes, ct: bytes) -> bytes:
    """``Decapsulate(ct, sk)``; ML-KEM's implicit rejection gives another secret for a changed
    ciphertext. An all-zero X25519 output raises :class:`XWingError` (the stanza does not open
    either way: the tag would not verify)."""
    if len(ct) != CIPHERTEXT_LEN:
        raise XWingError("an X-Wing ciphertext is 1120 bytes")
    sk_m, sk_x, pk_x = _expand(seed)
    ct_m, ct_x = ct[:_MLKEM_CT], ct[_MLKEM_CT:]
    ss_m = sk_m.decapsulate(ct_m)
    try:
        ss_x = P.x25519(sk_x, ct_x)
    except P.DhError:
        raise XWingError("all-zero X25519 output") from None
    return _combiner(ss_m, ss_x, ct_x, pk_x)


def self_test(vectors: list[dict[str, str]]) -> int:
    """Check the published vectors (spec/vectors/external/xwing_kem.json): seed → public key,
    decapsulation → shared secret; and a fresh encapsulation round trip. Returns the count."""
    for v in vectors:
        seed, pk = bytes.fromhex(v["seed"]), bytes.fromhex(v["pk"])
        assert public_key(seed) == pk, "X-Wing: seed → public key"
        assert decapsulate(seed, bytes.fromhex(v["ct"])) == bytes.fromhex(v["ss"]), "X-Wing: decap"
        ss, ct = encapsulate(pk)
        assert decapsulate(seed, ct) == ss, "X-Wing: encap/decap round trip"
    return len(vectors)
