"""Simulator persistence when files go missing or the disk fills (issue 17
§2), on a real server with --state_dir:

  missing_snapshot  a graceful stop leaves a snapshot and an empty journal
                    segment after it; with the snapshot deleted, the next
                    start is refused with DATA_LOSS (one JSON line on
                    stderr, naming the missing entries) and the directory
                    is left byte for byte as it was.
  full_disk         a write that cannot be journaled fails with UNAVAILABLE
                    and is never visible, before or after a restart; health
                    says NOT_SERVING meanwhile and SERVING again once writes
                    can be saved (without a write); one error line per
                    change, not per write; a snapshot that cannot be written
                    at shutdown is a JSON line too, and every line the
                    server wrote to stderr is JSON.

The full disk is RLIMIT_FSIZE, set on the running server with prlimit(2):
write(2) past it fails (EFBIG, SIGXFSZ ignored) as it would with ENOSPC.
No root, no mount.

  /usr/bin/python3 persistence_faults_test.py SERVER_BIN STUBS_DIR CASE
"""
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))

SERVING, NOT_SERVING = b"\x08\x01", b"\x08\x02"


def ignore_sigxfsz():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # inherited across exec


def contents(directory):
    """Every file of `directory` and its bytes."""
    out = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as f:
            out[name] = f.read()
    return out


def json_lines(text):
    """The lines of `text` that do not parse as JSON objects."""
    bad = []
    for line in text.splitlines():
        try:
            if not isinstance(json.loads(line), dict):
                bad.append(line)
        except ValueError:
            bad.append(line)
    return bad


def main():
    server_bin, stubs_dir, case = sys.argv[1:4]
    sys.path.insert(0, stubs_dir)
    from facade_calls import Checks
    check = Checks()
    work = tempfile.mkdtemp(prefix="persistence_faults_test.")
    try:
        {"missing_snapshot": missing_snapshot, "full_disk": full_disk}[case](
            server_bin, os.path.join(work, "state"), check)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return check.exit_code()


def stubs(address):
    import grpc
    from aws.dynamodb.v1 import attribute_value_pb2 as av
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    channel = grpc.insecure_channel(address)
    dynamodb = db_grpc.DynamoDbServiceStub(channel)

    class Stubs:
        def put(self, key):
            return dynamodb.PutItem(db.PutItemRequest(
                table_name="tbl", item={"pk": av.AttributeValue(s=key)}), timeout=10)

        def has(self, key):
            return len(dynamodb.GetItem(db.GetItemRequest(
                table_name="tbl", key={"pk": av.AttributeValue(s=key)}, consistent_read=True),
                timeout=10).item) > 0

        def health(self):
            check_rpc = channel.unary_unary("/grpc.health.v1.Health/Check",
                                            request_serializer=lambda b: b,
                                            response_deserializer=lambda b: b)
            return check_rpc(b"", timeout=5)

    return Stubs()


def wait_for(condition, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def missing_snapshot(server_bin, state_dir, check):
    from facade_calls import create_streamed_table
    from facade_server import FacadeServer
    server = FacadeServer(server_bin, "--state_dir=" + state_dir)
    try:
        import grpc
        create_streamed_table(grpc.insecure_channel(server.address), "tbl")
        s = stubs(server.address)
        s.put("a")
        s.put("b")
    finally:
        check(server.stop() == 0, "a graceful stop")
    names = sorted(os.listdir(state_dir))
    snapshots = [n for n in names if n.startswith("snapshot-")]
    segments = [n for n in names if n.startswith("journal-")]
    check(len(snapshots) == 1 and len(segments) == 1
          and os.path.getsize(os.path.join(state_dir, segments[0])) == 0,
          "it left one snapshot and an empty journal segment after it (%s)" % names)
    os.unlink(os.path.join(state_dir, snapshots[0]))
    before = contents(state_dir)

    proc = subprocess.Popen([server_bin, "--listen=127.0.0.1:0", "--state_dir=" + state_dir],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, stderr = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # it started: the failure is checked below
        proc.kill()
        _, stderr = proc.communicate()
    stderr = stderr.decode(errors="replace")
    check(proc.returncode not in (0, -signal.SIGKILL) and "listening on port" not in stderr,
          "the start is refused (exit %d)" % proc.returncode)
    check(not json_lines(stderr), "every line on stderr is JSON (%r)" % json_lines(stderr)[:3])
    errors = [json.loads(line) for line in stderr.splitlines() if not json_lines(line)]
    refusal = [e for e in errors if e.get("level") == "error" and e.get("code") == "DATA_LOSS"]
    check(len(refusal) == 1 and "entries 1 to " in refusal[0]["msg"] and "are missing" in refusal[0]["msg"],
          "with DATA_LOSS, naming the entries missing (%s)" % (refusal[0]["msg"] if refusal else stderr[-400:]))
    check(contents(state_dir) == before, "and the directory is byte for byte as it was")


def full_disk(server_bin, state_dir, check):
    import grpc
    from facade_calls import create_streamed_table
    from facade_server import FacadeServer
    # Warnings and errors only (plus the start and stop lines): what is left
    # on stderr is about the disk.
    args = ("--state_dir=" + state_dir, "--log_level=warning")
    server = FacadeServer(server_bin, *args, preexec_fn=ignore_sigxfsz)
    unlimited = resource.prlimit(server.proc.pid, resource.RLIMIT_FSIZE)
    try:
        create_streamed_table(grpc.insecure_channel(server.address), "tbl")
        s = stubs(server.address)
        s.put("saved-before")
        check(s.health() == SERVING, "SERVING to start with")

        segment = max(n for n in os.listdir(state_dir) if n.startswith("journal-"))
        size = os.path.getsize(os.path.join(state_dir, segment))
        # The journal cannot grow by a whole entry any more.
        resource.prlimit(server.proc.pid, resource.RLIMIT_FSIZE, (size + 10, unlimited[1]))
        codes = []
        for key in ("lost-1", "lost-2", "lost-3"):
            try:
                s.put(key)
                codes.append("OK")
            except grpc.RpcError as e:
                codes.append(e.code().name)
                detail = e.details()
        check(codes == ["UNAVAILABLE"] * 3 and "nothing was changed" in detail,
              "writes that cannot be saved fail with UNAVAILABLE, saying nothing changed (%s; %s)"
              % (codes, detail))
        check(os.path.getsize(os.path.join(state_dir, segment)) == size,
              "and leave nothing in the journal")
        check(not s.has("lost-1") and not s.has("lost-3") and s.has("saved-before"),
              "a write that was not saved is not visible")
        check(wait_for(lambda: s.health() == NOT_SERVING), "health says NOT_SERVING while writes fail")

        resource.prlimit(server.proc.pid, resource.RLIMIT_FSIZE, unlimited)
        check(wait_for(lambda: s.health() == SERVING), "and SERVING again once they can be saved, without a write")
        s.put("saved-after")

        # At shutdown, no room for the snapshot: the journal is kept.
        resource.prlimit(server.proc.pid, resource.RLIMIT_FSIZE, (10, unlimited[1]))
    finally:
        code = server.stop()
    check(code == 0, "a graceful stop all the same (exit %s)" % code)
    stderr = server.startup_log + b"".join(server.log_tail).decode(errors="replace")
    check(not json_lines(stderr), "every line the server wrote to stderr is JSON (%r)" % json_lines(stderr)[:3])
    lines = [json.loads(line) for line in stderr.splitlines()]
    cannot = [l for l in lines if "cannot be saved" in l["msg"]]
    again = [l for l in lines if "can be saved again" in l["msg"]]
    check(len(cannot) == 1 and cannot[0]["level"] == "error" and "File too large" in cannot[0].get("cause", ""),
          "one error line when writes could not be saved, not one per write (%s)" % cannot)
    check(len(again) == 1, "one line when they could again (%s)" % again)
    check(any("no snapshot at shutdown" in l["msg"] and l["level"] == "warning" for l in lines),
          "the snapshot that could not be written at shutdown is a JSON line")

    server = FacadeServer(server_bin, *args)
    try:
        s = stubs(server.address)
        check(s.has("saved-before") and s.has("saved-after"), "after a restart the saved writes are back")
        check(not any(s.has(k) for k in ("lost-1", "lost-2", "lost-3")), "and the unsaved ones never appear")
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
