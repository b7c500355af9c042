"""Unary throughput of the facade on the simulator beside a bare gRPC echo
served by the same server set-up, driven by h2load, reported as ratios.

The echo and each operation are measured in turns, ROUNDS times over
(echo, ListRecords, ..., echo, ListRecords, ...), and each figure is the
median of its rounds, so a change in the machine's load during the run
falls on every case alike. Operations: Cognito Sync ListRecords,
Personalize ListDatasets, DynamoDB GetItem and PutItem.

Two figures per case: throughput (requests/s, which moves with whatever
else the machine runs), and the server's CPU time per call (user + system
time of the server process over the round, from /proc, divided by the calls
h2load completed), which other load disturbs far less. Each ratio is the
echo's figure over the operation's: 1.0 means as cheap as the echo.

A benchmark, not a test: it prints figures and never fails on timing.
Run with Debian's /usr/bin/python3 (python3-grpcio):
  /usr/bin/python3 bench/unary_bench.py build/service/awsfacade-server build/gen/python [seconds] [rounds]
(seconds: per case and round, default 10; rounds: default 3).
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

if __name__ == "__main__":
    SERVER_BIN, STUBS_DIR = sys.argv[1], sys.argv[2]
    SECONDS = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    ROUNDS = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    sys.path.insert(0, STUBS_DIR)
GOAL = 0.9
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "polyglot"))

import grpc  # noqa: E402
from aws.cognitosync.v1 import cognitosync_pb2 as cs, cognitosync_pb2_grpc as cs_grpc  # noqa: E402
from aws.dynamodb.v1 import attribute_value_pb2 as av, dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc  # noqa: E402,E501
from aws.personalize.v1 import personalize_pb2 as pz, personalize_pb2_grpc as pz_grpc  # noqa: E402
from awsfacade.bench.v1 import echo_pb2, echo_pb2_grpc  # noqa: E402
from awsfacade.simulator.v1 import simulator_pb2 as sim, simulator_pb2_grpc as sim_grpc  # noqa: E402
from facade_server import FacadeServer  # noqa: E402

from facade_calls import COGNITO_IDENTITY as IDENTITY, COGNITO_POOL as POOL, INTERACTIONS_SCHEMA as SCHEMA  # noqa: E402,E501
from facade_calls import create_streamed_table  # noqa: E402
CORES = os.cpu_count() or 1


def grpc_frame(message):
    body = message.SerializeToString()
    return b"\x00" + struct.pack(">I", len(body)) + body


def seed(channel):
    cognito = cs_grpc.CognitoSyncServiceStub(channel)
    listed = cognito.ListRecords(cs.ListRecordsRequest(
        identity_pool_id=POOL, identity_id=IDENTITY, dataset_name="bench"))
    cognito.UpdateRecords(cs.UpdateRecordsRequest(
        identity_pool_id=POOL, identity_id=IDENTITY, dataset_name="bench",
        sync_session_token=listed.sync_session_token,
        record_patches=[cs.RecordPatch(op="replace", key="key%02d" % i, value="value-%02d" % i,
                                       sync_count=0) for i in range(10)]))
    personalize = pz_grpc.PersonalizeServiceStub(channel)
    schema = personalize.CreateSchema(pz.CreateSchemaRequest(name="s", schema=SCHEMA))
    group = personalize.CreateDatasetGroup(pz.CreateDatasetGroupRequest(name="g")).dataset_group_arn
    sim_grpc.SimulatorServiceStub(channel).AdvanceClock(sim.AdvanceClockRequest(by={"seconds": 3600}))
    for i, t in enumerate(["Interactions", "Items", "Users", "Actions", "Action_Interactions"]):
        personalize.CreateDataset(pz.CreateDatasetRequest(
            name="ds%d" % i, schema_arn=schema.schema_arn, dataset_group_arn=group, dataset_type=t))
    create_streamed_table(channel, "bench")
    dynamodb = db_grpc.DynamoDbServiceStub(channel)
    for i in range(10):
        dynamodb.PutItem(db.PutItemRequest(table_name="bench", item={
            "pk": av.AttributeValue(s="key%02d" % i), "value": av.AttributeValue(s="value-%02d" % i)}))
    return group


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def cpu_seconds(pid):
    """User + system CPU seconds the process has used (all its threads)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def h2load(address, path, body_file, pid):
    cmd = ["h2load", "-D", str(SECONDS), "-c", "4", "-m", "16", "-t", "1",
           "-d", body_file, "-H", "content-type: application/grpc", "-H", "te: trailers",
           "http://%s%s" % (address, path)]
    if CORES > 1:
        cmd = ["taskset", "-c", "1"] + cmd
    cpu_before = cpu_seconds(pid)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=SECONDS + 60).stdout
    cpu = cpu_seconds(pid) - cpu_before
    rps = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out)
    ok = re.search(r"(\d+) succeeded, (\d+) failed, (\d+) errored", out)
    succeeded = int(ok.group(1)) if ok else 0
    us_per_call = cpu * 1e6 / succeeded if succeeded else float("inf")
    return (float(rps.group(1)) if rps else 0.0, (ok.groups() if ok else ("?", "?", "?")),
            us_per_call)


def seeded_cases(channel):
    """Seeds the server; the cases (name, method path, request), each
    called 200 times through grpcio first, which raises on a non-OK status
    (h2load counts any HTTP 200 as success)."""
    group = seed(channel)
    list_records = cs.ListRecordsRequest(identity_pool_id=POOL, identity_id=IDENTITY,
                                         dataset_name="bench")
    list_datasets = pz.ListDatasetsRequest(dataset_group_arn=group)
    get_item = db.GetItemRequest(table_name="bench", key={"pk": av.AttributeValue(s="key03")})
    # PutItem writes the same item over and over (a stream record each).
    put_item = db.PutItemRequest(table_name="bench", item={
        "pk": av.AttributeValue(s="key03"), "value": av.AttributeValue(s="value-03")})
    # The echo carries a payload the size of a ListRecords response.
    reply_size = len(cs_grpc.CognitoSyncServiceStub(channel).ListRecords(list_records)
                     .SerializeToString())
    echo = echo_pb2.EchoRequest(payload=b"x" * reply_size)

    dynamodb = db_grpc.DynamoDbServiceStub(channel)
    stubs = {
        "echo": lambda: echo_pb2_grpc.EchoServiceStub(channel).Echo(echo),
        "ListRecords": lambda: cs_grpc.CognitoSyncServiceStub(channel).ListRecords(list_records),
        "ListDatasets": lambda: pz_grpc.PersonalizeServiceStub(channel).ListDatasets(list_datasets),
        "GetItem": lambda: dynamodb.GetItem(get_item),
        "PutItem": lambda: dynamodb.PutItem(put_item),
    }
    for name, call in stubs.items():
        for _ in range(200):
            call()  # raises on any non-OK grpc-status
    return [
        ("echo", "/awsfacade.bench.v1.EchoService/Echo", echo),
        ("ListRecords", "/aws.cognitosync.v1.CognitoSyncService/ListRecords", list_records),
        ("ListDatasets", "/aws.personalize.v1.PersonalizeService/ListDatasets", list_datasets),
        ("GetItem", "/aws.dynamodb.v1.DynamoDbService/GetItem", get_item),
        ("PutItem", "/aws.dynamodb.v1.DynamoDbService/PutItem", put_item),
    ]


def main():
    server_args = ["--bench_echo"]
    with FacadeServer(SERVER_BIN, *server_args) as server:
        if CORES > 1:  # server on core 0, load generator on core 1
            subprocess.run(["taskset", "-a", "-p", "-c", "0", str(server.proc.pid)],
                           capture_output=True)
        channel = grpc.insecure_channel(server.address)
        cases = seeded_cases(channel)
        rounds = {name: [] for name, _, _ in cases}
        with tempfile.TemporaryDirectory() as tmp:
            for name, _, message in cases:
                with open(os.path.join(tmp, name), "wb") as f:
                    f.write(grpc_frame(message))
            for _ in range(ROUNDS):
                for name, path, _ in cases:
                    rounds[name].append(h2load(server.address, path, os.path.join(tmp, name),
                                               server.proc.pid))
        channel.close()

    base = median([rps for rps, _, _ in rounds["echo"]]) or 1.0
    base_cpu = median([us for _, _, us in rounds["echo"]])
    print("figure | req/s (median of %d rounds) | echo req/s | ratio | server CPU us/call | "
          "echo us/call | CPU ratio | goal | ratio per round (req/s; CPU) | h2load ok/failed/errored"
          % ROUNDS)
    for name, _, _ in cases:
        rps = median([r for r, _, _ in rounds[name]])
        cpu = median([us for _, _, us in rounds[name]])
        per_round = " ".join("%.2f" % (r / (e or 1.0))
                             for (r, _, _), (e, _, _) in zip(rounds[name], rounds["echo"]))
        per_round_cpu = " ".join("%.2f" % (e / u)
                                 for (_, _, u), (_, _, e) in zip(rounds[name], rounds["echo"]))
        counts = ", ".join("/".join(c) for _, c, _ in rounds[name])
        goal = "-" if name == "echo" else ">= %.1f" % GOAL
        print("unary %s | %.0f | %.0f | %.2f | %.1f | %.1f | %.2f | %s | %s; %s | %s" % (
            name, rps, base, rps / base, cpu, base_cpu, base_cpu / cpu, goal, per_round,
            per_round_cpu, counts))
        if name != "echo":  # summary rows (bench/run_all.sh collects "ROW |" lines)
            print("ROW | unary %s (h2load, median of %d) | %.0f req/s | bare echo %.0f req/s | %.2f | %s" % (
                name, ROUNDS, rps, base, rps / base, goal))
            print("ROW | unary %s, server CPU per call (median of %d) | %.1f us | bare echo %.1f us | %.2f | %s"
                  % (name, ROUNDS, cpu, base_cpu, base_cpu / cpu, goal))
    print("(200 real client calls per RPC returned grpc-status OK before the load)")


if __name__ == "__main__":
    main()
