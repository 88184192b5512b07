#!/usr/bin/env bash
# The command line against ip as whole processes: `-j route show table all`
# with ROUTES host routes (default 100,000) in a namespace of its own
# (nlts-bench-cli-<pid>, removed at the end). Prints /usr/bin/time's elapsed
# seconds, CPU seconds and peak RSS for each of ip, Deno and Bun, ROUNDS
# times each (default 5), and checks first that both print the same JSON.
# Usage: sudo bash bench/cli_stream.sh [ROUTES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
routes=${1:-100000}
rounds=${2:-5}
ns=nlts-bench-cli-$$
batch=$(mktemp)
trap 'ip netns del "$ns" 2>/dev/null || true; rm -f "$batch"' EXIT
ip netns add "$ns"
ip -n "$ns" link add d0 type veth peer name d1
ip -n "$ns" link set d0 up
for ((i = 0; i < routes; i++)); do
  echo "route add 172.$((16 + (i >> 16))).$(((i >> 8) & 255)).$((i & 255))/32 dev d0"
done >"$batch"
ip -n "$ns" -batch "$batch"
norm() { python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))'; }
[ "$(ip -n "$ns" -j route show table all | norm)" = "$(bun cli.ts -n "$ns" -j route show table all | norm)" ] ||
  { echo "the JSON differs from ip -j" >&2; exit 1; }
echo "routes: $(ip -n "$ns" route show table all | wc -l)"
for cmd in "ip -n $ns -j route show table all" "deno run -A cli.ts -n $ns -j route show table all" \
  "bun cli.ts -n $ns -j route show table all"; do
  for ((r = 0; r < rounds; r++)); do
    /usr/bin/time -f "${cmd%% *}: %e s elapsed, %U+%S s cpu, %M KiB peak" $cmd >/dev/null
  done
done
