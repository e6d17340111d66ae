-- Window functions of each supported kind over one table: ranking with unique order keys,
-- partition-wide and running aggregates, string partition and order keys.
select
    c_custkey,
    c_mktsegment,
    row_number() over (partition by c_nationkey order by c_custkey) as rn,
    dense_rank() over (order by c_mktsegment) as segment_rank,
    rank() over (partition by c_mktsegment order by c_nationkey desc) as nation_rank,
    count(*) over (partition by c_mktsegment) as in_segment,
    sum(c_acctbal) over (partition by c_nationkey) as nation_balance,
    sum(c_acctbal) over (partition by c_nationkey order by c_custkey) as running_balance,
    min(c_acctbal) over (partition by c_mktsegment) as segment_min,
    avg(c_nationkey) over (partition by c_mktsegment) as segment_avg_nation
from
    customer
where
    c_custkey <= 300;
