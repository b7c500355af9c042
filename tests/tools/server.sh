# Sourced by test scripts: start_server BIN [ARGS...] starts awsfacade-server
# on a free loopback port, sets ADDR, and stops it when the script exits.
start_server() {
  local bin=$1; shift
  SERVER_LOG=$(mktemp)
  "$bin" --listen=127.0.0.1:0 "$@" 2>"$SERVER_LOG" &
  SERVER_PID=$!
  trap 'kill $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null; rm -f "$SERVER_LOG"' EXIT
  for _ in $(seq 1 300); do
    if grep -q 'listening on port' "$SERVER_LOG"; then
      PORT=$(sed -n 's/.*listening on port \([0-9]*\).*/\1/p' "$SERVER_LOG" | head -1)
      ADDR=127.0.0.1:$PORT
      return 0
    fi
    kill -0 $SERVER_PID 2>/dev/null || break
    sleep 0.1
  done
  echo "server did not start:" >&2; cat "$SERVER_LOG" >&2
  return 1
}
