-- UNION (distinct) of nullable keys from both backends: one NULL row survives.
select se_nationkey as k from side_extra
union
select pe_nationkey from pg_extra
union
select n_nationkey from nation where n_regionkey = 4;
