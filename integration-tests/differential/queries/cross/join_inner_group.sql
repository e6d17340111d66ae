-- Inner join across backends (orders in PostgreSQL, customer on the other side), grouped.
select
    c_mktsegment,
    count(*) as orders,
    sum(o_totalprice) as total
from
    orders
    join customer on c_custkey = o_custkey
where
    o_orderdate >= date '1996-01-01'
group by
    c_mktsegment;
