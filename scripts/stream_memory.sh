#!/usr/bin/env bash
# Prints fedgate's peak memory while it streams a one-million-row result (an int4 id and a
# 50-byte text per row, from a table on the fixture PostgreSQL) to a client, in the simple
# and the extended protocol: ./scripts/stream_memory.sh
# Runs the large_result integration test (integration-tests/tests/large_result.rs), which
# also fails when the gateway's memory grows by 40% or more of the bytes it sends.
# Needs PostgreSQL on 127.0.0.1:5432 (scripts/backends.sh). Extra arguments go to cargo.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo test -p fedgate-integration-tests --test large_result "$@" -- --nocapture 2>&1 |
    tee /dev/stderr | grep '^large result' || {
    echo "no measurement printed: the test failed (see above)" >&2
    exit 1
}
