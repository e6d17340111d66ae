-- Types and the catalog: pg_typeof, casts to uuid, bytea, interval, ::regclass::text,
-- SHOW and current_setting, information_schema.columns of the dataset's tables, version
-- and session functions whose value does not depend on the server.

-- name: pg_typeof_literals
SELECT pg_typeof(1), pg_typeof(2147483648), pg_typeof(1.5), pg_typeof('a'), pg_typeof(true), pg_typeof(NULL);

SELECT pg_typeof(1 + 1.5), pg_typeof(1 / 2), pg_typeof(1::int8 * 2), pg_typeof(1.5::float8 + 1), pg_typeof(1::int2 + 1);

SELECT pg_typeof(DATE '2024-02-29' - 1), pg_typeof(DATE '2024-02-29' - DATE '2024-01-01'), pg_typeof(DATE '2024-02-29' + INTERVAL '1 day'), pg_typeof(TIMESTAMP '2024-02-29' - TIMESTAMP '2024-01-01');

SELECT pg_typeof(now()), pg_typeof(extract(year FROM DATE '2024-02-29')), pg_typeof(date_part('year', DATE '2024-02-29')), pg_typeof(count(*)) FROM emp;

-- name: pg_typeof_columns
SELECT pg_typeof(id), pg_typeof(name), pg_typeof(salary), pg_typeof(hired), pg_typeof(created), pg_typeof(active), pg_typeof(rating), pg_typeof(bonus) FROM emp WHERE id = 1;

SELECT pg_typeof(sum(id)), pg_typeof(sum(bonus)), pg_typeof(sum(salary)), pg_typeof(sum(rating)), pg_typeof(avg(id)), pg_typeof(avg(rating)) FROM emp;

SELECT pg_typeof(i4 / 2), pg_typeof(i8 % 2), pg_typeof(n * 2), pg_typeof(round(f)), pg_typeof(round(n, 2)), pg_typeof(abs(i4)) FROM nums WHERE id = 1;

SELECT pg_typeof(coalesce(id, 0)), pg_typeof(CASE WHEN active THEN 1 ELSE 0 END), pg_typeof(greatest(id, 1.5)), pg_typeof(length(name)), pg_typeof(row_number() OVER ()) FROM emp WHERE id = 1;

SELECT pg_typeof(ARRAY[1, 2]), pg_typeof('{}'::text[]), pg_typeof('{"a": 1}'::jsonb), pg_typeof(ROW(1, 2)), pg_typeof('a'::varchar), pg_typeof('a'::char);

-- tables: docs
SELECT pg_typeof(body), pg_typeof(tags), pg_typeof(scores), pg_typeof(at), pg_typeof(span), pg_typeof(uid), pg_typeof(raw) FROM docs WHERE id = 1;

-- name: uuid_cast
SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, 'A0EEBC999C0B4EF8BB6D6BB9BD380A11'::uuid, '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}'::uuid;

SELECT gen_random_uuid() IS NOT NULL, length(gen_random_uuid()::text), md5('x')::uuid;

-- tables: docs
SELECT id, uid, uid::text, upper(uid::text) FROM docs ORDER BY id;

-- tables: docs
SELECT id FROM docs WHERE uid = 'f47ac10b-58cc-4372-a567-0e02b2c3d479';

-- tables: docs
SELECT id, raw, length(raw), encode(raw, 'hex'), raw = '\xdeadbeef'::bytea FROM docs ORDER BY id;

-- tables: docs
SELECT id, at, span, at + span FROM docs ORDER BY id;

-- tables: docs
SELECT id, extract(epoch FROM span), justify_interval(span), span * 2 FROM docs ORDER BY id;

-- tables: docs
SELECT max(at), min(span), sum(span) FROM docs;

SELECT '\x0001ff'::bytea, 'abc'::bytea, '\x'::bytea, length('\x0001ff'::bytea), get_byte('\x0001ff'::bytea, 2);

SELECT sha256('abc'), substring('\x0102030405'::bytea FROM 2 FOR 2), '\x01'::bytea || '\x02'::bytea;

-- name: regclass_text
SELECT 'emp'::regclass::text, 'dept'::regclass::text;

SELECT to_regclass('emp')::text, to_regclass('no_such_table');

-- name: show_timezone
SHOW TimeZone;

SELECT current_setting('TimeZone'), current_setting('DateStyle'), current_setting('IntervalStyle');

SELECT current_setting('no.such_setting', true);

SHOW standard_conforming_strings;

SELECT current_setting('client_encoding'), current_setting('server_encoding');

-- name: information_schema_columns
SELECT table_name, column_name, ordinal_position, data_type, udt_name FROM information_schema.columns WHERE table_name IN ('emp', 'dept') ORDER BY table_name, ordinal_position;

SELECT column_name, data_type, numeric_precision, numeric_scale, is_nullable FROM information_schema.columns WHERE table_name = 'nums' ORDER BY ordinal_position;

SELECT column_name, data_type, datetime_precision FROM information_schema.columns WHERE table_name = 'events' ORDER BY ordinal_position;

-- tables: docs
SELECT column_name, data_type, udt_name FROM information_schema.columns WHERE table_name = 'docs' ORDER BY ordinal_position;

SELECT table_name, table_type FROM information_schema.tables WHERE table_name IN ('emp', 'dept', 'nums', 'words', 'events') ORDER BY table_name;

SELECT count(*) FROM information_schema.columns WHERE table_name = 'emp';

SELECT attname, atttypid::regtype FROM pg_attribute WHERE attrelid = 'emp'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;

SELECT typname, oid FROM pg_type WHERE typname IN ('int4', 'int8', 'numeric', 'float8', 'text', 'bool', 'date', 'timestamp') ORDER BY oid;

SELECT format_type('numeric'::regtype, 655366), 'integer'::regtype, 'int8'::regtype::oid;

SELECT version() LIKE 'PostgreSQL%', current_user IS NOT NULL, session_user = current_user, pg_backend_pid() > 0;

SELECT has_table_privilege('emp', 'SELECT');

SELECT 'x'::name, pg_typeof('x'::name), octet_length(repeat('a', 100)::name);

SELECT inet '192.168.1.5/24', host(inet '192.168.1.5/24'), masklen(inet '10.0.0.0/8');

SELECT 42::oid, pg_typeof(42::oid), 'now'::text;
