#!/usr/bin/python3
"""Checks that the JSON Schemas name exactly the keys and values kbdiag's reader knows, read from its C++ source.

  reader_keys.py SOURCE_ROOT KNOWLEDGE_DIR

The reader lists each item kind's keys in one `check_keys({...})` call (engine/kb/read_*.cpp); the schemas list
them as `properties`. When someone adds a key to the reader (or the schema), this fails until the other side
has it too. Also compared: the top-level kinds (kb_file.cpp), the condition comparisons (rules/condition.cpp),
the fact types (facts/fact_value.cpp), risks (read_fix.cpp) and platforms (core/platform.cpp).
Prints one line per check and a closing "N passed, N failed" line.
"""
import json
import os
import re
import sys

# For every engine/kb file: the schema location of each check_keys call, in source order.
CHECK_KEYS = {
    "read_cause.cpp": [("causes", "/definitions/fix_link/anyOf/1"), ("causes", "/definitions/cause")],
    "read_fact.cpp": [("facts", "/definitions/fact"), ("references", "/definitions/reference")],
    "read_fix.cpp": [("fixes", "/definitions/step/anyOf/1"), ("fixes", "/definitions/fix")],
    "read_hints.cpp": [("windows_releases", "/definitions/windows_release"), ("vendors", "/definitions/vendor")],
    "read_problem.cpp": [("problems", "/definitions/cause_link"), ("problems", "/definitions/escalation"),
                         ("problems", "/definitions/problem")],
    "read_rule.cpp": [("rules", "/definitions/evidence"), ("rules", "/definitions/script"),
                      ("rules", "/definitions/rule")],
    "read_scenario.cpp": [("scenarios", "/definitions/expect"), ("scenarios", "/definitions/scenario")],
}


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def strings_in(text):
    return re.findall(r'"([^"\\]*)"', text)


def schema_at(schemas, name, pointer):
    node = schemas[name]
    for part in pointer.strip("/").split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


class Checker:
    def __init__(self):
        self.passed = self.failed = 0

    def same(self, what, reader, schema):
        reader, schema = set(reader), set(schema)
        if reader == schema:
            self.passed += 1
            print(f"ok: {what}")
            return
        self.failed += 1
        print(f"FAIL: {what}: only the reader has {sorted(reader - schema)}, only the schema has "
              f"{sorted(schema - reader)}")


def main(root, knowledge):
    schema_dir = os.path.join(knowledge, "schemas")
    schemas = {n.split(".")[0]: json.loads(read(os.path.join(schema_dir, n)))
               for n in os.listdir(schema_dir) if n.endswith(".schema.json")}
    kb_src = os.path.join(root, "engine", "kb")
    check = Checker()

    seen = set(f for f in os.listdir(kb_src) if f.endswith(".cpp") and "check_keys(" in read(os.path.join(kb_src, f)))
    for unmapped in sorted(seen - set(CHECK_KEYS) - {"node_reader.cpp"}):
        check.same(f"{unmapped}: a check_keys call this test does not map to a schema (add it to CHECK_KEYS)",
                   ["?"], [])
    for file, places in CHECK_KEYS.items():
        calls = re.findall(r"\bcheck_keys\(\{(.*?)\}\)", read(os.path.join(kb_src, file)), re.S)
        if len(calls) != len(places):
            check.same(f"{file}: {len(calls)} check_keys calls, {len(places)} mapped", [str(len(calls))],
                       [str(len(places))])
            continue
        for keys, (kind, pointer) in zip(calls, places):
            props = schema_at(schemas, kind, pointer)["properties"]
            check.same(f"{file} keys = {kind}.schema.json#{pointer}", strings_in(keys), props)

    kb_file = read(os.path.join(kb_src, "kb_file.cpp"))
    check.same("top-level kinds (kb_file.cpp) = knowledge.schema.json", re.findall(r'key == "(\w+)"', kb_file),
               schemas["knowledge"]["properties"])

    ops_src = read(os.path.join(root, "engine", "rules", "condition.cpp"))
    ops = re.findall(r'\{CompareOp::\w+, "(\w+)"', ops_src)
    condition = schemas["common"]["definitions"]["condition"]["properties"]
    check.same("condition comparisons (condition.cpp) = common.schema.json condition", ops + ["fact", "all", "any", "not"],
               condition)

    types = re.findall(r'\{FactType::\w+, "(\w+)"\}', read(os.path.join(root, "engine", "facts", "fact_value.cpp")))
    fact = schemas["facts"]["definitions"]["fact"]["properties"]
    check.same("fact types (fact_value.cpp) = fact.type enum", types, fact["type"]["enum"])
    check.same("record field types = fact.fields enum", [t for t in types if t not in ("records", "string_list")],
               fact["fields"]["additionalProperties"]["enum"])

    risks = re.findall(r'if \(s == "(\w+)"\) return Risk::', read(os.path.join(kb_src, "read_fix.cpp")))
    check.same("risks (read_fix.cpp) = fix.risk enum", risks,
               schemas["fixes"]["definitions"]["fix"]["properties"]["risk"]["enum"])

    platform_src = os.path.join(root, "engine", "core", "platform.cpp")
    if os.path.exists(platform_src):
        platforms = re.findall(r'case Platform::\w+: return "(\w+)";', read(platform_src))
        for kind, item in (("facts", "fact"), ("problems", "problem"), ("fixes", "fix")):
            props = schemas[kind]["definitions"][item]["properties"]
            check.same(f"platforms (platform.cpp) = {item}.platform enum", platforms,
                       props.get("platform", {}).get("enum", []))

    print(f"{check.passed} passed, {check.failed} failed")
    return 0 if check.failed == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])))
