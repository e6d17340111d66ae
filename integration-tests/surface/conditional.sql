-- Booleans, NULL handling and conditional expressions: boolean output and input, three-valued
-- logic, IS [NOT] DISTINCT FROM, coalesce, nullif, greatest/least with NULLs, bool_and,
-- bool_or and every, CASE (simple and searched, with trailing-space strings).

-- name: boolean_literals
SELECT true, false, NULL::boolean, 't'::boolean, 'yes'::boolean, 'off'::boolean, '0'::boolean;

SELECT name, active FROM emp ORDER BY id;

SELECT name, NOT active, active IS TRUE, active IS NOT FALSE, active IS UNKNOWN FROM emp ORDER BY id;

-- name: three_valued_logic
SELECT NULL AND false, NULL AND true, NULL OR true, NULL OR false, NOT NULL::boolean;

SELECT true AND NULL IS NULL, (NULL OR false) IS NULL, NULL = NULL, NULL <> 1, 1 IN (1, NULL), 2 IN (1, NULL), 2 NOT IN (1, NULL);

SELECT name FROM emp WHERE active ORDER BY id;

SELECT name FROM emp WHERE NOT active ORDER BY id;

SELECT name FROM emp WHERE active IS NOT TRUE ORDER BY id;

SELECT name FROM emp WHERE active IS NULL;

SELECT active, count(*) FROM emp GROUP BY active ORDER BY active;

SELECT count(*) FILTER (WHERE active), count(*) FILTER (WHERE NOT active), count(active) FROM emp;

SELECT bool_and(active), bool_or(active), every(active) FROM emp;

SELECT dept, bool_and(active), bool_or(NOT active) FROM emp GROUP BY dept ORDER BY dept;

SELECT bool_and(x), bool_or(x) FROM (VALUES (NULL::boolean)) AS t(x);

SELECT true::int, false::int, 1::boolean, 0::boolean, true::text, 'TRUE'::boolean::text;

SELECT true > false, true = 't', active = true FROM emp WHERE id = 1;

-- name: is_distinct_from
SELECT 1 IS DISTINCT FROM NULL, NULL IS DISTINCT FROM NULL, NULL IS NOT DISTINCT FROM NULL, 1 IS NOT DISTINCT FROM 1;

SELECT name FROM emp WHERE manager_id IS DISTINCT FROM 1 ORDER BY id;

SELECT name FROM emp WHERE dept IS NOT DISTINCT FROM NULL;

SELECT name FROM emp WHERE manager_id IS NULL ORDER BY id;

SELECT name FROM emp WHERE bonus IS NOT NULL AND bonus <> 0 ORDER BY id;

SELECT name FROM emp WHERE bonus NOT IN (0, -1) ORDER BY id;

-- name: coalesce_types
SELECT coalesce(NULL, 1), coalesce(NULL, NULL, 'x'), coalesce(1, 2.5), coalesce(NULL::int, 0);

SELECT name, coalesce(dept, '(none)'), coalesce(bonus, 0), coalesce(manager_id::text, 'top') FROM emp ORDER BY id;

SELECT name, coalesce(rating, salary::float8, 0) FROM emp ORDER BY id;

-- name: nullif_values
SELECT nullif(1, 1), nullif(1, 2), nullif('a', ''), nullif('', '');

SELECT name, nullif(bonus, 0), nullif(trim(name), name) FROM emp ORDER BY id;

SELECT salary / nullif(bonus, 0) FROM emp ORDER BY id;

SELECT greatest(NULL, 1, 2), least(NULL::int, NULL), greatest('apple', 'Apple', 'APPLE'), least(DATE '2024-02-29', DATE '2023-01-01');

-- name: case_searched
SELECT name, CASE WHEN salary >= 100000 THEN 'high' WHEN salary >= 50000 THEN 'mid' WHEN salary IS NULL THEN 'unknown' ELSE 'low' END FROM emp ORDER BY id;

-- name: case_simple
SELECT name, CASE dept WHEN 'Engineering' THEN 'E' WHEN 'Sales' THEN 'S' ELSE '?' END FROM emp ORDER BY id;

-- name: case_trailing_space
SELECT name, CASE name WHEN 'carol' THEN 'matched' WHEN 'carol ' THEN 'matched with space' ELSE 'no' END FROM emp ORDER BY id;

SELECT CASE WHEN 'a ' = 'a' THEN 'equal' ELSE 'different' END, CASE 'x' WHEN 'X' THEN 1 ELSE 0 END;

SELECT CASE WHEN 1 > 2 THEN 'a' END, CASE NULL WHEN NULL THEN 'null matched' ELSE 'no match' END;

SELECT CASE WHEN true THEN 1 ELSE 2.5 END, CASE WHEN false THEN 1 ELSE 2.5 END, CASE WHEN false THEN 1 END;

SELECT name, CASE WHEN active THEN 'yes' WHEN NOT active THEN 'no' ELSE 'unknown' END AS status FROM emp ORDER BY id;

SELECT CASE WHEN bonus > 0 THEN salary / bonus ELSE 0 END AS ratio FROM emp ORDER BY id;

SELECT dept, sum(CASE WHEN active THEN 1 ELSE 0 END) AS active_count, count(*) FROM emp GROUP BY dept ORDER BY dept;

SELECT id, w, CASE WHEN w ~ '^[0-9]+$' THEN w::int * 2 END FROM words ORDER BY id;

SELECT CASE WHEN x > 0 THEN 'positive' WHEN x < 0 THEN 'negative' ELSE 'zero' END FROM (VALUES (1), (-1), (0), (NULL)) AS t(x) ORDER BY x;

SELECT count(CASE WHEN rating > 3 THEN 1 END), count(*) FROM emp;

SELECT name FROM emp WHERE CASE WHEN dept = 'Sales' THEN salary > 65000 ELSE false END ORDER BY id;

SELECT num_nulls(1, NULL, 2), num_nonnulls(1, NULL, 2);
