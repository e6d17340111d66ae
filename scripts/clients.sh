#!/usr/bin/env bash
# Real PostgreSQL clients against fedgate: ./scripts/clients.sh [NAME...]
#
# NAME is any of: psycopg3 psycopg2 asyncpg sqlalchemy pgcli node-pg pgjdbc psql (default:
# all). For each client the test in integration-tests/clients/ queries the gateway and
# PostgreSQL itself (the oracle) and compares type OIDs, type names and values.
#
#   1. installs what the clients need: a Python venv with requirements.txt (pinned) under
#      the cache directory, `npm ci` of integration-tests/clients/node (package-lock.json),
#      the Debian libpostgresql-jdbc-java jar and psql when missing
#   2. creates the PostgreSQL database CLIENTS_DB (default fedgate_clients) with fixture.sql
#   3. starts target/debug/fedgate (built when missing) on a free loopback port with a
#      temporary data directory and registers the database as server `pg`
#   4. runs each client test and prints `client NAME ... ok|FAILED`, then
#      `N passed, M failed`; stops the gateway (by PID); exits non-zero on any failure
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust): scripts/backends.sh.
# Under CI=true a missing tool is a failure; otherwise that client is skipped.
# Cache directory: FEDGATE_CLIENTS_CACHE (default ~/.cache/fedgate-clients).
# Works without a terminal.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$(pwd)
clients="$root/integration-tests/clients"

ALL_CLIENTS=(psycopg3 psycopg2 asyncpg sqlalchemy pgcli node-pg pgjdbc psql)
if [ "$#" -gt 0 ]; then selected=("$@"); else selected=("${ALL_CLIENTS[@]}"); fi
for name in "${selected[@]}"; do
    case " ${ALL_CLIENTS[*]} " in *" $name "*) ;; *) echo "clients: unknown client '$name' (one of: ${ALL_CLIENTS[*]})" >&2; exit 2 ;; esac
done

strict=0
case "${CI:-}" in true | 1 | yes) strict=1 ;; esac

export ORACLE_HOST=127.0.0.1 ORACLE_PORT=${ORACLE_PORT:-5432}
export CLIENTS_DB=${CLIENTS_DB:-fedgate_clients}
export FEDGATE_HOST=127.0.0.1
export TZ=UTC PGTZ=UTC PAGER=cat PSQL_PAGER=cat
cache=${FEDGATE_CLIENTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fedgate-clients}
work=$(mktemp -d "${TMPDIR:-/tmp}/fedgate-clients.XXXXXX")
gateway_pid=

log() { printf 'clients: %s\n' "$*" >&2; }
die() { printf 'clients: ERROR: %s\n' "$*" >&2; exit 1; }

cleanup() {
    if [ -n "$gateway_pid" ] && kill -0 "$gateway_pid" 2>/dev/null; then
        kill -TERM "$gateway_pid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$gateway_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$gateway_pid" 2>/dev/null
        wait "$gateway_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    [ "$(id -u)" -eq 0 ] || return 1
    if [ "$APT_UPDATED" -eq 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null >&2 || return 1
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" </dev/null >&2
}

wanted() { case " ${selected[*]} " in *" $1 "*) return 0 ;; esac; return 1; }

# missing[NAME]=reason when a client's tools could not be set up.
declare -A missing=()

# --- tools -------------------------------------------------------------------------------

python_clients=(psycopg3 psycopg2 asyncpg sqlalchemy pgcli)
need_python=0
for name in "${python_clients[@]}"; do wanted "$name" && need_python=1; done
venv=
if [ "$need_python" -eq 1 ]; then
    req_hash=$(sha256sum "$clients/requirements.txt" | cut -c1-16)
    venv="$cache/venv-$req_hash"
    if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
        log "creating Python venv with integration-tests/clients/requirements.txt"
        rm -rf "$venv"
        mkdir -p "$cache"
        if ! python3 -m venv "$venv" >&2 </dev/null; then
            apt_install python3-venv && rm -rf "$venv" && python3 -m venv "$venv" >&2 </dev/null
        fi
        if [ -x "$venv/bin/pip" ] && "$venv/bin/pip" install -q -r "$clients/requirements.txt" >&2 </dev/null; then
            touch "$venv/.complete"
        else
            for name in "${python_clients[@]}"; do missing[$name]="Python venv or pip install failed"; done
        fi
    fi
fi

if wanted node-pg; then
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm || true
    fi
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        missing[node-pg]="node/npm not found"
    else
        pinned=$(node -p "require('$clients/node/package.json').dependencies.pg")
        have=$(node -p "try { require('$clients/node/node_modules/pg/package.json').version } catch (e) { '' }" 2>/dev/null)
        if [ "$have" != "$pinned" ]; then
            log "npm ci in integration-tests/clients/node"
            (cd "$clients/node" && npm ci --no-audit --no-fund --loglevel=error >&2 </dev/null) \
                || missing[node-pg]="npm ci failed"
        fi
    fi
fi

jdbc_jar=${PGJDBC_JAR:-/usr/share/java/postgresql.jar}
if wanted pgjdbc; then
    if [ ! -f "$jdbc_jar" ]; then
        log "installing libpostgresql-jdbc-java"
        apt_install libpostgresql-jdbc-java || true
    fi
    if ! command -v javac >/dev/null 2>&1; then
        log "installing default-jdk-headless (javac)"
        apt_install default-jdk-headless || true
    fi
    if [ ! -f "$jdbc_jar" ]; then
        missing[pgjdbc]="$jdbc_jar not found (libpostgresql-jdbc-java)"
    elif ! command -v javac >/dev/null 2>&1; then
        missing[pgjdbc]="javac not found"
    elif ! javac -d "$work/jdbc" -cp "$jdbc_jar" "$clients/jdbc/JdbcTest.java" >"$work/javac.log" 2>&1; then
        cat "$work/javac.log" >&2
        missing[pgjdbc]="javac failed"
    fi
fi

if ! command -v psql >/dev/null 2>&1; then
    apt_install postgresql-client || true
fi
command -v psql >/dev/null 2>&1 || die "psql not found (needed to load the fixture; Debian package postgresql-client)"

# --- fixture and gateway -----------------------------------------------------------------

oracle_psql() { psql -X -q -v ON_ERROR_STOP=1 -h "$ORACLE_HOST" -p "$ORACLE_PORT" -U postgres "$@" </dev/null; }
oracle_psql -d postgres -c 'SELECT 1' >/dev/null \
    || die "PostgreSQL is not reachable on $ORACLE_HOST:$ORACLE_PORT as user postgres (run scripts/backends.sh)"
oracle_psql -d postgres -c "DROP DATABASE IF EXISTS $CLIENTS_DB WITH (FORCE)" \
    -c "CREATE DATABASE $CLIENTS_DB TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'" >/dev/null \
    || die "could not create database $CLIENTS_DB"
oracle_psql -d "$CLIENTS_DB" -f "$clients/fixture.sql" >/dev/null || die "could not load fixture.sql"

binary=${FEDGATE_BIN:-$root/target/debug/fedgate}
if [ ! -x "$binary" ]; then
    log "building fedgate (cargo build --workspace --bins)"
    cargo build --workspace --bins </dev/null >&2 || die "cargo build failed"
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export FEDGATE_PORT=$port
mkdir -p "$work/data"
"$binary" --listen "127.0.0.1:$port" --data-dir "$work/data" </dev/null >"$work/fedgate.log" 2>&1 &
gateway_pid=$!
for _ in $(seq 600); do
    grep -q 'fedgate listening on' "$work/fedgate.log" && break
    kill -0 "$gateway_pid" 2>/dev/null || { cat "$work/fedgate.log" >&2; die "fedgate exited at start-up"; }
    sleep 0.1
done
grep -q 'fedgate listening on' "$work/fedgate.log" || { cat "$work/fedgate.log" >&2; die "fedgate did not start listening"; }
log "fedgate (pid $gateway_pid) listening on 127.0.0.1:$port"

psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d fedgate </dev/null \
    -c "CREATE SERVER pg FOREIGN DATA WRAPPER postgres OPTIONS (host '$ORACLE_HOST', port '$ORACLE_PORT', dbname '$CLIENTS_DB', user 'postgres')" \
    || die "CREATE SERVER pg failed"

# --- clients -----------------------------------------------------------------------------

command_of() {
    case "$1" in
        psycopg3 | psycopg2 | asyncpg | sqlalchemy | pgcli)
            echo "cd '$clients' && '$venv/bin/python' ${1}_test.py" ;;
        node-pg) echo "cd '$clients/node' && node pg_test.js" ;;
        pgjdbc) echo "java -Duser.timezone=UTC -cp '$work/jdbc:$jdbc_jar' JdbcTest" ;;
        psql) echo "bash '$clients/psql_test.sh'" ;;
    esac
}

passed=0
failed=0
skipped=0
failed_names=()
for name in "${selected[@]}"; do
    if [ -n "${missing[$name]:-}" ]; then
        if [ "$strict" -eq 1 ]; then
            echo "client $name ... FAILED (${missing[$name]})"
            failed=$((failed + 1)); failed_names+=("$name")
        else
            echo "client $name ... skipped (${missing[$name]})"
            skipped=$((skipped + 1))
        fi
        continue
    fi
    out="$work/$name.log"
    timeout 300 bash -c "$(command_of "$name")" </dev/null >"$out" 2>&1
    status=$?
    if [ "$status" -eq 0 ]; then
        echo "client $name ... ok ($(head -n1 "$out"))"
        passed=$((passed + 1))
    else
        sed 's/^/    /' "$out"
        echo "client $name ... FAILED (exit $status)"
        failed=$((failed + 1)); failed_names+=("$name")
    fi
    if ! kill -0 "$gateway_pid" 2>/dev/null; then
        echo "fedgate exited during client $name; its log:"
        tail -n 50 "$work/fedgate.log" | sed 's/^/    /'
        failed=$((failed + 1)); failed_names+=("fedgate-exited")
        break
    fi
done

[ "${#failed_names[@]}" -gt 0 ] && echo "failed clients: ${failed_names[*]}"
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
