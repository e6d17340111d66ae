-- Subqueries: scalar subqueries (correlated and not), EXISTS in the select list and WHERE,
-- IN and NOT IN with NULLs, ANY/ALL, derived tables, LATERAL with LIMIT.

-- name: scalar_subquery
SELECT name, salary - (SELECT avg(salary) FROM emp) AS above_average FROM emp ORDER BY id;

-- name: correlated_scalar
SELECT name, (SELECT d.floor FROM dept AS d WHERE d.name = e.dept) AS floor FROM emp AS e ORDER BY id;

SELECT name, (SELECT count(*) FROM emp AS r WHERE r.manager_id = e.id) AS reports FROM emp AS e ORDER BY id;

SELECT name, (SELECT m.name FROM emp AS m WHERE m.id = e.manager_id) AS manager FROM emp AS e ORDER BY id;

-- name: exists_in_select_list
SELECT name, EXISTS (SELECT 1 FROM emp AS e WHERE e.dept = d.name) AS staffed FROM dept AS d ORDER BY id;

SELECT name FROM dept AS d WHERE NOT EXISTS (SELECT 1 FROM emp AS e WHERE e.dept = d.name) ORDER BY name;

SELECT name FROM emp AS e WHERE EXISTS (SELECT 1 FROM emp AS r WHERE r.manager_id = e.id) ORDER BY name;

-- name: in_subquery
SELECT name FROM emp WHERE dept IN (SELECT name FROM dept WHERE floor = 2) ORDER BY id;

-- name: not_in_with_null
SELECT name FROM dept WHERE id NOT IN (SELECT manager_id FROM emp) ORDER BY id;

SELECT name FROM dept WHERE id NOT IN (SELECT manager_id FROM emp WHERE manager_id IS NOT NULL) ORDER BY id;

SELECT name FROM emp WHERE id IN (SELECT head_id FROM dept) ORDER BY id;

SELECT name, id IN (SELECT head_id FROM dept) AS is_head FROM emp ORDER BY id;

-- name: any_all
SELECT name FROM emp WHERE salary > ALL (SELECT salary FROM emp WHERE dept = 'Marketing') ORDER BY id;

SELECT name FROM emp WHERE salary = ANY (SELECT salary FROM emp WHERE dept = 'Sales') ORDER BY id;

SELECT name FROM emp WHERE salary > ANY (SELECT budget / 10 FROM dept) ORDER BY id;

SELECT 5 > ALL (SELECT 1 UNION SELECT NULL), 5 > ANY (SELECT 1 UNION SELECT NULL), 1 = ALL (SELECT 1 WHERE false);

SELECT name, salary FROM emp WHERE salary = (SELECT max(salary) FROM emp WHERE dept <> 'Engineering') ORDER BY id;

SELECT dept, avg_salary FROM (SELECT dept, avg(salary) AS avg_salary FROM emp GROUP BY dept) AS t WHERE avg_salary > 60000 ORDER BY dept;

SELECT * FROM (SELECT id, name FROM emp ORDER BY id DESC LIMIT 3) AS last3 ORDER BY id;

-- name: lateral_limit
SELECT d.name, top.name, top.salary FROM dept AS d CROSS JOIN LATERAL (SELECT name, salary FROM emp AS e WHERE e.dept = d.name ORDER BY salary DESC NULLS LAST, id LIMIT 2) AS top ORDER BY d.id, top.salary DESC, top.name;

SELECT d.name, x.n FROM dept AS d LEFT JOIN LATERAL (SELECT count(*) AS n FROM emp AS e WHERE e.dept = d.name) AS x ON true ORDER BY d.id;

SELECT e.name, g.n FROM emp AS e, LATERAL (SELECT e.id * 10 AS n) AS g WHERE e.id < 4 ORDER BY e.id;

SELECT name FROM emp WHERE (dept, active) IN (SELECT 'Sales', true) ORDER BY id;

SELECT (SELECT name FROM emp ORDER BY id LIMIT 1), (SELECT count(*) FROM dept), (SELECT max(d) FROM events);

SELECT (SELECT name FROM emp WHERE false) IS NULL;

SELECT name FROM emp AS e WHERE salary > (SELECT avg(salary) FROM emp AS x WHERE x.dept = e.dept) ORDER BY id;

SELECT d.name, (SELECT string_agg(e.name, ',' ORDER BY e.id) FROM emp AS e WHERE e.dept = d.name) FROM dept AS d ORDER BY d.id;

SELECT ARRAY(SELECT id FROM emp WHERE dept = 'Sales' ORDER BY id);

SELECT count(*) FROM emp WHERE EXISTS (SELECT 1);
