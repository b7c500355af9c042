#include "service/boto_paginator.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "backends/common/aws_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::service {
namespace {

// A fake service: `items` served in pages of `page_size`, page tokens "t<i>"
// naming the index of the page's first item, as in the example of docs/aws-semantics.md §6.2.
struct FakeList {
  int items;
  int page_size;
  // Returns (first index, count, next token) for a request token.
  std::tuple<int, int, std::string> Page(const std::optional<std::string>& token) const {
    int start = token ? std::stoi(token->substr(1)) : 0;
    int count = std::min(page_size, items - start);
    std::string next = start + count < items ? absl::StrCat("t", start + count) : "";
    return {start, count, next};
  }
};

struct PagedRun {
  std::vector<std::vector<int>> pages;  // item indexes yielded per page
  std::string resume_token;
};

PagedRun Paginate(const FakeList& list, std::optional<int> max_items, const std::string& starting) {
  auto paginator = BotoPaginator::Create("nextToken", max_items, starting);
  EXPECT_TRUE(paginator.ok()) << paginator.status();
  PagedRun run;
  while (paginator.ok() && !paginator->done()) {
    auto [start, count, next] = list.Page(paginator->request_token());
    auto slice = paginator->OnPage(count, next);
    EXPECT_TRUE(slice.ok()) << slice.status();
    if (!slice.ok()) break;
    std::vector<int> page;
    for (int i = slice->begin; i < slice->end; ++i) page.push_back(start + i);
    run.pages.push_back(page);
    if (!slice->resume_token.empty()) run.resume_token = slice->resume_token;
  }
  return run;
}

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The four botocore runs of the example in docs/aws-semantics.md §6.2, byte
// for byte.
TEST(BotoPaginatorTest, MaxItemsInsidePageGivesTruncateAmount) {
  PagedRun run = Paginate({9, 3}, 4, "");
  EXPECT_THAT(run.pages, ElementsAre(ElementsAre(0, 1, 2), ElementsAre(3)));
  EXPECT_EQ(run.resume_token, "eyJuZXh0VG9rZW4iOiAidDMiLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ==");
}

TEST(BotoPaginatorTest, ResumeInsidePageAddsToTruncateAmount) {
  PagedRun run =
      Paginate({9, 3}, 1, "eyJuZXh0VG9rZW4iOiAidDMiLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ==");
  EXPECT_THAT(run.pages, ElementsAre(ElementsAre(4)));
  EXPECT_EQ(run.resume_token, "eyJuZXh0VG9rZW4iOiAidDMiLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ==");
}

TEST(BotoPaginatorTest, TruncatedFirstPageHasNullToken) {
  PagedRun run = Paginate({9, 3}, 2, "");
  EXPECT_THAT(run.pages, ElementsAre(ElementsAre(0, 1)));
  EXPECT_EQ(run.resume_token, "eyJuZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAyfQ==");
}

TEST(BotoPaginatorTest, PageBoundaryGivesPlainServiceToken) {
  PagedRun run = Paginate({9, 3}, 6, "");
  EXPECT_THAT(run.pages, ElementsAre(ElementsAre(0, 1, 2), ElementsAre(3, 4, 5)));
  EXPECT_EQ(run.resume_token, "eyJuZXh0VG9rZW4iOiAidDYifQ==");
}

TEST(BotoPaginatorTest, NoResumeTokenWhenServiceHasNoMorePages) {
  PagedRun run = Paginate({6, 3}, 6, "");
  EXPECT_EQ(run.pages.size(), 2u);
  EXPECT_EQ(run.resume_token, "");
}

TEST(BotoPaginatorTest, NoMaxItemsReadsEverything) {
  PagedRun run = Paginate({7, 3}, std::nullopt, "");
  EXPECT_THAT(run.pages, ElementsAre(ElementsAre(0, 1, 2), ElementsAre(3, 4, 5), ElementsAre(6)));
  EXPECT_EQ(run.resume_token, "");
}

TEST(BotoPaginatorTest, ChainedResumesYieldEveryItemOnce) {
  for (int max_items = 1; max_items <= 7; ++max_items) {
    std::vector<int> seen;
    std::string token;
    for (int guard = 0; guard < 100; ++guard) {
      PagedRun run = Paginate({20, 3}, max_items, token);
      for (const auto& page : run.pages) seen.insert(seen.end(), page.begin(), page.end());
      if (run.resume_token.empty()) break;
      token = run.resume_token;
    }
    std::vector<int> all(20);
    for (int i = 0; i < 20; ++i) all[i] = i;
    EXPECT_EQ(seen, all) << "MaxItems " << max_items;
  }
}

TEST(BotoPaginatorTest, LegacyTokenFormats) {
  // A raw service token works as a StartingToken, and "t3___1" skips one.
  EXPECT_THAT(Paginate({9, 3}, 2, "t3").pages, ElementsAre(ElementsAre(3, 4)));
  EXPECT_THAT(Paginate({9, 3}, 2, "t3___1").pages, ElementsAre(ElementsAre(4, 5)));
  EXPECT_THAT(Paginate({9, 3}, 1, "None___2").pages, ElementsAre(ElementsAre(2)));
}

TEST(BotoPaginatorTest, BadStartingTokensAreInvalidNextToken) {
  for (const char* bad : {"a___b___c", "a___1___2"}) {
    auto p = BotoPaginator::Create("nextToken", 1, bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(backends::AwsErrorName(p.status()), "InvalidNextTokenException");
    EXPECT_EQ(backends::AwsErrorField(p.status()), "PaginationConfig.StartingToken");
  }
  // Valid base64 JSON with a wrong-typed member.
  std::string json_token = absl::Base64Escape(R"({"nextToken": 5})");
  EXPECT_FALSE(BotoPaginator::Create("nextToken", 1, json_token).ok());
  std::string negative = absl::Base64Escape(R"({"nextToken": null, "boto_truncate_amount": -1})");
  EXPECT_FALSE(BotoPaginator::Create("nextToken", 1, negative).ok());
}

TEST(BotoPaginatorTest, RepeatedServiceTokenIsAnError) {
  auto p = BotoPaginator::Create("nextToken", std::nullopt, "");
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->OnPage(1, "first").ok());
  ASSERT_TRUE(p->OnPage(1, "same").ok());
  auto repeated = p->OnPage(1, "same");
  EXPECT_FALSE(repeated.ok());
  EXPECT_THAT(repeated.status().message(),
              ::testing::HasSubstr("same next token was received twice"));
}

TEST(BotoPaginatorTest, EncodesLikePythonJsonDumps) {
  EXPECT_EQ(
      BotoPaginator::EncodeToken("nextToken", std::string("a\"b\\c\xc3\xa9\xf0\x9f\x98\x80"), 3),
      absl::Base64Escape(
          R"({"nextToken": "a\"b\\c\u00e9\ud83d\ude00", "boto_truncate_amount": 3})"));
}

TEST(BotoPaginatorTest, ResumeWithSmallerPageSizeRepeatsLikeBotocore) {
  // Documented pitfall: MaxItems 2/PageSize 3, then PageSize 1 re-yields item 1.
  PagedRun first = Paginate({9, 3}, 2, "");
  PagedRun second = Paginate({9, 1}, 2, first.resume_token);
  EXPECT_THAT(second.pages, ElementsAre(IsEmpty(), ElementsAre(1), ElementsAre(2)));
}

}  // namespace
}  // namespace awsfacade::service
