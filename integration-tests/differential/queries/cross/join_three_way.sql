-- Three-way join: lineitem (PostgreSQL) with part and supplier (other side), string filters
-- on both sides.
select
    s_name,
    p_name,
    count(*) as lines,
    sum(l_quantity) as qty
from
    lineitem
    join part on p_partkey = l_partkey
    join supplier on s_suppkey = l_suppkey
where
    p_name like '%green%'
    and s_name like 'Supplier#00000001%'
    and l_shipmode = 'AIR'
group by
    s_name,
    p_name;
