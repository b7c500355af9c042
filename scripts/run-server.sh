#!/usr/bin/env bash
# README command 1: install what is missing (Debian and npm packages), build the
# server, the awsfacade CLI and the health check, and run awsfacade-server on
# the in-memory simulator (127.0.0.1:50051 unless flags say otherwise). Once it
# answers health checks, prints what to try next. Extra arguments go to the
# server, e.g. --listen=0.0.0.0:50051. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
TARGETS="awsfacade-server awsfacade awsfacade-healthcheck" scripts/build.sh

listen=127.0.0.1:50051
for arg in "$@"; do
  case "$arg" in --listen=*) listen=${arg#--listen=} ;; esac
done

build/service/awsfacade-server --backend=simulator "$@" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null' INT TERM

# The next steps, once the server answers (a fixed port only: port 0 is
# chosen by the server and logged).
if [[ "$listen" != *:0 ]]; then
  address=${listen/0.0.0.0/127.0.0.1}
  for _ in $(seq 1 100); do
    if build/deploy/healthcheck/awsfacade-healthcheck --addr="$address" --timeout=1s 2>/dev/null; then
      cat >&2 <<NEXT

awsfacade-server is serving the simulator on $address. Next, in another shell:
  build/client/cli/awsfacade --endpoint $address dynamodb create-table --table-name orders \\
      --attribute-definitions '[{"AttributeName":"pk","AttributeType":"S"}]' \\
      --key-schema '[{"AttributeName":"pk","KeyType":"HASH"}]' --billing-mode PAY_PER_REQUEST \\
      --stream-specification '{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}'
  build/client/cli/awsfacade --endpoint $address dynamodbstreams tail --table-name orders   # and in a third:
  build/client/cli/awsfacade --endpoint $address dynamodb put-item --table-name orders --item '{"pk":{"S":"a"}}'
  build/client/cli/awsfacade --help                      # every service and operation
  node_modules/.bin/buf curl --protocol grpc --http2-prior-knowledge --list-methods http://$address
  scripts/gen-stubs.sh                                   # Python, Go, Java and TypeScript stubs
NEXT
      break
    fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
fi
status=0
wait "$server" || status=$?
# A signal interrupted the wait (status 128+N): wait for the server's own
# graceful stop and exit with its status (0 after SIGINT or SIGTERM).
if ((status > 128)); then
  status=0
  wait "$server" || status=$?
fi
exit "$status"
