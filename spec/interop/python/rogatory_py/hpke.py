"""RFC 9180 HPKE, base mode, single-shot, for the two KEMs of spec §6.3:

    KEM 0x0020 DHKEM(X25519, HKDF-SHA256) or 0x647a X-Wing, KDF 0x0001 HKDF-SHA256,
    AEAD 0x0003 ChaCha20Poly1305

built on the primitives of :mod:`primitives`. Only what a recipient stanza needs:
``SealBase`` / ``OpenBase`` (RFC 9180 §6.1) with sequence number 0, and
``DeriveKeyPair`` (§7.1.3) so that the RFC's test vector A.2.1 can be reproduced.
"""

from __future__ import annotations

from typing import Optional

from . import primitives as P
from . import xwing

KEM_ID = 0x0020
XWING_KEM_ID = 0x647a
KDF_ID = 0x0001
AEAD_ID = 0x0003
N_SECRET = 32
N_K = 32
N_N = 12
N_ENC = 32

_KEM_SUITE = b"KEM" + KEM_ID.to_bytes(2, "big")


def _hpke_suite(kem_id: int) -> bytes:
    return b"HPKE" + kem_id.to_bytes(2, "big") + KDF_ID.to_bytes(2, "big") + AEAD_ID.to_bytes(2, "big")


MODE_BASE = 0x00


def _labeled_extract(suite: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    """``LabeledExtract`` (RFC 9180 §4)."""
    return P.hkdf_extract(salt, b"HPKE-v1" + suite + label + ikm)


def _labeled_expand(suite: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    """``LabeledExpand`` (RFC 9180 §4)."""
    return P.hkdf_expand(prk, length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info, length)


def derive_key_pair(ikm: bytes) -> tuple[bytes, bytes]:
    """``DeriveKeyPair`` for X25519 (RFC 9180 §7.1.3): ``(skX, pkX)``."""
    dkp_prk = _labeled_extract(_KEM_SUITE, b"", b"dkp_prk", ikm)
    sk = _labeled_expand(_KEM_SUITE, dkp_prk, b"sk", b"", 32)
    return sk, P.x25519_public(sk)


def _extract_and_expand(dh: bytes, kem_context: bytes) -> bytes:
    eae_prk = _labeled_extract(_KEM_SUITE, b"", b"eae_prk", dh)
    return _labeled_expand(_KEM_SUITE, eae_prk, b"shared_secret", kem_context, N_SECRET)


def encap(pk_r: bytes, ikm_e: Optional[bytes] = None) -> tuple[bytes, bytes]:
    """``Encap(pkR)`` (RFC 9180 §4.1): ``(shared_secret, enc)``.

    ``ikm_e`` fixes the ephemeral key (for the RFC test vector only); otherwise a fresh
    ephemeral key is drawn. Raises :class:`primitives.DhError` for a non-contributory key.
    """
    sk_e, pk_e = derive_key_pair(ikm_e if ikm_e is not None else P.random_bytes(32))
    dh = P.x25519(sk_e, pk_r)
    enc = pk_e
    return _extract_and_expand(dh, enc + pk_r), enc


def decap(enc: bytes, sk_r: bytes) -> bytes:
    """``Decap(enc, skR)`` (RFC 9180 §4.1); all-zero DH output raises ``DhError``."""
    dh = P.x25519(sk_r, enc)
    pk_r = P.x25519_public(sk_r)
    return _extract_and_expand(dh, enc + pk_r)


def key_schedule(shared_secret: bytes, info: bytes, kem_id: int = KEM_ID) -> tuple[bytes, bytes]:
    """``KeyScheduleS/R`` in base mode (RFC 9180 §5.1): ``(key, base_nonce)``; the suite id
    names the KEM that gave ``shared_secret``."""
    suite = _hpke_suite(kem_id)
    psk_id_hash = _labeled_extract(suite, b"", b"psk_id_hash", b"")
    info_hash = _labeled_extract(suite, b"", b"info_hash", info)
    ks_context = bytes([MODE_BASE]) + psk_id_hash + info_hash
    secret = _labeled_extract(suite, shared_secret, b"secret", b"")
    key = _labeled_expand(suite, secret, b"key", ks_context, N_K)
    base_nonce = _labeled_expand(suite, secret, b"base_nonce", ks_context, N_N)
    return key, base_nonce


def seal_base(
    pk_r: bytes, info: bytes, aad: bytes, pt: bytes, ikm_e: Optional[bytes] = None
) -> tuple[bytes, bytes]:
    """``SealBase(pkR, info, aad, pt)`` (RFC 9180 §6.1): ``(enc, ct)``."""
    shared_secret, enc = encap(pk_r, ikm_e)
    key, nonce = key_schedule(shared_secret, info)
    return enc, P.aead_encrypt(key, nonce, aad, pt)


def open_base(enc: bytes, sk_r: bytes, info: bytes, aad: bytes, ct: bytes) -> bytes:
    """``OpenBase(enc, skR, info, aad, ct)`` (RFC 9180 §6.1).

    Raises :class:`primitives.DhError` or :class:`primitives.AeadError`.
    """
    shared_secret = decap(enc, sk_r)
    key, nonce = key_schedule(shared_secret, info)
    return P.aead_decrypt(key, nonce, aad, ct)


def seal_base_xwing(pk_r: bytes, info: bytes, aad: bytes, pt: bytes) -> tuple[bytes, bytes]:
    """``SealBase`` with the X-Wing KEM (0x647a): its ``Encap`` is X-Wing's ``Encapsulate``,
    whose shared secret enters the key schedule as it is. Raises :class:`xwing.XWingError`."""
    shared_secret, enc = xwing.encapsulate(pk_r)
    key, nonce = key_schedule(shared_secret, info, XWING_KEM_ID)
    return enc, P.aead_encrypt(key, nonce, aad, pt)


def open_base_xwing(enc: bytes, seed: bytes, info: bytes, aad: bytes, ct: bytes) -> bytes:
    """``OpenBase`` with the X-Wing KEM. Raises :class:`xwing.XWingError` or
    :class:`primitives.AeadError`."""
    shared_secret = xwing.decapsulate(seed, enc)
    key, nonce = key_schedule(shared_secret, info, XWING_KEM_ID)
    return P.aead_decrypt(key, nonce, aad, ct)


# RFC 9180 Appendix A.2.1 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305, base
# mode), the first encryption: public test data of the RFC.
RFC9180_A_2_1 = {
    "info": "4f6465206f6e2061204772656369616e2055726e",
    "ikmE": "909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b",
    "pkEm": "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
    "skEm": "f4ec9b33b792c372c1d2c2063507b684ef925b8c75a42dbcbf57d63ccd381600",
    "ikmR": "1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df",
    "pkRm": "4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a",
    "skRm": "8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb",
    "enc": "1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
    "shared_secret": "0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7",
    "key": "ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91",
    "base_nonce": "5c4d98150661b848853b547f",
    "pt": "4265617574792069732074727574682c20747275746820626561757479",
    "aad": "436f756e742d30",
    "ct": "1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28",
}


def self_test_rfc9180() -> list[str]:
    """Reproduce RFC 9180 A.2.1 step by step; returns the names of the values checked."""
    v = {k: bytes.fromhex(x) for k, x in RFC9180_A_2_1.items()}
    checked = []
    sk_e, pk_e = derive_key_pair(v["ikmE"])
    assert (sk_e, pk_e) == (v["skEm"], v["pkEm"]), "DeriveKeyPair(ikmE)"
    sk_r, pk_r = derive_key_pair(v["ikmR"])
    assert (sk_r, pk_r) == (v["skRm"], v["pkRm"]), "DeriveKeyPair(ikmR)"
    checked += ["skEm", "pkEm", "skRm", "pkRm"]
    ss, enc = encap(v["pkRm"], v["ikmE"])
    assert enc == v["enc"] and ss == v["shared_secret"], "Encap"
    checked += ["enc", "shared_secret"]
    key, nonce = key_schedule(ss, v["info"])
    assert key == v["key"] and nonce == v["base_nonce"], "KeySchedule"
    checked += ["key", "base_nonce"]
    enc2, ct = seal_base(v["pkRm"], v["info"], v["aad"], v["pt"], v["ikmE"])
    assert enc2 == v["enc"] and ct == v["ct"], "SealBase"
    assert open_base(v["enc"], v["skRm"], v["info"], v["aad"], v["ct"]) == v["pt"], "OpenBase"
    checked += ["ct (seal)", "pt (open)"]
    return checked
