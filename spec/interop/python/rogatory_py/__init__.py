"""An independent Python implementation of the Rogatory protocol, version 1, suite 1,
written from spec/rogatory-v1.md and spec/vectors/ only.

Modules, bottom up:

* :mod:`errors` -- error classes (§2.5) and stage outcomes (§14, Appendix A);
* :mod:`encoding` -- the canonical encoding and decoder procedure (§2);
* :mod:`structures` -- every structure, its schema and decoder rules (§3 to §13);
* :mod:`primitives` -- SHA-256, BLAKE3, HKDF, ChaCha20-Poly1305, X25519, strict Ed25519;
* :mod:`hpke` -- RFC 9180 base mode for the suite of §6.3;
* :mod:`keys` -- party cards, key files, trust stores, TLS identities (§3, §13.1);
* :mod:`merkle` -- leaves and the RFC 9162 tree (§8);
* :mod:`stream` -- key schedule, STREAM, segmenting and records (§6.1, §7);
* :mod:`container` -- package files and appends (§9);
* :mod:`custody` -- events, chain rules, receipts (§10);
* :mod:`package` -- verify / unlock / open with §12.5 and §12.6 (§14);
* :mod:`seal` -- sealing (§8.4) and appending ``sent`` (§10.5, §13.3);
* :mod:`extract` -- extract verification (§12.7);
* :mod:`transport` -- the QUIC sender (§13);
* :mod:`cli` -- the peer command interface (spec/interop/README.md).
"""

__version__ = "1.0"
