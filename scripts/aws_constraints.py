#!/usr/bin/env python3
"""Writes or checks the AWS model constraints on the request fields of proto/aws/**.

The botocore model of each service says, per member of an operation's input,
whether it is required and its length, range, enum values and pattern. This
script carries them onto the proto fields as `(awsfacade.validation.v1.field)`
options (proto/awsfacade/validation/v1/constraints.proto), and the service's
error name onto the service as `(awsfacade.validation.v1.service)`, so the
generic validator (backends/request_validator.h) checks what AWS
checks. A request message is matched to its operation's input shape by the
rpc's name, a field to a member by its json_name (the AWS member name), and a
message field to the member's structure, recursively.

  scripts/aws_constraints.py --write          rewrites the annotations
  scripts/aws_constraints.py --check          exits 1, with a diff, when a
                                              proto differs from the model
  --models DIR   read service-2.json files from DIR/<service>/<version>/
                 instead of the installed botocore package

Python 3.11 standard library, plus botocore when --models is not given.
Exit status 77 (ctest's SKIP) when botocore is missing.
"""

import argparse
import difflib
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OPTION = "(awsfacade.validation.v1.field)"
SERVICE_OPTION = "(awsfacade.validation.v1.service)"
IMPORT = 'import "awsfacade/validation/v1/constraints.proto";'

# proto file -> (botocore service, API version, error name, list index style).
# The error names are the ones each service answers a broken model constraint
# with (its model's documented validation error).
SERVICES = {
    "proto/aws/personalize/v1/personalize.proto":
        ("personalize", "2018-05-22", "InvalidInputException", "LIST_INDEX_STYLE_DOTTED_MEMBER"),
    "proto/aws/cognitosync/v1/cognitosync.proto":
        ("cognito-sync", "2014-06-30", "InvalidParameterException", "LIST_INDEX_STYLE_BRACKETED"),
    "proto/aws/dynamodb/v1/dynamodb.proto":
        ("dynamodb", "2012-08-10", "ValidationException", "LIST_INDEX_STYLE_DOTTED"),
    "proto/aws/dynamodbstreams/v1/dynamodbstreams.proto":
        ("dynamodbstreams", "2012-08-10", "ValidationException", "LIST_INDEX_STYLE_DOTTED"),
}

# Model constraints left out on purpose: (service, shape, member, constraint)
# -> why.
EXCEPTIONS = {
    ("personalize", "CreateDatasetGroupRequest", "tags", "max_length"):
        "more than 200 tags is TooManyTagsException, not a validation error",
    ("personalize", "CreateDatasetRequest", "tags", "max_length"):
        "more than 200 tags is TooManyTagsException, not a validation error",
}

# Members whose "" (a string without presence) is the value "", reported as
# too short, not as missing: (service, shape, member).
EMPTY_IS_VALUE = {
    ("personalize", "Tag", "tagKey"),
}

SCALARS_WITHOUT_PRESENCE = {"int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32",
                            "fixed64", "sfixed32", "sfixed64", "bool", "double", "float"}
NUMERIC = SCALARS_WITHOUT_PRESENCE - {"bool", "double", "float"}


def load_model(service, version, models_dir):
    if models_dir:
        path = pathlib.Path(models_dir) / service / version / "service-2.json"
        return json.loads(path.read_text())
    import botocore.loaders  # pylint: disable=import-outside-toplevel
    return botocore.loaders.Loader().load_service_model(service, "service-2", version)


# --- A small reader of our proto files (the subset proto/aws/** uses). -----

FIELD_START_RE = re.compile(r"^(repeated\s+|optional\s+)?(map\s*<[^>]*>|[\w.]+)\s+\w+\s*=\s*\d+")
FIELD_RE = re.compile(
    r"^(?P<label>repeated\s+|optional\s+)?(?P<type>map\s*<[^>]*>|[\w.]+)\s+(?P<name>\w+)\s*=\s*"
    r"(?P<number>\d+)\s*(?:\[(?P<opts>.*)\])?\s*;$", re.S)


class Field:
    def __init__(self, start, end, text, match):
        self.start, self.end, self.text = start, end, text  # line span [start, end)
        self.label = (match["label"] or "").strip()
        self.type = re.sub(r"\s+", "", match["type"])
        self.name = match["name"]
        self.number = match["number"]
        self.opts = split_options(match["opts"] or "")
        json_name = [o for o in self.opts if o.startswith("json_name")]
        self.json_name = json_name[0].split("=", 1)[1].strip().strip('"') if json_name else None
        self.indent = re.match(r"\s*", text)[0]


def split_options(text):
    """Splits `a = 1, (b) = {c: 1, d: "x,y"}` at its top-level commas."""
    parts, depth, quote, cur = [], 0, None, ""
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            cur += c
            if c == "\\":
                cur += text[i + 1]
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
            cur += c
        elif c in "{[":
            depth += 1
            cur += c
        elif c in "}]":
            depth -= 1
            cur += c
        elif c == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    if cur.strip():
        parts.append(cur.strip())
    return [" ".join(p.split()) if not p.startswith(OPTION) else p for p in parts]


def code(line):
    """The line without its // comment (a // inside a string stays)."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote and line[i - 1] != "\\":
                quote = None
        elif c == '"':
            quote = c
        elif line.startswith("//", i):
            return line[:i]
    return line


def read_proto(lines):
    """Top-level messages (name -> [Field]), rpcs (name -> input) and the service's line span."""
    messages, rpcs, service = {}, {}, None
    depth, current, i = 0, None, 0
    while i < len(lines):
        stripped = code(lines[i]).strip()
        m = re.match(r"message\s+(\w+)\s*\{", stripped)
        if depth == 0 and m:
            current = m[1]
            messages[current] = []
        if depth == 0 and re.match(r"service\s+\w+\s*\{", stripped):
            service = i
        r = re.match(r"rpc\s+(\w+)\s*\(\s*(stream\s+)?([\w.]+)\s*\)", stripped)
        if r:
            rpcs[r[1]] = r[3]
        if depth == 1 and current and FIELD_START_RE.match(stripped) \
                and not stripped.startswith(("option ", "reserved ", "message ", "enum ", "oneof ")):
            start = i
            text = lines[i]
            while not code(lines[i]).rstrip().endswith(";"):
                i += 1
                text += lines[i]
            statement = " ".join(code(line).strip() for line in text.splitlines())
            fm = FIELD_RE.match(statement)
            if fm:
                messages[current].append(Field(start, i + 1, text, fm))
            depth += stripped.count("{") - stripped.count("}")
            i += 1
            continue
        depth += stripped.count("{") - stripped.count("}")
        if depth == 0:
            current = None
        i += 1
    return messages, rpcs, service


# --- From the model to constraints. --------------------------------------

def proto_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def constraints_for(field, member_shape, required, skip):
    c = []
    kind = member_shape["type"]
    # A map is left to the backend: AWS takes `{}` as present, which proto
    # cannot tell from absent.
    presence = (field.label in ("repeated", "optional")
                or field.type not in SCALARS_WITHOUT_PRESENCE) and not field.type.startswith("map<")
    if required and presence and not (kind == "string" and member_shape.get("min") == 0):
        c.append(("required", "true"))
    if kind in ("string", "list", "map"):
        if "min" in member_shape and member_shape["min"] > 0:
            c.append(("min_length", str(member_shape["min"])))
        if "max" in member_shape:
            c.append(("max_length", str(member_shape["max"])))
    elif kind in ("integer", "long") and field.type in NUMERIC:
        if "min" in member_shape:
            c.append(("min_value", str(member_shape["min"])))
        if "max" in member_shape:
            c.append(("max_value", str(member_shape["max"])))
    if kind == "string":
        if member_shape.get("enum"):
            c.append(("enum_values", "[" + ", ".join(map(proto_string, member_shape["enum"])) + "]"))
        if "pattern" in member_shape:
            c.append(("pattern", proto_string(member_shape["pattern"])))
    return [(k, v) for k, v in c if k not in skip]


def element_shape(model, shape):
    """The structure a list or map member holds, or the member's own shape."""
    s = model["shapes"][shape]
    if s["type"] == "list":
        return s["member"]["shape"]
    if s["type"] == "map":
        return s["value"]["shape"]
    return shape


def annotate(path, lines, model, service):
    """Returns the file's lines with every constraint written as the model says."""
    messages, rpcs, service_line = read_proto(lines)
    mapping = {}  # proto message -> model shape
    queue = [(rpcs[op], model["operations"][op]["input"]["shape"]) for op in rpcs
             if op in model["operations"] and "input" in model["operations"][op]
             and rpcs[op] in messages]
    edits = {}  # line index -> (end, new text)
    while queue:
        message, shape = queue.pop()
        if message in mapping:
            if mapping[message] != shape:
                sys.exit(f"{path}: message {message} stands for shapes {mapping[message]} "
                         f"and {shape}")
            continue
        mapping[message] = shape
        structure = model["shapes"][shape]
        members = structure.get("members", {})
        required = set(structure.get("required", []))
        for field in messages[message]:
            c = []
            if field.json_name in members:
                member_shape_name = members[field.json_name]["shape"]
                skip = {k for (svc, sh, mem, k) in EXCEPTIONS
                        if (svc, sh, mem) == (service, shape, field.json_name)}
                c = constraints_for(field, model["shapes"][member_shape_name],
                                    field.json_name in required, skip)
                if (service, shape, field.json_name) in EMPTY_IS_VALUE:
                    c = [(k, v) for k, v in c if k != "required"] + [("empty_is_value", "true")]
                target = field.type.split(",")[-1].rstrip(">") if field.type.startswith("map<") \
                    else field.type
                inner = element_shape(model, member_shape_name)
                if target in messages and model["shapes"][inner]["type"] == "structure":
                    queue.append((target, inner))
            edits[field.start] = (field.end, render(field, c))
    out, i = [], 0
    while i < len(lines):
        if i in edits:
            end, text = edits[i]
            out.append(text)
            i = end
        else:
            out.append(lines[i])
            i += 1
    return out, service_line


def render(field, constraints):
    kept = [o for o in field.opts if not o.startswith(OPTION)]
    if not constraints:
        if len(kept) == len(field.opts):
            return field.text  # untouched
        opts = f" [{', '.join(kept)}]" if kept else ""
        return f"{field.indent}{head(field)}{opts};\n"
    value = "{" + ", ".join(f"{k}: {v}" for k, v in constraints) + "}"
    inner = field.indent + "  "
    body = ",\n".join(inner + o for o in kept + [f"{OPTION} = {value}"])
    return f"{field.indent}{head(field)} [\n{body}\n{field.indent}];\n"


def head(field):
    label = f"{field.label} " if field.label else ""
    return f"{label}{field.type.replace(',', ', ')} {field.name} = {field.number}"


def with_service_option(lines, service_line, error, style):
    out = [line for line in lines if SERVICE_OPTION not in line]
    if service_line is None:
        return out
    # The service line index is unchanged: only later lines were dropped.
    option = (f"  option {SERVICE_OPTION} = {{error: {proto_string(error)}, "
              f"list_index_style: {style}}};\n")
    return out[:service_line + 1] + [option] + out[service_line + 1:]


def with_import(lines, needed):
    out = [line for line in lines if line.strip() != IMPORT]
    if not needed:
        return out
    imports = [i for i, line in enumerate(out) if line.startswith("import ")]
    at = imports[0] if imports else next(i for i, l in enumerate(out) if l.startswith("package ")) + 1
    block = sorted([out[i] for i in imports] + [IMPORT + "\n"])
    if imports:
        return out[:imports[0]] + block + out[imports[-1] + 1:]
    return out[:at] + ["\n"] + block + out[at:]


def rewrite(path, text, models_dir):
    service, version, error, style = SERVICES[path]
    model = load_model(service, version, models_dir)
    lines = text.splitlines(keepends=True)
    lines = [line for line in lines if SERVICE_OPTION not in line]
    lines, service_line = annotate(path, lines, model, service)
    lines = with_service_option(lines, service_line, error, style)
    return "".join(with_import(lines, True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    parser.add_argument("--models")
    parser.add_argument("--root", default=str(ROOT))
    args = parser.parse_args()
    if not args.models:
        try:
            import botocore  # pylint: disable=import-outside-toplevel,unused-import
        except ImportError:
            print("SKIP: botocore is not installed (pip install botocore, or pass --models DIR)")
            return 77
    differ = False
    for rel in SERVICES:
        path = pathlib.Path(args.root) / rel
        old = path.read_text()
        new = rewrite(rel, old, args.models)
        if new == old:
            continue
        if args.write:
            path.write_text(new)
            print(f"wrote {rel}")
        else:
            differ = True
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                       rel, f"{rel} (from the model)"))
    if differ:
        print("\nThe protos differ from the AWS model: run scripts/aws_constraints.py --write")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
