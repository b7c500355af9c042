#!/usr/bin/env python3
"""Runs consumer_groups_moto_test against a moto server of its own.

Usage: run_with_moto.py TEST_BINARY MOTO_PYTHON
Starts `MOTO_PYTHON -m moto.server` on a free loopback port, runs the test
binary with AWSFACADE_LEASES_MOTO_ENDPOINT pointing at it, stops moto, and
exits with the binary's status. Exits 77 (skipped, ctest) when moto cannot
be imported by MOTO_PYTHON.
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "polyglot"))
import moto_server  # noqa: E402


def main():
    binary, moto_python = sys.argv[1], sys.argv[2]
    if subprocess.run([moto_python, "-c", "import moto.server"],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        print(f"skipped: {moto_python} cannot import moto.server")
        return 77
    proc, port = moto_server.start(moto_python, stderr=subprocess.DEVNULL)
    try:
        env = dict(os.environ, AWSFACADE_LEASES_MOTO_ENDPOINT=moto_server.endpoint(port))
        return subprocess.run([binary], env=env).returncode
    finally:
        moto_server.stop(proc)


if __name__ == "__main__":
    sys.exit(main())
