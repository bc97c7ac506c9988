#!/usr/bin/env bash
# Start and stop a throwaway PostgreSQL server for tests and CI, using Debian's server
# binaries (package `postgresql`) — no Docker.
#
#   bash scripts/postgres.sh start    fresh cluster in a temp dir on 127.0.0.1:$PGPORT, db `keel`
#   bash scripts/postgres.sh stop     fast shutdown, delete the cluster
#   bash scripts/postgres.sh status   exit 0 if running, 3 if not
#   bash scripts/postgres.sh pause    fast shutdown, cluster kept (for outage tests)
#   bash scripts/postgres.sh resume   start the paused cluster again, same data
#
# Environment: PGPORT (15432), PG_START_TIMEOUT seconds (60), PG_BIN (a postgresql bin dir),
#              KEEL_INSTALL_MISSING=1 lets a root user apt-get install postgresql if absent,
#              KEEL_PG_RUN_DIR (.cache/postgres/run): where the state of this cluster is kept; a
#              test sets it (and PGPORT) to run a private server beside the shared one.
#
# Every start is a new cluster (initdb), so tests never see a previous run's data. The
# cluster is tuned for throwaway use (fsync off): never point it at data you want to keep.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="${KEEL_PG_RUN_DIR:-$ROOT/.cache/postgres/run}"
STATE_FILE="$RUN/state"          # KEY=value lines describing the running cluster
PID_FILE="$RUN/postgres.pid"
LOG_LINK="$RUN/postgres.log"     # symlink to the live log inside the temp dir
LAST_LOG="$RUN/postgres.last.log" # copy of the log kept after stop
PORT="${PGPORT:-15432}"
START_TIMEOUT="${PG_START_TIMEOUT:-60}"
DB_USER="keel"
DB_NAME="keel"
DATABASE_URL="postgres://$DB_USER@127.0.0.1:$PORT/$DB_NAME"

log() { printf 'postgres: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- locating (or installing) the server binaries --------------------------------------

find_bin() {
  if [[ -n "${PG_BIN:-}" ]]; then
    [[ -x "$PG_BIN/initdb" && -x "$PG_BIN/pg_ctl" ]] || die "PG_BIN=$PG_BIN has no initdb/pg_ctl"
    printf '%s\n' "$PG_BIN"; return 0
  fi
  # Debian keeps server binaries off PATH, one dir per major version; take the newest.
  local dir best=""
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V); do
    [[ -x "$dir/initdb" && -x "$dir/pg_ctl" && -x "$dir/postgres" ]] && best="$dir"
  done
  [[ -n "$best" ]] || return 1
  printf '%s\n' "$best"
}

install_postgres() {
  # Only when explicitly asked (CI sets KEEL_INSTALL_MISSING=1) and only as root with apt.
  [[ "${KEEL_INSTALL_MISSING:-}" == 1 && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1 || return 1
  log "KEEL_INSTALL_MISSING=1: installing postgresql with apt-get"
  # Stop the Debian package from creating and starting its own `main` cluster on 5432:
  # we only want the binaries.
  mkdir -p /etc/postgresql-common
  if ! grep -qs '^[[:space:]]*create_main_cluster' /etc/postgresql-common/createcluster.conf; then
    echo 'create_main_cluster = false' >>/etc/postgresql-common/createcluster.conf
  fi
  DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql >&2
}

require_bin() {
  local bin
  if bin="$(find_bin)"; then printf '%s\n' "$bin"; return 0; fi
  if install_postgres && bin="$(find_bin)"; then printf '%s\n' "$bin"; return 0; fi
  log "missing: PostgreSQL server binaries (initdb, pg_ctl under /usr/lib/postgresql/<version>/bin)"
  log "install on Debian/Ubuntu with:  apt-get install postgresql"
  log "(as root, KEEL_INSTALL_MISSING=1 makes this script install it; or set PG_BIN=<dir with initdb>)"
  exit 1
}

# ---- running as an unprivileged user ---------------------------------------------------

# initdb and postgres refuse to run as root. As root we run them as `postgres` (created by
# Debian's package) or, failing that, a dedicated `keel-pg` system user.
server_user() {
  if [[ "$(id -u)" != 0 ]]; then id -un; return 0; fi
  if id -u postgres >/dev/null 2>&1; then echo postgres; return 0; fi
  if ! id -u keel-pg >/dev/null 2>&1; then
    log "creating system user keel-pg to run PostgreSQL (it refuses to run as root)"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin keel-pg >&2
  fi
  echo keel-pg
}

# as_server_user USER CMD...: runuser -u execs CMD directly (no login shell), so it works
# for nologin system users too.
as_server_user() {
  local user="$1"; shift
  if [[ "$(id -u)" == 0 && "$user" != root ]]; then
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

# ---- state -----------------------------------------------------------------------------

# Loads STATE_DIR, STATE_USER, STATE_BIN, STATE_PORT from the state file.
load_state() {
  [[ -f "$STATE_FILE" ]] || return 1
  STATE_DIR="$(sed -n 's/^dir=//p' "$STATE_FILE")"
  STATE_USER="$(sed -n 's/^user=//p' "$STATE_FILE")"
  STATE_BIN="$(sed -n 's/^bin=//p' "$STATE_FILE")"
  STATE_PORT="$(sed -n 's/^port=//p' "$STATE_FILE")"
  [[ -n "$STATE_DIR" && -n "$STATE_USER" && -n "$STATE_BIN" && -n "$STATE_PORT" ]]
}

# True when the cluster recorded in the state file is up (pg_ctl checks postmaster.pid).
state_running() {
  load_state || return 1
  [[ -d "$STATE_DIR/data" ]] || return 1
  as_server_user "$STATE_USER" "$STATE_BIN/pg_ctl" -D "$STATE_DIR/data" status >/dev/null 2>&1
}

# Only ever delete directories this script created; keep the log for post-mortems.
remove_cluster_dir() {
  local dir="$1"
  if [[ -n "$dir" && "$(basename "$dir")" == keel-pg.* && -d "$dir" ]]; then
    [[ -f "$dir/postgres.log" ]] && cp "$dir/postgres.log" "$LAST_LOG" 2>/dev/null || true
    rm -rf -- "$dir"
  fi
}

forget_state() { rm -f "$STATE_FILE" "$PID_FILE" "$LOG_LINK"; }

# ---- commands --------------------------------------------------------------------------

cmd_start() {
  mkdir -p "$RUN"
  if state_running; then
    log "already running (pid $(cat "$PID_FILE" 2>/dev/null || echo '?'), port $STATE_PORT)"
    echo "DATABASE_URL=postgres://$DB_USER@127.0.0.1:$STATE_PORT/$DB_NAME"
    return 0
  fi
  # A stale state file (crashed server, rebooted machine): clean it up first.
  if load_state; then remove_cluster_dir "$STATE_DIR"; fi
  forget_state

  local bin user dir
  bin="$(require_bin)"
  user="$(server_user)"
  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2 2>/dev/null; then
    die "something already answers on 127.0.0.1:$PORT (set PGPORT to use another port)"
  fi

  dir="$(mktemp -d "${TMPDIR:-/tmp}/keel-pg.XXXXXX")"
  mkdir -p "$dir/sock"
  # mktemp makes the dir 0700 for the caller; the server user must own it.
  if [[ "$(id -u)" == 0 ]]; then chown -R "$user:" "$dir"; fi
  printf 'dir=%s\nuser=%s\nbin=%s\nport=%s\n' "$dir" "$user" "$bin" "$PORT" >"$STATE_FILE"
  # The log lives in the temp dir because the server user may not be allowed to write
  # into the project tree; the symlink makes it findable.
  ln -sfn "$dir/postgres.log" "$LOG_LINK"

  log "initdb ($("$bin/postgres" --version | sed 's/^postgres (PostgreSQL) //'), user $user) in $dir"
  # trust auth: loopback-only, throwaway cluster; superuser named keel, as the apps use.
  if ! as_server_user "$user" "$bin/initdb" -D "$dir/data" -U "$DB_USER" --auth=trust \
      --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    remove_cluster_dir "$dir"; forget_state
    die "initdb failed"
  fi
  cat >>"$dir/data/postgresql.conf" <<EOF

# ---- scripts/postgres.sh: loopback only, socket inside the temp dir, throwaway durability
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

  log "starting on 127.0.0.1:$PORT"
  # -w waits for startup, but we still confirm with pg_isready below; -t bounds the wait.
  if ! as_server_user "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" \
      -w -t "$START_TIMEOUT" start >"$dir/pg_ctl.log" 2>&1; then
    start_failed "$bin" "$user" "$dir" "pg_ctl start failed: $(tail -n 3 "$dir/pg_ctl.log" | tr '\n' ' ')"
  fi
  head -n 1 "$dir/data/postmaster.pid" >"$PID_FILE"

  local deadline=$((SECONDS + START_TIMEOUT))
  until "$bin/pg_isready" -q -h 127.0.0.1 -p "$PORT" -d postgres -U "$DB_USER" -t 2; do
    (( SECONDS < deadline )) || start_failed "$bin" "$user" "$dir" "pg_isready did not answer within ${START_TIMEOUT}s"
    sleep 0.3
  done
  if ! "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U "$DB_USER" -d postgres \
      -c "create database $DB_NAME" >&2; then
    start_failed "$bin" "$user" "$dir" "could not create database $DB_NAME"
  fi
  log "ready (pid $(cat "$PID_FILE"), log ${LOG_LINK#"$ROOT"/})"
  echo "DATABASE_URL=$DATABASE_URL"
}

start_failed() {
  local bin="$1" user="$2" dir="$3"
  log "error: $4"
  log "last lines of $dir/postgres.log:"
  tail -n 40 "$dir/postgres.log" >&2 2>/dev/null || true
  as_server_user "$user" "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
  remove_cluster_dir "$dir"
  forget_state
  exit 1
}

cmd_stop() {
  if ! load_state; then
    log "not running"
    forget_state
    return 0
  fi
  if state_running; then
    log "stopping (pid $(cat "$PID_FILE" 2>/dev/null || echo '?'))"
    # fast = roll back open transactions and disconnect clients: what a test teardown wants.
    if ! as_server_user "$STATE_USER" "$STATE_BIN/pg_ctl" -D "$STATE_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
      log "fast shutdown did not finish in 30s; using immediate shutdown"
      as_server_user "$STATE_USER" "$STATE_BIN/pg_ctl" -D "$STATE_DIR/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
    fi
  else
    log "not running (cleaning up stale state)"
  fi
  remove_cluster_dir "$STATE_DIR"
  forget_state
}

cmd_status() {
  if state_running; then
    log "running (pid $(cat "$PID_FILE" 2>/dev/null || echo '?')) on 127.0.0.1:$STATE_PORT, cluster $STATE_DIR"
    echo "DATABASE_URL=postgres://$DB_USER@127.0.0.1:$STATE_PORT/$DB_NAME"
  else
    log "not running"
    return 3
  fi
}

# The server goes away (open connections terminated), its cluster and state kept. Fast, not
# immediate: with synchronous_commit off (above) an immediate stop would lose the last commits.
cmd_pause() {
  state_running || die "not running: nothing to pause"
  log "pausing (fast shutdown, cluster kept)"
  as_server_user "$STATE_USER" "$STATE_BIN/pg_ctl" -D "$STATE_DIR/data" -m fast -w -t 30 stop >/dev/null
}

cmd_resume() {
  load_state || die "no cluster to resume"
  state_running && { log "already running"; return 0; }
  log "resuming on 127.0.0.1:$STATE_PORT"
  as_server_user "$STATE_USER" "$STATE_BIN/pg_ctl" -D "$STATE_DIR/data" -l "$STATE_DIR/postgres.log" \
    -w -t "$START_TIMEOUT" start >"$STATE_DIR/pg_ctl.log" 2>&1 || die "pg_ctl start failed: $(tail -n 3 "$STATE_DIR/pg_ctl.log" | tr '\n' ' ')"
  head -n 1 "$STATE_DIR/data/postmaster.pid" >"$PID_FILE"
}

case "${1:-}" in
  start)  cmd_start ;;
  stop)   cmd_stop ;;
  status) cmd_status ;;
  pause)  cmd_pause ;;
  resume) cmd_resume ;;
  *) echo "usage: $0 {start|stop|status|pause|resume}" >&2; exit 2 ;;
esac
