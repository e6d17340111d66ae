-- GROUP BY with HAVING over a join of both backends.
select
    n_name,
    count(*) as orders,
    sum(o_totalprice) as total,
    min(o_orderdate) as first_order
from
    orders
    join customer on c_custkey = o_custkey
    join nation on n_nationkey = c_nationkey
group by
    n_name
having
    count(*) > 600;
