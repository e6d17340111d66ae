#!/usr/bin/env bash
# Makes the TPC-H data of the differential test (integration-tests/tests/differential.rs) if it
# is not there yet, and prints the directory that holds it.
#
#   scripts/differential-data.sh [OUT_DIR]
#
# OUT_DIR defaults to ${CARGO_TARGET_DIR:-<repo>/target}/differential-data/sf001. It gets
#   tbl/<table>.tbl          all eight tables, dbgen's '|'-separated format (trailing '|')
#   parquet/<table>.parquet  customer, nation, region, supplier, part (for the files server)
#   VERSION                  what made it: scale factor and generator version
# The data is made by tpchgen-cli (a Rust crate, a pure Rust port of dbgen; same seed, same rows
# every time) at scale factor DIFF_SF (default 0.01: ~60k lineitem rows). When tpchgen-cli is
# missing (or of another version) it is installed once with
#   cargo install --locked tpchgen-cli@TPCHGEN_VERSION
# into ${CARGO_HOME:-$HOME/.cargo} (a few minutes, once per machine).
# Idempotent: when OUT_DIR/VERSION says the same scale factor and generator, nothing is done.
set -euo pipefail

TPCHGEN_VERSION=4.0.0
SF=${DIFF_SF:-0.01}
PARQUET_TABLES=customer,nation,region,supplier,part

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-${CARGO_TARGET_DIR:-$repo/target}/differential-data/sf${SF//./}}
cargo_home=${CARGO_HOME:-$HOME/.cargo}

log() { printf 'differential-data: %s\n' "$*" >&2; }
die() {
    printf 'differential-data: ERROR: %s\n' "$*" >&2
    exit 1
}

# The tpchgen-cli of the pinned version: on PATH, or in $cargo_home/bin; installed if neither.
find_tpchgen() {
    local candidate
    for candidate in "$(command -v tpchgen-cli 2>/dev/null || true)" "$cargo_home/bin/tpchgen-cli"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] &&
            "$candidate" --version 2>/dev/null | grep -qw "$TPCHGEN_VERSION"; then
            printf '%s' "$candidate"
            return 0
        fi
    done
    return 1
}

want_version="tpch sf=$SF tpchgen-cli $TPCHGEN_VERSION"
if [ -f "$out/VERSION" ] && [ "$(cat "$out/VERSION")" = "$want_version" ]; then
    printf '%s\n' "$out"
    exit 0
fi

if ! tpchgen=$(find_tpchgen); then
    command -v cargo >/dev/null 2>&1 || die "tpchgen-cli $TPCHGEN_VERSION is missing and cargo is not on PATH"
    log "installing tpchgen-cli $TPCHGEN_VERSION into $cargo_home (once; takes a few minutes)"
    # A target dir of its own: the workspace's target dir may be locked by the running cargo.
    cargo install --locked --quiet --root "$cargo_home" "tpchgen-cli@$TPCHGEN_VERSION" </dev/null >&2 ||
        die "cargo install tpchgen-cli@$TPCHGEN_VERSION failed"
    tpchgen=$(find_tpchgen) || die "tpchgen-cli $TPCHGEN_VERSION still not found after cargo install"
fi

log "generating TPC-H SF $SF into $out with $tpchgen"
tmp="$out.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp/tbl" "$tmp/parquet"
trap 'rm -rf "$tmp"' EXIT
"$tpchgen" tbl --scale-factor "$SF" --output-dir "$tmp/tbl" --quiet </dev/null ||
    die "tpchgen-cli tbl failed"
"$tpchgen" parquet --scale-factor "$SF" --tables "$PARQUET_TABLES" --output-dir "$tmp/parquet" \
    --quiet </dev/null || die "tpchgen-cli parquet failed"
for table in region nation part supplier partsupp customer orders lineitem; do
    [ -s "$tmp/tbl/$table.tbl" ] || die "tpchgen-cli made no $table.tbl"
done
printf '%s\n' "$want_version" >"$tmp/VERSION"
# Replace the old directory only once the new one is complete.
rm -rf "$out"
mv "$tmp" "$out"
trap - EXIT
log "done: $(wc -l <"$out/tbl/lineitem.tbl") lineitem rows"
printf '%s\n' "$out"
