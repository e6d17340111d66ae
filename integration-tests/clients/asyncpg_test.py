"""asyncpg against the gateway, compared with PostgreSQL itself.

asyncpg uses the extended protocol with binary results throughout and introspects
pg_catalog.pg_type for any type it has no built-in codec for (arrays, and set_type_codec).
Checks: prepared statement attribute types (OIDs and names) and binary values equal to the
oracle's; parameters; array type introspection; set_type_codec('jsonb') (an introspection
query by type name); a cursor inside a transaction; the samples files server.
"""

import asyncio
import json
from decimal import Decimal

import asyncpg

from common import (
    CLIENTS_DB,
    EXPECTED_OIDS,
    GATEWAY_DB,
    GATEWAY_HOST,
    GATEWAY_PORT,
    ITEMS_QUERY,
    ORACLE_HOST,
    ORACLE_PORT,
    SAMPLE_CUSTOMER_1,
    USER,
    Checks,
)

c = Checks("asyncpg")
print(f"asyncpg {asyncpg.__version__}")


async def connect_gw(db=GATEWAY_DB):
    return await asyncpg.connect(host=GATEWAY_HOST, port=GATEWAY_PORT, user=USER, database=db)


async def connect_oracle():
    return await asyncpg.connect(
        host=ORACLE_HOST, port=ORACLE_PORT, user=USER, database=CLIENTS_DB,
        server_settings={"TimeZone": "UTC"},
    )


async def step(what, coro_fn, *args):
    try:
        await coro_fn(*args)
    except Exception as e:  # noqa: BLE001
        c.count += 1
        c.failures.append(f"{what}: {type(e).__name__}: {e}")
        print(f"  FAIL {what}: {type(e).__name__}: {e}", flush=True)


async def table(gw, oracle):
    gstmt = await gw.prepare(ITEMS_QUERY)
    ostmt = await oracle.prepare(ITEMS_QUERY)
    gattrs = [(a.name, a.type.oid, a.type.name) for a in gstmt.get_attributes()]
    oattrs = [(a.name, a.type.oid, a.type.name) for a in ostmt.get_attributes()]
    c.eq("attributes (names, type OIDs, type names)", gattrs, oattrs)
    c.eq("type OIDs are PostgreSQL's", {n: o for n, o, _ in gattrs}, EXPECTED_OIDS)
    grows = [tuple(r) for r in await gstmt.fetch()]
    orows = [tuple(r) for r in await ostmt.fetch()]
    c.eq("binary rows", grows, orows)
    c.eq("row 1 doc (jsonb as text)", json.loads(grows[0][8]), {"a": 1, "b": [1, 2]})


async def params(gw, oracle):
    sql = "SELECT id, name, price FROM public.items WHERE id = $1 OR big = $2 ORDER BY id"
    args = (2, 10000000000)
    got = [tuple(r) for r in await gw.fetch(sql, *args)]
    want = [tuple(r) for r in await oracle.fetch(sql, *args)]
    c.eq("parameters $1 int4, $2 int8", got, want)
    c.eq("parameter ids", [r[0] for r in got], [1, 2])
    stmt = await gw.prepare("SELECT name FROM public.items WHERE id = $1")
    names = [await stmt.fetchval(i) for i in (1, 2, 1)]
    c.eq("prepared statement reused", names, ["alpha", 'béta "quoted"', "alpha"])
    # Parameters of a statement over one PostgreSQL server's tables: PostgreSQL answers it
    # (numeric division's digits, to_char), with the values bound in binary.
    sql = "SELECT id, price / $1, to_char(made, $2) FROM public.items WHERE id <= $3 ORDER BY id"
    args = (Decimal("3"), "FMMonth DD", 2)
    got = [tuple(r) for r in await gw.fetch(sql, *args)]
    want = [tuple(r) for r in await oracle.fetch(sql, *args)]
    c.eq("pass-through with parameters", got, want)


async def arrays(gw, oracle):
    sql = "SELECT array_agg(id ORDER BY id) AS ids FROM public.items"
    got = await gw.fetchval(sql)
    want = await oracle.fetchval(sql)
    c.eq("int4[] via type introspection", got, want)


async def type_codec(gw, oracle):
    for conn in (gw, oracle):
        await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    sql = "SELECT doc FROM public.items WHERE id = 1"
    got = await gw.fetchval(sql)
    c.eq("set_type_codec jsonb", got, await oracle.fetchval(sql))
    c.eq("set_type_codec jsonb value", got, {"a": 1, "b": [1, 2]})


async def cursor(gw, _oracle):
    async with gw.transaction():
        cur = await gw.cursor(ITEMS_QUERY)
        first = await cur.fetch(2)
        rest = await cur.fetch(5)
    c.eq("cursor fetch in steps", [r["id"] for r in first] + [r["id"] for r in rest], [1, 2, 3])


async def samples():
    conn = await connect_gw("samples")
    try:
        row = await conn.fetchrow("SELECT id, name FROM shop.customers WHERE id = $1", 1)
        c.eq("samples: customer 1", tuple(row) if row else None, (1, SAMPLE_CUSTOMER_1))
    finally:
        await conn.close()


async def main():
    gw = await connect_gw()
    oracle = await connect_oracle()
    c.eq("server_version major", gw.get_server_version().major >= 12, True)
    await step("table", table, gw, oracle)
    await step("parameters", params, gw, oracle)
    await step("arrays", arrays, gw, oracle)
    await step("type codec", type_codec, gw, oracle)
    await step("cursor", cursor, gw, oracle)
    await step("samples", samples)
    await gw.close()
    await oracle.close()


asyncio.run(main())
c.finish()
