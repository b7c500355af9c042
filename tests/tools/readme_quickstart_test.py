"""The README's quick start, as a newcomer runs it, in a fresh clone.

Clones the repository (`git clone`, local: a second or so) into a temporary
directory and, in that clone:

  1. runs the clone's own `scripts/run-server.sh` (the README's first command)
     on a free port, not 50051, and waits for the lines it prints once the
     server answers its health check;
  2. runs every command of the README block marked
     `<!-- quickstart: ... -->`, line by line (continuations joined), in the
     clone, with 127.0.0.1:50051 replaced by that port: the first calls
     through the CLI, `buf curl`, `scripts/gen-stubs.sh` and a Python client on
     the stubs just generated. Each must exit 0, and what each shows is
     checked where the test knows the command;
  3. checks that every command `scripts/run-server.sh` printed (but `tail`,
     which runs until Ctrl-C and which the README names in the text after
     the block) is in the README's block, so the two say the same;
  4. stops the server as Ctrl-C does (SIGINT to the process group) and
     expects the server's graceful stop (its `stopped` line) and
     run-server.sh to end with the server's status, 0.

What is not exercised, and why: the clone is not compiled. Its
`scripts/install-deps.sh` and `scripts/build.sh` are replaced by no-ops, the
clone's `build/` holds links to the binaries of the build tree this test runs
in, and `node_modules` is a link to the source tree's (scripts/test.sh has just
installed and built both from the same sources; compiling again would take
minutes). Everything after the build, run-server.sh included, is the clone's.
The commands are read from the README.md of the source tree (the text under
test, committed or not); the scripts they run are the clone's, i.e. HEAD's.

usage: readme_quickstart_test.py SOURCE_DIR BUILD_DIR
"""
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SOURCE, BUILD = (os.path.abspath(p) for p in sys.argv[1:3])
README_ADDRESS = "127.0.0.1:50051"
MARKER = re.compile(r"^<!-- quickstart\b.*?-->\n```sh\n(.*?)^```", re.M | re.S)
# Build outputs the quick start uses, linked into the clone's build/.
BUILD_PARTS = ["service", "client", "deploy"]
# What some commands must show (a regex on stdout), by a regex on the command.
EXPECT = [
    (r"dynamodb create-table", r'"TableName": "orders"'),
    (r"dynamodbstreams list-streams", r'"StreamArn": "arn:aws:dynamodb:[^"]*:table/orders/stream/'),
    (r"awsfacade --help\b", r"dynamodbstreams"),
    (r"awsfacade \S+ \S+ --help", r"--table-name"),
    (r"buf curl .*--list-methods", r"(?m)^aws\.dynamodb\.v1\.DynamoDbService/PutItem$"),
    (r"examples/python/list_records\.py", r"listed 25 records"),
]
# Files a command must leave in the clone.
EXPECT_FILES = [
    (r"scripts/gen-stubs\.sh", ["build/gen-stubs/python/aws/dynamodbstreams/v1/dynamodbstreams_pb2_grpc.py",
                                "build/gen-stubs/go/go.mod",
                                "build/gen-stubs/ts/aws/dynamodbstreams/v1/dynamodbstreams.ts"]),
]


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def commands(block):
    """(text, one-line shell command) per command of a sh block."""
    result, pending = [], ""
    for line in block.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line + "\n"
        if pending.endswith("\\\n"):
            continue
        result.append(pending.rstrip())
        pending = ""
    if pending:
        fail("unterminated command in the README's quick start: " + pending)
    return result


def normalized(command):
    """A command without its comment, continuations and spacing."""
    words = shlex.split(command.replace("\\\n", " "), comments=True)
    return " ".join(words)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    with open(os.path.join(SOURCE, "README.md")) as f:
        readme = f.read()
    for command in ("scripts/run-server.sh", "scripts/test.sh"):
        if not re.search(r"^%s\b" % re.escape(command), readme, re.M):
            fail("README.md does not give the command %s" % command)
    m = MARKER.search(readme)
    if not m:
        fail("README.md has no ```sh block after a <!-- quickstart ... --> comment")
    quick_start = commands(m.group(1))
    if not quick_start:
        fail("the README's quick start block has no command")

    if subprocess.run(["git", "-C", SOURCE, "rev-parse", "--git-dir"],
                      capture_output=True).returncode != 0:
        print("SKIP: %s is not a git checkout, so there is nothing to clone" % SOURCE)
        return 77
    tmp = tempfile.mkdtemp(prefix="readme-quickstart-")
    server = None
    try:
        clone = os.path.join(tmp, "aws-grpc-facade")
        started = time.monotonic()
        subprocess.run(["git", "clone", "-q", SOURCE, clone], check=True)
        print("cloned in %.1f s" % (time.monotonic() - started))
        for script in ("install-deps.sh", "build.sh"):  # installed and built already (see above)
            with open(os.path.join(clone, "scripts", script), "w") as f:
                f.write("#!/usr/bin/env bash\n")
        os.makedirs(os.path.join(clone, "build"))
        for part in BUILD_PARTS:
            os.symlink(os.path.join(BUILD, part), os.path.join(clone, "build", part))
        os.symlink(os.path.join(SOURCE, "node_modules"), os.path.join(clone, "node_modules"))

        port = free_port()
        address = "127.0.0.1:%d" % port
        log_path = os.path.join(tmp, "run-server.log")
        log = open(log_path, "w")
        server = subprocess.Popen(["scripts/run-server.sh", "--listen=" + address], cwd=clone,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        printed = ""
        while "awsfacade-server is serving" not in printed:
            if server.poll() is not None or time.monotonic() > deadline:
                fail("scripts/run-server.sh did not say it serves on %s:\n%s" % (address, printed))
            time.sleep(0.1)
            with open(log_path) as f:
                printed = f.read()
        # The whole "Next" text is one write; read it once more to be sure.
        time.sleep(0.2)
        with open(log_path) as f:
            printed = f.read()
        next_steps = printed[printed.index("awsfacade-server is serving"):]
        print("scripts/run-server.sh --listen=%s printed:\n%s" % (address, next_steps))

        env = dict(os.environ)
        for command in quick_start:
            line = command.replace(README_ADDRESS, address)
            print("$ " + line)
            started = time.monotonic()
            result = subprocess.run(["bash", "-c", line], cwd=clone, env=env, capture_output=True,
                                    text=True, timeout=60)
            out = result.stdout
            print("\n".join(out.splitlines()[:8]) + ("\n..." if out.count("\n") > 8 else ""))
            print("(exit %d, %.1f s)" % (result.returncode, time.monotonic() - started))
            if result.returncode != 0:
                fail("%r exited %d:\n%s" % (command, result.returncode, result.stderr))
            for pattern, expected in EXPECT:
                if re.search(pattern, command) and not re.search(expected, out):
                    fail("%r: its output does not match %r" % (command, expected))
            for pattern, files in EXPECT_FILES:
                for path in files if re.search(pattern, command) else []:
                    if not os.path.isfile(os.path.join(clone, path)):
                        fail("%r did not write %s" % (command, path))

        # What run-server.sh suggests is what the README shows.
        readme_commands = {normalized(c) for c in quick_start}
        suggested = commands("\n".join(l.strip() for l in next_steps.splitlines()[1:]
                                        if l.startswith("  ")))
        for command in suggested:
            text = normalized(command).replace(address, README_ADDRESS)
            if " tail " in text:
                if text not in " ".join(readme.replace("`", " ").split()):
                    fail("scripts/run-server.sh suggests %r, which the README does not name" % text)
                continue
            if text not in readme_commands:
                fail("scripts/run-server.sh suggests %r, which the README's quick start does not show"
                     % text)
        print("the %d commands run-server.sh suggests are in the README (tail in its text)"
              % len(suggested))

        os.killpg(server.pid, signal.SIGINT)  # Ctrl-C
        code = server.wait(timeout=30)
        server = None
        if code != 0:  # the server's own status after its graceful stop
            fail("scripts/run-server.sh exited %d after Ctrl-C" % code)
        with open(log_path) as f:
            if "awsfacade-server: stopped" not in f.read():
                fail("the server did not log its graceful stop after Ctrl-C")
        print("Ctrl-C: the server stopped gracefully, run-server.sh exited %d" % code)
        print("README quick start: %d commands run in a fresh clone, all checks passed" % len(quick_start))
        return 0
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
