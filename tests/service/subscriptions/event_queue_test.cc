#include "service/subscriptions/event_queue.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "service/subscriptions/event_wire.h"

namespace awsfacade::service::subscriptions {
namespace {

// An event of `records` records of 100 bytes, held in `budget` as the
// session holds records when it reads them.
OutEvent Event(BufferBudget& budget, const std::string& token, int64_t records) {
  aws::dynamodbstreams::v1::SubscribeToStreamResponse beat;
  beat.mutable_heartbeat()->set_continuation_token(token);
  OutEvent event;
  event.bytes = SerializeEvent(beat);
  event.records = records;
  event.record_bytes = records * 100;
  event.continuation_token = token;
  budget.Hold(records, records * 100);
  return event;
}

std::string TokenOf(const grpc::ByteBuffer& bytes) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(bytes.Dump(&slices).ok());
  std::string wire;
  for (const auto& s : slices) wire.append(reinterpret_cast<const char*>(s.begin()), s.size());
  aws::dynamodbstreams::v1::SubscribeToStreamResponse parsed;
  EXPECT_TRUE(parsed.ParseFromString(wire));
  return parsed.heartbeat().continuation_token();
}

TEST(EventQueueTest, EventsLeaveInTheOrderTheyCameOneAtATime) {
  BufferBudget budget(1 << 20);
  EventQueue queue(&budget);
  EXPECT_TRUE(queue.empty());
  queue.Push(Event(budget, "a", 1));
  queue.Push(Event(budget, "b", 2));
  EXPECT_EQ(TokenOf(queue.StartWrite()), "a");
  EXPECT_FALSE(queue.empty()) << "b is still ready";
  EXPECT_EQ(queue.FinishWrite().continuation_token, "a");
  EXPECT_EQ(TokenOf(queue.StartWrite()), "b");
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.FinishWrite().continuation_token, "b");
}

TEST(EventQueueTest, AWrittenEventGivesBackItsShareOfTheBudget) {
  BufferBudget budget(1 << 20);
  EventQueue queue(&budget);
  queue.Push(Event(budget, "a", 3));
  queue.Push(Event(budget, "b", 5));
  ASSERT_EQ(budget.records(), 8);
  queue.StartWrite();
  EXPECT_EQ(budget.records(), 8) << "in flight: gRPC has not taken it yet";
  queue.FinishWrite();
  EXPECT_EQ(budget.records(), 5);
  EXPECT_EQ(budget.bytes(), 500);
}

TEST(EventQueueTest, WhatWasNeverWrittenGoesBackWhenTheQueueGoes) {
  BufferBudget budget(1 << 20);
  {
    EventQueue queue(&budget);
    queue.Push(Event(budget, "a", 3));
    queue.Push(Event(budget, "b", 5));
    queue.Push(Event(budget, "c", 7));
    queue.StartWrite();
    queue.FinishWrite();  // a
    queue.StartWrite();   // b: in flight when the queue goes; c: never started
    ASSERT_EQ(budget.records(), 12);
  }
  EXPECT_EQ(budget.records(), 0);
  EXPECT_EQ(budget.bytes(), 0);
}

}  // namespace
}  // namespace awsfacade::service::subscriptions
