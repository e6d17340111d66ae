-- GROUP BY / DISTINCT / count(DISTINCT) on labels that differ only in case, accents or a
-- trailing blank: each spelling is its own group (a case-insensitive, PAD SPACE collation
-- would merge them).
select 'group' as test, se_label as label, count(*) as n from side_extra group by se_label
union all
select 'distinct', l, 1 from (select distinct se_label as l from side_extra) as d
union all
select 'count distinct', null, count(distinct se_label) from side_extra;
