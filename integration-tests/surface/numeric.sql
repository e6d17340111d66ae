-- Numeric types and arithmetic: the types of literals, integer, numeric and float division
-- and modulo, rounding, the math functions, aggregates of numbers, casts between numeric
-- types and to text. (Overflow and division by zero are in errors.sql.)

-- name: int4_literal
SELECT 1;

-- name: int4_max_literal
SELECT 2147483647;

-- name: int8_literal
SELECT 2147483648;

-- name: numeric_beyond_int8_literal
SELECT 9223372036854775808;

-- name: numeric_literal
SELECT 1.50;

-- name: negative_zero_numeric
SELECT -0.0;

-- name: exponent_literal
SELECT 1e3, 1.5e-3, 2E+2;

-- name: int_division_truncates
SELECT 7 / 2, -7 / 2, 7 / -2;

-- name: int_modulo_signs
SELECT 7 % 3, -7 % 3, 7 % -3;

-- name: numeric_division_scale
SELECT 7.0 / 2;

-- name: one_third_numeric
SELECT 1 / 3::numeric;

SELECT 1::numeric / 3, 2::numeric / 3, 10::numeric / 4;

SELECT 2 / 3.0, 100 / 7.000;

-- name: float_division
SELECT 7::float8 / 2, 1 / 3::float8, 2 / 3::float8;

-- name: numeric_sum_exact
SELECT 0.1 + 0.2;

-- name: float_sum_inexact
SELECT 0.1::float8 + 0.2::float8;

SELECT 5.5 % 2, mod(-7, 3), mod(7.5, 2), mod(-7.5::numeric, 2);

SELECT 2 ^ 10, 2.0 ^ 0.5, (-8) ^ (1.0 / 3)::numeric(10, 0);

SELECT 1 + 2 * 3, (1 + 2) * 3, 2 * 3 ^ 2, -2 ^ 2;

SELECT 10 - 2 - 3, 100 / 10 / 5, 2 ^ 3 ^ 2;

SELECT id, i4 / 2, i4 % 2, -i4 FROM nums WHERE i4 > -2147483648 ORDER BY id;

SELECT id, i8 / 3, i8 % 3 FROM nums ORDER BY id;

SELECT id, n / 3 FROM nums ORDER BY id;

SELECT id, n * 2, n + 1, n - 0.000001 FROM nums ORDER BY id;

SELECT id, f / 3, f * 2 FROM nums ORDER BY id;

SELECT id, i4 + i8, i4 * 1.5, i4 + f FROM nums WHERE i4 BETWEEN -1000 AND 1000 ORDER BY id;

SELECT id, i4::int8 * 2, i4::numeric * 1000000 FROM nums ORDER BY id;

SELECT name, salary * 1.1 AS raised FROM emp ORDER BY id;

SELECT name, salary / 12 AS monthly FROM emp WHERE salary > 0 ORDER BY id;

SELECT name, salary * 12 / 100 FROM emp ORDER BY id;

SELECT name, bonus * 2, bonus / 3 FROM emp ORDER BY id;

SELECT name, rating * 2, rating / 3 FROM emp ORDER BY id;

-- name: round_numeric_half_away
SELECT round(2.5), round(-2.5), round(0.5), round(1.45, 1), round(-1.45, 1);

-- name: round_float_half_even
SELECT round(2.5::float8), round(-2.5::float8), round(0.5::float8), round(3.5::float8);

SELECT round(1234.5678, 2), round(1234.5678, -2), round(1234.5678, 0);

SELECT id, round(n), round(n, 2), round(f) FROM nums WHERE abs(f) < 1e10 ORDER BY id;

SELECT ceil(1.2), ceil(-1.2), floor(1.8), floor(-1.8), ceiling(2.000001);

SELECT ceil(1.2::float8), floor(-1.8::float8), trunc(-1.8::float8);

SELECT trunc(1.999), trunc(-1.999), trunc(1234.5678, 2), trunc(1234.5678, -2);

SELECT id, ceil(n), floor(n), trunc(n, 1) FROM nums ORDER BY id;

SELECT abs(-5), abs(-5.50), abs(-5.5::float8), abs(0);

SELECT id, abs(i8), sign(n), sign(f) FROM nums WHERE i8 > -9223372036854775808 ORDER BY id;

SELECT sign(-3), sign(0), sign(2.5), sign(-0.0::float8);

SELECT power(2, 10), power(2.0, -2), power(9, 0.5), pow(2, 0.5);

SELECT sqrt(2), sqrt(16), sqrt(2::numeric), cbrt(27);

SELECT exp(1), exp(1.0), ln(10), ln(10::numeric);

SELECT log(100), log(2, 8), log(1000::numeric), log10(1000);

SELECT greatest(1, 5, 3), least(1, 5, 3), greatest(1.5, 2, -3), least(2, NULL, 1);

SELECT greatest(salary, 60000), least(rating, 4) FROM emp ORDER BY id;

SELECT pi(), degrees(pi()), radians(180);

SELECT sin(0), cos(0), tan(0), atan2(1, 1);

SELECT gcd(12, 18), lcm(4, 6), factorial(10);

SELECT div(7, 2), div(-7, 2), div(7.5, 2);

SELECT width_bucket(5.35, 0.024, 10.06, 5), width_bucket(-1, 0, 10, 5), width_bucket(11, 0, 10, 5);

SELECT name, width_bucket(salary, 0, 150000, 3) AS band FROM emp ORDER BY id;

SELECT trim_scale(1.500), min_scale(1.500), scale(1.500);

-- name: cast_numeric_to_int_rounds
SELECT 2.5::int4, 3.5::int4, -2.5::int4, 1.4999::int;

-- name: cast_float_to_int_rounds_even
SELECT 2.5::float8::int4, 3.5::float8::int4, -2.5::float8::int8;

SELECT CAST(salary AS int) FROM emp ORDER BY id;

SELECT CAST(rating AS numeric(30, 2)) FROM emp ORDER BY id;

SELECT salary::float8 FROM emp ORDER BY id;

SELECT id, i8::numeric, n::float8, f::numeric FROM nums WHERE abs(f) < 1e10 ORDER BY id;

SELECT 1.5::numeric(5, 2), 1.005::numeric(5, 2), 123.456::numeric(4, 1);

SELECT 42::text, 4.20::text, 0.1::float8::text, 1e20::float8::text, 1e-7::float8::text;

SELECT id, n::text, f::text FROM nums ORDER BY id;

SELECT '42'::int, ' 42 '::int4, '-0.50'::numeric, '1e5'::float8, '3'::int8;

SELECT 'NaN'::float8, 'Infinity'::float8, '-Infinity'::float8, 'NaN'::numeric;

SELECT 'NaN'::float8 = 'NaN'::float8, 'NaN'::float8 > 1e308::float8;

SELECT 1::int2 + 1::int2, 32767::int2, pg_typeof(1::int2 + 1::int2);

SELECT 10::real / 3, 0.1::real + 0.2::real;

SELECT count(*), sum(i4), sum(i8), sum(n) FROM nums;

SELECT sum(i4::int8), avg(i4), avg(i8) FROM nums WHERE i4 BETWEEN -1000 AND 1000;

-- name: avg_int
SELECT avg(floor) FROM dept;

-- name: avg_numeric
SELECT avg(salary) FROM emp;

SELECT avg(bonus), sum(bonus), min(bonus), max(bonus) FROM emp;

SELECT avg(n), min(n), max(n) FROM nums;

SELECT min(f), max(f), min(i8), max(i8) FROM nums;

SELECT sum(rating), avg(rating) FROM emp WHERE rating IN (2, 2.5, 4.5, 5, -1.5);

SELECT stddev(salary), variance(salary) FROM emp;

SELECT stddev_pop(floor), var_pop(floor), stddev_samp(floor), var_samp(floor) FROM dept;

SELECT stddev(x), variance(x) FROM (VALUES (1.0::float8), (2.0), (4.0)) AS t(x);

SELECT dept, sum(salary), avg(salary)::numeric(12, 2) FROM emp GROUP BY dept ORDER BY dept;

SELECT 2147483647::int8 + 1, -2147483648::int8 - 1, 9223372036854775807::numeric + 1;

SELECT i4::int8 + 1 FROM nums WHERE id = 4;

SELECT i8::numeric * 2 FROM nums WHERE id IN (4, 5) ORDER BY 1;

SELECT 0 * -1, 0.0 * -1, 0::float8 * -1;

SELECT 1 = 1.0, 1 = 1.0::float8, 0.1::float8 = 0.1, 0.1::float4 = 0.1::float8;
