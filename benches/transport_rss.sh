#!/usr/bin/env bash
# Peak resident memory of rogatory-send and rogatory-recv while one delivers a
# package to the other on 127.0.0.1 (benches/README.md, "Transport"). The
# files live in /dev/shm: /tmp is ext4 and slow to write on the reference
# machine. Usage: benches/transport_rss.sh [MIB]   (default 4096)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mib="${1:-4096}"
dir=/dev/shm/rogatory-rss
cargo build --release --locked -p rogatory-cli --bins -p rogatory-benches --bin transport
rm -rf "$dir"
target/release/transport setup --mib "$mib" --dir "$dir"
/usr/bin/time -v target/release/rogatory-recv --key "$dir/keys/fr.pnat.key" \
  --trust "$dir/fr.trust" --listen 127.0.0.1:0 --store "$dir/store" \
  --ledger "$dir/fr-ledger" --once >"$dir/recv.out" 2>"$dir/recv.time" &
recv=$!
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$dir/recv.out" 2>/dev/null && break
  sleep 0.1
done
addr="$(sed -n 's/^listening on //p' "$dir/recv.out")"
/usr/bin/time -v target/release/rogatory-send --key "$dir/keys/de.bka.key" \
  --trust "$dir/de.trust" --to "fr.pnat@$addr" --ledger "$dir/de-ledger" \
  "$dir/de/package.rgt" >"$dir/send.out" 2>"$dir/send.time"
wait "$recv"
cat "$dir/send.out"
for side in send recv; do
  printf '%s: ' "$side"
  grep -E 'Maximum resident set size|Elapsed \(wall clock\)|Percent of CPU' "$dir/$side.time" |
    sed -E 's/^\s+//' | paste -sd ';' -
done
[ -n "${KEEP:-}" ] || rm -rf "$dir"
