#!/usr/bin/python3
"""The AWS error name of a failed call, from Python.

Every error the server returns carries the AWS error name
("ResourceNotFoundException", "ValidationException", ...) beside its gRPC
status code: a google.rpc.Status in the `grpc-status-details-bin` trailer,
whose google.rpc.ErrorInfo has the name as `reason`, the AWS service as
`domain`, and details such as the field at fault in `metadata`.

    from aws_errors import aws_error_name
    try:
        dynamodb.GetItem(request, timeout=10)
    except grpc.RpcError as err:
        if aws_error_name(err) == "ResourceNotFoundException":
            ...

scripts/gen-stubs.sh generates google.rpc beside the service stubs, so
nothing else is needed. Run as a script, it shows the name of a GetItem on a
table that does not exist:

    scripts/gen-stubs.sh
    PYTHONPATH=build/gen-stubs/python /usr/bin/python3 examples/python/aws_errors.py 127.0.0.1:50051
"""
import sys

import grpc

from google.rpc import error_details_pb2, status_pb2

STATUS_DETAILS_KEY = "grpc-status-details-bin"


def error_info(rpc_error):
    """The google.rpc.ErrorInfo of a failed call (a grpc.RpcError), or None
    when the call ended without one (e.g. a deadline passed on the client)."""
    trailers = rpc_error.trailing_metadata() if isinstance(rpc_error, grpc.Call) else None
    for key, value in trailers or ():
        if key != STATUS_DETAILS_KEY:
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            info = error_details_pb2.ErrorInfo()
            if detail.Unpack(info):
                return info
    return None


def aws_error_name(rpc_error):
    """The AWS error name of a failed call ("ResourceNotFoundException"), or
    None when it has none."""
    info = error_info(rpc_error)
    return info.reason if info is not None and info.reason else None


def main(address):
    from aws.dynamodb.v1 import attribute_value_pb2 as av
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc

    with grpc.insecure_channel(address) as channel:
        dynamodb = db_grpc.DynamoDbServiceStub(channel)
        request = db.GetItemRequest(table_name="no-such-table",
                                    key={"pk": av.AttributeValue(s="a")})
        try:
            dynamodb.GetItem(request, timeout=10)
        except grpc.RpcError as err:
            info = error_info(err)
            print("GetItem failed: %s %s" % (err.code().name, aws_error_name(err)))
            if info is not None:
                print("domain %s, metadata %s" % (info.domain, dict(info.metadata)))
            return 0
    print("GetItem on a missing table succeeded", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051"))
