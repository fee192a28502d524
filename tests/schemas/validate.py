#!/usr/bin/python3
"""Validates knowledge YAML files against knowledge/schemas/*.schema.json, as an editor would.

Usage:
  validate.py KNOWLEDGE_DIR                 every *.yaml / *.yml below the folder: each must start with its
                                            yaml-language-server modeline, and validate against the schema the
                                            modeline names and against knowledge.schema.json
  validate.py --expect-valid KNOWLEDGE_DIR FILE...
                                            each FILE must validate (forms the reader accepts that the shipped
                                            files may not use yet); modelines are not required there
  validate.py --expect-invalid KNOWLEDGE_DIR FILE...
                                            each FILE must be REJECTED by the schemas (planted wrong files: proves
                                            the schemas are not vacuous), with an error containing the text of each
                                            of its "# expect-error: TEXT" lines; modelines are not required there
Exit code 0 when every expectation holds, 1 otherwise. Prints one line per problem and a closing
"N passed, N failed" line.

Uses Debian's python3-jsonschema and python3-yaml (run with /usr/bin/python3). YAML is read with the YAML 1.2
core schema, as yaml-language-server reads it: yes/no/on/off and dates stay strings.
"""
import json
import os
import re
import sys

import jsonschema
import yaml

MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)\s*$")
ANY_SCHEMA = "knowledge.schema.json"


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 core-schema scalars instead of YAML 1.1's."""


Yaml12Loader.yaml_implicit_resolvers = {}
_RESOLVERS = [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", list("~nN") + [""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     list("-+0123456789.")),
]
for tag, pattern, first in _RESOLVERS:
    Yaml12Loader.add_implicit_resolver(tag, re.compile(pattern), first)


def _construct_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _construct_float(loader, node):
    text = loader.construct_scalar(node).lower()
    if text.endswith("inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    return float(text)


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
Yaml12Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


def load_schemas(schema_dir):
    """Every schema of the folder, keyed by file name, and a resolver that finds them without file access."""
    schemas, store = {}, {}
    for name in sorted(os.listdir(schema_dir)):
        if not name.endswith(".schema.json"):
            continue
        path = os.path.abspath(os.path.join(schema_dir, name))
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft7Validator.check_schema(schema)
        schemas[name] = schema
        store["file://" + path] = schema
    return schemas, store


def validator_for(name, schemas, store, schema_dir):
    base = "file://" + os.path.abspath(os.path.join(schema_dir, name))
    resolver = jsonschema.RefResolver(base_uri=base, referrer=schemas[name], store=store)
    return jsonschema.Draft7Validator(schemas[name], resolver=resolver)


def yaml_files(folder):
    out = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        out += [os.path.join(root, f) for f in sorted(files) if f.endswith((".yaml", ".yml"))]
    return out


def errors_of(validator, document):
    return sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))


def describe(error):
    where = "/".join(str(p) for p in error.absolute_path) or "(top)"
    return f"{where}: {error.message[:300]}"


def check_file(path, schemas, store, schema_dir, need_modeline):
    """The problems of one file (empty when it is fine)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    problems = []
    names = [ANY_SCHEMA]
    first_line = text.split("\n", 1)[0]
    match = MODELINE.match(first_line)
    if match:
        target = os.path.normpath(os.path.join(os.path.dirname(path), match.group(1)))
        if os.path.dirname(target) != os.path.normpath(os.path.abspath(schema_dir)) or \
                os.path.basename(target) not in schemas:
            problems.append(f"modeline names {match.group(1)}, which is not a schema in {schema_dir}")
        else:
            names.insert(0, os.path.basename(target))
    elif need_modeline:
        problems.append("first line is not '# yaml-language-server: $schema=<relative path to a schema>' "
                        "(run tools/scripts/add-modelines.sh)")
    try:
        document = yaml.load(text, Loader=Yaml12Loader)
    except yaml.YAMLError as e:
        return problems + [f"YAML syntax: {e}"]
    for name in dict.fromkeys(names):
        for error in errors_of(validator_for(name, schemas, store, schema_dir), document):
            problems.append(f"[{name}] {describe(error)}")
    return problems


def expected_errors(path):
    """The texts a planted file's "# expect-error: TEXT" lines say its errors must contain."""
    with open(path, encoding="utf-8") as f:
        return [line.split(":", 1)[1].strip() for line in f if line.startswith("# expect-error:")]


def main(argv):
    mode = argv[0] if argv[:1] in (["--expect-invalid"], ["--expect-valid"]) else "shipped"
    if mode != "shipped":
        argv = argv[1:]
    expect_invalid = mode == "--expect-invalid"
    if not argv or (mode != "shipped" and len(argv) < 2):
        print(__doc__, file=sys.stderr)
        return 2
    knowledge_dir = os.path.abspath(argv[0])
    schema_dir = os.path.join(knowledge_dir, "schemas")
    schemas, store = load_schemas(schema_dir)
    if ANY_SCHEMA not in schemas:
        print(f"no {ANY_SCHEMA} in {schema_dir}")
        return 1
    files = [os.path.abspath(p) for p in argv[1:]] if mode != "shipped" else yaml_files(knowledge_dir)
    passed = failed = 0
    for path in files:
        problems = check_file(path, schemas, store, schema_dir, need_modeline=mode == "shipped")
        shown = os.path.relpath(path)
        if expect_invalid:
            expected = expected_errors(path)
            missing = [e for e in expected if not any(e in p for p in problems)]
            ok = bool(problems) and bool(expected) and not missing
            if ok:
                print(f"ok: {shown} rejected: {problems[0]}")
            elif not expected:
                print(f"FAIL: {shown} has no '# expect-error: TEXT' line")
            elif not problems:
                print(f"FAIL: {shown} was accepted but must be rejected")
            else:
                print(f"FAIL: {shown} rejected, but no error contains {missing!r}; errors: {problems}")
        else:
            ok = not problems
            for p in problems:
                print(f"{shown}: {p}")
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
