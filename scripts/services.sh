#!/usr/bin/env bash
# Start/stop every external service the tests use (Kafka, PostgreSQL) and record how to
# reach them in .cache/services.env:
#
#   bash scripts/services.sh start && source .cache/services.env && npm test
#   bash scripts/services.sh stop
#   bash scripts/services.sh status
#
# The env file holds `export KEY=value` lines so that `source` hands the values to child
# processes (vitest); dotenv-style parsers accept the `export` prefix as well.
# TigerBeetle has no server package in any registry we can reach; TB_ADDRESS stays unset
# here (see DESIGN.md §5).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPTS="$ROOT/scripts"
ENV_FILE="$ROOT/.cache/services.env"

log() { printf 'services: %s\n' "$*" >&2; }

# Runs `<script> start` and prints the single KEY=value line it ends with.
start_one() {
  local script="$1" key="$2" out line
  out="$(bash "$SCRIPTS/$script" start)" || return 1
  line="$(grep -E "^$key=" <<<"$out" | tail -n 1)"
  [[ -n "$line" ]] || { log "error: $script start printed no $key= line"; return 1; }
  printf '%s\n' "$line"
}

cmd_start() {
  local kafka pg
  mkdir -p "$(dirname "$ENV_FILE")"
  rm -f "$ENV_FILE"   # never leave an env file that points at services that are not up
  if ! kafka="$(start_one kafka.sh KAFKA_BROKERS)"; then
    log "error: Kafka did not start"; exit 1
  fi
  if ! pg="$(start_one postgres.sh DATABASE_URL)"; then
    log "error: PostgreSQL did not start (Kafka is still running: bash scripts/services.sh stop)"; exit 1
  fi
  {
    echo "# Written by scripts/services.sh start — removed by scripts/services.sh stop."
    echo "export $kafka"
    echo "export $pg"
  } >"$ENV_FILE.tmp"
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  log "wrote ${ENV_FILE#"$ROOT"/}:"
  grep '^export ' "$ENV_FILE" | sed 's/^export //'
}

cmd_stop() {
  # Stop both even if one of them fails, then report.
  local rc=0
  bash "$SCRIPTS/kafka.sh" stop || rc=1
  bash "$SCRIPTS/postgres.sh" stop || rc=1
  rm -f "$ENV_FILE"
  return "$rc"
}

cmd_status() {
  local rc=0
  bash "$SCRIPTS/kafka.sh" status >/dev/null || rc=3
  bash "$SCRIPTS/postgres.sh" status >/dev/null || rc=3
  return "$rc"
}

case "${1:-}" in
  start)  cmd_start ;;
  stop)   cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 {start|stop|status}" >&2; exit 2 ;;
esac
