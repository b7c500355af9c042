#include "service/caller_identity.h"

#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace awsfacade::service {
namespace {

TEST(PeerHostTest, DropsThePortOfIpv4AndIpv6Peers) {
  EXPECT_EQ(PeerHost("ipv4:10.0.0.1:5000"), "ipv4:10.0.0.1");
  EXPECT_EQ(PeerHost("ipv6:[::1]:5000"), "ipv6:[::1]");
  EXPECT_EQ(PeerHost("ipv6:[2001:db8::7]:443"), "ipv6:[2001:db8::7]");
}

TEST(PeerHostTest, KeepsOtherFormsAsTheyAre) {
  EXPECT_EQ(PeerHost("unix:/tmp/sock"), "unix:/tmp/sock");
  EXPECT_EQ(PeerHost("ipv4:"), "ipv4:");
  EXPECT_EQ(PeerHost(""), "");
}

// Answers every method with the caller's identity as the response bytes.
class WhoAmI final : public grpc::CallbackGenericService {
  class Reactor final : public grpc::ServerGenericBidiReactor {
   public:
    explicit Reactor(const grpc::GenericCallbackServerContext& context)
        : answer_(CallerIdentity(context)) {
      StartRead(&request_);
    }
    void OnReadDone(bool ok) override {
      if (!ok) return Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
      grpc::Slice slice(answer_);
      response_ = grpc::ByteBuffer(&slice, 1);
      StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
    }
    void OnDone() override { delete this; }

   private:
    const std::string answer_;
    grpc::ByteBuffer request_, response_;
  };

 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    return new Reactor(*context);
  }
};

class CallerIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    network_ = std::make_unique<grpc::GenericStub>(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
    in_process_ =
        std::make_unique<grpc::GenericStub>(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override { server_->Shutdown(); }

  // The identity the server saw for a call through `stub` whose context
  // `prepare` filled in.
  template <typename Prepare>
  std::string Identity(grpc::GenericStub& stub, Prepare prepare) {
    grpc::ClientContext context;
    prepare(context);
    grpc::Slice slice(std::string("x"));
    grpc::ByteBuffer request(&slice, 1), response;
    grpc::Status status;
    absl::Notification done;
    stub.UnaryCall(&context, "/test.WhoAmI/Ask", grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) {
                     status = std::move(s);
                     done.Notify();
                   });
    done.WaitForNotification();
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(response.Dump(&slices).ok());
    std::string out;
    for (const grpc::Slice& s : slices)
      out.append(reinterpret_cast<const char*>(s.begin()), s.size());
    return out;
  }

  WhoAmI service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::GenericStub> network_, in_process_;
};

TEST_F(CallerIdentityTest, ANetworkCallerIsItsPeerAddress) {
  EXPECT_EQ(Identity(*network_, [](grpc::ClientContext&) {}), "ipv4:127.0.0.1");
}

// The AWS wire endpoint calls the handlers in-process on behalf of the
// access key whose signature it verified.
TEST_F(CallerIdentityTest, AnInProcessCallerMayNameWhomItCallsFor) {
  EXPECT_EQ(
      Identity(*in_process_, [](grpc::ClientContext& c) { SetOnBehalfOf(c, "aws:AKIDEXAMPLE"); }),
      "aws:AKIDEXAMPLE");
}

// The key never leaves the process, so the metadata is believed only from
// SetOnBehalfOf: a network client cannot make itself somebody else with it.
TEST_F(CallerIdentityTest, TheOnBehalfOfMetadataWithoutTheProcessKeyIsIgnored) {
  EXPECT_EQ(Identity(*network_,
                     [](grpc::ClientContext& c) {
                       c.AddMetadata(kOnBehalfOfMetadata, "aws:AKIDEXAMPLE");
                     }),
            "ipv4:127.0.0.1");
  EXPECT_EQ(Identity(*network_,
                     [](grpc::ClientContext& c) {
                       c.AddMetadata(kOnBehalfOfMetadata, "aws:AKIDEXAMPLE");
                       c.AddMetadata(kOnBehalfOfKeyMetadata, std::string(64, '0'));
                     }),
            "ipv4:127.0.0.1");
  EXPECT_EQ(Identity(*network_,
                     [](grpc::ClientContext& c) {
                       c.AddMetadata(kOnBehalfOfMetadata, "aws:AKIDEXAMPLE");
                       c.AddMetadata(kOnBehalfOfKeyMetadata, "short");
                     }),
            "ipv4:127.0.0.1");
}

}  // namespace
}  // namespace awsfacade::service
