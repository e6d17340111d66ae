-- Equality, ordering comparisons and LIKE on labels that differ in case, accents and
-- trailing blanks.
select 'eq alpha' as test, se_id from side_extra where se_label = 'alpha'
union all
select 'eq beta', se_id from side_extra where se_label = 'beta'
union all
select 'eq uber', se_id from side_extra where se_label = 'uber'
union all
select 'in Gamma', se_id from side_extra where se_label in ('Gamma', 'delta')
union all
select 'lt b', se_id from side_extra where se_label < 'b'
union all
select 'ge beta', se_id from side_extra where se_label >= 'beta'
union all
select 'like b%', se_id from side_extra where se_label like 'b%'
union all
select 'like %a', se_id from side_extra where se_label like '%a'
union all
select 'ne alpha', se_id from side_extra where se_label <> 'alpha';
