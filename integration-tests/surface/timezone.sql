-- A session in another time zone and date style: timestamptz values print in the session's
-- zone, timestamp values do not change, SHOW and current_setting report the settings.

SET TimeZone = 'America/New_York';
SET DateStyle = 'ISO, DMY';

-- name: show_timezone
SHOW TimeZone;

SELECT current_setting('TimeZone'), current_setting('DateStyle');

-- name: timestamptz_output_in_session_zone
SELECT TIMESTAMPTZ '2024-02-29 13:45:00+00';

SELECT TIMESTAMPTZ '2024-07-01 12:00:00+00', TIMESTAMPTZ '2024-03-10 07:30:00+00';

SELECT '2024-02-29 13:45'::timestamptz, '2024-02-29 13:45'::timestamp;

SELECT TIMESTAMP '2024-02-29 13:45' AT TIME ZONE 'UTC';

SELECT TIMESTAMPTZ '2024-02-29 13:45:00+00' AT TIME ZONE 'UTC';

SELECT id, ts, ts::timestamptz FROM events ORDER BY id;

SELECT id, ts AT TIME ZONE 'Europe/Paris' FROM events ORDER BY id;

SELECT extract(hour FROM TIMESTAMPTZ '2024-02-29 13:45:00+00'), extract(timezone_hour FROM TIMESTAMPTZ '2024-07-01 00:00:00+00');

SELECT date_trunc('day', TIMESTAMPTZ '2024-02-29 03:00:00+00');

SELECT to_char(TIMESTAMPTZ '2024-02-29 13:45:00+00', 'YYYY-MM-DD HH24:MI TZ OF');

SELECT TIMESTAMPTZ '2024-03-10 01:59:59-05' + INTERVAL '1 second', TIMESTAMPTZ '2024-03-09 12:00-05' + INTERVAL '1 day';

SELECT TIMESTAMPTZ '2024-03-11 00:00' - TIMESTAMPTZ '2024-03-10 00:00';

SELECT to_timestamp(0), to_timestamp(1709214300);

SELECT '01/02/2024'::date, '13/02/2024'::date;

SELECT name, created::timestamptz FROM emp ORDER BY id;
