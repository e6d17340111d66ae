-- ORDER BY + LIMIT + OFFSET on a table of the other side.
select
    c_custkey,
    c_name,
    c_acctbal
from
    customer
order by
    c_acctbal,
    c_custkey
limit 10 offset 5;
