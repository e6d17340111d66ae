-- Filters on the other side's columns with literals of other types or needing escapes:
-- decimal equality, an integer column against decimal literals, NOT IN / <> with NULLs,
-- NOT LIKE, LIKE with _, date ranges, the largest INTEGER, OR, IS DISTINCT FROM, a quote and
-- a backslash in a literal (MariaDB treats backslash as an escape in strings).
select 'acctbal eq' as test, c_custkey as id from customer where c_acctbal = 711.56
union all
select 'acctbal range', c_custkey from customer where c_acctbal between -999.99 and -990.00
union all
select 'custkey eq 1.0', c_custkey from customer where c_custkey = 1.0
union all
select 'custkey eq 1.5', c_custkey from customer where c_custkey = 1.5
union all
select 'nation not in', se_id from side_extra where se_nationkey not in (1, 3)
union all
select 'nation ne', se_id from side_extra where se_nationkey <> 15
union all
select 'not like', se_id from side_extra where se_label not like 'b%'
union all
select 'not eq', se_id from side_extra where not (se_label = 'alpha')
union all
select 'like underscore', se_id from side_extra where se_label like 'b_ta'
union all
select 'day range', se_id from side_extra where se_day between date '1994-01-01' and date '1996-12-31'
union all
select 'day gt', se_id from side_extra where se_day > date '1995-01-01'
union all
select 'max int', se_id from side_extra where se_custkey = 2147483647
union all
select 'or', se_id from side_extra where se_label = 'gamma' or se_amount > 4
union all
select 'amount eq', se_id from side_extra where se_amount = 2.5
union all
select 'distinct from', se_id from side_extra where se_nationkey is distinct from 15
union all
select 'quote', se_id from side_extra where se_label = 'it''s'
union all
select 'backslash lt', se_id from side_extra where se_label < 'b\'
union all
select 'phone prefix', c_custkey from customer where c_phone like '13-%' and c_acctbal > 9000;
