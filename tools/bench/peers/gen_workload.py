#!/usr/bin/env python3
"""Synthetic rule-engine workload generator (engine-neutral + per-engine emitters).

One workload = a knowledge base of R rules over F named facts, plus N independent
fact snapshots.  Every snapshot holds a value for each of the F facts (unless
--missing > 0).  Each rule tests 1..3 distinct facts with one of:
  * string equality      (string facts)   e.g. f3 == "v5"
  * membership           (string facts)   e.g. f3 in ["v1","v4","v6"]
  * numeric comparison   (numeric facts)  e.g. f8 > 42   (<, <=, >, >=)
All conditions of a rule are AND-ed.  A rule "fires" on a snapshot when all its
conditions hold; the expected output of a snapshot is the set of fired rule ids.

Outputs (in --out DIR):
  kb.json              neutral KB: fact schema + rules (the source of truth)
  snapshots.jsonl      one JSON object per line: {"f0": "v3", "f1": 17, ...}
  expected.txt         reference fired sets computed here: "<i>:<sorted ids>"
  clips/rules.clp      CLIPS 6.30 rules (ordered facts, relation name = fact name)
  clips/run.bat        batch* file: load rules, then per snapshot
                       reset / one assert per fact / run / printout, then exit
  clips/run_bigassert.bat  same, but one multi-fact assert per snapshot
                       (shows CLIPS' slow long-command ingestion)
  clips/load_only.bat  batch* file: load rules, exit (load-time measurement)
  clips/snapshots.txt  one line per snapshot, facts as "(f0 \"v3\") (f1 17) ..."
                       (input for the embedded C harness clips_embed)
  jre/rules.json       json-rules-engine rule objects (array)
  kbdiag/kb/           kbdiag knowledge folder (--emit ...,kbdiag): facts.yaml (f0..f{F-1},
                       string|integer), problem.yaml (one problem, code 0x7e57, 20 causes,
                       one fix each), rules.yaml (rule r<i>: when: {all: [...]} -> evidence
                       for cause c<i % 20>, lr 2, no lr_false)
  kbdiag/snaps/<i>.yaml  kbdiag-snapshot/1 files for the first --kbdiag-max-snapshots
                       snapshots (kbdiag diagnoses one snapshot per process)
  kbdiag/expected.txt  the matching prefix of expected.txt; kbdiag/meta.json its stats
  kbdiag/empty_kb/, kbdiag/empty.yaml   minimal KB + empty snapshot (startup measurement)
  meta.json            generation parameters and stats
Add an emitter function (see EMITTERS) to produce another engine's format;
keep the neutral kb.json semantics.
"""
import argparse
import json
import os
import random

NUM_OPS = ["<", "<=", ">", ">="]
JRE_NUM = {"<": "lessThan", "<=": "lessThanInclusive",
           ">": "greaterThan", ">=": "greaterThanInclusive"}


def gen(args):
    rng = random.Random(args.seed)
    vocab = ["v%d" % i for i in range(args.vocab)]
    facts = []
    for i in range(args.facts):
        t = "string" if rng.random() < args.string_frac else "number"
        facts.append({"name": "f%d" % i, "type": t})
    rules = []
    for r in range(args.rules):
        k = rng.randint(args.min_conds, args.max_conds)
        chosen = rng.sample(range(args.facts), min(k, args.facts))
        conds = []
        for fi in chosen:
            f = facts[fi]
            if f["type"] == "string":
                if rng.random() < 0.5:
                    conds.append({"fact": f["name"], "op": "==",
                                  "value": rng.choice(vocab)})
                else:
                    n = rng.randint(2, min(4, len(vocab)))
                    conds.append({"fact": f["name"], "op": "in",
                                  "value": sorted(rng.sample(vocab, n),
                                                  key=lambda s: int(s[1:]))})
            else:
                conds.append({"fact": f["name"], "op": rng.choice(NUM_OPS),
                              "value": rng.randint(0, args.num_max)})
        rules.append({"id": "r%d" % r, "priority": 1, "conditions": conds})
    snaps = []
    for _ in range(args.snapshots):
        s = {}
        for f in facts:
            if args.missing and rng.random() < args.missing:
                continue
            if f["type"] == "string":
                s[f["name"]] = rng.choice(vocab)
            else:
                s[f["name"]] = rng.randint(0, args.num_max - 1)
        snaps.append(s)
    return {"facts": facts, "rules": rules}, snaps


def holds(c, snap):
    if c["fact"] not in snap:
        return False
    v = snap[c["fact"]]
    op, x = c["op"], c["value"]
    if op == "==":
        return v == x
    if op == "in":
        return v in x
    if not isinstance(v, (int, float)):
        return False
    return {"<": v < x, "<=": v <= x, ">": v > x, ">=": v >= x}[op]


def reference(kb, snaps):
    out = []
    for s in snaps:
        out.append(sorted((r["id"] for r in kb["rules"]
                           if all(holds(c, s) for c in r["conditions"])),
                          key=lambda x: int(x[1:])))
    return out


# ---------------------------------------------------------------- emitters
def clips_val(v):
    return '"%s"' % v if isinstance(v, str) else str(v)


def emit_clips(kb, snaps, out):
    d = os.path.join(out, "clips")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "rules.clp"), "w") as fh:
        for r in kb["rules"]:
            pats = []
            for i, c in enumerate(r["conditions"]):
                if c["op"] == "==":
                    pats.append("(%s %s)" % (c["fact"], clips_val(c["value"])))
                elif c["op"] == "in":
                    pats.append("(%s %s)" % (c["fact"], "|".join(clips_val(v) for v in c["value"])))
                else:
                    pats.append("(%s ?x%d&:(%s ?x%d %s))" % (c["fact"], i, c["op"], i, c["value"]))
            fh.write("(defrule %s %s => (printout t \" %s\"))\n" % (r["id"], " ".join(pats), r["id"]))
    snap_lines = []
    for s in snaps:
        snap_lines.append(" ".join("(%s %s)" % (k, clips_val(v)) for k, v in s.items()))
    with open(os.path.join(d, "snapshots.txt"), "w") as fh:
        for line in snap_lines:
            fh.write(line + "\n")
    with open(os.path.join(d, "run.bat"), "w") as fh:
        fh.write('(unwatch compilations)\n(load "rules.clp")\n')
        fh.write('(printout t "#loaded" crlf)\n')
        for i, s in enumerate(snaps):
            fh.write('(reset)\n')
            # one assert command per fact: CLIPS' command loop re-scans the
            # pending command text as it grows, so one 200-fact assert per
            # line is ~8x slower than 200 single-fact asserts (see README)
            for k, v in s.items():
                fh.write('(assert (%s %s))\n' % (k, clips_val(v)))
            fh.write('(printout t "%d:")\n(run)\n(printout t crlf)\n' % i)
        fh.write('(exit)\n')
    with open(os.path.join(d, "run_bigassert.bat"), "w") as fh:
        fh.write('(unwatch compilations)\n(load "rules.clp")\n')
        fh.write('(printout t "#loaded" crlf)\n')
        for i, line in enumerate(snap_lines):
            fh.write('(reset)\n')
            if line:
                fh.write('(assert %s)\n' % line)
            fh.write('(printout t "%d:")\n(run)\n(printout t crlf)\n' % i)
        fh.write('(exit)\n')
    with open(os.path.join(d, "load_only.bat"), "w") as fh:
        fh.write('(unwatch compilations)\n(load "rules.clp")\n(exit)\n')


def emit_jre(kb, snaps, out):
    d = os.path.join(out, "jre")
    os.makedirs(d, exist_ok=True)
    rules = []
    for r in kb["rules"]:
        conds = []
        for c in r["conditions"]:
            op = {"==": "equal", "in": "in"}.get(c["op"]) or JRE_NUM[c["op"]]
            conds.append({"fact": c["fact"], "operator": op, "value": c["value"]})
        rules.append({"name": r["id"], "priority": r["priority"],
                      "conditions": {"all": conds},
                      "event": {"type": r["id"]}})
    with open(os.path.join(d, "rules.json"), "w") as fh:
        json.dump(rules, fh)


# ---------------------------------------------------------------- kbdiag
# kbdiag (C++ diagnostic engine; YAML knowledge + data conditions + Lua) reads a
# knowledge *folder* and diagnoses ONE snapshot file per process:
#   kbdiag --no-builtin-kb --kb kbdiag/kb infer kbdiag/snaps/<i>.yaml \
#          --error 0x7e57 --format json [--no-questions]
# The neutral workload maps onto one problem ("bench_problem", code 0x7e57)
# with KBDIAG_CAUSES causes; rule r<i> is a data rule
#   when: {all: [<one comparison per condition>]}   evidence: cause c<i % K>, lr 2
# (no lr_false, so a rule gives evidence exactly when its condition is YES).
# kbdiag's logic is three-valued: a comparison on a fact missing from the
# snapshot is UNKNOWN, `all` is then unknown (or no), and the rule gives no
# evidence -> "missing fact => rule does not fire", as in expected.txt.
# The fired set of a snapshot = the rule ids in the JSON report's causes[].evidence.
# Facts: string facts -> type string, numeric facts -> type integer.
# Snapshots: kbdiag-snapshot/1 YAML files, only the first --kbdiag-max-snapshots
# (kbdiag has no batch mode: one process per snapshot); kbdiag/expected.txt holds
# the matching prefix of expected.txt.  kbdiag/empty_kb + empty.yaml give the
# startup measurement (one problem, one cause, no rules, no facts).
KBDIAG_CAUSES = 20
KBDIAG_CODE = "0x7e57"


def kbdiag_scalar(v):
    return str(v) if isinstance(v, int) else '"%s"' % v


def kbdiag_cond(c):
    op = {"==": "eq", "in": "in", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}[c["op"]]
    if op == "in":
        val = "[%s]" % ", ".join(kbdiag_scalar(v) for v in c["value"])
    else:
        val = kbdiag_scalar(c["value"])
    return "{fact: %s, %s: %s}" % (c["fact"], op, val)


def kbdiag_problem(ncauses, code):
    prior = round(0.9 / ncauses, 6)
    other = round(1.0 - prior * ncauses, 6)
    lines = ["problems:", "  - id: bench_problem",
             "    title: Synthetic benchmark problem (%s)" % code,
             "    message: Synthetic benchmark problem.",
             '    codes: ["%s"]' % code,
             "    causes:"]
    lines += ["      - {cause: c%d, prior: %s}" % (k, prior) for k in range(ncauses)]
    lines += ["    other: %s" % other,
              "    escalation: {title: Escalate, cost_minutes: 60, text: Hand over the report.}",
              "causes:"]
    for k in range(ncauses):
        lines += ["  - id: c%d" % k, "    title: Synthetic cause %d" % k,
                  "    explanation: Synthetic cause %d." % k, "    fixes: [fix_c%d]" % k]
    lines.append("fixes:")
    for k in range(ncauses):
        lines += ["  - id: fix_c%d" % k, "    title: Fix synthetic cause %d" % k,
                  "    cost_minutes: %d" % (5 + k), "    risk: low",
                  "    steps: [Apply fix %d.]" % k, "    verify: The problem is gone."]
    return "\n".join(lines) + "\n"


def kbdiag_snapshot(s):
    out = ["schema: kbdiag-snapshot/1", 'created: "2026-01-01T00:00:00Z"',
           'kbdiag_version: "0.1.0"', "host: {name: bench, platform: linux}",
           "collectors: []"]
    if not s:
        out.append("facts: {}")
    else:
        out.append("facts:")
        out += ["  %s: {value: %s, source: bench}" % (k, kbdiag_scalar(v)) for k, v in s.items()]
    return "\n".join(out) + "\n"


def kbdiag_snapshot_object(s):
    return {"schema": "kbdiag-snapshot/1", "created": "2026-01-01T00:00:00Z", "kbdiag_version": "0.1.0",
            "host": {"name": "bench", "platform": "linux"}, "collectors": [],
            "facts": {k: {"value": v, "source": "bench"} for k, v in s.items()}}


def emit_kbdiag(kb, snaps, out, max_snaps=200):
    d = os.path.join(out, "kbdiag")
    kbd = os.path.join(d, "kb")
    os.makedirs(kbd, exist_ok=True)
    ncauses = KBDIAG_CAUSES
    with open(os.path.join(kbd, "facts.yaml"), "w") as fh:
        fh.write("facts:\n")
        for f in kb["facts"]:
            fh.write("  - id: %s\n    type: %s\n    meaning: Synthetic fact %s.\n"
                     "    question: What is %s?\n"
                     % (f["name"], "string" if f["type"] == "string" else "integer",
                        f["name"], f["name"]))
    with open(os.path.join(kbd, "problem.yaml"), "w") as fh:
        fh.write(kbdiag_problem(ncauses, KBDIAG_CODE))
    with open(os.path.join(kbd, "rules.yaml"), "w") as fh:
        fh.write("rules:\n")
        for i, r in enumerate(kb["rules"]):
            fh.write("  - id: %s\n    title: Synthetic rule %s\n" % (r["id"], r["id"]))
            fh.write("    when: {all: [%s]}\n" % ", ".join(kbdiag_cond(c) for c in r["conditions"]))
            fh.write("    evidence:\n      - {cause: c%d, lr: 2}\n" % (i % ncauses))
    ed = os.path.join(d, "empty_kb")
    os.makedirs(ed, exist_ok=True)
    with open(os.path.join(ed, "problem.yaml"), "w") as fh:
        fh.write(kbdiag_problem(1, KBDIAG_CODE))
    with open(os.path.join(d, "empty.yaml"), "w") as fh:
        fh.write(kbdiag_snapshot({}))
    sd = os.path.join(d, "snaps")
    os.makedirs(sd, exist_ok=True)
    n = min(len(snaps), max_snaps)
    for i in range(n):
        with open(os.path.join(sd, "%d.yaml" % i), "w") as fh:
            fh.write(kbdiag_snapshot(snaps[i]))
    # Every snapshot as one JSON line (kbdiag-snapshot/1 in JSON) for `kbdiag batch`, which diagnoses them all
    # in one process; its expected fired sets are the whole expected.txt.
    with open(os.path.join(d, "snapshots.jsonl"), "w") as fh:
        for s in snaps:
            fh.write(json.dumps(kbdiag_snapshot_object(s), separators=(",", ":")) + "\n")
    with open(os.path.join(d, "empty.jsonl"), "w") as fh:
        pass
    ref = reference(kb, snaps[:n])
    with open(os.path.join(d, "expected.txt"), "w") as fh:
        for i, ids in enumerate(ref):
            fh.write("%d:%s\n" % (i, " ".join(ids)))
    with open(os.path.join(d, "meta.json"), "w") as fh:
        json.dump({"snapshots": n, "causes": ncauses, "code": KBDIAG_CODE,
                   "total_fired": sum(len(x) for x in ref)}, fh)


EMITTERS = {"clips": emit_clips, "jre": emit_jre, "kbdiag": emit_kbdiag}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rules", "-R", type=int, default=100)
    ap.add_argument("--facts", "-F", type=int, default=50)
    ap.add_argument("--snapshots", "-N", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--vocab", type=int, default=8, help="string values per string fact")
    ap.add_argument("--num-max", type=int, default=100, help="numeric facts in [0,num_max)")
    ap.add_argument("--string-frac", type=float, default=0.5)
    ap.add_argument("--min-conds", type=int, default=1)
    ap.add_argument("--max-conds", type=int, default=3)
    ap.add_argument("--missing", type=float, default=0.0,
                    help="probability a fact is absent from a snapshot")
    ap.add_argument("--emit", default="clips,jre",
                    help="comma list of emitters: clips, jre, kbdiag")
    ap.add_argument("--kbdiag-max-snapshots", type=int, default=200,
                    help="kbdiag emitter: snapshot files written (one process each)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    kb, snaps = gen(args)
    with open(os.path.join(args.out, "kb.json"), "w") as fh:
        json.dump(kb, fh, indent=1)
    with open(os.path.join(args.out, "snapshots.jsonl"), "w") as fh:
        for s in snaps:
            fh.write(json.dumps(s, separators=(",", ":")) + "\n")
    ref = reference(kb, snaps)
    with open(os.path.join(args.out, "expected.txt"), "w") as fh:
        for i, ids in enumerate(ref):
            fh.write("%d:%s\n" % (i, " ".join(ids)))
    for name in filter(None, args.emit.split(",")):
        if name == "kbdiag":
            emit_kbdiag(kb, snaps, args.out, args.kbdiag_max_snapshots)
        else:
            EMITTERS[name](kb, snaps, args.out)
    fired = sum(len(x) for x in ref)
    meta = dict(vars(args))
    meta.update({"total_fired": fired,
                 "mean_fired_per_snapshot": fired / max(1, len(ref)),
                 "conditions_total": sum(len(r["conditions"]) for r in kb["rules"])})
    with open(os.path.join(args.out, "meta.json"), "w") as fh:
        json.dump(meta, fh, indent=1)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
