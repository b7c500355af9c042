"""Starts awsfacade-server on loopback ports for the observability tests.

Unlike tests/polyglot/facade_server.py, stderr goes to a file (read with
log_text()), so the test can grep every line the server wrote, and a
server logging one line per RPC never fills a pipe nobody reads.
"""
import json
import os
import re
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

LISTENING = re.compile(r"listening on port (\d+)")


class ObservedServer:
    def __init__(self, binary, *args, env=None):
        self.log = tempfile.NamedTemporaryFile(prefix="awsfacade-stderr-", suffix=".log")
        self.proc = subprocess.Popen(
            [binary, "--listen=127.0.0.1:0", *args],
            stderr=self.log, stdin=subprocess.DEVNULL,
            env=env if env is not None else os.environ.copy())
        self.port = None
        self.metrics_port = None
        deadline = time.time() + 30
        while time.time() < deadline and self.port is None and self.proc.poll() is None:
            for line in self.log_text().split("\n")[:-1]:  # complete lines only
                m = LISTENING.search(line)
                if m:
                    self.port = int(m.group(1))
                    self.started_line = line
                    fields = json.loads(line)
                    self.metrics_port = fields.get("metrics_port")
                    break
            else:
                time.sleep(0.05)
        if self.port is None:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError("server did not start: " + self.log_text())
        self.address = "127.0.0.1:%d" % self.port

    def log_text(self):
        with open(self.log.name, "rb") as f:
            return f.read().decode("utf-8", errors="replace")

    def http_get(self, path):
        """(status, body) of GET http://127.0.0.1:<metrics port><path>."""
        url = "http://127.0.0.1:%d%s" % (self.metrics_port, path)
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.status, r.read().decode(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(), e.headers.get("Content-Type", "")

    def stop(self):
        """SIGTERM (graceful shutdown), SIGKILL after 20 s; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        self.log.close()


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_exposition(text):
    """Prometheus text format 0.0.4 -> {(name, frozenset(labels.items())): float}.
    Raises ValueError on a line that is neither a comment nor a sample."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise ValueError("not a sample line: %r" % line)
        labels = dict(LABEL.findall(m.group(2) or ""))
        samples[(m.group(1), frozenset(labels.items()))] = float(m.group(3))
    return samples


def value(samples, name, **labels):
    """The sample's value, 0 when absent (a series appears on first use)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def create_streamed_table(channel, name, view_type="NEW_AND_OLD_IMAGES"):
    """CreateTable (key "pk", a string) with a stream; its stream ARN."""
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    created = db_grpc.DynamoDbServiceStub(channel).CreateTable(db.CreateTableRequest(
        table_name=name,
        attribute_definitions=[db.AttributeDefinition(attribute_name="pk", attribute_type="S")],
        key_schema=[db.KeySchemaElement(attribute_name="pk", key_type="HASH")],
        billing_mode="PAY_PER_REQUEST",
        stream_specification=db.StreamSpecification(
            stream_enabled=True, stream_view_type=view_type)), timeout=10)
    return created.table_description.latest_stream_arn
