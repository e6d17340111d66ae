-- Explicit NULLS FIRST / NULLS LAST, ORDER BY an ordinal and an expression, over a join of
-- both extra tables.
select
    pe_id,
    se_label,
    pe_amount
from
    pg_extra
    left join side_extra on se_custkey = pe_custkey
order by
    pe_amount nulls first,
    2 desc nulls last,
    pe_id;
