-- Window functions over a join of both backends.
select
    n_name,
    c_custkey,
    c_acctbal,
    r
from (
    select
        n_name,
        c_custkey,
        c_acctbal,
        rank() over (partition by n_name order by c_acctbal desc, c_custkey) as r
    from
        customer
        join nation on n_nationkey = c_nationkey
        join orders on o_custkey = c_custkey
    where
        o_orderdate >= date '1998-06-01'
) as ranked
where
    r <= 2;
