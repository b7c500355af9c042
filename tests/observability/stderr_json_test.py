"""Every line the server writes to stderr is JSON, gRPC's and protobuf's own
included (issue 17 §2):
  * a start on an address that does not resolve fails; gRPC logs why (it
    used to be a plain "E1207 ... chttp2_server.cc" line) and the server says
    it cannot listen: both JSON lines, the server's with its status code;
  * a start on a port already taken is one JSON error line;
  * a request whose string is not UTF-8 makes protobuf log an error (it used
    to be a plain "[libprotobuf ERROR ...]" line, one per such request, which
    any client could cause): a JSON line too.

  /usr/bin/python3 stderr_json_test.py SERVER_BIN STUBS_DIR
"""
import json
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))
SERVER_BIN, STUBS_DIR = sys.argv[1:3]
sys.path.insert(0, STUBS_DIR)


def stderr_of_failed_start(*args):
    proc = subprocess.Popen([SERVER_BIN, *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        _, stderr = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # it started: the checks below fail
        proc.kill()
        _, stderr = proc.communicate()
    return proc.returncode, stderr.decode(errors="replace").splitlines()


def split(lines):
    parsed, plain = [], []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            plain.append(line)
    return parsed, plain


def main():
    import grpc
    from facade_calls import Checks
    from facade_server import FacadeServer
    check = Checks()

    code, lines = stderr_of_failed_start("--listen=no-such-host.invalid:5")
    parsed, plain = split(lines)
    check(code == 1, "a start on an address that does not resolve fails (exit %d)" % code)
    check(lines and not plain, "every line on stderr is JSON (%d lines; plain: %r)" % (len(lines), plain[:2]))
    check(any(p.get("source") == "grpc" and p.get("level") == "error" for p in parsed),
          "gRPC's own error is a JSON line: %r" % lines)
    check(any(p.get("level") == "error" and p.get("code") == "UNAVAILABLE" and "cannot listen" in p["msg"]
              for p in parsed), "and so is the server's, with its status code")

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    code, lines = stderr_of_failed_start("--listen=127.0.0.1:%d" % taken.getsockname()[1])
    taken.close()
    parsed, plain = split(lines)
    check(code == 1 and len(lines) == 1 and not plain and "address already in use" in parsed[0]["msg"],
          "a taken port is one JSON error line (exit %d): %r" % (code, lines))

    server = FacadeServer(SERVER_BIN)
    try:
        # GetItem {TableName: "\xff\xfe"}: field 1, length 2, not UTF-8.
        get_item = grpc.insecure_channel(server.address).unary_unary(
            "/aws.dynamodb.v1.DynamoDbService/GetItem", request_serializer=lambda b: b,
            response_deserializer=lambda b: b)
        try:
            get_item(b"\x0a\x02\xff\xfe", timeout=10)
            check(False, "a request that is not UTF-8 is refused")
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.INVALID_ARGUMENT, "a request that is not UTF-8 is refused: %s" % e.code())
    finally:
        server.stop()
    parsed, plain = split(line.decode(errors="replace") for line in server.log_tail)
    check(not plain, "every line of a server that was sent a string not in UTF-8 is JSON (plain: %r)" % plain[:2])
    check(any(p.get("source") == "protobuf" for p in parsed), "protobuf's complaint is a JSON line")
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
