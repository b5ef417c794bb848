#!/usr/bin/env python3
"""A runner for DuckDB's sqllogictest dialect (the 1.5 runner's semantics), executing every
record in the official DuckDB Python package with our built extension loaded.

Usage: sqllogictest.py --extension path/to/semantic_views.duckdb_extension FILE_OR_DIR...

Prints one line per file and a final `N passed, N failed, N skipped`; exits 1 on any failure.
"""
import argparse
import decimal
import hashlib
import os
import re
import shutil
import sys
import uuid

import duckdb

SINGLE_LINE_DIRECTIVES = {
    "hash-threshold", "halt", "mode", "set", "reset", "loop", "foreach", "concurrentloop",
    "concurrentforeach", "endloop", "require", "require-env", "test-env", "load", "restart",
    "reconnect", "sleep", "unzip", "tags", "continue",
}
BUILTIN_REQUIREMENTS = {
    "notmusl", "notmingw", "notwindows", "64bit", "noforcestorage", "no_force_storage",
    "nothreadsan", "strinline", "skip_reload", "no_alternative_verify", "no_latest_storage",
    "no_vector_verification", "no_extension_autoloading", "allow_unsigned_extensions",
    "longdouble",
}
NUMERIC_TYPES = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL\(\d+,\d+\))$")
FLOAT_TYPES = {"FLOAT", "DOUBLE"}
INTEGER_TYPES = re.compile(r"^U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)$")


class TestFailure(Exception):
    pass


class SkipFile(Exception):
    pass


class Halt(Exception):
    pass


class Record:
    def __init__(self, line, tokens, sql, expected, conditions):
        self.line = line
        self.tokens = tokens
        self.sql = sql
        self.expected = expected  # list of lines or None
        self.conditions = conditions  # list of (skipif|onlyif, arg)


def parse(path):
    """Splits a file into records following the 1.5 runner's lexing rules."""
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n").replace("\r", "") for l in f]
    records = []
    i = 0
    conditions = []
    empty_or_comment = lambda l: l.strip() == "" or l.startswith("#")
    while i < len(lines):
        if empty_or_comment(lines[i]):
            i += 1
            continue
        start = i
        tokens = lines[i].split()
        directive = tokens[0]
        i += 1
        if directive in ("skipif", "onlyif"):
            conditions.append((directive, tokens[1] if len(tokens) > 1 else ""))
            continue
        if directive in SINGLE_LINE_DIRECTIVES:
            if i < len(lines) and not empty_or_comment(lines[i]):
                raise TestFailure(f"{path}:{start + 1}: all test statements need to be separated by an empty line")
            records.append(Record(start + 1, tokens, None, None, conditions))
            conditions = []
            continue
        if directive not in ("statement", "query"):
            raise TestFailure(f"{path}:{start + 1}: unknown directive '{directive}'")
        sql_lines = []
        while i < len(lines) and not empty_or_comment(lines[i]) and lines[i] != "----":
            sql_lines.append(lines[i])
            i += 1
        expected = None
        if i < len(lines) and lines[i] == "----":
            i += 1
            expected = []
            while i < len(lines) and lines[i].strip() != "":
                expected.append(lines[i])
                i += 1
        if directive == "statement" and len(tokens) > 1:
            if tokens[1] == "ok" and expected is not None:
                raise TestFailure(f"{path}:{start + 1}: statement ok cannot have an expected result")
            if tokens[1] == "error" and expected is None:
                raise TestFailure(f"{path}:{start + 1}: statement error needs a ---- line (empty = any error)")
        if not sql_lines:
            raise TestFailure(f"{path}:{start + 1}: {directive} without SQL")
        records.append(Record(start + 1, tokens, "\n".join(sql_lines), expected, conditions))
        conditions = []
    return records


def render(value_text, type_name):
    if value_text is None:
        return "NULL"
    if type_name == "BOOLEAN":
        return "1" if value_text == "true" else "0"
    if value_text == "":
        return "(empty)"
    return value_text.replace("\0", "\\0")


def values_equal(actual, expected, type_name):
    if actual == expected:
        return True
    if expected.startswith("<REGEX>:"):
        return re.fullmatch(expected[8:], actual, re.S) is not None
    if expected.startswith("<!REGEX>:"):
        return re.fullmatch(expected[9:], actual, re.S) is None
    if actual == "NULL" or expected == "NULL":
        return False
    if NUMERIC_TYPES.match(type_name):
        try:
            a = decimal.Decimal(actual)
            e = decimal.Decimal(expected)
        except decimal.InvalidOperation:
            try:
                a, e = float(actual), float(expected)
            except ValueError:
                return False
        if type_name in FLOAT_TYPES:
            return abs(float(a) - float(e)) <= 0.01 * abs(float(e)) + 1e-8
        if INTEGER_TYPES.match(type_name):
            e = e.quantize(decimal.Decimal(1), rounding=decimal.ROUND_HALF_UP)
        return a == e
    if type_name == "BOOLEAN":
        norm = {"true": "1", "false": "0", "1": "1", "0": "0"}
        return norm.get(actual.lower()) is not None and norm.get(actual.lower()) == norm.get(expected.lower())
    return False


class FileRunner:
    def __init__(self, path, extension, work_dir):
        self.path = path
        self.extension = extension
        self.test_dir = os.path.join(work_dir, "duckdb_unittest_tempdir", str(os.getpid()))
        self.db_path = None
        self.read_only = False
        self.required = []
        self.db = None
        self.connections = {}
        self.skip_level = 0
        self.env = {}
        self.labels = {}
        self.records_run = 0

    # --- database lifecycle -------------------------------------------------------------
    def open(self):
        self.close()
        config = {"allow_unsigned_extensions": "true"}
        if self.read_only:
            config["access_mode"] = "READ_ONLY"
        self.db = duckdb.connect(self.db_path or ":memory:", config=config)
        self.connections = {}
        for ext in self.required:
            self.load_extension(self.db, ext)

    def close(self):
        for c in self.connections.values():
            c.close()
        self.connections = {}
        if self.db is not None:
            self.db.close()
            self.db = None

    def load_extension(self, con, name):
        if name == "semantic_views":
            con.execute(f"LOAD '{self.extension}'")
        else:
            con.execute(f"LOAD {name}")

    def connection(self, name):
        if name is None:
            return self.db
        if name not in self.connections:
            self.connections[name] = self.db.cursor()
        return self.connections[name]

    # --- substitutions --------------------------------------------------------------------
    def substitute(self, text, loop_vars):
        for k, v in loop_vars.items():
            text = text.replace("${" + k + "}", v).replace("{" + k + "}", v)
        for k, v in self.env.items():
            text = text.replace("${" + k + "}", v).replace("{" + k + "}", v)
        text = text.replace("__TEST_DIR__", self.test_dir).replace("{TEST_DIR}", self.test_dir)
        text = text.replace("__WORKING_DIRECTORY__", os.getcwd())
        text = text.replace("__BUILD_DIRECTORY__", os.path.dirname(os.path.dirname(os.path.dirname(self.extension))))
        text = text.replace("{TEST_NAME}", self.path).replace("{BASE_TEST_NAME}", os.path.basename(self.path))
        while "{UUID}" in text:
            text = text.replace("{UUID}", str(uuid.uuid4()), 1)
        return text

    # --- running --------------------------------------------------------------------------
    def run(self):
        records = parse(self.path)
        os.makedirs(self.test_dir, exist_ok=True)
        self.open()
        try:
            self.run_block(records, 0, len(records), {})
        except (Halt, SkipFile) as e:
            if isinstance(e, SkipFile):
                raise
        finally:
            self.close()
            shutil.rmtree(self.test_dir, ignore_errors=True)

    def find_endloop(self, records, start, end):
        depth = 0
        for j in range(start + 1, end):
            d = records[j].tokens[0]
            if d in ("loop", "foreach", "concurrentloop", "concurrentforeach"):
                depth += 1
            elif d == "endloop":
                if depth == 0:
                    return j
                depth -= 1
        raise TestFailure(f"{self.path}:{records[start].line}: missing endloop")

    def conditions_hold(self, record, loop_vars):
        for kind, arg in record.conditions:
            holds = self.condition(arg, loop_vars)
            if (kind == "skipif" and holds) or (kind == "onlyif" and not holds):
                return False
        return True

    def condition(self, arg, loop_vars):
        if not any(op in arg for op in ("=", "<", ">")):
            return arg == "duckdb"
        for clause in arg.split("&&"):
            m = re.match(r"^\s*(\w+)\s*(<>|>=|<=|=|<|>)\s*(\S+)\s*$", clause)
            if not m:
                raise TestFailure(f"bad condition '{arg}'")
            var, op, val = m.groups()
            cur = loop_vars.get(var)
            if cur is None:
                return False
            if op == "=":
                ok = cur == val
            elif op == "<>":
                ok = cur != val
            else:
                a, b = int(cur), int(val)
                ok = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
            if not ok:
                return False
        return True

    def run_block(self, records, start, end, loop_vars):
        i = start
        while i < end:
            r = records[i]
            d = r.tokens[0]
            if d in ("loop", "foreach", "concurrentloop", "concurrentforeach"):
                close = self.find_endloop(records, i, end)
                if self.skip_level == 0:
                    if d.endswith("loop"):
                        var, lo, hi = r.tokens[1], int(r.tokens[2]), int(r.tokens[3])
                        iterations = [{var: str(v)} for v in range(lo, hi)]
                    else:
                        names = r.tokens[1].split(",")
                        iterations = []
                        for tok in r.tokens[2:]:
                            vals = tok.split(",")
                            iterations.append(dict(zip(names, vals)))
                    for it in iterations:
                        try:
                            self.run_block(records, i + 1, close, {**loop_vars, **it})
                        except ContinueLoop:
                            pass
                i = close + 1
                continue
            if d == "mode":
                if r.tokens[1] == "skip":
                    self.skip_level += 1
                elif r.tokens[1] == "unskip":
                    self.skip_level -= 1
                i += 1
                continue
            i += 1
            if self.skip_level > 0 or not self.conditions_hold(r, loop_vars):
                continue
            self.execute(r, loop_vars)

    def execute(self, r, loop_vars):
        d = r.tokens[0]
        where = f"{self.path}:{r.line}"
        self.records_run += 1
        if d == "statement":
            self.statement(r, loop_vars, where)
        elif d == "query":
            self.query(r, loop_vars, where)
        elif d == "require":
            self.require(r.tokens[1:], where)
        elif d == "load":
            args = r.tokens[1:]
            self.db_path = self.substitute(args[0], loop_vars) if args and args[0] not in ("readonly", "readwrite") else None
            self.read_only = "readonly" in args
            if self.db_path and not self.read_only:
                for p in (self.db_path, self.db_path + ".wal"):
                    if os.path.exists(p):
                        os.remove(p)
            if self.db_path:
                os.makedirs(os.path.dirname(os.path.abspath(self.db_path)), exist_ok=True)
            self.open()
        elif d == "restart":
            required = self.required
            if "no_extension_load" in r.tokens[1:]:
                self.required = []
            self.open()
            self.required = required
        elif d == "reconnect":
            self.db = self.db.cursor()
        elif d == "halt":
            raise Halt()
        elif d == "continue":
            raise ContinueLoop()
        elif d in ("require-env", "test-env"):
            var = r.tokens[1]
            value = os.environ.get(var)
            if d == "require-env":
                if value is None or (len(r.tokens) > 2 and value != r.tokens[2]):
                    raise SkipFile(f"env {var} not set")
            elif value is None:
                value = r.tokens[2] if len(r.tokens) > 2 else ""
            self.env[var] = value
        elif d == "set":
            if r.tokens[1] == "seed":
                self.db.execute(f"SELECT setseed({r.tokens[2]})")
        elif d in ("hash-threshold", "reset", "sleep", "tags", "unzip"):
            pass
        else:
            raise TestFailure(f"{where}: unsupported directive '{d}'")

    def require(self, args, where):
        name = args[0]
        if name in BUILTIN_REQUIREMENTS:
            return
        if name == "vector_size":
            if int(args[1]) > 2048:
                raise SkipFile(f"vector_size {args[1]}")
            return
        if name in ("ram", "disk_space", "block_size", "exact_vector_size", "windows", "mingw"):
            raise SkipFile(f"require {name}")
        try:
            self.load_extension(self.db, name)
        except duckdb.Error as e:
            raise SkipFile(f"require {name}: {e}")
        if name not in self.required:
            self.required.append(name)

    def statement(self, r, loop_vars, where):
        mode = r.tokens[1] if len(r.tokens) > 1 else "ok"
        con = self.connection(r.tokens[2] if len(r.tokens) > 2 else None)
        sql = self.substitute(r.sql, loop_vars)
        error = None
        try:
            # Drain the result, as DuckDB's runner materializes it: errors raised while
            # producing rows belong to the statement, and DuckDB 2.0's Python package refuses
            # further work on a connection with an unfinished result.
            con.execute(sql).fetchall()
        except duckdb.Error as e:
            error = str(e)
        if error is not None and ("INTERNAL" in error or "differs from original result!" in error):
            raise TestFailure(f"{where}: internal error\n  {sql}\n  {error}")
        if mode == "ok":
            if error is not None:
                raise TestFailure(f"{where}: statement failed\n  {sql}\n  {error}")
        elif mode == "error":
            if error is None:
                raise TestFailure(f"{where}: statement should have failed\n  {sql}")
            expected = self.substitute("\n".join(r.expected), loop_vars)
            if expected and not self.error_matches(error, expected):
                raise TestFailure(f"{where}: wrong error\n  {sql}\n  expected: {expected}\n  actual:   {error}")
        elif mode == "maybe":
            if error is not None and r.expected:
                expected = self.substitute("\n".join(r.expected), loop_vars)
                if not self.error_matches(error, expected):
                    raise TestFailure(f"{where}: wrong error\n  expected: {expected}\n  actual:   {error}")
        elif mode in ("debug", "debug_skip"):
            if mode == "debug_skip":
                self.skip_level += 1
        else:
            raise TestFailure(f"{where}: unknown statement mode '{mode}'")

    @staticmethod
    def error_matches(error, expected):
        if expected.startswith("<REGEX>:"):
            return re.fullmatch(expected[8:], error + "\n", re.S) is not None
        if expected.startswith("<!REGEX>:"):
            return re.fullmatch(expected[9:], error + "\n", re.S) is None
        return expected in error

    def query(self, r, loop_vars, where):
        letters = r.tokens[1] if len(r.tokens) > 1 else ""
        sort, con_name, label = "nosort", None, None
        if len(r.tokens) > 2:
            if r.tokens[2] in ("nosort", "none", "rowsort", "sort", "valuesort"):
                sort = r.tokens[2]
            else:
                con_name = r.tokens[2]
        if len(r.tokens) > 3:
            label = r.tokens[3]
        con = self.connection(con_name)
        sql = self.substitute(r.sql, loop_vars)
        try:
            # The query path, as DuckDB's own runner takes (the relational API, con.sql, binds
            # without the planner's extension hooks): the statement as written gives the types,
            # and as a subquery DuckDB's own text of each value.
            description = con.execute(sql).description
            if description is None:
                raise TestFailure(f"{where}: query returned no result set\n  {sql}")
            types = [str(d[1]) for d in description]
            try:
                rows = con.execute(f"SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ({sql}) AS q").fetchall()
            except duckdb.Error:
                # Not a subquery (DESCRIBE x): scalar values render the same through str().
                rows = [[None if v is None else str(v) for v in r] for r in con.execute(sql).fetchall()]
        except duckdb.Error as e:
            raise TestFailure(f"{where}: query failed\n  {sql}\n  {e}")
        if len(letters) != len(types):
            raise TestFailure(f"{where}: query declares {len(letters)} columns but the result has {len(types)}\n  {sql}")
        actual = [[render(v, types[c]) for c, v in enumerate(row)] for row in rows]
        if sort in ("rowsort", "sort"):
            actual.sort()
        values = [v for row in actual for v in row]
        if sort == "valuesort":
            values.sort()
        expected = [self.substitute(l, loop_vars) for l in (r.expected or [])]
        ncols = len(types)
        if label is not None or (len(expected) == 1 and re.match(r"^\d+ values hashing to [0-9a-f]{32}$", expected[0])):
            digest = hashlib.md5("".join(v + "\n" for v in values).encode()).hexdigest()
            got = f"{len(values)} values hashing to {digest}"
            if label is not None and not expected:
                if label in self.labels and self.labels[label] != got:
                    raise TestFailure(f"{where}: label {label} differs")
                self.labels[label] = got
                return
            if expected and expected[0] != got:
                raise TestFailure(f"{where}: expected {expected[0]}, got {got}\n  {sql}")
            return
        if ncols > 1 and (len(expected) == len(actual) or (expected and all("\t" in l for l in expected))):
            exp_values = [v for l in expected for v in l.split("\t")]
            if any(len(l.split("\t")) != ncols for l in expected):
                raise TestFailure(f"{where}: expected rows do not have {ncols} tab-separated values\n  {sql}\n" + self.diff(actual, expected))
        else:
            exp_values = expected
        if len(exp_values) != len(values):
            raise TestFailure(f"{where}: expected {len(exp_values)} values, got {len(values)}\n  {sql}\n" + self.diff(actual, expected))
        for k, (a, e) in enumerate(zip(values, exp_values)):
            if not values_equal(a, e, types[k % ncols] if sort != "valuesort" else types[0]):
                raise TestFailure(f"{where}: mismatch at row {k // ncols + 1}, column {k % ncols + 1}: expected '{e}', got '{a}'\n  {sql}\n" + self.diff(actual, expected))

    @staticmethod
    def diff(actual, expected):
        got = "\n".join("    " + "\t".join(row) for row in actual[:30])
        exp = "\n".join("    " + l for l in expected[:30])
        return f"  expected:\n{exp}\n  actual:\n{got}"


class ContinueLoop(Exception):
    pass


def collect(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                files += [os.path.join(root, n) for n in names if n.endswith(".test")]
        else:
            files.append(p)
    return sorted(files)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--extension", required=True)
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    extension = os.path.abspath(args.extension)
    passed = failed = skipped = records = 0
    for path in collect(args.paths):
        runner = FileRunner(path, extension, os.getcwd())
        try:
            runner.run()
            passed += 1
            records += runner.records_run
            print(f"PASS {path} ({runner.records_run} records)")
        except SkipFile as e:
            skipped += 1
            print(f"SKIP {path}: {e}")
        except TestFailure as e:
            failed += 1
            print(f"FAIL {e}")
        except Exception as e:  # a crash of the runner or host is a failure too
            failed += 1
            print(f"FAIL {path}: {type(e).__name__}: {e}")
        sys.stdout.flush()
    print(f"{records} records in {passed + failed + skipped} files")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
