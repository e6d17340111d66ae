-- Strings: concatenation, lengths, case, searching and slicing, padding and trimming,
-- formatting, pattern matching (LIKE, SIMILAR TO, POSIX regular expressions), string_agg,
-- quoting, and ORDER BY over the trap texts (case, accents, spaces, NULL).

-- name: concat_operator
SELECT 'abc' || 'def', 'a' || 1, 1 || 'a', 'x' || NULL;

SELECT name || ' (' || dept || ')' FROM emp ORDER BY id;

SELECT name || ' earns ' || salary FROM emp ORDER BY id;

SELECT concat('a', 1, NULL, 2.50, true), concat_ws('-', 'a', NULL, 'b', 3);

SELECT concat(name, '/', dept), concat_ws(', ', name, dept, bonus) FROM emp ORDER BY id;

SELECT length('héllo'), char_length('héllo'), octet_length('héllo'), bit_length('abc');

SELECT id, w, length(w), octet_length(w) FROM words ORDER BY id;

SELECT length(''), length(NULL::text), length('  '), character_length('日本語');

SELECT upper('straße'), lower('ÉCOLE'), initcap('hello wORLD-foo bar_baz');

SELECT id, upper(w), lower(w) FROM words ORDER BY id;

SELECT initcap(name), initcap(dept) FROM emp ORDER BY id;

SELECT substring('PostgreSQL', 5), substring('PostgreSQL', 1, 4), substring('PostgreSQL' FROM 2 FOR 3);

SELECT substr('hello', 0, 3), substr('hello', -1, 3), substr('hello', 4, 100), substr('hello', 2);

-- name: substring_regex
SELECT substring('order 12345 shipped' FROM '[0-9]+'), substring('abc' FROM 'x(y)');

SELECT substring('foobar' FROM 'o(.)b'), substring('Thomas' SIMILAR '%#"o_a#"_' ESCAPE '#');

SELECT name, substring(name FROM 1 FOR 3) FROM emp ORDER BY id;

SELECT position('gre' IN 'PostgreSQL'), position('x' IN 'abc'), strpos('hello', 'l'), strpos('hello', '');

SELECT id, w, position('p' IN w), strpos(lower(w), 'a') FROM words ORDER BY id;

SELECT replace('abcabc', 'b', 'XY'), replace('aaa', 'a', ''), replace('abc', '', 'x');

SELECT translate('12345', '143', 'ax'), translate('hello', 'el', 'ip');

SELECT trim('  both  '), ltrim('  left  '), rtrim('  right  '), btrim('xxabcxx', 'x');

SELECT trim(BOTH 'x' FROM 'xxabcxx'), trim(LEADING '0' FROM '000120'), trim(TRAILING '.' FROM 'end...');

SELECT id, '[' || trim(w) || ']', '[' || rtrim(w) || ']' FROM words ORDER BY id;

SELECT lpad('42', 5, '0'), rpad('ab', 5, 'xy'), lpad('toolong', 3), rpad('', 2), lpad('x', 4);

SELECT name, lpad(name, 8, '.'), rpad(name, 8, '*') FROM emp ORDER BY id;

SELECT left('hello', 2), right('hello', 2), left('hello', -2), right('hello', -2), left('日本語', 1);

SELECT split_part('a,b,,c', ',', 3), split_part('a,b,c', ',', 4), split_part('a.b.c', '.', -1);

SELECT id, split_part(label, ' ', 1), split_part(label, ' ', 2) FROM events ORDER BY id;

SELECT repeat('ab', 3), repeat('x', 0), repeat('x', -1), lpad('x', -5), reverse('hello'), reverse('日本語');

SELECT md5('hello'), md5(''), md5(name) FROM emp WHERE id = 1;

SELECT format('%s is %s years', 'Ann', 30), format('%I.%I', 'my table', 'col'), format('%L', 'O''Brien');

SELECT format('%5s|%-5s|', 'ab', 'cd'), format('%2$s %1$s', 'world', 'hello'), format('%s', NULL);

SELECT format('%s has salary %s', name, salary) FROM emp ORDER BY id;

SELECT quote_ident('users'), quote_ident('My Table'), quote_ident('select'), quote_literal('it''s'), quote_literal(42), quote_nullable(NULL);

SELECT ascii('A'), chr(65), chr(233), ascii('é');

SELECT to_hex(255), to_hex(-1), to_hex(4294967296);

SELECT starts_with('PostgreSQL', 'Post'), 'abc' ^@ 'ab';

SELECT overlay('Txxxxas' PLACING 'hom' FROM 2 FOR 4), overlay('abcdef' PLACING 'XY' FROM 3);

SELECT id, w FROM words WHERE w LIKE 'a%' ORDER BY id;

SELECT id, w FROM words WHERE w ILIKE 'a%' ORDER BY id;

SELECT id, w FROM words WHERE w LIKE '%e' ORDER BY id;

SELECT id, w FROM words WHERE w LIKE '_pple' ORDER BY id;

SELECT id, w FROM words WHERE w NOT LIKE '%a%' ORDER BY id;

SELECT id, w FROM words WHERE w LIKE '%\%%' ORDER BY id;

SELECT id, w FROM words WHERE w LIKE 'a\_b' ORDER BY id;

SELECT id, w FROM words WHERE w LIKE 'a!_%' ESCAPE '!' ORDER BY id;

SELECT id, w FROM words WHERE w ILIKE '%PFEL' ORDER BY id;

SELECT 'abc' LIKE 'ABC', 'abc' ILIKE 'ABC', 'abc' LIKE 'a%', 'abc' ~~ 'a_c', 'abc' ~~* 'A%';

SELECT 'abc' SIMILAR TO 'a(b|x)c', 'abc' SIMILAR TO '%(b|d)%', 'abd' NOT SIMILAR TO 'a[bc]d';

SELECT id, w FROM words WHERE w SIMILAR TO '[0-9]+' ORDER BY id;

SELECT id, w FROM words WHERE w ~ '^[A-Z]' ORDER BY id;

SELECT id, w FROM words WHERE w ~* '^a' ORDER BY id;

SELECT id, w FROM words WHERE w !~ '[a-z]' ORDER BY id;

SELECT id, w FROM words WHERE w !~* 'e' ORDER BY id;

SELECT 'foo123' ~ '\d+', 'foo' ~ '^f.o$', 'FOO' ~* 'foo', 'a.c' ~ 'a\.c';

SELECT regexp_replace('Thomas', '.[mN]a.', 'M'), regexp_replace('aaa', 'a', 'b'), regexp_replace('aaa', 'a', 'b', 'g');

SELECT regexp_replace('John Smith', '(\w+) (\w+)', '\2, \1'), regexp_replace('a1b22c333', '\d+', '#', 'g');

SELECT name, regexp_replace(name, '[aeiou]', '*', 'gi') FROM emp ORDER BY id;

SELECT regexp_match('foobarbequebaz', 'bar.*que'), regexp_match('abc', 'x'), regexp_match('2024-02-29', '(\d+)-(\d+)-(\d+)');

SELECT (regexp_match('key=value', '(\w+)=(\w+)'))[2];

SELECT regexp_matches('a1b2c3', '[a-z]\d', 'g') ORDER BY 1;

SELECT regexp_split_to_array('a, b,c', ',\s*'), regexp_split_to_table('x y  z', '\s+') ORDER BY 2;

SELECT regexp_count('banana', 'an'), regexp_instr('banana', 'an', 1, 2), regexp_like('Apple', '^a', 'i'), regexp_substr('abc123def', '\d+');

SELECT string_agg(name, ', ' ORDER BY name) FROM emp;

SELECT dept, string_agg(name, '; ' ORDER BY id) FROM emp GROUP BY dept ORDER BY dept;

SELECT string_agg(w, '|' ORDER BY id) FROM words WHERE id < 6;

SELECT string_agg(DISTINCT dept, ',' ORDER BY dept) FROM emp;

SELECT string_agg(name, ',') FROM emp WHERE false;

-- name: order_by_text_collation
SELECT id, w FROM words ORDER BY w, id;

SELECT id, w FROM words ORDER BY w DESC, id;

SELECT id, w FROM words ORDER BY w NULLS FIRST, id;

SELECT id, w FROM words ORDER BY lower(w), id;

SELECT id, w FROM words ORDER BY w COLLATE "C", id;

SELECT name FROM emp ORDER BY name;

SELECT dept, count(*) FROM emp GROUP BY dept ORDER BY dept NULLS FIRST;

SELECT min(w), max(w) FROM words;

SELECT min(name), max(name) FROM emp;

SELECT id, w, w < 'apple', w = 'apple', w > 'Zebra' FROM words ORDER BY id;

SELECT 'a' < 'B', 'a' < 'b', 'Z' < 'a', 'é' > 'f', 'apple ' > 'apple';

SELECT id, w FROM words WHERE w BETWEEN 'a' AND 'b' ORDER BY id;

SELECT id, w FROM words WHERE w IN ('apple', 'APPLE', 'Apple ') ORDER BY id;

SELECT count(DISTINCT w), count(DISTINCT lower(w)), count(DISTINCT trim(w)) FROM words;

SELECT dept FROM emp GROUP BY dept ORDER BY dept;

SELECT lower(dept), count(*) FROM emp GROUP BY lower(dept) ORDER BY 1;

SELECT name FROM emp WHERE name = 'carol';

SELECT name FROM emp WHERE name = 'carol ';

SELECT name FROM emp WHERE dept = 'Engineering' ORDER BY name;

SELECT name, dept FROM emp WHERE upper(dept) = 'SUPPORT' ORDER BY id;

SELECT 'abc'::varchar(2), 'abc'::char(5) || '|', length('ab '::char(5)), 'ab'::char(3) = 'ab';

SELECT to_char(12, 'FM00') || '-' || lpad(3::text, 2, '0');

SELECT encode('hello'::bytea, 'base64'), encode('hello'::bytea, 'hex'), convert_to('é', 'UTF8');

SELECT decode('aGVsbG8=', 'base64'), decode('68656c6c6f', 'hex');

SELECT string_to_array('a,b,,c', ','), string_to_array('a b c', ' ', 'b'), array_to_string(ARRAY['a', NULL, 'c'], '-', '*');

SELECT unistr('\0041\00e9'), E'tab\there', E'new\\nline', 'it''s', $$dollar 'quoted'$$;

SELECT normalize('é'), 'é' IS NFC NORMALIZED;
