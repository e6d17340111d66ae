-- Errors: statements PostgreSQL rejects; what counts is the SQLSTATE (and, under
-- `-- exact-message`, the message too). Unknown tables and columns, wrong function
-- arguments, division by zero, invalid input, out of range, ambiguity, grouping violations.

-- name: unknown_table
SELECT * FROM no_such_table;

SELECT id FROM emp JOIN no_such_table USING (id);

-- name: unknown_column
SELECT no_such_column FROM emp;

SELECT e.nope FROM emp AS e;

SELECT name FROM emp ORDER BY nope;

SELECT name FROM emp WHERE salery > 0;

-- name: sum_of_text
-- exact-message
SELECT sum(name) FROM emp;

-- name: unknown_function
SELECT no_such_function(1);

SELECT length(42);

SELECT round('abc');

SELECT avg(active) FROM emp;

SELECT 'a' + 1;

SELECT DATE '2024-02-29' + DATE '2024-01-01';

SELECT name || active - 1 FROM emp;

-- name: division_by_zero
SELECT 1 / 0;

SELECT 1.5 / 0, 1 % 0;

SELECT mod(5, 0);

SELECT salary / 0 FROM emp;

SELECT id / (id - id) FROM emp;

SELECT 1::float8 / 0;

-- name: invalid_int_input
SELECT 'abc'::int;

SELECT ''::int4;

SELECT '1.5'::int;

SELECT 'x'::numeric;

SELECT 'yes please'::boolean;

SELECT '2024-02-30'::date;

SELECT '2023-02-29'::date;

SELECT '25:00'::time;

SELECT 'not a date'::timestamp;

SELECT 'garbage'::interval;

SELECT '{"a": }'::jsonb;

SELECT 'not-a-uuid'::uuid;

SELECT '{1,2'::int[];

SELECT to_date('2024-13-01', 'YYYY-MM-DD');

SELECT name::int FROM emp;

-- name: int4_overflow
SELECT 2147483647 + 1;

-- name: int8_overflow
SELECT 9223372036854775807::int8 + 1;

SELECT -2147483648 - 1;

SELECT 2147483648::int4;

SELECT 40000::int2;

SELECT i4 + 1 FROM nums;

SELECT i4 * 2 FROM nums;

SELECT i8 * 2 FROM nums;

SELECT abs(i4) FROM nums;

SELECT -i8 FROM nums;

SELECT 123.456::numeric(4, 2);

SELECT 1e308::float8 * 10;

SELECT exp(1000);

SELECT 10 ^ 400;

SELECT factorial(-1);

SELECT sqrt(-1);

SELECT ln(0);

SELECT log(-1);

SELECT make_date(2023, 2, 29);

SELECT chr(0);

-- name: ambiguous_column
SELECT id FROM emp JOIN dept ON dept.head_id = emp.id;

SELECT name FROM emp, dept;

-- name: group_by_violation
SELECT dept, name FROM emp GROUP BY dept;

SELECT name, count(*) FROM emp;

SELECT dept FROM emp GROUP BY dept HAVING salary > 0;

SELECT dept, count(*) FROM emp GROUP BY dept ORDER BY name;

-- name: scalar_subquery_two_rows
SELECT (SELECT id FROM emp WHERE dept = 'Sales');

SELECT name FROM emp WHERE id = (SELECT id FROM dept);

SELECT (SELECT 1, 2);

SELECT id FROM emp WHERE id IN (SELECT 1, 2);

SELECT count(*) FROM emp WHERE count(*) > 1;

SELECT sum(count(*)) FROM emp;

SELECT row_number() FROM emp;

SELECT id FROM emp WHERE row_number() OVER () = 1;

SELECT 1 UNION SELECT 1, 2;

SELECT 1 UNION SELECT 'a';

SELECT DISTINCT dept FROM emp ORDER BY name;

SELECT * FROM emp LIMIT -1;

SELECT * FROM emp LIMIT 'x';

SELECT generate_series(1, 10, 0);

SELECT array_fill(1, ARRAY[-1]);

SELECT '{"a": 1}'::jsonb -> 1 -> 'x' #>> '{bad';

SELECT jsonb_array_length('{"a": 1}');

SELECT 'x' ~ '(';

SELECT regexp_replace('a', '[', 'b');

SELECT substring('abc', 1, -1);

SELECT to_char(1, 'RN', 'x');

SELECT SELECT;

SELECT 1 +;

SELECT * FROM emp WHERE;

SELECT 'unterminated;

SELECT * FROM emp AS e JOIN dept AS e ON true;

SELECT x FROM (SELECT 1) AS t;

WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r, r AS r2 WHERE r.n = r2.n AND n > 0;

SELECT current_setting('no.such_setting');

SHOW no_such_setting;

SELECT 'no_such_table'::regclass;

SELECT id FROM emp FOR UPDATE OF dept;

SELECT CAST(NULL AS no_such_type);

SELECT interval '1 day' + 1;

SELECT 'a'::char(1) < 1;
