"""psycopg 3 against the gateway, compared with PostgreSQL itself.

Checks: server-side parameters reported at start-up; the fixture table in text and binary
(binary=True) result format (type OIDs and values equal to the oracle's); server-side
parameter binding; a statement prepared on the server and reused (prepare=True); a
server-side (named) cursor fetched in steps; pipeline mode; the samples files server.
"""

from decimal import Decimal

import psycopg

from common import (
    COLUMNS,
    EXPECTED_OIDS,
    ITEMS_QUERY,
    SAMPLE_CUSTOMER_1,
    Checks,
    gateway_conninfo,
    oracle_conninfo,
)

c = Checks("psycopg3")
print(f"psycopg {psycopg.__version__} (libpq {psycopg.pq.version()}, {psycopg.pq.__impl__})")

gw = psycopg.connect(gateway_conninfo(), autocommit=True)
oracle = psycopg.connect(oracle_conninfo(), autocommit=True)


def parameters():
    for name in [
        "server_encoding",
        "client_encoding",
        "DateStyle",
        "integer_datetimes",
        "standard_conforming_strings",
        "TimeZone",
    ]:
        c.eq(f"parameter {name}", gw.info.parameter_status(name), oracle.info.parameter_status(name))
    version = gw.info.server_version
    c.true("server_version is a number >= 120000", version >= 120000, str(version))


def table(binary):
    fmt = "binary" if binary else "text"
    results = []
    for conn in (gw, oracle):
        with conn.cursor(binary=binary) as cur:
            cur.execute(ITEMS_QUERY)
            desc = [(d.name, d.type_code) for d in cur.description]
            results.append((desc, cur.fetchall(), [cur.pgresult.fformat(i) for i in range(len(desc))]))
    (gdesc, grows, gfmt), (odesc, orows, _) = results
    c.eq(f"{fmt}: column names and type OIDs", gdesc, odesc)
    c.eq(f"{fmt}: type OIDs are PostgreSQL's", dict(gdesc), EXPECTED_OIDS)
    c.eq(f"{fmt}: result format codes", gfmt, [1 if binary else 0] * len(COLUMNS))
    c.eq(f"{fmt}: rows", grows, orows)
    if grows:
        c.eq(f"{fmt}: row 1 price", grows[0][2], Decimal("1234.50"))
        c.eq(f"{fmt}: row 1 doc (jsonb decoded)", grows[0][8], {"a": 1, "b": [1, 2]})


def params():
    sql = "SELECT id, name, price FROM public.items WHERE id = %s OR name = %s ORDER BY id"
    args = (2, "alpha")
    got = gw.execute(sql, args).fetchall()
    want = oracle.execute(sql, args).fetchall()
    c.eq("server-side parameters", got, want)
    c.eq("server-side parameters values", [r[0] for r in got], [1, 2])
    got = gw.execute("SELECT count(*) FROM public.items WHERE price > %s", (Decimal("0"),)).fetchone()
    c.eq("numeric parameter", got, (1,))
    # Parameters of a statement over one PostgreSQL server's tables: PostgreSQL answers it
    # (numeric division's digits, to_char), with the values bound as text.
    sql = "SELECT id, price / %s, to_char(made, %s) FROM public.items WHERE id <= %s ORDER BY id"
    args = (Decimal("3"), "FMMonth DD", 2)
    c.eq("pass-through with parameters", gw.execute(sql, args).fetchall(), oracle.execute(sql, args).fetchall())


def prepared():
    sql = "SELECT name FROM public.items WHERE id = %s"
    names = [gw.execute(sql, (i,), prepare=True).fetchone() for i in (1, 2, 3, 1)]
    c.eq("prepared statement reused", names, [("alpha",), ('béta "quoted"',), (None,), ("alpha",)])
    c.true("statement is prepared on the server", len(gw._prepared._names) >= 1, str(gw._prepared._names))


def named_cursor():
    with psycopg.connect(gateway_conninfo()) as conn:  # a transaction, as named cursors need
        with conn.cursor(name="items_cursor") as cur:
            cur.itersize = 2
            cur.execute(ITEMS_QUERY)
            first = cur.fetchone()
            two = cur.fetchmany(2)
            rest = cur.fetchall()
            desc = [(d.name, d.type_code) for d in cur.description]
    c.eq("named cursor: first row id", first[0] if first else None, 1)
    c.eq("named cursor: next rows", [r[0] for r in two], [2, 3])
    c.eq("named cursor: rest", rest, [])
    c.eq("named cursor: description", dict(desc), EXPECTED_OIDS)


def pipeline():
    with gw.pipeline():
        a = gw.execute("SELECT count(*) FROM public.items")
        b = gw.execute("SELECT name FROM public.items WHERE id = %s", (1,))
        d = gw.execute("SELECT name FROM samples.shop.customers WHERE id = %s", (1,))
    c.eq("pipeline: results", [a.fetchone(), b.fetchone(), d.fetchone()], [(3,), ("alpha",), (SAMPLE_CUSTOMER_1,)])


def samples():
    with psycopg.connect(gateway_conninfo("samples"), autocommit=True) as conn:
        row = conn.execute("SELECT id, name FROM shop.customers WHERE id = %s", (1,)).fetchone()
        c.eq("samples: customer 1", row, (1, SAMPLE_CUSTOMER_1))
        with conn.cursor(binary=True) as cur:
            cur.execute("SELECT count(*) FROM shop.customers")
            c.true("samples: binary count > 0", cur.fetchone()[0] > 0)


c.run("start-up parameters", parameters)
c.run("text results", table, False)
c.run("binary results", table, True)
c.run("parameters", params)
c.run("prepared statements", prepared)
c.run("named cursor", named_cursor)
c.run("pipeline", pipeline)
c.run("samples", samples)
c.finish()
