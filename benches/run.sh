#!/usr/bin/env bash
# Whole-process measurements of the `rogatory` command (benches/README.md):
#
#   1. seal, verify (no key), verify --key (every segment decrypted and
#      checked against its leaf, nothing written) and open (written to
#      /dev/shm) of a random 1 GiB and a 4 GiB binary field, with
#      `/usr/bin/time -v`: wall time, rate, peak RSS; and `rage` encrypting
#      and decrypting the same file to one recipient, if installed;
#   2. sealing 100 MiB in 20 fields for 30 recipients against 1 recipient;
#   3. verifying a text field of 1 000 000 lines against 100 000 lines.
#
# Medians of RUNS runs (default 3). Files live in WORK (default: a new
# directory /dev/shm/rogatory-run.XXXXXX: tmpfs, i.e. the page cache; /tmp is
# ext4 and slow to write here), which must not exist yet and is removed at
# the end.
#
#   benches/run.sh                       everything
#   SIZES="1G" benches/run.sh big        only part 1, only 1 GiB (sizes: 64M, 1G, ...)
#   benches/run.sh recipients lines      parts 2 and 3
#   INSTALL_RAGE=1 benches/run.sh        install rage first if missing
#   NO_AVX512=1 benches/run.sh           build without --cfg chacha20_avx512
#                                        (RUSTFLAGS="", target/no-avx512)
#
# The machine is shared: the load (uptime) is printed before each part.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

RUNS="${RUNS:-3}"
WORK="${WORK:-}"
SIZES="${SIZES:-1G 4G}"
parts=("$@")
[ ${#parts[@]} -eq 0 ] && parts=(big recipients lines)

want() {
  local p
  for p in "${parts[@]}"; do [ "$p" = "$1" ] && return 0; done
  return 1
}

load() { printf '    load: %s\n' "$(uptime | sed 's/.*load average/load average/')"; }

# ---- build ------------------------------------------------------------------
if [ "${NO_AVX512:-0}" = 1 ]; then
  export RUSTFLAGS="" CARGO_TARGET_DIR="$root/target/no-avx512"
  flags='RUSTFLAGS="" (no --cfg chacha20_avx512)'
else
  flags='.cargo/config.toml: --cfg chacha20_avx512'
fi
echo "==> cargo build --release --locked -p rogatory-cli   [$flags]"
cargo build --release --locked -p rogatory-cli
R="${CARGO_TARGET_DIR:-$root/target}/release/rogatory"

if ! command -v rage >/dev/null && [ "${INSTALL_RAGE:-0}" = 1 ]; then
  echo "==> cargo install --locked rage"
  start=$SECONDS
  cargo install --locked rage
  echo "    installed in $((SECONDS - start)) s"
fi

if [ -z "$WORK" ]; then
  WORK="$(mktemp -d /dev/shm/rogatory-run.XXXXXX)"
else
  # Never clear a directory this script did not make.
  mkdir "$WORK" || { echo "WORK=$WORK exists: choose a new directory" >&2; exit 2; }
fi
trap 'rm -rf "$WORK"' EXIT
# The parties' default ledgers ($XDG_DATA_HOME/rogatory/ledger/PARTY) stay in the work directory.
export XDG_DATA_HOME="$WORK/data" XDG_CONFIG_HOME="$WORK/config"
unset ROGATORY_CONFIG

# ---- timing helpers -----------------------------------------------------------
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
maxof() { sort -g | tail -n 1; }

# measure NAME BYTES PREP CMD...: runs PREP (cleanup, untimed) then CMD under
# /usr/bin/time -v, RUNS times; prints the median wall time (bash's
# EPOCHREALTIME around the command), the rate and the peak RSS (time -v's
# maximum resident set size).
measure() {
  local name="$1" bytes="$2" prep="$3"
  shift 3
  local walls=() rsss=() i out="$WORK/time.txt"
  for ((i = 0; i < RUNS; i++)); do
    eval "$prep"
    local t0="$EPOCHREALTIME"
    if ! /usr/bin/time -v -o "$out" "$@" >"$WORK/stdout.txt" 2>"$WORK/stderr.txt"; then
      echo "    $name: FAILED" >&2
      cat "$WORK/stderr.txt" >&2
      return 1
    fi
    local t1="$EPOCHREALTIME"
    # Wall time to the microsecond (time -v gives hundredths).
    walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
    rsss+=("$(grep 'Maximum resident set size' "$out" | awk '{ print $NF }')")
  done
  local wall rss rssmax
  wall="$(printf '%s\n' "${walls[@]}" | median)"
  rss="$(printf '%s\n' "${rsss[@]}" | median)"
  rssmax="$(printf '%s\n' "${rsss[@]}" | maxof)"
  printf '    %-34s median %8.3f s  %7s MiB/s  peak RSS median %6.1f MiB (max %6.1f)   runs: %s\n' \
    "$name" "$wall" \
    "$(awk -v b="$bytes" -v s="$wall" 'BEGIN { if (b > 0 && s > 0) printf "%.0f", b / 1048576 / s; else print "-" }')" \
    "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" \
    "$(awk -v k="$rssmax" 'BEGIN { printf "%.1f", k / 1024 }')" \
    "${walls[*]}"
  echo "$wall" >"$WORK/last.txt"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

retain="$(date -u -d '+1 year' +%F)"
K="$WORK/keys"
mkdir -p "$K"
"$R" keygen --no-passphrase --party de.bka --out-dir "$K" >/dev/null
"$R" keygen --no-passphrase --party fr.pnat --out-dir "$K" >/dev/null
"$R" trust add --trust "$WORK/de.trust" --card "$K/fr.pnat.card" --clearance category:content >/dev/null
"$R" trust add --trust "$WORK/fr.trust" --card "$K/de.bka.card" >/dev/null

# seal_one FIELD-PATH KIND PACKAGE: the arguments of `rogatory seal`, in SEAL.
seal_one() {
  SEAL=(seal --key "$K/de.bka.key" --trust "$WORK/de.trust" --to fr.pnat
    --field "data=$1" --tags data=category:content --kind "data=$2"
    --case BENCH-1 --legal-basis "bench" --retain-until "$retain" -o "$3")
}

# ---- 1. one big field ---------------------------------------------------------
if want big; then
  echo
  echo "==> 1. one binary field: seal, verify, open; rage"
  for size in $SIZES; do
    case "$size" in
      *G) bytes=$((${size%G} << 30)) ;;
      *M) bytes=$((${size%M} << 20)) ;;
      *) echo "bad size $size (64M, 1G, ...)" >&2; exit 2 ;;
    esac
    data="$WORK/data-$size.bin"
    pkg="$WORK/data-$size.rgt"
    echo "  -- ${size}iB (random, /dev/urandom)"
    avail_kib="$(awk '/MemAvailable/ { print $2 }' /proc/meminfo)"
    if [ "$avail_kib" -lt $(((bytes >> 9) + (2 << 20))) ]; then
      echo "    skipped: $((avail_kib >> 10)) MiB available, the input and the package need $((bytes >> 19)) MiB"
      continue
    fi
    head -c "$bytes" /dev/urandom >"$data"
    load
    # The floor of any tool that writes its output here: the same bytes
    # written to tmpfs (fresh pages of this VM are slow to fault in).
    measure "cp (same bytes to /dev/shm)" "$bytes" "rm -f '$WORK/copy.bin'" \
      cp "$data" "$WORK/copy.bin"
    rm -f "$WORK/copy.bin"
    seal_one "$data" binary "$pkg"
    measure "rogatory seal" "$bytes" "rm -f '$pkg'" "$R" "${SEAL[@]}"
    seal_s="$(cat "$WORK/last.txt")"
    measure "rogatory verify (no key)" "$bytes" ":" \
      "$R" verify --trust "$WORK/fr.trust" "$pkg"
    measure "rogatory verify --key" "$bytes" ":" \
      "$R" verify --key "$K/fr.pnat.key" --trust "$WORK/fr.trust" "$pkg"
    avail_kib="$(awk '/MemAvailable/ { print $2 }' /proc/meminfo)"
    if [ "$avail_kib" -gt $(((bytes >> 10) + (2 << 20))) ]; then
      measure "rogatory open (to /dev/shm)" "$bytes" "rm -rf '$WORK/out'" \
        "$R" open --key "$K/fr.pnat.key" --trust "$WORK/fr.trust" "$pkg" --out-dir "$WORK/out"
      open_s="$(cat "$WORK/last.txt")"
      cmp -s "$data" "$WORK/out/data" || { echo "    open: output differs" >&2; exit 1; }
      rm -rf "$WORK/out"
    else
      echo "    rogatory open: skipped, $((avail_kib >> 10)) MiB available"
      open_s=""
    fi
    rm -f "$pkg"
    if command -v rage >/dev/null; then
      rm -f "$WORK/rage.key"
      rage-keygen -o "$WORK/rage.key" 2>/dev/null
      pub="$(grep -o 'age1[0-9a-z]*' "$WORK/rage.key")"
      measure "rage -r (encrypt)" "$bytes" "rm -f '$WORK/data.age'" \
        rage -r "$pub" -o "$WORK/data.age" "$data"
      rage_enc="$(cat "$WORK/last.txt")"
      if [ -n "$open_s" ]; then
        measure "rage -d (decrypt to /dev/shm)" "$bytes" "rm -f '$WORK/data.out'" \
          rage -d -i "$WORK/rage.key" -o "$WORK/data.out" "$WORK/data.age"
        rage_dec="$(cat "$WORK/last.txt")"
        rm -f "$WORK/data.out"
        echo "    open / rage -d: $(ratio "$open_s" "$rage_dec")x"
      fi
      echo "    seal / rage -r: $(ratio "$seal_s" "$rage_enc")x"
      rm -f "$WORK/data.age"
    else
      echo "    rage: not installed (INSTALL_RAGE=1 installs it)"
    fi
    rm -f "$data"
  done
fi

# ---- 2. recipients --------------------------------------------------------------
if want recipients; then
  echo
  echo "==> 2. 100 MiB in 20 fields of 5 MiB: 30 recipients against 1"
  to=()
  for i in $(seq -w 1 30); do
    "$R" keygen --no-passphrase --party "r$i.example" --out-dir "$K" >/dev/null
    "$R" trust add --trust "$WORK/de.trust" --card "$K/r$i.example.card" \
      --clearance category:content >/dev/null
    to+=("r$i.example")
  done
  field_args=()
  for i in $(seq -w 1 20); do
    head -c $((5 << 20)) /dev/urandom >"$WORK/f$i.bin"
    field_args+=(--field "f$i=$WORK/f$i.bin" --tags "f$i=category:content" --kind "f$i=binary")
  done
  seal_many() { # RECIPIENTS: the arguments of `rogatory seal`, in SEAL
    SEAL=(seal --key "$K/de.bka.key" --trust "$WORK/de.trust" --to "$1" "${field_args[@]}"
      --case BENCH-2 --legal-basis "bench" --retain-until "$retain" -o "$WORK/many.rgt")
  }
  load
  RUNS_SAVED="$RUNS"
  RUNS=$((RUNS < 5 ? 5 : RUNS))
  seal_many r01.example
  measure "seal, 1 recipient" $((100 << 20)) "rm -f '$WORK/many.rgt'" "$R" "${SEAL[@]}"
  one="$(cat "$WORK/last.txt")"
  seal_many "$(IFS=,; echo "${to[*]}")"
  measure "seal, 30 recipients" $((100 << 20)) "rm -f '$WORK/many.rgt'" "$R" "${SEAL[@]}"
  thirty="$(cat "$WORK/last.txt")"
  RUNS="$RUNS_SAVED"
  echo "    30 / 1 recipients: $(ratio "$thirty" "$one")x   (target <= 1.05x)"
  rm -f "$WORK"/f*.bin "$WORK/many.rgt"
fi

# ---- 3. verification growth ------------------------------------------------------
if want lines; then
  echo
  echo "==> 3. a text field of 1 000 000 lines against 100 000 (one leaf per line)"
  declare -A t_verify t_key t_open
  for n in 100000 1000000; do
    # 64-byte lines, as benches/src/lib.rs text().
    awk -v n="$n" 'BEGIN { for (i = 0; i < n; i++) {
        s = sprintf("%09d 2026-11-19T21:04:05Z user%05d: meet at nine", i, i % 99991);
        while (length(s) < 63) s = s ".";
        print s } }' >"$WORK/lines-$n.txt"
    seal_one "$WORK/lines-$n.txt" text "$WORK/lines-$n.rgt"
    "$R" "${SEAL[@]}" >/dev/null
    bytes="$(stat -c %s "$WORK/lines-$n.txt")"
    echo "  -- $n lines, $((bytes >> 20)) MiB"
    load
    measure "verify (no key)" "$bytes" ":" \
      "$R" verify --trust "$WORK/fr.trust" "$WORK/lines-$n.rgt"
    t_verify[$n]="$(cat "$WORK/last.txt")"
    measure "verify --key" "$bytes" ":" \
      "$R" verify --key "$K/fr.pnat.key" --trust "$WORK/fr.trust" "$WORK/lines-$n.rgt"
    t_key[$n]="$(cat "$WORK/last.txt")"
    measure "open (to /dev/shm)" "$bytes" "rm -rf '$WORK/out'" \
      "$R" open --key "$K/fr.pnat.key" --trust "$WORK/fr.trust" "$WORK/lines-$n.rgt" \
      --out-dir "$WORK/out"
    t_open[$n]="$(cat "$WORK/last.txt")"
    rm -rf "$WORK/out"
  done
  echo "    1M / 100k lines: verify $(ratio "${t_verify[1000000]}" "${t_verify[100000]}")x," \
    "verify --key $(ratio "${t_key[1000000]}" "${t_key[100000]}")x," \
    "open $(ratio "${t_open[1000000]}" "${t_open[100000]}")x   (target <= 12x)"
fi

echo
load
