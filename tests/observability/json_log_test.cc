#include "observability/json_log.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "backends/common/redaction.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace awsfacade::observability {
namespace {

using ::testing::SizeIs;

// A pipe the logger writes to; Lines() reads what has arrived.
class Pipe {
 public:
  Pipe() {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    read_fd_ = fds[0];
    write_fd_ = fds[1];
  }
  ~Pipe() {
    close(read_fd_);
    if (write_fd_ >= 0) close(write_fd_);
  }
  int write_fd() const { return write_fd_; }
  // Reads what has arrived, without waiting.
  void Drain() {
    fcntl(read_fd_, F_SETFL, O_NONBLOCK);
    char buf[65536];
    ssize_t n;
    while ((n = read(read_fd_, buf, sizeof buf)) > 0) text_.append(buf, static_cast<size_t>(n));
  }
  std::vector<nlohmann::json> Lines() {
    Drain();
    std::vector<nlohmann::json> out;
    for (absl::string_view line : absl::StrSplit(text_, '\n', absl::SkipEmpty())) {
      out.push_back(nlohmann::json::parse(line));  // throws (fails the test) if not JSON
    }
    return out;
  }

 private:
  int read_fd_ = -1, write_fd_ = -1;
  std::string text_;
};

TEST(ParseLogLevelTest, KnowsTheFourLevels) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("info"), LogLevel::kInfo);
  EXPECT_EQ(*ParseLogLevel("warning"), LogLevel::kWarning);
  EXPECT_EQ(*ParseLogLevel("error"), LogLevel::kError);
  EXPECT_EQ(ParseLogLevel("verbose").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(JsonLoggerTest, WritesOneJsonObjectPerLine) {
  Pipe pipe;
  JsonLogger logger({LogLevel::kInfo, pipe.write_fd()});
  logger.Log(LogLevel::kInfo, "hello \"world\"\n", {{"port", 50051}, {"who", "me"}});
  logger.Flush();
  auto lines = pipe.Lines();
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_EQ(lines[0]["msg"], "hello \"world\"\n");
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["port"], 50051);
  EXPECT_EQ(lines[0]["who"], "me");
  EXPECT_THAT(lines[0]["ts"].get<std::string>(),
              ::testing::MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z"));
}

TEST(JsonLoggerTest, DropsLinesBelowItsLevel) {
  Pipe pipe;
  JsonLogger logger({LogLevel::kWarning, pipe.write_fd()});
  EXPECT_FALSE(logger.Enabled(LogLevel::kInfo));
  logger.Log(LogLevel::kDebug, "no");
  logger.Log(LogLevel::kInfo, "no");
  logger.Log(LogLevel::kWarning, "yes");
  logger.Log(LogLevel::kError, "yes too");
  logger.Flush();
  auto lines = pipe.Lines();
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_EQ(lines[0]["level"], "warning");
  EXPECT_EQ(lines[1]["level"], "error");
}

TEST(JsonLoggerTest, FieldsCannotOverrideTheFixedKeys) {
  Pipe pipe;
  JsonLogger logger({LogLevel::kInfo, pipe.write_fd()});
  logger.Log(LogLevel::kInfo, "real", {{"msg", "forged"}, {"level", "error"}});
  logger.Flush();
  auto lines = pipe.Lines();
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_EQ(lines[0]["msg"], "real");
  EXPECT_EQ(lines[0]["level"], "info");
}

TEST(JsonLoggerTest, RedactsEveryLineAtEveryLevelBeforeWritingIt) {
  Pipe pipe;
  JsonLoggerOptions options{LogLevel::kDebug, pipe.write_fd()};
  options.redact = [](absl::string_view line) { return backends::RedactCredentials(line); };
  JsonLogger logger(std::move(options));
  std::string members;
  AppendJsonMember(&members, "message",
                   "InvalidSignatureException: ...\nx-amz-security-token:FQoGZXIvYXdz\n"
                   "Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, Signature=0badc0ffee");
  logger.LogRendered(LogLevel::kDebug, "rpc", members);
  logger.Log(LogLevel::kError, "failed", {{"detail", "?X-Amz-Signature=feedface&a=1"}});
  logger.Flush();
  auto lines = pipe.Lines();
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_EQ(lines[0]["message"],
            "InvalidSignatureException: ...\nx-amz-security-token:<redacted>\n"
            "Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, Signature=<redacted>");
  EXPECT_EQ(lines[1]["detail"], "?X-Amz-Signature=<redacted>&a=1");
}

TEST(JsonLoggerTest, RenderedMembersMakeTheSameKindOfLine) {
  Pipe pipe;
  JsonLogger logger({LogLevel::kInfo, pipe.write_fd()});
  std::string members;
  AppendJsonMember(&members, "method", "/a.B/C");
  AppendJsonMember(&members, "quote", "say \"hi\"\\ \n\x01 caf\xc3\xa9");
  AppendJsonMember(&members, "duration_ms", 0.25);
  logger.LogRendered(LogLevel::kInfo, "rpc", members);
  logger.LogRendered(LogLevel::kDebug, "dropped", members);
  logger.Flush();
  auto lines = pipe.Lines();
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_EQ(lines[0]["msg"], "rpc");
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["method"], "/a.B/C");
  EXPECT_EQ(lines[0]["quote"], "say \"hi\"\\ \n\x01 caf??");
  EXPECT_EQ(lines[0]["duration_ms"], 0.25);
  EXPECT_TRUE(lines[0].contains("ts"));
}

TEST(JsonLoggerTest, InvalidUtf8IsReplacedNotThrown) {
  Pipe pipe;
  JsonLogger logger({LogLevel::kInfo, pipe.write_fd()});
  logger.Log(LogLevel::kInfo, "bad \xff byte");
  logger.Flush();
  auto lines = pipe.Lines();
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_THAT(lines[0]["msg"].get<std::string>(), ::testing::StartsWith("bad "));
}

TEST(JsonLoggerTest, KeepsOrderAcrossThreads) {
  Pipe pipe;
  JsonLogger logger({LogLevel::kInfo, pipe.write_fd()});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&logger, t] {
      for (int i = 0; i < 100; ++i) logger.Log(LogLevel::kInfo, "x", {{"t", t}, {"i", i}});
    });
  }
  for (auto& th : threads) th.join();
  logger.Flush();
  auto lines = pipe.Lines();
  ASSERT_THAT(lines, SizeIs(400));
  int next[4] = {0, 0, 0, 0};
  for (const auto& line : lines) {
    const int t = line["t"];
    EXPECT_EQ(line["i"], next[t]++);
  }
}

// A stderr nobody reads must not block the caller: lines are dropped and
// counted instead.
TEST(JsonLoggerTest, DropsInsteadOfBlockingWhenTheSinkIsFull) {
  Pipe pipe;
  std::atomic<int64_t> reported{0};
  int64_t dropped = 0;
  JsonLoggerOptions options;
  options.fd = pipe.write_fd();
  options.max_queued_lines = 16;
  options.on_dropped = [&reported](int64_t n) { reported += n; };
  {
    JsonLogger logger(options);
    const std::string filler(1000, 'x');
    // 2 MB into a 64 KB pipe that nobody reads yet: returns all the same.
    for (int i = 0; i < 2000; ++i) logger.Log(LogLevel::kInfo, filler);
    dropped = logger.dropped();
    EXPECT_GT(dropped, 0);
    std::atomic<bool> stop{false};
    std::thread reader([&pipe, &stop] {
      while (!stop) {
        pipe.Drain();
        usleep(1000);
      }
    });
    logger.Flush();
    stop = true;
    reader.join();
  }  // the writer reports the last drops before it stops
  EXPECT_EQ(reported.load(), dropped);
}

// The count moves as lines are lost, while stderr is still blocked (it
// used to be reported only by the writer thread, itself stuck in write()),
// and a non-blocking stderr loses nothing uncounted: lines read plus lines
// counted are all the lines.
TEST(JsonLoggerTest, CountsDropsAsTheyHappenWhileTheSinkIsBlocked) {
  for (const bool nonblocking : {false, true}) {
    SCOPED_TRACE(nonblocking ? "non-blocking pipe" : "blocking pipe");
    Pipe pipe;
    if (nonblocking) {
      ASSERT_EQ(fcntl(pipe.write_fd(), F_SETFL, O_NONBLOCK), 0);
    }
    std::atomic<int64_t> reported{0};
    JsonLoggerOptions options;
    options.fd = pipe.write_fd();
    options.max_queued_lines = 16;
    options.on_dropped = [&reported](int64_t n) { reported += n; };
    constexpr int kLines = 2000;
    {
      JsonLogger logger(options);
      const std::string filler(1000, 'x');
      for (int i = 0; i < kLines; ++i) logger.Log(LogLevel::kInfo, filler, {{"i", i}});
      // Nobody has read the pipe yet.
      EXPECT_GT(reported.load(), 0);
      EXPECT_EQ(reported.load(), logger.dropped());
      std::atomic<bool> stop{false};
      std::thread reader([&pipe, &stop] {
        while (!stop) {
          pipe.Drain();
          usleep(1000);
        }
      });
      EXPECT_TRUE(logger.Flush(absl::Seconds(30)));
      stop = true;
      reader.join();
    }
    EXPECT_EQ(static_cast<int64_t>(pipe.Lines().size()) + reported.load(), kLines)
        << "every line lost is counted";
  }
}

TEST(JsonLoggerTest, LinesLostToAClosedSinkAreCounted) {
  ::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  close(fds[0]);  // nobody will ever read
  std::atomic<int64_t> reported{0};
  JsonLoggerOptions options;
  options.fd = fds[1];
  options.on_dropped = [&reported](int64_t n) { reported += n; };
  {
    JsonLogger logger(options);
    for (int i = 0; i < 50; ++i) logger.Log(LogLevel::kInfo, "lost");
    EXPECT_TRUE(logger.Flush(absl::Seconds(30)));
    EXPECT_EQ(logger.dropped(), 50);
  }
  EXPECT_EQ(reported.load(), 50);
  close(fds[1]);
}

}  // namespace
}  // namespace awsfacade::observability
