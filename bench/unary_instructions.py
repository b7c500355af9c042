"""Machine instructions the server executes per unary call, on the simulator,
beside a bare gRPC echo served by the same server, counted by valgrind's
callgrind: the noise-free companion of unary_bench.py.

Throughput on this 2-core machine moves by a factor of two with whatever else
runs (unary_bench.py's echo went from 35,000 to 85,000 requests per 5 s
round within one run); the instructions a call costs do not. The same cases
as unary_bench.py (the echo's payload is the size of a ListRecords answer):
for each, 200 calls to warm up, callgrind's counters zeroed, CALLS calls with
one h2load connection and one stream, the counters dumped. Each figure is the
server's instructions (all threads: gRPC's, the executor's) over the calls
h2load completed; the ratio is the echo's over the operation's (1.0: as cheap
as the echo). Instructions are not time (a cache miss costs more than an
add), and the kernel's share of a call (about a third of a call's CPU time in
a perf profile here) is not counted, so the ratio of times is closer to 1
than this one.

Several servers may be given (e.g. two builds, before and after a change):
each is measured in turn and gets its own rows.

A benchmark, not a test: it prints figures and never fails on them. Needs
valgrind (Debian's `valgrind`); without it, says so and exits 77.
  /usr/bin/python3 bench/unary_instructions.py STUBS_DIR SERVER_BIN [SERVER_BIN ...] [--calls=N]
"""
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

CALLS = 2000
args = []
for arg in sys.argv[1:]:
    if arg.startswith("--calls="):
        CALLS = int(arg.split("=", 1)[1])
    else:
        args.append(arg)
STUBS_DIR, SERVERS = args[0], args[1:]
sys.path.insert(0, STUBS_DIR)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402
import unary_bench  # noqa: E402
from facade_server import FacadeServer  # noqa: E402


def h2load(address, path, body_file, calls):
    out = subprocess.run(
        ["h2load", "-n", str(calls), "-c", "1", "-m", "1", "-t", "1", "-d", body_file,
         "-H", "content-type: application/grpc", "-H", "te: trailers",
         "http://%s%s" % (address, path)],
        capture_output=True, text=True, timeout=600).stdout
    ok = re.search(r"(\d+) succeeded, (\d+) failed, (\d+) errored", out)
    return int(ok.group(1)) if ok else 0


def dumped_instructions(out_dir, pid, before):
    """The Ir total of the newest dump of process `pid` not in `before`."""
    dumps = sorted(set(glob.glob(os.path.join(out_dir, "callgrind.out.%d*" % pid))) - before,
                   key=os.path.getmtime)
    if not dumps:
        raise RuntimeError("callgrind wrote no dump for process %d" % pid)
    with open(dumps[-1]) as f:
        for line in f:
            m = re.match(r"(?:totals|summary): (\d+)", line)
            if m:
                return int(m.group(1)), set(dumps)
    raise RuntimeError("no totals in " + dumps[-1])


def measure(server_bin, out_dir):
    wrapper = os.path.join(out_dir, "server-under-callgrind.sh")
    with open(wrapper, "w") as f:
        f.write("#!/bin/sh\nexec valgrind --tool=callgrind --callgrind-out-file=%s/callgrind.out.%%p "
                "%s \"$@\"\n" % (out_dir, os.path.abspath(server_bin)))
    os.chmod(wrapper, 0o755)
    per_call = {}
    with FacadeServer(wrapper, "--bench_echo") as server:
        pid = server.proc.pid  # the wrapper execs valgrind: one process
        channel = grpc.insecure_channel(server.address)
        cases = unary_bench.seeded_cases(channel)
        channel.close()
        seen = set()
        for name, path, message in cases:
            body = os.path.join(out_dir, name + ".body")
            with open(body, "wb") as f:
                f.write(unary_bench.grpc_frame(message))
            h2load(server.address, path, body, 200)
            subprocess.run(["callgrind_control", "-z", str(pid)], capture_output=True, check=True)
            done = h2load(server.address, path, body, CALLS)
            subprocess.run(["callgrind_control", "-d", name, str(pid)], capture_output=True,
                           check=True)
            total, seen = dumped_instructions(out_dir, pid, seen)
            per_call[name] = (total / done if done else float("inf"), done)
    return cases, per_call


def main():
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        print("SKIP: valgrind (callgrind) is not installed; `apt-get install valgrind`")
        sys.exit(77)
    print("server | figure | instructions per call | echo instructions per call | ratio | calls")
    for server_bin in SERVERS:
        with tempfile.TemporaryDirectory() as out_dir:
            cases, per_call = measure(server_bin, out_dir)
        echo, _ = per_call["echo"]
        for name, _, _ in cases:
            count, done = per_call[name]
            print("%s | unary %s | %.0f | %.0f | %.2f | %d" % (
                server_bin, name, count, echo, echo / count, done))
            if name != "echo":
                print("ROW | unary %s, server instructions per call (callgrind, %s) | %.0f | "
                      "bare echo %.0f | %.2f | report" % (name, server_bin, count, echo, echo / count))


if __name__ == "__main__":
    main()
