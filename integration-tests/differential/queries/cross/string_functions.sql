-- String functions on columns of both backends.
select
    c_custkey,
    substring(c_phone from 1 for 2) as country,
    length(c_name) as name_length,
    c_name || '/' || o_orderstatus as tagged,
    upper(substring(o_comment from 1 for 5)) as comment_start
from
    customer
    join orders on o_custkey = c_custkey
where
    c_custkey between 10 and 14;
