"""Shared settings and checks of the Python client tests (run by scripts/clients.sh).

Environment (set by scripts/clients.sh):
  FEDGATE_HOST / FEDGATE_PORT   the gateway under test
  ORACLE_HOST / ORACLE_PORT     PostgreSQL itself (user postgres, trust): the oracle
  CLIENTS_DB                    the PostgreSQL database holding fixture.sql; registered in the
                                gateway as server `pg`, so a client connected to database `pg`
                                sends the same SQL to both
"""

import os
import sys

GATEWAY_HOST = os.environ.get("FEDGATE_HOST", "127.0.0.1")
GATEWAY_PORT = int(os.environ.get("FEDGATE_PORT", "5480"))
ORACLE_HOST = os.environ.get("ORACLE_HOST", "127.0.0.1")
ORACLE_PORT = int(os.environ.get("ORACLE_PORT", "5432"))
CLIENTS_DB = os.environ.get("CLIENTS_DB", "fedgate_clients")
USER = "postgres"

# The gateway database that is the fixture's server.
GATEWAY_DB = "pg"

COLUMNS = ["id", "big", "price", "name", "made", "made_tz", "day", "active", "doc"]
ITEMS_QUERY = "SELECT " + ", ".join(COLUMNS) + " FROM public.items ORDER BY id"

# PostgreSQL's type OIDs of the fixture's columns, as the oracle reports them.
EXPECTED_OIDS = {
    "id": 23,
    "big": 20,
    "price": 1700,
    "name": 25,
    "made": 1114,
    "made_tz": 1184,
    "day": 1082,
    "active": 16,
    "doc": 3802,
}

# Sample data (sample-data/shop/customers.csv), served by the `samples` files server.
SAMPLE_CUSTOMER_1 = "Alice Martin"


def gateway_conninfo(dbname=GATEWAY_DB):
    return f"host={GATEWAY_HOST} port={GATEWAY_PORT} dbname={dbname} user={USER}"


def oracle_conninfo():
    return (
        f"host={ORACLE_HOST} port={ORACLE_PORT} dbname={CLIENTS_DB} user={USER} "
        "options='-c TimeZone=UTC'"
    )


def gateway_url(driver, dbname=GATEWAY_DB):
    return f"postgresql+{driver}://{USER}@{GATEWAY_HOST}:{GATEWAY_PORT}/{dbname}"


def oracle_url(driver):
    return f"postgresql+{driver}://{USER}@{ORACLE_HOST}:{ORACLE_PORT}/{CLIENTS_DB}"


class Checks:
    """Collects failed checks so one run reports all of them, then exits non-zero."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.count = 0

    def eq(self, what, got, want):
        self.count += 1
        if got != want:
            self.failures.append(f"{what}:\n    got:  {got!r}\n    want: {want!r}")
            print(f"  FAIL {what}", flush=True)
        else:
            print(f"  ok   {what}", flush=True)

    def true(self, what, cond, detail=""):
        self.count += 1
        if not cond:
            self.failures.append(f"{what} {detail}")
            print(f"  FAIL {what} {detail}", flush=True)
        else:
            print(f"  ok   {what}", flush=True)

    def run(self, what, fn, *args):
        """Runs one step; an exception is a failed check (and later steps still run)."""
        try:
            return fn(*args)
        except Exception as e:  # noqa: BLE001 - every error is a finding
            self.count += 1
            self.failures.append(f"{what}: {type(e).__name__}: {e}")
            print(f"  FAIL {what}: {type(e).__name__}: {e}", flush=True)
            return None

    def finish(self):
        print(f"{self.name}: {self.count - len(self.failures)} of {self.count} checks passed")
        for f in self.failures:
            print(f"  failed: {f}")
        sys.exit(1 if self.failures else 0)
