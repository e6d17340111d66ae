-- DISTINCT over a join of both backends.
select distinct
    c_mktsegment,
    o_orderstatus
from
    customer
    join orders on o_custkey = c_custkey
where
    o_orderdate < date '1995-06-01';
