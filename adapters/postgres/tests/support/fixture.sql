-- Fixture of the fedgate-adapter-postgres integration tests (database fedgate_pgadapter_test).
SET TimeZone = 'UTC';

CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN price AS numeric(10, 2);
CREATE DOMAIN posint AS int4 CHECK (VALUE > 0);
CREATE DOMAIN price_alias AS price;

-- One column per type of the mapping matrix; row 3 is NULL in every column but id.
CREATE TABLE all_types (
    id               int4 NOT NULL,
    c_bool           bool,
    c_int2           int2,
    c_int4           int4,
    c_int8           int8,
    c_oid            oid,
    c_float4         float4,
    c_float8         float8,
    c_numeric        numeric(12, 2),
    c_numeric_any    numeric,
    c_numeric_big    numeric(50, 5),
    c_text           text,
    c_varchar        varchar(20),
    c_char           char(5),
    c_name           name,
    c_bytea          bytea,
    c_date           date,
    c_time           time,
    c_timestamp      timestamp,
    c_timestamptz    timestamptz,
    c_interval       interval,
    c_uuid           uuid,
    c_json           json,
    c_jsonb          jsonb,
    c_mood           mood,
    c_int4_array     int4[],
    c_text_array     text[],
    c_numeric_array  numeric(6, 3)[],
    c_mood_array     mood[],
    c_price          price,
    c_price_alias    price_alias,
    c_posint         posint,
    c_money          money,
    c_inet           inet,
    c_timetz         timetz,
    c_xml            xml,
    c_point          point,
    c_range          int4range,
    c_bit            bit(3),
    c_inet_array     inet[],
    c_macaddr        macaddr,
    c_tsvector       tsvector
);

INSERT INTO all_types VALUES
(1, true, 1, 100, 10000000000, 4294967295, 1.5, 3.141592653589793,
 1234.50, 3.14159265358979323846, 123456789012345678901234567890123456789012.12345,
 'hello', 'üñíçødé ✓', 'ab', 'nm', '\xdeadbeef',
 '2024-01-02', '03:04:05.123456', '2024-01-02 03:04:05.5', '2024-01-02 03:04:05+02',
 '1 year 2 mons 3 days 04:05:06.789',
 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{"a": 1}', '{"b": [1, 2], "a": 1}', 'happy',
 '{1,NULL,3}', '{"x","y z",NULL}', '{1.5,-2.125}', '{sad,ok}',
 9.99, 1.25, 7,
 12.34, '192.168.0.1/24', '04:05:06+02', '<a>1</a>', '(1,2)', '[1,5)', B'101',
 '{10.0.0.1,::1}', '08:00:2b:01:02:03', 'a fat cat'),
(2, false, -32768, -2147483648, -9223372036854775808, 0, 'Infinity', 'NaN',
 -0.01, 'NaN', -0.00001,
 '', 'it''s "q"', '', 'x', '\x',
 '1999-12-31', '00:00:00', '1999-12-31 23:59:59.999999', '1970-01-01 00:00:00+00',
 '-3 mons -4 days',
 '00000000-0000-0000-0000-000000000000', '[]', '{}', 'sad',
 '{}', '{}', '{}', '{}',
 -0.5, 0, 1,
 -1, '::1', '00:00:00+00', '<b/>', '(0,0)', 'empty', B'000',
 '{}', '00:00:00:00:00:00', ''),
(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- Discovery: tables, views, partitions, dropped columns, a schema without USAGE.
CREATE SCHEMA sales;
CREATE TABLE sales.orders (id int8 NOT NULL, gone text, note varchar(20), total numeric(12, 2));
ALTER TABLE sales.orders DROP COLUMN gone;
CREATE VIEW sales.order_view AS SELECT id, total FROM sales.orders;
CREATE MATERIALIZED VIEW sales.order_mv AS SELECT id FROM sales.orders;
CREATE TABLE sales.events (at date NOT NULL, what text) PARTITION BY RANGE (at);
CREATE TABLE sales.events_2024 PARTITION OF sales.events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE SEQUENCE sales.not_a_table;
CREATE INDEX orders_id ON sales.orders (id);
CREATE SCHEMA secret;
CREATE TABLE secret.hidden (id int);
