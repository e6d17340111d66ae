-- upper/lower/ILIKE on the other side's text (ILIKE: DataFusion and PostgreSQL both have it).
select 'upper' as test, se_id from side_extra where upper(se_label) = 'BETA'
union all
select 'lower', se_id from side_extra where lower(se_label) = 'gamma'
union all
select 'ilike', se_id from side_extra where se_label ilike 'ALP%'
union all
select 'segment', c_custkey from customer where lower(c_mktsegment) = 'building' and c_custkey < 40;
