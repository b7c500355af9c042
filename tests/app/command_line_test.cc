#include "app/command_line.h"

#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

// Flags of this test only: CheckCommandLine looks at every flag linked in.
ABSL_FLAG(int, cl_test_port, 0, "test");
ABSL_FLAG(bool, cl_test_verbose, false, "test");
ABSL_FLAG(std::string, cl_test_name, "", "test");

namespace awsfacade::app {
namespace {

using ::testing::HasSubstr;

absl::Status Check(std::vector<const char*> args) {
  args.insert(args.begin(), "awsfacade-server");
  return CheckCommandLine(static_cast<int>(args.size()), args.data());
}

TEST(CommandLineTest, AcceptsEveryFormAbslAccepts) {
  EXPECT_TRUE(Check({"--cl_test_port=12", "-cl_test_name=x"}).ok());
  EXPECT_TRUE(Check({"--cl_test_port", "12", "--cl_test_name", "--looks-like-a-flag"}).ok());
  EXPECT_TRUE(Check({"--cl_test_verbose", "--nocl_test_verbose", "--cl_test_verbose=false"}).ok());
  EXPECT_TRUE(Check({"--help"}).ok());
  EXPECT_TRUE(Check({"--flagfile", "some/file", "positional"}).ok());
  EXPECT_TRUE(Check({"--", "--not-a-flag-after-the-end"}).ok());
}

TEST(CommandLineTest, UnknownFlagNamesTheClosestKnownOne) {
  absl::Status s = Check({"--cl_test_prot=12"});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("unknown flag --cl_test_prot; did you mean --cl_test_port?"));
}

TEST(CommandLineTest, UnknownFlagFarFromEveryNameSuggestsNothing) {
  absl::Status s = Check({"--completely_different_thing"});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("unknown flag --completely_different_thing"));
  EXPECT_THAT(std::string(s.message()), ::testing::Not(HasSubstr("did you mean")));
}

TEST(CommandLineTest, NegatingANonBooleanIsUnknown) {
  EXPECT_EQ(Check({"--nocl_test_port"}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(CommandLineTest, BadValueNamesTheFlag) {
  absl::Status s = Check({"--cl_test_port=twelve"});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("--cl_test_port=twelve"));
  EXPECT_THAT(Check({"--cl_test_verbose=maybe"}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(CommandLineTest, MissingValueIsAnError) {
  absl::Status s = Check({"--cl_test_name"});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("--cl_test_name needs a value"));
}

TEST(CommandLineTest, HelpListsTheFlagsOfTheFileWithDefaultsAndHelp) {
  const std::string help = FlagsHelp("usage line", "tests/app/command_line_test.cc");
  EXPECT_THAT(help, HasSubstr("usage line"));
  EXPECT_THAT(help, HasSubstr("  --cl_test_port=0\n      test\n"));
  EXPECT_THAT(help, HasSubstr("  --cl_test_name=\"\"\n"));
  EXPECT_LT(help.find("--cl_test_name"), help.find("--cl_test_port"));  // sorted
  EXPECT_THAT(help, ::testing::Not(HasSubstr("--help")));  // absl's own are not this file's
  EXPECT_TRUE(WantsHelp(2, std::vector<const char*>{"prog", "-help"}.data()));
  EXPECT_FALSE(WantsHelp(3, std::vector<const char*>{"prog", "--", "--help"}.data()));
}

TEST(CommandLineTest, ClosestNameAllowsAboutOneEditInThree) {
  const std::vector<std::string> known = {"listen", "state_dir", "state_fsync", "log_level"};
  EXPECT_EQ(ClosestName("lisen", known), "listen");
  EXPECT_EQ(ClosestName("state-dir", known), "state_dir");
  EXPECT_EQ(ClosestName("statedir", known), "state_dir");
  EXPECT_EQ(ClosestName("port", known), "");
}

}  // namespace
}  // namespace awsfacade::app
