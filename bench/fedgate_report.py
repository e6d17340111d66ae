#!/usr/bin/env python3
"""Markdown report of one scripts/bench.sh run: fedgate next to the peers of
../shared/bench (oracle, fdw, duckdb). Result files, timing records and the
comparison with the oracle come from the harness (benchlib.py, report.py);
this file only lays out the table and adds fedgate's remote-part counts,
read from the saved EXPLAIN plans ($BENCH_RESULTS/plans/fedgate_qN.txt).

usage: fedgate_report.py --sf SF [--queries q1,q3] [--out FILE]
Environment: BENCH_RESULTS (the run's result directory), FEDGATE_BENCH_DIR.
"""
import argparse
import datetime
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH_DIR = os.environ.get("FEDGATE_BENCH_DIR") or os.path.join(REPO, "..", "shared", "bench")
sys.path.insert(0, os.path.abspath(BENCH_DIR))

import benchlib as B  # noqa: E402
import report as R  # noqa: E402  (the harness's report: load(), fmt())

PEERS = ["oracle", "fdw", "duckdb"]
SYSTEMS = PEERS + ["fedgate"]


def remote_parts(sf, q):
    """(count, {server: count}) of RemoteScanExec nodes in fedgate's EXPLAIN, or None."""
    p = os.path.join(B.results_dir(sf), "plans", f"fedgate_{q}.txt")
    if not os.path.exists(p):
        return None
    text = open(p).read()
    servers = re.findall(r"RemoteScanExec[^\n]*?server=(\w+)", text)
    n = len(re.findall(r"RemoteScanExec", text))
    by = {}
    for s in servers:
        by[s] = by.get(s, 0) + 1
    return n, by


def git_describe():
    try:
        rev = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" + uncommitted changes in the checkout" if dirty else "")
    except Exception:
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sf", required=True)
    ap.add_argument("--queries", default=",".join(B.QUERIES))
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    queries = a.queries.split(",")
    out = a.out or os.path.join(B.results_dir(a.sf), "report.md")
    L = [f"# fedgate vs peers, TPC-H SF {a.sf}", ""]
    L.append(f"Run {datetime.datetime.now().isoformat(timespec='seconds')}, {os.cpu_count()} cores, "
             f"fedgate release build at {git_describe()}. Seconds as seen by the client "
             f"(psql \\timing; DuckDB in-process), min / median over n runs, queries interleaved "
             f"(Qn on oracle, fdw, duckdb, fedgate, then Qn+1). Ratios are of medians. "
             f"'match' = result equal to the oracle's (benchlib.rows_equal: ordered, numbers to rel. 1e-9; "
             f"'yes*' = same rows in another order). 'remote parts' = RemoteScanExec nodes in fedgate's "
             f"EXPLAIN (queries sent to backends: pg = PostgreSQL tpch_pg, my = MariaDB tpch_my). "
             f"Timeout {B.TIMEOUT_S} s.")
    L.append("")
    L.append("| query | oracle | fdw | duckdb | fedgate | n | rows oracle | rows fedgate | match fdw | "
             "match duckdb | match fedgate | fedgate / oracle | fedgate / fdw | fedgate / duckdb | remote parts |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|---:|---:|---:|---|")
    problems = []
    moved = []
    for q in queries:
        recs = {}
        rows = {}
        for s in SYSTEMS:
            recs[s], rows[s] = R.load(a.sf, s, q)
        cells = []
        for s in SYSTEMS:
            rec = recs[s]
            if rec is None:
                cells.append("not run")
            elif rec.get("min") is None:
                st = rec.get("status", "error")
                cells.append(st if st.startswith(">") else "**error**")
                problems.append(f"{s} {q.upper()}: {st}")
            else:
                cells.append(f"{R.fmt(rec['min'])} / {R.fmt(rec['median'])}")
                if rec.get("status", "ok") != "ok":
                    problems.append(f"{s} {q.upper()}: {rec['status']}")
        fg = recs["fedgate"] or {}
        n = len(fg.get("times", []))
        matches = []
        for s in ["fdw", "duckdb", "fedgate"]:
            if rows[s] is None or rows["oracle"] is None:
                matches.append("n/a" if recs[s] is None or recs[s].get("min") is not None
                               else "**error**")
                continue
            eq, note = B.rows_equal(rows[s], rows["oracle"])
            if not eq:
                matches.append("**NO**")
                problems.append(f"{s} {q.upper()} differs from the oracle: {note}")
            elif note:
                matches.append("yes*")
            else:
                matches.append("yes")

        def ratio(x):
            mx = (recs["fedgate"] or {}).get("median")
            my = (recs[x] or {}).get("median")
            return "-" if mx is None or not my else "%.2f" % (mx / my)

        rp = remote_parts(a.sf, q)
        if rp is None:
            parts = "-"
        else:
            parts = str(rp[0])
            if rp[1]:
                parts += " (" + ", ".join(f"{k} {v}" for k, v in sorted(rp[1].items())) + ")"
        L.append(f"| {q.upper()} | " + " | ".join(cells) +
                 f" | {n} | {(recs['oracle'] or {}).get('rows', '-')} | {fg.get('rows', '-')} | "
                 + " | ".join(matches) +
                 f" | {ratio('oracle')} | {ratio('fdw')} | {ratio('duckdb')} | {parts} |")

        def mb(s, k):
            v = (recs[s] or {}).get(k)
            return "-" if v is None else "%.1f" % v
        moved.append(f"| {q.upper()} | {mb('fdw', 'lo_mb')} | {mb('duckdb', 'lo_mb')} | "
                     f"{mb('fedgate', 'lo_mb')} | {mb('fdw', 'my_mb')} | {mb('duckdb', 'my_mb')} | "
                     f"{mb('fedgate', 'my_mb')} |")
    L.append("")
    L.append("Data moved during the first run of each query (MB): 'lo' = bytes over the loopback "
             "interface (what a gateway pulls from PostgreSQL and MariaDB, plus the result), "
             "'MariaDB' = MariaDB's Bytes_sent delta.")
    L.append("")
    L.append("| query | fdw lo | duckdb lo | fedgate lo | fdw MariaDB | duckdb MariaDB | fedgate MariaDB |")
    L.append("|---|---:|---:|---:|---:|---:|---:|")
    L += moved
    L.append("")
    L.append("## Problems")
    L.append("")
    L += [f"- {p}" for p in problems] or ["- none"]
    L.append("")
    text = "\n".join(L)
    with open(out, "w") as f:
        f.write(text)
    print(text)
    print(f"written: {out}")


if __name__ == "__main__":
    main()
