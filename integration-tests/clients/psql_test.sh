#!/usr/bin/env bash
# psql meta-commands against the gateway, compared with PostgreSQL itself where the output
# must match (same database contents): \l, \dn, \dt, \dt SCHEMA.*, \d TABLE, \d+ TABLE,
# \x, \timing, \copy (SELECT ...) TO 'file', \des, and a plain query. Every psql runs with
# -X -v ON_ERROR_STOP=1 and no terminal. Environment as for the other client tests
# (FEDGATE_HOST/PORT, ORACLE_HOST/PORT, CLIENTS_DB; see common.py).
set -uo pipefail

FEDGATE_HOST=${FEDGATE_HOST:-127.0.0.1}
FEDGATE_PORT=${FEDGATE_PORT:-5480}
ORACLE_HOST=${ORACLE_HOST:-127.0.0.1}
ORACLE_PORT=${ORACLE_PORT:-5432}
CLIENTS_DB=${CLIENTS_DB:-fedgate_clients}
export PGTZ=UTC PGUSER=postgres PSQL_PAGER=cat PAGER=cat

echo "$(psql --version)"

work=$(mktemp -d "${TMPDIR:-/tmp}/fedgate-psql.XXXXXX")
trap 'rm -rf "$work"' EXIT
count=0
failures=()

# gw DB ARGS...: psql on the gateway; oracle ARGS...: psql on PostgreSQL (fixture database).
gw() { local db=$1; shift; psql -X -v ON_ERROR_STOP=1 -h "$FEDGATE_HOST" -p "$FEDGATE_PORT" -d "$db" "$@" </dev/null; }
oracle() { psql -X -v ON_ERROR_STOP=1 -h "$ORACLE_HOST" -p "$ORACLE_PORT" -d "$CLIENTS_DB" "$@" </dev/null; }

pass() { count=$((count + 1)); echo "  ok   $1"; }
fail() { count=$((count + 1)); failures+=("$1"); echo "  FAIL $1"; [ -n "${2:-}" ] && sed 's/^/      /' <<<"$2"; }

# same NAME GW_CMD ORACLE_CMD: both commands succeed and print the same thing.
same() {
    local name=$1 g o gs os
    g=$(eval "$2" 2>&1); gs=$?
    o=$(eval "$3" 2>&1); os=$?
    if [ "$gs" -ne 0 ]; then
        fail "$name (gateway exit $gs)" "$g"
    elif [ "$os" -ne 0 ]; then
        fail "$name (oracle exit $os)" "$o"
    elif [ "$g" != "$o" ]; then
        fail "$name" "$(diff <(echo "$o") <(echo "$g") | sed '1s/^/--- oracle +++ gateway\n/')"
    else
        pass "$name"
    fi
}

# has NAME PATTERN CMD: the command succeeds and its output has a line matching PATTERN.
has() {
    local name=$1 pattern=$2 out status
    out=$(eval "$3" 2>&1); status=$?
    if [ "$status" -ne 0 ]; then
        fail "$name (exit $status)" "$out"
    elif ! grep -Eq -- "$pattern" <<<"$out"; then
        fail "$name (no line matching $pattern)" "$out"
    else
        pass "$name"
    fi
}

# The column rows of \d / \d+ (the table's header line and footers like Indexes: differ:
# fedgate knows no indexes).
columns_of() { awk -F'|' 'NF > 2'; }

same 'plain query, aligned' "gw pg -c 'SELECT * FROM public.items ORDER BY id'" \
    "oracle -c 'SELECT * FROM public.items ORDER BY id'"
same 'plain query, unaligned' "gw pg -At -c 'SELECT * FROM public.items ORDER BY id'" \
    "oracle -At -c 'SELECT * FROM public.items ORDER BY id'"
has '\l lists pg' '^pg\|' "gw pg -At -c '\\l'"
has '\l lists samples' '^samples\|' "gw pg -At -c '\\l'"
has '\l lists fedgate' '^fedgate\|' "gw pg -At -c '\\l'"
same '\dn' "gw pg -At -c '\\dn' | cut -d'|' -f1" "oracle -At -c '\\dn' | cut -d'|' -f1"
same '\dt' "gw pg -At -c '\\dt'" "oracle -At -c '\\dt'"
same '\dt public.*' "gw pg -At -c '\\dt public.*'" "oracle -At -c '\\dt public.*'"
same '\dt it*' "gw pg -At -c '\\dt it*'" "oracle -At -c '\\dt it*'"
has '\dt shop.* (samples)' '^shop\|customers\|table\|' "gw samples -At -c '\\dt shop.*'"
has '\dt shop.* (samples) orders' '^shop\|orders\|table\|' "gw samples -At -c '\\dt shop.*'"
has '\d shop.* (samples) describes shop.products' '^price\|double precision\|' "gw samples -A -c '\\d shop.*'"
same '\d items (columns)' "gw pg -A -c '\\d items' | columns_of" "oracle -A -c '\\d items' | columns_of"
has '\d items (title)' '^Table "public.items"$' "gw pg -A -c '\\d items'"
same '\d+ items (columns)' "gw pg -A -c '\\d+ items' | columns_of" "oracle -A -c '\\d+ items' | columns_of"
same '\d public.items (columns)' "gw pg -A -c '\\d public.items' | columns_of" "oracle -A -c '\\d public.items' | columns_of"
has '\d shop.customers (samples)' '^signup_date\|date\|' "gw samples -A -c '\\d shop.customers'"
same '\x' "gw pg -c '\\x on' -c 'SELECT id, name, price, made_tz FROM public.items WHERE id = 1'" \
    "oracle -c '\\x on' -c 'SELECT id, name, price, made_tz FROM public.items WHERE id = 1'"
has '\timing' '^Time: [0-9.]+ ms' "gw pg -c '\\timing on' -c 'SELECT count(*) FROM public.items'"

copy_sql='SELECT id, big, price, name, made, made_tz, day, active, doc FROM public.items ORDER BY id'
if gw pg -c "\\copy ($copy_sql) TO '$work/gw.txt'" >"$work/out" 2>&1 \
    && oracle -c "\\copy ($copy_sql) TO '$work/oracle.txt'" >>"$work/out" 2>&1; then
    if cmp -s "$work/gw.txt" "$work/oracle.txt"; then pass "\\copy (SELECT ...) TO 'file'"; else
        fail "\\copy (SELECT ...) TO 'file' (files differ)" "$(diff "$work/oracle.txt" "$work/gw.txt")"; fi
else
    fail "\\copy (SELECT ...) TO 'file'" "$(cat "$work/out")"
fi
if gw pg -c "\\copy ($copy_sql) TO '$work/gw.csv' WITH (FORMAT csv, HEADER)" >"$work/out" 2>&1 \
    && oracle -c "\\copy ($copy_sql) TO '$work/oracle.csv' WITH (FORMAT csv, HEADER)" >>"$work/out" 2>&1; then
    if cmp -s "$work/gw.csv" "$work/oracle.csv"; then pass "\\copy ... TO 'file' (FORMAT csv, HEADER)"; else
        fail "\\copy ... (FORMAT csv, HEADER) (files differ)" "$(diff "$work/oracle.csv" "$work/gw.csv")"; fi
else
    fail "\\copy ... TO 'file' (FORMAT csv, HEADER)" "$(cat "$work/out")"
fi

has '\des lists pg' '^pg\|[^|]*\|postgres$' "gw pg -At -c '\\des'"
has '\des lists samples' '^samples\|[^|]*\|files$' "gw pg -At -c '\\des'"

echo "psql: $((count - ${#failures[@]})) of $count checks passed"
for f in "${failures[@]}"; do echo "  failed: $f"; done
[ "${#failures[@]}" -eq 0 ]
