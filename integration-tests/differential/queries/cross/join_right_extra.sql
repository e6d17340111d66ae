-- Right join to pg_extra: its NULL keys, its keys beyond 32 bits (4294967297 must not
-- match customer 1) and its keys without a customer keep NULL customer columns.
select
    pe_id,
    pe_custkey,
    c_custkey,
    c_name
from
    customer
    right join pg_extra on c_custkey = pe_custkey;
