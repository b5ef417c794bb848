#!/usr/bin/env python3
"""Sums the pass/fail counts every suite printed (cargo's `N passed; N failed` and our runners'
`N passed, N failed`) into one closing line."""
import re
import sys

passed = failed = 0
with open(sys.argv[1], errors="replace") as f:
    for line in f:
        m = re.search(r"(\d+) passed[;,] (\d+) failed", line)
        if m and not line.startswith("total:"):
            passed += int(m.group(1))
            failed += int(m.group(2))
print(f"total: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
