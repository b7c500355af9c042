"""Every line the server writes to stderr is JSON, gRPC's own included
(issue 17 §2): a start on a port already taken fails, gRPC logs why (it
used to be a plain "E1207 ... chttp2_server.cc" line) and the server says
it cannot listen; both are JSON lines, the server's with its status code.

  /usr/bin/python3 stderr_json_test.py SERVER_BIN STUBS_DIR
"""
import json
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))
SERVER_BIN, STUBS_DIR = sys.argv[1:3]


def main():
    from facade_calls import Checks
    check = Checks()
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    proc = subprocess.Popen([SERVER_BIN, "--listen=127.0.0.1:%d" % port], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, stderr = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # it started: the checks below fail
        proc.kill()
        _, stderr = proc.communicate()
    taken.close()
    lines = stderr.decode(errors="replace").splitlines()
    parsed, plain = [], []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            plain.append(line)
    check(proc.returncode == 1, "a start on a taken port fails (exit %d)" % proc.returncode)
    check(lines and not plain, "every line on stderr is JSON (%d lines; plain: %r)" % (len(lines), plain[:2]))
    check(any(p.get("source") == "grpc" and p.get("level") == "error" and "Address already in use" in p["msg"]
              for p in parsed), "gRPC's own error is a JSON line")
    check(any(p.get("level") == "error" and p.get("code") == "UNAVAILABLE" and "cannot listen" in p["msg"]
              for p in parsed), "and so is the server's, with its status code")
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
