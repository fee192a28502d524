#!/usr/bin/python3
"""Checks that the output schemas' enums (schemas/kbdiag-*-1.schema.json) list exactly the values kbdiag's C++
source writes, read from the source: when someone adds a collector status, a risk or a scenario check, this fails
until the schema has it too (a value no test happens to produce would otherwise slip through).

  output_enums.py SOURCE_ROOT

Prints one line per check and a closing "N passed, N failed" line.
"""
import json
import os
import re
import sys

# (what, C++ file, regex whose group 1 is each value, schema file, JSON pointer of the enum)
CHECKS = [
    ("severities", "engine/core/diagnostic.cpp", r'case Severity::\w+: return "(\w+)"',
     "kbdiag-common-1", "/definitions/severity/enum"),
    ("collector statuses", "engine/collect/collector.cpp", r'\{CollectorStatus::\w+, "(\w+)"\}',
     "kbdiag-common-1", "/definitions/collector_status/enum"),
    ("fix risks", "engine/kb/read_fix.cpp", r'case Risk::\w+: return "(\w+)"',
     "kbdiag-common-1", "/definitions/risk/enum"),
    ("fact states", "engine/facts/fact_store.cpp", r'case FactState::\w+: return "(\w+)"',
     "kbdiag-common-1", "/definitions/fact_state/enum"),
    ("fact types", "engine/facts/fact_value.cpp", r'\{FactType::\w+, "(\w+)"\}',
     "kbdiag-facts-1", "/definitions/fact_type/enum"),
    ("item kinds (kb show)", "engine/kb/kb_xref.cpp", r'case ItemKind::\w+: return "(\w+)"',
     "kbdiag-show-1", "/definitions/kind/enum"),
    ("scenario checks (kb test)", "engine/scenarios/scenario_runner.cpp", r'\bfail\("(\w+)"',
     "kbdiag-scenarios-1", "/definitions/result/properties/failures/items/properties/check/enum"),
]


def at(node, pointer):
    for part in pointer.strip("/").split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def main(root):
    passed = failed = 0
    for what, source, pattern, schema, pointer in CHECKS:
        with open(os.path.join(root, source), encoding="utf-8") as f:
            written = set(re.findall(pattern, f.read()))
        with open(os.path.join(root, "schemas", schema + ".schema.json"), encoding="utf-8") as f:
            listed = set(at(json.load(f), pointer))
        if written and written == listed:
            passed += 1
            print(f"ok: {what}: {sorted(written)}")
        else:
            failed += 1
            print(f"FAIL: {what}: only {source} writes {sorted(written - listed)}, only {schema}#{pointer} lists "
                  f"{sorted(listed - written)}" + ("" if written else f" (no match for {pattern!r}: source changed?)"))
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(os.path.abspath(sys.argv[1])))
