-- NOT IN over a subquery that yields a NULL: no row qualifies (three-valued logic);
-- without the NULL the rows without a match do.
select 'with null' as variant, se_id
from side_extra
where se_custkey not in (select pe_custkey from pg_extra)
union all
select 'without null', se_id
from side_extra
where se_custkey not in (select pe_custkey from pg_extra where pe_custkey is not null);
