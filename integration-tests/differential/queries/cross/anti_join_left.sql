-- Anti join written as LEFT JOIN ... WHERE right IS NULL, across backends, plus a HAVING
-- without GROUP BY over the result.
select
    c_nationkey,
    count(*) as customers_without_orders
from
    customer
    left join orders on o_custkey = c_custkey
where
    o_orderkey is null
group by
    c_nationkey
having
    count(*) >= 2;
