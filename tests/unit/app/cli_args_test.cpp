// The CLI's shared argument helpers: split_command_args and parse_count.
#include <gtest/gtest.h>

#include <string_view>

#include "firmware/app/cli_common.h"

namespace lsedge::app {
namespace {

Options with_args(std::initializer_list<std::string_view> args) {
  Options options;
  for (std::string_view arg : args) {
    options.args[options.arg_count++] = arg;
  }
  return options;
}

TEST(SplitCommandArgs, FlagsTakeTheirValuesAndTheRestArePositional) {
  const Options options = with_args({"add", "--spool", "/q", "file.json", "--batch-bytes", "20"});
  CommandFlag flags[] = {{"--spool", {}, false}, {"--batch-bytes", {}, false}, {"--x", {}, false}};
  std::string_view positional[2];
  size_t count = 99;
  ASSERT_TRUE(
      split_command_args(options, 1, Span<CommandFlag>(flags), positional, 2, count, "u").ok());
  EXPECT_EQ(flags[0].value, "/q");
  EXPECT_TRUE(flags[0].given);
  EXPECT_EQ(flags[1].value, "20");
  EXPECT_FALSE(flags[2].given);
  ASSERT_EQ(count, 1u);
  EXPECT_EQ(positional[0], "file.json");
}

TEST(SplitCommandArgs, UnknownFlagMissingValueAndTooManyPositionalsAreUsageErrors) {
  CommandFlag flags[] = {{"--project", {}, false}};
  std::string_view positional[1];
  size_t count = 0;
  const Outcome unknown = split_command_args(
      with_args({"--bogus", "1"}), 0, Span<CommandFlag>(flags), positional, 1, count, "usage: x");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status(), Status::UsageError);
  EXPECT_NE(unknown.error().detail.view().find("--bogus"), std::string_view::npos);
  EXPECT_NE(unknown.error().detail.view().find("usage: x"), std::string_view::npos);

  const Outcome no_value = split_command_args(with_args({"f", "--project"}), 0,
                                              Span<CommandFlag>(flags), positional, 1, count, "u");
  ASSERT_FALSE(no_value.ok());
  EXPECT_NE(no_value.error().detail.view().find("needs a value"), std::string_view::npos);

  const Outcome too_many = split_command_args(with_args({"a", "b"}), 0, Span<CommandFlag>(flags),
                                              positional, 1, count, "u");
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status(), Status::UsageError);
}

TEST(SplitCommandArgs, SwitchesTakeNoValue) {
  CommandFlag flags[] = {{"--once", {}, false, true}, {"--project", {}, false}};
  std::string_view positional[1];
  size_t count = 0;
  ASSERT_TRUE(split_command_args(with_args({"--once", "--project", "7"}), 0,
                                 Span<CommandFlag>(flags), positional, 1, count, "u")
                  .ok());
  EXPECT_TRUE(flags[0].given);
  EXPECT_TRUE(flags[0].value.empty());
  EXPECT_EQ(flags[1].value, "7");
  EXPECT_EQ(count, 0u);
  // A switch last on the line is fine; it never swallows the next word.
  CommandFlag again[] = {{"--once", {}, false, true}};
  ASSERT_TRUE(split_command_args(with_args({"file", "--once"}), 0, Span<CommandFlag>(again),
                                 positional, 1, count, "u")
                  .ok());
  EXPECT_TRUE(again[0].given);
  EXPECT_EQ(positional[0], "file");
}

TEST(ParseProjectId, RequiredPositiveAndJsonSafe) {
  EXPECT_EQ(parse_project_id({"--project", {}, false}, "usage").status(), Status::UsageError);
  EXPECT_EQ(*parse_project_id({"--project", "12", true}, "usage"), 12);
  EXPECT_FALSE(parse_project_id({"--project", "0", true}, "usage").ok());
  EXPECT_TRUE(parse_project_id({"--project", "9007199254740991", true}, "usage").ok());
  EXPECT_FALSE(parse_project_id({"--project", "9007199254740992", true}, "usage").ok());
}

TEST(ParseCount, AcceptsTheRangeOnly) {
  auto ok = parse_count("65536", 4, 1048576, "--batch-bytes");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 65536u);
  EXPECT_FALSE(parse_count("3", 4, 10, "--batch-bytes").ok());
  EXPECT_FALSE(parse_count("11", 4, 10, "--batch-bytes").ok());
  EXPECT_FALSE(parse_count("", 0, 10, "--n").ok());
  EXPECT_FALSE(parse_count("-1", 0, 10, "--n").ok());
  EXPECT_FALSE(parse_count("1x", 0, 10, "--n").ok());
  EXPECT_FALSE(parse_count("99999999999999999999999", 0, UINT64_MAX, "--n").ok());
  auto failed = parse_count("x", 1, 2, "--project");
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().detail.view().find("--project"), std::string_view::npos);
}

}  // namespace
}  // namespace lsedge::app
