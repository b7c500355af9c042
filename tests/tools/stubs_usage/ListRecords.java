// A Java client built from the generated stubs (scripts/gen-stubs.sh) against
// a real server: compiled and run by tests/tools/stubs_test.sh, which checks
// what it prints. Cognito Sync: ListRecords (a new dataset, for its
// SyncSessionToken), UpdateRecords with one record, ListRecords again.
//
// usage: java ListRecords ADDRESS
import com.awsgrpcfacade.aws.cognitosync.v1.CognitoSyncServiceGrpc;
import com.awsgrpcfacade.aws.cognitosync.v1.ListRecordsRequest;
import com.awsgrpcfacade.aws.cognitosync.v1.ListRecordsResponse;
import com.awsgrpcfacade.aws.cognitosync.v1.Record;
import com.awsgrpcfacade.aws.cognitosync.v1.RecordPatch;
import com.awsgrpcfacade.aws.cognitosync.v1.UpdateRecordsRequest;
import com.awsgrpcfacade.aws.cognitosync.v1.UpdateRecordsResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.TimeUnit;

public final class ListRecords {
  public static void main(String[] args) throws InterruptedException {
    ManagedChannel channel = ManagedChannelBuilder.forTarget(args[0]).usePlaintext().build();
    try {
      CognitoSyncServiceGrpc.CognitoSyncServiceBlockingStub sync =
          CognitoSyncServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
      ListRecordsRequest dataset = ListRecordsRequest.newBuilder()
          .setIdentityPoolId("us-east-1:0000aaaa-bbbb-cccc-dddd-eeeeffff0000")
          .setIdentityId("us-east-1:1111aaaa-bbbb-cccc-dddd-eeeeffff1111")
          .setDatasetName("java-client")
          .build();
      ListRecordsResponse first = sync.listRecords(dataset);
      System.out.printf("ListRecords: DatasetExists=%b SyncSessionToken=%b%n",
          first.getDatasetExists(), !first.getSyncSessionToken().isEmpty());
      UpdateRecordsResponse updated = sync.updateRecords(UpdateRecordsRequest.newBuilder()
          .setIdentityPoolId(dataset.getIdentityPoolId())
          .setIdentityId(dataset.getIdentityId())
          .setDatasetName(dataset.getDatasetName())
          .setDeviceId("java")
          .setSyncSessionToken(first.getSyncSessionToken())
          .addRecordPatches(RecordPatch.newBuilder()
              .setOp("replace").setKey("theme").setValue("dark").setSyncCount(0))
          .build());
      for (Record r : updated.getRecordsList()) {
        System.out.printf("UpdateRecords: %s=%s SyncCount=%d%n", r.getKey(), r.getValue(), r.getSyncCount());
      }
      ListRecordsResponse again = sync.listRecords(dataset);
      System.out.printf("ListRecords: DatasetExists=%b Count=%d%n", again.getDatasetExists(), again.getCount());
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
