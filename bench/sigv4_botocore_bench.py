#!/usr/bin/env python3
"""botocore's SigV4 signing time for the request bench/sigv4_bench.cc signs.

Times botocore.auth.SigV4Auth.add_auth on a DynamoDB Streams GetRecords
AWSRequest (awsJson 1.0, same host, headers, body and credentials) with
timeit, re-signing the same request each time as sigv4_bench.cc does, and
prints microseconds per signature. botocore derives the signing key on every
call (it has no key cache), so compare with both sigv4_bench figures.
"""

import datetime
import sys
import timeit

try:
    import botocore
    import botocore.auth
    import botocore.credentials
    from botocore.awsrequest import AWSRequest
except ImportError as error:
    print(f"botocore cannot be imported ({error}); python is {sys.executable}")
    sys.exit(77)

BODY = (
    '{"ShardIterator": "arn:aws:dynamodb:us-east-1:123456789012:table/Music/stream/'
    '2026-11-23T14:31:16.123|1|AAAAAAAAAAGQaq0Zhk0vXbp4Cwq0Q2yIIRFnO8Rr/0yXnTsPvIVTCGFf7a5hRgw=",'
    ' "Limit": 1000}'
).encode()


def main():
    frozen = datetime.datetime(2026, 11, 23, 14, 31, 16)
    botocore.auth.get_current_datetime = lambda *args, **kwargs: frozen
    request = AWSRequest(
        method="POST",
        url="https://streams.dynamodb.us-east-1.amazonaws.com/",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDBStreams_20120810.GetRecords",
        },
        data=BODY,
    )
    credentials = botocore.credentials.Credentials(
        "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    auth = botocore.auth.SigV4Auth(credentials, "dynamodb", "us-east-1")
    auth.add_auth(request)  # warm-up

    number = 20000
    best = min(timeit.repeat(lambda: auth.add_auth(request), number=number, repeat=5))
    print(f"botocore {botocore.__version__}, Python {sys.version.split()[0]}: "
          f"SigV4Auth.add_auth GetRecords: {best / number * 1e6:.2f} us per signature "
          f"(best of 5 x {number})")
    print(f"Authorization: {request.headers['Authorization']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
