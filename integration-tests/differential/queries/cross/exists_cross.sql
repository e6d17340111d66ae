-- Correlated EXISTS: suppliers (other side) with a scarce partsupp row (PostgreSQL).
select
    s_suppkey,
    s_name
from
    supplier
where
    exists (
        select 1 from partsupp where ps_suppkey = s_suppkey and ps_availqty < 100
    );
