-- Arrays: literals and output, array_length and cardinality (of empty arrays too),
-- subscripts and slices, && and @> <@, ANY(array), unnest, array functions. Entries over
-- `docs` run on PostgreSQL placements only.

-- name: array_length_of_empty
SELECT array_length('{}'::int[], 1), cardinality('{}'::int[]), array_length(ARRAY[1, 2, 3], 1), cardinality(ARRAY[[1, 2], [3, 4]]);

SELECT ARRAY[1, 2] || 3, 0 || ARRAY[1, 2], ARRAY[1] || ARRAY[2, 3], array_append(ARRAY['a'], 'b'), array_prepend(0, ARRAY[1]);

SELECT (ARRAY[10, 20, 30])[2], (ARRAY[10, 20, 30])[5], (ARRAY[10, 20, 30])[2:3], (ARRAY[10, 20, 30])[:2];

SELECT ARRAY[1, 2] && ARRAY[2, 3], ARRAY[1, 2, 3] @> ARRAY[2, 1], ARRAY[1] <@ ARRAY[1, 2], ARRAY[1, 2] = ARRAY[1, 2], ARRAY[1, 2] < ARRAY[1, 3];

SELECT 2 = ANY (ARRAY[1, 2, 3]), 5 = ANY (ARRAY[1, NULL]), 5 <> ALL (ARRAY[1, 2]), 'b' = ANY ('{a,b}'::text[]);

SELECT array_position(ARRAY['a', 'b', 'c'], 'b'), array_positions(ARRAY[1, 2, 1], 1), array_remove(ARRAY[1, 2, 1], 1), array_replace(ARRAY[1, 2, 1], 1, 9);

SELECT array_to_string(ARRAY[1, NULL, 3], ','), array_to_string(ARRAY[1, NULL, 3], ',', 'NULL'), array_cat(ARRAY[1], ARRAY[2]);

SELECT array_dims(ARRAY[[1, 2, 3], [4, 5, 6]]), array_lower(ARRAY[1, 2], 1), array_upper(ARRAY[1, 2], 1), array_ndims(ARRAY[[1]]);

SELECT array_fill(7, ARRAY[3]), trim_array(ARRAY[1, 2, 3], 1), ARRAY['a b', 'c,d', NULL, '', 'e"f'];

SELECT x FROM unnest('{3,1,NULL,2}'::int[]) AS t(x) ORDER BY x;

SELECT unnest(ARRAY[1, 2]), unnest(ARRAY['a', 'b', 'c']);

SELECT id FROM emp WHERE id = ANY (ARRAY[2, 4, 6]) ORDER BY id;

SELECT name FROM emp WHERE dept = ANY (ARRAY['Sales', 'Legal']) ORDER BY id;

SELECT name FROM emp WHERE NOT (id = ANY (ARRAY[1, 2, 3])) AND id < 6 ORDER BY id;

SELECT array_agg(name ORDER BY id) && ARRAY['bob', 'nobody'] FROM emp;

SELECT dept, (array_agg(name ORDER BY salary DESC NULLS LAST, id))[1] AS top_earner FROM emp GROUP BY dept ORDER BY dept;

-- tables: docs
SELECT id, tags, scores FROM docs ORDER BY id;

-- tables: docs
SELECT id, array_length(tags, 1), cardinality(tags), array_length(scores, 1), cardinality(scores) FROM docs ORDER BY id;

-- tables: docs
SELECT id, tags[1], tags[2], scores[1], scores[2:3] FROM docs ORDER BY id;

-- tables: docs
SELECT id FROM docs WHERE tags && ARRAY['red', 'solo'] ORDER BY id;

-- tables: docs
SELECT id FROM docs WHERE scores @> ARRAY[1] ORDER BY id;

-- tables: docs
SELECT id FROM docs WHERE 'green' = ANY (tags) ORDER BY id;

-- tables: docs
SELECT id FROM docs WHERE 7 = ANY (scores) OR -5 = ANY (scores) ORDER BY id;

-- tables: docs
SELECT d.id, t.tag FROM docs AS d CROSS JOIN LATERAL unnest(d.tags) AS t(tag) ORDER BY d.id, t.tag;

-- tables: docs
SELECT d.id, s.v, s.i FROM docs AS d, unnest(d.scores) WITH ORDINALITY AS s(v, i) ORDER BY d.id, s.i;

-- tables: docs
SELECT id, array_to_string(tags, '|', '?'), array_append(scores, 0) FROM docs ORDER BY id;

-- tables: docs
SELECT sum(s) FROM docs, unnest(scores) AS s;

-- tables: docs
SELECT tag, count(*) FROM docs, unnest(tags) AS tag GROUP BY tag ORDER BY tag NULLS FIRST;

-- tables: docs
SELECT id, tags::text, scores::text FROM docs ORDER BY id;
