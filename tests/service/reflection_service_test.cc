#include "service/reflection_service.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "service/descriptor_set.h"

namespace awsfacade::service {
namespace {

using ::testing::HasSubstr;

google::protobuf::FileDescriptorSet Embedded() {
  google::protobuf::FileDescriptorSet set;
  EXPECT_TRUE(set.ParseFromString(std::string(EmbeddedDescriptorSet())));
  return set;
}

TEST(DescriptorIndexTest, EmbeddedSetHasEveryServedFileWithItsComments) {
  google::protobuf::FileDescriptorSet set = Embedded();
  std::set<std::string> names;
  for (const auto& file : set.file()) {
    names.insert(file.name());
    if (file.name().rfind("aws/", 0) == 0) {
      EXPECT_GT(file.source_code_info().location_size(), 0) << file.name() << " has no comments";
    }
  }
  for (const char* name :
       {"aws/cognitosync/v1/cognitosync.proto", "aws/personalize/v1/personalize.proto",
        "aws/dynamodb/v1/dynamodb.proto", "aws/dynamodbstreams/v1/dynamodbstreams.proto",
        "awsfacade/simulator/v1/simulator.proto", "grpc/health/v1/health.proto",
        "grpc/reflection/v1/reflection.proto", "grpc/reflection/v1alpha/reflection.proto",
        "google/rpc/error_details.proto", "google/protobuf/timestamp.proto"}) {
    EXPECT_EQ(names.count(name), 1u) << name;
  }
}

TEST(DescriptorIndexTest, GarbageIsInvalidArgument) {
  auto index = DescriptorIndex::Create("\xff\xff\xff not a descriptor set");
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.status().code(), absl::StatusCode::kInvalidArgument);
}

// A file before (or without) its dependency does not build.
TEST(DescriptorIndexTest, MissingDependencyIsInvalidArgument) {
  google::protobuf::FileDescriptorSet set = Embedded();
  google::protobuf::FileDescriptorSet streams_only;
  for (const auto& file : set.file()) {
    if (file.name() == "aws/dynamodbstreams/v1/dynamodbstreams.proto") {
      *streams_only.add_file() = file;
    }
  }
  ASSERT_EQ(streams_only.file_size(), 1);
  auto index = DescriptorIndex::Create(streams_only.SerializeAsString());
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(index.status().message(), HasSubstr("dynamodbstreams.proto does not build"));
}

TEST(DescriptorIndexTest, SendsEachFileOnceFileFirst) {
  auto index = DescriptorIndex::Create(EmbeddedDescriptorSet());
  ASSERT_TRUE(index.ok()) << index.status();
  const auto* file =
      (*index)->pool().FindFileContainingSymbol("aws.dynamodbstreams.v1.StreamRecord.Keys");
  // Symbols are proto names; the JSON name "Keys" is not one.
  EXPECT_EQ(file, nullptr);
  file = (*index)->pool().FindFileContainingSymbol("aws.dynamodbstreams.v1.StreamRecord.keys");
  ASSERT_NE(file, nullptr);
  absl::flat_hash_set<const google::protobuf::FileDescriptor*> sent;
  std::vector<const std::string*> out;
  (*index)->AppendWithDependencies(file, &sent, &out);
  ASSERT_FALSE(out.empty());
  google::protobuf::FileDescriptorProto first;
  ASSERT_TRUE(first.ParseFromString(*out.front()));
  EXPECT_EQ(first.name(), "aws/dynamodbstreams/v1/dynamodbstreams.proto");
  EXPECT_EQ(out.size(), sent.size());
  // Asked again with the same `sent`, nothing new goes out.
  (*index)->AppendWithDependencies(file, &sent, &out);
  EXPECT_EQ(out.size(), sent.size());
}

TEST(ReflectionServiceTest, AServiceMissingFromTheSetFailsCreation) {
  auto reflection = ReflectionService::Create(
      EmbeddedDescriptorSet(),
      {"aws.dynamodbstreams.v1.DynamoDbStreamsService", "aws.kinesis.v1.Kinesis"});
  ASSERT_FALSE(reflection.ok());
  EXPECT_EQ(reflection.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(reflection.status().message(), HasSubstr("aws.kinesis.v1.Kinesis"));
}

TEST(ReflectionServiceTest, AMessageNameIsNotAService) {
  auto reflection =
      ReflectionService::Create(EmbeddedDescriptorSet(), {"aws.dynamodbstreams.v1.StreamRecord"});
  ASSERT_FALSE(reflection.ok());
  EXPECT_EQ(reflection.status().code(), absl::StatusCode::kNotFound);
}

TEST(ReflectionServiceTest, ServesBothVersions) {
  auto reflection = ReflectionService::Create(EmbeddedDescriptorSet(), {"grpc.health.v1.Health"});
  ASSERT_TRUE(reflection.ok()) << reflection.status();
  EXPECT_EQ((*reflection)->services().size(), 2u);
}

}  // namespace
}  // namespace awsfacade::service
