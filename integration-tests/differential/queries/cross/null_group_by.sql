-- GROUP BY a nullable key: NULLs form one group; joined with the other backend's counts.
select
    s.se_nationkey,
    s.n as side_rows,
    p.n as pg_rows
from
    (select se_nationkey, count(*) as n from side_extra group by se_nationkey) as s
    left join (select pe_nationkey, count(*) as n from pg_extra group by pe_nationkey) as p
        on p.pe_nationkey = s.se_nationkey;
