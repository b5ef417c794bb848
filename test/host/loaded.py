"""The start of a host test: `--extension` from the command line, LOADed into a fresh in-memory
database of the official package running the test, with the test's setup statements run."""
import argparse

import duckdb


def connect(description, setup=()):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--extension", required=True)
    args = ap.parse_args()
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{args.extension}'")
    for sql in setup:
        con.execute(sql)
    return con
