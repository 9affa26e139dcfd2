#!/usr/bin/env python3
"""test_synth.py — end-to-end tests of `scan synth` with worlds and exports: --list-worlds, every
world's files and labels columns, forced exports (JPEG, 8-bit PNG), masks the size of the exported
image, identical bytes for any --jobs, the classic world byte-identical to samples/, usage errors.

Usage: test_synth.py SCAN_EXE SOURCE_ROOT. Prints "N passed, N failed"; exits 1 on any failure.
"""
import csv
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SCAN, SRC = os.path.abspath(sys.argv[1]), sys.argv[2]
passed = failed = 0

OLD_COLUMNS = ["file", "label", "class", "subclass", "difficulty", "x0", "y0", "x1", "y1"]
NEW_COLUMNS = ["world", "build", "scanner", "export", "commodity", "hs_chapter"]


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}", flush=True)


def run(*args):
    p = subprocess.run([SCAN, *args], capture_output=True, text=True, cwd=WORK)
    return p.returncode, p.stdout, p.stderr


def image_size(path):
    """(width, height, bit depth) of a PNG, or (width, height, 8) of a baseline JPEG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        w, h, depth = struct.unpack(">IIB", data[16:25])
        return w, h, depth
    if data[:2] == b"\xff\xd8":
        i = 2
        while i < len(data):
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return w, h, 8
            i += 2 + length
    return None


def read_labels(d):
    with open(os.path.join(WORK, d, "labels.csv"), newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def tree(d):
    out = {}
    for root, _, files in os.walk(os.path.join(WORK, d)):
        for name in files:
            p = os.path.join(root, name)
            out[os.path.relpath(p, os.path.join(WORK, d))] = md5(p)
    return out


WORK = tempfile.mkdtemp(prefix="scan-synth-test-")
try:
    # ---- the list of worlds ---------------------------------------------------------------
    rc, out, err = run("synth", "--list-worlds")
    check(rc == 0, f"--list-worlds exits 0 ({rc}, {err})")
    worlds, parts, purpose = [], {}, {}
    lines = out.splitlines()
    for i, line in enumerate(lines):
        f = line.split()
        if len(f) >= 2 and f[1] in ("train", "validation", "held-out") and not line.startswith(" "):
            worlds.append(f[0])
            purpose[f[0]] = f[1]
            comp = {}
            for j in range(1, 4):
                key, _, val = lines[i + j].strip().partition(": ")
                comp[key] = val.split(",")
            parts[f[0]] = comp
    check(worlds[:1] == ["classic"], f"classic is world 0: {worlds}")
    check(len(worlds) >= 5, f"at least five worlds: {worlds}")
    check(sum(p == "held-out" for p in purpose.values()) >= 2, "at least two held-out worlds")
    check("commodities" in out and "cotton_bales" in out, "--list-worlds lists the commodities")

    # ---- every world: files, labels columns, masks --------------------------------------------
    for w in worlds:
        d = f"w_{w}"
        rc, _, err = run("synth", "--out", d, "--n", "10", "--seed", "4242", "--world", w,
                         "--class", "all", "--size", "20ft", "--level", "1", "--jobs", "2")
        check(rc == 0, f"{w}: synth exits 0 ({err})")
        header, rows = read_labels(d)
        check(header == OLD_COLUMNS + NEW_COLUMNS, f"{w}: columns {header}")
        check(len(rows) == 10, f"{w}: 10 rows")
        for r in rows:
            path = os.path.join(WORK, d, r["file"])
            check(os.path.isfile(path), f"{w}: {r['file']} exists")
            check(r["world"] == w, f"{w}: world column {r['world']}")
            check(r["build"] in parts[w]["builds"], f"{w}: build {r['build']}")
            check(r["scanner"] in parts[w]["scanners"], f"{w}: scanner {r['scanner']}")
            style = "-".join(t.rstrip("0123456789.") if t.startswith(("log", "gamma")) else t
                             for t in r["export"].split("-")
                             if not (t[:1] in "sq" and t[1:2].isdigit()))
            check(style in parts[w]["exports"], f"{w}: export {r['export']} ({style})")
            ext = os.path.splitext(r["file"])[1]
            check(ext == (".jpg" if r["export"].startswith("jpeg") else ".png"),
                  f"{w}: extension {ext} for {r['export']}")
            check((r["hs_chapter"] == "") == (r["commodity"] in ("empty", "general_cargo")),
                  f"{w}: commodity {r['commodity']} hs {r['hs_chapter']}")
            if r["class"] in ("empty", "load_in_empty"):
                check(r["commodity"] == "empty", f"{w}: {r['class']} has commodity empty")
            size = image_size(path)
            if r["label"] == "INSPECT":
                mpath = os.path.join(WORK, d, "masks", os.path.splitext(r["file"])[0] + ".png")
                check(os.path.isfile(mpath), f"{w}: mask of {r['file']}")
                msize = image_size(mpath)
                check(msize and size and msize[:2] == size[:2], f"{w}: mask {msize} image {size}")
                x0, y0, x1, y1 = (int(r[k]) for k in ("x0", "y0", "x1", "y1"))
                check(x1 <= size[0] and y1 <= size[1], f"{w}: box inside the export")
            else:
                check(all(r[k] == "0" for k in ("x0", "y0", "x1", "y1")), f"{w}: RELEASE box")

    # ---- forced exports -----------------------------------------------------------------------
    rc, _, err = run("synth", "--out", "jc", "--n", "4", "--seed", "7", "--world", "harbour",
                     "--export", "jpeg-crop", "--class", "all", "--jobs", "2")
    check(rc == 0, f"--export jpeg-crop exits 0 ({err})")
    _, rows = read_labels("jc")
    check(all(r["file"].endswith(".jpg") for r in rows), "jpeg-crop writes .jpg")
    check(all(r["export"] == "jpeg-crop-lin-q90" for r in rows), "jpeg-crop recorded canonically")
    rc, _, err = run("synth", "--out", "p8", "--n", "3", "--seed", "7", "--export", "png8-log-inv")
    check(rc == 0, f"classic --export png8-log-inv exits 0 ({err})")
    _, rows = read_labels("p8")
    check(all(image_size(os.path.join(WORK, "p8", r["file"]))[2] == 8 for r in rows),
          "png8 writes 8-bit PNGs")
    check(all(r["world"] == "classic" and r["export"] == "png8-log-inv" for r in rows),
          "forced export recorded for classic")

    # ---- same bytes for any --jobs --------------------------------------------------------------
    for j in ("1", "2"):
        rc, _, _ = run("synth", "--out", f"j{j}", "--n", "6", "--seed", "99", "--world", "archive",
                       "--jobs", j, "--level", "1")
        check(rc == 0, f"archive --jobs {j}")
    check(tree("j1") == tree("j2"), "archive: --jobs 1 and 2 write the same bytes")

    # ---- the classic world is byte-identical to the samples -----------------------------------
    rc, _, _ = run("synth", "--out", "cl", "--n", "10", "--seed", "20240", "--class", "all",
                   "--level", "9")
    check(rc == 0, "classic samples regenerate")
    samples = os.path.join(SRC, "samples")
    for name in sorted(os.listdir(samples)):
        if name.endswith(".png"):
            check(md5(os.path.join(WORK, "cl", name)) == md5(os.path.join(samples, name)),
                  f"classic {name} byte-identical to samples/")
    with open(os.path.join(samples, "labels.csv")) as f:
        want = f.read()
    with open(os.path.join(WORK, "cl", "labels.csv")) as f:
        got = f.read()
    check(got == want, "samples/labels.csv regenerates byte-identical")

    # ---- scan calibrate: the same file for any --jobs and folder order ---------------------------
    for w, seed in (("harbour", "5300"), ("inland", "5400")):
        rc, _, err = run("synth", "--out", "wedges-" + w, "--world", w, "--dual", "--step-wedges",
                         "--n", "2", "--seed", seed, "--level", "1")
        check(rc == 0, f"step wedges of {w}: {err}")
    rc1, _, err1 = run("calibrate", "--out", "a.calib", "--jobs", "1", "wedges-harbour", "wedges-inland")
    rc2, _, err2 = run("calibrate", "--out", "b.calib", "--jobs", "2", "wedges-inland", "wedges-harbour")
    with open(os.path.join(WORK, "a.calib"), "rb") as fa, open(os.path.join(WORK, "b.calib"), "rb") as fb:
        a, b = fa.read(), fb.read()
    scanners = [l.split()[1] for l in a.decode().splitlines() if l.startswith("scanner ")]
    check(rc1 == 0 and rc2 == 0 and a == b and scanners == sorted(scanners) and len(scanners) == 2,
          f"calibrate: identical files for --jobs 1 and 2 and either folder order, scanners sorted "
          f"({scanners}; {err1} {err2})")

    # ---- usage errors ---------------------------------------------------------------------------
    for args, what in ((["--world", "atlantis"], "unknown world"),
                       (["--export", "tiff"], "bad export"),
                       (["--export", "png16-log"], "png16 with a mapping"),
                       (["--world", "harbour", "--format", "pnm"], "pnm outside classic"),
                       (["--size", "45ft"], "45 ft in classic")):
        rc, _, err = run("synth", "--out", "bad", "--n", "1", "--seed", "1", *args)
        check(rc == 2 and err, f"{what}: exit 2 with a message ({rc})")
finally:
    shutil.rmtree(WORK, ignore_errors=True)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
