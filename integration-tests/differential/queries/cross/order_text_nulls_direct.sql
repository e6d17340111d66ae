-- ORDER BY a text column of the other side directly: byte order, NULLs last.
select
    se_label,
    se_id
from
    side_extra
order by
    se_label,
    se_id;
