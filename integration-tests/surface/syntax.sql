-- Everyday syntax: LIMIT/OFFSET and FETCH FIRST, VALUES, CTEs (recursive too),
-- generate_series and unnest with column aliases and WITH ORDINALITY, output column names
-- (keywords as aliases, repeated names, SELECT * with duplicates), ORDER BY forms, casts.

-- name: fetch_first
SELECT id, name FROM emp ORDER BY id FETCH FIRST 3 ROWS ONLY;

-- name: offset_rows
SELECT id, name FROM emp ORDER BY id OFFSET 14 ROWS;

SELECT id FROM emp ORDER BY id OFFSET 2 ROWS FETCH NEXT 2 ROWS ONLY;

SELECT id FROM emp ORDER BY id LIMIT 3 OFFSET 5;

SELECT id FROM emp ORDER BY id LIMIT ALL OFFSET 15;

SELECT id FROM emp ORDER BY id LIMIT 0;

SELECT salary FROM emp ORDER BY salary DESC NULLS LAST FETCH FIRST 2 ROWS WITH TIES;

-- name: values_list
VALUES (1, 'one'), (2, 'two'), (3, NULL);

SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(n, letter) ORDER BY n;

SELECT column1, column2 FROM (VALUES (1.5, true), (2, false)) AS v ORDER BY column1;

-- name: cte_basic
WITH big AS (SELECT * FROM emp WHERE salary > 80000) SELECT name FROM big ORDER BY id;

WITH d AS (SELECT dept, count(*) AS n FROM emp GROUP BY dept), m AS (SELECT max(n) AS top FROM d) SELECT dept FROM d, m WHERE n = top ORDER BY dept;

-- name: cte_recursive
WITH RECURSIVE chain(id, name, depth) AS (SELECT id, name, 0 FROM emp WHERE manager_id IS NULL AND id = 1 UNION ALL SELECT e.id, e.name, c.depth + 1 FROM emp AS e JOIN chain AS c ON e.manager_id = c.id) SELECT * FROM chain ORDER BY depth, id;

WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10) SELECT sum(x), max(x) FROM n;

WITH RECURSIVE fib(a, b) AS (SELECT 0::int8, 1::int8 UNION ALL SELECT b, a + b FROM fib WHERE b < 100) SELECT a FROM fib ORDER BY a;

-- name: generate_series_alias
SELECT x FROM generate_series(1, 5) AS g(x) ORDER BY x;

SELECT * FROM generate_series(10, 1, -3);

SELECT generate_series(1, 3), generate_series(1, 2);

SELECT g.x, g.x * g.x AS square FROM generate_series(0, 1, 0.25) AS g(x) ORDER BY x;

SELECT count(*), sum(n) FROM generate_series(1, 1000) AS n;

-- name: unnest_alias
SELECT x FROM unnest(ARRAY[3, 1, 2]) AS t(x) ORDER BY x;

SELECT * FROM unnest(ARRAY['a', 'b'], ARRAY[1, 2, 3]) AS t(letter, n) ORDER BY n;

-- name: with_ordinality
SELECT * FROM unnest(ARRAY['x', 'y', 'z']) WITH ORDINALITY AS t(v, i) ORDER BY i;

SELECT g.*, i FROM generate_series(5, 7) WITH ORDINALITY AS g(v, i) ORDER BY i;

-- name: keyword_aliases
SELECT 1 AS top, 2 AS "user", 3 AS "order", 4 AS value, 5 AS year;

SELECT name AS "Name", salary AS "Salary (EUR)", dept AS "select" FROM emp WHERE id = 1;

-- name: repeated_output_names
SELECT min(salary), min(salary), max(id), max(id) FROM emp;

SELECT 1, 2, 'x', NULL, 1 + 1;

SELECT id, id, name AS id FROM emp WHERE id = 2;

-- name: select_star_duplicates
SELECT * FROM emp AS e JOIN dept AS d ON d.head_id = e.id ORDER BY e.id;

SELECT *, id FROM dept ORDER BY id;

SELECT d.*, d.* FROM dept AS d WHERE id = 1;

SELECT * FROM emp ORDER BY id;

SELECT * FROM dept ORDER BY id;

SELECT * FROM nums ORDER BY id;

SELECT * FROM words ORDER BY id;

SELECT * FROM events ORDER BY id;

SELECT count(*) AS total, count(*) FROM emp;

SELECT sum(salary) total_salary, avg(rating) mean_rating FROM emp;

SELECT e.name, e.salary FROM emp e WHERE e.id = 3;

SELECT name FROM emp ORDER BY 1 DESC;

SELECT name, salary FROM emp ORDER BY salary NULLS FIRST, name;

SELECT name, salary FROM emp ORDER BY salary DESC NULLS LAST, name;

SELECT name, rating FROM emp ORDER BY rating ASC NULLS FIRST, id;

SELECT id, name FROM emp ORDER BY length(name), id;

SELECT id, name AS n FROM emp ORDER BY n;

SELECT dept, count(*) FROM emp GROUP BY 1 ORDER BY 2 DESC, 1;

SELECT CAST(1 AS text), CAST('2' AS integer), '3'::numeric(4, 1), int '4', float8 '5.5', text 'six';

SELECT (1, 'a'), ROW(1, NULL), (SELECT (2, 'b'));

SELECT ARRAY[1, 2, 3], ARRAY['a', NULL], '{1,2}'::int[], ARRAY[[1, 2], [3, 4]];

SELECT $$it's$$, 'multi'
    'line';

SELECT name FROM emp WHERE id BETWEEN 3 AND 5 ORDER BY id;

SELECT name FROM emp WHERE id NOT BETWEEN 3 AND 14 ORDER BY id;

SELECT name FROM emp WHERE id IN (1, 3, 5) AND dept IS NOT NULL OR id = 7 ORDER BY id;

SELECT TABLE_NAME FROM (SELECT 'x' AS table_name) AS t;

TABLE dept ORDER BY id;

SELECT id FROM emp WHERE id = ANY ('{1,2,3}'::int[]) ORDER BY id;

SELECT DISTINCT ON (active) active, name FROM emp ORDER BY active, id;

SELECT name, salary FROM emp WHERE salary IS NOT NULL ORDER BY salary DESC, id LIMIT 1;
