-- Full join of nation with the nation keys used by pg_extra (with a NULL and a missing key).
select
    n_nationkey,
    n_name,
    k.pe_nationkey
from
    nation
    full outer join (select distinct pe_nationkey from pg_extra) as k on k.pe_nationkey = n_nationkey;
