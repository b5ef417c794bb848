#!/usr/bin/env python3
"""Runs demo/demo.sql with the extension INSTALLed from the locally built repository (a
throw-away extension directory, so ~/.duckdb is untouched): in the official DuckDB CLI when
--cli is given, else in the official Python package running this script (DuckDB 2.0.1 has no
CLI package on PyPI). The demo ends with one deliberate error (the fan trap)."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def in_cli(cli, prelude, script):
    proc = subprocess.run([cli, "-unsigned"], input=prelude + script, text=True, stderr=subprocess.PIPE)
    sys.stderr.write(proc.stderr)
    return [l for l in proc.stderr.splitlines() if " Error: " in l]


def in_python(prelude, script):
    """The CLI's behaviour on a script: `.print` echoes, other dot commands only change the
    display; every statement runs, errors are printed and the script goes on."""
    import duckdb
    con = duckdb.connect(config={"allow_unsigned_extensions": "true"})
    print(f"-- DuckDB {duckdb.__version__} (Python package)")
    errors = []
    chunk = [prelude]

    def run(sql):
        try:
            for statement in con.extract_statements(sql):
                relation = con.sql(statement.query)
                # The CLI prints nothing for DDL and DML: the Python package returns their
                # Success / Count status as a relation.
                if relation is not None and relation.columns not in (["Success"], ["Count"]):
                    relation.show(max_width=200, max_rows=40)
        except duckdb.Error as e:
            print(e, file=sys.stderr)
            errors.append(str(e))

    for line in script.splitlines(keepends=True):
        if line.startswith("."):
            run("".join(chunk))
            chunk = []
            if line.startswith(".print"):
                print(line[len(".print"):].strip().strip("'"))
        else:
            chunk.append(line)
    run("".join(chunk))
    return errors


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repository", required=True)
    ap.add_argument("--cli", help="the official DuckDB CLI; without it, this Python's duckdb package")
    args = ap.parse_args()
    ext_dir = tempfile.mkdtemp(prefix="sv-demo-")
    try:
        with open(os.path.join(HERE, "demo.sql")) as f:
            script = f.read().replace("@DATA@", os.path.join(HERE, "data"))
        prelude = (f"SET extension_directory = '{ext_dir}';\n"
                   f"INSTALL semantic_views FROM '{os.path.abspath(args.repository)}';\nLOAD semantic_views;\n")
        errors = in_cli(args.cli, prelude, script) if args.cli else in_python(prelude, script)
        return 0 if len(errors) == 1 and "fan trap" in errors[0] else 1
    finally:
        shutil.rmtree(ext_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
