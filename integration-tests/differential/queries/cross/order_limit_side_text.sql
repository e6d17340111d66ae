-- ORDER BY text + LIMIT on the other side's table alone (byte order: upper case first).
select
    se_id,
    se_label
from
    side_extra
where
    se_label is not null
order by
    se_label,
    se_id
limit 5;
