-- Aggregates and grouping: count forms, DISTINCT, FILTER, HAVING, GROUP BY ROLLUP, CUBE and
-- GROUPING SETS with grouping(), ordered-set aggregates, array_agg and json_agg, aggregates
-- over no rows.

-- name: count_forms
SELECT count(*), count(dept), count(DISTINCT dept), count(bonus), count(1) FROM emp;

SELECT count(DISTINCT lower(dept)), count(DISTINCT (dept, active)), count(DISTINCT salary) FROM emp;

SELECT dept, count(*) FROM emp GROUP BY dept ORDER BY count(*) DESC, dept;

SELECT dept, count(*), sum(salary), min(salary), max(salary), avg(salary) FROM emp GROUP BY dept ORDER BY dept;

SELECT dept, count(*) FROM emp GROUP BY dept HAVING count(*) > 1 ORDER BY dept;

SELECT dept, sum(salary) FROM emp GROUP BY dept HAVING sum(salary) > 100000 ORDER BY 2 DESC;

SELECT dept, avg(rating) FROM emp GROUP BY dept HAVING min(hired) < DATE '2016-01-01' ORDER BY dept;

SELECT count(*) FROM emp HAVING count(*) > 100;

SELECT active, dept, count(*) FROM emp GROUP BY active, dept ORDER BY active, dept;

SELECT extract(year FROM hired) >= 2020 AS recent, count(*) FROM emp GROUP BY 1 ORDER BY 1;

SELECT manager_id, count(*), string_agg(name, ',' ORDER BY name) FROM emp GROUP BY manager_id ORDER BY manager_id;

-- name: filter_clause
SELECT count(*) FILTER (WHERE salary > 60000), sum(salary) FILTER (WHERE dept = 'Sales'), avg(rating) FILTER (WHERE active) FROM emp;

SELECT dept, count(*) FILTER (WHERE active) AS active, count(*) FILTER (WHERE bonus IS NULL) AS no_bonus FROM emp GROUP BY dept ORDER BY dept;

-- name: aggregates_over_no_rows
SELECT count(*), sum(salary), avg(salary), min(name), max(hired), bool_and(active), string_agg(name, ','), array_agg(id) FROM emp WHERE id < 0;

SELECT dept, count(*) FROM emp WHERE id < 0 GROUP BY dept;

-- name: group_by_rollup
SELECT dept, active, count(*) FROM emp GROUP BY ROLLUP (dept, active) ORDER BY dept NULLS LAST, active NULLS LAST, count(*);

-- order-keys: 1, 2, 3
SELECT dept, active, grouping(dept, active), sum(salary) FROM emp GROUP BY ROLLUP (dept, active) ORDER BY grouping(dept, active), dept, active;

-- name: group_by_cube
-- order-keys: 1, 2, 3
SELECT grouping(dept, active) AS g, dept, active, count(*) FROM emp WHERE dept IN ('Sales', 'Marketing') GROUP BY CUBE (dept, active) ORDER BY 1, 2, 3;

-- name: grouping_sets
-- order-keys: 1, 2, 3
SELECT grouping(dept) AS gd, dept, extract(year FROM hired) AS year, count(*) FROM emp GROUP BY GROUPING SETS ((dept), (extract(year FROM hired)), ()) ORDER BY 1, 2, 3;

SELECT dept, count(*) FROM emp GROUP BY GROUPING SETS ((dept), ()) ORDER BY dept NULLS FIRST, count(*);

-- name: percentile_cont
SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY salary), percentile_cont(0.25) WITHIN GROUP (ORDER BY rating) FROM emp;

-- name: percentile_disc
SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY salary), percentile_disc(0.9) WITHIN GROUP (ORDER BY hired) FROM emp;

SELECT percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY floor) FROM dept;

SELECT dept, percentile_cont(0.5) WITHIN GROUP (ORDER BY salary) FROM emp GROUP BY dept ORDER BY dept;

-- name: mode_aggregate
SELECT mode() WITHIN GROUP (ORDER BY manager_id), mode() WITHIN GROUP (ORDER BY active) FROM emp;

-- name: array_agg_ordered
SELECT array_agg(name ORDER BY name) FROM emp;

SELECT dept, array_agg(id ORDER BY id) FROM emp GROUP BY dept ORDER BY dept;

SELECT array_agg(DISTINCT dept ORDER BY dept) FROM emp;

SELECT array_agg(bonus ORDER BY id) FROM emp;

SELECT array_agg(salary ORDER BY id) FILTER (WHERE salary < 60000) FROM emp;

-- name: json_agg_rows
SELECT json_agg(name ORDER BY id) FROM emp;

SELECT jsonb_agg(salary ORDER BY id) FROM emp WHERE dept = 'Sales';

SELECT json_agg(e ORDER BY e.id) FROM (SELECT id, name, active FROM emp WHERE id <= 3) AS e;

SELECT json_object_agg(name, salary ORDER BY name) FROM emp WHERE dept = 'Marketing';

SELECT jsonb_object_agg(name, floor) FROM dept;

SELECT dept, json_agg(json_build_object('name', name, 'hired', hired) ORDER BY id) FROM emp GROUP BY dept ORDER BY dept;

SELECT sum(DISTINCT salary), avg(DISTINCT salary), count(DISTINCT rating) FROM emp;

SELECT max(salary) - min(salary), max(hired) - min(hired), max(created) - min(created) FROM emp;

SELECT dept, max(name), min(name) FROM emp GROUP BY dept ORDER BY dept;

SELECT sum(bonus), sum(bonus::numeric) / count(bonus), avg(bonus)::int8 FROM emp;

SELECT sum(i8) FROM nums WHERE id IN (4, 6);

SELECT sum(i4) FROM nums WHERE id IN (4, 2);

SELECT corr(salary, rating), covar_pop(salary, bonus), regr_slope(salary, bonus) FROM emp WHERE rating < 100;

SELECT bit_and(floor), bit_or(floor), bit_xor(floor) FROM dept;

SELECT count(*) FROM (SELECT DISTINCT dept FROM emp) AS d;

SELECT DISTINCT dept FROM emp ORDER BY dept;

SELECT DISTINCT ON (dept) dept, name, salary FROM emp ORDER BY dept, salary DESC, id;

SELECT DISTINCT active, dept IS NULL FROM emp ORDER BY 1, 2;

SELECT dept, count(*) AS n FROM emp GROUP BY dept ORDER BY n DESC, dept LIMIT 3;

SELECT count(*) FROM emp e WHERE e.salary > (SELECT avg(salary) FROM emp);

SELECT avg(x), sum(x) FROM (VALUES (1), (2), (2)) AS t(x);

SELECT avg(x) FROM (VALUES (1.5), (2.25)) AS t(x);

SELECT avg(x), sum(x) FROM (VALUES (0.1::float8), (0.2::float8)) AS t(x);

SELECT sum(x) FROM (VALUES (2147483647), (1)) AS t(x);

SELECT avg(d - DATE '2000-01-01') FROM events;

SELECT avg(span) FROM (VALUES (INTERVAL '1 day'), (INTERVAL '2 hours')) AS t(span);

SELECT sum(span) FROM (VALUES (INTERVAL '1 day'), (INTERVAL '25 hours')) AS t(span);
