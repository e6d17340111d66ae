-- UNION ALL of text columns from both backends (with duplicates).
select n_name as name from nation where n_regionkey = 1
union all
select o_orderpriority from orders where o_orderkey < 40
union all
select r_name from region;
