#!/usr/bin/env python3
"""test_screen.py — end-to-end tests of `scan screen`: one record per input, failures INSPECT,
identical records for any --jobs, shards, kill then --resume, CSV/JSONL parsed with real parsers,
lists, overlays, thresholds, exit codes.

Usage: test_screen.py SCAN_EXE SOURCE_ROOT. Prints "N passed, N failed"; exits 1 on any failure.
"""
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SCAN, SRC = os.path.abspath(sys.argv[1]), sys.argv[2]
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {what}", flush=True)


def run(*args, stdin=None, env=None):
    e = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    if env:
        e.update(env)
    p = subprocess.run([SCAN, *args], input=stdin, capture_output=True, text=True, env=e, cwd=WORK)
    return p.returncode, p.stdout, p.stderr


def read_csv(path):
    with open(os.path.join(WORK, path), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def read_jsonl(path):
    with open(os.path.join(WORK, path), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


TIMING = {"decode_ms", "calibrate_ms", "features_ms", "classify_ms"}


def strip(rows):
    """Records without their timings, keyed by path."""
    return {r["path"]: {k: v for k, v in r.items() if k not in TIMING} for r in rows}


WORK = tempfile.mkdtemp(prefix="scan-screen-test-")
try:
    # ---- data: good scans, broken files, a folder named like an image, files to ignore ----------
    def synth(out, n, seed, *extra):
        rc, _, err = run("synth", "--out", out, "--n", str(n), "--seed", str(seed), "--width", "480",
                         "--height", "240", "--difficulty", "0:0.3", "--jobs", "2", *extra)
        assert rc == 0, err

    synth("train", 20, 1, "--class", "all")
    synth("train2", 10, 21, "--class", "all")
    rc, out, err = run("train", "--labels", "train/labels.csv", "--labels", "train2/labels.csv",
                       "--out", "tiny.model", "--negatives", "60")
    check(rc == 0 and "30 scans" in out, f"train a tiny model on two labelled sets: {out} {err}")

    # ---- eval --json is JSON even when scans fail (they score +inf) --------------------------------
    synth("evalset", 12, 500)
    with open(os.path.join(WORK, "evalset", "labels.csv"), newline="") as f:
        header = next(csv.reader(f))
    with open(os.path.join(WORK, "evalset", "labels.csv"), "a", newline="") as f:
        row = dict(zip(header, [""] * len(header)), file="missing.png", label="INSPECT", **{"class": "dense_object"})
        csv.DictWriter(f, fieldnames=header).writerow(row)
    rc, out, err = run("eval", "--model", "tiny.model", "--labels", "evalset/labels.csv", "--json")
    try:
        ev = json.loads(out)
        check(ev["failed"] == 1 and any(p["threshold"] is None for p in ev["roc"]),
              f"eval --json: the failed scan's +inf threshold is null: {out[:200]}")
    except ValueError as e:
        check(False, f"eval --json prints valid JSON with a failed scan: {e}: {out[:300]} {err}")

    synth("data", 24, 1000)
    shutil.rmtree(os.path.join(WORK, "data", "masks"))
    os.remove(os.path.join(WORK, "data", "labels.csv"))
    goods = sorted(f for f in os.listdir(os.path.join(WORK, "data")) if f.endswith(".png"))
    with open(os.path.join(WORK, "data", goods[0]), "rb") as f:
        png = f.read()
    bad = {
        "data/truncated.png": png[: len(png) // 3],
        "data/empty.jpg": b"",
        "data/text.pgm": b"this is not an image\n",
        "data/corrupt.png": png[:100] + bytes(200) + png[300:],
    }
    for name, data in bad.items():
        with open(os.path.join(WORK, name), "wb") as f:
            f.write(data)
    with open(os.path.join(WORK, "data", "notes.txt"), "w") as f:
        f.write("ignored: not an image extension\n")
    os.makedirs(os.path.join(WORK, "data", "folder.png", "deeper"))
    shutil.copy(os.path.join(WORK, "data", goods[1]), os.path.join(WORK, "data", "folder.png", "deeper", "Inside.PNG"))
    expected = {f"data/{g}" for g in goods} | set(bad) | {"data/folder.png/deeper/Inside.PNG"}
    model = ["--model", "tiny.model"]

    # ---- one record per input; failures INSPECT with their reason -------------------------------
    rc, out, err = run("screen", *model, "data", "--jobs", "2", "-o", "all.csv")
    check(rc == 1, f"exit 1 when some inputs fail (got {rc}): {err}")
    check(not os.path.exists(os.path.join(WORK, "all.csv.partial")), "no .partial left after a finished run")
    rows = read_csv("all.csv")
    paths = [r["path"] for r in rows]
    check(len(paths) == len(set(paths)) and set(paths) == expected,
          f"every input exactly once: {len(paths)} records, missing {expected - set(paths)}, extra {set(paths) - expected}")
    check(paths == sorted(paths, key=lambda p: p.split("/")), "folders are listed depth first in name order")
    by = {r["path"]: r for r in rows}
    want_status = {"data/truncated.png": {"truncated", "corrupt"}, "data/empty.jpg": {"empty_input"},
                   "data/text.pgm": {"unknown_format", "bad_header", "unsupported"},
                   "data/corrupt.png": {"corrupt", "checksum", "truncated", "bad_header"}}
    for p, st in want_status.items():
        r = by.get(p, {})
        check(r.get("decision") == "INSPECT" and r.get("status") in st and r.get("message") and r.get("code") != "0"
              and r.get("score") == "", f"{p}: INSPECT with reason, got {r}")
    goods_ok = [by[p] for p in expected - set(bad)]
    check(all(r["suspected"] == "" for r in rows if r["status"] != "ok"), "no suspected class without a score")
    check(all(r["status"] == "ok" and r["code"] == "0" and r["score"] != "" and r["suspected"] and int(r["width"]) == 480
              and r["reasons"] and r["hot_x1"] != "" for r in goods_ok), "good scans analysed with reasons and hot tile")
    check("screened 29:" in err and "failed" in err and "images/s" in err, f"summary on stderr: {err!r}")

    # ---- identical records for --jobs 1, 2 and 8 -------------------------------------------------
    base = strip(rows)
    for j in ("1", "8"):
        rc, _, err = run("screen", *model, "data", "--jobs", j, "-o", f"j{j}.csv")
        check(strip(read_csv(f"j{j}.csv")) == base, f"--jobs {j} gives the records of --jobs 2")
        check([r["path"] for r in read_csv(f"j{j}.csv")] == paths, f"--jobs {j}: same order")

    # ---- JSONL, parsed by json; same content as CSV; stdout --------------------------------------
    rc, out, err = run("screen", *model, "data", "--format", "jsonl")
    recs = [json.loads(line) for line in out.splitlines()]
    check(len(recs) == len(expected) and {r["path"] for r in recs} == expected, "JSONL: one record per input")
    ok = True
    for r in recs:
        c = by[r["path"]]
        ok &= r["decision"] == c["decision"] and r["status"] == c["status"] and str(r["code"]) == c["code"]
        ok &= (r["score"] is None) == (c["score"] == "")
        ok &= (r["suspected"] or "") == c["suspected"]
        if r["score"] is not None:
            ok &= abs(r["score"] - float(c["score"])) <= 1e-5 * max(1, abs(r["score"]))
        ok &= set(r["timings_ms"]) == {"decode", "calibrate", "features", "classify"}
        if r["hot_tiles"]:
            h = r["hot_tiles"][0]
            ok &= [h["x0"], h["y0"], h["x1"], h["y1"]] == [int(c[k]) for k in ("hot_x0", "hot_y0", "hot_x1", "hot_y1")]
        if r["reasons"]:
            ok &= c["reasons"].split(";")[0].split(":")[0] == r["reasons"][0]["feature"]
    check(ok, "JSONL records agree with CSV")
    check(all(r["decision"] == "INSPECT" and r["message"] for r in recs if r["status"] != "ok"), "JSONL failures")

    # ---- shards: disjoint, union is the whole ----------------------------------------------------
    shards = []
    for k in (1, 2, 3):
        rc, _, _ = run("screen", *model, "data", "--shard", f"{k}/3", "-o", f"s{k}.csv")
        shards.append(strip(read_csv(f"s{k}.csv")))
    union = {}
    overlap = 0
    for s in shards:
        overlap += len(union.keys() & s.keys())
        union.update(s)
    check(overlap == 0, f"shards do not overlap ({overlap})")
    check(union == base, "the union of the shards is the whole, record for record")
    check(all(len(s) > 0 for s in shards), f"every shard gets inputs: {[len(s) for s in shards]}")

    # ---- kill mid-run, then --resume: each input exactly once ------------------------------------
    synth("more", 60, 5000)
    shutil.rmtree(os.path.join(WORK, "more", "masks"))
    os.remove(os.path.join(WORK, "more", "labels.csv"))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    proc = subprocess.Popen([SCAN, "screen", *model, "more", "data", "--jobs", "1", "-o", "r.csv"], cwd=WORK,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    partial = os.path.join(WORK, "r.csv.partial")
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        if os.path.exists(partial) and open(partial, "rb").read().count(b"\n") >= 6:
            break
        time.sleep(0.005)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    check(killed, "the run was killed mid-way")
    check(not os.path.exists(os.path.join(WORK, "r.csv")), "a killed run leaves no final output")
    before = read_csv("r.csv.partial")
    # Simulate a crash in the middle of a record too: a cut line must be dropped and redone.
    with open(partial, "ab") as f:
        f.write(b"more/cut-record.png,INSPE")
    rc, _, err = run("screen", *model, "more", "data", "--jobs", "2", "-o", "r.csv", "--resume")
    all_inputs = expected | {f"more/{f}" for f in os.listdir(os.path.join(WORK, "more"))}
    rows_r = read_csv("r.csv")
    pr = [r["path"] for r in rows_r]
    check(len(pr) == len(set(pr)) and set(pr) == all_inputs,
          f"kill + resume: each input once ({len(pr)} records, {len(set(pr))} distinct, {len(all_inputs)} inputs)")
    check(f"{len([p for p in before])} skipped" in err, f"resume skips what was recorded: {err!r}")
    check(not os.path.exists(partial), "resume finishes the output")
    whole = strip(read_csv("r.csv"))
    # Records from before the kill and after the resume match a straight run.
    rc, _, _ = run("screen", *model, "more", "data", "-o", "straight.csv")
    check(whole == strip(read_csv("straight.csv")), "resumed output equals an uninterrupted run")
    # Resume of a finished output screens nothing new.
    rc, _, err = run("screen", *model, "more", "data", "-o", "r.csv", "--resume")
    check(len(read_csv("r.csv")) == len(all_inputs) and f"{len(all_inputs)} skipped" in err, "resume of a finished run")
    # JSONL resume, with a non-UTF-8 file name that must round-trip.
    weird = os.path.join(WORK.encode(), b"data2")
    os.makedirs(weird, exist_ok=True)
    shutil.copy(os.path.join(WORK, "data", goods[2]), os.path.join(weird, b"caf\xe9, \"x\".png"))
    shutil.copy(os.path.join(WORK, "data", goods[3]), os.path.join(weird, b"b.png"))
    rc, _, err = run("screen", *model, "data2", "--format", "jsonl", "-o", "w.jsonl")
    lines = open(os.path.join(WORK, "w.jsonl"), encoding="utf-8").read().splitlines()
    check(len(lines) == 2 and all(json.loads(x) for x in lines), "JSONL with a non-UTF-8 name stays valid")
    rc, _, err = run("screen", *model, "data2", "--format", "jsonl", "-o", "w.jsonl", "--resume")
    check(len(read_jsonl("w.jsonl")) == 2 and "2 skipped" in err, f"JSONL resume matches odd names: {err!r}")
    rc, _, err = run("screen", *model, "data2", "--format", "csv", "-o", "w.jsonl", "--resume")
    check(rc == 2, "resume refuses a format change")

    # ---- lists: --files-from and stdin; folders in a list are inputs ------------------------------
    listed = [f"data/{goods[0]}", "data/folder.png", "data/missing.png", f"data/{goods[1]}"]
    with open(os.path.join(WORK, "list.txt"), "w") as f:
        f.write("\n".join(listed) + "\n\n")
    rc, out, _ = run("screen", *model, "--files-from", "list.txt")
    lr = list(csv.DictReader(io.StringIO(out)))
    check([r["path"] for r in lr] == listed, "--files-from: one record per line, in order")
    check(lr[1]["status"] == "not_a_file" and lr[2]["status"] == "io" and lr[1]["decision"] == "INSPECT",
          f"listed folder and missing file are INSPECT failures: {[(r['path'], r['status']) for r in lr]}")
    check(rc == 1, "exit 1 for failed listed inputs")
    rc, out2, _ = run("screen", *model, "-", stdin="\n".join(listed) + "\n")
    check(strip(csv.DictReader(io.StringIO(out2))) == strip(lr), "a list on stdin ('-') equals --files-from")

    # ---- extension filter, threshold, overlays ---------------------------------------------------
    rc, out, _ = run("screen", *model, "data", "--ext", ".PGM,jpg")
    got = {r["path"] for r in csv.DictReader(io.StringIO(out))}
    check(got == {"data/text.pgm", "data/empty.jpg"}, f"--ext filters folders, case-insensitively: {got}")
    for t, want in (("0", "INSPECT"), ("1", None)):
        rc, out, _ = run("screen", *model, "data", "--threshold", t)
        rs = list(csv.DictReader(io.StringIO(out)))
        check(all(r["threshold"] == t for r in rs), f"--threshold {t} recorded")
        if want:
            check(all(r["decision"] == want for r in rs), f"--threshold {t}: all {want}")
        else:
            check(all(r["decision"] == "RELEASE" for r in rs if r["status"] == "ok" and float(r["score"]) < 1)
                  and all(r["decision"] == "INSPECT" for r in rs if r["status"] != "ok"),
                  "--threshold 1: only failures (and certain scores) INSPECT")
    # ---- --polarity: an attenuation display cropped to the container has no air to vote on ----------
    synth("inv", 3, 7000, "--class", "homogeneous", "--export", "png8-crop-inv")
    rc, out, err = run("screen", *model, "inv", "--polarity", "attenuation", "--threshold", "1")
    rs = list(csv.DictReader(io.StringIO(out)))
    check(rc == 0 and len(rs) == 3 and all(r["status"] == "ok" for r in rs),
          f"--polarity attenuation: cropped attenuation displays are analysed: {out} {err}")
    rc, _, err = run("screen", *model, "inv", "--polarity", "sideways")
    check(rc == 2 and "--polarity" in err, f"--polarity with a bad value is a usage error: {rc} {err}")
    rc, _, _ = run("screen", *model, "data", "--overlay-dir", "ov", "-o", "ov.csv")
    ov = sorted(os.listdir(os.path.join(WORK, "ov")))
    want = sorted(r["path"].replace("/", "_") + ".png" for r in read_csv("ov.csv")
                  if r["decision"] == "INSPECT" and r["width"] != "0")
    check(ov == want, f"one overlay per decoded INSPECT input: {len(ov)} vs {len(want)}")
    check(all(open(os.path.join(WORK, "ov", f), "rb").read(8) == b"\x89PNG\r\n\x1a\n" for f in ov), "PNG overlays")
    rc, _, _ = run("screen", *model, "data", "--overlay-dir", "ovj", "--overlay-format", "jpg", "--overlay-all",
                   "--threshold", "1")
    ovj = os.listdir(os.path.join(WORK, "ovj"))
    check(len(ovj) == len(goods) + 1 and all(open(os.path.join(WORK, "ovj", f), "rb").read(2) == b"\xff\xd8" for f in ovj),
          f"--overlay-all writes JPEG overlays for every decoded input ({len(ovj)})")

    # ---- memory budget: over it, INSPECT too_large with the need and the budget; workers go on ----
    rc, out, err = run("screen", *model, "data", "--memory-budget", "1", "--jobs", "2", "--format", "jsonl")
    mb = [json.loads(line) for line in out.splitlines()]
    decodable = [r for r in mb if r["path"] in expected - set(bad)]
    check(len(mb) == len(expected) and rc == 1, f"--memory-budget 1: a record per input, exit 1 ({rc})")
    check(all(r["status"] == "too_large" and r["decision"] == "INSPECT" and r["code"] == 60
              and "needs" in r["message"] and "memory budget 1.0 MiB" in r["message"] for r in decodable),
          f"--memory-budget 1: every readable scan too_large with its need: {[r['message'] for r in decodable][:2]}")
    rc, out, _ = run("screen", *model, "data", "--memory-budget", "0")
    check(strip(csv.DictReader(io.StringIO(out))) == base, "--memory-budget 0 (none) gives the default's records")
    rc, _, err = run("screen", *model, "data", "--memory-budget", "x")
    check(rc == 2 and "--memory-budget" in err, f"a bad --memory-budget: exit 2 ({err!r})")

    # ---- the scan check: what is not a container scan is INSPECT not_a_scan, with why ------------
    os.makedirs(os.path.join(WORK, "notscans"))
    w, h = 1200, 500
    rnd = __import__("random").Random(5)
    chart = bytearray()
    for y in range(h):  # a dark frame around a bright interior, with noise
        for x in range(w):
            v = 60 if x < 40 or y < 40 or x >= w - 40 or y >= h - 40 else 235
            chart.append(max(0, min(255, v + rnd.randint(-4, 4))))
    with open(os.path.join(WORK, "notscans", "chart.pgm"), "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (w, h) + bytes(chart))

    def png_rgb(path, w, h, pixel):
        import struct
        import zlib
        raw = b"".join(b"\0" + b"".join(bytes(pixel(x, y)) for x in range(w)) for y in range(h))

        def chunk(t, d):
            return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
        with open(path, "wb") as f:
            f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                    + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    png_rgb(os.path.join(WORK, "notscans", "gradient.png"), 640, 320,
            lambda x, y: (x * 255 // 639, y * 255 // 319, 128))
    rc, out, err = run("screen", *model, "notscans", "--format", "jsonl", "--threshold", "1")
    recs = {os.path.basename(r["path"]): r for r in map(json.loads, out.splitlines())}
    check(rc == 1 and set(recs) == {"chart.pgm", "gradient.png"}, f"two records, exit 1 ({rc}, {err!r})")
    for name, why in (("chart.pgm", "not a scan: "), ("gradient.png", "not a scan: colour image")):
        r = recs.get(name, {})
        check(r.get("decision") == "INSPECT" and r.get("status") == "not_a_scan" and r.get("code") == 84
              and why in (r.get("message") or "") and r.get("score") is None,
              f"{name}: INSPECT not_a_scan with the failed check, got {r}")
    rc, out, _ = run("screen", *model, "notscans/chart.pgm")
    row = next(csv.DictReader(io.StringIO(out)), {})
    check(row.get("status") == "not_a_scan" and row.get("code") == "84" and "not a scan:" in row.get("message", ""),
          f"CSV record of a non-scan: {row}")

    # ---- LSCAN_DISABLE_CPU_FEATURES: unknown names are ignored with a warning -------------------
    rc, out, err = run("screen", *model, f"data/{goods[0]}", env={"LSCAN_DISABLE_CPU_FEATURES": "avx2,altivec"})
    check(rc == 0 and "warning" in err and "altivec" in err and ("RELEASE" in out or "INSPECT" in out),
          f"an unknown feature to disable is a warning, not a failure (rc {rc}, {err!r})")
    rc, out, err = run("info", env={"LSCAN_DISABLE_CPU_FEATURES": "sve2"})
    check(rc == 0 and "sve2" in err and "memory budget:" in out, f"scan info with an unknown feature ({rc}, {err!r})")
    rc, out, err = run("screen", *model, f"data/{goods[0]}", "--cpu", "altivec")
    check(rc == 2, "--cpu (features to keep) still refuses an unknown name")

    # ---- streaming inputs: a missing list stops the run before anything; order across operands ---
    rc, out, err = run("screen", *model, "data", "--files-from", "no-such-list.txt")
    check(rc == 2 and "no-such-list.txt" in err and out.count("\n") <= 1, f"a missing list: exit 2, no record ({err!r})")
    rc, out, _ = run("screen", *model, f"data/{goods[1]}", "data", "-", stdin=f"data/{goods[0]}\n")
    sp = [r["path"] for r in csv.DictReader(io.StringIO(out))]
    check(sp == [f"data/{goods[1]}"] + paths + [f"data/{goods[0]}"], "operands in order, folders walked, then lists")

    # ---- exit codes ------------------------------------------------------------------------------
    rc, _, _ = run("screen", *model, f"data/{goods[0]}", f"data/{goods[1]}")
    check(rc == 0, f"exit 0 when every input is screened (got {rc})")
    for args, what in ((["data", "--shard", "0/3"], "bad shard"), (["data", "--shard", "4/3"], "shard K > N"),
                       (["data", "--format", "xml"], "bad format"), (["data", "--resume"], "resume without -o"),
                       (["--jobs", "2"], "no inputs"), (["data", "--threshold", "1.5"], "threshold out of range"),
                       (["data", "--frobnicate"], "unknown option")):
        rc, _, err = run("screen", *model, *args)
        check(rc == 2 and err.startswith("scan: "), f"{what}: exit 2 with a message (got {rc}, {err!r})")
    # Number options share one parser: empty, non-numeric and out-of-range values are refused
    # (an empty --threshold of eval, --l2 of train or --inspect-fraction of synth once read as 0).
    for cmd, args in ((["screen", *model, "data"], ["--threshold", "abc"]),
                      (["eval", *model, "--labels", "data/labels.csv"], ["--threshold", ""]),
                      (["eval", *model, "--labels", "data/labels.csv"], ["--target-detection", "2"]),
                      (["train", "--labels", "data/labels.csv", "--out", "x.model"], ["--l2", ""]),
                      (["train", "--labels", "data/labels.csv", "--out", "x.model"], ["--l2", "inf"]),
                      (["synth", "--out", "never", "--n", "1"], ["--inspect-fraction", ""])):
        rc, _, err = run(*cmd, *args)
        check(rc == 2 and args[0] in err and "expected a number" in err,
              f"{cmd[0]} {' '.join(args)!r}: exit 2 naming the option (got {rc}, {err!r})")
    check(not os.path.exists(os.path.join(WORK, "never")), "a refused synth writes nothing")
    rc, _, err = run("screen", "--model", "nope.model", "data")
    check(rc == 2 and "nope.model" in err, f"a missing model: exit 2 ({err!r})")
    with open(os.path.join(WORK, "bad.model"), "w") as f:
        f.write("libscan-model 999\n")
    rc, _, err = run("screen", "--model", "bad.model", "data")
    check(rc == 2, f"a bad model: exit 2 ({err!r})")
    rc, _, err = run("screen", *model, "data", "-o", "/nonexistent/dir/out.csv")
    check(rc == 2, "an unwritable output: exit 2")
    rc, out, _ = run("screen", "--help")
    check(rc == 0 and "--shard K/N" in out and "--resume" in out, "--help")
    # The in-tree default model is found next to the executable when it exists.
    if os.path.exists(os.path.join(os.path.dirname(SCAN), "..", "..", "models", "default.model")):
        rc, out, err = run("screen", f"data/{goods[0]}")
        check(rc == 0 and ("RELEASE" in out or "INSPECT" in out), f"default model found: {err!r}")
except Exception as e:  # a crash in the test itself counts as a failure, never as silence
    import traceback
    traceback.print_exc()
    check(False, f"test aborted: {e!r}")
finally:
    shutil.rmtree(WORK, ignore_errors=True)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
