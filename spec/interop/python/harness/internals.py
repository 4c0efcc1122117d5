"""Checks of the Python implementation's internals against the worked examples printed in
the spec (inputs and outputs both from spec/rogatory-v1.md), RFC 9180 Appendix A.2.1 and
the published X-Wing vectors (spec/vectors/external/xwing_kem.json).

Only run when the peer is the default Python implementation: a foreign peer exposes no
internals, its cryptography is exercised by the vectors and the cross cases instead.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from .util import Results

G = "spec examples"


def run_internals(res: Results, vectors: Path) -> None:
    from rogatory_py import hpke, merkle, primitives as P, xwing
    from rogatory_py import structures as S
    from rogatory_py.container import make_footer
    from rogatory_py.custody import event_hash, stanzas_digest
    from rogatory_py.encoding import SegmentSet, Variant
    from rogatory_py.keys import key_id_of
    from rogatory_py.package import encode_bundle, package_digest_from
    from rogatory_py.stream import (
        details_key, encode_records, field_aead_key, field_commitment, field_proof_seed,
        metadata_aead_key, metadata_commitment, recipient_commitment, segment_text, stream_encrypt,
    )

    pid = bytes.fromhex("00112233445566778899aabbccddeeff")
    K = bytes(range(32))

    def ex(name: str, expected: str, fn: Callable[[], bytes]) -> None:
        try:
            got = fn().hex()
        except Exception as e:  # noqa: BLE001
            got = f"error {e}"
        res.check(G, name, expected.replace(" ", ""), got)

    ex("§2.1 Timestamp 1 800 000 000", "00d2496b00000000", lambda: S.TIMESTAMP.encode(1800000000))
    ex("§2.1 TagSet {a:b}", "0100000000000000030000000000000061 3a 62", lambda: S.TAGSET.encode(["a:b"]))
    ex("§2.1 SegmentSet {[0,3)}", "01000000000000000000000003000000", lambda: S.SEGMENTSET.encode(SegmentSet([(0, 3)])))
    ex("§2.1 Priority Urgent", "01000000", lambda: S.PRIORITY.encode(Variant("Urgent")))
    ex("§3.1 key id of the placeholder card", "ae24396a716183a1dbd5d9514541113a56009f313099f926e48687f1830b5aae",
       lambda: key_id_of(b"\x01" * 32, b"\x02" * 32, b"\x03" * 32))
    ex("§4.1 prelude", "524f4741544f52590100010000112233445566778899aabbccddeeff", lambda: S.prelude_bytes(pid))
    ex("§6.1 field_aead_key(2)", "6cb48710df5c77defc15d643b7b8bb5113bc0f999c47e13302246c1d1f298329",
       lambda: field_aead_key(pid, 2, K))
    ex("§6.1 field_proof_seed(2)", "d7dfa5214b46b986e3274512fd22053d4a50904aaa123408f6f8ecf9d0e48f22",
       lambda: field_proof_seed(pid, 2, K))
    ex("§6.1 field_commitment(2)", "c270f57b73012499d350cd4afef79ac8f588e3f9b8b832482029180f21bdb768",
       lambda: field_commitment(pid, 2, K))
    ex("§6.1 metadata_aead_key", "6c90c47e19f0afc8d74eaa2300f380c5e422e620b993ba55978bf81a6cd00b7d",
       lambda: metadata_aead_key(pid, K))
    ex("§6.1 metadata_commitment", "8ac50c0fdf8684857259026b8b3a828e254544ab205b16752cba1d3a075a050e",
       lambda: metadata_commitment(pid, K))
    ex("§6.1 details_key", "fa16b5c0ea67afac7421f91b21a46eb4c55fbe37e5aa5af34fe369d4893fc943",
       lambda: details_key(pid, K, b"\x55" * 32, 1, 1, b"\x99" * 32))
    ex("§6.1 AEAD-once(metadata key, prelude, hello)", "7a59e096c5737d467ea563966e75386cef7d2349bc",
       lambda: P.aead_once_seal(metadata_aead_key(pid, K), S.prelude_bytes(pid), b"hello"))
    res.check(G, "§6.2 bundle of two fields is 102 bytes", 102,
              len(encode_bundle(b"\x11" * 32, [b"\x22" * 32, None])))
    ex("§6.4 recipient_commitment", "c6305c84348878b4437ddb09f9a845ba3be845b2ffc7d97c545bbfa6fcc38028",
       lambda: recipient_commitment(pid, K, b"\x44" * 32, b"\x99" * 32))
    rec = encode_records([(0, b"\x33" * 32, b"hello")])
    ex("§7.1 STREAM of the 45-byte record, field 2",
       "0e5ef4c271abb09d66936a9f15dd51963b85ce6922b645b13f0b0be125ca5e408a94ff8c3e7aebee2d6514b32045f6e0acb883f76b1c3273a15ecc3780",
       lambda: stream_encrypt(field_aead_key(pid, 2, K), pid, 2, rec))
    ex("§7.1 its BLAKE3", "fc8539bc9a3f2e4b9aa8fe0fcd526c43add0e85ae6ffa95cd531f00d4d425673",
       lambda: P.blake3(stream_encrypt(field_aead_key(pid, 2, K), pid, 2, rec)))
    ex("§7.1 empty plaintext", "d4a5842158754a93aa49b3e63a262a18", lambda: stream_encrypt(field_aead_key(pid, 2, K), pid, 2, b""))
    res.check(G, "§7.2 text segmenting example", [b"alpha\n", b"beta\n", b"\n", b"gamma"], segment_text(b"alpha\nbeta\n\ngamma"))
    ex("§8.1 BLAKE3(hello)", "ea8f163db38682925e4491c5e58d4bb3506ef8c14eb78a86e908c5624a67200f", lambda: P.blake3(b"hello"))
    ex("§8.1 leaf(2, 0)", "630922670b3491f315bb5575f1562fe6e263d0f0af6872f380de02af663d7623",
       lambda: merkle.leaf(pid, 2, 0, b"\x33" * 32, b"hello"))
    D = [bytes([i]) * 32 for i in range(5)]
    roots = ["7f9c9e31ac8256ca2f258583df262dbc7d6f68f2a03043d5c99a4ae5a7396ce9",
             "28fb81e496897e0ce886f08602392e9239b65c659041e5202163e58ad898f444",
             "ba8d94b7fbcecae7b81c4c80574fe24734a6917bf9c1ecd66ff3e0c34ead4620",
             "fdea52008cdae79fa8bf806261959e23f5e11681646a2fa2bc9b5e56b32030a2",
             "85e20cac1f02fda7bcdb2fc3f908568c57018c77815f1fa361acad13994f08bf"]
    for n, r in enumerate(roots, 1):
        ex(f"§8.3 MTH of {n} entries", r, (lambda k: lambda: merkle.mth(D[:k]))(n))
    ex("§8.3 empty tree", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", lambda: merkle.mth([]))
    ex("§8.3 PATH(1, D[5])",
       "7f9c9e31ac8256ca2f258583df262dbc7d6f68f2a03043d5c99a4ae5a7396ce9fc264939b1ac77b06378c5ece54a7b57b6b6c821eb80627bb674d8785c8dc8ca1da033bf8927ed69376d91533748494f7f5e88c20603dede2afc9bfd43d46f17",
       lambda: b"".join(merkle.path(1, D)))
    res.record(G, "§8.3 every proof of trees 1..5 verifies",
               all(merkle.verify_inclusion(D[m], m, n, merkle.path(m, D[:n]), merkle.mth(D[:n])) for n in range(1, 6) for m in range(n)))
    three = D[:3]
    ex("§8.4 package digest, two fields", "f42e87def69f72ced3e222fe52b42de70bd422f45655ebeb7cb006461090e893",
       lambda: package_digest_from(S.prelude_bytes(pid), b"\xee" * 20, b"\xcc" * 32, [2, 1], merkle.mth(three)))
    ex("§8.4 package digest, one field", "cfb044dfd95c6605abb1805eb37527fcc8a716535836d8b2ffaa0c6cc52c414e",
       lambda: package_digest_from(S.prelude_bytes(pid), b"\xee" * 20, b"\xcc" * 32, [3], merkle.mth(three)))
    ex("§8.5 stanzas digest, X25519", "474c263427129e5a4590f794955ddce5fbfec55af8d928a48f7bc633860ecb16",
       lambda: stanzas_digest([Variant("X25519", {"enc": b"\x77" * 32, "ciphertext": b"\x88" * 118})]))
    ex("§8.5 stanzas digest, XWing", "9c9a1bc05dc7f3080f02aa94ed37750133ae64e78d6634ea9af8da3b8de0fbde",
       lambda: stanzas_digest([Variant("XWing", {"enc": b"\x77" * 1120, "ciphertext": b"\x88" * 118})]))
    ex("§3.1 placeholder card", "0600000000000000" + b"de.bka".hex() + "01" * 32 + "02" * 32 + "03" * 32
       + "00d2496b00000000" + "00b33f7100000000" + "00" + "04" * 64,
       lambda: S.PARTY_CARD.encode({"body": {"party": "de.bka", "signing_key": b"\x01" * 32,
                                             "agreement_key": b"\x02" * 32, "tls_spki_sha256": b"\x03" * 32,
                                             "not_before": 1800000000, "not_after": 1900000000,
                                             "hybrid_key": None}, "signature": b"\x04" * 64}))
    ex("§9.3 footer",
       "2c000100000000000010000000000000b004000000000000020000008ba0a81db758fb60c2a447407259b52d8751364992a4fcdecf02de310213cc925247545259454e44",
       lambda: make_footer(65580, 4096, 1200, 2))
    sent = {
        "clear": {"sequence": 1, "prev": b"\x33" * 32, "package_digest": b"\xaa" * 32, "actor": b"\x99" * 32,
                  "time": 1800000100, "details_salt": b"\x55" * 32, "body": Variant("Sent", {"receiver": b"\x22" * 32})},
        "details": b"\xee" * 20, "signature": b"\x66" * 64,
    }
    enc = S.CUSTODY_EVENT.encode(sent)
    res.check(G, "§10.1 the sent event is 272 bytes", 272, len(enc))
    ex("§10.2 its event hash", "4f48c1d2b033edba22e7bc35b8b9f03d174f2a9b2264ddf1706673244c5c1068", lambda: event_hash(enc))
    try:
        checked = hpke.self_test_rfc9180()
        res.record("rfc9180", f"A.2.1 reproduced ({', '.join(checked)})", True)
    except AssertionError as e:
        res.record("rfc9180", "A.2.1", False, str(e))
    try:
        n = xwing.self_test(json.loads((vectors / "external" / "xwing_kem.json").read_text("utf-8")))
        res.record("xwing", f"{n} published X-Wing vectors: seed → public key, decapsulation, round trip", n > 0)
    except (AssertionError, OSError, ValueError, KeyError) as e:
        res.record("xwing", "published X-Wing vectors", False, str(e))
