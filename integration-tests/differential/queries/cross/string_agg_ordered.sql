-- Ordered string aggregation over a join of both backends.
select
    r_name,
    string_agg(n_name, ',' order by n_name) as nations,
    count(*) as n
from
    region
    join nation on n_regionkey = r_regionkey
group by
    r_name;
