-- Aggregates over NULLs on both sides.
select
    'side' as t,
    count(*) as n,
    count(se_amount) as amounts,
    sum(se_amount) as total,
    avg(se_amount) as average,
    min(se_label) as lo,
    max(se_label) as hi,
    min(se_day) as first_day
from
    side_extra
union all
select
    'pg',
    count(*),
    count(pe_amount),
    sum(pe_amount),
    avg(pe_amount),
    min(pe_tag),
    max(pe_tag),
    min(pe_day)
from
    pg_extra;
