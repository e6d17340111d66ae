-- Set operations: UNION, UNION ALL, INTERSECT, EXCEPT and their ALL forms, with NULLs,
-- text that differs in case or trailing spaces, mixed types, ORDER BY and LIMIT on the whole.

-- name: union_distinct
SELECT dept FROM emp UNION SELECT name FROM dept ORDER BY 1;

-- name: union_all_keeps_duplicates
SELECT dept FROM emp UNION ALL SELECT name FROM dept ORDER BY 1;

SELECT 1 AS x UNION SELECT 2 UNION SELECT 1 ORDER BY x;

SELECT 1 UNION ALL SELECT 1.5 UNION ALL SELECT NULL ORDER BY 1;

SELECT 'a' AS v UNION SELECT 'a ' UNION SELECT 'A' ORDER BY v;

SELECT NULL::int UNION SELECT NULL::int;

-- name: intersect_distinct
SELECT dept FROM emp INTERSECT SELECT name FROM dept ORDER BY 1;

-- name: intersect_all
SELECT manager_id FROM emp INTERSECT ALL SELECT head_id FROM dept ORDER BY 1;

-- name: except_distinct
SELECT name FROM dept EXCEPT SELECT dept FROM emp ORDER BY 1;

-- name: except_all
SELECT dept FROM emp EXCEPT ALL SELECT name FROM dept ORDER BY 1;

SELECT dept FROM emp EXCEPT SELECT name FROM dept;

SELECT id FROM emp WHERE active UNION SELECT id FROM emp WHERE rating > 4 ORDER BY id DESC LIMIT 5;

SELECT hired AS day FROM emp UNION SELECT d FROM events ORDER BY day NULLS FIRST;

SELECT name, 'emp' AS source FROM emp WHERE dept = 'Legal' UNION ALL SELECT name, 'dept' FROM dept WHERE name = 'Legal' ORDER BY source;

(SELECT id FROM emp ORDER BY id LIMIT 2) UNION ALL (SELECT id FROM dept ORDER BY id DESC LIMIT 2) ORDER BY 1;

SELECT w FROM words INTERSECT SELECT lower(w) FROM words ORDER BY 1;

SELECT id, w FROM words EXCEPT SELECT id, w FROM words WHERE w ILIKE '%apple%' ORDER BY id;

SELECT count(*) FROM (SELECT dept FROM emp UNION SELECT name FROM dept) AS u;

SELECT x FROM (VALUES (1), (2), (2), (NULL)) AS a(x) INTERSECT ALL SELECT x FROM (VALUES (2), (2), (NULL), (NULL)) AS b(x) ORDER BY 1;

SELECT x FROM (VALUES (1), (2), (2), (NULL)) AS a(x) EXCEPT ALL SELECT x FROM (VALUES (2), (NULL)) AS b(x) ORDER BY 1;

SELECT 1 UNION SELECT 2 INTERSECT SELECT 2 ORDER BY 1;
