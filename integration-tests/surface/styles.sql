-- Output styles a user can choose: DateStyle SQL with day first, IntervalStyle ISO 8601,
-- and extra_float_digits 0 (the pre-PostgreSQL-12 float output).

SET DateStyle = 'SQL, DMY';
SET IntervalStyle = 'iso_8601';
SET extra_float_digits = 0;

SHOW DateStyle;

SELECT DATE '2024-02-29', TIMESTAMP '2024-02-29 13:45:00.5';

SELECT id, d, ts FROM events ORDER BY id;

SELECT INTERVAL '1 year 2 months 3 days 04:05:06.5', INTERVAL '-1 day', INTERVAL '0';

SELECT DATE '2024-03-01' - DATE '2024-02-01', TIMESTAMP '2024-03-01' - TIMESTAMP '2024-02-28 12:00';

SELECT 0.1::float8 + 0.2::float8, 1 / 3::float8, 1e-7::float8, 123456789.123::float8;

SELECT name, rating FROM emp ORDER BY id;

SELECT '02/03/2024'::date;
