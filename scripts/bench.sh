#!/usr/bin/env bash
# TPC-H benchmark of fedgate against the peers of the shared harness (issue 4).
# A benchmark, not a test: it prints numbers, it does not pass or fail on them.
#
#   ./scripts/bench.sh
#
# 1. set-up, idempotent (BENCH_SKIP_SETUP=1 skips it): mysql_fdw for the fdw peer (apt-get,
#    as root, when missing), the harness's setup.sh (tpchgen-cli, DuckDB venv) when its tools
#    are missing, gen.sh SF, load.sh SF unless the databases already hold SF's data
#    (BENCH_FORCE_LOAD=1 reloads).
# 2. cargo build --release --bin fedgate; start target/release/fedgate on a free loopback port
#    with a temporary data dir; CREATE SERVER pg (tpch_pg) and my (tpch_my).
# 3. per query, interleaved like the harness's run_peers.sh: oracle, fdw, duckdb, fedgate.
#    fedgate runs through the harness's peer_psql.py (bench/peer_fedgate.py) with
#    search_path = pg.public, my.tpch_my, so the query text is unchanged.
# 4. EXPLAIN of each query through fedgate -> $BENCH_RESULTS/plans/fedgate_qN.txt (and the
#    harness's fdw/DuckDB plans next to them); remote parts = RemoteScanExec lines.
# 5. bench/fedgate_report.py: markdown table -> stdout and $BENCH_RESULTS/report.md.
#
# Knobs: BENCH_SF (1), BENCH_RUNS (harness default: 5 below SF 1, else 3),
# BENCH_QUERIES (q1,q3,q5,q6,q10,q12,q14,q18,q19), BENCH_RESULTS
# (${TMPDIR:-/tmp}/fedgate-bench/sfTAG), FEDGATE_BENCH_DIR (the peer harness, default
# ../shared/bench relative to the repository root), BENCH_TIMEOUT_S, BENCH_VENV and the other
# knobs of the harness. PostgreSQL on 127.0.0.1:5432 (user postgres) and MariaDB on
# 127.0.0.1:3306 (user root) must be running. Works without a terminal.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$(pwd)

if [ -z "${CARGO_TERM_COLOR:-}" ] && { [ -n "${CI:-}" ] || [ ! -t 1 ]; }; then
    export CARGO_TERM_COLOR=never
fi
export NO_COLOR=1 DEBIAN_FRONTEND=noninteractive PAGER=cat

BENCH_DIR=$(cd "${FEDGATE_BENCH_DIR:-$REPO/../shared/bench}" && pwd)
export FEDGATE_BENCH_DIR=$BENCH_DIR
SF=${BENCH_SF:-1}
TAG=${SF//./}
QUERIES=${BENCH_QUERIES:-q1,q3,q5,q6,q10,q12,q14,q18,q19}
export BENCH_RESULTS=${BENCH_RESULTS:-${TMPDIR:-/tmp}/fedgate-bench/sf$TAG}
VENV=${BENCH_VENV:-/tmp/bench-venv}
export PGPASSWORD=${PGPASSWORD:-postgres}
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -P pager=off -h 127.0.0.1 -p 5432 -U postgres)
MY=(mariadb -h 127.0.0.1 -P 3306 -u root -N -B)
RUNS_ARGS=()
[ -n "${BENCH_RUNS:-}" ] && RUNS_ARGS=(--runs "$BENCH_RUNS")

step() { printf '\n==> %s  [%s]\n' "$*" "$(date +%T)"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }

# ---------------------------------------------------------------- 1. set-up
loaded() { # does every database hold SF's data?
    local want_o want_c
    want_o=$(python3 -c "print(int(round(1500000*float('$SF'))))")
    want_c=$(python3 -c "print(int(round(150000*float('$SF'))))")
    [ "$("${PSQL[@]}" -d tpch_all -Atc 'select count(*) from orders' 2>/dev/null)" = "$want_o" ] &&
    [ "$("${PSQL[@]}" -d tpch_pg -Atc 'select count(*) from orders' 2>/dev/null)" = "$want_o" ] &&
    [ "$("${MY[@]}" tpch_my -e 'select count(*) from customer' 2>/dev/null)" = "$want_c" ] &&
    [ "$("${PSQL[@]}" -d fed_fdw -Atc 'select count(*) from information_schema.foreign_tables' 2>/dev/null)" = 8 ]
}

if [ "${BENCH_SKIP_SETUP:-0}" != 1 ]; then
    step "set-up (harness: $BENCH_DIR, SF $SF)"
    has_mysql_fdw=$("${PSQL[@]}" -d postgres -Atc \
        "select count(*) from pg_available_extensions where name = 'mysql_fdw'")
    if [ "$has_mysql_fdw" != 1 ]; then
        pg_major=$("${PSQL[@]}" -d postgres -Atc "select current_setting('server_version_num')::int / 10000")
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "installing postgresql-$pg_major-mysql-fdw for the fdw peer"
            apt-get install -y -q "postgresql-$pg_major-mysql-fdw" </dev/null ||
                { apt-get update -q </dev/null && apt-get install -y -q "postgresql-$pg_major-mysql-fdw" </dev/null; }
        else
            echo "mysql_fdw is missing: install postgresql-$pg_major-mysql-fdw (as root)" >&2
            exit 1
        fi
    fi
    if command -v tpchgen-cli >/dev/null &&
        "$VENV/bin/python" -c 'import duckdb, duckdb_extension_postgres, duckdb_extension_mysql' 2>/dev/null; then
        echo "harness tools present (tpchgen-cli, $VENV)"
    else
        "$BENCH_DIR/setup.sh" </dev/null
    fi
    "$BENCH_DIR/gen.sh" "$SF" </dev/null
    if [ "${BENCH_FORCE_LOAD:-0}" != 1 ] && loaded; then
        echo "SF $SF already loaded (tpch_all, tpch_pg, tpch_my, fed_fdw); BENCH_FORCE_LOAD=1 reloads"
    else
        # the MariaDB copy of lineitem is only for the harness's transfer test, not run here
        BENCH_SKIP_XFER=${BENCH_SKIP_XFER:-1} "$BENCH_DIR/load.sh" "$SF" </dev/null
    fi
fi
loaded || { echo "the databases do not hold SF $SF data: run without BENCH_SKIP_SETUP" >&2; exit 1; }

# ---------------------------------------------------------------- 2. fedgate
step "cargo build --release --bin fedgate"
cargo build --release --bin fedgate </dev/null

mkdir -p "$BENCH_RESULTS"
for d in oracle fdw duckdb fedgate plans; do rm -rf "${BENCH_RESULTS:?}/$d"; done
data_dir=$(mktemp -d "${TMPDIR:-/tmp}/fedgate-bench-data.XXXXXX")
FG_LOG=$BENCH_RESULTS/fedgate.log
FG_PID=
FG_PORT=
stop_fedgate() {
    if [ -n "$FG_PID" ] && kill -0 "$FG_PID" 2>/dev/null; then
        kill -TERM "$FG_PID" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$FG_PID" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$FG_PID" 2>/dev/null || true
        wait "$FG_PID" 2>/dev/null || true
    fi
    FG_PID=
}
trap 'stop_fedgate; rm -rf "$data_dir"' EXIT

start_fedgate() { # (re)start on a free port; the catalog in $data_dir survives restarts
    # port 0: the OS picks a free port, fedgate logs the address it got. No admin user from
    # the environment: with no users fedgate trusts loopback clients (auth 'auto').
    env -u FEDGATE_ADMIN_USER -u FEDGATE_ADMIN_PASSWORD -u FEDGATE_ADMIN_PASSWORD_FILE \
        -u FEDGATE_AUTH -u FEDGATE_TLS_CERT -u FEDGATE_TLS_KEY \
        target/release/fedgate --listen 127.0.0.1:0 --data-dir "$data_dir" >>"$FG_LOG" 2>&1 </dev/null &
    FG_PID=$!
    local addr=
    for _ in $(seq 1 300); do
        addr=$(sed -n 's/.*fedgate listening on \([0-9.]*:[0-9]*\).*/\1/p' "$FG_LOG" | tail -n 1)
        if [ -n "$addr" ] && kill -0 "$FG_PID" 2>/dev/null; then break; fi
        kill -0 "$FG_PID" 2>/dev/null || { echo "fedgate exited; log:" >&2; cat "$FG_LOG" >&2; exit 1; }
        sleep 0.1
    done
    [ -n "$addr" ] || { echo "fedgate did not log 'listening' within 30 s" >&2; exit 1; }
    FG_PORT=${addr##*:}
    echo "fedgate pid $FG_PID listening on 127.0.0.1:$FG_PORT (log $FG_LOG)"
}
: >"$FG_LOG"
step "start fedgate"
start_fedgate
FG_PSQL() { psql -X -q -v ON_ERROR_STOP=1 -P pager=off -h 127.0.0.1 -p "$FG_PORT" -U postgres -d fedgate "$@"; }
FG_PSQL -c "CREATE SERVER pg FOREIGN DATA WRAPPER postgres OPTIONS (host '127.0.0.1', port '5432', dbname 'tpch_pg', user 'postgres')" \
        -c "CREATE SERVER my FOREIGN DATA WRAPPER mysql OPTIONS (host '127.0.0.1', port '3306', user 'root', databases 'tpch_my')"
FG_PSQL -Atc "SET search_path = pg.public, my.tpch_my" -c "SELECT count(*) FROM orders" \
    -c "SELECT count(*) FROM customer" | paste -sd' ' | sed 's/^/fedgate sees orders, customer: /'

# ---------------------------------------------------------------- 3. queries
step "queries $QUERIES, SF $SF, interleaved oracle / fdw / duckdb / fedgate -> $BENCH_RESULTS"
for q in ${QUERIES//,/ }; do
    "$BENCH_DIR/peer_oracle.sh" "$SF" --queries "$q" "${RUNS_ARGS[@]}" || warn "oracle $q failed"
    "$BENCH_DIR/peer_fdw.sh" "$SF" --queries "$q" "${RUNS_ARGS[@]}" || warn "fdw $q failed"
    "$BENCH_DIR/peer_duckdb.sh" "$SF" --queries "$q" "${RUNS_ARGS[@]}" || warn "duckdb $q failed"
    if ! kill -0 "$FG_PID" 2>/dev/null; then
        warn "fedgate (pid $FG_PID) is gone before $q; restarting it"
        FG_PID=; start_fedgate
    fi
    PGPORT=$FG_PORT python3 bench/peer_fedgate.py --db fedgate --system fedgate --sf "$SF" \
        --search-path 'pg.public, my.tpch_my' --queries "$q" "${RUNS_ARGS[@]}" || warn "fedgate $q failed"
done

# ---------------------------------------------------------------- 4. plans
step "EXPLAIN through fedgate -> $BENCH_RESULTS/plans"
mkdir -p "$BENCH_RESULTS/plans"
kill -0 "$FG_PID" 2>/dev/null || { warn "fedgate is gone; restarting it"; FG_PID=; start_fedgate; }
for q in ${QUERIES//,/ }; do
    plan=$BENCH_RESULTS/plans/fedgate_$q.txt
    sql=$(sed 's/;[[:space:]]*$//' "$BENCH_DIR/queries/$q.sql")
    FG_PSQL -c "SET search_path = pg.public, my.tpch_my" -c "EXPLAIN $sql" >"$plan" 2>&1 ||
        warn "EXPLAIN $q failed (see $plan)"
    n=$(grep -c 'RemoteScanExec' "$plan" || true)
    servers=$(grep -o 'RemoteScanExec[^,]*server=[a-z_]*' "$plan" | sed 's/.*server=//' | sort | uniq -c |
        awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}')
    printf '%-4s remote parts: %s%s\n' "$q" "$n" "${servers:+ ($servers)}"
done
"$VENV/bin/python" "$BENCH_DIR/explain.py" --sf "$SF" --queries "$QUERIES" >/dev/null 2>&1 ||
    warn "harness explain.py failed (fdw/duckdb plans)"

stop_fedgate

# ---------------------------------------------------------------- 5. report
step "report"
python3 bench/fedgate_report.py --sf "$SF" --queries "$QUERIES"
