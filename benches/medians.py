#!/usr/bin/env python3
"""Criterion's median estimates for one benchmark group, and the ratios the
targets in benches/README.md are stated in.

    python3 benches/medians.py field_1GiB

reads target/criterion/GROUP/*/new/estimates.json (the last run of each
benchmark; under $CARGO_TARGET_DIR instead of target/ when that is set,
which must then be an absolute path: criterion writes relative to the bench
crate's directory, not the workspace's) and prints each median, the per-sample times sorted, and, for the
`field_*` groups, seal rate / one-core encryption rate and verify-and-open
rate / one-core decryption rate (a rate ratio is the inverse time ratio).
"""
import json
import os
import pathlib
import sys


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    target = os.environ.get("CARGO_TARGET_DIR") or pathlib.Path(__file__).resolve().parent.parent / "target"
    root = pathlib.Path(target) / "criterion" / sys.argv[1]
    if not root.is_dir():
        print(f"no criterion results in {root}", file=sys.stderr)
        return 1
    medians = {}
    for bench in sorted(p for p in root.iterdir() if (p / "new" / "estimates.json").exists()):
        est = json.loads((bench / "new" / "estimates.json").read_text())
        sample = json.loads((bench / "new" / "sample.json").read_text())
        per = sorted(t / i / 1e6 for t, i in zip(sample["times"], sample["iters"]))
        medians[bench.name] = est["median"]["point_estimate"] / 1e6
        print(f"{bench.name:24} median {medians[bench.name]:8.1f} ms   samples "
              + " ".join(f"{t:.0f}" for t in per))
    pairs = [("seal", "kernel_encrypt_1core"), ("verify_and_open", "kernel_decrypt_1core")]
    for ours, kernel in pairs:
        if ours in medians and kernel in medians:
            print(f"{ours} rate / {kernel} rate: {medians[kernel] / medians[ours]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
