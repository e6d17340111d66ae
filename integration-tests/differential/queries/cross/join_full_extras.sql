-- Full join of the two extra tables on a nullable key: NULL keys never match.
select
    pe_id,
    se_id,
    pe_custkey,
    se_custkey,
    pe_tag,
    se_label
from
    pg_extra
    full join side_extra on pe_custkey = se_custkey;
