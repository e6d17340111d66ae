-- LIKE on the other side's part names with a pushed date range in PostgreSQL.
select
    p_type,
    count(*) as lines,
    sum(l_extendedprice * (1 - l_discount)) as revenue
from
    lineitem
    join part on p_partkey = l_partkey
where
    p_type like 'PROMO%'
    and p_container like 'SM%'
    and l_shipdate >= date '1995-01-01'
    and l_shipdate < date '1995-07-01'
group by
    p_type;
