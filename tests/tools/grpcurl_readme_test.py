"""The "Debugging with grpcurl" commands of docs/clients.md, run through `buf curl`.

grpcurl cannot be installed here; buf curl is also a reflection client. This
test reads every command of that section (the one source of truth),
translates it to buf curl (or, for `describe`, to a reflection request whose
descriptors it renders as grpcurl would), runs it in order against a real
server, and checks each answer. `<Name>` in a request is replaced by the
value of Name in the latest earlier answer that has one, as the page tells
its readers to do.

usage: grpcurl_readme_test.py SERVER_BIN BUF STUBS_DIR REPO_ROOT
"""
import base64
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile

SERVER_BIN, BUF, STUBS_DIR, ROOT = sys.argv[1:5]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, STUBS_DIR)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "polyglot"))

from google.protobuf import descriptor_pb2  # noqa: E402
from google.rpc import error_details_pb2  # noqa: E402
from facade_server import FacadeServer  # noqa: E402
from proto_comments_test import elements  # noqa: E402

README_ADDRESS = "127.0.0.1:50051"
CURL = [BUF, "curl", "--protocol", "grpc", "--http2-prior-knowledge"]
SCALARS = {v: k[len("TYPE_"):].lower() for k, v in descriptor_pb2.FieldDescriptorProto.Type.items()}


class Failure(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise Failure(message)


# --- the page --------------------------------------------------------------

PAGE = os.path.join("docs", "clients.md")

def readme_commands():
    """The commands of the section, each as an argv (continuations joined)."""
    with open(os.path.join(ROOT, PAGE)) as f:
        text = f.read()
    m = re.search(r"^## Debugging with grpcurl\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    expect(m, "%s has no '## Debugging with grpcurl' section" % PAGE)
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", m.group(1), re.S):
        pending = ""
        for line in block.splitlines():
            if not pending and not line.startswith(("grpcurl ", "node_modules/.bin/buf ")):
                continue
            pending += line + "\n"
            joined = pending.replace("\\\n", " ")
            if pending.endswith("\\\n"):
                continue
            try:
                argv = shlex.split(joined)
            except ValueError:  # a quote spans lines
                continue
            commands.append((pending.rstrip(), argv))
            pending = ""
        expect(not pending, "unterminated command in %s: " % PAGE + pending)
    return commands


def parse_grpcurl(argv):
    """grpcurl [flags] [address] (list|describe [symbol] | method)."""
    flags, args, i = {}, [], 1
    while i < len(argv):
        a = argv[i]
        if a in ("-plaintext", "-v", "-vv", "-format-error"):
            flags[a] = True
        elif a in ("-d", "-protoset", "-max-time"):
            flags[a] = argv[i + 1]
            i += 1
        elif a.startswith("-"):
            raise Failure("the test does not translate grpcurl flag " + a)
        else:
            args.append(a)
        i += 1
    return flags, args


# --- descriptors and a grpcurl-like describe --------------------------------

def index(files):
    """{full name: (kind, descriptor)} and {full name: leading comment}."""
    symbols, comments = {}, {}
    for fd in files:
        located = {tuple(loc.path): loc.leading_comments.rstrip()
                   for loc in fd.source_code_info.location}
        for kind, name, path, desc in elements(fd):
            symbols[name.replace("/", ".")] = (kind, desc)
            comments[name.replace("/", ".")] = located.get(path, "")
    return symbols, comments


def field_type(field, symbols):
    if field.type_name:
        entry = symbols.get(field.type_name.lstrip("."))
        if entry and entry[1].options.map_entry:
            key, value = entry[1].field
            return "map<%s, %s>" % (field_type(key, symbols), field_type(value, symbols))
        return field.type_name
    return SCALARS[field.type]


def describe(symbol, symbols, comments):
    """Renders a service or message as grpcurl's describe does (comments
    included when the descriptors have them)."""
    expect(symbol in symbols, "describe: %s not found" % symbol)
    kind, desc = symbols[symbol]

    def comment(name, indent):
        return [indent + "//" + line for line in comments.get(name, "").splitlines()]

    out = ["%s is a %s:" % (symbol, kind)] + comment(symbol, "")
    if kind == "service":
        out.append("service %s {" % desc.name)
        for m in desc.method:
            out += comment(symbol + "." + m.name, "  ")
            out.append("  rpc %s ( %s ) returns ( %s%s );" % (
                m.name, m.input_type, "stream " if m.server_streaming else "", m.output_type))
    elif kind == "message":
        out.append("message %s {" % desc.name)
        for f in desc.field:
            out += comment(symbol + "." + f.name, "  ")
            ftype = field_type(f, symbols)
            label = "" if ftype.startswith("map<") else (
                "repeated " if f.label == f.LABEL_REPEATED else "optional " if f.proto3_optional else "")
            out.append('  %s%s %s = %d [json_name = "%s"];' % (label, ftype, f.name, f.number, f.json_name))
    else:
        raise Failure("describe of a %s is not rendered here" % kind)
    out.append("}")
    return "\n".join(out)


def reflection_files(address, symbol, version="v1"):
    """The FileDescriptorProtos the server's reflection returns for a symbol."""
    run = subprocess.run(CURL + ["-d", json.dumps({"file_containing_symbol": symbol}),
                                 "http://%s/grpc.reflection.%s.ServerReflection/ServerReflectionInfo"
                                 % (address, version)], capture_output=True, text=True, timeout=60)
    expect(run.returncode == 0, "reflection request failed: " + run.stderr)
    answer = json.loads(run.stdout)
    expect("fileDescriptorResponse" in answer, "reflection does not know %s: %s" % (symbol, run.stdout))
    return [descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(b))
            for b in answer["fileDescriptorResponse"]["fileDescriptorProto"]]


# --- running the commands ----------------------------------------------------

def json_docs(text):
    """The JSON documents buf curl printed one after the other."""
    docs, decoder, i = [], json.JSONDecoder(), 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return docs
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)


def find_key(doc, name):
    if isinstance(doc, dict):
        if name in doc:
            return doc[name]
        doc = list(doc.values())
    if isinstance(doc, list):
        for item in doc:
            found = find_key(item, name)
            if found is not None:
                return found
    return None


def decode_details(error):
    details = {}
    for d in error.get("details", []):
        value = base64.b64decode(d["value"] + "=" * (-len(d["value"]) % 4))
        cls = {"google.rpc.ErrorInfo": error_details_pb2.ErrorInfo,
               "google.rpc.BadRequest": error_details_pb2.BadRequest,
               "google.rpc.RetryInfo": error_details_pb2.RetryInfo}.get(d["type"])
        if cls:
            details[d["type"]] = cls.FromString(value)
    return details


class Session:
    def __init__(self, address, tmp):
        self.address, self.tmp = address, tmp
        self.answers = []        # every JSON answer so far, newest last
        self.put_keys = []       # items written to "orders", in order
        self.streamed = []       # keys delivered by subscriptions so far
        self.records = {}        # Cognito Sync records written: key -> value
        self.listed_pages = []   # keys of the ListRecords pages of one record
        self.done = set()        # what the page covered
        self.schema = None       # descriptors built by `buf build`

    def substitute(self, data):
        def value(m):
            for doc in reversed(self.answers):
                found = find_key(doc, m.group(1))
                if isinstance(found, str) and found:
                    return found
            raise Failure("no earlier answer has %s" % m.group(1))
        return re.sub(r"<([A-Za-z]+)>", value, data)

    def run(self, argv):
        if argv[0] == "node_modules/.bin/buf":
            return self.buf_build(argv)
        expect(argv[0] == "grpcurl", "not a grpcurl command: %s" % argv)
        flags, args = parse_grpcurl(argv)
        if "-protoset" in flags:
            expect(args[0] == "describe" and len(args) == 2, "-protoset is used only to describe")
            return self.describe_protoset(flags["-protoset"], args[1])
        expect(flags.get("-plaintext"), "the server has no TLS: every call needs -plaintext")
        expect(args[0] == README_ADDRESS, "commands call %s" % README_ADDRESS)
        if args[1] == "list":
            return self.list(args[2] if len(args) > 2 else None)
        if args[1] == "describe":
            return self.describe_reflection(args[2])
        expect(len(args) == 2 and "-d" in flags, "an RPC needs -d and a method")
        return self.invoke(args[1], flags)

    def buf_build(self, argv):
        expect(argv[1:3] == ["build", "--as-file-descriptor-set"] and argv[3] == "-o",
               "unexpected buf command %s" % argv)
        out = os.path.join(self.tmp, os.path.basename(argv[4]))
        subprocess.run([BUF, "build", "--as-file-descriptor-set", "-o", out], cwd=ROOT, check=True)
        self.schema = {argv[4]: out}
        return "built " + out

    def describe_protoset(self, protoset, symbol):
        expect(self.schema and protoset in self.schema, "%s was not built by an earlier command" % protoset)
        with open(self.schema[protoset], "rb") as f:
            files = descriptor_pb2.FileDescriptorSet.FromString(f.read()).file
        symbols, comments = index(files)
        text = describe(symbol, symbols, comments)
        self.expect_comments(symbol, symbols, comments, text)
        self.done.add("describe -protoset")
        return text

    @staticmethod
    def expect_comments(symbol, symbols, comments, text):
        """Every member of what is described has its comment."""
        kind, desc = symbols[symbol]
        members = desc.field if kind == "message" else desc.method
        for m in members:
            expect(comments.get(symbol + "." + m.name), "%s.%s has no comment" % (symbol, m.name))
        expect(text.count("//") > len(members), "describe shows no comments")

    def list(self, service):
        if service is None:
            run = subprocess.run(CURL + ["--list-services", "http://" + self.address],
                                 capture_output=True, text=True, timeout=60, check=True)
            listed = run.stdout.split()
            for s in ("aws.cognitosync.v1.CognitoSyncService", "aws.personalize.v1.PersonalizeService",
                      "aws.dynamodb.v1.DynamoDbService", "aws.dynamodbstreams.v1.DynamoDbStreamsService",
                      "awsfacade.simulator.v1.SimulatorService", "grpc.health.v1.Health"):
                expect(s in listed, "list does not show " + s)
            self.done.add("list")
            return run.stdout
        run = subprocess.run(CURL + ["--list-methods", "http://" + self.address],
                             capture_output=True, text=True, timeout=60, check=True)
        # grpcurl prints Service.Method where buf curl prints Service/Method.
        methods = [m.replace("/", ".") for m in run.stdout.split() if m.startswith(service + "/")]
        symbols, _ = index(reflection_files(self.address, service))
        want = [service + "." + m.name for m in symbols[service][1].method]
        expect(sorted(methods) == sorted(want) and want, "list %s: %s, want %s" % (service, methods, want))
        self.done.add("list service")
        return "\n".join(methods)

    def describe_reflection(self, symbol):
        files = reflection_files(self.address, symbol)
        expect(files == reflection_files(self.address, symbol, "v1alpha"),
               "reflection v1 and v1alpha describe %s differently" % symbol)
        symbols, comments = index(files)
        text = describe(symbol, symbols, comments)
        self.expect_comments(symbol, symbols, comments, text)
        # Reflection must describe the symbol exactly as proto/ declares it.
        ref = os.path.join(self.tmp, "reference.binpb")
        subprocess.run([BUF, "build", "--as-file-descriptor-set", "--exclude-source-info", "-o", ref],
                       cwd=ROOT, check=True)
        with open(ref, "rb") as f:
            reference, _ = index(descriptor_pb2.FileDescriptorSet.FromString(f.read()).file)
        expect(reference[symbol][1] == symbols[symbol][1],
               "reflection describes %s differently from proto/" % symbol)
        self.done.add("describe")
        return text

    def invoke(self, method, flags):
        data = self.substitute(flags["-d"])
        json.loads(data)  # the page's JSON must be valid as written
        cmd = CURL + (["-v"] if flags.get("-vv") or flags.get("-v") else [])
        if "-max-time" in flags:
            cmd += ["--timeout", flags["-max-time"] + "s"]
        run = subprocess.run(cmd + ["-d", data, "http://%s/%s" % (self.address, method)],
                             capture_output=True, text=True, timeout=120)
        name = method.rsplit("/", 1)[1]
        if flags.get("-format-error"):
            expect(run.returncode != 0, "%s was expected to fail" % method)
            error = json.loads("\n".join(l for l in run.stderr.splitlines() if not l.startswith("buf: ")))
            details = decode_details(error)
            self.check_error(name, json.loads(data), error, details)
            self.done.add("error")
            return "%s\ndetails, decoded: %s" % (json.dumps(error, indent=2), "; ".join(
                "%s {%s}" % (k, " ".join(str(v).split())) for k, v in details.items()))
        expect(run.returncode == 0, "%s failed: %s" % (method, run.stderr))
        docs = json_docs(run.stdout)
        request = json.loads(data)
        check = getattr(self, "check_" + name, None)
        expect(check, "no check for %s: add one when adding a command to the page" % method)
        check(request, docs, run.stderr)
        self.answers.extend(docs)
        self.done.add(name)
        return run.stdout

    # --- answers ---------------------------------------------------------

    def check_CreateTable(self, request, docs, _):
        table = docs[0]["TableDescription"]
        expect(table["TableName"] == request["TableName"], "CreateTable: wrong table")
        expect(table["StreamSpecification"]["StreamEnabled"] is True, "CreateTable: no stream")
        expect(table["LatestStreamArn"].startswith("arn:aws:dynamodb:"), "CreateTable: no LatestStreamArn")

    def check_PutItem(self, request, docs, _):
        expect(docs == [{}], "PutItem: unexpected answer %s" % docs)
        self.put_keys.append(request["Item"]["pk"]["S"])

    def check_ListStreams(self, request, docs, _):
        streams = docs[0]["Streams"]
        expect([s["TableName"] for s in streams] == [request["TableName"]], "ListStreams: %s" % streams)

    def check_DescribeStream(self, request, docs, _):
        d = docs[0]["StreamDescription"]
        expect(d["StreamArn"] == request["StreamArn"] and d["StreamStatus"] == "ENABLED",
               "DescribeStream: %s" % d)
        expect(d["Shards"] and d["Shards"][0]["ShardId"].startswith("shardId-"), "DescribeStream: no shard")

    def check_GetShardIterator(self, _request, docs, _):
        expect(docs[0].get("ShardIterator"), "GetShardIterator: no ShardIterator")

    def check_GetRecords(self, _request, docs, _):
        records = docs[0].get("Records", [])
        keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in records]
        expect(keys == self.put_keys, "GetRecords: keys %s, written %s" % (keys, self.put_keys))
        expect(all(r["eventName"] == "INSERT" and r["dynamodb"]["NewImage"] for r in records),
               "GetRecords: not INSERT records with NewImage")
        expect(docs[0].get("NextShardIterator"), "GetRecords: the open shard has a NextShardIterator")

    def check_SubscribeToStream(self, request, docs, stderr):
        keys = [sub["Record"]["dynamodb"]["Keys"]["pk"]["S"]
                for doc in docs if "Records" in doc for sub in doc["Records"]["Records"]]
        position = request["StartingPosition"]["Type"]
        if position == "TRIM_HORIZON":
            want = self.put_keys
        else:
            expect(position == "CONTINUATION", "unexpected position " + position)
            want = [k for k in self.put_keys if k not in self.streamed]
            expect(want, "a resumed subscription should have a new record to deliver")
            self.done.add("resume")
        expect(keys == want, "SubscribeToStream from %s: %s, want %s" % (position, keys, want))
        expect(docs and all("ContinuationToken" in next(iter(d.values())) for d in docs),
               "SubscribeToStream: every event carries a ContinuationToken")
        if "buf: " in stderr:  # -vv: the trailer is visible
            expect(re.search(r"(?im)^buf: < .*awsfacade-continuation-token: \S+", stderr),
                   "no awsfacade-continuation-token trailer in -vv output")
        self.streamed += keys

    def check_ListRecords(self, request, docs, _):
        answer = docs[0]
        expect(answer.get("SyncSessionToken"), "ListRecords: no SyncSessionToken")
        keys = [r["Key"] for r in answer.get("Records", [])]
        if "MaxResults" not in request:
            expect(sorted(keys) == sorted(self.records), "ListRecords: %s, written %s" % (keys, self.records))
            return
        expect(len(keys) == request["MaxResults"], "ListRecords: %d records for MaxResults %d"
               % (len(keys), request["MaxResults"]))
        self.listed_pages.append(keys)
        listed = sum(self.listed_pages, [])
        more = len(listed) < len(self.records)
        expect(bool(answer.get("NextToken")) == more, "ListRecords: NextToken should say whether more follow")
        expect(len(set(listed)) == len(listed), "ListRecords: a record came twice across pages")
        if not more:
            expect(sorted(listed) == sorted(self.records), "ListRecords: pages miss records")

    def check_UpdateRecords(self, request, docs, _):
        written = {r["Key"]: (r.get("Value"), r["SyncCount"]) for r in docs[0]["Records"]}
        want = {p["Key"]: (p["Value"], "1") for p in request["RecordPatches"]}
        expect(written == want, "UpdateRecords: %s, want %s" % (written, want))
        self.records.update({k: v for k, (v, _) in written.items()})

    def check_CreateDatasetGroup(self, request, docs, _):
        expect(docs[0]["datasetGroupArn"].endswith(":dataset-group/" + request["name"]),
               "CreateDatasetGroup: %s" % docs)

    def check_CreateSchema(self, request, docs, _):
        expect(docs[0]["schemaArn"].endswith(":schema/" + request["name"]), "CreateSchema: %s" % docs)

    def check_AdvanceClock(self, _request, docs, _):
        expect(docs[0].get("now"), "AdvanceClock: no time in %s" % docs)

    def check_CreateDataset(self, request, docs, _):
        expect(docs[0]["datasetArn"].endswith(":dataset/shop/" + request["datasetType"].upper()),
               "CreateDataset: %s" % docs)

    def check_ListDatasets(self, request, docs, _):
        datasets = docs[0]["datasets"]
        created = [d for d in reversed(self.answers) if "datasetArn" in d][0]["datasetArn"]
        expect([(d["name"], d["datasetArn"]) for d in datasets] == [("shop-interactions", created)],
               "ListDatasets: %s" % datasets)

    def check_error(self, name, request, error, details):
        info = details.get("google.rpc.ErrorInfo")
        expect(info, "%s error has no ErrorInfo: %s" % (name, error))
        # grpcurl decodes details whose type reflection can resolve.
        for d in error["details"]:
            symbols, _ = index(reflection_files(self.address, d["type"]))
            expect(d["type"] in symbols, "reflection cannot resolve %s" % d["type"])
        if name == "ListRecords":
            expect(error["code"] == "invalid_argument", "ListRecords: code %s" % error["code"])
            expect(info.reason == "InvalidParameterException" and info.domain == "cognito-sync"
                   and info.metadata["field"] == "IdentityPoolId", "ListRecords: %s" % info)
            bad = details.get("google.rpc.BadRequest")
            expect(bad and bad.field_violations[0].field == "IdentityPoolId", "no BadRequest violation")
        elif name == "DescribeStream":
            expect(error["code"] == "not_found", "DescribeStream: code %s" % error["code"])
            expect(info.reason == "ResourceNotFoundException", "DescribeStream: %s" % info)
        else:
            raise Failure("no check for the %s error" % name)
        expect(request and error["message"], "an error names the AWS message")


def main():
    commands = readme_commands()
    with tempfile.TemporaryDirectory() as tmp, FacadeServer(SERVER_BIN) as server:
        session = Session(server.address, tmp)
        for text, argv in commands:
            print("$ " + text)
            try:
                out = session.run(argv)
            except Failure as e:
                sys.exit("FAIL: %s" % e)
            if "details, decoded" not in out:  # errors in full, answers cut short
                out = "\n".join(out.splitlines()[:12]) + ("\n  ..." if out.count("\n") > 12 else "")
            print(out)
        covered = {"list", "list service", "describe", "describe -protoset", "ListStreams", "DescribeStream",
                   "GetShardIterator", "GetRecords", "SubscribeToStream", "resume", "ListRecords", "UpdateRecords",
                   "ListDatasets", "error"}
        if not covered <= session.done:
            sys.exit("FAIL: docs/clients.md misses %s" % sorted(covered - session.done))
        code = server.stop()
    if code != 0:
        sys.exit("FAIL: server exited %d" % code)
    print("grpcurl docs/clients.md: %d commands run through buf curl, all checks passed" % len(commands))


if __name__ == "__main__":
    main()
