#!/usr/bin/env bash
# Makes sure a MongoDB-wire-compatible server answers on 127.0.0.1:27017 for the MongoDB
# adapter's integration tests.
#
# No real mongod can be installed on the test machines, so this runs SecantusDB (a MongoDB
# wire-protocol server from PyPI; see docs in ../shared/testing/mongodb.md) with in-memory
# storage:
#   venv      ${FEDGATE_MONGO_VENV:-$HOME/.cache/fedgate/mongo-venv}   (SecantusDB installed there)
#   pid, log  ${TMPDIR:-/tmp}/fedgate-mongodb/secantusd.{pid,log}
#
# Idempotent: when something already answers a `ping` on 127.0.0.1:27017 it only checks.
# Otherwise it creates the venv / installs SecantusDB if missing, starts the server in the
# background and waits up to MONGO_WAIT_SECONDS (default 30) for it to answer.
# Exits 1 with a clear message if the server cannot be made reachable.
# `scripts/mongodb.sh stop` stops a server this script started (by its pid file).
set -euo pipefail

HOST=127.0.0.1
PORT=27017
SECANTUS_VERSION=0.7.0b3
VENV=${FEDGATE_MONGO_VENV:-$HOME/.cache/fedgate/mongo-venv}
RUN_DIR=${TMPDIR:-/tmp}/fedgate-mongodb
PID_FILE=$RUN_DIR/secantusd.pid
LOG_FILE=$RUN_DIR/secantusd.log
WAIT_SECONDS=${MONGO_WAIT_SECONDS:-30}

log() { printf 'mongodb: %s\n' "$*" >&2; }
die() {
    printf 'mongodb: ERROR: %s\n' "$*" >&2
    exit 1
}

python_bin() {
    if command -v python3 >/dev/null 2>&1; then
        command -v python3
    else
        die "python3 is needed to create the SecantusDB venv"
    fi
}

# True when a server answers `ping` on HOST:PORT. Uses the venv's pymongo (a SecantusDB
# dependency) when present, else a bare TCP connect (only used before the venv exists).
answers() {
    if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import pymongo' >/dev/null 2>&1; then
        "$VENV/bin/python" - "$HOST" "$PORT" >/dev/null 2>&1 <<'EOF'
import sys
import pymongo
host, port = sys.argv[1], int(sys.argv[2])
client = pymongo.MongoClient(host, port, directConnection=True,
                             serverSelectionTimeoutMS=1000, connectTimeoutMS=1000)
client.admin.command("ping")
EOF
    else
        (exec 3<>"/dev/tcp/$HOST/$PORT") >/dev/null 2>&1
    fi
}

ensure_venv() {
    if [ -x "$VENV/bin/secantusd-py" ]; then
        return 0
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating the venv $VENV"
        mkdir -p "$(dirname "$VENV")"
        "$(python_bin)" -m venv "$VENV" || die "python3 -m venv $VENV failed (is python3-venv installed?)"
    fi
    log "installing SecantusDB==$SECANTUS_VERSION into $VENV"
    "$VENV/bin/pip" install --quiet "SecantusDB==$SECANTUS_VERSION" ||
        die "pip install SecantusDB==$SECANTUS_VERSION failed"
    [ -x "$VENV/bin/secantusd-py" ] || die "SecantusDB installed but $VENV/bin/secantusd-py is missing"
}

running_pid() {
    local pid
    [ -f "$PID_FILE" ] || return 1
    pid=$(cat "$PID_FILE" 2>/dev/null || true)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && printf '%s' "$pid"
}

start() {
    if answers; then
        log "a MongoDB server answers on $HOST:$PORT"
        return 0
    fi
    ensure_venv
    # The venv may have just been created: check again with a real ping.
    if answers; then
        log "a MongoDB server answers on $HOST:$PORT"
        return 0
    fi
    mkdir -p "$RUN_DIR"
    local pid
    if pid=$(running_pid); then
        log "SecantusDB (pid $pid) is starting; waiting for it"
    else
        log "starting SecantusDB on $HOST:$PORT (log: $LOG_FILE)"
        nohup "$VENV/bin/secantusd-py" --host "$HOST" --port "$PORT" --storage-path :memory: \
            >>"$LOG_FILE" 2>&1 </dev/null &
        pid=$!
        printf '%s\n' "$pid" >"$PID_FILE"
    fi
    local waited=0
    until answers; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$LOG_FILE" >&2 || true
            rm -f "$PID_FILE"
            die "SecantusDB exited before answering on $HOST:$PORT; see $LOG_FILE"
        fi
        if [ "$waited" -ge "$WAIT_SECONDS" ]; then
            tail -n 20 "$LOG_FILE" >&2 || true
            die "SecantusDB (pid $pid) did not answer on $HOST:$PORT within ${WAIT_SECONDS}s; see $LOG_FILE"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    log "SecantusDB (pid $pid) answers on $HOST:$PORT"
}

stop() {
    local pid
    if pid=$(running_pid); then
        log "stopping SecantusDB (pid $pid)"
        kill "$pid"
        local waited=0
        while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 10 ]; do
            sleep 1
            waited=$((waited + 1))
        done
    else
        log "no SecantusDB started by this script is running"
    fi
    rm -f "$PID_FILE"
}

main() {
    case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    *) die "usage: $0 [start|stop]" ;;
    esac
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
