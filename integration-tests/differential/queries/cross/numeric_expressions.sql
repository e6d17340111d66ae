-- Arithmetic and numeric functions on decimals and integers of both backends: casts to
-- integer (PostgreSQL rounds half away from zero), round, multiplication scale, integer
-- division and modulo.
select
    c_custkey,
    c_acctbal,
    cast(c_acctbal as integer) as acct_int,
    round(c_acctbal, 1) as acct_round1,
    round(c_acctbal) as acct_round0,
    c_acctbal * 1.1 as acct_times,
    abs(c_acctbal) as acct_abs,
    floor(c_acctbal) as acct_floor,
    ceil(c_acctbal) as acct_ceil,
    o_orderkey / 7 as key_div,
    o_orderkey % 7 as key_mod,
    o_totalprice - c_acctbal as diff
from
    customer
    join orders on o_custkey = c_custkey
where
    c_custkey < 12;
