-- TPC-H Q17 with other substitution parameters (BRAND Brand#23, CONTAINER MED BAG): at
-- SF 0.01 the validation parameters select no row (the result is NULL).
select
    sum(l_extendedprice) / 7.0 as avg_yearly
from
    lineitem,
    part
where
    p_partkey = l_partkey
    and p_brand = 'Brand#23'
    and p_container = 'MED BAG'
    and l_quantity < (
        select
            0.2 * avg(l_quantity)
        from
            lineitem
        where
            l_partkey = p_partkey
    );
