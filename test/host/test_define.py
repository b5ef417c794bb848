#!/usr/bin/env python3
"""Defining a view of many members: members are bound in batches, which DuckDB's worker threads
parse while the defining thread binds. With one thread and with several, every member's type
must be the one DuckDB gives its expression alone, and a member that does not parse or bind,
wherever it falls among the batches, must fail the define with an error naming it. Two
connections defining such views at once share the worker threads and get the same types."""
import json
import sys

import duckdb

import loaded

SETUP = [
    "CREATE TABLE dim(id INTEGER PRIMARY KEY, name VARCHAR, n BIGINT, born DATE)",
    "CREATE TABLE fact(id INTEGER PRIMARY KEY, dim_id INTEGER, v INTEGER, w DOUBLE, s VARCHAR)",
    "INSERT INTO dim VALUES (1, 'a', 10, DATE '2020-01-01'), (2, 'b', NULL, NULL)",
    "INSERT INTO fact VALUES (1, 1, 5, 1.5, 'x'), (2, 1, NULL, 2.5, 'y'), (3, 2, 7, NULL, NULL)",
]

# Templates of varied result types; `{i}` makes every member's expression its own. Their counts
# do not divide a batch's 256 members, so batches differ in the types at each position.
DIMENSIONS = ["name || '{i}'", "n + {i}", "n * {i}.5", "born + {i}", "[n, {i}]", "{{'k': {i}, 'v': name}}",
              "CAST(n AS HUGEINT) - {i}", "id > {i}", "n / {i}.0"]
METRICS = ["sum(v) + {i}", "avg(w) * {i}", "count(*) - {i}", "max(s) || '{i}'", "list(v ORDER BY id)[1] + {i}",
           "sum(w)::DECIMAL(18, 3) + {i}"]
MEMBERS = 1200  # of each kind: several batches of each


def definition(members, broken=None):
    dims = [{"table": "d", "name": f"dim_{i}", "expr": DIMENSIONS[i % len(DIMENSIONS)].format(i=i)}
            for i in range(members)]
    metrics = [{"table": "f", "name": f"metric_{i}", "expr": METRICS[i % len(METRICS)].format(i=i)}
               for i in range(members)]
    if broken:
        kind, index, expr = broken
        (dims if kind == "dimension" else metrics)[index]["expr"] = expr
    return {
        "tables": [{"alias": "f", "table": "fact", "primary_key": ["id"]},
                   {"alias": "d", "table": "dim", "primary_key": ["id"]}],
        "relationships": [{"name": "f_d", "from": "f", "from_columns": ["dim_id"], "to": "d"}],
        "dimensions": dims,
        "metrics": metrics,
    }


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def duckdb_types(con):
    """Each template's type as DuckDB gives it for the expression alone (constants change no type)."""
    types = {}
    for i in range(MEMBERS):
        expr = DIMENSIONS[i % len(DIMENSIONS)].format(i=i)
        types[f"dim_{i}"] = con.execute(f"DESCRIBE SELECT {expr} AS c FROM dim AS d").fetchall()[0][1]
        expr = METRICS[i % len(METRICS)].format(i=i)
        types[f"metric_{i}"] = con.execute(f"DESCRIBE SELECT {expr} AS c FROM fact AS f").fetchall()[0][1]
    return types


def check_types(con, expected, label):
    """One case: every member's type is DuckDB's. Returns the failures (none when it passes)."""
    con.execute(f"PRAGMA define_semantic_view('wide', {literal(json.dumps(definition(MEMBERS)))})")
    got = dict(con.execute("SELECT object_name, data_type FROM semantic_view_members('wide') "
                           "WHERE object_kind IN ('dimension', 'metric')").fetchall())
    wrong = [f"{name}: {got.get(name)} where DuckDB gives {t}" for name, t in expected.items() if got.get(name) != t]
    con.execute("DROP SEMANTIC VIEW wide")
    return [[f"{label}: {len(wrong)} wrong types, e.g. " + "; ".join(wrong[:5])] if wrong else []]


def check_errors(con, label):
    """A case per misplaced error, and one that no failed define left a view behind."""
    last = MEMBERS - 1
    cases = [
        (("dimension", 0, "name ||| 'x'"), "dimension 'd.dim_0'"),                  # does not parse, first batch
        (("dimension", last, "missing_column + 1"), f"dimension 'd.dim_{last}'"),  # does not bind, last batch
        (("metric", 700, "sum(v) +"), "metric 'f.metric_700'"),                    # does not parse, a middle batch
        (("metric", last, "upper(v)"), f"metric 'f.metric_{last}'"),               # not an aggregate, last batch
        (("dimension", 300, "sum(n)"), "dimension 'd.dim_300'"),                   # an aggregate, a middle batch
    ]
    results = []
    for broken, named in cases:
        try:
            con.execute(f"PRAGMA define_semantic_view('wide', {literal(json.dumps(definition(MEMBERS, broken)))})")
            results.append([f"{label}: {broken[2]!r} at {named} was accepted"])
        except duckdb.Error as e:
            results.append([] if named in str(e) else [f"{label}: {broken[2]!r} at {named}: the error does not name it: {e}"])
    left = con.execute("SELECT count(*) FROM list_semantic_views()").fetchone()[0]
    results.append([f"{label}: failed defines left {left} views behind"] if left else [])
    return results


def check_concurrent_defines(con, expected):
    """Two connections define wide views at once, sharing DuckDB's worker threads."""
    import threading
    text = literal(json.dumps(definition(MEMBERS)))
    errors = []

    def define(name):
        try:
            con.cursor().execute(f"PRAGMA define_semantic_view('{name}', {text})")
        except duckdb.Error as e:
            errors.append(f"{name}: {e}")

    threads = [threading.Thread(target=define, args=(f"wide_{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results = [[f"concurrent defines: {e}" for e in errors]]
    for i in range(2):
        got = dict(con.execute(f"SELECT object_name, data_type FROM semantic_view_members('wide_{i}') "
                               "WHERE object_kind IN ('dimension', 'metric')").fetchall()) if not errors else {}
        wrong = [name for name, t in expected.items() if got.get(name) != t]
        results.append([f"concurrent define wide_{i}: {len(wrong)} wrong types"] if wrong and not errors else [])
        con.execute(f"DROP SEMANTIC VIEW IF EXISTS wide_{i}")
    return results


def main():
    con = loaded.connect(__doc__, SETUP)
    expected = duckdb_types(con)
    results = []
    for threads in (1, 4):
        con.execute(f"SET threads = {threads}")
        results += check_types(con, expected, f"{threads} thread(s)")
        results += check_errors(con, f"{threads} thread(s)")
    results += check_concurrent_defines(con, expected)
    failures = [message for case in results for message in case]
    for f in failures:
        print("FAIL " + f)
    failed = sum(1 for case in results if case)
    print(f"define of {2 * MEMBERS} members (all types right; errors in any batch), 1 and 4 threads, two at once: "
          f"{len(results) - failed} passed, {failed} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
