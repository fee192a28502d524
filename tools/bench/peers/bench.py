#!/usr/bin/env python3
"""Benchmark harness: bench.py WORKLOAD_DIR [--repeats K] [--startup-runs M] [--engines a,b]

Engines (all read files produced by gen_workload.py):
  clips-batch  : clips -f2 clips/run.bat          (CLIPS 6.30 CLI, batch* mode)
  clips-embed  : ./clips_embed clips/rules.clp clips/snapshots.txt  (C API)
  jre          : node run_jre.js jre/rules.json snapshots.jsonl    (json-rules-engine)
  kbdiag       : run_kbdiag.py: one `kbdiag infer` process per kbdiag/snaps/<i>.yaml (kbdiag has
                 no batch mode); needs `gen_workload.py --emit ...,kbdiag` and --kbdiag PATH
                 (or $KBDIAG, or kbdiag on PATH).  Not in the default --engines.
                 startup = minimal KB (1 problem, 1 cause, 0 rules) + empty snapshot;
                 load = R rules + ONE snapshot (a kbdiag process cannot load without
                 diagnosing); full = the first N' snapshots (kbdiag/meta.json, default 200),
                 verified against kbdiag/expected.txt.  Every process loads the KB again, so
                 per-snapshot cost = full / N' (not (full - load) / N).
For each engine it measures (wall clock, median of runs):
  startup  : empty KB, no snapshots           (process start + engine init)
  load     : R rules, no snapshots            (startup + rule parsing/compilation)
  full     : R rules, N snapshots             (verified against expected.txt)
and derives steady-state throughput = N / (full - load) and fired/s likewise.
In-process timers printed by clips_embed / run_jre.js are recorded too.
Writes WORKLOAD_DIR/results.json and prints a markdown table.
Add another engine by appending to ENGINES (cmd templates for the 3 phases)."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# phase -> (cwd relative to workload, argv); {H} = harness dir, {OUT} = output file
ENGINES = {
    "clips-batch": {
        "startup": ("clips", ["clips", "-f2", "{H}/empty.bat"]),
        "load": ("clips", ["clips", "-f2", "load_only.bat"]),
        "full": ("clips", ["clips", "-f2", "run.bat"]),
        "stdout_is_output": True,
    },
    "clips-embed": {
        "startup": ("clips", ["{H}/clips_embed", "-", "-"]),
        "load": ("clips", ["{H}/clips_embed", "rules.clp", "-"]),
        "full": ("clips", ["{H}/clips_embed", "rules.clp", "snapshots.txt"]),
        "stdout_is_output": True,
    },
    "jre": {
        "startup": (".", ["node", "{H}/run_jre.js", "-", "-"]),
        "load": (".", ["node", "{H}/run_jre.js", "jre/rules.json", "-"]),
        "full": (".", ["node", "{H}/run_jre.js", "jre/rules.json", "snapshots.jsonl", "{OUT}"]),
        "stdout_is_output": False,
    },
    # kbdiag: a process per snapshot; {K} = the kbdiag binary (--kbdiag)
    "kbdiag": {
        "startup": ("kbdiag", ["{K}", "--no-builtin-kb", "--kb", "empty_kb", "infer", "empty.yaml",
                               "--error", "0x7e57", "--format", "json"]),
        "load": ("kbdiag", ["{K}", "--no-builtin-kb", "--kb", "kb", "infer", "snaps/0.yaml",
                            "--error", "0x7e57", "--format", "json"]),
        "full": (".", [sys.executable, "{H}/run_kbdiag.py", "--kbdiag", "{K}",
                       "kbdiag/kb", "kbdiag/snaps", "{OUT}"]),
        "stdout_is_output": False,
        "process_per_snapshot": True,
        "expected": "kbdiag/expected.txt",   # the first N' snapshots only
        "meta": "kbdiag/meta.json",
    },
}
# kbdiag batch: the knowledge loaded once, every snapshot of kbdiag/snapshots.jsonl diagnosed in one process
# (--no-questions: the peers choose no questions either); the records (--detail evidence: the ranking plus every
# finding, so that the fired rules are in them, as the peers print the rules they fired) are turned into fired sets
# after the timed run. startup = minimal KB, no input; load = R rules,
# no input. "-1" uses one worker thread (as the peers do), the other one per hardware thread.
for _suffix, _jobs in (("-1", ["--jobs", "1"]), ("", [])):
    ENGINES["kbdiag-batch" + _suffix] = {
        "startup": ("kbdiag", ["{K}", "--no-builtin-kb", "--kb", "empty_kb", "batch", "empty.jsonl",
                               "--error", "0x7e57", "--no-questions"] + _jobs),
        "load": ("kbdiag", ["{K}", "--no-builtin-kb", "--kb", "kb", "batch", "empty.jsonl",
                            "--error", "0x7e57", "--no-questions"] + _jobs),
        "full": ("kbdiag", ["{K}", "--no-builtin-kb", "--kb", "kb", "batch", "snapshots.jsonl",
                            "--error", "0x7e57", "--no-questions", "--detail", "evidence", "-o", "{OUT}"] + _jobs),
        "stdout_is_output": False,
        "batch_records": True,
    }
DEFAULT_ENGINES = "clips-batch,clips-embed,jre"


def batch_records_to_fired_sets(path):
    """Rewrites kbdiag batch records (JSON Lines, input order) as "<i>:<fired rule ids>" lines."""
    lines = []
    with open(path) as fh:
        for i, line in enumerate(fh):
            rec = json.loads(line)
            if "error" in rec:
                sys.exit("kbdiag batch: record %d is an error: %s" % (i, rec["error"]))
            ids = sorted({e["rule"] for e in rec["evidence"]}, key=lambda s: (len(s), s))
            lines.append("%d:%s\n" % (i, " ".join(ids)))
    with open(path, "w") as fh:
        fh.write("".join(lines))
KBDIAG = os.environ.get("KBDIAG", "kbdiag")


def run(wd, cwd, argv, out_path=None, stdout_is_output=False, rss=False):
    argv = [a.replace("{H}", HERE).replace("{OUT}", out_path or "/dev/null").replace("{K}", KBDIAG)
            for a in argv]
    rss_file = None
    if rss:  # GNU time reports the child's own peak RSS (not the forking parent's)
        fd, rss_file = tempfile.mkstemp()
        os.close(fd)
        argv = ["/usr/bin/time", "-f", "%M", "-o", rss_file] + argv
    stdout = open(out_path, "w") if (out_path and stdout_is_output) else subprocess.DEVNULL
    with tempfile.TemporaryFile(mode="w+") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(argv, cwd=os.path.join(wd, cwd), stdout=stdout, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)   # per-child rusage (CPU, peak RSS)
        dt = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()
    if stdout is not subprocess.DEVNULL:
        stdout.close()
    if p.returncode != 0:
        sys.exit("command failed (%d): %s\n%s" % (p.returncode, " ".join(argv), stderr))
    internal = None
    for line in stderr.splitlines():
        if line.startswith("{"):
            internal = json.loads(line)
    maxrss = None
    if rss_file:
        maxrss = int(open(rss_file).read().split()[-1])
        os.unlink(rss_file)
    return {"wall_s": dt, "cpu_s": ru.ru_utime + ru.ru_stime,
            "maxrss_kb": maxrss, "internal": internal}


def median(xs):
    return statistics.median(xs) if xs else None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("workload")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--startup-runs", type=int, default=20)
    ap.add_argument("--engines", default=DEFAULT_ENGINES,
                    help="comma list of %s (default %s)" % (",".join(ENGINES), DEFAULT_ENGINES))
    ap.add_argument("--kbdiag", default=None, help="kbdiag binary (default $KBDIAG or kbdiag)")
    a = ap.parse_args()
    global KBDIAG
    if a.kbdiag:
        KBDIAG = os.path.abspath(a.kbdiag) if os.sep in a.kbdiag else a.kbdiag
    wd = os.path.abspath(a.workload)
    meta = json.load(open(os.path.join(wd, "meta.json")))
    n = meta["snapshots"]
    results = {"workload": meta, "engines": {}}
    cmp_groups = {}   # expected file -> engine output files
    for name in a.engines.split(","):
        e = ENGINES[name]
        res = {}
        for phase, runs in (("startup", a.startup_runs), ("load", max(5, a.repeats)),
                            ("full", a.repeats)):
            cwd, argv = e[phase]
            out = os.path.join(wd, "out_%s.txt" % name) if phase == "full" else None
            samples = [run(wd, cwd, argv, out, e["stdout_is_output"], rss=(phase == "full"))
                       for _ in range(runs)]
            res[phase] = {"wall_s_median": median([s["wall_s"] for s in samples]),
                          "wall_s_min": min(s["wall_s"] for s in samples),
                          "cpu_s_median": median([s["cpu_s"] for s in samples]),
                          "maxrss_kb": max(s["maxrss_kb"] or 0 for s in samples),
                          "runs": runs,
                          "internal_last": samples[-1]["internal"]}
            print("%-12s %-8s median %.4fs (n=%d)" % (name, phase, res[phase]["wall_s_median"], runs),
                  file=sys.stderr, flush=True)
            if phase == "full" and e.get("batch_records"):
                batch_records_to_fired_sets(out)
        n_e, fired = n, meta["total_fired"]
        if e.get("meta"):
            m = json.load(open(os.path.join(wd, e["meta"])))
            n_e, fired = m["snapshots"], m["total_fired"]
        if e.get("process_per_snapshot"):
            steady = res["full"]["wall_s_median"]     # every snapshot pays its own load
        else:
            steady = res["full"]["wall_s_median"] - res["load"]["wall_s_median"]
        res["derived"] = {
            "snapshots": n_e,
            "end_to_end_snapshots_per_s": n_e / res["full"]["wall_s_median"],
            "steady_snapshots_per_s": n_e / steady,
            "steady_fired_per_s": fired / steady,
            "us_per_snapshot": steady / n_e * 1e6,
        }
        results["engines"][name] = res
        exp = os.path.join(wd, e.get("expected", "expected.txt"))
        cmp_groups.setdefault(exp, []).append(os.path.join(wd, "out_%s.txt" % name))
    # verify fired sets against the Python reference (per expected file: kbdiag runs a prefix)
    ok, report = True, ""
    for exp, files in cmp_groups.items():
        c = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"), exp] + files,
                           capture_output=True, text=True)
        ok = ok and c.returncode == 0
        report += c.stdout
    results["verification"] = {"ok": ok, "report": report}
    with open(os.path.join(wd, "results.json"), "w") as fh:
        json.dump(results, fh, indent=1)
    print(report)
    print("workload R=%d F=%d N=%d, %d rule firings (%.1f/snapshot)" % (
        meta["rules"], meta["facts"], n, meta["total_fired"], meta["mean_fired_per_snapshot"]))
    print("| engine | startup (empty KB) | load R rules | full run (snapshots) | snapshots/s (steady) | fired/s (steady) | us/snapshot | peak RSS (full run) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results["engines"].items():
        d = r["derived"]
        print("| %s | %.1f ms | %.1f ms%s | %.2f s (%d) | %.1f | %.0f | %.0f | %.0f MB |" % (
            name, r["startup"]["wall_s_median"] * 1e3, r["load"]["wall_s_median"] * 1e3,
            " (+1 snapshot)" if ENGINES[name].get("process_per_snapshot") else "",
            r["full"]["wall_s_median"], d["snapshots"], d["steady_snapshots_per_s"],
            d["steady_fired_per_s"], d["us_per_snapshot"], r["full"]["maxrss_kb"] / 1024))
    if any(ENGINES[x].get("process_per_snapshot") for x in results["engines"]):
        print("(process-per-snapshot engines: us/snapshot = full / snapshots, each process reloads the KB)")
    sys.exit(0 if results["verification"]["ok"] else 1)


if __name__ == "__main__":
    main()
