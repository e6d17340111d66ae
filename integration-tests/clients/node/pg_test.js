// node-postgres (`pg`) against the gateway, compared with PostgreSQL itself.
//
// Checks: field type OIDs (dataTypeID) equal to the oracle's; values parsed by pg's type
// parsers (int8 and numeric as strings, timestamptz/timestamp/date as Date, bool, jsonb as
// an object) equal to the oracle's; `$1` parameters; a named prepared statement reused;
// the samples files server. Environment as for the Python tests (see ../common.py).
'use strict';

const assert = require('node:assert');
const pg = require('pg');
const pkg = require('pg/package.json');

const env = process.env;
const gatewayConfig = (database) => ({
  host: env.FEDGATE_HOST || '127.0.0.1',
  port: Number(env.FEDGATE_PORT || 5480),
  user: 'postgres',
  database,
});
const oracleConfig = {
  host: env.ORACLE_HOST || '127.0.0.1',
  port: Number(env.ORACLE_PORT || 5432),
  user: 'postgres',
  database: env.CLIENTS_DB || 'fedgate_clients',
  options: '-c TimeZone=UTC',
};

const ITEMS = 'SELECT id, big, price, name, made, made_tz, day, active, doc FROM public.items ORDER BY id';
const EXPECTED_OIDS = { id: 23, big: 20, price: 1700, name: 25, made: 1114, made_tz: 1184, day: 1082, active: 16, doc: 3802 };

let count = 0;
const failures = [];

async function check(what, fn) {
  count += 1;
  try {
    await fn();
    console.log(`  ok   ${what}`);
  } catch (e) {
    failures.push(`${what}: ${e.message}`);
    console.log(`  FAIL ${what}: ${e.message}`);
  }
}

// Dates compared by instant, everything else by value.
const plain = (rows) => JSON.parse(JSON.stringify(rows));

async function main() {
  console.log(`pg ${pkg.version} (node ${process.version})`);
  const gw = new pg.Client(gatewayConfig('pg'));
  const oracle = new pg.Client(oracleConfig);
  await gw.connect();
  await oracle.connect();

  await check('text results: type OIDs and parsed values', async () => {
    const g = await gw.query(ITEMS);
    const o = await oracle.query(ITEMS);
    const fields = (r) => r.fields.map((f) => [f.name, f.dataTypeID]);
    assert.deepStrictEqual(fields(g), fields(o));
    assert.deepStrictEqual(Object.fromEntries(fields(g)), EXPECTED_OIDS);
    assert.deepStrictEqual(plain(g.rows), plain(o.rows));
  });

  await check('parsed types of row 1', async () => {
    const { rows } = await gw.query(ITEMS);
    const r = rows[0];
    assert.strictEqual(r.id, 1);
    assert.strictEqual(r.big, '10000000000');
    assert.strictEqual(r.price, '1234.50');
    assert.ok(r.made_tz instanceof Date, 'timestamptz is a Date');
    assert.strictEqual(r.made_tz.toISOString(), '2024-01-02T03:04:05.000Z');
    assert.ok(r.day instanceof Date, 'date is a Date');
    assert.strictEqual(r.active, true);
    assert.deepStrictEqual(r.doc, { a: 1, b: [1, 2] });
    assert.strictEqual(rows[2].active, null);
  });

  await check('$1 parameters', async () => {
    const sql = 'SELECT id, name, price FROM public.items WHERE id = $1 OR name = $2 ORDER BY id';
    const g = await gw.query(sql, [2, 'alpha']);
    const o = await oracle.query(sql, [2, 'alpha']);
    assert.deepStrictEqual(plain(g.rows), plain(o.rows));
    assert.deepStrictEqual(g.rows.map((r) => r.id), [1, 2]);
  });

  await check('named prepared statement reused', async () => {
    const names = [];
    for (const id of [1, 2, 1]) {
      const r = await gw.query({ name: 'item_name', text: 'SELECT name FROM public.items WHERE id = $1', values: [id] });
      names.push(r.rows[0].name);
    }
    assert.deepStrictEqual(names, ['alpha', 'béta "quoted"', 'alpha']);
  });

  await check('samples files server', async () => {
    const s = new pg.Client(gatewayConfig('samples'));
    await s.connect();
    try {
      const r = await s.query('SELECT id, name FROM shop.customers WHERE id = $1', [1]);
      // The CSV's id column is inferred as int8, which pg returns as a string.
      assert.deepStrictEqual(r.fields.map((f) => f.dataTypeID), [20, 25]);
      assert.deepStrictEqual(r.rows, [{ id: '1', name: 'Alice Martin' }]);
    } finally {
      await s.end();
    }
  });

  await gw.end();
  await oracle.end();
  console.log(`node-pg: ${count - failures.length} of ${count} checks passed`);
  for (const f of failures) console.log(`  failed: ${f}`);
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => {
  console.log(`node-pg: FAILED: ${e.stack || e}`);
  process.exit(1);
});
