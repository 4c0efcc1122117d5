"""Leaves and the Merkle tree of spec §8.1 to §8.3 (RFC 9162 §2.1 with SHA-256)."""

from __future__ import annotations

from typing import Sequence

from . import primitives as P
from .encoding import u32le

LABEL_LEAF = b"rogatory/v1 leaf"


def leaf(package_id: bytes, field: int, segment: int, salt: bytes, data: bytes) -> bytes:
    """``leaf(f, s) = SHA-256(label "rogatory/v1 leaf" || package_id || u32le(f) || u32le(s)
    || salt || BLAKE3(segment))`` (§8.1)."""
    return P.sha256(LABEL_LEAF, package_id, u32le(field), u32le(segment), salt, P.blake3(data))


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n > 1``)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(d: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of RFC 9162 §2.1.1 (§8.3); ``MTH({})`` is SHA-256 of nothing."""
    n = len(d)
    if n == 0:
        return P.sha256(b"")
    if n == 1:
        return P.sha256(b"\x00", d[0])
    # Iterative bottom-up computation gives the same tree as the recursive definition
    # (the left subtree is always the largest power of two), without deep recursion.
    level = [P.sha256(b"\x00", x) for x in d]
    while len(level) > 1:
        nxt = [P.sha256(b"\x01", level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def path(m: int, d: Sequence[bytes]) -> list[bytes]:
    """``PATH(m, D[n])`` of RFC 9162 §2.1.3.1 (§8.3), from the sibling up."""
    n = len(d)
    if n <= 1:
        return []
    k = _split(n)
    if m < k:
        return path(m, d[:k]) + [mth(d[k:])]
    return path(m - k, d[k:]) + [mth(d[:k])]


def verify_inclusion(entry: bytes, m: int, n: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2 as §8.3 states it."""
    if m >= n:
        return False
    fn, sn = m, n - 1
    h = P.sha256(b"\x00", entry)
    for p in proof:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            h = P.sha256(b"\x01", p, h)
            while fn % 2 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            h = P.sha256(b"\x01", h, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and h == root
