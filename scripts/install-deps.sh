#!/usr/bin/env bash
# Installs the Debian and npm packages the project needs, and nothing else.
# Idempotent: when everything is present it only checks (about a second).
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(
  cmake g++ make ninja-build pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev grpc-proto
  libre2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  openssl libssl-dev libcurl4-openssl-dev libsimdjson-dev rapidjson-dev nlohmann-json3-dev
  zlib1g-dev  # CRC-32 of the simulator's journal frames (--state_dir)
  golang-github-gogo-googleapis-dev
  # Metrics: prometheus-cpp (registry, text format) and its civetweb exposer.
  prometheus-cpp-dev
  python3-grpcio python3-protobuf python3-yaml
  nghttp2-client
  # The AWS CLI v2, a client of the AWS wire endpoint (tests/integration/aws_wire_cli_test.py).
  awscli
  # The checks of scripts/test.sh: clang-16's thread-safety analysis and
  # sanitizers (with their runtimes and llvm-symbolizer for the reports),
  # clang-format-14 for .clang-format.
  clang-16 libclang-rt-16-dev llvm-16 clang-format-14
  # The HTTP/2 proxy the deployment puts in front of the server (deploy/proxy,
  # tests/deploy/proxy_rapid_reset_test.py): Debian's nginx, patched against
  # Rapid Reset (CVE-2023-44487), which Debian's gRPC 1.51 is not.
  nginx
  # Client stubs for other languages (buf.gen.yaml) and their compile checks.
  protoc-gen-go protoc-gen-go-grpc golang-go golang-google-protobuf-dev golang-google-grpc-dev
  # grpc-go's codec goes through golang/protobuf: 1.5 wraps the APIv2 messages
  # protoc-gen-go writes; 1.3 (the other choice) panics on them at run time.
  golang-github-golang-protobuf-1-5-dev
  protobuf-compiler-grpc-java-plugin openjdk-17-jdk-headless libprotobuf-java libgrpc-java
  libgeronimo-annotation-1.3-spec-java libnetty-java libperfmark-java libgoogle-gson-java
)
# Node and npm: the image's nodejs package bundles npm; Debian splits them.
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  DEB_PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "install-deps: installing Debian packages: ${missing[*]}" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# npm test tools (buf, grpc-js), pinned in package.json / package-lock.json.
if [ "${1:-}" != "--no-npm" ]; then
  if [ ! -x node_modules/.bin/buf ] || [ ! -d node_modules/@grpc/grpc-js ] ||
     [ ! -x node_modules/.bin/protoc-gen-ts_proto ] ||
     [ ! -d node_modules/@aws-sdk/client-dynamodb ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "install-deps: installing npm test tools" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
fi
