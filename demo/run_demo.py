#!/usr/bin/env python3
"""Runs demo/demo.sql in the official DuckDB CLI with the extension INSTALLed from the
locally built repository (a throw-away extension directory, so ~/.duckdb is untouched)."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repository", required=True)
    ap.add_argument("--cli", required=True)
    args = ap.parse_args()
    ext_dir = tempfile.mkdtemp(prefix="sv-demo-")
    try:
        with open(os.path.join(HERE, "demo.sql")) as f:
            script = f.read().replace("@DATA@", os.path.join(HERE, "data"))
        prelude = (f"SET extension_directory = '{ext_dir}';\n"
                   f"INSTALL semantic_views FROM '{os.path.abspath(args.repository)}';\nLOAD semantic_views;\n")
        proc = subprocess.run([args.cli, "-unsigned"], input=prelude + script, text=True, stderr=subprocess.PIPE)
        sys.stderr.write(proc.stderr)
        # The demo ends with one deliberate error (the fan trap); anything else is a failure.
        errors = [l for l in proc.stderr.splitlines() if " Error: " in l]
        return 0 if len(errors) == 1 and "fan trap" in errors[0] else 1
    finally:
        shutil.rmtree(ext_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
