#ifndef AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_JOURNALED_BACKENDS_H_
#define AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_JOURNALED_BACKENDS_H_

#include <functional>
#include <memory>
#include <utility>

#include "backends/cognito_sync_backend.h"
#include "backends/dynamodb_backend.h"
#include "backends/dynamodb_streams_backend.h"
#include "backends/personalize_backend.h"
#include "backends/simulator/persistence/state_keeper.h"

namespace awsfacade::backends::simulator {

// Decorators that put every call of a simulator through its StateKeeper:
// state-changing calls are journaled (and registered for replay, against
// the simulator itself, from the same line), the others read beside each
// other. They sit directly on the simulators, inside fault injection, so an
// injected fault is never journaled.
#define AWSFACADE_JOURNALED_WRITE(ns, Op)                                               \
 public:                                                                                \
  absl::StatusOr<ns::Op##Response> Op(const ns::Op##Request& request) override {        \
    return keeper_->Write(kService, #Op, request, [&] { return child_->Op(request); }); \
  }                                                                                     \
                                                                                        \
 private:                                                                               \
  const bool replays_##Op##_ = keeper_->RegisterReplay<ns::Op##Request>(                \
      kService, #Op,                                                                    \
      [child = child_](const ns::Op##Request& r) { return child->Op(r).status(); });

#define AWSFACADE_JOURNALED_READ(ns, Op)                                         \
 public:                                                                         \
  absl::StatusOr<ns::Op##Response> Op(const ns::Op##Request& request) override { \
    return keeper_->Read([&] { return child_->Op(request); });                   \
  }

#define AWSFACADE_JOURNALED_MEMBERS(Class, Interface)                          \
 public:                                                                       \
  Class(std::shared_ptr<Interface> child, std::shared_ptr<StateKeeper> keeper) \
      : child_(std::move(child)), keeper_(std::move(keeper)) {}                \
                                                                               \
 private:                                                                      \
  std::shared_ptr<Interface> child_;                                           \
  std::shared_ptr<StateKeeper> keeper_;

class JournaledCognitoSync final : public CognitoSyncBackend {
  AWSFACADE_JOURNALED_MEMBERS(JournaledCognitoSync, CognitoSyncBackend)
  static constexpr char kService[] = "cognitosync";
  AWSFACADE_JOURNALED_READ(::aws::cognitosync::v1, ListRecords)
  AWSFACADE_JOURNALED_WRITE(::aws::cognitosync::v1, UpdateRecords)
  AWSFACADE_JOURNALED_READ(::aws::cognitosync::v1, ListDatasets)
  AWSFACADE_JOURNALED_READ(::aws::cognitosync::v1, DescribeDataset)
  AWSFACADE_JOURNALED_WRITE(::aws::cognitosync::v1, DeleteDataset)
};

class JournaledPersonalize final : public PersonalizeBackend {
  AWSFACADE_JOURNALED_MEMBERS(JournaledPersonalize, PersonalizeBackend)
  static constexpr char kService[] = "personalize";
  AWSFACADE_JOURNALED_WRITE(::aws::personalize::v1, CreateDatasetGroup)
  AWSFACADE_JOURNALED_READ(::aws::personalize::v1, DescribeDatasetGroup)
  AWSFACADE_JOURNALED_READ(::aws::personalize::v1, ListDatasetGroups)
  AWSFACADE_JOURNALED_WRITE(::aws::personalize::v1, DeleteDatasetGroup)
  AWSFACADE_JOURNALED_WRITE(::aws::personalize::v1, CreateSchema)
  AWSFACADE_JOURNALED_READ(::aws::personalize::v1, DescribeSchema)
  AWSFACADE_JOURNALED_READ(::aws::personalize::v1, ListSchemas)
  AWSFACADE_JOURNALED_WRITE(::aws::personalize::v1, DeleteSchema)
  AWSFACADE_JOURNALED_WRITE(::aws::personalize::v1, CreateDataset)
  AWSFACADE_JOURNALED_READ(::aws::personalize::v1, DescribeDataset)
  AWSFACADE_JOURNALED_READ(::aws::personalize::v1, ListDatasets)
  AWSFACADE_JOURNALED_WRITE(::aws::personalize::v1, DeleteDataset)
};

class JournaledDynamoDb final : public DynamoDbBackend {
  AWSFACADE_JOURNALED_MEMBERS(JournaledDynamoDb, DynamoDbBackend)
  static constexpr char kService[] = "dynamodb";
  AWSFACADE_JOURNALED_WRITE(::aws::dynamodb::v1, CreateTable)
  AWSFACADE_JOURNALED_READ(::aws::dynamodb::v1, DescribeTable)
  AWSFACADE_JOURNALED_WRITE(::aws::dynamodb::v1, UpdateTable)
  AWSFACADE_JOURNALED_WRITE(::aws::dynamodb::v1, DeleteTable)
  AWSFACADE_JOURNALED_WRITE(::aws::dynamodb::v1, PutItem)
  AWSFACADE_JOURNALED_READ(::aws::dynamodb::v1, GetItem)
  AWSFACADE_JOURNALED_WRITE(::aws::dynamodb::v1, DeleteItem)
  AWSFACADE_JOURNALED_WRITE(::aws::dynamodb::v1, UpdateItem)
  AWSFACADE_JOURNALED_WRITE(::aws::dynamodb::v1, UpdateTimeToLive)
  AWSFACADE_JOURNALED_READ(::aws::dynamodb::v1, DescribeTimeToLive)
};

class JournaledDynamoDbStreams final : public DynamoDbStreamsBackend {
  AWSFACADE_JOURNALED_MEMBERS(JournaledDynamoDbStreams, DynamoDbStreamsBackend)
  AWSFACADE_JOURNALED_READ(::aws::dynamodbstreams::v1, ListStreams)
  AWSFACADE_JOURNALED_READ(::aws::dynamodbstreams::v1, DescribeStream)
  AWSFACADE_JOURNALED_READ(::aws::dynamodbstreams::v1, GetShardIterator)
  AWSFACADE_JOURNALED_READ(::aws::dynamodbstreams::v1, GetRecords)

 public:
  // A wake-up hook: subscribers are woken after a journaled write, and
  // their reads then wait for it to be journaled.
  std::unique_ptr<Subscription> WatchStream(absl::string_view stream_arn,
                                            std::function<void()> callback) override {
    return child_->WatchStream(stream_arn, std::move(callback));
  }
};

#undef AWSFACADE_JOURNALED_WRITE
#undef AWSFACADE_JOURNALED_READ
#undef AWSFACADE_JOURNALED_MEMBERS

}  // namespace awsfacade::backends::simulator

#endif  // AWSFACADE_BACKENDS_SIMULATOR_PERSISTENCE_JOURNALED_BACKENDS_H_
