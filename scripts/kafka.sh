#!/usr/bin/env bash
# Fetch, start and stop a real single-node Apache Kafka broker (KRaft, combined
# broker+controller) for tests and CI — no Docker, no internet beyond Maven Central.
#
#   bash scripts/kafka.sh fetch    download the broker jars into .cache/kafka/<version>/libs
#   bash scripts/kafka.sh start    start a fresh broker on 127.0.0.1 and wait until it answers
#   bash scripts/kafka.sh stop     stop it and delete its data directory
#   bash scripts/kafka.sh status   exit 0 if running, 3 if not
#   bash scripts/kafka.sh restart [kill]   restart on the same data (kill: SIGKILL first)
#
# Environment: KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (19093),
#              KAFKA_START_TIMEOUT seconds (90), KAFKA_HEAP (512m), JAVA_HOME (optional),
#              KEEL_KAFKA_CACHE (.cache/kafka: the jars), KEEL_KAFKA_RUN_DIR (<cache>/run: the
#              state of this broker); a test sets these and the ports to run a private broker.
#
# Apache publishes the broker itself on Maven Central (org.apache.kafka:kafka_2.13), so
# Maven resolves it with every runtime dependency; we add a log4j2 backend because the
# broker only depends on the slf4j API and would otherwise log nothing.
set -euo pipefail

# ---- the one place the versions are pinned ---------------------------------------------
KAFKA_VERSION="4.3.1"     # KRaft-only line; brokers need Java >= 17
SCALA_VERSION="2.13"
LOG4J_VERSION="2.24.3"    # log4j2 backend; Kafka 4.x ships log4j2 (slf4j 1.7 binding)
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
JAVA_MIN=17
# ----------------------------------------------------------------------------------------

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${KEEL_KAFKA_CACHE:-$ROOT/.cache/kafka}"
LIBS="$CACHE/$KAFKA_VERSION/libs"
RUN="${KEEL_KAFKA_RUN_DIR:-$CACHE/run}"
PID_FILE="$RUN/kafka.pid"
DATA_FILE="$RUN/datadir"           # path of this run's temp data dir
ADDR_FILE="$RUN/bootstrap"         # bootstrap address of the running broker
LOG_FILE="$RUN/kafka.log"
PORT="${KAFKA_PORT:-19092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
HEAP="${KAFKA_HEAP:-512m}"
BOOTSTRAP="127.0.0.1:$PORT"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

log() { printf 'kafka: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- prerequisites ---------------------------------------------------------------------

java_major() {
  # `java -version` prints e.g. `openjdk version "17.0.15"` or `"1.8.0_402"` on stderr.
  local v
  v="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)"
  v="${v#1.}"
  printf '%s\n' "${v%%[.+_-]*}"
}

require_tools() {
  local need_mvn="$1" missing=() major
  if ! command -v "$JAVA" >/dev/null 2>&1; then
    missing+=("java (>= $JAVA_MIN)")
  else
    major="$(java_major)"
    if ! [[ "$major" =~ ^[0-9]+$ ]] || (( major < JAVA_MIN )); then
      missing+=("java >= $JAVA_MIN (found: ${major:-unknown} at $(command -v "$JAVA"))")
    fi
  fi
  if [[ "$need_mvn" == yes ]] && ! command -v mvn >/dev/null 2>&1; then
    missing+=("mvn (Apache Maven)")
  fi
  if (( ${#missing[@]} )); then
    log "missing: ${missing[*]}"
    log "install on Debian/Ubuntu with:  apt-get install -y openjdk-17-jre-headless maven"
    log "(or set JAVA_HOME to a Java $JAVA_MIN+ installation)"
    exit 1
  fi
}

# ---- fetch -----------------------------------------------------------------------------

fetched() { [[ -f "$LIBS/.complete" ]]; }
jar_count() { local jars=("$LIBS"/*.jar); echo "${#jars[@]}"; }

cmd_fetch() {
  if fetched; then
    log "Kafka $KAFKA_VERSION already fetched ($(jar_count) jars in ${LIBS#"$ROOT"/})"
    return 0
  fi
  require_tools yes
  mkdir -p "$CACHE/$KAFKA_VERSION"
  local work
  work="$(mktemp -d "$CACHE/$KAFKA_VERSION/fetch.XXXXXX")"
  # A throwaway pom: Maven does the transitive resolution and caches in ~/.m2, so a
  # second fetch (e.g. after deleting .cache) is offline-fast.
  cat >"$work/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.keel.local</groupId>
  <artifactId>kafka-broker-libs</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_$SCALA_VERSION</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <!-- kafka-tools gives us TopicCommand for the readiness probe (and for humans).
         It drags in Kafka Connect's REST server, which we do not need. -->
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka-tools</artifactId>
      <version>$KAFKA_VERSION</version>
      <exclusions>
        <exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion>
        <exclusion><groupId>com.fasterxml.jackson.jakarta.rs</groupId><artifactId>*</artifactId></exclusion>
      </exclusions>
    </dependency>
    <!-- Logging backend: Kafka logs through slf4j 1.7, bound here to log4j2. -->
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-core</artifactId>
      <version>$LOG4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
  log "fetching Kafka $KAFKA_VERSION (kafka_$SCALA_VERSION + runtime deps) from Maven Central..."
  if ! mvn -B -q --no-transfer-progress -f "$work/pom.xml" \
      "$DEPENDENCY_PLUGIN:copy-dependencies" \
      -DincludeScope=runtime -DoutputDirectory="$work/libs" >"$work/mvn.log" 2>&1; then
    tail -n 40 "$work/mvn.log" >&2
    die "Maven could not fetch Kafka $KAFKA_VERSION (full log: $work/mvn.log)"
  fi
  [[ -f "$work/libs/kafka_$SCALA_VERSION-$KAFKA_VERSION.jar" ]] \
    || die "Maven finished but kafka_$SCALA_VERSION-$KAFKA_VERSION.jar is missing in $work/libs"
  # Publish atomically so an interrupted fetch never looks complete.
  rm -rf "$LIBS"
  mv "$work/libs" "$LIBS"
  touch "$LIBS/.complete"
  rm -rf "$work"
  log "fetched $(jar_count) jars into ${LIBS#"$ROOT"/}"
}

# ---- process helpers -------------------------------------------------------------------

# The pid in our pid file, only if that process is alive AND is our broker (pid reuse).
running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  printf '%s\n' "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Only ever delete directories this script created.
remove_data_dir() {
  local dir
  dir="$(cat "$DATA_FILE" 2>/dev/null || true)"
  if [[ -n "$dir" && "$(basename "$dir")" == keel-kafka.* && -d "$dir" ]]; then
    rm -rf -- "$dir"
  fi
  rm -f "$DATA_FILE"
}

log4j_config() {
  # Console appender -> stdout, which start redirects into $LOG_FILE.
  cat >"$1" <<'EOF'
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = ${sys:keel.kafka.loglevel:-INFO}
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
EOF
}

# Run one of Kafka's own CLI tools (kafka-tools jar) against our broker, quietly.
kafka_tool() {
  local class="$1"; shift
  timeout 20 "$JAVA" -Xmx128m -cp "$LIBS/*" \
    -Dlog4j2.configurationFile="$RUN/log4j2.properties" -Dkeel.kafka.loglevel=ERROR \
    "$class" --bootstrap-server "$BOOTSTRAP" "$@"
}

# Readiness probe through Kafka's own client, which also warms the group coordinator:
# describing a (missing) group sends FindCoordinator, which makes the broker create
# __consumer_offsets. Without this the first consumer of every fresh broker gets
# "group coordinator not available" errors and retries. The TopicCommand --list that
# follows is a real Metadata round trip and only passes once __consumer_offsets exists.
probe_ready() {
  kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --describe --group keel-warmup >/dev/null 2>&1 || true
  local topics
  topics="$(kafka_tool org.apache.kafka.tools.TopicCommand --list 2>>"$RUN/probe.log")" || return 1
  grep -qx '__consumer_offsets' <<<"$topics"
}

# ---- start / stop / status -------------------------------------------------------------

cmd_start() {
  local pid
  if pid="$(running_pid)"; then
    log "already running (pid $pid)"
    echo "KAFKA_BROKERS=$(cat "$ADDR_FILE" 2>/dev/null || echo "$BOOTSTRAP")"
    return 0
  fi
  # mvn is only needed when the jars are not cached yet.
  if fetched; then require_tools no; else require_tools yes; cmd_fetch; fi
  mkdir -p "$RUN"
  remove_data_dir   # leftovers of a broker that died or a machine that rebooted
  rm -f "$PID_FILE"
  for p in "$PORT" "$CONTROLLER_PORT"; do
    port_open "$p" && die "port 127.0.0.1:$p is already in use by another process (set KAFKA_PORT / KAFKA_CONTROLLER_PORT)"
  done

  local data props cluster_id
  data="$(mktemp -d "${TMPDIR:-/tmp}/keel-kafka.XXXXXX")"
  echo "$data" >"$DATA_FILE"
  props="$data/server.properties"
  cat >"$props" <<EOF
# Generated by scripts/kafka.sh — single node, combined broker+controller, loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data/logs
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
# Internal topics default to RF 3, which a single broker can never satisfy.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Tests create their topics explicitly; typos must fail, not silently create topics.
auto.create.topics.enable=false
# Consumers in tests should not wait 3 s for the first rebalance.
group.initial.rebalance.delay.ms=0
# Crash tests kill consumers; a short session lets the group move on quickly (clients choose).
group.min.session.timeout.ms=1000
EOF
  log4j_config "$RUN/log4j2.properties"
  : >"$RUN/probe.log"
  echo "$BOOTSTRAP" >"$ADDR_FILE"

  # A Kafka Uuid is 16 random bytes in unpadded base64url; Kafka never hands out one
  # starting with '-' (it would look like a CLI flag), so neither do we.
  cluster_id="-"
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done

  local jvm=(-cp "$LIBS/*" -Dlog4j2.configurationFile="$RUN/log4j2.properties" -Djava.awt.headless=true)
  if ! "$JAVA" -Xmx128m "${jvm[@]}" -Dkeel.kafka.loglevel=WARN \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$props" >"$LOG_FILE" 2>&1; then
    cat "$LOG_FILE" >&2
    remove_data_dir
    die "formatting the KRaft storage failed"
  fi

  log "starting Kafka $KAFKA_VERSION on $BOOTSTRAP (controller 127.0.0.1:$CONTROLLER_PORT, data $data)"
  launch_and_wait "$props"
}

# Starts the JVM on an existing, formatted data dir and waits until it answers.
launch_and_wait() {
  local props="$1" pid log_offset
  local jvm=(-cp "$LIBS/*" -Dlog4j2.configurationFile="$RUN/log4j2.properties" -Djava.awt.headless=true)
  # Readiness is read from what this launch logs, not from an earlier run's lines (restart).
  log_offset=$(( $(wc -c <"$LOG_FILE") + 1 ))
  # setsid: the broker gets its own session, so it survives this shell and a Ctrl-C in
  # the terminal that started it. The inner shell writes its own pid and then execs
  # java, so the pid file names the JVM whether or not setsid had to fork.
  # shellcheck disable=SC2016 # $$ and $@ must expand in the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
    "$JAVA" -Xms256m -Xmx"$HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    "${jvm[@]}" kafka.Kafka "$props" >>"$LOG_FILE" 2>&1 </dev/null &
  local launcher=$! i
  for ((i = 0; i < 100; i++)); do   # the inner shell writes the pid file within moments
    [[ -s "$PID_FILE" ]] || ! kill -0 "$launcher" 2>/dev/null && break
    sleep 0.1
  done

  # Ready = the JVM logged "Kafka Server started" (printed after the broker is unfenced),
  # the port accepts connections and a real Metadata request through Kafka's own client
  # succeeds. Bail out early if the JVM dies.
  local deadline=$((SECONDS + START_TIMEOUT)) stage=log
  while :; do
    if (( SECONDS >= deadline )); then
      start_failed "did not become ready within ${START_TIMEOUT}s (stage: $stage)"
    fi
    pid="$(running_pid)" || start_failed "the broker process exited during startup"
    case "$stage" in
      log)  tail -c +"$log_offset" "$LOG_FILE" | grep -q 'Kafka Server started' && stage=port ;;
      port) port_open "$PORT" && stage=metadata ;;
      metadata)
        if probe_ready; then break; fi ;;
    esac
    [[ "$stage" == metadata ]] || sleep 0.3
  done
  log "ready (pid $pid, log ${LOG_FILE#"$ROOT"/})"
  echo "KAFKA_BROKERS=$BOOTSTRAP"
}

start_failed() {
  log "error: $1"
  log "last lines of $LOG_FILE:"
  tail -n 40 "$LOG_FILE" >&2 || true
  stop_broker quiet
  exit 1
}

stop_broker() {
  kill_broker "${1:-}"
  rm -f "$PID_FILE" "$ADDR_FILE"
  remove_data_dir
}

# Ends the JVM (SIGTERM, then SIGKILL after 30 s; `kill` sends SIGKILL at once), data kept.
kill_broker() {
  local pid i
  if pid="$(running_pid)"; then
    if [[ "${1:-}" == kill ]]; then
      log "killing broker (pid $pid)"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      return 0
    fi
    [[ "${1:-}" == quiet ]] || log "stopping broker (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    # Controlled shutdown of a lone combined node normally takes a few seconds.
    for ((i = 0; i < 150; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "broker ignored SIGTERM for 30s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  else
    [[ "${1:-}" == quiet ]] || log "not running"
  fi
}

cmd_stop() { stop_broker; }

# Restarts the running broker on the same data (for broker-restart tests): `restart` stops it
# cleanly, `restart kill` crashes it with SIGKILL first.
cmd_restart() {
  local data
  running_pid >/dev/null || die "not running: nothing to restart"
  data="$(cat "$DATA_FILE")"
  kill_broker "${1:-}"
  rm -f "$PID_FILE"
  log "restarting Kafka on the same data ($data)"
  launch_and_wait "$data/server.properties"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    local addr
    addr="$(cat "$ADDR_FILE" 2>/dev/null || echo "$BOOTSTRAP")"
    log "running (pid $pid) on $addr, data $(cat "$DATA_FILE" 2>/dev/null || echo '?')"
    echo "KAFKA_BROKERS=$addr"
  else
    log "not running"
    return 3
  fi
}

case "${1:-}" in
  fetch)  cmd_fetch ;;
  start)  cmd_start ;;
  stop)   cmd_stop ;;
  status) cmd_status ;;
  restart) cmd_restart "${2:-}" ;;
  *) echo "usage: $0 {fetch|start|stop|status|restart [kill]}" >&2; exit 2 ;;
esac
