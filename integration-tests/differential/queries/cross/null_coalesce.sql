-- COALESCE, IS NULL / IS NOT NULL and the empty string (pg_extra 6) across backends.
select
    pe_id,
    coalesce(pe_tag, se_label, '?') as label,
    pe_tag is null as pe_null,
    se_label is null as se_null,
    pe_tag = '' as pe_empty,
    coalesce(pe_amount, se_amount) as amount
from
    pg_extra
    left join side_extra on se_id = pe_id;
