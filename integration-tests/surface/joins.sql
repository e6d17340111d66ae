-- Joins: inner, left, right, full, cross, USING, NATURAL, self joins, joins on expressions
-- and on text that differs in case or trailing spaces, anti and semi joins written as joins.

-- name: inner_join
SELECT e.name, d.floor FROM emp AS e JOIN dept AS d ON d.name = e.dept ORDER BY e.id;

-- name: left_join
SELECT e.name, d.name AS dept_name, d.budget FROM emp AS e LEFT JOIN dept AS d ON d.name = e.dept ORDER BY e.id;

-- name: right_join
SELECT e.name, d.name FROM emp AS e RIGHT JOIN dept AS d ON d.name = e.dept ORDER BY d.id, e.id;

-- name: full_join
SELECT e.name, e.dept, d.name FROM emp AS e FULL JOIN dept AS d ON d.name = e.dept ORDER BY e.id, d.id;

SELECT count(*), count(e.id), count(d.id) FROM emp AS e FULL OUTER JOIN dept AS d ON d.name = e.dept;

-- name: join_using
SELECT id, e.name, d.name FROM emp AS e JOIN dept AS d USING (id) ORDER BY id;

SELECT * FROM emp JOIN dept USING (id, name) ORDER BY id;

-- name: natural_join
SELECT * FROM emp NATURAL JOIN dept ORDER BY id;

SELECT id, name FROM (SELECT id, name FROM emp) AS a NATURAL JOIN (SELECT id, name FROM dept) AS b;

-- name: self_join
SELECT e.name, m.name AS manager FROM emp AS e LEFT JOIN emp AS m ON m.id = e.manager_id ORDER BY e.id;

SELECT m.name, count(*) FROM emp AS e JOIN emp AS m ON m.id = e.manager_id GROUP BY m.name ORDER BY m.name;

SELECT a.name, b.name FROM emp AS a JOIN emp AS b ON a.salary = b.salary AND a.id < b.id ORDER BY a.id, b.id;

-- name: cross_join
SELECT d.name, b.flag FROM dept AS d CROSS JOIN (VALUES (true), (false)) AS b(flag) ORDER BY d.id, b.flag;

SELECT count(*) FROM emp, dept;

SELECT e.name, d.name FROM emp AS e, dept AS d WHERE d.head_id = e.id ORDER BY e.id;

SELECT e.name, d.name FROM emp AS e JOIN dept AS d ON lower(d.name) = lower(trim(e.dept)) ORDER BY e.id;

SELECT e.name, d.name FROM emp AS e JOIN dept AS d ON e.hired >= d.opened AND d.id = 1 ORDER BY e.id;

SELECT e.name FROM emp AS e LEFT JOIN dept AS d ON d.name = e.dept WHERE d.id IS NULL ORDER BY e.id;

SELECT d.name, count(e.id), coalesce(sum(e.salary), 0) FROM dept AS d LEFT JOIN emp AS e ON e.dept = d.name GROUP BY d.name ORDER BY d.name;

SELECT e.name, d.name FROM emp AS e LEFT JOIN dept AS d ON d.name = e.dept AND d.floor > 2 ORDER BY e.id;

SELECT e.name, d.name FROM emp AS e JOIN dept AS d ON d.name = e.dept JOIN emp AS h ON h.id = d.head_id WHERE h.active ORDER BY e.id;

SELECT w1.id, w2.id FROM words AS w1 JOIN words AS w2 ON w1.w = w2.w AND w1.id <> w2.id ORDER BY 1, 2;

SELECT w1.id, w2.id FROM words AS w1 JOIN words AS w2 ON lower(w1.w) = lower(w2.w) AND w1.id < w2.id ORDER BY 1, 2;

SELECT n.id, e.id FROM nums AS n JOIN events AS e ON e.id = n.id WHERE n.i4 > 0 ORDER BY n.id;

SELECT e.name, ev.label FROM emp AS e JOIN events AS ev ON ev.d = e.hired ORDER BY e.id;

SELECT * FROM dept AS d1 JOIN dept AS d2 ON d1.floor = d2.floor AND d1.id < d2.id;

SELECT e.* FROM emp AS e JOIN dept AS d ON d.head_id = e.id ORDER BY e.id;

SELECT d.*, e.name FROM dept AS d LEFT JOIN emp AS e ON e.id = d.head_id ORDER BY d.id;
