#ifndef AWSFACADE_TESTS_SERVICE_MOCK_BACKENDS_H_
#define AWSFACADE_TESTS_SERVICE_MOCK_BACKENDS_H_

#include "backends/cognito_sync_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "backends/personalize_backend.h"
#include "gmock/gmock.h"

namespace awsfacade::testing {

namespace cs = ::aws::cognitosync::v1;
namespace pz = ::aws::personalize::v1;
namespace ds = ::aws::dynamodbstreams::v1;

class MockCognitoSyncBackend : public backends::CognitoSyncBackend {
 public:
  MOCK_METHOD(absl::StatusOr<cs::ListRecordsResponse>, ListRecords, (const cs::ListRecordsRequest&),
              (override));
  MOCK_METHOD(absl::StatusOr<cs::UpdateRecordsResponse>, UpdateRecords,
              (const cs::UpdateRecordsRequest&), (override));
  MOCK_METHOD(absl::StatusOr<cs::ListDatasetsResponse>, ListDatasets,
              (const cs::ListDatasetsRequest&), (override));
  MOCK_METHOD(absl::StatusOr<cs::DescribeDatasetResponse>, DescribeDataset,
              (const cs::DescribeDatasetRequest&), (override));
  MOCK_METHOD(absl::StatusOr<cs::DeleteDatasetResponse>, DeleteDataset,
              (const cs::DeleteDatasetRequest&), (override));
};

class MockPersonalizeBackend : public backends::PersonalizeBackend {
 public:
#define AWSFACADE_MOCK_PZ(Op) \
  MOCK_METHOD(absl::StatusOr<pz::Op##Response>, Op, (const pz::Op##Request&), (override));
  AWSFACADE_MOCK_PZ(CreateDatasetGroup)
  AWSFACADE_MOCK_PZ(DescribeDatasetGroup)
  AWSFACADE_MOCK_PZ(ListDatasetGroups)
  AWSFACADE_MOCK_PZ(DeleteDatasetGroup)
  AWSFACADE_MOCK_PZ(CreateSchema)
  AWSFACADE_MOCK_PZ(DescribeSchema)
  AWSFACADE_MOCK_PZ(ListSchemas)
  AWSFACADE_MOCK_PZ(DeleteSchema)
  AWSFACADE_MOCK_PZ(CreateDataset)
  AWSFACADE_MOCK_PZ(DescribeDataset)
  AWSFACADE_MOCK_PZ(ListDatasets)
  AWSFACADE_MOCK_PZ(DeleteDataset)
#undef AWSFACADE_MOCK_PZ
};

class MockDynamoDbStreamsBackend : public backends::DynamoDbStreamsBackend {
 public:
  MOCK_METHOD(absl::StatusOr<ds::ListStreamsResponse>, ListStreams, (const ds::ListStreamsRequest&),
              (override));
  MOCK_METHOD(absl::StatusOr<ds::DescribeStreamResponse>, DescribeStream,
              (const ds::DescribeStreamRequest&), (override));
  MOCK_METHOD(absl::StatusOr<ds::GetShardIteratorResponse>, GetShardIterator,
              (const ds::GetShardIteratorRequest&), (override));
  MOCK_METHOD(absl::StatusOr<ds::GetRecordsResponse>, GetRecords, (const ds::GetRecordsRequest&),
              (override));
};

}  // namespace awsfacade::testing

#endif  // AWSFACADE_TESTS_SERVICE_MOCK_BACKENDS_H_
