// The server as a process: health, reflection, graceful shutdown, flags.
#include <signal.h>
#include <sys/wait.h>

#include <set>

#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/grpc_test_util.h"
#include "tests/integration/server_process.h"

namespace awsfacade::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

TEST(ServerTest, HealthReportsServing) {
  auto server = ServerProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  auto context = ContextWithDeadline();
  grpc::Status status = stub->Check(context.get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

// Lists services through reflection, then asks for the file of each one: a
// service registered without its descriptor (the default health service
// unless health.pb is linked) fails the second step.
TEST(ServerTest, ReflectionListsAndDescribesEveryService) {
  auto server = ServerProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  auto context = ContextWithDeadline();
  auto stream = stub->ServerReflectionInfo(context.get());

  grpc::reflection::v1alpha::ServerReflectionRequest list;
  list.set_list_services("");
  ASSERT_TRUE(stream->Write(list));
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::set<std::string> names;
  for (const auto& s : response.list_services_response().service()) names.insert(s.name());
  EXPECT_THAT(names, IsSupersetOf({"aws.cognitosync.v1.CognitoSyncService",
                                   "aws.personalize.v1.PersonalizeService",
                                   "awsfacade.simulator.v1.SimulatorService",
                                   "grpc.health.v1.Health",
                                   "grpc.reflection.v1alpha.ServerReflection"}));
  for (const auto& name : names) {
    grpc::reflection::v1alpha::ServerReflectionRequest describe;
    describe.set_file_containing_symbol(name);
    ASSERT_TRUE(stream->Write(describe));
    ASSERT_TRUE(stream->Read(&response));
    EXPECT_FALSE(response.has_error_response())
        << name << ": " << response.error_response().error_message();
    EXPECT_GT(response.file_descriptor_response().file_descriptor_proto_size(), 0) << name;
  }
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST(ServerTest, SigtermExitsZeroAfterInFlightCalls) {
  auto server = ServerProcess::Start({"--shutdown_grace=5s"});
  ASSERT_TRUE(server.ok()) << server.status();
  int status = (*server)->SignalAndWait(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_THAT((*server)->Stderr(), HasSubstr("stopped"));
}

TEST(ServerTest, SigintAlsoShutsDownCleanly) {
  auto server = ServerProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  int status = (*server)->SignalAndWait(SIGINT);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(ServerTest, UnknownBackendFailsAtStart) {
  auto server = ServerProcess::Start({"--backend=dynamo"});
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(server.status().message(), HasSubstr("unknown backend 'dynamo'"));
}

TEST(ServerTest, BusyPortFailsAtStartWithClearMessage) {
  auto first = ServerProcess::Start();
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = ServerProcess::Start({"--listen=" + (*first)->address()});
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("cannot listen on"));
}

}  // namespace
}  // namespace awsfacade::testing
