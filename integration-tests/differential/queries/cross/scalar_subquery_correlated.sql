-- Correlated scalar subquery in the select list, across backends.
select
    c_custkey,
    c_acctbal,
    (select count(*) from orders where o_custkey = c_custkey) as orders,
    (select max(o_totalprice) from orders where o_custkey = c_custkey) as biggest
from
    customer
where
    c_custkey <= 25;
