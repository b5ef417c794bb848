#!/usr/bin/env python3
"""The shipped artifact, tested as users get it: INSTALL semantic_views FROM a repository and
LOAD it in the official DuckDB CLI (PyPI duckdb-cli) and Python package (PyPI duckdb), then run
a define / query / drop scenario in each. Repositories: a local directory and the same tree
served over HTTP (gzipped, as DuckDB's repositories are)."""
import argparse
import functools
import gzip
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading

import duckdb

DEFINITION = (
    '{"tables": [{"alias": "o", "table": "orders", "primary_key": ["id"]}, '
    '{"alias": "c", "table": "customers", "primary_key": ["id"]}], '
    '"relationships": [{"name": "orders_customers", "from": "o", "from_columns": ["customer_id"], "to": "c"}], '
    '"dimensions": [{"table": "c", "name": "region", "expr": "region"}], '
    '"metrics": [{"table": "o", "name": "revenue", "expr": "sum(amount)"}, '
    '{"table": "c", "name": "customer_count", "expr": "count(*)"}]}'
)
SETUP = [
    "CREATE TABLE customers(id INTEGER PRIMARY KEY, region VARCHAR)",
    "INSERT INTO customers VALUES (1, 'EU'), (2, 'US'), (3, 'EU')",
    "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer_id INTEGER, amount INTEGER)",
    "INSERT INTO orders VALUES (1, 1, 10), (2, 1, 20), (3, 2, 5), (4, 9, 1)",
    f"PRAGMA define_semantic_view('sales', '{DEFINITION}')",
]
QUERY = ("SELECT region, revenue, customer_count FROM semantic_view('sales', dimensions := ['region'], "
         "metrics := ['revenue', 'customer_count']) ORDER BY region NULLS LAST")
EXPECTED = [("EU", 30, 2), ("US", 5, 1), (None, 1, 0)]
# The SQL surface (parser hook) in the same hosts.
DDL = ("CREATE SEMANTIC VIEW sales2 AS TABLES (o AS orders PRIMARY KEY (id), c AS customers PRIMARY KEY (id)) "
       "RELATIONSHIPS (o (customer_id) REFERENCES c) DIMENSIONS (c.region AS region) "
       "METRICS (o.revenue AS sum(amount), c.customer_count AS count(*))")
DDL_QUERY = ("SELECT * FROM SEMANTIC_VIEW(sales2 DIMENSIONS region METRICS revenue, customer_count) "
             "ORDER BY region NULLS LAST")
# Plain SQL over the same view (the planner's bind hook).
PLAIN_QUERY = ("SELECT region, AGG(revenue) AS revenue, MEASURE(customer_count) AS customer_count FROM sales2 "
               "GROUP BY region ORDER BY region NULLS LAST")


BAD_DDL = "CREATE SEMANTIC VIEW bad TABLES (o AS orders) DIMENSIOS (o.s AS status)"


def check_syntax_error(con, label):
    """A syntax error names the offending token; where DuckDB's parser hook passes the query
    text (1.5), a caret points at it too. DuckDB 2.0 hands extensions tokens without offsets."""
    try:
        con.execute(BAD_DDL)
        raise AssertionError("a misspelt clause was accepted")
    except duckdb.ParserException as e:
        message = str(e)
    print(f"  [{label}] python: {BAD_DDL}\n    -> " + message.replace("\n", "\n       "))
    assert "found 'DIMENSIOS'; did you mean DIMENSIONS?" in message, message
    if duckdb.__version__.startswith("1."):
        lines = message.splitlines()
        source = next(i for i, line in enumerate(lines) if line.startswith("LINE 1: "))
        column = lines[source].index("DIMENSIOS")
        assert lines[source + 1].index("^") == column, message


def check_python_variable(con):
    """A Python variable named like a semantic view (a relation here; a data frame alike) is read
    as DuckDB reads it, ahead of the semantic view, however often the view was read by name."""
    plain = "SELECT region FROM sales2 GROUP BY ALL ORDER BY ALL"
    rows = con.execute(plain).fetchall()
    assert rows == [("EU",), ("US",)], rows
    sales2 = con.sql("SELECT 'shadow' AS region")  # noqa: F841 (read by the query below)
    assert con.execute(plain).fetchall() == [("shadow",)]
    del sales2
    assert con.execute(plain).fetchall() == [("EU",), ("US",)]


def python_host(repository, label):
    ext_dir = tempfile.mkdtemp(prefix="sv-ext-")
    try:
        con = duckdb.connect(config={"allow_unsigned_extensions": "true", "extension_directory": ext_dir})
        con.execute(f"INSTALL semantic_views FROM '{repository}'")
        con.execute("LOAD semantic_views")
        info = con.execute("SELECT extension_version, install_mode, installed_from FROM duckdb_extensions() "
                           "WHERE extension_name = 'semantic_views'").fetchone()
        print(f"  [{label}] python duckdb {duckdb.__version__}: duckdb_extensions() -> {info}")
        for sql in SETUP:
            con.execute(sql)
        rows = con.execute(QUERY).fetchall()
        print(f"  [{label}] python: {QUERY}\n    -> {rows}")
        assert rows == EXPECTED, rows
        con.execute("PRAGMA drop_semantic_view('sales')")
        con.execute(DDL)
        ddl_rows = con.execute(DDL_QUERY).fetchall()
        print(f"  [{label}] python: {DDL_QUERY}\n    -> {ddl_rows}")
        assert ddl_rows == EXPECTED, ddl_rows
        plain_rows = con.execute(PLAIN_QUERY).fetchall()
        print(f"  [{label}] python: {PLAIN_QUERY}\n    -> {plain_rows}")
        assert plain_rows == EXPECTED, plain_rows
        # Client-side prepared statements: parameters in WHERE and HAVING, re-expanded per execution.
        params_sql = ("SELECT region, AGG(revenue) FROM sales2 WHERE region <> ? GROUP BY region "
                      "HAVING AGG(revenue) > ? ORDER BY region")
        assert con.execute(params_sql, ["US", 1]).fetchall() == [("EU", 30)]
        con.execute(DDL.replace("CREATE SEMANTIC VIEW", "CREATE OR REPLACE SEMANTIC VIEW").replace("sum(amount)", "sum(amount) * 2"))
        assert con.execute(params_sql, ["US", 1]).fetchall() == [("EU", 60)]
        # Under ROLLUP the where clause is each set's: its `?` is numbered once, as written.
        rollup_sql = ("SELECT region, AGG(revenue), GROUPING(region) FROM sales2 WHERE region <> ? "
                      "GROUP BY ROLLUP (region) HAVING AGG(revenue) > ? ORDER BY 3, 1")
        assert con.execute(rollup_sql, ["US", 1]).fetchall() == [("EU", 60, 0), (None, 60, 1)]
        check_syntax_error(con, label)
        check_python_variable(con)
        con.execute("DROP SEMANTIC VIEW sales2")
        assert con.execute("SELECT count(*) FROM list_semantic_views()").fetchone()[0] == 0
        assert info[1] == "REPOSITORY", info
        con.close()
    finally:
        shutil.rmtree(ext_dir, ignore_errors=True)


def cli_host(cli, repository, label):
    ext_dir = tempfile.mkdtemp(prefix="sv-ext-")
    try:
        script = "\n".join(
            [f"SET extension_directory = '{ext_dir}';", f"INSTALL semantic_views FROM '{repository}';",
             "LOAD semantic_views;", ".mode csv",
             "SELECT extension_version, install_mode, installed_from FROM duckdb_extensions() WHERE extension_name = 'semantic_views';"]
            + [s + ";" for s in SETUP]
            + [QUERY + ";", "PRAGMA drop_semantic_view('sales');", DDL + ";", DDL_QUERY + ";", PLAIN_QUERY + ";",
               "DROP SEMANTIC VIEW sales2;", "SELECT count(*) AS remaining FROM list_semantic_views();"])
        proc = subprocess.run([cli, "-unsigned", "-bail"], input=script, capture_output=True, text=True, timeout=120)
        out = proc.stdout.strip()
        version = subprocess.run([cli, "-version"], capture_output=True, text=True).stdout.strip()
        print(f"  [{label}] cli {version}:\n    " + out.replace("\n", "\n    "))
        if proc.returncode != 0 or proc.stderr.strip():
            raise AssertionError(f"CLI failed ({proc.returncode}): {proc.stderr}")
        lines = out.splitlines()
        assert "REPOSITORY" in lines[1], lines
        assert lines[2:6] == ["region,revenue,customer_count", "EU,30,2", "US,5,1", "NULL,1,0"], lines
        assert lines[6:10] == ["region,revenue,customer_count", "EU,30,2", "US,5,1", "NULL,1,0"], lines
        assert lines[10:14] == ["region,revenue,customer_count", "EU,30,2", "US,5,1", "NULL,1,0"], lines
        assert lines[-1] == "0", lines
    finally:
        shutil.rmtree(ext_dir, ignore_errors=True)


def serve_gzipped(repository):
    """Serves a gzipped copy of the repository tree over HTTP on a free port."""
    root = tempfile.mkdtemp(prefix="sv-http-repo-")
    for dirpath, _, files in os.walk(repository):
        for f in files:
            src = os.path.join(dirpath, f)
            dst = os.path.join(root, os.path.relpath(src, repository)) + ".gz"
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(src, "rb") as i, gzip.open(dst, "wb") as o:
                shutil.copyfileobj(i, o)
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, root


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repository", required=True)
    ap.add_argument("--cli", help="the official CLI of the same DuckDB version, where PyPI has one")
    args = ap.parse_args()
    repository = os.path.abspath(args.repository)
    server, root = serve_gzipped(repository)
    http_repo = f"http://127.0.0.1:{server.server_address[1]}"
    cases = [
        ("python, local repository", lambda: python_host(repository, "local")),
        ("python, http repository", lambda: python_host(http_repo, "http")),
    ]
    if args.cli:
        cases += [
            ("cli, local repository", lambda: cli_host(args.cli, repository, "local")),
            ("cli, http repository", lambda: cli_host(args.cli, http_repo, "http")),
        ]
    passed = failed = 0
    for name, case in cases:
        try:
            case()
            passed += 1
            print(f"ok   {name}")
        except Exception as e:
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
    server.shutdown()
    shutil.rmtree(root, ignore_errors=True)
    print(f"host tests: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
