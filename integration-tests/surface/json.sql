-- jsonb and json: literals and their normalised output, -> ->> #> #>>, containment and key
-- existence, jsonb_typeof, jsonb_array_elements, building and modifying documents,
-- row_to_json. Entries over `docs` run on PostgreSQL placements only.

-- name: jsonb_literal_normalised
SELECT '{"b": 1, "a": [1, 2.50, "x"], "a": null}'::jsonb;

SELECT '{"b":1,"a":2}'::json, '[1, 2, 3]'::jsonb, '"text"'::jsonb, 'null'::jsonb, '12.50'::jsonb;

SELECT '{"a": {"b": [10, 20]}}'::jsonb -> 'a' -> 'b' -> 1, '{"a": "x"}'::jsonb ->> 'a', '[1, 2]'::jsonb ->> 5;

SELECT '{"a": {"b": {"c": 42}}}'::jsonb #> '{a,b}', '{"a": {"b": {"c": 42}}}'::jsonb #>> '{a,b,c}';

SELECT '{"a": 1, "b": 2}'::jsonb @> '{"a": 1}', '{"a": 1}'::jsonb <@ '{"a": 1, "b": 2}', '{"a": 1}'::jsonb ? 'a', '{"a": 1}'::jsonb ?| ARRAY['x', 'a'], '{"a": 1}'::jsonb ?& ARRAY['a', 'b'];

SELECT jsonb_build_object('name', 'Ann', 'age', 30, 'tags', ARRAY['a', 'b'], 'none', NULL);

SELECT json_build_object('a', 1.50, 'b', true), json_build_array(1, 'two', NULL, 3.0), jsonb_build_array();

SELECT jsonb_set('{"a": 1, "b": {"c": 2}}', '{b,c}', '3'), jsonb_set('{"a": 1}', '{d}', '"new"'), jsonb_insert('[1, 3]', '{1}', '2');

SELECT '{"a": 1, "b": 2}'::jsonb - 'a', '[1, 2, 3]'::jsonb - 0, '{"a": 1}'::jsonb || '{"b": 2}', '{"a": {"b": 1}}'::jsonb #- '{a,b}';

SELECT jsonb_typeof('1'), jsonb_typeof('1.5'), jsonb_typeof('"s"'), jsonb_typeof('[]'), jsonb_typeof('{}'), jsonb_typeof('null'), jsonb_typeof('true');

SELECT jsonb_array_length('[1, [2, 3], null]'), json_array_length('[]'), jsonb_strip_nulls('{"a": null, "b": 1}');

SELECT value FROM jsonb_array_elements('[1, "two", {"three": 3}]') ORDER BY value::text;

SELECT x FROM jsonb_array_elements_text('["b", "a", null]') AS t(x) ORDER BY x;

SELECT key, value FROM jsonb_each('{"b": 2, "a": [1], "c": null}') ORDER BY key;

SELECT key, value FROM jsonb_each_text('{"b": 2, "a": "x"}') ORDER BY key;

SELECT jsonb_object_keys('{"b": 1, "a": 2, "c": {"d": 3}}') AS k ORDER BY k;

SELECT jsonb_pretty('{"a": [1, {"b": null}]}');

SELECT to_jsonb('text'::text), to_jsonb(1.50), to_json(DATE '2024-02-29'), to_jsonb(TIMESTAMP '2024-02-29 13:45:00.5'), to_jsonb(ARRAY[1, 2]);

SELECT jsonb_path_query_array('{"a": [1, 2, 3, 4]}', '$.a[*] ? (@ > 2)'), jsonb_path_exists('{"a": 1}', '$.a');

SELECT '{"a": 1}'::jsonb = '{"a": 1.0}'::jsonb, '[1, 2]'::jsonb = '[2, 1]'::jsonb, '{"a": 1, "b": 2}'::jsonb = '{"b": 2, "a": 1}'::jsonb;

-- name: row_to_json
SELECT row_to_json(e) FROM (SELECT id, name, salary, hired, active FROM emp WHERE id <= 3) AS e ORDER BY e.id;

SELECT row_to_json(t) FROM (SELECT 1 AS a, 'x' AS b, NULL AS c) AS t;

SELECT to_jsonb(d) FROM dept AS d ORDER BY id;

SELECT json_build_object('id', id, 'name', name, 'created', created) FROM emp ORDER BY id;

SELECT jsonb_build_object('n', n, 'f', f) FROM nums ORDER BY id;

-- tables: docs
SELECT id, body FROM docs ORDER BY id;

-- tables: docs
SELECT id, body -> 'name', body ->> 'name', body -> 'price', body ->> 'price' FROM docs ORDER BY id;

-- tables: docs
SELECT id, body #> '{dims,w}', body #>> '{nested,deep,x,1,y}', body -> 'tags' -> 0 FROM docs ORDER BY id;

-- tables: docs
SELECT id FROM docs WHERE body @> '{"active": true}' ORDER BY id;

-- tables: docs
SELECT id FROM docs WHERE body ? 'nested' ORDER BY id;

-- tables: docs
SELECT id, jsonb_typeof(body), jsonb_typeof(body -> 'price') FROM docs ORDER BY id;

-- tables: docs
SELECT d.id, t.value FROM docs AS d, jsonb_array_elements(d.body -> 'tags') AS t ORDER BY d.id, t.value::text;

-- tables: docs
SELECT id, (body ->> 'price')::numeric * 2 FROM docs WHERE body ->> 'price' IS NOT NULL ORDER BY id;

-- tables: docs
SELECT body ->> 'name' AS name, count(*) FROM docs GROUP BY 1 ORDER BY 1;

-- tables: docs
SELECT id, jsonb_set(body, '{price}', '0') FROM docs WHERE jsonb_typeof(body) = 'object' ORDER BY id;

-- tables: docs
SELECT id, body::text, body::json FROM docs ORDER BY id;

-- tables: docs
SELECT jsonb_agg(body ORDER BY id) FROM docs;

-- tables: docs
SELECT id, jsonb_build_object('id', id, 'tags', tags, 'at', at, 'span', span) FROM docs ORDER BY id;
