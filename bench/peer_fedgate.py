#!/usr/bin/env python3
"""fedgate as a peer of ../shared/bench: runs the query set through psql
against a running fedgate, with the harness's own peer_psql.py (same timing,
result files, checksums and traffic counters as the oracle and fdw peers).

The only addition: fedgate enforces `SET statement_timeout` as the peers do,
but should peer_psql's client-side subprocess timeout fire anyway (a stuck
connection), it raises in peer_psql; here it is turned into the harness's
timeout status ('>N s') instead of aborting the whole benchmark.

usage (from scripts/bench.sh):
  PGPORT=<fedgate port> peer_fedgate.py --db fedgate --system fedgate --sf SF \
      --search-path 'pg.public, my.tpch_my' [--runs N] [--queries q1,q3]
Environment: FEDGATE_BENCH_DIR = the peer harness (default ../shared/bench
relative to the repository root).
"""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_DIR = os.environ.get("FEDGATE_BENCH_DIR") or os.path.join(REPO, "..", "shared", "bench")
sys.path.insert(0, os.path.abspath(BENCH_DIR))

import peer_psql  # noqa: E402  (the harness's psql peer)

_session = peer_psql.psql_session


def guarded_session(db, qfile, outfiles, search_path):
    try:
        return _session(db, qfile, outfiles, search_path)
    except subprocess.TimeoutExpired as e:
        return [], 124, (f"canceling statement due to statement timeout "
                         f"(client side: psql killed after {e.timeout:.0f} s)")


peer_psql.psql_session = guarded_session

if __name__ == "__main__":
    peer_psql.main()
