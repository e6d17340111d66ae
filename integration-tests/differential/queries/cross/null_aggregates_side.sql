-- Aggregates over NULLs of the other side's extra table alone.
select
    count(*) as n,
    count(se_amount) as amounts,
    sum(se_amount) as total,
    min(se_amount) as lo_amount,
    max(se_amount) as hi_amount,
    min(se_label) as lo,
    max(se_label) as hi,
    min(se_day) as first_day,
    max(se_day) as last_day,
    count(distinct se_nationkey) as nations
from
    side_extra;
