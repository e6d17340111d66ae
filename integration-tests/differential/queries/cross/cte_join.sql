-- A CTE aggregated in PostgreSQL joined with the other side, top 10 (c_custkey breaks ties).
with spend as (
    select o_custkey, sum(o_totalprice) as total, count(*) as orders
    from orders
    group by o_custkey
)
select
    c_custkey,
    c_name,
    total,
    orders
from
    spend
    join customer on c_custkey = o_custkey
order by
    total desc,
    c_custkey
limit 10;
