"""SQLAlchemy 2 (psycopg 3 driver) against the gateway, compared with PostgreSQL itself.

Checks: dialect initialization on connect; inspect(): get_schema_names, get_table_names,
get_columns (names, types, nullability equal to the oracle's); a Core select over the
reflected table with a bound parameter; the samples files server's schemas and tables.
"""

import sqlalchemy as sa

from common import SAMPLE_CUSTOMER_1, Checks, gateway_url, oracle_url

c = Checks("sqlalchemy")
print(f"SQLAlchemy {sa.__version__}")

gw = sa.create_engine(gateway_url("psycopg"))
oracle = sa.create_engine(oracle_url("psycopg"), connect_args={"options": "-c TimeZone=UTC"})


def columns(engine):
    cols = sa.inspect(engine).get_columns("items", schema="public")
    return [(col["name"], repr(col["type"]), col["nullable"]) for col in cols]


def inspection():
    gi = sa.inspect(gw)
    schemas = gi.get_schema_names()
    c.true("get_schema_names has public", "public" in schemas, str(schemas))
    c.true("get_schema_names has no pg_catalog", "pg_catalog" not in schemas, str(schemas))
    c.eq("get_table_names(public)", gi.get_table_names(schema="public"), ["items"])
    c.eq("get_columns(items)", columns(gw), columns(oracle))


def core_select():
    results = []
    for engine in (gw, oracle):
        items = sa.Table("items", sa.MetaData(), schema="public", autoload_with=engine)
        query = sa.select(items.c.id, items.c.name, items.c.price, items.c.made_tz, items.c.doc).where(
            items.c.id <= sa.bindparam("max_id")
        ).order_by(items.c.id)
        with engine.connect() as conn:
            results.append([tuple(r) for r in conn.execute(query, {"max_id": 2})])
    c.eq("Core select with bound parameter", results[0], results[1])
    c.eq("Core select ids", [r[0] for r in results[0]], [1, 2])


def samples():
    engine = sa.create_engine(gateway_url("psycopg", "samples"))
    si = sa.inspect(engine)
    c.true("samples: schema shop", "shop" in si.get_schema_names(), str(si.get_schema_names()))
    tables = si.get_table_names(schema="shop")
    c.true("samples: tables", {"customers", "orders", "products"} <= set(tables), str(tables))
    names = [col["name"] for col in si.get_columns("customers", schema="shop")]
    c.eq("samples: customers columns", names, ["id", "name", "country", "signup_date"])
    customers = sa.Table("customers", sa.MetaData(), schema="shop", autoload_with=engine)
    with engine.connect() as conn:
        name = conn.execute(sa.select(customers.c.name).where(customers.c.id == 1)).scalar_one()
    c.eq("samples: customer 1", name, SAMPLE_CUSTOMER_1)


c.run("inspect", inspection)
c.run("core select", core_select)
c.run("samples", samples)
c.finish()
