-- ORDER BY text with case differences and NULLs: byte order (collation C), NULLs last when
-- ascending and first when descending, as PostgreSQL does.
select 'asc' as dir, se_label, se_id from (
    select se_label, se_id from side_extra order by se_label, se_id limit 100
) as a
union all
select 'desc', se_label, se_id from (
    select se_label, se_id from side_extra order by se_label desc, se_id limit 100
) as d;
