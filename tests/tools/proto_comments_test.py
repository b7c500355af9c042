"""Every element of the client-facing protos carries a leading comment.

`describe` (grpcurl with a protoset, buf's schema, IDEs) shows these comments,
so they are the field documentation: constraints, AWS member, allowed values.
Fails naming every message, field, oneof, enum, enum value, service and RPC of
the aws.* and awsfacade.simulator.* packages that has none.

Every field of the aws.* packages names its AWS member in an explicit
json_name (describe shows it; JSON clients use it), except the `values` of
the AttributeValue wrappers, which have no AWS counterpart.

With botocore's service models at hand (the service-2.json files of the
four APIs, which CI lays in a folder beside the clone; see
load_aws_members), also checks each field that mirrors an AWS member
against the member's shape: an enum's comment lists every allowed value,
and a length or range limit's comment states its min and max. Without
them that check is skipped, and the output says so.

usage: proto_comments_test.py BUF REPO_ROOT
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2

PACKAGES = ("aws.", "awsfacade.simulator.")
# FileDescriptorProto / DescriptorProto / ... field numbers (descriptor.proto).
FILE_MESSAGE, FILE_ENUM, FILE_SERVICE = 4, 5, 6
MSG_FIELD, MSG_NESTED, MSG_ENUM, MSG_ONEOF = 2, 3, 4, 8
FIELD_JSON_NAME = 10
# The extra level that tells an empty SS/NS/BS/M/L from an absent one
# (attribute_value.proto), and the list wrappers of DynamoDB's batch maps
# (dynamodb.proto): the facade's own, no AWS member behind them.
NO_AWS_MEMBER = {"aws.dynamodb.v1.%s.values" % m for m in
                 ("StringSetValue", "NumberSetValue", "BinarySetValue", "MapValue", "ListValue",
                  "ItemList", "WriteRequests", "ItemCollectionMetricsMultiple")}
ENUM_VALUE, SERVICE_METHOD = 2, 2


def build_descriptor_set(buf, root):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "awsfacade.binpb")
        subprocess.run([buf, "build", "--as-file-descriptor-set", "-o", out],
                       cwd=root, check=True)
        with open(out, "rb") as f:
            return descriptor_pb2.FileDescriptorSet.FromString(f.read())


def elements(fd):
    """Yields (kind, full name, source path, descriptor) for every element."""
    prefix = fd.package

    def enum(e, path, scope):
        name = scope + "." + e.name
        yield "enum", name, path, e
        for i, v in enumerate(e.value):
            yield "enum value", name + "." + v.name, path + (ENUM_VALUE, i), v

    def message(m, path, scope):
        name = scope + "." + m.name
        yield "message", name, path, m
        for i, f in enumerate(m.field):
            yield "field", name + "." + f.name, path + (MSG_FIELD, i), f
        for i, o in enumerate(m.oneof_decl):
            # proto3 `optional` makes a synthetic oneof: not user-visible.
            if not any(f.proto3_optional and f.HasField("oneof_index") and f.oneof_index == i
                       for f in m.field):
                yield "oneof", name + "." + o.name, path + (MSG_ONEOF, i), o
        for i, n in enumerate(m.nested_type):
            if not n.options.map_entry:
                yield from message(n, path + (MSG_NESTED, i), name)
        for i, e in enumerate(m.enum_type):
            yield from enum(e, path + (MSG_ENUM, i), name)

    for i, m in enumerate(fd.message_type):
        yield from message(m, (FILE_MESSAGE, i), prefix)
    for i, e in enumerate(fd.enum_type):
        yield from enum(e, (FILE_ENUM, i), prefix)
    for i, s in enumerate(fd.service):
        name = prefix + "." + s.name
        yield "service", name, (FILE_SERVICE, i), s
        for j, m in enumerate(s.method):
            yield "rpc", name + "/" + m.name, (FILE_SERVICE, i, SERVICE_METHOD, j), m


def load_aws_members(root):
    """{AWS shape name: {member name: member's target shape}} from the
    botocore models, or None when they are not beside the repository."""
    models = os.path.join(root, "..", "shared", "aws-models")
    files = glob.glob(os.path.join(models, "*", "*", "service-2.json"))
    if not files:
        return None
    members = {}
    for path in files:
        with open(path) as f:
            shapes = json.load(f)["shapes"]
        for shape_name, shape in shapes.items():
            for member, ref in shape.get("members", {}).items():
                members.setdefault(shape_name, {})[member] = shapes[ref["shape"]]
    return members


def model_gaps(comment, target):
    """What the comment of a field whose AWS member has shape `target` fails
    to say: enum values, or the min/max of a length or range limit."""
    gaps = [v for v in target.get("enum", []) if v not in comment]
    numbers = set(re.findall(r"\d+", comment.replace(",", "")))
    for bound in ("min", "max"):
        value = target.get(bound)
        # A minimum of 0 goes without saying.
        if value is not None and value != 0 and str(int(value)) not in numbers:
            gaps.append("%s %s" % (bound, value))
    return gaps


def main():
    buf, root = sys.argv[1], sys.argv[2]
    fds = build_descriptor_set(buf, root)
    aws_members = load_aws_members(root)
    missing, unlisted, checked, model_fields = [], [], 0, 0
    for fd in fds.file:
        if not fd.package.startswith(PACKAGES):
            continue
        comments = {tuple(loc.path): loc.leading_comments.strip()
                    for loc in fd.source_code_info.location}
        for kind, name, path, desc in elements(fd):
            checked += 1
            comment = comments.get(path, "")
            if not comment:
                missing.append("%s:  %s %s" % (fd.name, kind, name))
                continue
            # A source location exists for an option only where it is written.
            if (kind == "field" and fd.package.startswith("aws.") and name not in NO_AWS_MEMBER
                    and path + (FIELD_JSON_NAME,) not in comments):
                unlisted.append("%s:  field %s has no json_name naming its AWS member" % (fd.name, name))
            if kind != "field" or aws_members is None:
                continue
            # Message names are the AWS shape names, json_names the members.
            message = name.rsplit(".", 2)[-2]
            target = aws_members.get(message, {}).get(desc.json_name)
            if target and ("enum" in target or "min" in target or "max" in target):
                model_fields += 1
                gaps = model_gaps(comment, target)
                if gaps:
                    unlisted.append("%s:  field %s (AWS %s.%s) does not state %s"
                                    % (fd.name, name, message, desc.json_name, ", ".join(gaps)))
    print("checked %d proto elements for a leading comment" % checked)
    if aws_members is None:
        print("botocore models not found beside the repository: the model check is skipped")
    else:
        print("checked %d fields against their AWS member's enum values and limits" % model_fields)
    for line in missing:
        print("no comment:", line)
    for line in unlisted:
        print("incomplete:", line)
    if missing or unlisted:
        print("FAIL: %d elements without a comment, %d fields missing their AWS name, values or limits"
              % (len(missing), len(unlisted)))
        return 1
    if checked < 500:
        print("FAIL: only %d elements found: is proto/ complete?" % checked)
        return 1
    print("proto comments: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
