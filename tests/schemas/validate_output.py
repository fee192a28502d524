#!/usr/bin/python3
"""Validates what kbdiag writes (reports, snapshots, lint and kb JSON) against the versioned schemas in schemas/.

Usage:
  validate_output.py [--expect ID] FILE...
      each FILE must validate against the schema its "schema" field names: "kbdiag-report/1" is checked with
      schemas/kbdiag-report-1.schema.json, and so on. A file that is not JSON (or, for snapshots only, YAML),
      has no "schema" field, or names a schema with no file in schemas/ fails. With --expect ID (e.g.
      kbdiag-report) the schema must also be a version of ID: `infer --format json` must write a report.
  validate_output.py --lines [--expect ID] FILE...
      the same for JSON Lines (kbdiag batch records): every line is one document; problems name the line.
  validate_output.py --expect-invalid FILE...
      each FILE must be REJECTED (planted wrong outputs: proves the schemas are not vacuous). FILE.expect lists
      one text per line; every one must occur in the errors, and every error must contain one of them, so the
      planted mistake is the only thing wrong with the file.
  validate_output.py --expect-valid FILE...
      each FILE must validate (hand-written examples, e.g. a snapshot as JSON).
Exit code 0 when every expectation holds, 1 otherwise. Prints one line per problem and, with more than one file
or an --expect-* mode, a closing "N passed, N failed" line.

Uses Debian's python3-jsonschema and python3-yaml (run with /usr/bin/python3). Snapshots in YAML are read with the
YAML 1.2 core schema (validate.py's loader), as kbdiag's reader types them: `yes` and dates stay strings.
"""
import json
import os
import sys

import jsonschema
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from validate import Yaml12Loader  # noqa: E402  (the knowledge validator's YAML 1.2 loader)

SCHEMA_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schemas"))
YAML_SCHEMAS = ("kbdiag-snapshot",)   # the only output kbdiag writes as YAML


def load_schemas():
    """Every schema in schemas/, by file name, plus a store that resolves their references to each other."""
    schemas, store = {}, {}
    for name in sorted(os.listdir(SCHEMA_DIR)):
        if name.endswith(".schema.json"):
            path = os.path.join(SCHEMA_DIR, name)
            with open(path, encoding="utf-8") as f:
                schemas[name] = json.load(f)
            store["file://" + path] = schemas[name]
    return schemas, store


def schema_file(schema_id):
    """ "kbdiag-report/1" -> "kbdiag-report-1.schema.json" """
    return schema_id.replace("/", "-") + ".schema.json"


def reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def read_document(path):
    """(document, None) or (None, problem). JSON first; YAML only for the outputs kbdiag writes as YAML."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if not text.strip():
        return None, "empty: no document"
    try:
        return json.loads(text, parse_constant=reject_constant), None
    except ValueError as json_error:
        try:
            document = yaml.load(text, Loader=Yaml12Loader)
        except yaml.YAMLError:
            return None, f"not JSON: {json_error}"
        if isinstance(document, dict) and str(document.get("schema", "")).startswith(YAML_SCHEMAS):
            return document, None
        return None, f"not JSON: {json_error}"


def problems_of(path, schemas, store, expect_id=None, lines=False):
    """The problems of one file (empty when it is fine). lines: JSON Lines, every line one document."""
    if lines:
        with open(path, encoding="utf-8") as f:
            texts = f.read().splitlines()
        if not texts:
            return ["empty: no line"]
        problems = []
        for number, text in enumerate(texts, 1):
            try:
                document = json.loads(text, parse_constant=reject_constant)
            except ValueError as error:
                problems.append(f"line {number}: not JSON: {error}")
                continue
            problems += [f"line {number}: {p}" for p in problems_of_document(document, schemas, store, expect_id)]
        return problems
    document, problem = read_document(path)
    if problem:
        return [problem]
    return problems_of_document(document, schemas, store, expect_id)


def problems_of_document(document, schemas, store, expect_id):
    schema_id = document.get("schema") if isinstance(document, dict) else None
    if not isinstance(schema_id, str):
        return ["no \"schema\" field naming its schema (e.g. \"kbdiag-report/1\")"]
    if expect_id and schema_id.rsplit("/", 1)[0] != expect_id:
        return [f"schema is \"{schema_id}\", expected a version of \"{expect_id}\""]
    name = schema_file(schema_id)
    if name not in schemas:
        return [f"no schema for \"{schema_id}\": {name} is not in {SCHEMA_DIR}"]
    base = "file://" + os.path.join(SCHEMA_DIR, name)
    resolver = jsonschema.RefResolver(base_uri=base, referrer=schemas[name], store=store)
    validator = jsonschema.Draft7Validator(schemas[name], resolver=resolver)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"[{name}] {'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message[:300]}" for e in errors]


def expected_texts(path):
    try:
        with open(path + ".expect", encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip()]
    except FileNotFoundError:
        return []


def check_invalid(path, problems):
    """'' when the planted file is rejected for exactly the expected reasons, else what is wrong."""
    expected = expected_texts(path)
    if not expected:
        return f"no {os.path.basename(path)}.expect listing the errors it must get"
    if not problems:
        return "accepted, but it must be rejected"
    missing = [e for e in expected if not any(e in p for p in problems)]
    extra = [p for p in problems if not any(e in p for e in expected)]
    if missing or extra:
        return f"rejected, but no error contains {missing}; errors not expected: {extra}"
    return ""


def main(argv):
    mode, expect_id = "outputs", None
    if argv[:1] in (["--expect-invalid"], ["--expect-valid"]):
        mode, argv = argv[0], argv[1:]
    lines = argv[:1] == ["--lines"]
    if lines:
        argv = argv[1:]
    if argv[:1] == ["--expect"] and len(argv) > 1:
        expect_id, argv = argv[1], argv[2:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    schemas, store = load_schemas()
    passed = failed = 0
    for path in argv:
        problems = problems_of(path, schemas, store, expect_id, lines)
        if mode == "--expect-invalid":
            wrong = check_invalid(path, problems)
            if wrong:
                print(f"FAIL: {path}: {wrong}")
            else:
                print(f"ok: {path} rejected: {problems[0]}")
            ok = not wrong
        else:
            for p in problems:
                print(f"{path}: {p}")
            ok = not problems
        passed += ok
        failed += not ok
    if len(argv) > 1 or mode != "outputs":
        print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
