#!/usr/bin/env python3
"""test-summary.py — sums the tests of every suite in Meson test logs into one line.

Usage: test-summary.py [--extra-failed N] TESTLOG.json...

Criterion suites print "Synthesis: Tested: N | Passing: P | ...", the CLI suites print
"N passed, N failed"; a suite that died without either counts as one failure, and so
does a suite that reported only passes but exited with failure. --extra-failed adds
failures no log shows (e.g. a sanitizer report found by the caller).
Prints "N passed, N failed" and exits 1 when anything failed.
"""
import json
import re
import sys

CRITERION = re.compile(r"Synthesis: Tested: (\d+) \| Passing: (\d+)")
PLAIN = re.compile(r"^(\d+) passed, (\d+) failed", re.M)


def suite_counts(entry):
    """(passed, failed) pairs reported by one suite of a Meson test log."""
    out = (entry.get("stdout") or "") + (entry.get("stderr") or "")
    ok = entry.get("result") in ("OK", "EXPECTEDFAIL", "SKIP")
    counts = [(int(p), int(t) - int(p)) for t, p in CRITERION.findall(out)]
    counts += [(int(p), int(f)) for p, f in PLAIN.findall(out)]
    if not counts:
        return [(1, 0) if ok else (0, 1)]
    if not ok and not any(f for _, f in counts):
        counts.append((0, 1))  # the suite reported success but exited with failure
    return counts


args = sys.argv[1:]
passed = failed = 0
if args[:1] == ["--extra-failed"]:
    failed = int(args[1])
    args = args[2:]
for path in args:
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            for p, f in suite_counts(json.loads(line)):
                passed += p
                failed += f
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
