-- Date functions and arithmetic on PostgreSQL dates grouped with the other side's names:
-- extract, date_trunc (a timestamp in PostgreSQL), date + integer, date - date.
select
    n_name,
    extract(year from o_orderdate) as y,
    date_trunc('month', o_orderdate) as m,
    min(o_orderdate + 30) as plus_30_days,
    max(date '1999-01-01' - o_orderdate) as days_to_1999,
    count(*) as orders
from
    orders
    join customer on c_custkey = o_custkey
    join nation on n_nationkey = c_nationkey
where
    n_regionkey = 0
    and o_orderdate < date '1992-06-01'
group by
    n_name,
    extract(year from o_orderdate),
    date_trunc('month', o_orderdate);
