#!/usr/bin/env bash
# RELAY_START for the shared harness: starts Burrow's relay (bench/relay-for-bench.ts: throwaway
# database + relay process) and a plain OpenSSH client forwarding the reserved name to the harness's
# origin. Stays in the foreground until the harness stops it.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ssh_port=${BENCH_RELAY_SSH_PORT:-2323}
export BENCH_RELAY_SSH_PORT=$ssh_port

# relay-for-bench.ts writes the relay process's own PID to RELAY_SERVER_PIDFILE.
node --import tsx "$repo/bench/relay-for-bench.ts" &
relay=$!
trap 'kill -TERM $relay ${client:-} 2>/dev/null; wait' EXIT TERM INT

pidfile=${RELAY_SERVER_PIDFILE:-}
for _ in $(seq 300); do
  { [ -z "$pidfile" ] || [ -s "$pidfile" ]; } && (exec 3<>"/dev/tcp/127.0.0.1/$ssh_port") 2>/dev/null && break
  kill -0 "$relay" 2>/dev/null || { echo "relay exited during start-up" >&2; exit 1; }
  sleep 0.2
done

ssh -F /dev/null -N -i "$BENCH_SSH_KEY" -o IdentitiesOnly=yes -o BatchMode=yes \
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ExitOnForwardFailure=yes \
  -o ServerAliveInterval=15 -o LogLevel=ERROR \
  -p "$ssh_port" -R "${RELAY_HOST%%.*}:80:$ORIGIN_ADDR" bench@127.0.0.1 &
client=$!
echo "$client" > "${RELAY_CLIENT_PIDFILE:-/dev/null}"
wait "$client"
