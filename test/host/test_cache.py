#!/usr/bin/env python3
"""The compiled-view cache never serves a stale or invisible definition.

1. Interleavings (seeded, single thread), in each kind of store table: three connections to one database randomly BEGIN,
   replace the view (`total AS sum(x) * k`), edit its stored row in place with plain SQL (the
   row keeps its id: a query's row hint still finds it), DROP it, COMMIT, ROLLBACK and query it through
   semantic_view(), the SEMANTIC_VIEW clause and plain SQL. Every result is checked against the
   definition the same transaction reads from the store table with plain SQL (a cache-free
   oracle): 35 * k, or "does not exist" when it sees no row.
2. Concurrency: threads query while others replace and drop the view in transactions; every
   result must be the value of some committed version, with no other error and no crash.
"""
import argparse
import json
import random
import sys
import threading
import time

import duckdb

TOTAL = 35  # sum(x) of the table below


def replace_sql(k):
    return f"CREATE OR REPLACE SEMANTIC VIEW v TABLES (t PRIMARY KEY (id)) DIMENSIONS (t.g AS g) METRICS (t.total AS sum(x) * {k})"


QUERIES = [
    "SELECT * FROM semantic_view('v', metrics := ['total'])",
    "SELECT * FROM SEMANTIC_VIEW(v METRICS total)",
    "SELECT AGG(total) FROM v",
]


def database(extension):
    db = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    db.execute(f"LOAD '{extension}'")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, g VARCHAR, x INTEGER)")
    db.execute("INSERT INTO t VALUES (1, 'a', 10), (2, 'a', 20), (3, 'b', 5)")
    return db


def query(con, sql):
    """The metric's value, or None when the view does not exist."""
    try:
        return con.execute(sql).fetchall()[0][0]
    except duckdb.Error as e:
        if "does not exist" in str(e):
            return None
        raise


def visible_k(con):
    """The k of the definition this connection's transaction reads from the store (a
    cache-free oracle), or None when it sees no view."""
    rows = con.execute(
        "SELECT definition FROM semantic_layer._definitions WHERE view_name = 'v'"
    ).fetchall() if con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'semantic_layer'"
    ).fetchone()[0] else []
    if not rows:
        return None
    text = json.loads(rows[0][0])["definition"]["metrics"][0]["expr"]
    return int(text.rsplit("*", 1)[1])


def rollback(con):
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # the failed statement already ended the transaction


# Store tables the extension must read correctly: its own (each row's version is the SHA-256 of
# its definition, enforced by a CHECK constraint), one written by an earlier release (no
# version), and one with a version column but no constraint, whose versions it must not trust
# (the edits below leave them stale there).
STORE_COLUMNS = ("key VARCHAR PRIMARY KEY, schema_name VARCHAR NOT NULL, view_name VARCHAR NOT NULL, "
                 "definition VARCHAR NOT NULL, comment VARCHAR, created TIMESTAMP WITH TIME ZONE")
STORES = {
    "versioned": None,
    "legacy": f"CREATE TABLE semantic_layer._definitions ({STORE_COLUMNS})",
    "unchecked": f"CREATE TABLE semantic_layer._definitions ({STORE_COLUMNS}, version VARCHAR)",
}


def interleavings(extension, steps, seed, store):
    rng = random.Random(seed)
    db = database(extension)
    if STORES[store]:
        db.execute("CREATE SCHEMA semantic_layer")
        db.execute(STORES[store])
    cons = [db.cursor() for _ in range(3)]
    in_txn = [False] * 3
    checks = failures = edits = 0
    for step in range(steps):
        i = rng.randrange(3)
        con = cons[i]
        op = rng.choice(["begin", "replace", "replace", "edit", "drop", "commit", "rollback", "query", "query", "query"])
        try:
            if op == "begin" and not in_txn[i]:
                con.execute("BEGIN")
                in_txn[i] = True
            elif op == "replace":
                con.execute(replace_sql(rng.randint(1, 1000)))
            elif op == "edit" and visible_k(con) is not None:
                edited = f"regexp_replace(definition, 'sum\\(x\\) \\* [0-9]+', 'sum(x) * {rng.randint(1, 1000)}')"
                version = f", version = sha256({edited})" if store == "versioned" else ""
                con.execute(f"UPDATE semantic_layer._definitions SET definition = {edited}{version} WHERE view_name = 'v'")
                edits += 1
            elif op == "drop":
                con.execute("DROP SEMANTIC VIEW IF EXISTS v")
            elif op in ("commit", "rollback") and in_txn[i]:
                in_txn[i] = False
                con.execute(op.upper())
            elif op == "query":
                got = query(con, rng.choice(QUERIES))
                k = visible_k(con)
                expected = None if k is None else TOTAL * k
                checks += 1
                if got != expected:
                    failures += 1
                    print(f"FAIL step {step}: connection {i} expected {expected}, got {got}")
        except duckdb.Error as e:
            # A write-write conflict with another open transaction (at the write or at COMMIT)
            # aborts this one.
            if not isinstance(e, (duckdb.TransactionException, duckdb.ConstraintException)) and "Conflict" not in str(e):
                raise
            rollback(con)
            in_txn[i] = False
    if edits == 0:
        failures += 1
        print("FAIL no in-place edit succeeded")
    print(f"interleavings ({store} store): {steps} steps, {edits} in-place edits, {checks} queries checked against the definition their transaction reads, {failures} wrong")
    return failures


def concurrency(extension, seconds):
    db = database(extension)
    db.execute(replace_sql(1))
    committed = {1}
    lock = threading.Lock()
    errors = []
    stop = time.monotonic() + seconds
    counts = {"queries": 0, "writes": 0}

    def reader(seed):
        rng = random.Random(seed)
        con = db.cursor()
        while time.monotonic() < stop:
            try:
                got = query(con, rng.choice(QUERIES))
            except Exception as e:  # noqa: BLE001 - any other error is a failure
                errors.append(f"query: {e}")
                continue
            with lock:
                counts["queries"] += 1
                ok = got is None or (got % TOTAL == 0 and got // TOTAL in committed)
            if not ok:
                errors.append(f"query returned {got}, not the value of any committed version")

    def writer(seed):
        rng = random.Random(seed)
        con = db.cursor()
        while time.monotonic() < stop:
            k = rng.randint(2, 10_000)
            try:
                con.execute("BEGIN")
                if rng.random() < 0.15:
                    con.execute("DROP SEMANTIC VIEW IF EXISTS v")
                else:
                    con.execute(replace_sql(k))
                if rng.random() < 0.3:
                    con.execute("ROLLBACK")
                    continue
                # Readers may see it from the moment COMMIT starts.
                with lock:
                    committed.add(k)
                con.execute("COMMIT")
                with lock:
                    counts["writes"] += 1
            except duckdb.Error as e:
                # Conflicts with another writer's open transaction abort this one.
                conflict = isinstance(e, (duckdb.TransactionException, duckdb.ConstraintException)) or "Conflict" in str(e)
                if not conflict:
                    errors.append(f"write: {e}")
                try:
                    con.execute("ROLLBACK")
                except duckdb.Error:
                    pass

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(4)]
    threads += [threading.Thread(target=writer, args=(100 + i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in errors[:5]:
        print("FAIL " + e)
    print(f"concurrency: {seconds:.0f} s, {counts['queries']} queries, {counts['writes']} committed writes, {len(errors)} errors")
    return len(errors)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--extension", required=True)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=20261129)
    args = ap.parse_args()
    parts = [interleavings(args.extension, args.steps, args.seed, store) for store in STORES]
    parts.append(concurrency(args.extension, args.seconds))
    failed = sum(1 for p in parts if p)
    print(f"cache tests: {len(parts) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
