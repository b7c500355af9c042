"""DynamoDB AttributeValue conversions between the three forms the tests and
benchmarks meet, and a comparable form of an image.

  * AWS wire JSON: {"S": "x"}, {"N": "6"}, {"B": "<base64>"},
    {"SS": ["a", "b"]}, {"M": {"k": {...}}}, {"L": [{...}]}, {"NULL": true},
    {"BOOL": false}: what AWS sends, and the form the tests write and compare.
  * boto3's Python form: the same, but binary (B, BS) as bytes.
  * our proto JSON (proto/aws/dynamodb/v1/attribute_value.proto): the same,
    but SS, NS, BS, M and L carry one extra "values" level, e.g.
    {"SS": {"values": ["a", "b"]}}; json_format.ParseDict reads it.

Pure functions, standard library only: imported both by Debian's
/usr/bin/python3 (grpcio, no boto3) and by the image's python3 (boto3, no
grpcio). proto_to_wire() takes a generated AttributeValue message but reads
it only through WhichOneof and its fields, so nothing generated is imported.
"""
import base64

# The request members that hold attribute values (name -> AttributeValue).
VALUE_MEMBERS = ("Item", "Key", "ExpressionAttributeValues")


def _b64(data):
    return base64.b64encode(bytes(data)).decode()


def _map_binary(value, convert):
    """A copy of a wire-or-boto3 AttributeValue with `convert` applied to
    every binary (B, BS), at any depth; the two forms differ only there."""
    (kind, v), = value.items()
    if kind == "B":
        return {"B": convert(v)}
    if kind == "BS":
        return {"BS": [convert(x) for x in v]}
    if kind == "M":
        return {"M": {k: _map_binary(x, convert) for k, x in v.items()}}
    if kind == "L":
        return {"L": [_map_binary(x, convert) for x in v]}
    return {kind: v}


def wire_to_boto(value):
    """AWS wire JSON AttributeValue -> boto3's form (binary as bytes)."""
    return _map_binary(value, base64.b64decode)


def boto_to_wire(value):
    """boto3's AttributeValue (binary as bytes) -> AWS wire JSON."""
    return _map_binary(value, _b64)


def wire_to_proto_json(value):
    """AWS wire JSON AttributeValue -> our proto JSON (the "values" level)."""
    (kind, v), = value.items()
    if kind in ("SS", "NS", "BS"):
        return {kind: {"values": v}}
    if kind == "M":
        return {"M": {"values": {k: wire_to_proto_json(x) for k, x in v.items()}}}
    if kind == "L":
        return {"L": {"values": [wire_to_proto_json(x) for x in v]}}
    return {kind: v}


_SIMPLE = {"s": "S", "n": "N", "null_value": "NULL", "bool_value": "BOOL"}


def proto_to_wire(value):
    """A generated aws.dynamodb.v1.AttributeValue message -> AWS wire JSON.
    Raises AssertionError for a message with no value set."""
    kind = value.WhichOneof("value")
    if kind in _SIMPLE:
        return {_SIMPLE[kind]: getattr(value, kind)}
    if kind == "b":
        return {"B": _b64(value.b)}
    if kind in ("ss", "ns"):
        return {kind.upper(): list(getattr(value, kind).values)}
    if kind == "bs":
        return {"BS": [_b64(x) for x in value.bs.values]}
    if kind == "m":
        return {"M": {k: proto_to_wire(x) for k, x in value.m.values.items()}}
    if kind == "l":
        return {"L": [proto_to_wire(x) for x in value.l.values]}
    raise AssertionError("AttributeValue with no value: %r" % value)


def convert_map(convert, attributes):
    """{name: value} with `convert` applied to each value."""
    return {k: convert(v) for k, v in attributes.items()}


def convert_request(convert, members):
    """A copy of request members (AWS member names) with `convert` applied
    to every attribute value in Item, Key and ExpressionAttributeValues."""
    out = dict(members)
    for name in VALUE_MEMBERS:
        if name in out:
            out[name] = convert_map(convert, out[name])
    return out


def canonical(image):
    """An image ({name: wire JSON value}, or None) in comparable form:
    string, number and binary sets sorted, recursively (DynamoDB sets have no
    order, and neither side promises one). None stays None and an empty map
    stays empty. Numbers are compared as the text each side sends."""
    if image is None:
        return None

    def value(v):
        (kind, x), = v.items()
        if kind in ("SS", "NS", "BS"):
            return {kind: sorted(x)}
        if kind == "M":
            return {"M": {k: value(y) for k, y in x.items()}}
        if kind == "L":
            return {"L": [value(y) for y in x]}
        return {kind: x}
    return {k: value(v) for k, v in image.items()}
