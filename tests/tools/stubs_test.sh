#!/usr/bin/env bash
# Client stubs from buf.gen.yaml (issue 6 §3, issue 18 §5).
#   stubs_test.sh generate OUT   scripts/gen-stubs.sh into OUT; every client
#                                proto has its files in every language
#   stubs_test.sh python|go|java|ts OUT SERVER_BIN
#                                the generated code imports / compiles, and
#                                a client built on it calls a real server
#                                (stubs_usage/; Python: examples/python).
#                                Go: GOPATH mode and modules (offline, on
#                                Debian's sources); Python: the AWS error name
#                                through google.rpc from OUT alone;
#                                TypeScript: requests as plain literals
set -euo pipefail
STEP=$1 OUT=$2 SERVER_BIN=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }

# Runs a client from stubs_usage/ (COMMAND... ADDRESS) against a server of its
# own and checks what it printed: a new dataset, one record written, then the
# dataset with that record.
check_usage() {
  source "$HERE/server.sh"
  start_server "$SERVER_BIN"
  local out
  out=$("$@" "$ADDR") || fail "the client failed: $out"
  echo "$out"
  [ "$out" = "ListRecords: DatasetExists=false SyncSessionToken=true
UpdateRecords: theme=dark SyncCount=1
ListRecords: DatasetExists=true Count=1" ] || fail "unexpected client output"
}

# The protos a client gets (buf.gen.yaml leaves out the bench service), and
# the services one declares.
protos() { (cd "$ROOT/proto" && find aws awsfacade/simulator -name '*.proto' | sort); }
services() { sed -n 's/^service \([A-Za-z0-9]*\) {.*/\1/p' "$ROOT/proto/$1"; }

generate() {
  "$ROOT/scripts/gen-stubs.sh" "$OUT"
  local n=0 p base svc
  for p in $(protos); do
    base=${p%.proto}
    for f in python/${base}_pb2.py python/${base}_pb2.pyi python/${base}_pb2_grpc.py \
             go/${base}.pb.go ts/${base}.ts; do
      [ -s "$OUT/$f" ] || fail "$f was not generated"
    done
    for svc in $(services "$p"); do
      grep -q "^class ${svc}Stub" "$OUT/python/${base}_pb2_grpc.py" || fail "no Python ${svc}Stub"
      [ -s "$OUT/go/${base}_grpc.pb.go" ] || fail "no Go gRPC file for $p"
      grep -q "func New${svc}Client" "$OUT/go/${base}_grpc.pb.go" || fail "no Go New${svc}Client"
      [ -n "$(find "$OUT/java" -name "${svc}Grpc.java")" ] || fail "no Java ${svc}Grpc"
      grep -q "export const ${svc}Client = makeGenericClientConstructor" "$OUT/ts/${base}.ts" \
        || fail "no grpc-js ${svc}Client in ts/${base}.ts"
      n=$((n + 1))
    done
  done
  ((n >= 5)) || fail "only $n services found in proto/"
  # Beside the stubs: google.rpc for Python, a Go module (issue 18 §5).
  for f in python/google/rpc/status_pb2.py python/google/rpc/error_details_pb2.py go/go.mod; do
    [ -s "$OUT/$f" ] || fail "$f was not generated"
  done
  echo "generated stubs for $(protos | wc -l) protos, $n services, in python go java ts"
}

python_step() {
  PYTHONPATH=$OUT/python /usr/bin/python3 - $(protos) <<'PY'
import importlib, sys
count = 0
for proto in sys.argv[1:]:
    name = proto[:-len(".proto")].replace("/", ".")
    pb2 = importlib.import_module(name + "_pb2")
    grpc_mod = importlib.import_module(name + "_pb2_grpc")
    for service in pb2.DESCRIPTOR.services_by_name:
        stub = getattr(grpc_mod, service + "Stub")
        count += 1
        print("python:", name, stub.__name__)
assert count >= 5, count
PY
  # As docs/clients.md runs it: the Python example on these stubs.
  source "$HERE/server.sh"
  start_server "$SERVER_BIN"
  local out
  out=$(PYTHONPATH=$OUT/python /usr/bin/python3 "$ROOT/examples/python/list_records.py" "$ADDR") \
    || fail "examples/python/list_records.py failed on the generated stubs"
  grep -x 'listed 25 records in 3 pages (dataset example-[0-9]*)' <<<"$out" \
    || fail "examples/python/list_records.py: $out"
  # The AWS error name of failed calls, with google.rpc from the same stubs
  # (examples/python/aws_errors.py, as a module and as a script).
  /usr/bin/python3 "$HERE/stubs_usage/aws_errors_test.py" "$OUT/python" "$ADDR" \
    || fail "examples/python/aws_errors.py on the generated stubs"
  out=$(PYTHONPATH=$OUT/python /usr/bin/python3 "$ROOT/examples/python/aws_errors.py" "$ADDR") \
    || fail "examples/python/aws_errors.py failed: $out"
  grep -x 'GetItem failed: NOT_FOUND ResourceNotFoundException' <<<"$out" \
    || fail "examples/python/aws_errors.py: $out"
}

# Go modules offline: every module the stubs' dependency graph names is
# replaced by a directory. Debian's golang-*-dev packages have the source
# (and go.mod) of those whose packages are built; the rest are only named by
# the go.mod files of grpc-go 1.33 and its dependencies (xDS, lint and test
# tools), so an empty module stands in for each. Prints replace directives.
GO_GRAPH_MODULES=(
  google.golang.org/grpc google.golang.org/protobuf github.com/golang/protobuf google.golang.org/genproto
  golang.org/x/net golang.org/x/sys golang.org/x/text golang.org/x/oauth2 github.com/google/go-cmp
  github.com/cncf/udpa/go github.com/envoyproxy/go-control-plane github.com/golang/glog github.com/google/uuid
  golang.org/x/term golang.org/x/lint golang.org/x/tools golang.org/x/mod honnef.co/go/tools
  cloud.google.com/go/compute/metadata google.golang.org/appengine
)
offline_go_replaces() {
  local empty=$1 m
  echo "replace ("
  for m in "${GO_GRAPH_MODULES[@]}"; do
    if [ -f "/usr/share/gocode/src/$m/go.mod" ]; then
      echo "	$m => /usr/share/gocode/src/$m"
    else
      mkdir -p "$empty/$m"
      echo "module $m" >"$empty/$m/go.mod"
      echo "	$m => $empty/$m"
    fi
  done
  echo ")"
}

go_step() {
  command -v go >/dev/null || skip "go is not installed (scripts/install-deps.sh installs golang-go)"
  [ -s "$OUT/go/go.mod" ] || fail "no go.mod in $OUT/go"
  export GOFLAGS= GOPROXY=off GOSUMDB=off GOCACHE=$OUT/../go-cache

  # 1. GOPATH mode against Debian's Go libraries: the stubs go under their
  #    go_package import path.
  local gopath=$OUT/../go-path
  rm -rf "$gopath"
  mkdir -p "$gopath/src/github.com/aws-grpc-facade/gen"
  ln -s "$OUT/go" "$gopath/src/github.com/aws-grpc-facade/gen/go"
  (
    cd "$gopath/src/github.com/aws-grpc-facade/gen/go"
    export GO111MODULE=off GOPATH=$gopath:/usr/share/gocode
    go build ./...
    go vet ./...
    echo "go (GOPATH): built and vetted $(find . -name '*.go' | wc -l) files"
    mkdir -p "$gopath/src/stubsusage"
    cp "$HERE/stubs_usage/list_records.go" "$gopath/src/stubsusage/"
    cd "$gopath/src/stubsusage" && go vet . && go build -o "$gopath/list_records" .
  )
  (check_usage "$gopath/list_records")

  # 2. Modules: the generated go.mod as it is (a workspace supplies the
  #    offline replacements), then a program of its own module that requires
  #    the stubs' module with a replace directive, as docs/clients.md shows.
  local mods=$OUT/../go-modules
  rm -rf "$mods"
  mkdir -p "$mods/consumer"
  { printf 'go 1.19\n\nuse %s\n\n' "$OUT/go"; offline_go_replaces "$mods/empty"; } >"$mods/go.work"
  cp "$OUT/go/go.mod" "$mods/go.mod.generated"
  (
    cd "$OUT/go"
    export GO111MODULE=on GOPATH=$mods/gopath GOWORK=$mods/go.work
    go build ./...
    go vet ./...
    cmp -s go.mod "$mods/go.mod.generated" || fail "building the stubs changed their go.mod"
    echo "go (modules): built and vetted module $(go list -m)"
  )
  cp "$HERE/stubs_usage/list_records.go" "$mods/consumer/"
  {
    printf 'module example.com/consumer\n\ngo 1.17\n\n'
    printf 'require github.com/aws-grpc-facade/gen/go v0.0.0\n\n'
    printf 'replace github.com/aws-grpc-facade/gen/go => %s\n\n' "$OUT/go"
    offline_go_replaces "$mods/empty"
  } >"$mods/consumer/go.mod"
  (
    cd "$mods/consumer"
    export GO111MODULE=on GOPATH=$mods/gopath GOWORK=off
    go mod tidy
    go vet .
    go build -o "$mods/list_records" .
    echo "go (modules): built a program requiring $(go list -m github.com/aws-grpc-facade/gen/go)"
  )
  (check_usage "$mods/list_records")
}

java_step() {
  command -v javac >/dev/null || skip "javac is not installed (openjdk-17-jdk-headless)"
  local cp=() run_cp=() jar
  # libprotobuf-java, libgrpc-java (+ guava, jsr305), and javax.annotation.Generated
  # (libgeronimo-annotation-1.3-spec-java), which grpc-java 1.41's output names;
  # to run a client, grpc-netty and its dependencies too.
  for jar in protobuf grpc-api grpc-stub grpc-protobuf grpc-protobuf-lite guava jsr305 \
             geronimo-annotation-1.3-spec; do
    [ -f "/usr/share/java/$jar.jar" ] || skip "/usr/share/java/$jar.jar missing (scripts/install-deps.sh)"
    cp+=("/usr/share/java/$jar.jar")
  done
  for jar in grpc-core grpc-context grpc-netty netty-buffer netty-codec netty-codec-http netty-codec-http2 \
             netty-common netty-handler netty-resolver netty-transport perfmark-api gson; do
    [ -f "/usr/share/java/$jar.jar" ] || skip "/usr/share/java/$jar.jar missing (scripts/install-deps.sh)"
    run_cp+=("/usr/share/java/$jar.jar")
  done
  local classes=$OUT/../java-classes
  rm -rf "$classes"
  mkdir -p "$classes"
  find "$OUT/java" -name '*.java' >"$classes.list"
  echo "$HERE/stubs_usage/ListRecords.java" >>"$classes.list"
  local IFS=:
  javac -nowarn -d "$classes" -cp "${cp[*]}" "@$classes.list"
  echo "java: compiled $(wc -l <"$classes.list") files into $(find "$classes" -name '*.class' | wc -l) classes"
  unset IFS
  check_usage java -cp "$classes:$(IFS=:; echo "${cp[*]}:${run_cp[*]}")" ListRecords
}

ts_step() {
  [ -x "$ROOT/node_modules/.bin/tsc" ] || skip "typescript is not installed (npm ci)"
  # The generated code imports @grpc/grpc-js and @bufbuild/protobuf.
  ln -sfn "$ROOT/node_modules" "$OUT/ts/node_modules"
  mkdir -p "$OUT/ts/usage"
  cp "$HERE/stubs_usage/list_records.ts" "$HERE/stubs_usage/plain_literals.ts" "$OUT/ts/usage/"
  cat >"$OUT/ts/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "strict": true, "target": "ES2020", "module": "commonjs", "moduleResolution": "node",
    "esModuleInterop": true, "skipLibCheck": true, "types": ["node"], "outDir": "dist"
  },
  "include": ["**/*.ts"],
  "exclude": ["node_modules", "dist"]
}
JSON
  "$ROOT/node_modules/.bin/tsc" -p "$OUT/ts"
  echo "ts: tsc (strict) passed on $(find "$OUT/ts" -name '*.ts' -not -path '*/node_modules/*' | wc -l) files"
  (check_usage node "$OUT/ts/dist/usage/list_records.js")
  # Requests as plain object literals: nothing left out is sent as "undefined".
  source "$HERE/server.sh"
  start_server "$SERVER_BIN"
  local out
  out=$(node "$OUT/ts/dist/usage/plain_literals.js" "$ADDR") || fail "plain_literals failed: $out"
  echo "$out"
  [ "$out" = 'encode: 3 literals, no "undefined" on the wire
ListRecords: DatasetExists=false Records=0
GetItem: NOT_FOUND ResourceNotFoundException' ] || fail "unexpected plain_literals output"
}

case $STEP in
  generate) generate ;;
  python) python_step ;;
  go) go_step ;;
  java) java_step ;;
  ts) ts_step ;;
  *) fail "unknown step $STEP" ;;
esac
