// A Go client built from the generated stubs (scripts/gen-stubs.sh) against a
// real server: run by tests/tools/stubs_test.sh, which checks what it prints.
// Cognito Sync: ListRecords (a new dataset, for its SyncSessionToken),
// UpdateRecords with one record, ListRecords again.
//
// usage: list_records ADDRESS
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	cognitosyncv1 "github.com/aws-grpc-facade/gen/go/aws/cognitosync/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

func main() {
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(address string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Debian's grpc-go 1.33 predates credentials/insecure.
	conn, err := grpc.DialContext(ctx, address, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		return err
	}
	defer conn.Close()
	client := cognitosyncv1.NewCognitoSyncServiceClient(conn)
	dataset := &cognitosyncv1.ListRecordsRequest{
		IdentityPoolId: "us-east-1:0000aaaa-bbbb-cccc-dddd-eeeeffff0000",
		IdentityId:     "us-east-1:1111aaaa-bbbb-cccc-dddd-eeeeffff1111",
		DatasetName:    "go-client",
	}
	first, err := client.ListRecords(ctx, dataset)
	if err != nil {
		return err
	}
	fmt.Printf("ListRecords: DatasetExists=%v SyncSessionToken=%v\n",
		first.GetDatasetExists(), first.GetSyncSessionToken() != "")
	updated, err := client.UpdateRecords(ctx, &cognitosyncv1.UpdateRecordsRequest{
		IdentityPoolId:   dataset.IdentityPoolId,
		IdentityId:       dataset.IdentityId,
		DatasetName:      dataset.DatasetName,
		DeviceId:         "go",
		SyncSessionToken: first.GetSyncSessionToken(),
		RecordPatches: []*cognitosyncv1.RecordPatch{
			{Op: "replace", Key: "theme", Value: proto.String("dark"), SyncCount: proto.Int64(0)},
		},
	})
	if err != nil {
		return err
	}
	for _, r := range updated.GetRecords() {
		fmt.Printf("UpdateRecords: %s=%s SyncCount=%d\n", r.GetKey(), r.GetValue(), r.GetSyncCount())
	}
	again, err := client.ListRecords(ctx, dataset)
	if err != nil {
		return err
	}
	fmt.Printf("ListRecords: DatasetExists=%v Count=%d\n", again.GetDatasetExists(), again.GetCount())
	return nil
}
