-- Join on a nullable DATE across backends.
select
    pe_id,
    se_id,
    pe_day
from
    pg_extra
    join side_extra on pe_day = se_day;
