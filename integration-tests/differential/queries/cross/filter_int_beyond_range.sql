-- Literals beyond the 32-bit range compared with an INTEGER column of the other side.
select
    (select count(*) from customer where c_custkey = 4294967297) as wrapped_eq,
    (select count(*) from customer where c_custkey < 4294967297) as below_big,
    (select count(*) from customer where c_custkey > -2147483649) as above_small,
    (select count(*) from customer where c_custkey in (1, 4294967297)) as in_list;
