-- Loaded by scripts/clients.sh into a freshly created PostgreSQL database (default
-- `fedgate_clients`), registered in the gateway as server `pg`. Every client test queries
-- this table through the gateway and directly (the oracle) and compares the two.

CREATE TABLE public.items (
    id       int4 PRIMARY KEY,
    big      int8,
    price    numeric(10, 2),
    name     text,
    made     timestamp,
    made_tz  timestamptz,
    day      date,
    active   bool,
    doc      jsonb
);

INSERT INTO public.items VALUES
    (1, 10000000000, 1234.50, 'alpha', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+00',
     '2024-01-02', true, '{"a": 1, "b": [1, 2]}'),
    (2, -9223372036854775808, -0.01, 'béta "quoted"', '1999-12-31 23:59:59',
     '1999-12-31 23:59:59.5+00', '1999-12-31', false, '[]'),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
