-- Dates and times (TimeZone UTC): literals and casts, to_char of dates, timestamps and
-- numbers, to_date and to_timestamp, date_trunc, extract and date_part, age, justify_*,
-- interval arithmetic, make_date and make_timestamp, AT TIME ZONE. No now(): only
-- expressions whose result does not depend on the clock.

-- name: timestamp_literal_cast
SELECT '2024-02-29 13:45'::timestamp;

SELECT '2024-02-29'::date, DATE '2024-02-29', TIMESTAMP '2024-02-29 13:45:00.5';

SELECT '2024-02-29 13:45:00.123456789'::timestamp, '2024-02-29T13:45:00'::timestamp;

SELECT 'Feb 29 2024'::date, '29 February 2024'::date, '20240229'::date;

SELECT 'epoch'::timestamp, 'infinity'::date, '-infinity'::timestamp;

SELECT '13:45'::time, '13:45:00.25'::time, TIME '23:59:59.999999';

SELECT '2024-02-29 13:45:00+02'::timestamptz;

SELECT '1 day 2 hours'::interval, '90 minutes'::interval, '1.5 days'::interval, '-1 month'::interval;

SELECT interval '1 year 2 months 3 days 04:05:06.7', interval '36 hours', interval '0';

SELECT id, d, ts FROM events ORDER BY id;

SELECT name, hired, created FROM emp ORDER BY id;

SELECT id, d::text, ts::text, ts::date, d::timestamp FROM events ORDER BY id;

-- name: date_plus_int
SELECT DATE '2024-02-28' + 1, DATE '2024-03-01' - 1, DATE '2023-12-31' + 1;

SELECT id, d + 1, d - 30, d + 365 FROM events ORDER BY id;

-- name: date_minus_date
SELECT DATE '2024-03-01' - DATE '2024-02-01', DATE '2024-01-01' - DATE '2023-01-01';

SELECT name, DATE '2025-01-01' - hired AS days_employed FROM emp ORDER BY id;

-- name: date_plus_interval
SELECT DATE '2024-01-31' + INTERVAL '1 month', DATE '2024-02-29' + INTERVAL '1 year', DATE '2024-02-29' - INTERVAL '1 day';

SELECT id, d + INTERVAL '1 month', ts + INTERVAL '1 day 1 hour' FROM events ORDER BY id;

SELECT id, ts - INTERVAL '1 microsecond', ts + INTERVAL '0.5 seconds' FROM events ORDER BY id;

-- name: timestamp_minus_timestamp
SELECT TIMESTAMP '2024-03-01 00:00' - TIMESTAMP '2024-02-28 12:00', TIMESTAMP '2024-01-01' - TIMESTAMP '2023-01-01';

SELECT name, created - hired::timestamp FROM emp ORDER BY id;

SELECT id, ts - TIMESTAMP '2000-01-01' FROM events ORDER BY id;

-- name: interval_times_two
SELECT INTERVAL '1 day 2 hours' * 2, INTERVAL '1 month' * 1.5, INTERVAL '3 hours' / 2, 2 * INTERVAL '45 minutes';

SELECT INTERVAL '1 day' + INTERVAL '25 hours', INTERVAL '1 month' - INTERVAL '1 day', -INTERVAL '1 hour';

SELECT INTERVAL '1 day' = INTERVAL '24 hours', INTERVAL '1 month' = INTERVAL '30 days', INTERVAL '1 day' < INTERVAL '25 hours';

SELECT justify_days(INTERVAL '35 days'), justify_hours(INTERVAL '27 hours'), justify_interval(INTERVAL '1 month -1 hour');

SELECT justify_interval(INTERVAL '400 days 50 hours'), justify_days(INTERVAL '-45 days');

SELECT age(TIMESTAMP '2024-02-29', TIMESTAMP '2000-02-29'), age(TIMESTAMP '2024-03-01', TIMESTAMP '2024-01-31 12:00');

SELECT name, age(DATE '2025-01-01', hired) FROM emp ORDER BY id;

SELECT age(DATE '2024-02-29', DATE '2023-02-28'), age(TIMESTAMP '2001-04-10', TIMESTAMP '1957-06-13');

-- name: date_trunc_timestamp
SELECT date_trunc('month', TIMESTAMP '2024-02-29 13:45:00'), date_trunc('year', TIMESTAMP '2024-02-29 13:45:00'), date_trunc('hour', TIMESTAMP '2024-02-29 13:45:00');

SELECT id, date_trunc('day', ts), date_trunc('week', ts), date_trunc('quarter', ts) FROM events ORDER BY id;

SELECT id, date_trunc('month', d), date_trunc('year', d) FROM events ORDER BY id;

SELECT date_trunc('second', TIMESTAMP '2024-02-29 13:45:00.999999'), date_trunc('milliseconds', TIMESTAMP '2024-02-29 13:45:00.123456');

SELECT date_trunc('decade', DATE '2024-02-29'), date_trunc('century', DATE '2000-01-01'), date_trunc('millennium', DATE '2001-01-01');

SELECT date_trunc('month', hired) AS month, count(*) FROM emp GROUP BY 1 ORDER BY 1;

SELECT date_trunc('day', INTERVAL '3 days 04:05:06'), date_trunc('hour', INTERVAL '1 day 02:30');

-- name: extract_from_date
SELECT extract(year FROM DATE '2024-02-29'), extract(month FROM DATE '2024-02-29'), extract(day FROM DATE '2024-02-29');

SELECT extract(epoch FROM TIMESTAMP '2024-02-29 13:45:00.5'), extract(epoch FROM DATE '1970-01-02');

SELECT id, extract(year FROM d), extract(quarter FROM d), extract(dow FROM d), extract(isodow FROM d), extract(doy FROM d) FROM events ORDER BY id;

SELECT id, extract(week FROM d), extract(isoyear FROM d) FROM events ORDER BY id;

SELECT id, extract(hour FROM ts), extract(minute FROM ts), extract(second FROM ts), extract(microseconds FROM ts) FROM events ORDER BY id;

SELECT id, extract(epoch FROM ts), extract(julian FROM d) FROM events ORDER BY id;

SELECT extract(century FROM DATE '2000-12-31'), extract(millennium FROM DATE '2001-01-01'), extract(decade FROM DATE '1999-12-31');

SELECT extract(hour FROM INTERVAL '1 day 27 hours'), extract(epoch FROM INTERVAL '1 day 2 hours'), extract(month FROM INTERVAL '14 months');

SELECT date_part('year', DATE '2024-02-29'), date_part('dow', TIMESTAMP '2024-02-29 13:45'), date_part('epoch', TIMESTAMP '1969-12-31 23:59:59.5');

SELECT name, date_part('year', hired), date_part('month', created) FROM emp ORDER BY id;

SELECT extract(year FROM hired) AS year, count(*) FROM emp GROUP BY 1 ORDER BY 1;

-- name: to_char_date_patterns
SELECT to_char(DATE '2024-02-29', 'YYYY-MM-DD'), to_char(DATE '2024-02-29', 'DD/MM/YYYY'), to_char(DATE '2024-02-29', 'Mon DD, YYYY');

SELECT to_char(DATE '2024-02-29', 'Day, DD Month YYYY'), to_char(DATE '2024-02-29', 'FMDay, FMDD FMMonth YYYY');

SELECT to_char(DATE '2024-02-29', 'Dy DY dy'), to_char(DATE '2024-02-29', 'MON mon Mon'), to_char(DATE '2024-02-29', 'MONTH');

SELECT to_char(DATE '2024-02-29', 'YY YYY Y,YYY'), to_char(DATE '2024-02-29', 'Q'), to_char(DATE '2024-02-29', 'DDD J');

SELECT id, to_char(d, 'IYYY-"W"IW-ID'), to_char(d, 'WW W'), to_char(d, 'DDth') FROM events ORDER BY id;

SELECT to_char(DATE '2024-02-01', 'FMDDth'), to_char(DATE '2024-02-02', 'DDth'), to_char(DATE '2024-02-03', 'DDTH'), to_char(DATE '2024-02-11', 'FMDDth');

SELECT to_char(TIMESTAMP '2024-02-29 13:45:07.123456', 'YYYY-MM-DD HH24:MI:SS'), to_char(TIMESTAMP '2024-02-29 13:45:07.123456', 'HH12:MI AM');

SELECT to_char(TIMESTAMP '2024-02-29 13:45:07.123456', 'HH24:MI:SS.MS'), to_char(TIMESTAMP '2024-02-29 13:45:07.123456', 'HH24:MI:SS.US'), to_char(TIMESTAMP '2024-02-29 00:05:00', 'HH HH12 pm');

SELECT to_char(TIMESTAMP '2024-02-29 13:45:07', 'SSSS'), to_char(TIMESTAMP '2024-02-29 13:45:07', '"Time:" HH24"h"MI'), to_char(TIMESTAMP '2024-02-29 13:45:07', 'YYYY"年"MM"月"');

SELECT id, to_char(ts, 'YYYY-MM-DD HH24:MI:SS.US'), to_char(ts, 'Mon FMDD, YYYY HH12:MI:SS PM') FROM events ORDER BY id;

SELECT name, to_char(hired, 'FMMonth YYYY'), to_char(created, 'Dy HH24:MI') FROM emp ORDER BY id;

SELECT to_char(INTERVAL '1 day 02:03:04', 'HH24:MI:SS'), to_char(INTERVAL '27 hours 5 minutes', 'HH24 "h" MI "m"');

-- name: to_char_number_patterns
SELECT to_char(1234.5, '9,999.99'), to_char(1234.5, 'FM9,999.99'), to_char(0.5, '0.99'), to_char(0.5, '9.99');

SELECT to_char(-1234.567, '99999.9'), to_char(42, '000000'), to_char(42, 'FM000000'), to_char(-42, 'S9999'), to_char(42, '9999S');

SELECT to_char(1234567.891, '9G999G999D99'), to_char(-5, '999PR'), to_char(5, '999PR'), to_char(12345, '99.99');

SELECT to_char(0.000123, '9.99EEEE'), to_char(123456, '9.99EEEE'), to_char(2024, 'RN'), to_char(4, 'FMRN');

SELECT to_char(3, 'FM9th'), to_char(22, '99TH'), to_char(1.5::float8, '9.999'), to_char(100, 'L999');

SELECT name, to_char(salary, 'FM999,999,990.00') FROM emp ORDER BY id;

SELECT name, to_char(rating, '990.9') FROM emp ORDER BY id;

SELECT to_char(bonus, 'S9,999,999,999') FROM emp ORDER BY id;

-- name: to_date_formats
SELECT to_date('29/02/2024', 'DD/MM/YYYY'), to_date('2024-02-29', 'YYYY-MM-DD'), to_date('Feb 29 2024', 'Mon DD YYYY');

SELECT to_date('20240229', 'YYYYMMDD'), to_date('29 February 2024', 'DD Month YYYY'), to_date('2024 060', 'YYYY DDD');

SELECT to_timestamp('2024-02-29 13:45:07', 'YYYY-MM-DD HH24:MI:SS'), to_timestamp('29.02.2024 01:45 PM', 'DD.MM.YYYY HH:MI PM');

SELECT to_timestamp(0), to_timestamp(1709214300), to_timestamp(1709214300.5), to_timestamp(-1);

SELECT to_timestamp('2024-02-29 13:45:07.123456', 'YYYY-MM-DD HH24:MI:SS.US');

-- name: make_date_and_timestamp
SELECT make_date(2024, 2, 29), make_time(13, 45, 7.5), make_timestamp(2024, 2, 29, 13, 45, 7.123456);

SELECT make_interval(days => 10), make_interval(years => 1, months => 2, hours => 3), make_interval(secs => 1.5);

SELECT make_timestamptz(2024, 2, 29, 13, 45, 0, 'Europe/Paris');

SELECT make_date(extract(year FROM hired)::int, 1, 1) FROM emp ORDER BY id;

-- name: at_time_zone
SELECT TIMESTAMP '2024-02-29 13:45' AT TIME ZONE 'UTC', TIMESTAMP '2024-02-29 13:45' AT TIME ZONE 'America/New_York';

SELECT TIMESTAMPTZ '2024-02-29 13:45+00' AT TIME ZONE 'Asia/Tokyo', TIMESTAMPTZ '2024-07-01 12:00+00' AT TIME ZONE 'Europe/Berlin';

SELECT id, ts AT TIME ZONE 'America/New_York' FROM events ORDER BY id;

SELECT id, (ts AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Kolkata' FROM events ORDER BY id;

SELECT timezone('Europe/London', TIMESTAMP '2024-06-01 12:00');

SELECT TIMESTAMP '2024-03-10 02:30' AT TIME ZONE 'America/New_York', TIMESTAMP '2024-11-03 01:30' AT TIME ZONE 'America/New_York';

SELECT TIMESTAMPTZ '2024-02-29 13:45:00+05:30', TIMESTAMPTZ '2024-02-29 13:45:00 America/Los_Angeles';

SELECT TIMESTAMPTZ '2024-02-29 13:45:00.123456-08'::date, TIMESTAMPTZ '2024-02-29 23:45:00-08'::timestamp;

SELECT date_trunc('day', TIMESTAMPTZ '2024-02-29 23:45:00-08'), date_trunc('day', TIMESTAMPTZ '2024-02-29 23:45:00-08', 'America/Los_Angeles');

SELECT EXTRACT(timezone FROM TIMESTAMPTZ '2024-02-29 13:45:00+02'), EXTRACT(epoch FROM TIMESTAMPTZ '2024-02-29 13:45:00+02');

SELECT now() IS NOT NULL, now() > TIMESTAMPTZ '2020-01-01', current_date > DATE '2020-01-01', current_timestamp = now();

SELECT localtimestamp IS NOT NULL, clock_timestamp() >= statement_timestamp(), pg_typeof(now()), pg_typeof(current_date);

SELECT date_trunc('day', now()) <= now(), extract(year FROM current_date) >= 2024;

SELECT isfinite(DATE '2024-02-29'), isfinite('infinity'::date), isfinite(INTERVAL '1 day');

SELECT (DATE '2024-02-01', DATE '2024-03-01') OVERLAPS (DATE '2024-02-29', DATE '2024-04-01'), (DATE '2024-01-01', INTERVAL '1 month') OVERLAPS (DATE '2024-02-01', DATE '2024-03-01');

SELECT generate_series(DATE '2024-02-27', DATE '2024-03-02', INTERVAL '1 day')::date AS day ORDER BY day;

SELECT g::date AS month_start FROM generate_series(TIMESTAMP '2023-11-01', TIMESTAMP '2024-03-01', INTERVAL '1 month') AS g ORDER BY 1;

SELECT date_bin(INTERVAL '15 minutes', TIMESTAMP '2024-02-29 13:47:30', TIMESTAMP '2000-01-01');

SELECT id, d FROM events WHERE d BETWEEN DATE '2000-01-01' AND DATE '2023-12-31' ORDER BY id;

SELECT id, ts FROM events WHERE ts >= '2024-01-01' ORDER BY id;

SELECT id FROM events WHERE ts < DATE '2000-01-01' ORDER BY id;

SELECT id FROM events WHERE d = '2024-02-29';

SELECT id, d FROM events WHERE extract(month FROM d) = 2 AND extract(day FROM d) = 29 ORDER BY id;

SELECT name, hired FROM emp WHERE hired > DATE '2020-01-01' ORDER BY hired;

SELECT min(d), max(d), min(ts), max(ts) FROM events;

SELECT min(hired), max(created), count(DISTINCT extract(year FROM hired)) FROM emp;
