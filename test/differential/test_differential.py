#!/usr/bin/env python3
"""Differential and metamorphic tests: random snowflake schemas with awkward data (NULL keys,
orphans, childless parents, duplicates, NULL groups) and awkward names (mixed case, spaces,
quotes, reserved words, unicode); random valid requests; semantic_view() results compared with
the same request written as plain SQL (`SELECT d, AGG(m), sum(t.val) FROM sv GROUP BY d`) and with
an oracle written independently here — one plain GROUP BY query per metric over explicit joins,
combined in Python — plus metamorphic checks (a metric alone equals the same metric among
others; a derived metric equals its formula; additive metrics sum to the ungrouped total).

Schema shape (names random):  F --a_id--> A --b_id--> B,  F --c_id--> C
Each table also has a DATE column named "date" and a side table whose one column is named like
the table's dimension column: metrics with typed literals (`"date" > DATE '...'`), subqueries
whose unqualified names bind inside (`dim IN (SELECT dim FROM side)`) and correlated ones
(`EXISTS (SELECT 1 FROM side WHERE side.dim = val::VARCHAR)`) check SQL's scoping rules.
"""
import argparse
import json
import math
import random
import sys

import duckdb

NAME_POOL = ["orders", "Order Items", "select", "Ünïcode", 'we"ird', "MixedCase", "group", "from", "x y z", "t1"]
COL_POOL = ["id", "Key", "select", "my col", "Ünï", 'q"uote', "order", "Value", "amount", "region", "a b"]


def q(name):
    return '"' + name.replace('"', '""') + '"'


def lit(text):
    return "'" + text.replace("'", "''") + "'"


class Schema:
    def __init__(self, rng):
        names = rng.sample(NAME_POOL, 4)
        aliases = rng.sample(["f", "A", "b b", "Cee", "sel ect", "ü"], 4)
        self.tables = {}
        for key, name, alias in zip("FABC", names, aliases):
            cols = rng.sample(COL_POOL, 3)
            self.tables[key] = {"name": name, "alias": alias, "id": cols[0], "dim": cols[1], "val": cols[2]}
        self.fk = {"F": {"A": "a_fk", "C": "c fk"}, "A": {"B": "B_FK"}}
        self.rows = {}
        self.side = {key: {"name": f"side {key} {self.tables[key]['name']}", "values": rng.sample(["x", "Z", "1", "5", "10"], rng.randint(0, 3))}
                     for key in "FABC"}
        sizes = {"B": rng.randint(1, 4), "A": rng.randint(2, 6), "C": rng.randint(1, 5), "F": rng.randint(0, 25)}
        dim_values = ["x", "y", "Z", None, "x"]
        for key in "BACF":
            t = self.tables[key]
            rows = []
            for i in range(1, sizes[key] + 1):
                row = {"id": i, "dim": rng.choice(dim_values), "val": rng.choice([None, 1, 2, 5, -3, 10]),
                       "date": rng.choice([None, "2019-12-31", "2020-01-01", "2020-01-02", "2024-06-30"])}
                for parent, col in self.fk.get(key, {}).items():
                    # NULL keys and orphans (keys with no parent row) on purpose
                    row[col] = rng.choice([None, sizes[parent] + 7] + list(range(1, sizes[parent] + 1)) * 2)
                rows.append(row)
            self.rows[key] = rows

    def create(self, con):
        for key in "BACF":
            t = self.tables[key]
            cols = [f"{q(t['id'])} INTEGER PRIMARY KEY", f"{q(t['dim'])} VARCHAR", f"{q(t['val'])} INTEGER", "date DATE"]
            cols += [f"{q(c)} INTEGER" for c in self.fk.get(key, {}).values()]
            con.execute(f"CREATE TABLE {q(t['name'])} ({', '.join(cols)})")
            for r in self.rows[key]:
                values = [r["id"], r["dim"], r["val"], r["date"]] + [r[c] for c in self.fk.get(key, {}).values()]
                con.execute(f"INSERT INTO {q(t['name'])} VALUES ({', '.join(['?'] * len(values))})", values)
            side = self.side[key]
            con.execute(f"CREATE TABLE {q(side['name'])} ({q(t['dim'])} VARCHAR)")
            for v in side["values"]:
                con.execute(f"INSERT INTO {q(side['name'])} VALUES (?)", [v])

    def definition(self):
        T = self.tables
        tables = [{"alias": T[k]["alias"], "table": q(T[k]["name"]), "primary_key": [T[k]["id"]]} for k in "FABC"]
        rels = []
        for child, parents in self.fk.items():
            for parent, col in parents.items():
                rels.append({"name": f"{child}_to_{parent}_rel", "from": T[child]["alias"], "from_columns": [col], "to": T[parent]["alias"]})
        dims, metrics = [], []
        for k in "FABC":
            t = T[k]
            dims.append({"table": t["alias"], "name": f"{k}_dim", "expr": q(t["dim"])})
            metrics.append({"table": t["alias"], "name": f"{k}_sum", "expr": f"sum({q(t['alias'])}.{q(t['val'])})"})
            metrics.append({"table": t["alias"], "name": f"{k}_count", "expr": "count(*)"})
            metrics.append({"table": t["alias"], "name": f"{k}_distinct", "expr": f"count(DISTINCT {q(t['dim'])})"})
            side = q(self.side[k]["name"])
            metrics.append({"table": t["alias"], "name": f"{k}_recent", "expr": "count_if(date > DATE '2020-01-01')"})
            # inside the subquery the unqualified dimension column is the side table's
            metrics.append({"table": t["alias"], "name": f"{k}_listed",
                            "expr": f"count(*) FILTER (WHERE {q(t['dim'])} IN (SELECT {q(t['dim'])} FROM {side}))"})
            # the value column is not the side table's: correlated, the member table's
            metrics.append({"table": t["alias"], "name": f"{k}_matched",
                            "expr": f"count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {side} WHERE {side}.{q(t['dim'])} = CAST({q(t['val'])} AS VARCHAR)))"})
        metrics.append({"name": "F_plus_A", "expr": "F_sum + A_count"})
        # semi-additive: the latest F rows by F's date (NULL dates sort last, so they are the
        # latest), the earliest dated A rows, and F rows at the latest date of their A row
        dims.append({"table": T["F"]["alias"], "name": "F_day", "expr": "date"})
        dims.append({"table": T["A"]["alias"], "name": "A_day", "expr": "date"})
        metrics.append({"table": T["F"]["alias"], "name": "F_latest", "expr": f"sum({q(T['F']['val'])})",
                        "non_additive_by": [{"dimension": "F_day"}]})
        metrics.append({"table": T["A"]["alias"], "name": "A_earliest", "expr": "count(*)",
                        "non_additive_by": [{"dimension": "A_day", "descending": True, "nulls_first": True}]})
        metrics.append({"table": T["F"]["alias"], "name": "F_latestbya", "expr": f"sum({q(T['F']['val'])})",
                        "non_additive_by": [{"dimension": "A_day"}]})
        # windows over the result, ordered by F's dimension, restarting per other dimensions
        metrics.append({"table": T["F"]["alias"], "name": "F_running",
                        "expr": "SUM(F_sum) OVER (PARTITION BY EXCLUDING F_dim ORDER BY F_dim ROWS UNBOUNDED PRECEDING)"})
        metrics.append({"table": T["F"]["alias"], "name": "F_prev",
                        "expr": "LAG(F_count) OVER (PARTITION BY EXCLUDING F_dim ORDER BY F_dim)"})
        metrics.append({"name": "F_delta", "expr": "F_count - F_prev"})
        return {"tables": tables, "relationships": rels, "dimensions": dims, "metrics": metrics}

    # --- the oracle -----------------------------------------------------------------------
    REACH = {"F": "FABC", "A": "AB", "B": "B", "C": "C"}

    def joins_from(self, grain, needed):
        """Explicit LEFT JOINs from `grain` to each needed table, written out by hand."""
        T = self.tables
        out = f"{q(T[grain]['name'])} AS g_{grain}"
        path = {"F": {"A": [("F", "A")], "B": [("F", "A"), ("A", "B")], "C": [("F", "C")]}, "A": {"B": [("A", "B")]}}
        done = {grain}
        for n in needed:
            for child, parent in path.get(grain, {}).get(n, []):
                if parent in done:
                    continue
                done.add(parent)
                out += (f" LEFT JOIN {q(T[parent]['name'])} AS g_{parent} ON g_{child}.{q(self.fk[child][parent])}"
                        f" = g_{parent}.{q(T[parent]['id'])}")
        return out

    def dim_column(self, d):
        """The oracle's column for a dimension name (`X_dim` or `X_day`)."""
        table, kind = d.split("_")
        return f"g_{table}." + (q(self.tables[table]["dim"]) if kind == "dim" else "date")

    # metric -> (snapshot table, descending, nulls first) of its NON ADDITIVE BY dimension
    SNAPSHOT = {"F_latest": ("F", False, False), "A_earliest": ("A", True, True), "F_latestbya": ("A", False, False)}

    def oracle_snapshot(self, con, metric, dims, where):
        """A semi-additive metric, computed in Python: per group of the requested dimensions,
        the rows whose snapshot date is the last in the declared order, then aggregated."""
        grain = metric.split("_")[0]
        table, descending, nulls_first = self.SNAPSHOT[metric]
        day = f"{table}_day"
        val = f"g_{grain}.{q(self.tables[grain]['val'])}"
        needed = [d.split("_")[0] for d in dims] + ([where[0]] if where else []) + [table]
        sql = f"SELECT {', '.join([self.dim_column(d) for d in dims] + [self.dim_column(day), val])} FROM {self.joins_from(grain, needed)}"
        if where:
            sql += f" WHERE g_{where[0]}.{q(self.tables[where[0]]['dim'])} IS DISTINCT FROM {lit(where[1])}"
        groups = {}
        for r in con.execute(sql).fetchall():
            groups.setdefault(tuple(r[:len(dims)]), []).append((r[-2], r[-1]))
        count = metric == "A_earliest"
        out = {}
        for k, rows in groups.items():
            if day in dims:
                chosen = rows
            else:
                dates = [d for d, _ in rows if d is not None]
                has_null = len(dates) < len(rows)
                if has_null and not nulls_first or not dates:
                    last = None
                else:
                    last = min(dates) if descending else max(dates)
                chosen = [r for r in rows if r[0] == last]
            values = [v for _, v in chosen if v is not None]
            out[k] = len(chosen) if count else (sum(values) if values else None)
        return out, (0 if count else None)

    def oracle_metric(self, con, metric, dims, where):
        if metric in self.SNAPSHOT:
            return self.oracle_snapshot(con, metric, dims, where)
        kind, grain = metric.split("_")[1], metric.split("_")[0]
        T = self.tables
        side, dim, val = q(self.side[grain]["name"]), q(T[grain]["dim"]), q(T[grain]["val"])
        agg = {"sum": f"sum(g_{grain}.{val})", "count": "count(*)",
               "distinct": f"count(DISTINCT g_{grain}.{dim})",
               # count_if is NULL when no input is non-NULL, like sum
               "recent": f"sum(CAST(g_{grain}.date > CAST('2020-01-01' AS DATE) AS INTEGER))",
               "listed": f"count(*) FILTER (WHERE g_{grain}.{dim} IN (SELECT s.{dim} FROM {side} AS s))",
               "matched": f"count(*) FILTER (WHERE CAST(g_{grain}.{val} AS VARCHAR) IN (SELECT s.{dim} FROM {side} AS s))",
               }[kind]
        needed = [d.split("_")[0] for d in dims] + ([where[0]] if where else [])
        sel = [self.dim_column(d) for d in dims]
        sql = f"SELECT {', '.join(sel + [agg])} FROM {self.joins_from(grain, needed)}"
        if where:
            sql += f" WHERE g_{where[0]}.{q(T[where[0]]['dim'])} IS DISTINCT FROM {lit(where[1])}"
        if sel:
            sql += " GROUP BY " + ", ".join(str(i + 1) for i in range(len(sel)))
        groups = {tuple(r[:-1]): r[-1] for r in con.execute(sql).fetchall()}
        empty = con.execute(f"SELECT {agg} FROM {self.joins_from(grain, [])} WHERE false").fetchone()[0]
        return groups, empty

    def oracle(self, con, dims, metrics, where):
        if not metrics:
            needed = {d.split("_")[0] for d in dims} | ({where[0]} if where else set())
            # anchored at the finest of the dimensions' own tables
            anchor = next(g for g in "FABC" if g in needed and needed <= set(self.REACH[g]))
            T = self.tables
            sel = [self.dim_column(d) for d in dims]
            sql = f"SELECT DISTINCT {', '.join(sel)} FROM {self.joins_from(anchor, needed)}"
            if where:
                sql += f" WHERE g_{where[0]}.{q(T[where[0]]['dim'])} IS DISTINCT FROM {lit(where[1])}"
            return {tuple(r) for r in con.execute(sql).fetchall()}, None
        reads = {"F_plus_A": ["F_sum", "A_count"], "F_running": ["F_sum"], "F_prev": ["F_count"], "F_delta": ["F_count"]}
        base = sorted({m for x in metrics for m in reads.get(x, [x])})
        per = {m: self.oracle_metric(con, m, dims, where) for m in base}
        keys = set()
        for groups, _ in per.values():
            keys |= set(groups)
        if not dims:
            keys = {()}
        value = {k: {m: per[m][0].get(k, per[m][1]) for m in base} for k in keys}
        if any(x in metrics for x in ("F_running", "F_prev", "F_delta")):
            self.oracle_windows(dims, value)
        rows = []
        for k in keys:
            out = []
            for x in metrics:
                if x == "F_plus_A":
                    a, b = value[k]["F_sum"], value[k]["A_count"]
                    out.append(None if a is None or b is None else a + b)
                elif x == "F_delta":
                    a, b = value[k]["F_count"], value[k]["F_prev"]
                    out.append(None if a is None or b is None else a - b)
                else:
                    out.append(value[k][x])
            rows.append(k + tuple(out))
        return rows, base

    @staticmethod
    def oracle_windows(dims, value):
        """F_running and F_prev over the result rows: partitioned by the other dimensions,
        ordered by F_dim (NULL last, as DuckDB orders ascending)."""
        i = dims.index("F_dim")
        partitions = {}
        for k in value:
            partitions.setdefault(k[:i] + k[i + 1:], []).append(k)
        for ks in partitions.values():
            ks.sort(key=lambda k: (k[i] is None, k[i] if k[i] is not None else ""))
            running, previous = None, None
            for n, k in enumerate(ks):
                v = value[k]
                if "F_sum" in v and v["F_sum"] is not None:
                    running = v["F_sum"] + (running or 0)
                v["F_running"] = running
                v["F_prev"] = previous
                previous = v.get("F_count")


def normalize(rows):
    def norm(v):
        if isinstance(v, float):
            return round(v, 6)
        if hasattr(v, "as_integer_ratio") and not isinstance(v, int):
            return round(float(v), 6)
        return v
    return sorted((tuple(norm(v) for v in r) for r in rows), key=repr)


def semantic(con, dims, metrics, where, schema):
    args = [f"dimensions := [{', '.join(lit(d) for d in dims)}]"] if dims else []
    if metrics:
        args.append(f"metrics := [{', '.join(lit(m) for m in metrics)}]")
    if where:
        args.append(f"where_clause := {lit(f'{where[0]}_dim IS DISTINCT FROM {lit(where[1])}')}")
    return con.execute(f"SELECT * FROM semantic_view('sv', {', '.join(args)})").fetchall()


def plain_sql(con, dims, metrics, where, schema, rng):
    """The same request written as plain SQL over the semantic view; a sum or distinct count
    is sometimes written as the aggregate itself (`sum(a.val)`, `count(DISTINCT A_dim)`), which
    must be the same metric, at the same grain, as the one defined."""
    def item(m):
        table, kind = m.split("_", 1)
        if m not in WINDOWED and kind in ("sum", "distinct") and rng.random() < 0.5:
            t = schema.tables[table]
            if kind == "sum":
                return f"sum({q(t['alias'])}.{q(t['val'])}) AS {m}"
            return f"count(DISTINCT {table}_dim) AS {m}"
        return f"AGG({m}) AS {m}"
    select = list(dims) + [item(m) for m in metrics]
    sql = f"SELECT {', '.join(select)} FROM sv"
    if where:
        sql += f" WHERE {where[0]}_dim IS DISTINCT FROM {lit(where[1])}"
    if dims:
        sql += " GROUP BY " + ", ".join(dims)
    return con.execute(sql).fetchall()


def rollup_sql(con, dims, metrics, where):
    """The request under GROUP BY ROLLUP (dims), with GROUPING(dims) as its last column."""
    select = list(dims) + [f"AGG({m}) AS {m}" for m in metrics] + [f"GROUPING({', '.join(dims)})"]
    sql = f"SELECT {', '.join(select)} FROM sv"
    if where:
        sql += f" WHERE {where[0]}_dim IS DISTINCT FROM {lit(where[1])}"
    sql += f" GROUP BY ROLLUP ({', '.join(dims)})"
    return con.execute(sql).fetchall()


def rollup_oracle(schema, con, dims, metrics, where):
    """ROLLUP as the union of the oracle's rows for each prefix of the dimensions: NULL where a
    dimension is rolled up, and GROUPING's bits set for those."""
    rows = []
    for k in range(len(dims), -1, -1):
        prefix, _ = schema.oracle(con, dims[:k], metrics, where)
        pad = (None,) * (len(dims) - k)
        rows += [r[:k] + pad + r[k:] + ((1 << (len(dims) - k)) - 1,) for r in prefix]
    return rows


# computed over the result rows: their value depends on which other rows the request has
WINDOWED = {"F_running", "F_prev", "F_delta"}


def random_request(rng):
    metrics = rng.sample(["F_sum", "F_count", "F_distinct", "A_sum", "A_count", "A_distinct", "B_sum", "B_count",
                          "C_sum", "C_count", "F_plus_A", "F_recent", "A_recent", "F_listed", "B_listed",
                          "F_matched", "C_matched", "A_matched", "F_latest", "A_earliest", "F_latestbya",
                          "F_running", "F_prev", "F_delta"], rng.randint(0, 3))
    grains = {m.split("_")[0] for m in metrics}
    if "F_plus_A" in metrics:
        grains = (grains - {"F"}) | {"F", "A"}
    allowed = set("FABC")
    for g in grains:
        allowed &= set(Schema.REACH[g])
    windows = [m for m in metrics if m in WINDOWED]
    if windows and "F" not in allowed:
        metrics = [m for m in metrics if m not in windows]
        windows = []
    pool = sorted(allowed)
    if not metrics:
        # dimensions only: any set with a common anchor
        anchor = rng.choice("FABC")
        others = [t for t in Schema.REACH[anchor] if t != anchor]
        dims = [f"{t}_dim" for t in [anchor] + rng.sample(others, rng.randint(0, min(1, len(others))))]
        rng.shuffle(dims)
        pool = [d.split("_")[0] for d in dims]
    else:
        dims = [f"{t}_dim" for t in rng.sample(pool, rng.randint(0, min(2, len(pool))))] if pool else []
        days = [f"{t}_day" for t in "FA" if t in allowed]
        if days and rng.random() < 0.3:
            dims.append(rng.choice(days))
        if windows and "F_dim" not in dims:
            dims.insert(rng.randint(0, len(dims)), "F_dim")
    where = None
    if rng.random() < 0.4:
        wpool = [t for t in pool if all(t in Schema.REACH[g] for g in grains)] if metrics else [d.split("_")[0] for d in dims]
        if wpool:
            where = (rng.choice(wpool), rng.choice(["x", "y", "Z"]))
    return dims, metrics, where


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--extension", required=True)
    ap.add_argument("--schemas", type=int, default=40)
    ap.add_argument("--requests", type=int, default=12)
    ap.add_argument("--seed", type=int, default=20261128)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    passed = failed = rollups = 0
    failures = []
    for s in range(args.schemas):
        schema = Schema(rng)
        con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
        con.execute(f"LOAD '{args.extension}'")
        schema.create(con)
        definition = json.dumps(schema.definition())
        con.execute(f"PRAGMA define_semantic_view('sv', {lit(definition)})")
        for r in range(args.requests):
            dims, metrics, where = random_request(rng)
            label = f"schema {s} request {r}: dims={dims} metrics={metrics} where={where}"
            try:
                got = semantic(con, dims, metrics, where, schema)
                expected, base = schema.oracle(con, dims, metrics, where)
                if not metrics:
                    ok = normalize(got) == normalize(expected) and len(got) == len(set(got))
                else:
                    ok = normalize(got) == normalize(expected)
                    # metamorphic: each metric alone gives the same column
                    for i, m in enumerate(metrics):
                        if m in WINDOWED:
                            continue
                        alone = semantic(con, dims, [m], where, schema)
                        col = normalize([row[:len(dims)] + (row[len(dims) + i],) for row in got])
                        if normalize(alone) != col and dims:
                            # groups may differ (a metric alone lacks the other grains' keys); compare on its own keys
                            keys = {row[:len(dims)] for row in alone}
                            col = normalize([c for c in col if c[:len(dims)] in keys])
                        ok = ok and (normalize(alone) == col)
                    # metamorphic: additive metrics over groups sum to the total
                    if dims and not where:
                        for i, m in enumerate(metrics):
                            if m.endswith("_count") and m in base:
                                total = semantic(con, [], [m], None, schema)[0][0]
                                alone = semantic(con, dims, [m], None, schema)
                                ok = ok and sum(row[-1] for row in alone) == total
                # the same request as plain SQL gives the same rows
                plain = plain_sql(con, dims, metrics, where, schema, rng)
                if normalize(plain) != normalize(got):
                    ok = False
                    label += f"\n  plain SQL: {normalize(plain)}"
                # every third request with dimensions and metrics: its ROLLUP, set by set
                if r % 3 == 0 and dims and metrics and not WINDOWED & set(metrics):
                    rollups += 1
                    rolled = normalize(rollup_sql(con, dims, metrics, where))
                    expected_rollup = normalize(rollup_oracle(schema, con, dims, metrics, where))
                    if rolled != expected_rollup:
                        ok = False
                        label += f"\n  ROLLUP: {rolled}\n  oracle: {expected_rollup}"
                if ok:
                    passed += 1
                else:
                    failed += 1
                    failures.append(f"{label}\n  semantic_view: {normalize(got)}\n  oracle:        {normalize(expected)}")
            except Exception as e:
                failed += 1
                failures.append(f"{label}\n  {type(e).__name__}: {e}")
        con.close()
    for f in failures[:10]:
        print("FAIL " + f)
    print(f"differential: {args.schemas} schemas x {args.requests} requests ({rollups} also under ROLLUP)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
