#!/usr/bin/env python3
"""Benchmark (not a test): semantic_view() against equivalent hand-written SQL.

1. TPC-H-like data at a chosen scale (default 1.2M lineitem rows); each request shape is run
   through semantic_view(), the SEMANTIC_VIEW clause, plain SQL and as hand-written SQL,
   alternating, --runs rounds (more for millisecond shapes: about a second of each form);
   prints the median times and the ratios.
2. Bind/plan overhead: queries per second on a 500-member view over empty tables, against the
   same hand-written SQL.
3. Per-query time with 1 and with 2,000 semantic views in the database.
4. How define and expansion time grow from 50 to 5,000 members.
5. The cost of the per-query key guard (semantic_views_verify = 'error') per shape.
6. For the millisecond shapes, the fixed cost of any table function's bind: DuckDB's own query()
   over the generated SQL, against that SQL written out and our forms.
"""
import argparse
import json
import statistics
import time

import duckdb

SHAPES = [
    ("1 dim, 1 metric (1 hop)", dict(dimensions=["status"], metrics=["order_count"]),
     "SELECT o_orderstatus, count(*) FROM orders GROUP BY 1"),
    ("2 dims, 2 metrics (multi-hop)", dict(dimensions=["region", "segment"], metrics=["revenue", "quantity"]),
     """SELECT r_name, c_mktsegment, sum(l_extendedprice * (1 - l_discount)), sum(l_quantity)
        FROM lineitem LEFT JOIN orders ON l_orderkey = o_orderkey LEFT JOIN customer ON o_custkey = c_custkey
        LEFT JOIN nation ON c_nationkey = n_nationkey LEFT JOIN region ON n_regionkey = r_regionkey GROUP BY 1, 2"""),
    ("3 dims, 1 metric", dict(dimensions=["region", "brand", "status"], metrics=["revenue"]),
     """SELECT r_name, p_brand, o_orderstatus, sum(l_extendedprice * (1 - l_discount))
        FROM lineitem LEFT JOIN orders ON l_orderkey = o_orderkey LEFT JOIN customer ON o_custkey = c_custkey
        LEFT JOIN nation ON c_nationkey = n_nationkey LEFT JOIN region ON n_regionkey = r_regionkey
        LEFT JOIN part ON l_partkey = p_partkey GROUP BY 1, 2, 3"""),
    ("multi-grain (lineitem + orders)", dict(dimensions=["segment"], metrics=["revenue", "order_count"]),
     """WITH l AS (SELECT c_mktsegment k, sum(l_extendedprice * (1 - l_discount)) revenue FROM lineitem
                  LEFT JOIN orders ON l_orderkey = o_orderkey LEFT JOIN customer ON o_custkey = c_custkey GROUP BY 1),
             o AS (SELECT c_mktsegment k, count(*) orders FROM orders LEFT JOIN customer ON o_custkey = c_custkey GROUP BY 1)
        SELECT coalesce(l.k, o.k), l.revenue, coalesce(o.orders, 0) FROM l FULL OUTER JOIN o ON l.k IS NOT DISTINCT FROM o.k"""),
    ("derived across grains, 4 metrics", dict(dimensions=["segment"], metrics=["revenue", "order_count", "revenue_per_order", "quantity"]),
     """WITH l AS (SELECT c_mktsegment k, sum(l_extendedprice * (1 - l_discount)) revenue, sum(l_quantity) q FROM lineitem
                  LEFT JOIN orders ON l_orderkey = o_orderkey LEFT JOIN customer ON o_custkey = c_custkey GROUP BY 1),
             o AS (SELECT c_mktsegment k, count(*) orders FROM orders LEFT JOIN customer ON o_custkey = c_custkey GROUP BY 1)
        SELECT coalesce(l.k, o.k), l.revenue, coalesce(o.orders, 0), l.revenue / coalesce(o.orders, 0), l.q
        FROM l FULL OUTER JOIN o ON l.k IS NOT DISTINCT FROM o.k"""),
    ("where_clause", dict(dimensions=["brand"], metrics=["revenue"], where_clause="segment = 'AUTO' AND status = 'F'"),
     """SELECT p_brand, sum(l_extendedprice * (1 - l_discount)) FROM lineitem LEFT JOIN orders ON l_orderkey = o_orderkey
        LEFT JOIN customer ON o_custkey = c_custkey LEFT JOIN part ON l_partkey = p_partkey
        WHERE c_mktsegment = 'AUTO' AND o_orderstatus = 'F' GROUP BY 1"""),
    ("dimensions only", dict(dimensions=["nation", "segment"]),
     """SELECT n_name, c_mktsegment FROM customer LEFT JOIN nation ON c_nationkey = n_nationkey GROUP BY 1, 2"""),
    ("metrics only", dict(metrics=["revenue", "quantity"]),
     "SELECT sum(l_extendedprice * (1 - l_discount)), sum(l_quantity) FROM lineitem"),
    ("semi-additive (latest stock by brand)", dict(dimensions=["brand"], metrics=["stock_level"]),
     """WITH latest AS (SELECT p_brand, max(s_date) AS d FROM stock LEFT JOIN part ON s_partkey = p_partkey GROUP BY 1)
        SELECT p_brand, sum(s_qty) FROM stock LEFT JOIN part ON s_partkey = p_partkey JOIN latest USING (p_brand)
        WHERE s_date = latest.d GROUP BY 1"""),
    ("window (running revenue by month)", dict(dimensions=["segment", "month"], metrics=["revenue", "revenue_running"]),
     """SELECT c_mktsegment, date_trunc('month', o_orderdate), sum(l_extendedprice * (1 - l_discount)),
               sum(sum(l_extendedprice * (1 - l_discount))) OVER (PARTITION BY c_mktsegment
                   ORDER BY date_trunc('month', o_orderdate) ROWS UNBOUNDED PRECEDING)
        FROM lineitem LEFT JOIN orders ON l_orderkey = o_orderkey LEFT JOIN customer ON o_custkey = c_custkey GROUP BY 1, 2"""),
    ("selective outer WHERE on a dimension", dict(dimensions=["shipmode", "brand"], metrics=["revenue"], outer="WHERE shipmode = 'AIR'"),
     """SELECT l_shipmode, p_brand, sum(l_extendedprice * (1 - l_discount)) FROM lineitem LEFT JOIN part ON l_partkey = p_partkey
        WHERE l_shipmode = 'AIR' GROUP BY 1, 2"""),
]

DEFINITION = {
    "tables": [
        {"alias": "l", "table": "lineitem", "primary_key": ["l_orderkey", "l_linenumber"]},
        {"alias": "o", "table": "orders", "primary_key": ["o_orderkey"]},
        {"alias": "c", "table": "customer", "primary_key": ["c_custkey"]},
        {"alias": "n", "table": "nation", "primary_key": ["n_nationkey"]},
        {"alias": "r", "table": "region", "primary_key": ["r_regionkey"]},
        {"alias": "p", "table": "part", "primary_key": ["p_partkey"]},
        {"alias": "s", "table": "stock", "primary_key": ["s_partkey", "s_date"]},
    ],
    "relationships": [
        {"name": "l_o", "from": "l", "from_columns": ["l_orderkey"], "to": "o"},
        {"name": "l_p", "from": "l", "from_columns": ["l_partkey"], "to": "p"},
        {"name": "o_c", "from": "o", "from_columns": ["o_custkey"], "to": "c"},
        {"name": "c_n", "from": "c", "from_columns": ["c_nationkey"], "to": "n"},
        {"name": "n_r", "from": "n", "from_columns": ["n_regionkey"], "to": "r"},
        {"name": "s_p", "from": "s", "from_columns": ["s_partkey"], "to": "p"},
    ],
    "facts": [{"table": "l", "name": "net", "expr": "l_extendedprice * (1 - l_discount)"}],
    "dimensions": [
        {"table": "r", "name": "region", "expr": "r_name"},
        {"table": "n", "name": "nation", "expr": "n_name"},
        {"table": "c", "name": "segment", "expr": "c_mktsegment"},
        {"table": "o", "name": "status", "expr": "o_orderstatus"},
        {"table": "p", "name": "brand", "expr": "p_brand"},
        {"table": "l", "name": "shipmode", "expr": "l_shipmode"},
        {"table": "o", "name": "month", "expr": "date_trunc('month', o_orderdate)"},
        {"table": "s", "name": "stock_date", "expr": "s_date"},
    ],
    "metrics": [
        {"table": "l", "name": "revenue", "expr": "sum(net)"},
        {"table": "l", "name": "quantity", "expr": "sum(l_quantity)"},
        {"table": "o", "name": "order_count", "expr": "count(*)"},
        {"name": "revenue_per_order", "expr": "revenue / order_count"},
        {"table": "s", "name": "stock_level", "expr": "sum(s_qty)", "non_additive_by": [{"dimension": "stock_date"}]},
        {"table": "l", "name": "revenue_running",
         "expr": "SUM(revenue) OVER (PARTITION BY EXCLUDING month ORDER BY month ROWS UNBOUNDED PRECEDING)"},
    ],
}


def generate(con, lineitems):
    orders = lineitems // 4
    con.execute("CREATE TABLE region AS SELECT i AS r_regionkey, 'REGION ' || i AS r_name FROM range(5) t(i)")
    con.execute("CREATE TABLE nation AS SELECT i AS n_nationkey, 'NATION ' || i AS n_name, i % 5 AS n_regionkey FROM range(25) t(i)")
    con.execute(f"""CREATE TABLE customer AS SELECT i AS c_custkey, i % 25 AS c_nationkey,
        ['AUTO', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY'][i % 5 + 1] AS c_mktsegment FROM range({orders // 10}) t(i)""")
    con.execute(f"""CREATE TABLE orders AS SELECT i AS o_orderkey, hash(i) % {orders // 10} AS o_custkey,
        ['F', 'O', 'P'][i % 3 + 1] AS o_orderstatus, DATE '2020-01-01' + (hash(i * 3) % 1000)::INTEGER AS o_orderdate
        FROM range({orders}) t(i)""")
    con.execute(f"CREATE TABLE part AS SELECT i AS p_partkey, 'Brand#' || (i % 25) AS p_brand FROM range({lineitems // 30}) t(i)")
    # daily stock snapshots of each part; parts stop being counted on different days
    con.execute(f"""CREATE TABLE stock AS SELECT p AS s_partkey, DATE '2024-01-01' + d::INTEGER AS s_date, hash(p * 31 + d) % 500 AS s_qty
        FROM range({lineitems // 30}) t(p), range(10) u(d) WHERE d <= 5 + p % 5""")
    con.execute(f"""CREATE TABLE lineitem AS SELECT i // 4 AS l_orderkey, i % 4 AS l_linenumber, hash(i) % {lineitems // 30} AS l_partkey,
        (1 + i % 50)::DECIMAL(12,2) AS l_quantity, (900 + hash(i * 7) % 100000 / 100)::DECIMAL(12,2) AS l_extendedprice,
        ((i % 11) / 100)::DECIMAL(4,2) AS l_discount, ['AIR', 'MAIL', 'RAIL', 'SHIP', 'TRUCK', 'FOB', 'REG AIR'][i % 7 + 1] AS l_shipmode
        FROM range({lineitems}) t(i)""")


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def semantic_sql(request):
    args = []
    for key in ("dimensions", "metrics"):
        if request.get(key):
            args.append(f"{key} := [{', '.join(repr(x) for x in request[key])}]")
    if request.get("where_clause"):
        args.append("where_clause := '" + request["where_clause"].replace("'", "''") + "'")
    return f"SELECT * FROM semantic_view('tpch', {', '.join(args)}) {request.get('outer', '')}"


def clause_sql(request):
    """The same request through the SEMANTIC_VIEW(...) clause."""
    parts = []
    for key in ("dimensions", "metrics"):
        if request.get(key):
            parts.append(f"{key.upper()} {', '.join(request[key])}")
    if request.get("where_clause"):
        parts.append("WHERE " + request["where_clause"])
    return f"SELECT * FROM SEMANTIC_VIEW(tpch {' '.join(parts)}) {request.get('outer', '')}"


def plain_sql(request):
    """The same request as plain SQL over the semantic view (AGG() and GROUP BY)."""
    dims, metrics = request.get("dimensions", []), request.get("metrics", [])
    sql = f"SELECT {', '.join(dims + [f'AGG({m}) AS {m}' for m in metrics])} FROM tpch"
    where = [w for w in (request.get("where_clause"), request.get("outer", "").removeprefix("WHERE ")) if w]
    if where:
        sql += " WHERE " + " AND ".join(f"({w})" for w in where)
    if dims:
        sql += " GROUP BY " + ", ".join(dims)
    return sql


def timed(con, sql):
    start = time.perf_counter()
    con.execute(sql).fetchall()
    return time.perf_counter() - start


def shapes(con, runs):
    print(f"\n{'shape':40} {'semantic ms':>12} {'hand ms':>10} {'ratio':>7} {'plain SQL ms':>13} {'plain/sem':>10}"
          f" {'clause ms':>10} {'plain/clause':>13}")
    ratios, plain_ratios, clause_ratios = [], [], []
    for name, request, hand in SHAPES:
        sem = semantic_sql(request)
        plain = plain_sql(request)
        clause = clause_sql(request)
        expected = sorted(map(repr, con.execute(hand).fetchall()))
        assert sorted(map(repr, con.execute(sem).fetchall())) == expected, name
        assert sorted(map(repr, con.execute(plain).fetchall())) == expected, name
        assert sorted(map(repr, con.execute(clause).fetchall())) == expected, name
        # At least `runs` rounds and about a second per form: a millisecond query needs hundreds of
        # samples for its median to settle within a percent. Each round starts at another form,
        # so that no form always runs right after the same one.
        rounds = max(runs, int(1.0 / max(timed(con, hand), 1e-4)))
        forms = [(sem, []), (hand, []), (plain, []), (clause, [])]
        for r in range(rounds):
            for sql, times in forms[r % 4:] + forms[:r % 4]:
                times.append(timed(con, sql))
        ma, mb, mc, md = (statistics.median(times) * 1000 for _, times in forms)
        ratios.append(ma / mb)
        plain_ratios.append(mc / ma)
        clause_ratios.append(mc / md)
        print(f"{name:40} {ma:12.1f} {mb:10.1f} {ma / mb:7.3f} {mc:13.1f} {mc / ma:10.3f} {md:10.1f} {mc / md:13.3f}")
    print(f"{'geometric mean ratio':40} {'':12} {'':10} {statistics.geometric_mean(ratios):7.3f} {'':13} "
          f"{statistics.geometric_mean(plain_ratios):10.3f} {'':10} {statistics.geometric_mean(clause_ratios):13.3f}")
    print(f"{'median':40} {'':12} {'':10} {'':7} {'':13} {statistics.median(plain_ratios):10.3f} {'':10} "
          f"{statistics.median(clause_ratios):13.3f}")


def verify_guard(con, runs):
    """Issue 14: the per-query key guard (SET semantic_views_verify = 'error') against the same
    query without it; the default ('off') adds nothing to the expansion."""
    print(f"\n{'shape, semantic_views_verify = error':40} {'off ms':>10} {'error ms':>10} {'ratio':>7}")
    ratios = []
    for name, request, _ in SHAPES:
        sem = semantic_sql(request)
        off, on = [], []
        for _ in range(runs):
            con.execute("SET semantic_views_verify = 'off'")
            off.append(timed(con, sem))
            con.execute("SET semantic_views_verify = 'error'")
            on.append(timed(con, sem))
        con.execute("SET semantic_views_verify = 'off'")
        mo, me = (statistics.median(x) * 1000 for x in (off, on))
        ratios.append(me / mo)
        print(f"{name:40} {mo:10.1f} {me:10.1f} {me / mo:7.3f}")
    print(f"{'geometric mean':40} {'':10} {'':10} {statistics.geometric_mean(ratios):7.3f}")


def wide_definition(members):
    """A star with 10 tables and `members` dimensions and metrics spread over them."""
    tables = [{"alias": "f", "table": "fact", "primary_key": ["id"]}]
    rels = []
    for d in range(9):
        tables.append({"alias": f"d{d}", "table": f"dim{d}", "primary_key": ["id"]})
        rels.append({"name": f"f_d{d}", "from": "f", "from_columns": [f"d{d}_id"], "to": f"d{d}"})
    dims, metrics = [], []
    for i in range(members // 2):
        t = "f" if i % 10 == 9 else f"d{i % 9}"
        dims.append({"table": t, "name": f"dim_{i}", "expr": f"upper(c{i % 5}) || '{i}'"})
        metrics.append({"table": "f", "name": f"metric_{i}", "expr": f"sum(v{i % 5}) + {i}"})
    return {"tables": tables, "relationships": rels, "dimensions": dims, "metrics": metrics}


def wide_tables(con):
    cols = ", ".join(f"c{i} VARCHAR" for i in range(5))
    for d in range(9):
        con.execute(f"CREATE TABLE dim{d}(id INTEGER PRIMARY KEY, {cols})")
    fks = ", ".join(f"d{d}_id INTEGER" for d in range(9))
    vals = ", ".join(f"v{i} INTEGER" for i in range(5))
    con.execute(f"CREATE TABLE fact(id INTEGER PRIMARY KEY, {fks}, {vals}, {cols})")


def overhead(extension, seconds):
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{extension}'")
    wide_tables(con)
    con.execute(f"PRAGMA define_semantic_view('wide', {literal(json.dumps(wide_definition(500)))})")
    sem = "SELECT * FROM semantic_view('wide', dimensions := ['dim_0', 'dim_1'], metrics := ['metric_0', 'metric_1'])"
    hand = """SELECT upper(d0.c0) || '0', upper(d1.c1) || '1', sum(f.v0) + 0, sum(f.v1) + 1 FROM fact f
              LEFT JOIN dim0 d0 ON f.d0_id = d0.id LEFT JOIN dim1 d1 ON f.d1_id = d1.id GROUP BY 1, 2"""
    # Alternating one query each, so that drift affects both alike.
    forms = {"semantic_view()": (sem, []), "hand-written": (hand, [])}
    deadline = time.perf_counter() + 2 * seconds
    while time.perf_counter() < deadline:
        for sql, times in forms.values():
            times.append(timed(con, sql))
    print("\nbind/plan overhead, 500-member view over empty tables (median, alternating)")
    for name, (_, times) in forms.items():
        ms = statistics.median(times) * 1000
        print(f"  {name:18} {1000 / ms:8.0f} queries/s  ({ms:.3f} ms/query)")


def catalog_scale(extension, seconds, views=2000):
    """Per-query time of one 100-member view alone and among `views` others (copies with
    different definitions, written straight into the store) and as many ordinary tables (which
    plain SQL must not search when it reads a semantic view), against hand-written SQL."""
    def database(count):
        con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
        con.execute(f"LOAD '{extension}'")
        wide_tables(con)
        con.execute("INSERT INTO fact SELECT i, i % 7, i % 7, i % 7, i % 7, i % 7, i % 7, i % 7, i % 7, i % 7, "
                    "i, i, i, i, i, 'a', 'b', 'c', 'd', 'e' FROM range(1000) t(i)")
        for d in range(9):
            con.execute(f"INSERT INTO dim{d} SELECT i, 'x' || i, 'y', 'z', 'w', 'v' FROM range(7) t(i)")
        con.execute(f"PRAGMA define_semantic_view('wide', {literal(json.dumps(wide_definition(100)))})")
        con.execute(f"""INSERT INTO semantic_layer._definitions SELECT '"main"."w' || i || '"', 'main', 'w' || i, d,
            NULL, now(), sha256(d) FROM (SELECT i, replace(definition, '"definition":{{', '"definition":{{"comment":"copy ' || i || '",') AS d
            FROM semantic_layer._definitions, range({count - 1}) t(i) WHERE view_name = 'wide')""")
        for i in range(count - 1):
            con.execute(f"CREATE TABLE filler_{i} (a INTEGER, b VARCHAR)")
        return con
    queries = {
        "semantic_view()": "SELECT * FROM semantic_view('wide', dimensions := ['dim_0'], metrics := ['metric_0'])",
        "SEMANTIC_VIEW clause": "SELECT * FROM SEMANTIC_VIEW(wide DIMENSIONS dim_0 METRICS metric_0)",
        "plain SQL": "SELECT dim_0, AGG(metric_0) FROM wide GROUP BY dim_0",
        "hand-written": "SELECT upper(d0.c0) || '0', sum(f.v0) + 0 FROM fact f LEFT JOIN dim0 d0 ON f.d0_id = d0.id GROUP BY 1",
        "list_semantic_views()": "SELECT count(*) FROM list_semantic_views()",
    }
    cons = {1: database(1), views: database(views)}
    times = {(n, q): [] for n in cons for q in queries}
    # Alternate configurations and queries in rounds, so drift affects all alike.
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for n, con in cons.items():
            for q, sql in queries.items():
                for _ in range(20):
                    start = time.perf_counter()
                    con.execute(sql).fetchall()
                    times[(n, q)].append(time.perf_counter() - start)
    print(f"\nper query, 1,000-row table, 1 dimension + 1 metric of a 100-member view (median ms)")
    print(f"{'':24} {'1 view':>10} {f'{views:,} views':>12} {'ratio':>7}   (and {views - 1:,} other tables)")
    for q in queries:
        a, b = (statistics.median(times[(n, q)]) * 1000 for n in cons)
        print(f"{q:24} {a:10.3f} {b:12.3f} {b / a:7.3f}")


def hook_cost(extension, seconds):
    """Ordinary statements in a database with and without the extension loaded (its parser hook
    only sees statements DuckDB's parser rejects), alternating one statement each, so that drift
    affects both alike."""
    print("\nordinary statements (SELECT sum(i) FROM t WHERE i > 10), median ms")
    cons = {}
    for loaded in (False, True):
        con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
        if loaded:
            con.execute(f"LOAD '{extension}'")
        con.execute("CREATE TABLE t AS SELECT range AS i FROM range(100)")
        cons[loaded] = con
    sql = "SELECT sum(i) FROM t WHERE i > 10"
    times = {False: [], True: []}
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        for loaded in (False, True) if len(times[True]) % 2 else (True, False):
            times[loaded].append(timed(cons[loaded], sql))
    absent, loaded = (statistics.median(times[k]) * 1000 for k in (False, True))
    print(f"  extension absent {absent:8.4f}\n  extension loaded {loaded:8.4f}   ratio {loaded / absent:.3f}")
    for con in cons.values():
        con.close()


def table_function_floor(con, runs):
    """What binding through a table function costs by itself: DuckDB's own query() table function
    (bind_replace, like semantic_view()) over the very SQL the extension generates, next to that SQL
    written out, for the millisecond shapes where this fixed cost shows."""
    print(f"\n{'millisecond shapes, median ms':40} {'hand':>8} {'generated':>10} {'query(gen)':>11} {'semantic':>9}"
          f" {'clause':>8}   (ms over hand: query(gen), semantic, clause)")
    for name, request, hand in SHAPES:
        if timed(con, hand) > 0.01:
            continue
        args = ", ".join(f"{k} := [{', '.join(repr(x) for x in request[k])}]" for k in ("dimensions", "metrics")
                         if request.get(k))
        generated = con.execute(f"SELECT sql FROM explain_semantic_view('tpch', {args})").fetchone()[0]
        forms = [hand, generated, f"SELECT * FROM query({literal(generated)})", semantic_sql(request),
                 clause_sql(request)]
        times = [[] for _ in forms]
        rounds = max(runs, int(2.0 / max(timed(con, hand), 1e-4)))
        for r in range(rounds):
            order = list(range(len(forms)))
            for i in order[r % len(forms):] + order[:r % len(forms)]:
                times[i].append(timed(con, forms[i]))
        m = [statistics.median(t) * 1000 for t in times]
        print(f"{name:40} {m[0]:8.3f} {m[1]:10.3f} {m[2]:11.3f} {m[3]:9.3f} {m[4]:8.3f}   "
              f"{m[2] - m[0]:+.3f} {m[3] - m[0]:+.3f} {m[4] - m[0]:+.3f}")


def growth(extension, defines=5):
    print(f"\n{'members':>8} {'define ms':>10} {'expand ms':>10}   (define: median of {defines} fresh databases)")
    for members in (50, 500, 5000):
        text = json.dumps(wide_definition(members))
        define_times = []
        for _ in range(defines):
            con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
            con.execute(f"LOAD '{extension}'")
            wide_tables(con)
            start = time.perf_counter()
            con.execute(f"PRAGMA define_semantic_view('wide', {literal(text)})")
            define_times.append(time.perf_counter() - start)
            if len(define_times) < defines:
                con.close()  # the last one is kept for the expansion timing
        define_ms = statistics.median(define_times) * 1000
        sql = "SELECT * FROM explain_semantic_view('wide', dimensions := ['dim_0', 'dim_1'], metrics := ['metric_0', 'metric_1'])"
        times = []
        for _ in range(20):
            start = time.perf_counter()
            con.execute(sql).fetchall()
            times.append(time.perf_counter() - start)
        print(f"{members:8} {define_ms:10.1f} {statistics.median(times) * 1000:10.3f}")
        con.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--extension", required=True)
    ap.add_argument("--lineitems", type=int, default=1_200_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--overhead-seconds", type=float, default=3.0)
    args = ap.parse_args()
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{args.extension}'")
    start = time.perf_counter()
    generate(con, args.lineitems)
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"generated {args.lineitems} lineitem rows in {time.perf_counter() - start:.1f} s; duckdb {duckdb.__version__}, threads {threads}")
    con.execute(f"PRAGMA define_semantic_view('tpch', {literal(json.dumps(DEFINITION))})")
    shapes(con, args.runs)
    table_function_floor(con, args.runs)
    verify_guard(con, args.runs)
    overhead(args.extension, args.overhead_seconds)
    catalog_scale(args.extension, args.overhead_seconds * 4)
    hook_cost(args.extension, args.overhead_seconds)
    growth(args.extension)


if __name__ == "__main__":
    main()
