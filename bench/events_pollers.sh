#!/usr/bin/env bash
# The poller designs of each runtime against each other, interleaved:
# `bench/events.ts` run `rounds` times per design, the designs taking turns.
# Usage: bash bench/events_pollers.sh [rounds=5] [samples=1000] [designs=regex, e.g. 'io_uring|thread']
# Prints each run's lines, then per design and latency kind the min / median /
# max over the rounds of the run's median and of its p99.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
samples=${2:-1000}
only=${3:-.}
designs=(
  "deno thread|NLTS_DENO_POLLER=thread deno run -A bench/events.ts"
  "deno signal|NLTS_DENO_POLLER=signal deno run -A bench/events.ts"
  "deno io_uring|NLTS_DENO_POLLER=uring deno run -A bench/events.ts"
  "bun thread|NLTS_BUN_POLLER=thread bun bench/events.ts"
  "bun signal|NLTS_BUN_POLLER=signal bun bench/events.ts"
  "node uv_poll|node --disable-warning=ExperimentalWarning bench/events.ts"
)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "load before: $(uptime)"
for ((r = 1; r <= rounds; r++)); do
  for d in "${designs[@]}"; do
    name=${d%%|*}
    cmd=${d#*|}
    [[ $name =~ $only ]] || continue
    env $cmd "$samples" 2>&1 | grep latency | sed "s/^/$name: /" | tee -a "$out"
  done
done
echo "load after: $(uptime)"
# "<design>: <runtime> event latency over N events[ made by another process]: median A µs, p99 B µs"
awk '
  {
    split($0, parts, ": ")
    design = parts[1]
    kind = ($0 ~ /another process/) ? "other process" : "own send"
    match($0, /median [0-9]+/); med = substr($0, RSTART + 7, RLENGTH - 7)
    match($0, /p99 [0-9]+/); p = substr($0, RSTART + 4, RLENGTH - 4)
    key = design " / " kind
    if (!(key in n)) order[++keys] = key
    n[key]++; meds[key, n[key]] = med; p99s[key, n[key]] = p
  }
  function stats(arr, key, count,   i, j, t, v) {
    for (i = 1; i <= count; i++) v[i] = arr[key, i] + 0
    for (i = 1; i <= count; i++) for (j = i + 1; j <= count; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return v[1] " / " v[int((count + 1) / 2)] " / " v[count]
  }
  END {
    for (k = 1; k <= keys; k++) {
      key = order[k]
      printf "%-36s median %s µs, p99 %s µs (min / median / max of %d runs)\n", key, stats(meds, key, n[key]), stats(p99s, key, n[key]), n[key]
    }
  }
' "$out"
