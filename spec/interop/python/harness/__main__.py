"""``python -m harness``: check a Rogatory implementation against spec/vectors/ and the
reference binaries (spec/interop/README.md).

    python -m harness --bin target/debug --vectors spec/vectors --work DIR [--peer CMD]

The default peer is this directory's Python implementation (``python -m rogatory_py``).
Exit status 0 only if every check passed.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
import traceback
from pathlib import Path

from .cross import make_world, run_cross
from .transport_cases import run_transport
from .util import Peer, Results, Rust
from .vectors import run_vectors

DEFAULT_PEER = f"{shlex.quote(sys.executable)} -m rogatory_py"


def main() -> int:
    ap = argparse.ArgumentParser(prog="harness")
    ap.add_argument("--peer", default=None, help="the command of the implementation under test")
    ap.add_argument("--bin", required=True, type=Path, help="directory of rogatory, rogatory-send, rogatory-recv")
    ap.add_argument("--vectors", required=True, type=Path)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--skip-transport", action="store_true")
    args = ap.parse_args()
    default = args.peer is None
    peer = Peer(args.peer or DEFAULT_PEER)
    rust = Rust(args.bin)
    res = Results()
    t0 = time.time()
    print(f"peer: {' '.join(peer.argv)}")
    print(f"reference binaries: {args.bin}")
    stages = []
    if default:
        from .internals import run_internals

        stages.append(("python internals (spec examples, RFC 9180 A.2.1, X-Wing)", lambda: run_internals(res, args.vectors)))
    counts: dict[str, int] = {}
    stages.append(("vectors", lambda: counts.update(run_vectors(peer, res, args.vectors, args.work / "vectors", args.jobs))))
    world_pkgs: dict[str, dict[str, Path]] = {}

    def cross() -> None:
        w = make_world(peer, rust, res, args.work / "cross")
        world_pkgs["w"] = {"world": w}  # type: ignore[dict-item]
        world_pkgs["p"] = run_cross(peer, rust, res, w, python_peer=default)

    stages.append(("cross checks with the reference binaries", cross))
    def transport() -> None:
        if "p" not in world_pkgs:
            res.record("transport", "not run: the cross checks did not produce their packages", False)
            return
        run_transport(peer, rust, res, world_pkgs["w"]["world"], world_pkgs["p"])  # type: ignore[arg-type]

    if not args.skip_transport:
        stages.append(("transport over QUIC on 127.0.0.1", transport))
    for title, fn in stages:
        ts = time.time()
        try:
            fn()
        except Exception as e:  # noqa: BLE001 - report and go on to the summary
            res.record("harness", title, False, f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
        print(f"  {title}: done in {time.time() - ts:.1f}s")
    print()
    print("vector files checked: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    for g, (ok, bad) in res.groups.items():
        print(f"  {g:<14} {ok:4d} passed, {bad:3d} failed")
    if res.failures:
        print("\nFAILURES:")
        for f in res.failures:
            print("  " + f)
    total_ok = sum(o for o, _ in res.groups.values())
    print(f"\ninterop: {total_ok} passed, {res.failed} failed ({time.time() - t0:.0f}s)")
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
