-- ORDER BY + LIMIT over a join of both backends (o_orderkey breaks ties).
select
    o_orderkey,
    o_totalprice,
    c_name
from
    orders
    join customer on c_custkey = o_custkey
where
    c_mktsegment = 'MACHINERY'
order by
    o_totalprice desc,
    o_orderkey
limit 15;
