#!/usr/bin/python3
"""Cognito Sync from Python: write records, then list them page by page.

Writes 25 records to a new dataset with UpdateRecords (which needs the
SyncSessionToken of a ListRecords call), then lists them with ListRecords,
10 per page, following NextToken until a page has none.

Run it with Debian's python3-grpcio and stubs from scripts/gen-stubs.sh:

    scripts/gen-stubs.sh
    PYTHONPATH=build/gen-stubs/python /usr/bin/python3 examples/python/list_records.py 127.0.0.1:50051
"""
import sys
import time

import grpc

from aws.cognitosync.v1 import cognitosync_pb2 as cs
from aws.cognitosync.v1 import cognitosync_pb2_grpc as cs_grpc

IDENTITY_POOL_ID = "us-east-1:0000aaaa-bbbb-cccc-dddd-eeeeffff0000"
IDENTITY_ID = "us-east-1:1111aaaa-bbbb-cccc-dddd-eeeeffff1111"
RECORD_COUNT = 25
PAGE_SIZE = 10


def main(address):
    # A new dataset on every run, so the example can run again on one server.
    dataset = "example-%d" % time.time_ns()
    where = dict(identity_pool_id=IDENTITY_POOL_ID, identity_id=IDENTITY_ID,
                 dataset_name=dataset)
    with grpc.insecure_channel(address) as channel:
        sync = cs_grpc.CognitoSyncServiceStub(channel)

        # 1. UpdateRecords needs the SyncSessionToken of a ListRecords call.
        #    The dataset does not exist yet: that is not an error.
        first = sync.ListRecords(cs.ListRecordsRequest(**where), timeout=10)
        print("dataset %s exists: %s" % (dataset, first.dataset_exists))

        # 2. Write the records in one atomic call. SyncCount 0 = a new key.
        patches = [cs.RecordPatch(op="replace", key="record-%02d" % i,
                                  value="value %d" % i, sync_count=0)
                   for i in range(RECORD_COUNT)]
        written = sync.UpdateRecords(
            cs.UpdateRecordsRequest(**where, device_id="example-device",
                                    record_patches=patches,
                                    sync_session_token=first.sync_session_token),
            timeout=10)
        print("wrote %d records" % len(written.records))

        # 3. List them, one page per call, following NextToken.
        next_token, pages, total = "", 0, 0
        while True:
            page = sync.ListRecords(
                cs.ListRecordsRequest(**where, max_results=PAGE_SIZE, next_token=next_token),
                timeout=10)
            pages += 1
            total += len(page.records)
            print("page %d: %d records%s" % (pages, len(page.records),
                                             ", more follow" if page.next_token else ", last page"))
            for record in page.records:
                print("  %s = %s (SyncCount %d)" % (record.key, record.value, record.sync_count))
            if not page.next_token:
                break
            next_token = page.next_token
        print("listed %d records in %d pages (dataset %s)" % (total, pages, dataset))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051")
