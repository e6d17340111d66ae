-- count(DISTINCT ...) of columns of both backends, grouped.
select
    c_mktsegment,
    count(distinct o_custkey) as customers,
    count(distinct o_orderstatus) as statuses,
    count(distinct c_nationkey) as nations
from
    customer
    join orders on o_custkey = c_custkey
group by
    c_mktsegment;
