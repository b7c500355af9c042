"""TLS, mutual TLS and the connection limits of awsfacade-server (issue 7 §3),
through the real binary with certificates generated here by openssl.

  * TLS: a plaintext client fails, a client trusting the CA is served;
  * mutual TLS: no client certificate or one from another CA is refused, a
    certificate from the configured CA is served; per-caller subscription
    caps count per certificate identity;
  * limits: an oversized message is RESOURCE_EXHAUSTED; an oversized header
    block fails the call and the server keeps serving; past
    --max_concurrent_streams a call on the same connection waits for a
    free stream; a client pinging faster than --min_client_ping_interval
    loses its connection (GOAWAY ENHANCE_YOUR_CALM) while a quiet one keeps
    its subscription open.

  /usr/bin/python3 tls_limits_test.py SERVER_BIN STUBS_DIR
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(d):
    """ca.pem/ca.key, server.pem/key (localhost, 127.0.0.1), client1/2 from the
    CA, rogue.pem/key from another CA; returns a name -> bytes map."""
    def ca(name):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=" + name,
                "-keyout", name + ".key", "-out", name + ".pem", cwd=d)

    def leaf(name, issuer, san, cn):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + cn,
                "-keyout", name + ".key", "-out", name + ".csr", cwd=d)
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("subjectAltName=" + san + "\n")
        openssl("x509", "-req", "-in", name + ".csr", "-CA", issuer + ".pem", "-CAkey", issuer + ".key",
                "-CAcreateserial", "-days", "2", "-extfile", name + ".ext", "-out", name + ".pem", cwd=d)

    ca("ca")
    ca("rogue-ca")
    leaf("server", "ca", "DNS:localhost,IP:127.0.0.1", "localhost")
    leaf("client1", "ca", "DNS:client-one.example", "client-one")
    leaf("client2", "ca", "DNS:client-two.example", "client-two")
    leaf("rogue", "rogue-ca", "DNS:rogue.example", "rogue")
    out = {}
    for name in os.listdir(d):
        with open(os.path.join(d, name), "rb") as f:
            out[name] = f.read()
    return out


def main():
    server_bin, stubs_dir = sys.argv[1:3]
    sys.path.insert(0, stubs_dir)
    import grpc
    from aws.cognitosync.v1 import cognitosync_pb2 as cs, cognitosync_pb2_grpc as cs_grpc
    from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc
    from awsfacade.bench.v1 import echo_pb2, echo_pb2_grpc
    from facade_calls import Checks, create_streamed_table
    from facade_server import FacadeServer
    check = Checks()

    tmp = tempfile.TemporaryDirectory()
    pki = make_pki(tmp.name)
    path = lambda name: os.path.join(tmp.name, name)  # noqa: E731

    def healthy(channel, timeout=5):
        """True when grpc.health.v1.Health/Check answers SERVING (status = 1,
        the bytes 08 01), else the call's error code."""
        check_rpc = channel.unary_unary("/grpc.health.v1.Health/Check",
                                        request_serializer=lambda b: b, response_deserializer=lambda b: b)
        try:
            return check_rpc(b"", timeout=timeout) == b"\x08\x01"
        except grpc.RpcError as e:
            return e.code()

    def tls_channel(port, cert=None):
        creds = grpc.ssl_channel_credentials(
            root_certificates=pki["ca.pem"],
            private_key=pki[cert + ".key"] if cert else None,
            certificate_chain=pki[cert + ".pem"] if cert else None)
        return grpc.secure_channel("127.0.0.1:%d" % port, creds,
                                   options=[("grpc.ssl_target_name_override", "localhost")])

    def create_table(channel, name):
        return create_streamed_table(channel, name, "KEYS_ONLY")

    def subscribe(channel, arn, heartbeat_s=300):
        request = st.SubscribeToStreamRequest(stream_arn=arn, starting_position=st.StartingPosition(type="LATEST"))
        request.options.heartbeat_interval.seconds = heartbeat_s
        return st_grpc.DynamoDbStreamsServiceStub(channel).SubscribeToStream(request)

    def first_event_or_error(call, timeout):
        """The subscription's first event, or its error code, or None if it is
        still open and silent after `timeout` seconds."""
        box = {}

        def read():
            try:
                box["event"] = next(call)
            except grpc.RpcError as e:
                box["code"] = e.code()
                box["details"] = e.details()
            except StopIteration:
                box["code"] = "ended"
        t = threading.Thread(target=read, daemon=True)
        t.start()
        t.join(timeout)
        return box or None

    servers = []
    try:
        # --- TLS only
        s = FacadeServer(server_bin, "--tls_cert_file=" + path("server.pem"), "--tls_key_file=" + path("server.key"))
        servers.append(s)
        check(healthy(grpc.insecure_channel(s.address), timeout=3) == grpc.StatusCode.UNAVAILABLE,
              "TLS server: a plaintext client is refused")
        check(healthy(tls_channel(s.port)) is True, "TLS server: a client trusting the CA is served")

        # --- mutual TLS, with a per-caller subscription cap of 2
        m = FacadeServer(server_bin, "--tls_cert_file=" + path("server.pem"), "--tls_key_file=" + path("server.key"),
                         "--tls_client_ca_file=" + path("ca.pem"), "--max_subscriptions_per_caller=2")
        servers.append(m)
        check(healthy(tls_channel(m.port), timeout=3) == grpc.StatusCode.UNAVAILABLE,
              "mTLS server: a client without a certificate is refused")
        check(healthy(tls_channel(m.port, "rogue"), timeout=3) == grpc.StatusCode.UNAVAILABLE,
              "mTLS server: a certificate from another CA is refused")
        one, two = tls_channel(m.port, "client1"), tls_channel(m.port, "client2")
        check(healthy(one) is True, "mTLS server: a certificate from the configured CA is served")
        arn = create_table(one, "tls-caps")
        open_calls = [subscribe(one, arn), subscribe(one, arn)]
        for c in open_calls:
            check(first_event_or_error(c, 1.0) is None, "client-one's subscription %d stays open" % (open_calls.index(c) + 1))
        third = first_event_or_error(subscribe(one, arn), 5)
        check(third is not None and third.get("code") == grpc.StatusCode.RESOURCE_EXHAUSTED
              and "x509:client-one.example" in third.get("details", ""),
              "client-one's third subscription is RESOURCE_EXHAUSTED naming its identity: %r" % (third,))
        other = subscribe(two, arn)
        check(first_event_or_error(other, 1.0) is None, "client-two (another certificate) still subscribes")
        for c in open_calls + [other]:
            c.cancel()

        # --- authorization: a policy binds client-one to Alice's Cognito data,
        # client-two to Bob's, and a bearer token to ListStreams only.
        token = "ci-token-%s" % os.urandom(8).hex()
        ALICE, BOB = "us-east-1:11111111-1111-1111-1111-111111111111", "us-east-1:22222222-2222-2222-2222-222222222222"
        policy = {
            "tokens": {"ci": "sha256:" + hashlib.sha256(token.encode()).hexdigest()},
            "rules": [
                {"callers": ["x509:client-one.example"], "operations": ["aws.cognitosync.v1.CognitoSyncService/*"],
                 "resources": ["arn:aws:cognito-sync:*:*:identitypool/*/identity/" + ALICE + "/dataset/*"]},
                {"callers": ["x509:client-two.example"], "operations": ["aws.cognitosync.v1.CognitoSyncService/*"],
                 "resources": ["arn:aws:cognito-sync:*:*:identitypool/*/identity/" + BOB + "/dataset/*"]},
                {"callers": ["token:ci"], "operations": ["aws.dynamodbstreams.v1.DynamoDbStreamsService/ListStreams"],
                 "resources": ["*"]},
            ]}
        with open(path("policy.json"), "w") as f:
            json.dump(policy, f)
        z = FacadeServer(server_bin, "--tls_cert_file=" + path("server.pem"), "--tls_key_file=" + path("server.key"),
                         "--tls_client_ca_file=" + path("ca.pem"), "--authz_policy_file=" + path("policy.json"))
        servers.append(z)
        pool = "us-east-1:00000000-0000-0000-0000-000000000001"

        def list_records(channel, identity, metadata=()):
            try:
                cs_grpc.CognitoSyncServiceStub(channel).ListRecords(cs.ListRecordsRequest(
                    identity_pool_id=pool, identity_id=identity, dataset_name="prefs"), metadata=metadata, timeout=5)
                return grpc.StatusCode.OK, ""
            except grpc.RpcError as e:
                return e.code(), e.details()

        alice, bob = tls_channel(z.port, "client1"), tls_channel(z.port, "client2")
        check(list_records(alice, ALICE)[0] == grpc.StatusCode.OK, "authz: client-one reads Alice's data")
        code, details = list_records(alice, BOB)
        check(code == grpc.StatusCode.PERMISSION_DENIED and "x509:client-one.example" in details,
              "authz: client-one is refused Bob's data, naming itself: %s %s" % (code, details))
        check(list_records(bob, BOB)[0] == grpc.StatusCode.OK, "authz: client-two reads Bob's data")
        check(list_records(bob, ALICE)[0] == grpc.StatusCode.PERMISSION_DENIED,
              "authz: client-two is refused Alice's data")
        denied_sub = first_event_or_error(subscribe(alice, "arn:aws:dynamodb:us-east-1:123456789012:table/tls-denied/stream/2026-01-01T00:00:00.000"), 5)
        check(denied_sub is not None and denied_sub.get("code") == grpc.StatusCode.PERMISSION_DENIED,
              "authz: a subscription outside the policy is PERMISSION_DENIED: %r" % (denied_sub,))
        streams_alice = st_grpc.DynamoDbStreamsServiceStub(alice)
        try:
            streams_alice.ListStreams(st.ListStreamsRequest(), metadata=[("authorization", "Bearer " + token)], timeout=5)
            check(True, "authz: the bearer token may ListStreams")
        except grpc.RpcError as e:
            check(False, "authz: the bearer token may ListStreams: %s %s" % (e.code(), e.details()))
        try:
            streams_alice.ListStreams(st.ListStreamsRequest(), metadata=[("authorization", "Bearer wrong")], timeout=5)
            check(False, "authz: an unknown bearer token is refused")
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.UNAUTHENTICATED, "authz: an unknown bearer token is UNAUTHENTICATED: %s" % e.code())
        code, _ = list_records(alice, ALICE, metadata=[("authorization", "Bearer " + token)])
        check(code == grpc.StatusCode.PERMISSION_DENIED, "authz: the token's caller has no Cognito rights: %s" % code)
        bad_policy = subprocess.run([server_bin, "--listen=127.0.0.1:0", "--authz_policy_file=" + path("ca.pem")],
                                    capture_output=True, text=True, timeout=30)
        check(bad_policy.returncode != 0 and "authorization policy" in bad_policy.stderr,
              "authz: a malformed policy stops the server at start-up: %r" % bad_policy.stderr[-200:])

        # --- limits on a plaintext server
        lim = FacadeServer(server_bin, "--bench_echo", "--max_message_bytes=65536", "--max_metadata_bytes=2048",
                           "--max_concurrent_streams=3", "--min_client_ping_interval=10s")
        servers.append(lim)
        ch = grpc.insecure_channel(lim.address)
        echo = echo_pb2_grpc.EchoServiceStub(ch)
        try:
            echo.Echo(echo_pb2.EchoRequest(payload=b"x" * 100000), timeout=5)
            check(False, "an oversized message is refused")
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, "an oversized message is RESOURCE_EXHAUSTED: %s" % e.code())
        try:
            echo.Echo(echo_pb2.EchoRequest(payload=b"x"), metadata=[("x-big", "y" * 4096)], timeout=5)
            check(False, "an oversized header block is refused")
        except grpc.RpcError as e:
            check(e.code() != grpc.StatusCode.OK, "an oversized header block fails the call: %s" % e.code())
        # gRPC 1.51 may also close the connection that sent the oversized
        # header block (fixed upstream in 1.53): the server must keep serving
        # on a new one.
        fresh = echo_pb2_grpc.EchoServiceStub(grpc.insecure_channel(
            lim.address, options=[("grpc.use_local_subchannel_pool", 1)]))
        check(fresh.Echo(echo_pb2.EchoRequest(payload=b"ok"), timeout=5).payload == b"ok",
              "the server keeps serving after the oversized calls")
        ch = grpc.insecure_channel(lim.address, options=[("grpc.use_local_subchannel_pool", 1)])
        echo = echo_pb2_grpc.EchoServiceStub(ch)

        arn = create_table(ch, "stream-caps")
        streams_open = [subscribe(ch, arn) for _ in range(3)]
        for c in streams_open:
            first_event_or_error(c, 0.3)
        try:
            echo.Echo(echo_pb2.EchoRequest(payload=b"x"), timeout=1.5)
            check(False, "a 4th call on a connection with 3 open streams waits")
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.DEADLINE_EXCEEDED,
                  "a 4th call on a connection with 3 open streams waits for a free stream: %s" % e.code())
        streams_open[0].cancel()
        check(echo.Echo(echo_pb2.EchoRequest(payload=b"y"), timeout=5).payload == b"y",
              "once a stream closes, the waiting call is served")
        for c in streams_open[1:]:
            c.cancel()

        # Keepalive enforcement: pings every 200 ms without data, against a
        # 10 s minimum, cost the connection; a quiet client keeps its stream.
        pinger = grpc.insecure_channel(lim.address, options=[
            ("grpc.keepalive_time_ms", 200), ("grpc.keepalive_timeout_ms", 1000),
            ("grpc.keepalive_permit_without_calls", 1), ("grpc.http2.max_pings_without_data", 0)])
        quiet = grpc.insecure_channel(lim.address)
        # The quiet subscription's first heartbeat says it has taken its
        # LATEST position before the noisy client starts.
        quiet_call = subscribe(quiet, arn, heartbeat_s=1)
        first = first_event_or_error(quiet_call, 15)
        check(first is not None and "event" in first, "a quiet client's subscription is open: %r" % (first,))
        noisy_call = subscribe(pinger, arn)
        noisy = first_event_or_error(noisy_call, 15)
        check(noisy is not None and noisy.get("code") == grpc.StatusCode.UNAVAILABLE,
              "a client pinging every 200 ms loses its subscription's connection: %r" % (noisy,))
        # Not "silent for a while" but alive: a write made after the noisy
        # connection was dropped reaches the quiet subscription.
        from aws.dynamodb.v1 import attribute_value_pb2 as av, dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
        db_grpc.DynamoDbServiceStub(quiet).PutItem(db.PutItemRequest(
            table_name="stream-caps", item={"pk": av.AttributeValue(s="after-the-noisy-one")}), timeout=5)
        delivered = None
        deadline = time.monotonic() + 15
        while delivered is None and time.monotonic() < deadline:
            got = first_event_or_error(quiet_call, max(0.1, deadline - time.monotonic()))
            if got is None or "event" not in got:
                break
            if got["event"].HasField("records"):
                delivered = [r.record.dynamodb.keys["pk"].s for r in got["event"].records.records]
        check(delivered == ["after-the-noisy-one"],
              "the quiet client's subscription stays open and delivers a later write: %r" % (delivered,))
        quiet_call.cancel()
        check(lim.proc.poll() is None, "the server is still running")
    finally:
        for s in servers:
            s.stop()
        tmp.cleanup()
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
