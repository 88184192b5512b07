#!/usr/bin/env bash
# Runs every benchmark under Deno and Bun and writes bench/RESULTS.md.
# Usage: bash bench/run.sh [routes=100000]   (root: uses network namespaces)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
routes=${1:-100000}
out=$(mktemp)
{
  for rt in deno bun; do
    if [ $rt = deno ]; then run="deno run -A"; else run="bun"; fi
    $run bench/dump.ts "$routes" 5
    $run bench/events.ts 1000
  done
} 2>&1 | tee "$out"
{
  echo "# Benchmark results"
  echo
  echo "Command: \`bash bench/run.sh $routes\` on $(nproc) cores, kernel $(uname -r), $(date -u +%Y-%m-%d)."
  echo "$(deno --version | head -1); bun $(bun --version)."
  echo
  echo '```'
  grep -v '^#' "$out"
  echo '```'
} > bench/RESULTS.md
echo "wrote bench/RESULTS.md"
