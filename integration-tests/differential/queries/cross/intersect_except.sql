-- INTERSECT and EXCEPT across backends.
select 'intersect' as op, k from (
    select c_custkey as k from customer where c_nationkey = 1
    intersect
    select o_custkey from orders where o_orderstatus = 'F'
) as i
union all
select 'except', k from (
    select c_custkey as k from customer where c_nationkey = 1
    except
    select o_custkey from orders
) as e;
