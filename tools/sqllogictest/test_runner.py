#!/usr/bin/env python3
"""Tests of the sqllogictest runner itself: files named pass_* must pass, fail_* must fail
(exit code 1 and a `0 passed, 1 failed` summary)."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "sqllogictest.py")
CASES = os.path.join(HERE, "cases")


def main():
    passed = failed = 0
    for name in sorted(os.listdir(CASES)):
        path = os.path.join(CASES, name)
        proc = subprocess.run([sys.executable, RUNNER, "--extension", "/nonexistent.duckdb_extension", path],
                              capture_output=True, text=True)
        last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
        if name.startswith("pass_"):
            ok = proc.returncode == 0 and last == "1 passed, 0 failed, 0 skipped"
        else:
            ok = proc.returncode == 1 and last == "0 passed, 1 failed, 0 skipped"
        if ok:
            passed += 1
            print(f"ok   {name}")
        else:
            failed += 1
            print(f"FAIL {name}: exit {proc.returncode}\n{proc.stdout}{proc.stderr}")
    print(f"runner self-test: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
