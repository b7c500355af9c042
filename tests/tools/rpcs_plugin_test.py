"""cmake/protoc-gen-awsfacade_rpcs: the X-macro lists it writes from a proto.

Runs protoc with the plugin on small protos written here and checks the
generated header: which list each RPC lands in, the macro names, the
namespace argument, empty lists, and the RPC shapes it refuses.

Usage: rpcs_plugin_test.py <protoc> <plugin>
"""

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

PROTOC, PLUGIN = sys.argv[1], sys.argv[2]

SHOP = textwrap.dedent("""\
    syntax = "proto3";
    package acme.shop.v1;

    message Position { string type = 1; string continuation_token = 2; }
    message GetCartRequest {}
    message GetCartResponse {}
    message PutCartRequest { optional string id = 1; }
    message PutCartResponse {}
    message PaginateCartsRequest {}
    message PaginateCartsResponse {}
    message SubscribeToCartRequest { Position starting_position = 1; }
    message SubscribeToCartResponse {}
    message TailCartRequest { string starting_position = 1; }
    message TailCartResponse {}

    service CartStoreService {
      rpc GetCart(GetCartRequest) returns (GetCartResponse);
      rpc PaginateCarts(PaginateCartsRequest) returns (stream PaginateCartsResponse);
      rpc PutCart(PutCartRequest) returns (PutCartResponse);
      rpc SubscribeToCart(SubscribeToCartRequest) returns (stream SubscribeToCartResponse);
      rpc TailCart(TailCartRequest) returns (stream TailCartResponse);
    }

    service Ping {
      rpc GetCart(GetCartRequest) returns (GetCartResponse);
    }
    """)


class RpcsPluginTest(unittest.TestCase):

    def run_plugin(self, name, text):
        """(returncode, stderr, generated header or None)."""
        temp = tempfile.TemporaryDirectory()
        self.addCleanup(temp.cleanup)
        work = temp.name
        os.makedirs(os.path.join(work, "in", os.path.dirname(name)), exist_ok=True)
        os.makedirs(os.path.join(work, "out"))
        with open(os.path.join(work, "in", name), "w") as f:
            f.write(text)
        done = subprocess.run(
            [PROTOC, "-I" + os.path.join(work, "in"),
             "--plugin=protoc-gen-awsfacade_rpcs=" + PLUGIN,
             "--awsfacade_rpcs_out=" + os.path.join(work, "out"), name],
            capture_output=True, text=True)
        header = os.path.join(work, "out", name[: -len(".proto")] + ".rpcs.pb.h")
        if not os.path.exists(header):
            return done.returncode, done.stderr, None
        with open(header) as f:
            return done.returncode, done.stderr, f.read()

    def macro(self, header, name):
        """The body of `#define name(X)` as a list of its X(...) entries."""
        lines = header.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("#define %s(X)" % name))
        entries = []
        line = lines[start]
        while line.rstrip().endswith("\\"):
            start += 1
            line = lines[start]
            entries.append(line.rstrip(" \\").strip())
        return entries

    def test_each_rpc_lands_in_its_list_in_proto_order(self):
        code, err, header = self.run_plugin("acme/shop/v1/shop.proto", SHOP)
        self.assertEqual(code, 0, err)
        self.assertEqual(self.macro(header, "AWSFACADE_CART_STORE_UNARY_RPCS"),
                         ["X(::acme::shop::v1, GetCart)", "X(::acme::shop::v1, PutCart)"])
        # A server stream whose request has a message field named
        # starting_position is a subscription; a string of that name is not.
        self.assertEqual(self.macro(header, "AWSFACADE_CART_STORE_STREAMING_RPCS"),
                         ["X(::acme::shop::v1, PaginateCarts)", "X(::acme::shop::v1, TailCart)"])
        self.assertEqual(self.macro(header, "AWSFACADE_CART_STORE_SUBSCRIPTION_RPCS"),
                         ["X(::acme::shop::v1, SubscribeToCart)"])

    def test_a_service_without_the_suffix_and_empty_lists(self):
        code, err, header = self.run_plugin("acme/shop/v1/shop.proto", SHOP)
        self.assertEqual(code, 0, err)
        self.assertEqual(self.macro(header, "AWSFACADE_PING_UNARY_RPCS"),
                         ["X(::acme::shop::v1, GetCart)"])
        self.assertEqual(self.macro(header, "AWSFACADE_PING_STREAMING_RPCS"), [])
        self.assertEqual(self.macro(header, "AWSFACADE_PING_SUBSCRIPTION_RPCS"), [])
        self.assertIn("#ifndef ACME_SHOP_V1_SHOP_RPCS_PB_H_", header)

    def test_a_file_without_services_still_gets_its_header(self):
        # CMake declares the header as an output of every proto.
        code, err, header = self.run_plugin(
            "acme/types.proto", 'syntax = "proto3";\npackage acme;\nmessage A {}\n')
        self.assertEqual(code, 0, err)
        self.assertIsNotNone(header)
        self.assertNotIn("#define AWSFACADE_", header)

    def test_a_client_stream_is_refused(self):
        code, err, header = self.run_plugin("acme/up.proto", textwrap.dedent("""\
            syntax = "proto3";
            package acme;
            message UploadRequest {}
            message UploadResponse {}
            service Up { rpc Upload(stream UploadRequest) returns (UploadResponse); }
            """))
        self.assertNotEqual(code, 0)
        self.assertIn("acme.Up/Upload: client streams", err)
        self.assertIsNone(header)

    def test_types_not_named_after_the_rpc_are_refused(self):
        code, err, _ = self.run_plugin("acme/named.proto", textwrap.dedent("""\
            syntax = "proto3";
            package acme;
            message In {}
            message GetResponse {}
            service Named { rpc Get(In) returns (GetResponse); }
            """))
        self.assertNotEqual(code, 0)
        self.assertIn("acme.Named/Get: types must be GetRequest / GetResponse", err)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
