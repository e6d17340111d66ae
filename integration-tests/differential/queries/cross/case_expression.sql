-- CASE buckets over values of both backends.
select
    case
        when c_acctbal < 0 then 'negative'
        when c_acctbal < 5000 then 'low'
        else 'high'
    end as bucket,
    o_orderpriority,
    count(*) as orders,
    sum(o_totalprice) as total
from
    orders
    join customer on c_custkey = o_custkey
group by
    1,
    2;
