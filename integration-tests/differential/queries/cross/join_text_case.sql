-- Join on text across backends: 'alpha' = 'ALPHA' is false, 'beta' = 'beta ' is false,
-- 'uber' = 'über' is false (PostgreSQL compares bytes here, MariaDB's default collation not).
select
    pe_id,
    se_id,
    pe_tag,
    se_label
from
    pg_extra
    join side_extra on pe_tag = se_label;
