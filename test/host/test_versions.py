#!/usr/bin/env python3
"""Across DuckDB versions, in the official Python packages of each:
* a build for one version is refused by the other with DuckDB's own message;
* a database file with semantic views written by one version's build is read by the other's
  (where that DuckDB can open the file at all) and opened by DuckDB without the extension.

Usage: test_versions.py --repository build/repository --python v1.5.6=PY --python v2.0.1=PY
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

PLATFORM = "linux_amd64"

# Runs in the other version's interpreter; prints one JSON object.
SNIPPET = r'''
import json, sys, duckdb
args = json.loads(sys.argv[1])
out = {"version": duckdb.__version__}
try:
    config = {"allow_unsigned_extensions": "true"}
    con = duckdb.connect(args.get("db", ":memory:"), config=config)
    if args.get("load"):
        con.execute(f"LOAD '{args['load']}'")
    out["rows"] = [list(map(lambda v: None if v is None else str(v), r)) for r in con.execute(args["sql"]).fetchall()] if args.get("sql") else []
    for sql in args.get("then", []):
        con.execute(sql)
    con.close()
except duckdb.Error as e:
    out["error"] = str(e)
print(json.dumps(out))
'''

SETUP = [
    "CREATE TABLE customers(id INTEGER PRIMARY KEY, region VARCHAR)",
    "INSERT INTO customers VALUES (1, 'EU'), (2, 'US'), (3, 'EU')",
    "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INTEGER, amount INTEGER)",
    "INSERT INTO orders VALUES (1, 1, 10), (2, 1, 20), (3, 2, 5), (4, 9, 1)",
    "CREATE SEMANTIC VIEW sales AS TABLES (o AS orders PRIMARY KEY (id), c AS customers PRIMARY KEY (id)) "
    "RELATIONSHIPS (o (customer_id) REFERENCES c) DIMENSIONS (c.region AS region) "
    "METRICS (o.revenue AS sum(amount), c.customer_count AS count(*))",
]
QUERY = ("SELECT region, revenue, customer_count FROM semantic_view('sales', dimensions := ['region'], "
         "metrics := ['revenue', 'customer_count']) ORDER BY region NULLS LAST")
EXPECTED = [["EU", "30", "2"], ["US", "5", "1"], [None, "1", "0"]]


def run(python, **args):
    proc = subprocess.run([python, "-c", SNIPPET, json.dumps(args)], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError(f"{python} failed: {proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def extension(repository, version):
    return os.path.join(repository, version, PLATFORM, "semantic_views.duckdb_extension")


def refuses_other_build(pythons, repository, host, built_for):
    result = run(pythons[host], load=extension(repository, built_for), sql="SELECT 1")
    message = result.get("error", "")
    print(f"  {host} loading the {built_for} build -> {message.splitlines()[0] if message else result}")
    expected = (f"built specifically for DuckDB version '{built_for}' and can only be loaded with that version "
                f"of DuckDB. (this version of DuckDB is '{host}')")
    assert expected in message, message


def file_travels(pythons, repository, writer, reader, workdir):
    db = os.path.join(workdir, f"written_by_{writer}.duckdb")
    written = run(pythons[writer], db=db, load=extension(repository, writer), sql="SELECT 1", then=SETUP)
    assert "error" not in written, written
    plain = run(pythons[reader], db=db, sql="SELECT count(*) FROM semantic_layer._definitions")
    if "error" in plain:
        # DuckDB itself cannot open the file (a newer storage format): nothing for us to read.
        print(f"  {writer} file in {reader} without the extension: DuckDB refuses the file: "
              f"{plain['error'].splitlines()[0]}")
        assert writer > reader, plain
        return "refused by DuckDB"
    assert plain["rows"] == [["1"]], plain
    read = run(pythons[reader], db=db, load=extension(repository, reader), sql=QUERY)
    print(f"  {writer} file read by the {reader} build: {read.get('rows', read)}")
    assert read.get("rows") == EXPECTED, read
    return "read"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repository", required=True)
    ap.add_argument("--python", action="append", required=True, help="VERSION=path/to/python")
    args = ap.parse_args()
    pythons = dict(p.split("=", 1) for p in args.python)
    repository = os.path.abspath(args.repository)
    versions = sorted(pythons)
    workdir = tempfile.mkdtemp(prefix="sv-versions-")
    cases = []
    for host in versions:
        for built_for in versions:
            if host != built_for:
                cases.append((f"{host} refuses the {built_for} build",
                              lambda h=host, b=built_for: refuses_other_build(pythons, repository, h, b)))
    for writer in versions:
        for reader in versions:
            if writer != reader:
                cases.append((f"a {writer} database file in {reader}",
                              lambda w=writer, r=reader: file_travels(pythons, repository, w, r, workdir)))
    passed = failed = 0
    for name, case in cases:
        try:
            outcome = case()
            passed += 1
            print(f"ok   {name}" + (f" ({outcome})" if outcome else ""))
        except Exception as e:
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"version tests: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
