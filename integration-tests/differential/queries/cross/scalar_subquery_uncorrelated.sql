-- Uncorrelated scalar subqueries from the other side used as thresholds in PostgreSQL.
select
    count(*) as orders,
    sum(o_totalprice) as total
from
    orders
where
    o_totalprice > (select max(c_acctbal) * 30 from customer)
    and o_custkey <= (select count(*) from nation) * 10;
