"""The command interface of an interop peer (spec/interop/README.md), Python side.

Every command prints exactly one JSON object on standard output and exits 0 on success,
1 on a failure of what was checked (the JSON names the outcome class), 2 on a usage
error. Keys are spec §3.4 key files; trust stores are spec §3.3 TOML files.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional, Sequence

from .errors import DecodeError, RogatoryError

# The other modules are imported by the commands that need them, so that `decode` and
# `encode` (most of the harness's calls) do not load the cryptography.

class Usage(Exception):
    pass


def _emit(obj: dict[str, Any], code: int) -> int:
    print(json.dumps(obj, sort_keys=True))
    return code


def _fail(e: RogatoryError) -> int:
    print(f"rogatory_py: error: {e}", file=sys.stderr)
    return _emit(e.as_json(), 1)


def _now(args: argparse.Namespace) -> int:
    return int(args.now) if getattr(args, "now", None) is not None else int(time.time())


# --- commands ------------------------------------------------------------------------------------


def cmd_decode(args: argparse.Namespace) -> int:
    """Decode a file as a top-level structure (§2.5); print its JSON value (Appendix A)."""
    from . import structures as S

    tl = S.TOP_LEVEL.get(args.structure)
    if tl is None:
        raise Usage(f"unknown structure {args.structure!r}; one of {sorted(S.TOP_LEVEL)}")
    data = Path(args.file).read_bytes()
    try:
        v = tl.decode(data)
    except DecodeError as e:
        return _emit({"outcome": e.cls, "detail": e.where}, 1)
    return _emit({"outcome": "ok", "value": tl.schema.to_json(v)}, 0)


def cmd_encode(args: argparse.Namespace) -> int:
    """Encode a JSON value (Appendix A form) as a top-level structure (§2.1)."""
    from . import structures as S

    tl = S.TOP_LEVEL.get(args.structure)
    if tl is None:
        raise Usage(f"unknown structure {args.structure!r}")
    value = tl.schema.from_json(json.loads(Path(args.file).read_text("utf-8")))
    Path(args.out).write_bytes(tl.schema.encode(value))
    return _emit({"outcome": "ok"}, 0)


def cmd_keygen(args: argparse.Namespace) -> int:
    """Write DIR/P.key (§3.4, mode 0600, with a TLS key) and DIR/P.card (§3.1)."""
    from .keys import keygen, parse_date, utc_day_start, write_private_file

    nb = parse_date(args.valid_from) if args.valid_from else utc_day_start()
    na = parse_date(args.valid_until, end_of_day=True) if args.valid_until else nb + 2 * 365 * 86400 + 86399
    k = keygen(args.party, nb, na, hybrid=not args.classical)
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_private_file(out / f"{args.party}.key", k.encode())
    (out / f"{args.party}.card").write_bytes(k.card.raw)
    return _emit({"outcome": "ok", "party": k.party, "key_id": k.key_id.hex(), "fingerprint": k.card.fingerprint()}, 0)


def cmd_trust_add(args: argparse.Namespace) -> int:
    """Add a card to a trust store file (§3.3), with clearances."""
    from .keys import TrustStore, parse_card

    store = TrustStore.load(args.trust)
    card = parse_card(Path(args.card).read_bytes())
    clr = [c.strip() for x in (args.clearance or []) for c in x.split(",") if c.strip()]
    store.add(card, clr)
    Path(args.trust).write_text(store.dump(), "utf-8")
    return _emit({"outcome": "ok", "party": card.party, "key_id": card.key_id.hex()}, 0)


def cmd_verify(args: argparse.Namespace) -> int:
    """Read and verify a package with no key (§14 checks 1 to 13, with §12.5)."""
    from .container import load_package
    from .keys import TrustStore
    from .package import verify

    trust = TrustStore.load(args.trust)
    try:
        pkg = load_package(args.pkg)
        v = verify(pkg, trust)
    except RogatoryError as e:
        e.stage = e.stage or "verify"
        return _fail(e)
    return _emit(
        {"outcome": "ok", "package_id": pkg.package_id.hex(), "package_digest": v.digest.hex(), "events": len(pkg.events)},
        0,
    )


def _write_field(out_dir: Path, name: str, data: bytes) -> None:
    """Place a verified field under its (checked) name, never over an existing file (§14.4)."""
    from .seal import write_new_file

    write_new_file(out_dir / name, data)
    os.chmod(out_dir / name, 0o600)


def cmd_open(args: argparse.Namespace) -> int:
    """Verify, unlock (checks 14 to 22 at ``--now``) and open every field (23 to 34)."""
    from .container import load_package
    from .keys import TrustStore, load_key_file
    from .package import open_field, unlock, verify

    trust = TrustStore.load(args.trust)
    key = load_key_file(args.key)
    out = Path(args.out_dir)
    try:
        pkg = load_package(args.pkg)
        v = verify(pkg, trust)
        u = unlock(v, trust, key, _now(args))
    except RogatoryError as e:
        e.stage = e.stage or "unlock"
        return _fail(e)
    out.mkdir(parents=True, exist_ok=True)
    fields = []
    code = 0
    for f in range(len(pkg.trailer["fields"])):
        name = u.metadata["fields"][f]["name"]
        entry: dict[str, Any] = {"field": f, "name": name}
        try:
            o = open_field(u, f, to_directory=True)
            _write_field(out, name, o.plaintext)
            entry.update(outcome="ok", segments=o.segments.to_range_list(), file=name)
        except RogatoryError as e:
            entry.update(outcome=e.outcome, detail=e.detail)
            if e.segment is not None:
                entry["segment"] = e.segment
            if e.outcome not in ("not_cleared", "removed"):
                code = 1
        fields.append(entry)
    return _emit({"outcome": "ok", "stage": "open", "party": key.party, "fields": fields}, code)


def cmd_verify_extract(args: argparse.Namespace) -> int:
    """Verify an extract standalone (§12.7)."""
    from .extract import verify_extract
    from .keys import TrustStore

    trust = TrustStore.load(args.trust)
    try:
        rep = verify_extract(Path(args.extract).read_bytes(), trust)
    except RogatoryError as e:
        return _fail(e)
    segs = [{"field": f, "segment": s, "data": d.hex()} for f, s, d in rep.segments]
    return _emit({"outcome": "ok", "sender": rep.sender, "segments": segs}, 0)


def cmd_verify_receipt(args: argparse.Namespace) -> int:
    """Check a receipt against the sender's copy (§10.5 "Checking a receipt")."""
    from .container import read_package
    from .custody import check_receipt
    from .keys import TrustStore
    from .package import verify

    trust = TrustStore.load(args.trust)
    try:
        data = Path(args.pkg).read_bytes()
        pkg = read_package(data, Path(args.pkg))
        v = verify(pkg, trust)
        rep = check_receipt(data, pkg.events, pkg.event_bytes, v.digest, Path(args.receipt).read_bytes(), trust)
    except RogatoryError as e:
        return _fail(e)
    return _emit(
        {"outcome": "ok", "receiver": rep.receiver, "sequence": rep.sequence, "time": rep.time,
         "ledger_head": rep.ledger_head.hex()},
        0,
    )


def _pairs(items: Optional[Sequence[str]], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for it in items or []:
        if "=" not in it:
            raise Usage(f"{what} wants NAME=VALUE, got {it!r}")
        k, v = it.split("=", 1)
        out[k] = v
    return out


def cmd_seal(args: argparse.Namespace) -> int:
    """Seal a package (§8.4) for recipients in the trust store."""
    from .container import read_package
    from .keys import TrustStore, load_key_file, parse_date
    from .seal import FieldInput, SealRequest, parse_onward, seal, write_new_file

    trust = TrustStore.load(args.trust)
    key = load_key_file(args.key)
    paths = _pairs(args.field, "--field")
    tags = _pairs(args.tags, "--tags")
    kinds = _pairs(args.kind, "--kind")
    media = _pairs(args.media_type, "--media-type")
    if not paths:
        raise Usage("at least one --field")
    fields = []
    for name, path in paths.items():
        if name not in tags:
            raise Usage(f"field {name!r} needs --tags")
        fields.append(
            FieldInput(name, Path(path).read_bytes(), [t.strip() for t in tags[name].split(",") if t.strip()],
                       media.get(name), kinds.get(name))
        )
    to = [p.strip() for x in (args.to or []) for p in x.split(",") if p.strip()]
    req = SealRequest(
        to=to,
        fields=fields,
        case_reference=args.case,
        legal_basis=args.legal_basis,
        retain_until=parse_date(args.retain_until, end_of_day=True),
        not_before=parse_date(args.not_before) if args.not_before else None,
        request_reference=args.request,
        issuing_authority=args.authority or "",
        priority=args.priority.capitalize(),
        purpose=args.purpose or "",
        categories=[c.strip() for x in (args.category or []) for c in x.split(",") if c.strip()],
        onward=parse_onward(args.onward),
    )
    t = _now(args)
    try:
        data = seal(key, trust, req, t)
    except RogatoryError as e:
        return _fail(e)
    out = Path(args.output)
    write_new_file(out, data)
    pkg = read_package(data)
    return _emit({"outcome": "ok", "package_id": pkg.package_id.hex(), "size": len(data)}, 0)


def cmd_deliver(args: argparse.Namespace) -> int:
    """Deliver a package over QUIC (§13) and check the receipt (§10.5)."""
    from .keys import TrustStore, load_key_file
    from .transport import deliver

    trust = TrustStore.load(args.trust)
    key = load_key_file(args.key)
    try:
        res = deliver(Path(args.pkg), key, trust, args.to, attempts=args.attempts)
    except RogatoryError as e:
        return _fail(e)
    return _emit(res.as_json(), 0 if res.outcome == "ok" else 1)


def cmd_selftest(args: argparse.Namespace) -> int:
    """RFC 9180 A.2.1 through this implementation's HPKE."""
    from .hpke import self_test_rfc9180

    return _emit({"outcome": "ok", "rfc9180_a_2_1": self_test_rfc9180()}, 0)


# --- parser ----------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="rogatory_py", description="Python Rogatory v1 (interop peer)")
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("decode", help="decode a top-level structure, print its JSON value")
    s.add_argument("structure")
    s.add_argument("file")
    s.set_defaults(fn=cmd_decode)

    s = sub.add_parser("encode", help="encode a JSON value as a top-level structure")
    s.add_argument("structure")
    s.add_argument("file")
    s.add_argument("--out", required=True)
    s.set_defaults(fn=cmd_encode)

    s = sub.add_parser("keygen", help="make a party's key file and card")
    s.add_argument("--party", required=True)
    s.add_argument("--out-dir", required=True)
    s.add_argument("--valid-from")
    s.add_argument("--valid-until")
    s.add_argument("--classical", action="store_true", help="a card without an X-Wing hybrid key")
    s.set_defaults(fn=cmd_keygen)

    s = sub.add_parser("trust-add", help="add a card to a trust store")
    s.add_argument("--trust", required=True)
    s.add_argument("--card", required=True)
    s.add_argument("--clearance", action="append")
    s.set_defaults(fn=cmd_trust_add)

    s = sub.add_parser("verify", help="verify a package without a key")
    s.add_argument("--trust", required=True)
    s.add_argument("pkg")
    s.set_defaults(fn=cmd_verify)

    s = sub.add_parser("open", help="unlock a package and open every field the key reads")
    s.add_argument("--key", required=True)
    s.add_argument("--trust", required=True)
    s.add_argument("--out-dir", required=True)
    s.add_argument("--now", type=int)
    s.add_argument("pkg")
    s.set_defaults(fn=cmd_open)

    s = sub.add_parser("verify-extract", help="verify an extract standalone")
    s.add_argument("--trust", required=True)
    s.add_argument("extract")
    s.set_defaults(fn=cmd_verify_extract)

    s = sub.add_parser("verify-receipt", help="check a receipt against the copy sent")
    s.add_argument("--trust", required=True)
    s.add_argument("pkg")
    s.add_argument("receipt")
    s.set_defaults(fn=cmd_verify_receipt)

    s = sub.add_parser("seal", help="seal a package")
    s.add_argument("--key", required=True)
    s.add_argument("--trust", required=True)
    s.add_argument("--to", action="append")
    s.add_argument("--field", action="append")
    s.add_argument("--tags", action="append")
    s.add_argument("--kind", action="append")
    s.add_argument("--media-type", action="append")
    s.add_argument("--case", required=True)
    s.add_argument("--request")
    s.add_argument("--legal-basis", required=True)
    s.add_argument("--authority")
    s.add_argument("--priority", default="normal", choices=["normal", "urgent", "immediate"])
    s.add_argument("--purpose")
    s.add_argument("--category", action="append")
    s.add_argument("--not-before")
    s.add_argument("--retain-until", required=True)
    s.add_argument("--onward", default="none")
    s.add_argument("--now", type=int)
    s.add_argument("-o", "--output", required=True)
    s.set_defaults(fn=cmd_seal)

    s = sub.add_parser("deliver", help="deliver a package over QUIC and check the receipt")
    s.add_argument("--key", required=True)
    s.add_argument("--trust", required=True)
    s.add_argument("--to", required=True, help="PARTY@HOST:PORT")
    s.add_argument("--attempts", type=int, default=3)
    s.add_argument("pkg")
    s.set_defaults(fn=cmd_deliver)

    s = sub.add_parser("selftest", help="RFC 9180 A.2.1 through the HPKE of this implementation")
    s.set_defaults(fn=cmd_selftest)
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    try:
        return int(args.fn(args))
    except Usage as e:
        print(f"rogatory_py: usage: {e}", file=sys.stderr)
        return _emit({"outcome": "usage", "detail": str(e)}, 2)
    except RogatoryError as e:
        return _fail(e)
    except (OSError, ValueError) as e:
        print(f"rogatory_py: error: {e}", file=sys.stderr)
        return _emit({"outcome": "io" if isinstance(e, OSError) else "usage", "detail": str(e)}, 1)
