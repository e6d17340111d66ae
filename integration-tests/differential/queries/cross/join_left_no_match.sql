-- Left join from the other side to PostgreSQL: customers without a matching order keep
-- NULL order columns (count(o_orderkey) = 0).
select
    c_custkey,
    c_name,
    count(o_orderkey) as orders,
    max(o_orderdate) as last_order
from
    customer
    left join orders on o_custkey = c_custkey and o_orderdate >= date '1998-01-01'
where
    c_nationkey = 5
group by
    c_custkey,
    c_name;
