"""The server binary's command line, as a newcomer meets it: --help lists the
server's flags, a mistyped flag or a bad value is one line and exit code 2
with a suggestion, and a port in use is one (JSON) line naming the way out. (That every
stderr line is JSON, gRPC's and protobuf's included: stderr_json_test.py.)

Usage: server_flags_test.py SERVER_BIN
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "polyglot"))
from facade_calls import Checks  # noqa: E402
from facade_server import FacadeServer  # noqa: E402


def run(binary, *args):
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=30)


def main():
    server_bin = sys.argv[1]
    check = Checks()

    helped = run(server_bin, "--help")
    check(helped.returncode == 0, "--help exits 0: %d" % helped.returncode)
    for flag in ("--listen", "--backend", "--state_dir", "--authz_policy_file", "--log_level"):
        check(flag in helped.stdout, "--help lists %s" % flag)
    check("No flags matched" not in helped.stdout, "--help does not say 'No flags matched'")

    typo = run(server_bin, "--lisen=127.0.0.1:0")
    check(typo.returncode == 2, "an unknown flag exits 2: %d" % typo.returncode)
    lines = typo.stderr.strip().splitlines()
    check(len(lines) == 1 and "unknown flag --lisen" in lines[0] and "did you mean --listen?" in lines[0],
          "an unknown flag is one line with a suggestion: %r" % typo.stderr)

    bad = run(server_bin, "--max_subscriptions=lots")
    check(bad.returncode == 2 and "--max_subscriptions=lots" in bad.stderr,
          "a value that does not parse exits 2 naming the flag: %d %r" % (bad.returncode, bad.stderr))

    with FacadeServer(server_bin) as first:
        taken = run(server_bin, "--listen=127.0.0.1:%d" % first.port)
        lines = taken.stderr.strip().splitlines()
        check(taken.returncode == 1, "a port in use exits 1: %d" % taken.returncode)
        said = json.loads(lines[0]) if len(lines) == 1 else {}
        check(said.get("level") == "error" and "address already in use" in said.get("msg", "") and
              "--listen=127.0.0.1:0" in said.get("msg", ""),
              "a port in use is one JSON error line suggesting --listen=127.0.0.1:0: %r" % taken.stderr)

    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
