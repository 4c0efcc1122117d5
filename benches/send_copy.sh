#!/usr/bin/env bash
# What a destination's own copy costs (benches/README.md, "Transport"):
# rogatory-send of a sealed package, which first copies it to
# NAME.to-PARTY.rgt and appends its `sent` event, against rogatory-send of
# that copy again to an empty store (delivered as it is, nothing copied),
# alternated ABBA in one run, each to a fresh receiver on 127.0.0.1. Files in
# /dev/shm (tmpfs) unless DIR is given (a real disk, where the copy is
# written and flushed). Prints each pair's ratio and the median.
# Usage: benches/send_copy.sh [MIB] [ROUNDS] [DIR]   (defaults 1024, 4, /dev/shm/rogatory-copy)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mib="${1:-1024}"
rounds="${2:-4}"
dir="${3:-/dev/shm/rogatory-copy}"
cargo build --release --locked -p rogatory-cli --bins
R="$root/target/release"
rm -rf "$dir"
mkdir -p "$dir"
trap '[ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
cd "$dir"
export XDG_DATA_HOME="$dir/data" XDG_CONFIG_HOME="$dir/config"
unset ROGATORY_CONFIG
for p in de.bka fr.pnat; do
  "$R/rogatory" keygen --no-passphrase --party "$p" --out-dir keys >/dev/null
done
"$R/rogatory" trust add --trust de.trust --card keys/fr.pnat.card --clearance category:content >/dev/null
"$R/rogatory" trust add --trust fr.trust --card keys/de.bka.card >/dev/null
head -c "$((mib << 20))" /dev/urandom >disk.img
"$R/rogatory" seal --key keys/de.bka.key --trust de.trust --to fr.pnat \
  --field disk.img=disk.img --tags disk.img=category:content \
  --case BENCH --legal-basis bench --retain-until 2099-12-31 -o sealed.rgt >/dev/null
rm disk.img

# deliver PKG: one delivery to a fresh receiver; prints the sender's seconds.
deliver() {
  rm -rf store recv.out fr-ledger
  "$R/rogatory-recv" --key keys/fr.pnat.key --trust fr.trust --listen 127.0.0.1:0 \
    --store store --ledger fr-ledger --once >recv.out 2>/dev/null &
  local recv=$!
  for _ in $(seq 1 100); do
    grep -q '^listening on ' recv.out 2>/dev/null && break
    sleep 0.1
  done
  local addr start end
  addr="$(sed -n 's/^listening on //p' recv.out)"
  start=$(date +%s.%N)
  "$R/rogatory-send" --key keys/de.bka.key --trust de.trust --to "fr.pnat@$addr" "$1" >/dev/null
  end=$(date +%s.%N)
  wait "$recv"
  echo "$end - $start" | bc -l
}

# A (with the copy): the copy is removed first, so every A makes it again.
with_copy() {
  rm -f sealed.to-fr.pnat.rgt sealed.to-fr.pnat.rgt.receipt
  deliver sealed.rgt
}
# B (no copy): the copy of the last A, its receipt removed, offered as it is.
without_copy() {
  rm -f sealed.to-fr.pnat.rgt.receipt
  deliver sealed.to-fr.pnat.rgt
}

with_copy >/dev/null # makes the copy B needs, and warms the page cache
ratios=()
for i in $(seq 1 "$rounds"); do
  if [ $((i % 2)) = 1 ]; then a=$(with_copy); b=$(without_copy); else b=$(without_copy); a=$(with_copy); fi
  r=$(echo "$a / $b" | bc -l)
  printf 'round %d: with copy %.3f s, without %.3f s, ratio %.3f\n' "$i" "$a" "$b" "$r"
  ratios+=("$r")
done
printf '%s\n' "${ratios[@]}" | sort -g | awk '{ v[NR] = $1 } END { printf "median ratio %.3f (%d MiB, %s)\n", v[int((NR + 1) / 2)], '"$mib"', "'"$dir"'" }'
