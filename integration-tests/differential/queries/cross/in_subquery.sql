-- IN (subquery on the other side).
select
    o_orderkey,
    o_orderdate,
    o_totalprice
from
    orders
where
    o_custkey in (
        select c_custkey from customer where c_mktsegment = 'AUTOMOBILE' and c_nationkey = 3
    )
    and o_orderdate < date '1993-01-01';
