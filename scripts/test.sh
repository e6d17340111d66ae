#!/usr/bin/env bash
# The test command of fedgate: ./scripts/test.sh
#   1. scripts/backends.sh        PostgreSQL and MariaDB installed, running, reachable
#   2. cargo build --workspace --all-targets   (the dev profile; builds the fedgate binary)
#   3. cargo test --workspace     unit tests, gateway process tests, the sqllogictest suite
# and prints a summary. Exits non-zero on any failure. Works without a terminal (CI=true).
# Extra arguments go to `cargo test` after `--`, e.g. ./scripts/test.sh --nocapture.
# SLT_FILTER=substring runs only the matching slt files.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ -z "${CARGO_TERM_COLOR:-}" ] && { [ -n "${CI:-}" ] || [ ! -t 1 ]; }; then
    export CARGO_TERM_COLOR=never
fi

step() { printf '\n==> %s\n' "$*"; }

log_dir=$(mktemp -d "${TMPDIR:-/tmp}/fedgate-test.XXXXXX")
trap 'rm -rf "$log_dir"' EXIT

step "backends"
scripts/backends.sh </dev/null

step "cargo build --workspace --all-targets"
cargo build --workspace --all-targets </dev/null

step "cargo test --workspace"
set +e
cargo test --workspace --no-fail-fast -- "$@" </dev/null 2>&1 | tee "$log_dir/test.log"
test_status=${PIPESTATUS[0]}
set -e

# Summary: libtest's "test result:" lines, plus the plain "N passed, M failed" line of each
# runner without the libtest harness (tests/slt.rs and the like), named after its binary.
step "summary"
awk -v status="$test_status" '
    /^ *Running / { runner = $2 }
    /^test result:/ {
        for (i = 1; i <= NF; i++) {
            if ($(i) ~ /^passed;?$/) passed += $(i - 1)
            if ($(i) ~ /^failed;?$/) failed += $(i - 1)
            if ($(i) ~ /^ignored;?$/) ignored += $(i - 1)
        }
        suites++
    }
    /^[0-9]+ passed, [0-9]+ failed$/ {
        plain = plain sprintf("%s: %d passed, %d failed\n", runner, $1, $3)
        plain_passed += $1
        plain_failed += $3
    }
    /^slt .* \.\.\. FAILED/ { failed_files = failed_files "\n  " $2 }
    /^test .* \.\.\. FAILED$/ { failed_tests = failed_tests "\n  " $2 }
    END {
        printf "libtest tests: %d passed, %d failed, %d ignored (%d test binaries)\n", passed, failed, ignored, suites
        printf "%s", plain
        if (failed_tests != "") printf "failed tests:%s\n", failed_tests
        if (failed_files != "") printf "failed slt files:%s\n", failed_files
        total_failed = failed + plain_failed
        # A failing run always reports a failure, even one no runner counted (a crash).
        if (status != 0 && total_failed == 0) total_failed = 1
        if (status != 0) printf "FAILED: cargo test exited with %s\n", status
        printf "total: %d passed, %d failed\n", passed + plain_passed, total_failed
    }
' "$log_dir/test.log"

exit "$test_status"
