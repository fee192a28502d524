#!/usr/bin/env bash
# `kbdiag batch`: JSON Lines of snapshots in, one record per snapshot out, in input order whatever --jobs; a bad
# line becomes an error record naming it (exit 4) and the others are still diagnosed; a folder of snapshots is an
# input; --summary counts match what the fleet was built with.
source "$(dirname "$0")/lib.sh"

# The fleet is built from a snapshot `kbdiag collect` wrote (as JSON: JSON is YAML), one fact changed per line.
#   fleet.py BASE_YAML COUNT KIND > fleet.jsonl
cat >"$TMP/fleet.py" <<'EOF'
import json, sys, yaml
base = yaml.safe_load(open(sys.argv[1]))
count, kind = int(sys.argv[2]), sys.argv[3]
def fact(v): return {"value": v, "source": "manual"}
for i in range(count):
    s = json.loads(json.dumps(base))
    s["host"]["name"] = f"pc{i}"
    f = s["facts"]
    if kind == "mini":   # every third line points at the LM level, the others at the changed password
        if i % 3 == 0:
            f["mini.lm_level"] = fact(1)
        else:
            f["mini.password_changed"] = fact(True)
    else:                # shipped KB: 2 servers (3:2), 2 vendors (by server), 2 Windows builds (i even / odd)
        f["host.os"] = fact("windows")
        f["target.server"] = fact("nas-a" if i % 5 < 3 else "nas-b")
        f["server.vendor"] = fact("synology" if i % 5 < 3 else "qnap")
        f["windows.build"] = fact(22631 if i % 2 == 0 else 19045)
        if i % 4 == 0:
            f["user.password_changed_recently"] = fact("yes")
    print(json.dumps(s, separators=(",", ":") if i % 2 else (", ", ": ")))   # both JSON spellings
EOF
# The top cause of each record (or ERROR:code), one per line.
top_causes() {
  python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    print("ERROR:" + r["error"]["code"] if "error" in r else r["causes"][0]["id"])' "$1"
}

# --- mini knowledge base: 50 lines whose top cause differs by line -------------------------------------------
run 0 "$KBDIAG" "${MINI[@]}" collect -q -o "$TMP/base-mini.yaml"
python3 "$TMP/fleet.py" "$TMP/base-mini.yaml" 50 mini >"$TMP/mini.jsonl"
[ "$(wc -l <"$TMP/mini.jsonl")" -eq 50 ] || fail "fleet.py wrote $(wc -l <"$TMP/mini.jsonl") lines"
for i in $(seq 0 49); do
  if [ $((i % 3)) -eq 0 ]; then echo mini_level; else echo mini_stale; fi
done >"$TMP/expected-top"

run 0 "$KBDIAG" "${MINI[@]}" batch --jobs 4 --no-questions "$TMP/mini.jsonl"
cp "$TMP/out" "$TMP/jobs4.jsonl"
[ "$(wc -l <"$TMP/jobs4.jsonl")" -eq 50 ] || fail "50 lines in, $(wc -l <"$TMP/jobs4.jsonl") records out"
top_causes "$TMP/jobs4.jsonl" >"$TMP/got-top"
diff "$TMP/expected-top" "$TMP/got-top" >&2 || fail "--jobs 4: top causes out of input order (diff above)"
# Each record names its own line and host, in order.
python3 -c 'import json,sys
for n, l in enumerate(open(sys.argv[1]), 1):
    r = json.loads(l)
    assert r["input"] == f"{sys.argv[2]}:{n}", (n, r["input"])
    assert r["host"] == f"pc{n-1}", (n, r["host"])
    assert r["schema"] == "kbdiag-batch/1" and r["problem"] == "mini_problem" and not r["is_triage"]
    assert 1 <= len(r["causes"]) <= 5 and r["plan"], r
    assert "\n" not in l.rstrip("\n")' "$TMP/jobs4.jsonl" "$TMP/mini.jsonl" || fail "records do not name their lines"

# Byte-identical whatever --jobs; stdin (no input argument, or -) gives the same records labelled stdin:N.
run 0 "$KBDIAG" "${MINI[@]}" batch --jobs 1 --no-questions "$TMP/mini.jsonl"
cmp "$TMP/out" "$TMP/jobs4.jsonl" || fail "--jobs 1 and --jobs 4 differ"
run 0 "$KBDIAG" "${MINI[@]}" batch --jobs 3 --no-questions <"$TMP/mini.jsonl"
sed "s|\"$TMP/mini.jsonl:|\"stdin:|" "$TMP/jobs4.jsonl" | cmp - "$TMP/out" || fail "stdin records differ from the file's"
# With the questions (the default) too, and --detail full carries the infer report.
run 0 "$KBDIAG" "${MINI[@]}" batch --jobs 4 --detail full "$TMP/mini.jsonl"
cp "$TMP/out" "$TMP/full4.jsonl"
run 0 "$KBDIAG" "${MINI[@]}" batch --jobs 1 --detail full "$TMP/mini.jsonl"
cmp "$TMP/out" "$TMP/full4.jsonl" || fail "--detail full: --jobs 1 and --jobs 4 differ"
python3 -c 'import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)["report"]
    assert r["schema"] == "kbdiag-report/1" and r["problem"]["id"] == "mini_problem", r.get("schema")' \
  "$TMP/full4.jsonl" || fail "--detail full: no report under \"report\""
# --detail evidence lists every finding of the full report's causes, in the same order, with the applied ratio.
run 0 "$KBDIAG" "${MINI[@]}" batch --jobs 2 --detail evidence "$TMP/mini.jsonl"
python3 -c 'import json,sys
fired = 0
for ev_line, full_line in zip(open(sys.argv[1]), open(sys.argv[2]), strict=True):
    ev, full = json.loads(ev_line), json.loads(full_line)
    assert "report" not in ev and ev["causes"] == full["causes"], ev
    want = [{"cause": c["id"], "rule": e["rule"], "lr": e["applied_lr"], "counted": e["counted"]}
            for c in full["report"]["causes"] for e in c["evidence"]]
    assert ev["evidence"] == want, (ev["evidence"], want)
    fired += len(want)
assert fired > 0, "no finding at all"' "$TMP/out" "$TMP/full4.jsonl" || fail "--detail evidence: not the report's findings"
# The evidence member is printed by hand (not through nlohmann): without it, each record is the ranking record byte for
# byte, and the member sits where a sorted object puts it (after "error_code", before "host").
cp "$TMP/out" "$TMP/evidence.jsonl"
run 0 "$KBDIAG" "${MINI[@]}" batch --jobs 2 "$TMP/mini.jsonl"
python3 -c 'import re, sys
for ev, rank in zip(open(sys.argv[1]), open(sys.argv[2]), strict=True):
    assert re.search(r"\"error_code\":[^,]*,\"evidence\":\[.*\],\"host\":", ev), ev
    assert re.sub(r",\"evidence\":\[[^\]]*\]", "", ev, count=1) == rank, (ev, rank)' "$TMP/evidence.jsonl" "$TMP/out" \
  || fail "--detail evidence: the rest of the record is not the ranking record"
/usr/bin/python3 "$(dirname "$0")/../schemas/validate_output.py" --lines --expect kbdiag-batch "$TMP/evidence.jsonl" \
  || fail "a --detail evidence record does not match schemas/kbdiag-batch-1.schema.json"
# The reports validate against the report schema, like infer's.
head -3 "$TMP/full4.jsonl" | python3 -c 'import json,sys
for n, l in enumerate(sys.stdin): json.dump(json.loads(l)["report"], open(f"{sys.argv[1]}/report{n}.json", "w"))' "$TMP"
/usr/bin/python3 "$(dirname "$0")/../schemas/validate_output.py" --expect kbdiag-report "$TMP"/report[0-9].json \
  || fail "a --detail full report does not match schemas/kbdiag-report-1.schema.json"

# --- a bad line in the middle: an error record naming it, the rest still there, exit 4 -----------------------
{ head -20 "$TMP/mini.jsonl"; echo '{"schema": "kbdiag-snapshot/1", "facts": {'; sed -n '21,30p' "$TMP/mini.jsonl"
  echo '{"schema": "something-else/9"}'; echo '["not", "a", "snapshot"]'; echo
  sed -n '31,50p' "$TMP/mini.jsonl"; } >"$TMP/bad.jsonl"
run 4 "$KBDIAG" "${MINI[@]}" batch --jobs 4 --no-questions "$TMP/bad.jsonl"
has "$TMP/err" "3 of 53 inputs failed"
[ "$(wc -l <"$TMP/out")" -eq 53 ] || fail "53 inputs (one blank line), $(wc -l <"$TMP/out") records"
has "$TMP/out" "^\\{\"error\":\\{\"code\":\"SNAP001\",\"message\":\".+\"input\":\"$TMP/bad.jsonl:21\""
has "$TMP/out" "\"code\":\"SNAP002\".*\"input\":\"$TMP/bad.jsonl:32\""
has "$TMP/out" "\"code\":\"SNAP002\".*\"input\":\"$TMP/bad.jsonl:33\""
has "$TMP/out" "\"input\":\"$TMP/bad.jsonl:35\""   # the blank line 34 is no input, the numbering goes on
top_causes "$TMP/out" | grep -v '^ERROR:' >"$TMP/got-top"
diff "$TMP/expected-top" "$TMP/got-top" >&2 || fail "the good lines around the bad ones changed (diff above)"
# An --error that matches no problem is refused up front (exit 5, as infer).
run 5 "$KBDIAG" "${MINI[@]}" batch --error 0xdeadbeef "$TMP/mini.jsonl"
has "$TMP/err" "CLI002"
# A missing input file is an error record too.
run 4 "$KBDIAG" "${MINI[@]}" batch --no-questions "$TMP/no-such.jsonl" "$TMP/mini.jsonl"
has "$TMP/out" "\"code\":\"SNAP005\".*\"input\":\"$TMP/no-such.jsonl\""

# --- a folder of snapshots (YAML and JSON), in name order; other files ignored ------------------------------
mkdir "$TMP/fleet-dir"
python3 -c 'import json,sys,yaml
for n, l in enumerate(open(sys.argv[1])):
    if n >= 6: break
    s = json.loads(l)
    if n % 2: open(f"{sys.argv[2]}/snap{5-n}.json", "w").write(l)
    else: open(f"{sys.argv[2]}/snap{5-n}.yaml", "w").write(yaml.safe_dump(s))' "$TMP/mini.jsonl" "$TMP/fleet-dir"
echo "not a snapshot" >"$TMP/fleet-dir/README.txt"
run 0 "$KBDIAG" "${MINI[@]}" batch --jobs 2 --no-questions "$TMP/fleet-dir"
[ "$(wc -l <"$TMP/out")" -eq 6 ] || fail "6 snapshot files, $(wc -l <"$TMP/out") records"
[ "$(sed -E 's/.*"input":"([^"]+)".*/\1/' "$TMP/out" | xargs -n1 basename | tr '\n' ' ')" = \
  "snap0.json snap1.yaml snap2.json snap3.yaml snap4.json snap5.yaml " ] || fail "folder not in name order: $(cat "$TMP/out")"
# snapN came from line 5-N: top causes reversed.
[ "$(top_causes "$TMP/out" | tr '\n' ' ')" = "mini_stale mini_stale mini_level mini_stale mini_stale mini_level " ] \
  || fail "folder top causes: $(top_causes "$TMP/out" | tr '\n' ' ')"

# A YAML snapshot named on the command line is one snapshot (what `kbdiag collect` writes), not JSON Lines.
run 0 "$KBDIAG" "${MINI[@]}" batch --no-questions "$TMP/fleet-dir/snap5.yaml" "$TMP/fleet-dir/snap1.yaml"
[ "$(wc -l <"$TMP/out")" -eq 2 ] || fail "2 YAML files, $(wc -l <"$TMP/out") records: $(cat "$TMP/out")"
[ "$(top_causes "$TMP/out" | tr '\n' ' ')" = "mini_level mini_stale " ] \
  || fail "YAML files' top causes: $(top_causes "$TMP/out" | tr '\n' ' ')"

# --- summary: text and JSON, counts known from how the fleet was built --------------------------------------
run 0 "$KBDIAG" "${MINI[@]}" batch --summary --no-questions "$TMP/mini.jsonl"
has "$TMP/out" "^50 inputs: 50 diagnosed \\(0 without an error: triage\\), 0 failed"
has "$TMP/out" "^  mini_problem +50$"
has "$TMP/out" "^    mini_stale +33$"
has "$TMP/out" "^    mini_level +17$"
has_not "$TMP/out" '"causes"'    # the summary instead of the records
# With -o the records go to the file and the summary (JSON) to stdout; failures are counted.
run 4 "$KBDIAG" "${MINI[@]}" batch --summary --format json --no-questions -o "$TMP/records.jsonl" "$TMP/bad.jsonl"
[ "$(wc -l <"$TMP/records.jsonl")" -eq 53 ] || fail "-o: $(wc -l <"$TMP/records.jsonl") records"
python3 -c 'import json,sys
s = json.load(open(sys.argv[1]))
assert s["schema"] == "kbdiag-batch-summary/1", s["schema"]
assert (s["inputs"], s["diagnosed"], s["failed"]) == (53, 50, 3), s
p = s["by_problem"]
assert [(g["name"], g["count"]) for g in p] == [("mini_problem", 50)], p
assert [(c["id"], c["count"]) for c in p[0]["top_causes"]] == [("mini_stale", 33), ("mini_level", 17)], p' \
  "$TMP/out" || fail "summary JSON counts: $(cat "$TMP/out")"

# Shipped knowledge base: per server, vendor and Windows release (20 lines: nas-a/synology 12, nas-b/qnap 8;
# build 22631 10, 19045 10), and each group's top causes add up to the records'.
run 0 "$KBDIAG" collect -q --error 0x963 -o "$TMP/base.yaml"
python3 "$TMP/fleet.py" "$TMP/base.yaml" 20 fleet >"$TMP/fleet.jsonl"
run 0 "$KBDIAG" batch --jobs 4 --no-questions -o "$TMP/fleet-records.jsonl" --summary --format json "$TMP/fleet.jsonl"
python3 -c 'import json,sys, collections
s = json.load(open(sys.argv[1]))
records = [json.loads(l) for l in open(sys.argv[2])]
assert s["inputs"] == 20 and s["failed"] == 0, s
def groups(kind): return {g["name"]: g for g in s["by_" + kind]}
assert {n: g["count"] for n, g in groups("server").items()} == {"nas-a": 12, "nas-b": 8}, s["by_server"]
assert {n: g["count"] for n, g in groups("vendor").items()} == {"synology": 12, "qnap": 8}, s["by_vendor"]
assert sorted(g["count"] for g in s["by_windows_release"]) == [10, 10], s["by_windows_release"]
assert len(s["by_problem"]) == 1 and s["by_problem"][0]["count"] == 20, s["by_problem"]
for kind, key in (("server", lambda i: "nas-a" if i % 5 < 3 else "nas-b"), ("problem", lambda i: records[i]["problem"])):
    want = collections.Counter((key(i), r["causes"][0]["id"]) for i, r in enumerate(records))
    got = collections.Counter({(g["name"], c["id"]): c["count"] for g in s["by_" + kind] for c in g["top_causes"]})
    assert want == got, (kind, want, got)' "$TMP/out" "$TMP/fleet-records.jsonl" \
  || fail "fleet summary: $(cat "$TMP/out")"
# A line whose error.code no problem matches is that line's error; the others are diagnosed.
python3 -c 'import json,sys; s = json.loads(open(sys.argv[1]).readline()); s["facts"]["error.code"] = {"value": "0xdeadbeef", "source": "manual"}; print(json.dumps(s))' \
  "$TMP/fleet.jsonl" | cat - "$TMP/fleet.jsonl" >"$TMP/unknown-code.jsonl"
run 4 "$KBDIAG" batch --no-questions "$TMP/unknown-code.jsonl"
head -1 "$TMP/out" | grep -q '"code":"CLI002".*0xdeadbeef' || fail "unknown error.code: $(head -1 "$TMP/out")"
[ "$(grep -c '"causes"' "$TMP/out")" -eq 20 ] || fail "the other 20 lines were not diagnosed"
run 0 "$KBDIAG" batch --summary --no-questions "$TMP/fleet.jsonl"
has "$TMP/out" "^By server"
has "$TMP/out" "^  nas-a +12$"
has "$TMP/out" "^By vendor"
has "$TMP/out" "^  qnap +8$"
has "$TMP/out" "^By Windows release"
# No terminal: no progress on stderr.
[ ! -s "$TMP/err" ] || fail "stderr not empty without a terminal: $(cat "$TMP/err")"
# On a terminal (a pty from util-linux `script`) stderr shows the progress; the records do not change.
command -v script >/dev/null || fail "util-linux 'script' (Debian bsdutils) is needed for the pty test"
cmd=$(printf '%q ' "$KBDIAG" "${MINI[@]}" batch --jobs 4 --no-questions -o "$TMP/pty-records.jsonl" "$TMP/mini.jsonl")
timeout 60 script -qefc "$cmd" /dev/null </dev/null >"$TMP/pty" 2>&1 || fail "batch in a pty failed: $(cat "$TMP/pty")"
has "$TMP/pty" "kbdiag batch: 50 done"
cmp "$TMP/pty-records.jsonl" "$TMP/jobs4.jsonl" || fail "the records written from a terminal differ"
echo "ok"
