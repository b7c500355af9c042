#!/usr/bin/env python3
"""botocore as the oracle for our AWS standard-mode retry rules.

Usage: retry_botocore_oracle_test.py <path to retry_classify_tool>

On one table of failed attempts (HTTP status, AWS error code, transport
exception, service) this asks botocore's own standard-mode checkers
(botocore.retries.standard: TransientRetryableChecker,
ThrottledRetryableChecker, ModeledRetryableChecker, StandardRetryConditions
with its special cases, RetryQuotaChecker) and our Classify (through
retry_classify_tool) and requires identical answers. It also compares the
backoff (ExponentialBackoff.delay_amount with a fixed random number), the
quota arithmetic (RetryQuota through RetryQuotaChecker) and the defaults.

The table holds every code of both botocore lists (read from botocore itself,
so a botocore upgrade that changes them fails here), look-alikes that must
not match (case, namespace, suffix), every status 400..599 with and without
a code, and each transport exception class.

Exit status: 0 all equal, 1 a mismatch (each printed), 77 botocore cannot be
imported or is not in the mode this implements (ctest reports a skip).
"""

import json
import subprocess
import sys

try:
    import botocore
    import botocore.exceptions as bexc
    import botocore.session
    from botocore.retries import quota as bquota
    from botocore.retries import standard
except ImportError as error:  # pragma: no cover - depends on the image
    print(f"SKIP: botocore cannot be imported ({error}); python is {sys.executable}")
    sys.exit(77)

try:
    from botocore.configprovider import NEW_RETRIES_ENABLED
except ImportError:  # older botocore: there is only one behaviour
    NEW_RETRIES_ENABLED = False

if NEW_RETRIES_ENABLED:
    print("SKIP: botocore runs with AWS_NEW_RETRIES_2026 behaviour; we implement the default")
    sys.exit(77)

# One operation per service, so that the modeled and special-case checkers
# (which look at the operation model) behave as for a real client.
SERVICES = {
    "dynamodbstreams": "GetRecords",
    "personalize": "ListDatasets",
    "cognito-sync": "ListRecords",
    "sts": "AssumeRoleWithWebIdentity",
    "dynamodb": "PutItem",
}

# Our TransportError names -> a botocore exception instance of that class.
TRANSPORT = {
    "ConnectTimeout": lambda: bexc.ConnectTimeoutError(endpoint_url="https://x"),
    "ReadTimeout": lambda: bexc.ReadTimeoutError(endpoint_url="https://x"),
    "ConnectionError": lambda: bexc.EndpointConnectionError(endpoint_url="https://x"),
    "ConnectionClosed": lambda: bexc.ConnectionClosedError(endpoint_url="https://x"),
    "Other": lambda: ValueError("not a transport error"),
}
# Other botocore exceptions our transport classes stand for, checked to be
# treated the same way by botocore (so the mapping is sound).
EQUIVALENT_EXCEPTIONS = {
    "ConnectionError": [
        lambda: bexc.SSLError(endpoint_url="https://x", error="bad cert"),
        lambda: bexc.ProxyConnectionError(proxy_url="http://proxy", error="refused"),
    ],
    "ConnectionClosed": [lambda: bexc.ResponseStreamingError(error="reset")],
}


class FakeHTTPResponse:
    def __init__(self, status_code):
        self.status_code = status_code
        self.headers = {}
        self.content = b""


def operation_model(session, service):
    client = session.create_client(
        service,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )
    return client.meta.service_model.operation_model(SERVICES[service])


def context_for(case, op_models, attempt_number=1):
    status, code, transport = case["status"], case["code"], case["transport"]
    http_response = FakeHTTPResponse(status) if status else None
    parsed = None
    if status:
        parsed = {"ResponseMetadata": {"HTTPStatusCode": status}}
        if code:
            parsed["Error"] = {"Code": code, "Message": "m"}
    caught = None
    if transport != "None":
        caught = case.get("exception") or TRANSPORT[transport]()
    return standard.RetryContext(
        attempt_number=attempt_number,
        operation_model=op_models[case["service"]],
        parsed_response=parsed,
        http_response=http_response,
        caught_exception=caught,
        request_context={},
    )


def botocore_answer(case, op_models):
    ctx = context_for(case, op_models)
    transient = standard.TransientRetryableChecker().is_retryable(ctx)
    throttling = standard.ThrottledRetryableChecker().is_retryable(ctx)
    modeled_detector = standard.ModeledRetryErrorDetector()
    modeled_type = modeled_detector.detect_error_type(ctx)
    special = standard.OrRetryChecker(
        [
            standard.special.RetryIDPCommunicationError(),
            standard.special.RetryDDBChecksumError(),
        ]
    ).is_retryable(ctx)
    modeled = modeled_type is not None or special
    if modeled_type == modeled_detector.THROTTLING_ERROR:
        throttling = True
    retryable = standard.StandardRetryConditions(max_attempts=3).is_retryable(ctx)
    # The quota cost of a retry of this attempt.
    checker = standard.RetryQuotaChecker(bquota.RetryQuota())
    acquired = checker.acquire_retry_quota(ctx)
    cost = ctx.request_context.get("retry_quota_capacity") if acquired else None
    return {
        "retryable": bool(retryable),
        "transient": bool(transient),
        "throttling": bool(throttling),
        "modeled": bool(modeled),
        "quota_cost": cost,
    }


def build_cases():
    throttled = list(standard.ThrottledRetryableChecker._THROTTLED_ERROR_CODES)
    transient = list(standard.TransientRetryableChecker._TRANSIENT_ERROR_CODES)
    other_codes = [
        "",
        "ValidationException",
        "ResourceNotFoundException",
        "AccessDeniedException",
        "ExpiredIteratorException",
        "TrimmedDataAccessException",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "LimitExceeded",
        "IDPCommunicationError",
        "IDPCommunicationErrorException",
        "ReplicatedWriteConflictException",
        "InvalidIdentityToken",
        "ExpiredTokenException",
        "throttlingexception",
        "THROTTLING",
        "Throttling ",
        "com.amazonaws.dynamodb.v20120810#ThrottlingException",
        "ThrottlingException:http://internal.amazon.com/",
        "500",
        "503",
    ]
    # The codes retry.cc lists, written out here too, so that a code botocore
    # dropped from its lists would still be compared (and then mismatch).
    our_lists = [
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
        "Throttling", "ThrottlingException", "ThrottledException",
        "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
        "RequestThrottled", "SlowDown", "EC2ThrottledException",
    ]
    codes = sorted(set(throttled + transient + other_codes + our_lists))
    statuses = [400, 403, 404, 409, 413, 429, 500, 502, 503, 504, 509]
    cases = []
    for service in SERVICES:
        for status in statuses:
            for code in codes:
                cases.append(
                    {"status": status, "code": code, "transport": "None", "service": service}
                )
        # Every status without a code, 100..599.
        for status in range(100, 600):
            cases.append({"status": status, "code": "", "transport": "None", "service": service})
        for transport in TRANSPORT:
            cases.append({"status": 0, "code": "", "transport": transport, "service": service})
            for make in EQUIVALENT_EXCEPTIONS.get(transport, []):
                cases.append(
                    {
                        "status": 0,
                        "code": "",
                        "transport": transport,
                        "service": service,
                        "exception": make(),
                    }
                )
    return cases


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    tool = sys.argv[1]
    session = botocore.session.get_session()
    op_models = {service: operation_model(session, service) for service in SERVICES}

    cases = build_cases()
    backoff_cases = [
        {"attempt": a, "random": r}
        for a in range(1, 12)
        for r in (0.0, 0.1234, 0.5, 0.999999)
    ]
    quota_ops = (
        [{"op": "acquire", "timeout": False}] * 60
        + [{"op": "acquire", "timeout": True}] * 30
        + [{"op": "release_success", "retried_cost": 0}] * 7
        + [{"op": "release_success", "retried_cost": 10}] * 3
        + [{"op": "acquire", "timeout": False}] * 20
        + [{"op": "release_success", "retried_cost": 5}] * 200
        + [{"op": "release_success", "retried_cost": 0}] * 3
    )

    request = {
        "classify": [{k: v for k, v in c.items() if k != "exception"} for c in cases],
        "backoff": backoff_cases,
        "quota": quota_ops,
    }
    run = subprocess.run(
        [tool], input=json.dumps(request), capture_output=True, text=True, check=False
    )
    if run.returncode != 0:
        print(f"FAIL: {tool} exited {run.returncode}: {run.stderr}")
        return 1
    ours = json.loads(run.stdout)

    failures = []
    # 1. Classification.
    for case, got in zip(cases, ours["classify"]):
        want = botocore_answer(case, op_models)
        # botocore computes a quota cost only for retryable attempts.
        if want["quota_cost"] is None:
            got = dict(got)
            got["quota_cost"] = None
        if got != want:
            shown = {k: v for k, v in case.items() if k != "exception"}
            if "exception" in case:
                shown["exception"] = type(case["exception"]).__name__
            failures.append(f"classify {shown}: botocore {want}, ours {got}")
    if len(ours["classify"]) != len(cases):
        failures.append("classify: answer count differs")

    # 2. Backoff: ExponentialBackoff.delay_amount with the same random number.
    for case, got in zip(backoff_cases, ours["backoff"]):
        backoff = standard.ExponentialBackoff(random=lambda r=case["random"]: r)
        ctx = standard.RetryContext(attempt_number=case["attempt"])
        want = backoff.delay_amount(ctx)
        if abs(want - got) > 1e-6:
            failures.append(f"backoff {case}: botocore {want}, ours {got}")

    # 3. Quota arithmetic.
    q = bquota.RetryQuota()
    for op, got in zip(quota_ops, ours["quota"]):
        if op["op"] == "acquire":
            cost = (
                standard.RetryQuotaChecker._TIMEOUT_RETRY_REQUEST
                if op["timeout"]
                else standard.RetryQuotaChecker._RETRY_COST
            )
            ok = q.acquire(cost)
        else:
            checker = standard.RetryQuotaChecker(q)
            context = {}
            if op["retried_cost"]:
                context["retry_quota_capacity"] = op["retried_cost"]
            checker.release_retry_quota(context, FakeHTTPResponse(200))
            ok = True
        want = {"ok": ok, "available": q.available_capacity}
        if got != want:
            failures.append(f"quota {op}: botocore {want}, ours {got}")

    # 4. Defaults.
    want_defaults = {
        "max_attempts": standard.DEFAULT_MAX_ATTEMPTS,
        "max_backoff_seconds": float(standard.ExponentialBackoff()._max_backoff),
        "initial_quota": bquota.RetryQuota.INITIAL_CAPACITY,
        "retry_cost": standard.RetryQuotaChecker._RETRY_COST,
        "timeout_retry_cost": standard.RetryQuotaChecker._TIMEOUT_RETRY_REQUEST,
        "no_retry_increment": standard.RetryQuotaChecker._NO_RETRY_INCREMENT,
    }
    if ours["defaults"] != want_defaults:
        failures.append(f"defaults: botocore {want_defaults}, ours {ours['defaults']}")

    for failure in failures:
        print("MISMATCH", failure)
    print(
        f"botocore {botocore.__version__}: {len(cases)} classification cases, "
        f"{len(backoff_cases)} backoff cases, {len(quota_ops)} quota steps; "
        f"{len(failures)} mismatches"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
