#!/usr/bin/env bash
# `npm run bench [-- --only harness|extra]`: runs the shared tunnel harness (../shared/bench) with
# Burrow in its relay slot, then Burrow-only measurements (bench/idle-tunnels.ts,
# bench/request-logging.ts, bench/echo-floor.ts), and writes bench/RESULTS.md. The harness directory may be read-only,
# so it is copied first. Knobs are the harness's (REPS, DURATION, TARGETS, TESTS, ...; see
# ../shared/bench/README.md) plus BENCH_TUNNELS / BENCH_TUNNEL_KEYS (idle tunnels) and BENCH_LOG_PAIRS
# (request logging on/off). BENCH_RELAY_NODE_FLAGS passes extra node/V8 flags to the relay process
# (experiments), BENCH_CPU_PROF_DIR makes it write a CPU profile there.
# DATABASE_URL (a server where throwaway databases may be created) is used when set; otherwise an
# embedded PostgreSQL is started for each part.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

only=all
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only=${2:-}; shift 2 ;;
    --only=*) only=${1#--only=}; shift ;;
    *) echo "usage: npm run bench [-- --only harness|extra]" >&2; exit 2 ;;
  esac
done
case "$only" in all|harness|extra) ;; *) echo "bench: --only takes harness or extra" >&2; exit 2 ;; esac

export RELAY_NAME=${RELAY_NAME:-burrow}
work=$repo/bench/.run/harness
export BENCH_HARNESS_WORK=$work

if [ "$only" != extra ]; then
  source_dir=${BENCH_HARNESS:-$repo/../shared/bench}
  [ -x "$source_dir/run.sh" ] || { echo "bench: harness not found at $source_dir (set BENCH_HARNESS)" >&2; exit 1; }
  mkdir -p "$work"
  # Keep the harness's node_modules and .run between runs; refresh its scripts.
  (cd "$source_dir" && tar --exclude=.run --exclude=node_modules -cf - .) | (cd "$work" && tar -xf -)
  RELAY_HTTP=${RELAY_HTTP:-127.0.0.1:18082} RELAY_HOST=${RELAY_HOST:-myapp.burrow.test} \
    RELAY_START="$repo/bench/start-relay.sh" TARGETS=${TARGETS:-direct,seed,seed-tuned,relay} \
    OUT_TXT=$work/results-latest.txt "$work/run.sh"
fi

if [ "$only" != harness ]; then
  if ! command -v wrk >/dev/null || ! command -v ssh >/dev/null; then
    echo "bench: installing wrk and openssh-client with apt-get" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk openssh-client) >/dev/null
  fi
  rm -f "$repo"/bench/.run/extra/*.json
  status=0
  # Each script bounds its own loops, stops its relay and drops its database; the timeout is a backstop.
  timeout -k 10 900 node --import tsx bench/idle-tunnels.ts || status=1
  timeout -k 10 900 node --import tsx bench/request-logging.ts || status=1
  timeout -k 10 300 node --import tsx bench/echo-floor.ts || status=1
  [ $status = 0 ] || echo "bench: a Burrow-only measurement failed (see above); RESULTS.md shows what ran" >&2
fi

node --import tsx bench/report.ts
# The report's Markdown tables are aligned by the project's formatter so CI's format check passes.
npx biome format --write bench/RESULTS.md >/dev/null
