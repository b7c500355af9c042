// The Paginate*/Subscribe* message pairs that service/wire_copy.h copies
// between must keep the same fields (numbers, types, labels, names).
#include "service/wire_copy.h"

#include "aws/cognitosync/v1/cognitosync.pb.h"
#include "aws/dynamodbstreams/v1/dynamodbstreams.pb.h"
#include "gtest/gtest.h"

namespace awsfacade::service {
namespace {

void ExpectSameFields(const google::protobuf::Descriptor* a,
                      const google::protobuf::Descriptor* b) {
  ASSERT_EQ(a->field_count(), b->field_count()) << a->full_name() << " vs " << b->full_name();
  for (int i = 0; i < a->field_count(); ++i) {
    const auto* fa = a->field(i);
    const auto* fb = b->FindFieldByNumber(fa->number());
    ASSERT_NE(fb, nullptr) << a->full_name() << "." << fa->name();
    EXPECT_EQ(fa->name(), fb->name());
    EXPECT_EQ(fa->type(), fb->type()) << fa->name();
    EXPECT_EQ(fa->label(), fb->label()) << fa->name();
    EXPECT_EQ(fa->has_presence(), fb->has_presence()) << fa->name();
    if (fa->message_type() != nullptr) {
      EXPECT_EQ(fa->message_type(), fb->message_type()) << fa->name();
    }
  }
}

TEST(WireCopyTest, PairedMessagesShareTheirFields) {
  namespace cs = ::aws::cognitosync::v1;
  namespace st = ::aws::dynamodbstreams::v1;
  ExpectSameFields(cs::ListRecordsRequest::descriptor(),
                   cs::PaginateListRecordsRequest::descriptor());
  ExpectSameFields(cs::ListRecordsResponse::descriptor(),
                   cs::PaginateListRecordsResponse::descriptor());
  ExpectSameFields(cs::ListDatasetsRequest::descriptor(),
                   cs::PaginateListDatasetsRequest::descriptor());
  ExpectSameFields(cs::ListDatasetsResponse::descriptor(),
                   cs::PaginateListDatasetsResponse::descriptor());
  ExpectSameFields(st::SubscribeToStreamResponse::descriptor(),
                   st::SubscribeToShardResponse::descriptor());
}

TEST(WireCopyTest, CopiesEveryField) {
  namespace cs = ::aws::cognitosync::v1;
  cs::PaginateListRecordsRequest from;
  from.set_identity_pool_id("p");
  from.set_last_sync_count(7);
  from.set_max_results(3);
  auto to = WireCopy<cs::ListRecordsRequest>(from);
  EXPECT_EQ(to.identity_pool_id(), "p");
  EXPECT_EQ(to.last_sync_count(), 7);
  EXPECT_TRUE(to.has_max_results());
}

}  // namespace
}  // namespace awsfacade::service
