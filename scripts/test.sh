#!/usr/bin/env bash
# The test command of fedgate: ./scripts/test.sh
#   1. cargo fmt --check, cargo clippy --workspace --all-targets -- -D warnings
#   2. scripts/backends.sh        PostgreSQL and MariaDB installed, running, reachable
#   3. cargo build --workspace --all-targets   (the dev profile; builds the fedgate binary)
#   4. cargo test --workspace     unit tests, gateway process tests, the sqllogictest suite
#   5. scripts/clients.sh         real client libraries and tools against the gateway
#                                 (integration-tests/clients/README.md)
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

step "cargo fmt --check"
cargo fmt --all --check </dev/null

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets </dev/null -- -D warnings

step "backends"
scripts/backends.sh </dev/null

step "cargo build --workspace --all-targets"
cargo build --workspace --all-targets </dev/null

step "cargo test --workspace"
set +e
cargo test --workspace --no-fail-fast -- "$@" </dev/null 2>&1 | tee "$log_dir/test.log"
test_status=${PIPESTATUS[0]}
set -e

# The clients run against the binary just built (in CARGO_TARGET_DIR when that is set).
step "scripts/clients.sh"
target_dir=$(cargo metadata --format-version 1 --no-deps </dev/null |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
set +e
{
    # Names the runner of the "N passed, M failed" line below in the summary.
    echo "     Running scripts/clients.sh"
    FEDGATE_BIN="$target_dir/debug/fedgate" scripts/clients.sh </dev/null 2>&1
} | tee -a "$log_dir/test.log"
clients_status=${PIPESTATUS[0]}
set -e

# Summary: libtest's "test result:" lines, plus the plain "N passed, M failed[, K skipped]"
# line of each runner without the libtest harness (tests/slt.rs, scripts/clients.sh),
# named after the "Running" line before it.
step "summary"
awk -v status="$test_status" -v clients_status="$clients_status" '
    /^ *Running / { runner = $2 }
    /^test result:/ {
        for (i = 1; i <= NF; i++) {
            if ($(i) ~ /^passed;?$/) passed += $(i - 1)
            if ($(i) ~ /^failed;?$/) failed += $(i - 1)
            if ($(i) ~ /^ignored;?$/) ignored += $(i - 1)
        }
        suites++
    }
    /^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$/ {
        skipped_text = NF == 6 ? sprintf(", %d skipped", $5) : ""
        plain = plain sprintf("%s: %d passed, %d failed%s\n", runner, $1, $3, skipped_text)
        plain_passed += $1
        plain_failed += $3
        if (runner == "scripts/clients.sh") clients_failed += $3
        if (NF == 6) skipped += $5
    }
    /^slt .* \.\.\. FAILED/ { failed_files = failed_files "\n  " $2 }
    /^test .* \.\.\. FAILED$/ { failed_tests = failed_tests "\n  " $2 }
    /^client .* \.\.\. FAILED/ { failed_clients = failed_clients "\n  " $2 }
    END {
        printf "libtest tests: %d passed, %d failed, %d ignored (%d test binaries)\n", passed, failed, ignored, suites
        printf "%s", plain
        if (failed_tests != "") printf "failed tests:%s\n", failed_tests
        if (failed_files != "") printf "failed slt files:%s\n", failed_files
        if (failed_clients != "") printf "failed clients:%s\n", failed_clients
        total_failed = failed + plain_failed
        # A failing run always reports a failure, even one no runner counted (a crash).
        if (status != 0 && total_failed == clients_failed) total_failed++
        if (clients_status != 0 && clients_failed == 0) total_failed++
        if (status != 0) printf "FAILED: cargo test exited with %s\n", status
        if (clients_status != 0) printf "FAILED: scripts/clients.sh exited with %s\n", clients_status
        printf "total: %d passed, %d failed%s\n", passed + plain_passed, total_failed, skipped ? sprintf(", %d skipped", skipped) : ""
    }
' "$log_dir/test.log"

if [ "$test_status" -ne 0 ]; then exit "$test_status"; fi
exit "$clients_status"
