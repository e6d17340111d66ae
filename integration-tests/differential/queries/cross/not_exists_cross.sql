-- Correlated NOT EXISTS: customers (other side) without orders (PostgreSQL).
select
    c_custkey,
    c_nationkey
from
    customer
where
    c_nationkey < 4
    and not exists (select 1 from orders where o_custkey = c_custkey);
