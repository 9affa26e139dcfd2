#!/usr/bin/env python3
"""test_declared.py — end-to-end tests of declarations: `scan train` with commodity labels,
`scan screen --declarations` (the CSV's header, BOM, quoting, CRLF, paths missing from it,
malformed rows refused before anything is screened), the records' new fields in CSV and JSONL,
identical records for any --jobs with consignments, and `scan eval`'s declaration figures.

Usage: test_declared.py SCAN_EXE SOURCE_ROOT. Prints "N passed, N failed"; exits 1 on any failure.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile

SCAN, SRC = os.path.abspath(sys.argv[1]), sys.argv[2]
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}", flush=True)


def run(*args):
    e = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    p = subprocess.run([SCAN, *args], capture_output=True, text=True, env=e, cwd=WORK)
    return p.returncode, p.stdout, p.stderr


def write(name, data):
    with open(os.path.join(WORK, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def read_csv_text(text):
    return list(csv.DictReader(text.splitlines()))


TIMING = {"decode_ms", "calibrate_ms", "features_ms", "classify_ms"}
NEW = ["declared", "declared_group", "consistency", "declared_p", "recognised", "recognised_p",
       "alternatives", "loaded_p", "flagged_by", "consignment", "consignment_score",
       "consignment_sibling"]

WORK = tempfile.mkdtemp(prefix="scan-declared-test-")
try:
    def synth(out, n, seed, *extra):
        rc, _, err = run("synth", "--out", out, "--n", str(n), "--seed", str(seed), "--width", "480",
                         "--height", "240", "--difficulty", "0:0.3", "--jobs", "2", *extra)
        assert rc == 0, err

    # A model trained with the classic generator's subclass standing in for the commodity.
    synth("train", 60, 1, "--class", "all")
    write("groups.csv", "commodity,group\n" + "".join(
        f"{c},{g}\n" for c, g in [("pallets", "cartons"), ("pallets_two_products", "cartons"),
                                  ("bags", "sacks"), ("drums", "drums"), ("grain", "bulk"),
                                  ("rice", "bulk"), ("plastic_pellets", "bulk"),
                                  ("wood_chips", "bulk"), ("coffee_beans", "bulk"),
                                  ("soybeans", "bulk"), ("general_cargo", "general_cargo"),
                                  ("pipes", "machinery"), ("engines", "machinery"),
                                  ("industrial", "machinery"), ("mixed_machinery", "machinery")]))
    rc, out, err = run("train", "--labels", "train/labels.csv", "--out", "d.model", "--negatives", "60",
                       "--commodity-column", "subclass", "--commodity-groups", "groups.csv",
                       "--min-group-inspect", "1")
    check(rc == 0 and "commodity groups" in out, f"train with commodities: {out!r} {err!r}")
    with open(os.path.join(WORK, "d.model")) as f:
        text = f.read()
    check("declarations 1\n" in text and "commodity-group bulk " in text, "the model's sections")
    model = ["--model", "d.model"]

    # A groups file that misses a labelled commodity is refused.
    write("few.csv", "commodity,group\npallets,cartons\n")
    rc, _, err = run("train", "--labels", "train/labels.csv", "--out", "x.model",
                     "--commodity-column", "subclass", "--commodity-groups", "few.csv")
    check(rc == 2 and "few.csv" in err and not os.path.exists(os.path.join(WORK, "x.model")),
          f"a commodity missing from the groups file: {err!r}")

    synth("data", 10, 5000, "--class", "all")
    with open(os.path.join(WORK, "data", "labels.csv")) as f:
        labels = list(csv.DictReader(f))
    files = [f"data/{r['file']}" for r in labels]
    cls = {f"data/{r['file']}": r["class"] for r in labels}
    empty = [f for f in files if cls[f] == "empty"][0]
    bulk = [f for f in files if cls[f] == "bulk"][0]
    machinery = [f for f in files if cls[f] == "machinery"][0]
    homog = [f for f in files if cls[f] == "homogeneous"][0]
    lie = [f for f in files if cls[f] == "load_in_empty"][0]
    mixed = [f for f in files if cls[f] == "mixed"][0]
    # A path with a comma (quoted in the CSV) and one missing from the declarations.
    comma = "data/with,comma.png"
    shutil.copy(os.path.join(WORK, machinery), os.path.join(WORK, comma))
    undeclared = homog

    rows = [("path", "declared", "consignment"),
            (empty, "empty", ""),
            (lie, "Empty", ""),
            (bulk, "1001.90", "BL-1"),
            (f'"{comma}"', "84", "BL-1"),
            (mixed, "9999", ""),
            ("data/not-screened.png", "empty", ""),
            (machinery, '"general cargo"', "BL-1")]
    decl_text = "\ufeff" + "\r\n".join(",".join(r) for r in rows) + "\r\n"
    write("decl.csv", decl_text)
    inputs = [empty, lie, bulk, comma, machinery, mixed, undeclared]
    rc, out, err = run("screen", *model, "--declarations", "decl.csv", "--jobs", "1", *inputs)
    check(rc in (0, 1), f"screen --declarations: exit {rc} ({err!r})")
    recs = {r["path"]: r for r in read_csv_text(out)}
    check(list(read_csv_text(out)[0].keys())[-len(NEW):] == NEW, "the new CSV columns, in order")
    check(set(recs) == set(inputs), f"one record per input ({sorted(recs)})")
    check(recs[empty]["declared"] == "empty" and recs[empty]["declared_group"] == "empty",
          f"declared empty: {recs[empty]['declared']!r} {recs[empty]['declared_group']!r}")
    check(recs[lie]["declared"] == "Empty", "the declaration as given")
    check(recs[bulk]["declared"] == "1001.90" and recs[bulk]["consignment"] == "BL-1",
          "an HS code and a consignment")
    check(recs[comma]["declared"] == "84", "a quoted path with a comma is matched")
    check(recs[machinery]["declared"] == "general cargo", "a quoted cargo kind")
    check(recs[undeclared]["declared"] == "" and recs[undeclared]["consistency"] == "",
          "an input missing from the declarations is screened without one")
    check(recs[undeclared]["recognised"] != "", "recognised with or without a declaration")
    check(recs[mixed]["consistency"] == "declared_unknown" and recs[mixed]["declared_group"] == "",
          f"an HS chapter the model does not know: {recs[mixed]['consistency']!r}")
    for p in (empty, lie, bulk, comma, machinery, mixed):
        r = recs[p]
        check(r["consistency"] in ("consistent", "declared_empty_but_loaded",
                                   "declared_loaded_but_empty", "declared_mismatch",
                                   "declared_unknown"), f"{p}: consistency {r['consistency']!r}")
        flags = r["flagged_by"].split(";") if r["flagged_by"] else []
        check((r["decision"] == "INSPECT") == bool(flags), f"{p}: flagged_by {flags} vs {r['decision']}")
        if r["consistency"] in ("declared_empty_but_loaded", "declared_loaded_but_empty",
                                "declared_mismatch"):
            check(r["consistency"] in flags and r["decision"] == "INSPECT",
                  f"{p}: {r['consistency']} is an INSPECT reason")
    for p in (bulk, comma, machinery):
        check(recs[p]["consignment_score"] != "" and recs[p]["consignment_sibling"] in (bulk, comma, machinery),
              f"{p}: compared with its consignment ({recs[p]['consignment_score']!r}, "
              f"{recs[p]['consignment_sibling']!r})")
    check("1 declared paths of decl.csv were not among the inputs" in err, f"unused rows noted: {err!r}")

    # JSONL carries the same fields; identical records for any --jobs.
    rc1, out1, _ = run("screen", *model, "--declarations", "decl.csv", "--jobs", "1", "--format",
                       "jsonl", *inputs)
    rc3, out3, _ = run("screen", *model, "--declarations", "decl.csv", "--jobs", "3", "--format",
                       "jsonl", *inputs)
    j1 = [json.loads(x) for x in out1.splitlines()]
    j3 = [json.loads(x) for x in out3.splitlines()]
    for j in (j1, j3):
        for r in j:
            r.pop("timings_ms")
    check(j1 == j3 and len(j1) == len(inputs), "JSONL records identical for --jobs 1 and 3")
    check(all(k in j1[0] for k in NEW), "JSONL has the declaration fields")
    check([r["path"] for r in j1] == inputs, "records in input order")
    j = {r["path"]: r for r in j1}
    check(j[bulk]["consignment"] == "BL-1" and isinstance(j[bulk]["flagged_by"], list),
          "JSON types")

    # Malformed declaration files: exit 2, a message naming the line, nothing screened.
    bad = {
        "fields.csv": ("path,declared\nx.png\n", ":2:"),
        "hs.csv": ("path,declared\na.png,empty\nb.png,8\n", ":3:"),
        "column.csv": ("path,declared,weight\na.png,empty,12\n", "weight"),
        "twice.csv": ("path,declared\na.png,empty\na.png,10\n", ":3:"),
        "quote.csv": ('path,declared\n"a.png,empty\n', "never closed"),
        "stray.csv": ('path,declared\na"b.png,empty\n', ":2:"),
        "header.csv": ("file,declared\na.png,empty\n", "path"),
        "blank.csv": ("", "empty file"),
        "cons.csv": ("path,declared,consignment\na.png,empty," + "x" * 300 + "\n", ":2:"),
    }
    for name, (content, needle) in bad.items():
        write(name, content)
        rc, out, err = run("screen", *model, "--declarations", name, "-o", f"{name}.out", *inputs)
        check(rc == 2 and needle in err and not os.path.exists(os.path.join(WORK, f"{name}.out")) and
              not os.path.exists(os.path.join(WORK, f"{name}.out.partial")),
              f"{name}: exit 2 naming {needle!r}, nothing screened (got {rc}, {err!r})")
    rc, _, err = run("screen", *model, "--declarations", "nope.csv", *inputs)
    check(rc == 2 and "nope.csv" in err, f"a missing declarations file: {err!r}")

    # scan eval reports the declaration figures.
    rc, out, err = run("eval", *model, "--labels", "data/labels.csv", "--commodity-column",
                       "subclass", "--commodity-groups", "groups.csv")
    check(rc in (0, 1) and "empty containers declared empty: released" in out and "top-1" in out,
          f"eval's declaration figures: {out[-800:]!r} {err!r}")
    rc, out, err = run("eval", *model, "--labels", "data/labels.csv", "--json",
                       "--commodity-column", "subclass", "--commodity-groups", "groups.csv")
    ev = json.loads(out)
    check("declarations" in ev and "top1" in ev["declarations"] and
          len(ev["declarations"]["confusion"]["matrix"]) == ev["declarations"]["groups"],
          "eval --json: declarations object")
except Exception as e:  # a crash in the test itself counts as a failure, never as silence
    import traceback
    traceback.print_exc()
    check(False, f"test aborted: {e!r}")
finally:
    shutil.rmtree(WORK, ignore_errors=True)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
