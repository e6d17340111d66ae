-- IS NULL filters pushed to each backend.
select 'pe amount null' as test, pe_id as id from pg_extra where pe_amount is null
union all
select 'se amount null', se_id from side_extra where se_amount is null
union all
select 'se label not null', se_id from side_extra where se_label is not null and se_nationkey is null
union all
select 'pe day null', pe_id from pg_extra where pe_day is null;
