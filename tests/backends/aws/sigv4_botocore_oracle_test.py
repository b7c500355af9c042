#!/usr/bin/env python3
"""botocore as the oracle for our SigV4 signer.

Usage: sigv4_botocore_oracle_test.py <path to sigv4_sign_tool>

For requests shaped like the facade's own (awsJson 1.0 DynamoDB Streams,
awsJson 1.1 Personalize, restJson Cognito Sync, on AWS hosts and on a
loopback moto endpoint, with and without a session token) this computes the
Authorization header with botocore's SigV4Auth at a frozen time and compares
it, byte for byte, with what sigv4_sign_tool (our SigV4Signer) prints for the
same request.

Two sets of requests:
  * hand-built: botocore.awsrequest.AWSRequest objects signed with
    botocore.auth.SigV4Auth.add_auth;
  * client-built: real botocore clients serialise the operations themselves
    (URL encoding, headers, JSON bodies) and sign them; the request is caught
    in the 'before-send' event, so nothing is sent anywhere.

Exit status: 0 all equal, 1 a mismatch (both canonical requests are printed),
77 botocore cannot be imported (ctest reports the test as skipped).
"""

import datetime
import json
import os
import subprocess
import sys
from urllib.parse import unquote, urlsplit

try:
    import botocore
    import botocore.auth
    import botocore.credentials
    import botocore.session
    from botocore.awsrequest import AWSRequest
except ImportError as error:  # pragma: no cover - depends on the image
    print(f"SKIP: botocore cannot be imported ({error}); python is {sys.executable}")
    sys.exit(77)

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = (
    "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+token/with+slash=="
)

# Signing times: an ordinary afternoon, and one second before a UTC midnight
# (the date in the credential scope must be the UTC date of X-Amz-Date).
TIMES = [
    datetime.datetime(2026, 11, 23, 14, 31, 16),
    datetime.datetime(2026, 12, 31, 23, 59, 59),
]

STREAM_ARN = (
    "arn:aws:dynamodb:us-east-1:123456789012:table/Music/stream/2026-11-23T14:31:16.123"
)
SHARD_ITERATOR = (
    STREAM_ARN + "|1|AAAAAAAAAAGQaq0Zhk0vXbp4Cwq0Q2yIIRFnO8Rr/0yXnTsPvIVTCGFf7a5hRgw="
)


class Headers(list):
    """A list of (name, value) pairs with the items() of a header mapping."""

    def items(self):
        return iter(self)


class _Caught(Exception):
    """Raised from 'before-send' to stop a client call once it is signed."""

    def __init__(self, request):
        super().__init__("caught")
        self.request = request


def host_from_url(url):
    """The Host header botocore derives: lowercase host, port only if non-default."""
    parts = urlsplit(url)
    host = parts.hostname
    default = {"http": 80, "https": 443}.get(parts.scheme)
    if parts.port is not None and parts.port != default:
        host = f"{host}:{parts.port}"
    return host


def text(value):
    """botocore keeps some header values as bytes; they are UTF-8 on the wire."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def tool_request(method, url, headers, body, region, service, token, when):
    """The JSON description sigv4_sign_tool reads, for the same request."""
    parts = urlsplit(url)
    query = []
    if parts.query:
        for pair in parts.query.split("&"):
            key, _, value = pair.partition("=")
            query.append([unquote(key), unquote(value)])
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    skip = {"authorization", "x-amz-date", "x-amz-security-token"}
    return {
        "method": method,
        "host": host_from_url(url),
        "path": parts.path,
        "query": query,
        "headers": [[text(k), text(v)] for k, v in headers.items() if text(k).lower() not in skip],
        "body": body or "",
        "region": region,
        "service": service,
        "access_key_id": ACCESS_KEY,
        "secret_access_key": SECRET_KEY,
        "session_token": token or "",
        "time": int(when.replace(tzinfo=datetime.timezone.utc).timestamp()),
    }


def run_tool(tool, description, trace=False):
    args = [tool] + (["--trace"] if trace else [])
    result = subprocess.run(
        args, input=json.dumps(description).encode(), capture_output=True, check=False
    )
    return result.returncode, result.stdout.decode().strip(), result.stderr.decode()


def freeze(when):
    # SigV4Auth.add_auth reads the clock through this module-level name.
    botocore.auth.get_current_datetime = lambda *args, **kwargs: when


def hand_built_cases():
    """(name, method, url, headers, body, region, service) in the facade's shapes."""
    streams_headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDBStreams_20120810.GetRecords",
    }
    get_records_body = json.dumps({"ShardIterator": SHARD_ITERATOR, "Limit": 1000}).encode()
    cognito_path = (
        "/identitypools/us-east-1%3A0000-ab/identities/us-east-1%3A1111-cd"
        "/datasets/my.ds%3A1/records"
    )
    return [
        ("streams-getrecords", "POST", "https://streams.dynamodb.us-east-1.amazonaws.com/",
         streams_headers, get_records_body, "us-east-1", "dynamodb"),
        ("streams-getrecords-moto", "POST", "http://127.0.0.1:5000/",
         streams_headers, get_records_body, "us-east-1", "dynamodb"),
        ("streams-getrecords-extra-spaces", "POST",
         "https://streams.dynamodb.eu-west-1.amazonaws.com/",
         {**streams_headers, "X-Custom": "  a   b\tc  "}, get_records_body, "eu-west-1",
         "dynamodb"),
        ("personalize-listdatasets", "POST", "https://personalize.us-west-2.amazonaws.com/",
         {"Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": "AmazonPersonalize.ListDatasets"},
         json.dumps({"datasetGroupArn":
                     "arn:aws:personalize:us-west-2:123456789012:dataset-group/dg",
                     "maxResults": 10, "nextToken": "tok/+="}).encode(),
         "us-west-2", "personalize"),
        ("cognitosync-listrecords", "GET",
         "https://cognito-sync.us-east-1.amazonaws.com" + cognito_path
         + "?lastSyncCount=5&maxResults=10&nextToken=a%20b%2Fc",
         {}, b"", "us-east-1", "cognito-sync"),
        ("cognitosync-listrecords-sessiontoken-query", "GET",
         "https://cognito-sync.us-east-1.amazonaws.com" + cognito_path
         + "?lastSyncCount=5&maxResults=10&nextToken=a%20b%2Fc&syncSessionToken=tok",
         {}, b"", "us-east-1", "cognito-sync"),
        ("cognitosync-updaterecords", "POST",
         "https://cognito-sync.us-east-1.amazonaws.com"
         "/identitypools/us-east-1%3A0000-ab/identities/us-east-1%3A1111-cd/datasets/my.ds%3A1",
         {"Content-Type": "application/json", "x-amz-Client-Context": "Y2xpZW50"},
         json.dumps({"DeviceId": "dev", "SyncSessionToken": "tok",
                     "RecordPatches": [{"Op": "replace", "Key": "k", "Value": "v\u00e9",
                                        "SyncCount": 0,
                                        "DeviceLastModifiedDate": 1577836800}]},
                    ensure_ascii=False).encode("utf-8"),
         "us-east-1", "cognito-sync"),
        ("cognitosync-deletedataset", "DELETE",
         "https://cognito-sync.us-east-1.amazonaws.com"
         "/identitypools/us-east-1%3A0000-ab/identities/us-east-1%3A1111-cd/datasets/a-b_c",
         {"Content-Length": "0"}, b"", "us-east-1", "cognito-sync"),
    ]


def check(tool, name, botocore_request, auth, description):
    """Compares one case; prints the details on a mismatch. Returns True if equal."""
    expected = text(botocore_request.headers["Authorization"])
    code, ours, stderr = run_tool(tool, description)
    if code == 0 and ours == expected:
        print(f"PASS {name}")
        return True
    print(f"FAIL {name}")
    print(f"  botocore: {expected}")
    print(f"  ours    : {ours} (exit {code}) {stderr.strip()}")
    if auth is not None:
        print("  botocore canonical request:\n" + auth.canonical_request(botocore_request))
    print("  ours:\n" + run_tool(tool, description, trace=True)[2])
    return False


def run_hand_built(tool):
    ok = True
    for when in TIMES:
        freeze(when)
        for token in (None, SESSION_TOKEN):
            for name, method, url, headers, body, region, service in hand_built_cases():
                request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
                credentials = botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY, token)
                auth = botocore.auth.SigV4Auth(credentials, service, region)
                auth.add_auth(request)
                description = tool_request(method, url, request.headers, body, region, service,
                                           token, when)
                label = f"hand/{name}/{'token' if token else 'no-token'}/{when:%Y%m%dT%H%M%S}"
                ok &= check(tool, label, request, auth, description)
    return ok


def client_calls():
    """(client name, endpoint_url or None, method, kwargs) in the facade's shapes."""
    pool = "us-east-1:0000-ab"
    identity = "us-east-1:1111-cd"
    return [
        ("dynamodbstreams", None, "get_records", {"ShardIterator": SHARD_ITERATOR, "Limit": 1000}),
        ("dynamodbstreams", "http://127.0.0.1:5000", "get_records",
         {"ShardIterator": SHARD_ITERATOR}),
        ("dynamodbstreams", None, "describe_stream",
         {"StreamArn": STREAM_ARN, "Limit": 100,
          "ExclusiveStartShardId": "shardId-00000001536019433560-aaaaaaaa"}),
        ("dynamodbstreams", None, "get_shard_iterator",
         {"StreamArn": STREAM_ARN, "ShardId": "shardId-00000001536019433560-aaaaaaaa",
          "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
          "SequenceNumber": "000000000000000000001"}),
        ("dynamodbstreams", None, "list_streams", {"TableName": "Music", "Limit": 5}),
        ("personalize", None, "list_datasets",
         {"datasetGroupArn": "arn:aws:personalize:us-east-1:123456789012:dataset-group/dg",
          "maxResults": 10, "nextToken": "abc/def+=="}),
        ("personalize", "http://127.0.0.1:5000", "describe_schema",
         {"schemaArn": "arn:aws:personalize:us-east-1:123456789012:schema/s"}),
        ("cognito-sync", None, "list_records",
         {"IdentityPoolId": pool, "IdentityId": identity, "DatasetName": "my.ds:1",
          "LastSyncCount": 5, "MaxResults": 10, "NextToken": "a b/c",
          "SyncSessionToken": "tok"}),
        ("cognito-sync", None, "list_datasets",
         {"IdentityPoolId": pool, "IdentityId": identity, "MaxResults": 3,
          "NextToken": "t~*'()!"}),
        ("cognito-sync", None, "describe_dataset",
         {"IdentityPoolId": pool, "IdentityId": identity, "DatasetName": "my_ds-2.x"}),
        ("cognito-sync", None, "update_records",
         {"IdentityPoolId": pool, "IdentityId": identity, "DatasetName": "my.ds:1",
          "DeviceId": "dev", "SyncSessionToken": "tok", "ClientContext": "Y2xpZW50",
          "RecordPatches": [{"Op": "replace", "Key": "k", "Value": "v\u00e9", "SyncCount": 0,
                             "DeviceLastModifiedDate": datetime.datetime(2020, 1, 1)}]}),
        ("cognito-sync", None, "delete_dataset",
         {"IdentityPoolId": pool, "IdentityId": identity, "DatasetName": "my.ds:1"}),
    ]


def run_client_built(tool):
    # Keep the developer's own AWS configuration out of the clients.
    for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL",
                     "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        os.environ.pop(variable, None)
    os.environ["AWS_CONFIG_FILE"] = os.devnull
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    session = botocore.session.get_session()

    def catch(request, **kwargs):
        raise _Caught(request)

    ok = True
    for when in TIMES[:1]:
        freeze(when)
        for token in (None, SESSION_TOKEN):
            for client_name, endpoint, operation, kwargs in client_calls():
                client = session.create_client(
                    client_name, region_name="us-east-1", endpoint_url=endpoint,
                    aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                    aws_session_token=token)
                client.meta.events.register("before-send", catch)
                try:
                    getattr(client, operation)(**kwargs)
                    print(f"FAIL client/{client_name}.{operation}: the request was not caught")
                    ok = False
                    continue
                except _Caught as caught:
                    request = caught.request
                service = client.meta.service_model.signing_name
                # botocore adds some headers after signing (amz-sdk-invocation-id,
                # amz-sdk-request, Content-Length): give the tool exactly the
                # headers botocore signed, as our HTTP layer would sign them.
                authorization = text(request.headers["Authorization"])
                signed = set(authorization.split("SignedHeaders=")[1].split(",")[0].split(";"))
                headers = [(text(k), text(v)) for k, v in request.headers.items()
                           if text(k).lower() in signed]
                description = tool_request(request.method, request.url, Headers(headers),
                                           request.body, "us-east-1", service, token, when)
                label = (f"client/{client_name}.{operation}"
                         f"{'@' + endpoint if endpoint else ''}/{'token' if token else 'no-token'}")
                ok &= check(tool, label, request, None, description)
    return ok


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    tool = sys.argv[1]
    print(f"botocore {botocore.__version__} ({sys.executable})")
    original_clock = botocore.auth.get_current_datetime
    try:
        ok = run_hand_built(tool)
        ok &= run_client_built(tool)
    finally:
        botocore.auth.get_current_datetime = original_clock
    print("all signatures byte-identical to botocore's" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
