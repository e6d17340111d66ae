"""psycopg2 against the gateway, compared with PostgreSQL itself.

Checks: the fixture table (type OIDs in cursor.description and the values psycopg2 parses
from text); client-side parameters; a named (server-side) cursor; the samples files server.
"""

from decimal import Decimal

import psycopg2
import psycopg2.extensions

from common import EXPECTED_OIDS, ITEMS_QUERY, SAMPLE_CUSTOMER_1, Checks, gateway_conninfo, oracle_conninfo

c = Checks("psycopg2")
print(f"psycopg2 {psycopg2.__version__} (libpq {psycopg2.extensions.libpq_version()})")

gw = psycopg2.connect(gateway_conninfo())
gw.autocommit = True
oracle = psycopg2.connect(oracle_conninfo())
oracle.autocommit = True


def fetch(conn, sql, args=None):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return [(d.name, d.type_code) for d in cur.description], cur.fetchall()


def table():
    gdesc, grows = fetch(gw, ITEMS_QUERY)
    odesc, orows = fetch(oracle, ITEMS_QUERY)
    c.eq("column names and type OIDs", gdesc, odesc)
    c.eq("type OIDs are PostgreSQL's", dict(gdesc), EXPECTED_OIDS)
    c.eq("rows", grows, orows)
    c.eq("row 1 price", grows[0][2], Decimal("1234.50"))
    c.eq("row 1 doc (jsonb parsed)", grows[0][8], {"a": 1, "b": [1, 2]})


def params():
    sql = "SELECT id, name FROM public.items WHERE id = %s OR name = %s ORDER BY id"
    c.eq("parameters", fetch(gw, sql, (2, "alpha")), fetch(oracle, sql, (2, "alpha")))
    c.eq("server_version", gw.server_version >= 120000, True)


def named_cursor():
    conn = psycopg2.connect(gateway_conninfo())
    try:
        with conn.cursor("items_cursor") as cur:
            cur.itersize = 1
            cur.execute(ITEMS_QUERY)
            ids = [row[0] for row in cur]
        c.eq("named cursor ids", ids, [1, 2, 3])
        conn.commit()
    finally:
        conn.close()


def samples():
    conn = psycopg2.connect(gateway_conninfo("samples"))
    try:
        _, rows = fetch(conn, "SELECT id, name FROM shop.customers WHERE id = %s", (1,))
        c.eq("samples: customer 1", rows, [(1, SAMPLE_CUSTOMER_1)])
    finally:
        conn.close()


c.run("fixture table", table)
c.run("parameters", params)
c.run("named cursor", named_cursor)
c.run("samples", samples)
c.finish()
