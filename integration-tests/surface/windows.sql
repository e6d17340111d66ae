-- Window functions: ranking, offsets, first/last/nth value, running aggregates with
-- PARTITION BY and ORDER BY, explicit frames (ROWS, RANGE, GROUPS, EXCLUDE), named windows.

-- name: row_number
SELECT name, row_number() OVER (ORDER BY id) FROM emp ORDER BY id;

SELECT name, dept, row_number() OVER (PARTITION BY dept ORDER BY salary DESC, id) FROM emp ORDER BY id;

-- name: rank_dense_rank
SELECT name, salary, rank() OVER (ORDER BY salary DESC NULLS LAST), dense_rank() OVER (ORDER BY salary DESC NULLS LAST) FROM emp ORDER BY id;

SELECT name, percent_rank() OVER (ORDER BY salary), cume_dist() OVER (ORDER BY salary) FROM emp ORDER BY id;

-- name: ntile
SELECT name, ntile(4) OVER (ORDER BY id), ntile(3) OVER (PARTITION BY active ORDER BY id) FROM emp ORDER BY id;

-- name: lag_lead
SELECT name, lag(name) OVER (ORDER BY id), lead(name) OVER (ORDER BY id) FROM emp ORDER BY id;

SELECT name, lag(salary, 2, 0) OVER (ORDER BY id), lead(salary, 1, -1) OVER (ORDER BY id) FROM emp ORDER BY id;

SELECT id, d, d - lag(d) OVER (ORDER BY id) AS days_since_previous FROM events ORDER BY id;

SELECT dept, name, salary - lag(salary) OVER (PARTITION BY dept ORDER BY id) FROM emp ORDER BY id;

-- name: first_last_nth_value
SELECT name, first_value(name) OVER w, last_value(name) OVER w, nth_value(name, 2) OVER w FROM emp WINDOW w AS (PARTITION BY dept ORDER BY id) ORDER BY id;

SELECT name, last_value(name) OVER (PARTITION BY dept ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM emp ORDER BY id;

SELECT name, nth_value(salary, 3) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) FROM emp ORDER BY id;

-- name: running_sum
SELECT name, sum(salary) OVER (PARTITION BY dept ORDER BY id) FROM emp ORDER BY id;

SELECT name, sum(salary) OVER (ORDER BY id) AS running, avg(salary) OVER (ORDER BY id) AS running_avg FROM emp ORDER BY id;

SELECT name, count(*) OVER (), count(*) OVER (PARTITION BY dept), sum(salary) OVER (PARTITION BY dept) FROM emp ORDER BY id;

SELECT name, salary, salary * 100 / sum(salary) OVER () AS pct FROM emp ORDER BY id;

SELECT name, sum(salary) OVER (ORDER BY salary) FROM emp ORDER BY id;

-- name: frame_rows
SELECT id, sum(i4::int8) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM nums ORDER BY id;

SELECT name, avg(rating) OVER (ORDER BY id ROWS 2 PRECEDING) FROM emp ORDER BY id;

SELECT name, min(salary) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING), max(salary) OVER (ORDER BY id ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING) FROM emp ORDER BY id;

-- name: frame_range
SELECT id, d, count(*) OVER (ORDER BY d RANGE BETWEEN INTERVAL '1 year' PRECEDING AND CURRENT ROW) FROM events ORDER BY id;

SELECT name, salary, sum(salary) OVER (ORDER BY salary RANGE BETWEEN 10000 PRECEDING AND 10000 FOLLOWING) FROM emp ORDER BY id;

SELECT name, count(*) OVER (ORDER BY salary GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM emp ORDER BY id;

SELECT id, sum(id) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM dept ORDER BY id;

SELECT name, array_agg(id) OVER (PARTITION BY dept ORDER BY id) FROM emp ORDER BY id;

SELECT name, string_agg(name, ',') OVER (PARTITION BY active ORDER BY id) FROM emp ORDER BY id;

SELECT name, row_number() OVER (ORDER BY name) FROM emp ORDER BY name;

SELECT * FROM (SELECT name, dept, salary, rank() OVER (PARTITION BY dept ORDER BY salary DESC) AS r FROM emp) AS ranked WHERE r = 1 ORDER BY dept, name;

SELECT dept, name, salary FROM (SELECT dept, name, salary, row_number() OVER (PARTITION BY dept ORDER BY salary DESC NULLS LAST, id) AS rn FROM emp) AS t WHERE rn <= 2 ORDER BY dept, rn;

SELECT name, count(*) FILTER (WHERE active) OVER (ORDER BY id) FROM emp ORDER BY id;

SELECT dept, sum(salary), rank() OVER (ORDER BY sum(salary) DESC) FROM emp GROUP BY dept ORDER BY dept;

SELECT id, w, row_number() OVER (ORDER BY w, id), lag(w) OVER (ORDER BY w, id) FROM words ORDER BY id;

SELECT id, ts, ts - lag(ts) OVER (ORDER BY ts) FROM events ORDER BY id;
