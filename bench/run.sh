#!/usr/bin/env bash
# Runs every benchmark under Deno, then Bun, then Node and writes bench/RESULTS.md.
# Usage: bash bench/run.sh [routes=100000] [addresses=10000] [links=1000] [memory routes=500000] [storm routes=100000]
# Needs root: each benchmark works in network namespaces of its own, named
# nlts-bench-pf-<tag>-<pid>, and removes them; the host's interfaces, routes
# and rules are never touched.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
routes=${1:-100000}
addresses=${2:-10000}
links=${3:-1000}
memroutes=${4:-500000}
storm=${5:-100000}
rounds=9
out=$(mktemp)
trap 'rm -f "$out"' EXIT
{
  for rt in deno bun node; do
    case $rt in
      deno) run="deno run -A --v8-flags=--expose-gc" ;;
      bun) run="bun" ;;
      node) run="node --expose-gc --disable-warning=ExperimentalWarning" ;;
    esac
    $run bench/dump.ts "$routes" "$addresses" "$links" "$rounds"
    $run bench/memory.ts "$memroutes"
    $run bench/storm.ts "$storm" 32
    $run bench/events.ts 1000
  done
} 2>&1 | tee "$out"
{
  echo "# Benchmark results"
  echo
  echo "Command: \`bash bench/run.sh $routes $addresses $links $memroutes $storm\` (as root) on $(nproc) cores, kernel $(uname -r), $(date -u +%Y-%m-%d)."
  echo "$(deno --version | head -1); bun $(bun --version); node $(node --version); $(ip -V)."
  echo
  echo "Each script can be run alone (see its header):"
  echo
  echo "- \`bench/dump.ts\`: typed = \`listRoutes\`/\`listAddresses\`/\`listLinks\` in-process from request to last object (objects not kept);"
  echo "  raw = the same dump through \`sock.dump\`, every message split and every attribute header walked, nothing decoded;"
  echo "  ip = the whole \`ip -j …\` process started from the shell side (bash reads \$EPOCHREALTIME around it, stdout to /dev/null)."
  echo "  $rounds rounds (3 × $rounds for addresses and links), order rotating per round, after a warm-up; min / median / max, ratios per round."
  echo "- \`bench/memory.ts\`: peak RSS growth (VmHWM after − VmRSS before, peak reset first) of a streaming dump."
  echo "- \`bench/storm.ts\`: \`ip -batch\` adds routes while \`subscribe([\"ipv4_route\"])\` counts events and overruns;"
  echo "  events/s is bounded by how fast \`ip\` adds routes (see \"ip -batch done at\"); CPU per event is this process's."
  echo "- \`bench/events.ts\`: latency from the change request to the \`for await\` body; idle CPU with 100 subscriptions."
  echo
  echo '```'
  grep -v '^#' "$out"
  echo '```'
} > bench/RESULTS.md
echo "wrote bench/RESULTS.md"
