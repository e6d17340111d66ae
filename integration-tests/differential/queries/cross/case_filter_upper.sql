-- The same filter with the stored case.
select
    count(*) as n
from
    customer
where
    c_mktsegment = 'BUILDING';
