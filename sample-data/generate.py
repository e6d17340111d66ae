#!/usr/bin/env python3
"""Regenerates the fedgate sample dataset (the `samples` server).

The output is deterministic: a small linear congruential generator is used
instead of `random`, so the same files come out on every Python version.

Usage (pyarrow is only needed for the parquet file; use a throwaway venv):

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pyarrow
    /tmp/venv/bin/python sample-data/generate.py [OUTPUT_DIR]

OUTPUT_DIR defaults to the directory holding this script. Layout (each
subdirectory is a schema, each file or sub-subdirectory a table, files at the
root are in schema `public`):

    regions.csv                 -> samples.public.regions
    shop/customers.csv          -> samples.shop.customers
    shop/products.csv           -> samples.shop.products
    shop/orders.parquet         -> samples.shop.orders
    shop/reviews/part-*.csv     -> samples.shop.reviews (one table, two files)
"""

import csv
import datetime
import decimal
import os
import sys


class Lcg:
    """Numerical Recipes LCG; tiny, portable and reproducible."""

    def __init__(self, seed):
        self.state = seed

    def next(self, bound):
        self.state = (self.state * 1664525 + 1013904223) % (1 << 32)
        return (self.state >> 8) % bound


REGIONS = [
    ("DE", "Europe", "Germany"),
    ("FR", "Europe", "France"),
    ("IE", "Europe", "Ireland"),
    ("US", "Americas", "United States"),
    ("BR", "Americas", "Brazil"),
    ("JP", "Asia", "Japan"),
    ("IN", "Asia", "India"),
]

# id, name, country ('' = unknown -> NULL), signup_date
CUSTOMERS = [
    (1, "Alice Martin", "FR", "2023-01-05"),
    (2, "Bruno Costa", "BR", "2023-01-17"),
    (3, "Chen Wei", "JP", "2023-02-02"),
    (4, "Dana Schmidt", "DE", "2023-02-20"),
    (5, "Eoin Walsh", "IE", "2023-03-11"),
    (6, "Fatima Khan", "IN", "2023-03-29"),
    (7, "George Miller", "US", "2023-04-08"),
    (8, "Hana Sato", "JP", "2023-05-14"),
    (9, "Ivan Petrov", "DE", "2023-06-01"),
    (10, "Julia Souza", "BR", "2023-06-23"),
    (11, "Karl Braun", "DE", "2023-07-04"),
    (12, "Léa Dubois", "FR", "2023-07-30"),
    (13, "Miguel Ortiz", "US", "2023-08-15"),
    (14, "Nora O'Neill", "IE", "2023-09-09"),
    (15, "Olivia Brown", "US", "2023-10-02"),
    (16, "Priya Nair", "IN", "2023-10-27"),
    (17, "Quentin Moreau", "FR", "2023-11-18"),
    (18, "Rosa Lima, Jr.", "BR", "2023-12-06"),
    (19, "Sam Taylor", "", "2024-01-12"),
    (20, "Tomo Ito", "JP", "2024-02-28"),
]

# id, name, category, price
PRODUCTS = [
    (1, "Espresso Beans 1kg", "coffee", "24.90"),
    (2, "Filter Coffee 500g", "coffee", "11.50"),
    (3, "Green Tea 100g", "tea", "7.25"),
    (4, "Earl Grey 250g", "tea", "9.80"),
    (5, "Ceramic Mug", "accessories", "12.00"),
    (6, "French Press", "equipment", "34.99"),
    (7, "Hand Grinder", "equipment", "59.00"),
    (8, "Milk Frother", "equipment", "45.50"),
    (9, "Paper Filters x100", "accessories", "4.75"),
    (10, "Gift Card", "other", "50.00"),
]

STATUSES = ["delivered", "delivered", "delivered", "shipped", "pending", "cancelled"]

ORDER_COUNT = 200
# Customer 20 signed up last and has not ordered yet (useful for anti-joins).
ORDERING_CUSTOMERS = 19


def orders():
    rng = Lcg(20240101)
    start = datetime.datetime(2024, 1, 1, 0, 0, 0)
    rows = []
    for order_id in range(1, ORDER_COUNT + 1):
        customer_id = 1 + rng.next(ORDERING_CUSTOMERS)
        product_id = 1 + rng.next(len(PRODUCTS))
        # Roughly 1.75 days apart, second precision, strictly increasing.
        start += datetime.timedelta(seconds=86400 + rng.next(129600))
        cents = 299 + rng.next(25000)
        amount = decimal.Decimal(cents).scaleb(-2)
        status = STATUSES[rng.next(len(STATUSES))]
        rows.append((order_id, customer_id, product_id, start, amount, status))
    return rows


def reviews():
    rng = Lcg(7)
    comments = ["great", "ok", "would buy again", "too expensive", "", "fast delivery"]
    rows = []
    for review_id in range(1, 25):
        rows.append(
            (
                review_id,
                1 + rng.next(len(PRODUCTS)),
                1 + rng.next(ORDERING_CUSTOMERS),
                1 + rng.next(5),
                comments[rng.next(len(comments))],
            )
        )
    return rows


def write_csv(path, header, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_orders(path, rows):
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            pa.field("id", pa.int64(), nullable=False),
            pa.field("customer_id", pa.int64(), nullable=False),
            pa.field("product_id", pa.int64(), nullable=False),
            pa.field("ordered_at", pa.timestamp("us"), nullable=False),
            pa.field("amount", pa.decimal128(10, 2), nullable=False),
            pa.field("status", pa.string(), nullable=False),
        ]
    )
    columns = list(zip(*rows))
    table = pa.Table.from_arrays([pa.array(c, type=f.type) for c, f in zip(columns, schema)], schema=schema)
    pq.write_table(table, path, compression="snappy")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    write_csv(os.path.join(out, "regions.csv"), ["country", "region", "name"], REGIONS)
    write_csv(
        os.path.join(out, "shop", "customers.csv"),
        ["id", "name", "country", "signup_date"],
        CUSTOMERS,
    )
    write_csv(
        os.path.join(out, "shop", "products.csv"),
        ["id", "name", "category", "price"],
        PRODUCTS,
    )
    all_reviews = reviews()
    header = ["id", "product_id", "customer_id", "rating", "comment"]
    write_csv(os.path.join(out, "shop", "reviews", "part-0.csv"), header, all_reviews[:12])
    write_csv(os.path.join(out, "shop", "reviews", "part-1.csv"), header, all_reviews[12:])
    write_orders(os.path.join(out, "shop", "orders.parquet"), orders())


if __name__ == "__main__":
    main()
