-- A lower-case literal against upper-case data on the other side: no row in PostgreSQL.
select
    count(*) as n
from
    customer
where
    c_mktsegment = 'building';
