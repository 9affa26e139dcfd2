#!/usr/bin/env python3
"""test-summary.py — sums the tests of every suite in a Meson test log into one line.

Criterion suites print "Synthesis: Tested: N | Passing: P | ...", the CLI suites print
"N passed, N failed"; a suite that died without either counts as one failure.
Prints "N passed, N failed" and exits 1 when anything failed.
"""
import json
import re
import sys

CRITERION = re.compile(r"Synthesis: Tested: (\d+) \| Passing: (\d+)")
PLAIN = re.compile(r"^(\d+) passed, (\d+) failed", re.M)

passed = failed = 0
with open(sys.argv[1], encoding="utf-8", errors="replace") as log:
    for line in log:
        entry = json.loads(line)
        out = (entry.get("stdout") or "") + (entry.get("stderr") or "")
        ok = entry.get("result") in ("OK", "EXPECTEDFAIL", "SKIP")
        counts = [(int(p), int(t) - int(p)) for t, p in CRITERION.findall(out)]
        counts += [(int(p), int(f)) for p, f in PLAIN.findall(out)]
        if not counts:
            counts = [(1, 0) if ok else (0, 1)]
        elif not ok and not any(f for _, f in counts):
            counts.append((0, 1))  # the suite reported success but exited with failure
        passed += sum(p for p, _ in counts)
        failed += sum(f for _, f in counts)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
