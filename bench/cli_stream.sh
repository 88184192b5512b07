#!/usr/bin/env bash
# The command line against ip as whole processes: `-j route show table all`
# with ROUTES host routes (default 100,000) in a namespace of its own
# (nlts-bench-cli-<pid>, removed at the end). Checks first that each prints
# byte for byte what `ip -j` prints, then runs ROUNDS rounds (default 7); a
# round runs every contender once, in turn, so that load changes hit them
# alike. Prints /usr/bin/time's wall seconds, CPU seconds and peak RSS as
# min / median / max per contender, the median of the per-round wall and CPU
# ratios to ip, and the load average before and after. node+cache is node
# with NODE_COMPILE_CACHE set before it starts (a fresh directory, filled by
# the check run), so that no module is stripped of its types at its start.
# With BEFORE=DIR (a checkout of another commit, e.g. `git archive COMMIT |
# tar -x -C DIR`), DIR's cli.ts runs too, as deno@before and bun@before
# (its output is not checked: older versions split the line).
# With LAYERS=1, bench/cli_layers.ts's modes (empty, load, open, raw, datagrams, decode, routes, bytes) and
# `cli.ts -j link` run too, to show where the memory goes (and with BEFORE, DIR's decode mode).
# Usage: sudo [BEFORE=DIR] [LAYERS=1] bash bench/cli_stream.sh [ROUTES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
routes=${1:-100000}
rounds=${2:-7}
ns=nlts-bench-cli-$$
batch=$(mktemp)
times=$(mktemp)
cache=$(mktemp -d)
trap 'ip netns del "$ns" 2>/dev/null || true; rm -rf "$batch" "$times" "$cache"' EXIT
ip netns add "$ns"
ip -n "$ns" link add d0 type veth peer name d1
ip -n "$ns" link set d0 up
for ((i = 0; i < routes; i++)); do
  echo "route add 172.$((16 + (i >> 16))).$(((i >> 8) & 255)).$((i & 255))/32 dev d0"
done >"$batch"
ip -n "$ns" -batch "$batch"
args="-n $ns -j route show table all"
contenders=(
  "ip|ip $args"
  "deno|deno run -A cli.ts $args"
  "bun|bun cli.ts $args"
  "node|node --disable-warning=ExperimentalWarning cli.ts $args"
  "node+cache|env NODE_COMPILE_CACHE=$cache node --disable-warning=ExperimentalWarning cli.ts $args"
)
checked=${#contenders[@]}
if [ -n "${BEFORE:-}" ]; then
  contenders+=("deno@before|deno run -A $BEFORE/cli.ts $args" "bun@before|bun $BEFORE/cli.ts $args")
fi
if [ -n "${LAYERS:-}" ]; then
  for rt in "deno run -A" bun; do
    for mode in empty load open raw datagrams decode routes bytes; do contenders+=("${rt%% *}:$mode|$rt bench/cli_layers.ts $mode $ns"); done
    contenders+=("${rt%% *}:link|$rt cli.ts -n $ns -j link")
    if [ -n "${BEFORE:-}" ]; then contenders+=("${rt%% *}:decode@before|$rt $BEFORE/bench/cli_layers.ts decode $ns"); fi
  done
fi
want=$(ip $args | sha256sum)
for c in "${contenders[@]:1:checked-1}"; do
  [ "$(${c#*|} | sha256sum)" = "$want" ] || { echo "${c%%|*}: the JSON differs from ip -j" >&2; exit 1; }
done
echo "routes: $(ip -n "$ns" route show table all | wc -l); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 0; r < rounds; r++)); do
  for c in "${contenders[@]}"; do
    /usr/bin/time -a -o "$times" -f "$r ${c%%|*} %e %U %S %M" ${c#*|} >/dev/null 2>&1
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$times" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
runs = {}
for r, name, wall, user, sys_, rss in rows:
    runs.setdefault(name, {})[int(r)] = (float(wall), float(user) + float(sys_), int(rss) / 1024)
def mmm(xs, fmt):
    return f"{fmt.format(statistics.median(xs))} ({fmt.format(min(xs))}–{fmt.format(max(xs))})"
print(f"{'':11} {'wall s':22} {'cpu s':22} {'peak RSS MiB':22} wall/ip  cpu/ip")
for name, by in runs.items():
    w, c, m = ([v[i] for v in by.values()] for i in range(3))
    ratio = lambda i: statistics.median(by[r][i] / max(runs["ip"][r][i], 0.01) for r in by)
    print(f"{name:11} {mmm(w, '{:.2f}'):22} {mmm(c, '{:.2f}'):22} {mmm(m, '{:.0f}'):22} {ratio(0):5.1f}×  {ratio(1):5.1f}×")
EOF
