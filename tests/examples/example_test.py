"""Runs one of examples/ against the real server and checks what it prints.

usage: example_test.py SERVER_BIN STUBS_DIR SCENARIO -- COMMAND...

Starts awsfacade-server on a loopback port, runs COMMAND with the server
address appended (PYTHONPATH=STUBS_DIR, for the Python examples), and checks
its output for SCENARIO:
  list_records   25 records written with UpdateRecords come back exactly once
                 over 3 ListRecords pages of 10, 10 and 5 (NextToken followed),
                 and match what the server holds (read back here directly).
  stream_resume  10 items written around a dropped subscription arrive as
                 10 INSERT records in write order, none repeated or lost,
                 split between the first call and the resumed one.
  group_member   a group member that checkpoints each batch leaves after 4 of
                 6 records; a second member resumes after its checkpoint: the
                 10 records once each across the two, in order, and the lease's
                 checkpoint is the last record processed.
The Python and Node examples print the same lines, so one check serves both.
"""
import os
import re
import subprocess
import sys

SERVER_BIN, STUBS_DIR, SCENARIO, DASHES = sys.argv[1:5]
COMMAND = sys.argv[5:]
assert DASHES == "--" and COMMAND, __doc__
sys.path.insert(0, STUBS_DIR)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "polyglot"))

import grpc  # noqa: E402
from aws.cognitosync.v1 import cognitosync_pb2 as cs, cognitosync_pb2_grpc as cs_grpc  # noqa: E402
from facade_server import FacadeServer  # noqa: E402


def fail(message, output):
    print(output)
    sys.exit("FAIL: " + message)


def check_list_records(out, address):
    m = re.search(r"^dataset (\S+) exists: False$", out, re.M)
    if not m:
        fail("no 'dataset ... exists: False' line (first ListRecords)", out)
    dataset = m.group(1)
    if not re.search(r"^wrote 25 records$", out, re.M):
        fail("UpdateRecords did not report 25 records", out)
    pages = re.findall(r"^page (\d+): (\d+) records, (more follow|last page)$", out, re.M)
    if [(int(n), int(c), t) for n, c, t in pages] != [
            (1, 10, "more follow"), (2, 10, "more follow"), (3, 5, "last page")]:
        fail("expected pages of 10, 10 and 5 records, got %s" % pages, out)
    records = re.findall(r"^  (\S+) = (.*) \(SyncCount (\d+)\)$", out, re.M)
    keys = [k for k, _, _ in records]
    if len(keys) != 25 or len(set(keys)) != 25:
        fail("%d record lines, %d distinct keys; want 25 of each" % (len(keys), len(set(keys))), out)
    expected = {("record-%02d" % i, "value %d" % i, "1") for i in range(25)}
    if set(records) != expected:
        fail("records differ from what was written: %s" % sorted(set(records) ^ expected), out)
    if not re.search(r"^listed 25 records in 3 pages \(dataset %s\)$" % re.escape(dataset), out, re.M):
        fail("no closing 'listed 25 records in 3 pages' line", out)
    # What the server holds, read here in one page: the example printed it.
    with grpc.insecure_channel(address) as channel:
        held = cs_grpc.CognitoSyncServiceStub(channel).ListRecords(cs.ListRecordsRequest(
            identity_pool_id="us-east-1:0000aaaa-bbbb-cccc-dddd-eeeeffff0000",
            identity_id="us-east-1:1111aaaa-bbbb-cccc-dddd-eeeeffff1111",
            dataset_name=dataset, max_results=100), timeout=10)
    on_server = {(r.key, r.value, str(r.sync_count)) for r in held.records}
    if on_server != set(records) or held.next_token:
        fail("the server holds %d other records" % len(on_server ^ set(records)), out)
    print("list_records: 25 records over 3 pages, as on the server")


def check_stream_resume(out, _address):
    if not re.search(r"^table example-orders-\d+, stream arn:aws:dynamodb:[a-z0-9-]+:\d{12}:"
                     r"table/example-orders-\d+/stream/\S+$", out, re.M):
        fail("no table/stream ARN line", out)
    if "DUPLICATE" in out:
        fail("the example saw a record twice", out)
    lines = out.splitlines()
    try:
        drop = lines.index(next(l for l in lines if l.startswith("dropped the call after ")))
        resume = lines.index("resumed from the continuation token")
        late = lines.index("wrote order-07..order-10")
    except (StopIteration, ValueError):
        fail("missing the drop / late writes / resume lines", out)
    if not drop < late < resume:
        fail("the late writes must happen between the drop and the resume", out)
    record = re.compile(r"^  INSERT (order-\d\d) seq (\d+) \(shardId-\S+\)$")
    before = [record.match(l).groups() for l in lines[:drop] if record.match(l)]
    after = [record.match(l).groups() for l in lines[resume:] if record.match(l)]
    if not 1 <= len(before) < 6:
        fail("the first call should drop before reading all 6 items, read %d" % len(before), out)
    if int(lines[drop].split()[4]) != len(before):
        fail("the drop line miscounts the records", out)
    keys = [k for k, _ in before + after]
    if keys != ["order-%02d" % i for i in range(1, 11)]:
        fail("want order-01..order-10 once each, in order; got %s" % keys, out)
    seqs = [int(s) for _, s in before + after]
    if any(b <= a for a, b in zip(seqs, seqs[1:])):
        fail("sequence numbers do not grow", out)
    if not re.search(r"^caught up: 10 distinct records$", out, re.M):
        fail("no 'caught up: 10 distinct records' line", out)
    if not re.search(r"^deleted table example-orders-\d+$", out, re.M):
        fail("the example did not clean up its table", out)
    print("stream_resume: %d records before the drop, %d after the resume, no duplicates"
          % (len(before), len(after)))


def check_group_member(out, _address):
    if "DUPLICATE" in out:
        fail("the example saw a record twice", out)
    assigned = re.findall(r"^(worker-\d) assigned (shardId-\S+) from (\S+)$", out, re.M)
    if [w for w, _, _ in assigned] != ["worker-1", "worker-2"]:
        fail("want one assignment to worker-1, then one to worker-2; got %s" % assigned, out)
    record = re.compile(r"^  (worker-\d) INSERT (order-\d\d) seq (\d+)$", re.M)
    records = record.findall(out)
    if [k for _, k, _ in records] != ["order-%02d" % i for i in range(1, 11)]:
        fail("want order-01..order-10 once each, in order; got %s" % records, out)
    if [w for w, _, _ in records] != ["worker-1"] * 4 + ["worker-2"] * 6:
        fail("worker-1 should process 4 records and worker-2 the other 6", out)
    checkpoints = re.findall(r"^(worker-\d) checkpointed (\d+)$", out, re.M)
    first_done = [c for w, c in checkpoints if w == "worker-1"]
    if assigned[0][2] != "TRIM_HORIZON" or not first_done or assigned[1][2] != first_done[-1]:
        fail("worker-2 must resume from worker-1's last checkpoint", out)
    if not re.search(r"^lease %s: checkpoint %s$" % (re.escape(assigned[1][1]), records[-1][2]),
                     out, re.M):
        fail("the lease's checkpoint is not the last record processed", out)
    if not re.search(r"^caught up: 10 distinct records$", out, re.M):
        fail("no 'caught up: 10 distinct records' line", out)
    if not re.search(r"^deleted tables example-orders-\d+ and awsfacade-cg-billing-[0-9a-f]{16}$",
                     out, re.M):
        fail("the example did not clean up its tables", out)
    print("group_member: 4 records on worker-1, 6 on worker-2 from its checkpoint, no duplicates")


def main():
    check = {"list_records": check_list_records, "stream_resume": check_stream_resume,
             "group_member": check_group_member}[SCENARIO]
    env = dict(os.environ, PYTHONPATH=STUBS_DIR)
    with FacadeServer(SERVER_BIN) as server:
        run = subprocess.run(COMMAND + [server.address], env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        print("$ %s %s  (exit %d)" % (" ".join(COMMAND), server.address, run.returncode))
        if run.returncode != 0:
            fail("the example exited %d: %s" % (run.returncode, run.stderr), run.stdout)
        check(run.stdout, server.address)
        print(run.stdout, end="")
        code = server.stop()
    if code != 0:
        sys.exit("FAIL: the server exited %d on SIGTERM" % code)


if __name__ == "__main__":
    main()
