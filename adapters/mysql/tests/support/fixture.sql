-- The fixture of the MySQL adapter tests, loaded into fedgate_myadapter_test with
-- SET NAMES utf8mb4 and time_zone '+00:00'. Statements are separated by ";" at line ends.

CREATE TABLE all_types (
    id INT NOT NULL PRIMARY KEY,
    c_bool BOOL,
    c_tinyint TINYINT,
    c_tinyint_u TINYINT UNSIGNED,
    c_smallint SMALLINT NOT NULL DEFAULT 0,
    c_smallint_u SMALLINT UNSIGNED,
    c_mediumint MEDIUMINT,
    c_mediumint_u MEDIUMINT UNSIGNED,
    c_int INT,
    c_int_u INT UNSIGNED,
    c_bigint BIGINT,
    c_bigint_u BIGINT UNSIGNED,
    c_float FLOAT,
    c_double DOUBLE,
    c_decimal DECIMAL(12,2),
    c_decimal_big DECIMAL(65,30),
    c_char CHAR(5),
    c_varchar VARCHAR(50),
    c_text TEXT,
    c_binary BINARY(4),
    c_varbinary VARBINARY(10),
    c_blob BLOB,
    c_date DATE,
    c_time TIME(6),
    c_datetime DATETIME(6),
    c_timestamp TIMESTAMP(6) NULL,
    c_year YEAR,
    c_json JSON,
    c_enum ENUM('small','medium','large'),
    c_set SET('a','b','c'),
    c_bit BIT(10),
    c_bit64 BIT(64),
    c_point POINT,
    c_inet6 INET6,
    c_uuid UUID
) CHARACTER SET utf8mb4;

INSERT INTO all_types VALUES (
    1, 2, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295,
    -9223372036854775808, 18446744073709551615, 0.5, 1.2345678901234567,
    -1234567890.12, -12345678901234567890123456789012345.123456789012345678901234567890,
    'ab', 'héllo 😀 wörld', 'long text', X'00FF1020', X'DEADBEEF', X'000102',
    '2024-01-02', '-838:59:59', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.654321',
    2024, '{"a": [1, 2]}', 'medium', 'c,a', b'1010101010',
    b'1111111111111111111111111111111111111111111111111111111111111111',
    POINT(1, 2), '::1', '123e4567-e89b-12d3-a456-426614174000'
);

-- Zero dates need a permissive sql_mode.
SET SESSION sql_mode = '';

INSERT INTO all_types (id, c_smallint, c_date, c_time, c_datetime, c_timestamp)
VALUES (2, 7, '0000-00-00', '12:34:56.5', '0000-00-00 00:00:00', '0000-00-00 00:00:00');

INSERT INTO all_types (id) VALUES (3);

INSERT INTO all_types (id, c_bool, c_tinyint, c_bigint_u, c_float, c_decimal, c_date, c_time,
                       c_datetime, c_year, c_bit, c_varchar)
VALUES (4, 0, 127, 0, -1e-10, 9999999999.99, '1000-01-01', '838:59:59',
        '9999-12-31 23:59:59.999999', 1901, b'0', '');

CREATE VIEW v_small AS SELECT id, c_int, c_varchar FROM all_types;

CREATE TABLE numbers (n INT NOT NULL, label VARCHAR(20)) CHARACTER SET utf8mb4;

INSERT INTO numbers VALUES (1, 'one'), (2, 'two'), (3, 'three');

CREATE TABLE `Mixed_Case` (id INT)
