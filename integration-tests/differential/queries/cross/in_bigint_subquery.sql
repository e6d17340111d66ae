-- INTEGER IN (BIGINT subquery across backends).
select
    c_custkey,
    c_name
from
    customer
where
    c_custkey in (select pe_custkey from pg_extra);
