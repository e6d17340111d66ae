-- Small extra tables of the differential test, next to the TPC-H tables (which have no NULLs).
-- pg_extra lives in the PostgreSQL database of every layout, side_extra with the other
-- backend's tables (Parquet/CSV files, MariaDB, ...); the oracle has both. Their rows are in
-- ../data/<table>.tbl: dbgen's format ('|' after every field), a header line with the column
-- names, \N for NULL (an empty field is the empty string).
--
-- pg_extra.pe_custkey is BIGINT and refers to customer.c_custkey (INTEGER in MariaDB and the
-- oracle, BIGINT in the Parquet files); some of its values do not fit in 32 bits.
CREATE TABLE pg_extra (
    pe_id        BIGINT NOT NULL,
    pe_custkey   BIGINT,
    pe_nationkey INTEGER,
    pe_tag       VARCHAR(20),
    pe_amount    DECIMAL(15,2),
    pe_day       DATE,
    PRIMARY KEY (pe_id)
);
-- side_extra: labels that differ only in case, accents or trailing blanks (MariaDB's default
-- collations compare them equal; PostgreSQL with collation C does not), NULLs in every
-- nullable column, amounts that are exact in binary floating point (the CSV file of the files
-- backend is read as Float64).
CREATE TABLE side_extra (
    se_id        INTEGER NOT NULL,
    se_nationkey INTEGER,
    se_custkey   INTEGER,
    se_label     VARCHAR(20),
    se_amount    DECIMAL(15,2),
    se_day       DATE,
    PRIMARY KEY (se_id)
);
