"""Canonical encoding of spec §2: primitive types, string kinds, sets and the decoder.

Structures are described by *schema* objects (``Int``, ``Fixed``, ``Bytes``, ``Str``,
``Opt``, ``Seq``, ``Set``, ``SegmentSetT``, ``Enum``, ``Struct``). Each schema can decode
from a :class:`Reader` (spec §2.5 step 2, with the error class of the first failure),
encode to bytes (§2.1), and convert its value to and from the JSON form of the test
vectors (Appendix A).

Python values:

* integers are ``int``; ``bool`` is ``bool``; ``[N]``, digests, keys and ``bytes<M>`` are
  ``bytes``; strings are ``str``; ``opt<T>`` is ``None`` or the value; sequences and sets
  are ``list``; a structure is a ``dict`` in field order; an enumeration is a
  :class:`Variant`; a ``SegmentSet`` is a :class:`SegmentSet`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence

from .errors import DecodeError

HARD_LIMIT = 1 << 30  # §2.4: the decoder's ceiling

# --------------------------------------------------------------------------------------
# Reader / writer
# --------------------------------------------------------------------------------------


class Reader:
    """A cursor over the bytes of one top-level structure (§2.5)."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int) -> bytes:
        """Take ``n`` bytes; fewer remaining is ``truncated`` (§2.5 step 2)."""
        if n > self.remaining():
            raise DecodeError("truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return bytes(out)

    def u(self, width: int) -> int:
        return int.from_bytes(self.take(width), "little")


def u16le(x: int) -> bytes:
    return struct.pack("<H", x)


def u32le(x: int) -> bytes:
    return struct.pack("<I", x)


def u64le(x: int) -> bytes:
    return struct.pack("<Q", x)


# --------------------------------------------------------------------------------------
# String kinds (§2.2)
# --------------------------------------------------------------------------------------

_LOWER_DIGIT = set(b"abcdefghijklmnopqrstuvwxyz0123456789")
_PARTY = _LOWER_DIGIT | set(b".-")
_TOKEN = _LOWER_DIGIT | set(b"._-")
_MEDIA = _LOWER_DIGIT | set(b".+-")


def is_control(cp: int) -> bool:
    """Unicode general category Cc: U+0000..U+001F and U+007F..U+009F (§2.2)."""
    return cp <= 0x1F or 0x7F <= cp <= 0x9F


def _atom(b: bytes, alphabet: set[int]) -> bool:
    return len(b) >= 1 and b[0] in _LOWER_DIGIT and all(c in alphabet for c in b)


def valid_party_id(b: bytes) -> bool:
    """``PartyId``: bytes of ``[a-z0-9.-]``, the first in ``[a-z0-9]`` (§2.2)."""
    return _atom(b, _PARTY)


def valid_token(b: bytes) -> bool:
    """``Token``: bytes of ``[a-z0-9._-]``, the first in ``[a-z0-9]`` (§2.2)."""
    return _atom(b, _TOKEN)


def valid_tag(b: bytes) -> bool:
    """``Tag``: ``key:value``, exactly one ``:``, each part a token-like atom (§2.2)."""
    if b.count(b":") != 1:
        return False
    k, v = b.split(b":")
    return _atom(k, _TOKEN) and _atom(v, _TOKEN)


def valid_media_type(b: bytes) -> bool:
    """``MediaType``: ``type/subtype`` of ``[a-z0-9.+-]``, no parameters (§2.2)."""
    if b.count(b"/") != 1:
        return False
    t, s = b.split(b"/")
    return _atom(t, _MEDIA) and _atom(s, _MEDIA)


def _no_control(s: str, allowed: Iterable[int] = ()) -> bool:
    allow = set(allowed)
    return all(not is_control(ord(c)) or ord(c) in allow for c in s)


@dataclass(frozen=True)
class StringKind:
    """One string kind of §2.2: its length bounds (bytes of UTF-8) and its rule."""

    name: str
    min_len: int
    max_len: int
    rule: Callable[[bytes, str], bool]


KINDS: dict[str, StringKind] = {
    "PartyId": StringKind("PartyId", 1, 64, lambda b, s: valid_party_id(b)),
    "Tag": StringKind("Tag", 3, 64, lambda b, s: valid_tag(b)),
    "Token": StringKind("Token", 1, 64, lambda b, s: valid_token(b)),
    "FieldName": StringKind("FieldName", 1, 255, lambda b, s: _no_control(s)),
    "MediaType": StringKind("MediaType", 3, 127, lambda b, s: valid_media_type(b)),
    "Text": StringKind("Text", 0, 4096, lambda b, s: _no_control(s, (0x0A, 0x09))),
    "ShortText": StringKind("ShortText", 0, 256, lambda b, s: _no_control(s)),
}

# §2.2 "Portable names": the invisible code points of this version (Unicode 15.1 Cf with
# U+2028 and U+2029).
_INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E),
    (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F),
    (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
    (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)

_DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL"} | {f"COM{i}" for i in range(10)} | {
    f"LPT{i}" for i in range(10)
}


def is_invisible(cp: int) -> bool:
    """An invisible code point of §2.2 (format characters and line/paragraph separators)."""
    return any(lo <= cp <= hi for lo, hi in _INVISIBLE_RANGES)


def safe_file_name(name: str) -> bool:
    """The file-name rule of §14.4, including the invisible code points of §2.2.

    This is also the *portable name* rule of §2.2 that a sender applies when sealing.
    """
    if not name or name.startswith(".") or name.endswith(".") or name.endswith(" "):
        return False
    if any(c in name for c in '/\\:<>"|?*\x00'):
        return False
    if any(is_control(ord(c)) or is_invisible(ord(c)) for c in name):
        return False
    if len(name.encode("utf-8")) > 255:
        return False
    if name.split(".", 1)[0].upper() in _DEVICE_NAMES:
        return False
    return True


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """A value of an enumeration: its variant name and its payload (``None`` if none)."""

    name: str
    value: Any = None


class SegmentSet:
    """A canonical set of segment indices as half-open ranges (§2.3)."""

    __slots__ = ("ranges",)

    def __init__(self, ranges: Iterable[tuple[int, int]] = ()) -> None:
        self.ranges: tuple[tuple[int, int], ...] = tuple((int(a), int(b)) for a, b in ranges)

    @classmethod
    def from_indices(cls, indices: Iterable[int]) -> "SegmentSet":
        out: list[list[int]] = []
        for i in sorted(set(indices)):
            if out and out[-1][1] == i:
                out[-1][1] = i + 1
            else:
                out.append([i, i + 1])
        return cls((a, b) for a, b in out)

    @classmethod
    def full(cls, n: int) -> "SegmentSet":
        return cls([(0, n)] if n > 0 else [])

    def indices(self) -> Iterator[int]:
        for a, b in self.ranges:
            yield from range(a, b)

    def count(self) -> int:
        return sum(b - a for a, b in self.ranges)

    def bound(self) -> int:
        """The ``end`` of the last range, 0 for the empty set (§2.3)."""
        return self.ranges[-1][1] if self.ranges else 0

    def is_subset(self, other: "SegmentSet") -> bool:
        return set(self.indices()) <= set(other.indices())

    def minus(self, other: "SegmentSet") -> "SegmentSet":
        return SegmentSet.from_indices(set(self.indices()) - set(other.indices()))

    def is_canonical(self) -> bool:
        prev_end = -1
        for a, b in self.ranges:
            if a >= b or a <= prev_end:
                return False
            prev_end = b
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SegmentSet) and self.ranges == other.ranges

    def __hash__(self) -> int:
        return hash(self.ranges)

    def __repr__(self) -> str:
        return f"SegmentSet({list(self.ranges)})"

    def to_range_list(self) -> str:
        """The range-list syntax of §12.2, merged and sorted (``0-2,5``)."""
        parts = []
        for a, b in self.ranges:
            parts.append(str(a) if b == a + 1 else f"{a}-{b - 1}")
        return ",".join(parts)

    @classmethod
    def parse_range_list(cls, text: str) -> "SegmentSet":
        """Parse the range-list syntax of §12.2 (``3``, ``3-7``, ``3,5,9-12``)."""
        idx: set[int] = set()
        for item in text.split(","):
            item = item.strip()
            if not item:
                continue
            if "-" in item:
                a, b = (int(x) for x in item.split("-", 1))
                if a > b:
                    raise ValueError(f"bad range {item}")
                idx.update(range(a, b + 1))
            else:
                idx.add(int(item))
        return cls.from_indices(idx)


# --------------------------------------------------------------------------------------
# Schema types
# --------------------------------------------------------------------------------------


class T:
    """A schema type: decode (§2.5 step 2), encode (§2.1), JSON (Appendix A)."""

    name: str = "?"

    def decode(self, r: Reader) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def encode(self, v: Any) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError

    def to_json(self, v: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def from_json(self, j: Any) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def sort_key(self, v: Any) -> bytes:
        """The order of set elements: strings by their bytes (§2.3)."""
        return self.encode(v)


class Int(T):
    """``u8``/``u16``/``u32``/``u64``/``Timestamp``: fixed width, little-endian."""

    def __init__(self, width: int, name: str = "") -> None:
        self.width = width
        self.name = name or f"u{8 * width}"

    def decode(self, r: Reader) -> int:
        return r.u(self.width)

    def encode(self, v: int) -> bytes:
        return int(v).to_bytes(self.width, "little")

    def to_json(self, v: int) -> int:
        return v

    def from_json(self, j: Any) -> int:
        return int(j)

    def sort_key(self, v: int) -> bytes:
        return int(v).to_bytes(self.width, "big")


class Bool(T):
    """``bool``: ``00`` or ``01``; any other byte is ``invalid_bool`` (§2.1)."""

    name = "bool"

    def decode(self, r: Reader) -> bool:
        b = r.take(1)[0]
        if b > 1:
            raise DecodeError("invalid_bool")
        return b == 1

    def encode(self, v: bool) -> bytes:
        return b"\x01" if v else b"\x00"

    def to_json(self, v: bool) -> bool:
        return v

    def from_json(self, j: Any) -> bool:
        return bool(j)


class Fixed(T):
    """``[N]``: N raw bytes. JSON: hex, or an array of integers for a magic (Appendix A)."""

    def __init__(self, n: int, as_array: bool = False) -> None:
        self.n = n
        self.as_array = as_array
        self.name = f"[{n}]"

    def decode(self, r: Reader) -> bytes:
        return r.take(self.n)

    def encode(self, v: bytes) -> bytes:
        assert len(v) == self.n, (len(v), self.n)
        return bytes(v)

    def to_json(self, v: bytes) -> Any:
        return list(v) if self.as_array else v.hex()

    def from_json(self, j: Any) -> bytes:
        return bytes(j) if self.as_array else bytes.fromhex(j)


def _read_len(r: Reader) -> tuple[int, int]:
    """Read a u64 length and return ``(n, p)`` with ``p`` the offset after the prefix."""
    n = r.u(8)
    return n, r.pos


class Bytes(T):
    """``bytes<M>``: ``u64le(n) || n bytes``, ``n <= M`` (§2.1, §2.5).

    ``digests`` selects the JSON form of a leaf table entry: a list of 32-byte hex digests.
    """

    def __init__(self, max_len: int, digests: bool = False) -> None:
        self.max_len = max_len
        self.digests = digests
        self.name = f"bytes<{max_len}>"

    def decode(self, r: Reader) -> bytes:
        n, p = _read_len(r)
        if p + n > HARD_LIMIT:
            raise DecodeError("over_limit", self.name)
        if n > r.remaining():
            raise DecodeError("truncated", self.name)
        if n > self.max_len:
            raise DecodeError("over_limit", self.name)
        return r.take(n)

    def encode(self, v: bytes) -> bytes:
        return u64le(len(v)) + bytes(v)

    def to_json(self, v: bytes) -> Any:
        if self.digests:
            return [v[i : i + 32].hex() for i in range(0, len(v), 32)]
        return v.hex()

    def from_json(self, j: Any) -> bytes:
        if self.digests:
            return b"".join(bytes.fromhex(x) for x in j)
        return bytes.fromhex(j)


class Str(T):
    """A string kind of §2.2, with the check order of §2.5."""

    def __init__(self, kind: str) -> None:
        self.kind = KINDS[kind]
        self.name = kind

    def decode(self, r: Reader) -> str:
        n, p = _read_len(r)
        if p + n > HARD_LIMIT:
            raise DecodeError("over_limit", self.name)
        if n > r.remaining():
            raise DecodeError("truncated", self.name)
        raw = r.take(n)
        try:
            s = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DecodeError("non_utf8", self.name) from None
        if n > self.kind.max_len:
            raise DecodeError("over_limit", self.name)
        if n < self.kind.min_len or not self.kind.rule(raw, s):
            raise DecodeError("invalid_string", self.name)
        return s

    def encode(self, v: str) -> bytes:
        b = v.encode("utf-8")
        return u64le(len(b)) + b

    def check(self, v: str) -> bool:
        """Whether ``v`` is a valid value of this kind (used before writing)."""
        b = v.encode("utf-8")
        return self.kind.min_len <= len(b) <= self.kind.max_len and self.kind.rule(b, v)

    def to_json(self, v: str) -> str:
        return v

    def from_json(self, j: Any) -> str:
        return str(j)

    def sort_key(self, v: str) -> bytes:
        return v.encode("utf-8")


class Opt(T):
    """``opt<T>``: ``00`` or ``01 || encode(T)``; another byte is ``invalid_bool``."""

    def __init__(self, inner: T) -> None:
        self.inner = inner
        self.name = f"opt<{inner.name}>"

    def decode(self, r: Reader) -> Any:
        b = r.take(1)[0]
        if b > 1:
            raise DecodeError("invalid_bool", self.name)
        return self.inner.decode(r) if b == 1 else None

    def encode(self, v: Any) -> bytes:
        return b"\x00" if v is None else b"\x01" + self.inner.encode(v)

    def to_json(self, v: Any) -> Any:
        return None if v is None else self.inner.to_json(v)

    def from_json(self, j: Any) -> Any:
        return None if j is None else self.inner.from_json(j)


class Seq(T):
    """``seq<T; a..b>``: a u64 count, then the elements (§2.1, §2.5).

    The count is checked against ``b`` before any element is read. The minimum ``a`` is
    checked after the elements, with class ``invalid`` (spec §2.5 says so for sets; for
    sequences the spec lists the minimum only among structure rules -- see the report).
    """

    def __init__(self, inner: T, lo: int, hi: int, check_min: bool = True) -> None:
        self.inner = inner
        self.lo = lo
        self.hi = hi
        self.check_min = check_min
        self.name = f"seq<{inner.name}; {lo}..{hi}>"

    def decode(self, r: Reader) -> list[Any]:
        k = r.u(8)
        if k > self.hi:
            raise DecodeError("over_limit", self.name)
        out = [self.inner.decode(r) for _ in range(k)]
        if self.check_min and k < self.lo:
            raise DecodeError("invalid", self.name)
        return out

    def encode(self, v: Sequence[Any]) -> bytes:
        return u64le(len(v)) + b"".join(self.inner.encode(x) for x in v)

    def to_json(self, v: Sequence[Any]) -> list[Any]:
        return [self.inner.to_json(x) for x in v]

    def from_json(self, j: Any) -> list[Any]:
        return [self.inner.from_json(x) for x in j]


class SetT(Seq):
    """``set<T; a..b>``: a sequence in strictly increasing order (§2.3, §2.5)."""

    def __init__(self, inner: T, lo: int, hi: int) -> None:
        super().__init__(inner, lo, hi, check_min=False)
        self.name = f"set<{inner.name}; {lo}..{hi}>"

    def decode(self, r: Reader) -> list[Any]:
        out = super().decode(r)
        if len(out) < self.lo:
            raise DecodeError("invalid", self.name)
        keys = [self.inner.sort_key(x) for x in out]
        if any(keys[i] >= keys[i + 1] for i in range(len(keys) - 1)):
            raise DecodeError("non_canonical", self.name)
        return out

    def canonical(self, values: Iterable[Any]) -> list[Any]:
        """Sort and de-duplicate ``values`` into the canonical order."""
        uniq = {self.inner.sort_key(v): v for v in values}
        return [uniq[k] for k in sorted(uniq)]


class SegmentSetT(T):
    """``SegmentSet``: ``ranges: seq<SegmentRange; 0..4194304>`` in canonical form (§2.3)."""

    name = "SegmentSet"
    MAX = 4194304

    def decode(self, r: Reader) -> SegmentSet:
        k = r.u(8)
        if k > self.MAX:
            raise DecodeError("over_limit", self.name)
        ranges = [(r.u(4), r.u(4)) for _ in range(k)]
        if any(a >= b for a, b in ranges):
            raise DecodeError("non_canonical", "empty segment range")
        if any(ranges[i][1] >= ranges[i + 1][0] for i in range(len(ranges) - 1)):
            raise DecodeError("non_canonical", "segment ranges overlap, touch or unsorted")
        return SegmentSet(ranges)

    def encode(self, v: SegmentSet) -> bytes:
        return u64le(len(v.ranges)) + b"".join(u32le(a) + u32le(b) for a, b in v.ranges)

    def to_json(self, v: SegmentSet) -> Any:
        return {"ranges": [{"start": a, "end": b} for a, b in v.ranges]}

    def from_json(self, j: Any) -> SegmentSet:
        return SegmentSet((x["start"], x["end"]) for x in j["ranges"])


class Struct(T):
    """A structure: its fields in order, nothing between them (§2.1)."""

    def __init__(self, name: str, fields: Sequence[tuple[str, T]]) -> None:
        self.name = name
        self.fields = list(fields)

    def decode(self, r: Reader) -> dict[str, Any]:
        return {k: t.decode(r) for k, t in self.fields}

    def encode(self, v: dict[str, Any]) -> bytes:
        return b"".join(t.encode(v[k]) for k, t in self.fields)

    def to_json(self, v: dict[str, Any]) -> dict[str, Any]:
        return {k: t.to_json(v[k]) for k, t in self.fields}

    def from_json(self, j: Any) -> dict[str, Any]:
        return {k: t.from_json(j[k]) for k, t in self.fields}


class Enum(T):
    """An enumeration: ``u32le(tag)`` then the variant's payload (§2.1).

    ``variants`` lists ``(name, payload type or None)`` in tag order. JSON: the name for a
    variant without payload, else ``{name: payload}`` (Appendix A).
    """

    def __init__(self, name: str, variants: Sequence[tuple[str, Optional[T]]]) -> None:
        self.name = name
        self.variants = list(variants)
        self.tags = {n: i for i, (n, _) in enumerate(self.variants)}

    def decode(self, r: Reader) -> Variant:
        tag = r.u(4)
        if tag >= len(self.variants):
            raise DecodeError("unknown_variant", self.name)
        vname, vt = self.variants[tag]
        return Variant(vname, vt.decode(r) if vt is not None else None)

    def tag_of(self, v: Variant) -> int:
        return self.tags[v.name]

    def encode(self, v: Variant) -> bytes:
        tag = self.tags[v.name]
        vt = self.variants[tag][1]
        return u32le(tag) + (vt.encode(v.value) if vt is not None else b"")

    def to_json(self, v: Variant) -> Any:
        vt = self.variants[self.tags[v.name]][1]
        return v.name if vt is None else {v.name: vt.to_json(v.value)}

    def from_json(self, j: Any) -> Variant:
        if isinstance(j, str):
            return Variant(j, None)
        ((name, payload),) = j.items()
        vt = self.variants[self.tags[name]][1]
        assert vt is not None
        return Variant(name, vt.from_json(payload))


# --------------------------------------------------------------------------------------
# The decoding procedure (§2.5)
# --------------------------------------------------------------------------------------


def decode_top(
    schema: T,
    data: bytes,
    max_len: int,
    rules: Optional[Callable[[Any], None]] = None,
) -> Any:
    """Decode one top-level structure by the five steps of §2.5.

    1. size against ``max_len`` (``over_limit``); 2. parse; 3. trailing bytes;
    4. the structure's rules (``rules`` raises :class:`DecodeError`); 5. re-encode and
    compare (``non_canonical``).
    """
    if len(data) > max_len:
        raise DecodeError("over_limit", f"{schema.name} longer than {max_len}")
    r = Reader(data)
    value = schema.decode(r)
    if r.remaining():
        raise DecodeError("trailing_bytes", schema.name)
    if rules is not None:
        rules(value)
    if schema.encode(value) != bytes(data):
        raise DecodeError("non_canonical", f"{schema.name} does not re-encode to itself")
    return value

