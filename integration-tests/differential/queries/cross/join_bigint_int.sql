-- A BIGINT key in PostgreSQL (pg_extra.pe_custkey) joined to an INTEGER key on the other side
-- (customer.c_custkey; BIGINT in the Parquet files). 4294967297, 2147483648 and
-- 9223372036854775807 must match nothing.
select
    pe_id,
    pe_custkey,
    c_name,
    c_nationkey
from
    pg_extra
    join customer on pe_custkey = c_custkey;
