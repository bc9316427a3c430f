// The CLI's own errors: an unknown command is an error that names it and suggests the closest.
#include <gtest/gtest.h>

#include "cli_util.h"
#include "shroud/result.h"

namespace shroud {
namespace {
namespace cli_commands_test {  // one namespace per file: unity builds batch the tests

using testing::run_shroud;

TEST(CliCommandsTest, UnknownCommandIsAnErrorWithASuggestion) {
  auto r = run_shroud({"protet", "x.png"});
  EXPECT_EQ(r.exit_code, exit_code(ErrorCode::kInvalidArgument)) << r.output;
  EXPECT_NE(r.output.find("unknown command 'protet'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("did you mean 'protect'"), std::string::npos) << r.output;

  // --help after an unknown command is not the top-level help with exit 0.
  r = run_shroud({"recovr", "--help"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("unknown command 'recovr'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("did you mean 'recover'"), std::string::npos) << r.output;

  // Far from every command: named, and the closest one still shown.
  r = run_shroud({"xyzzy", "x.png"});
  EXPECT_EQ(r.exit_code, exit_code(ErrorCode::kInvalidArgument)) << r.output;
  EXPECT_NE(r.output.find("unknown command 'xyzzy'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("the closest command is '"), std::string::npos) << r.output;
  r = run_shroud({"xyzzy", "--help"});
  EXPECT_NE(r.exit_code, 0) << r.output;

  // Global options before the command still work.
  r = run_shroud({"-q", "--models", "/nonexistent", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = run_shroud({"--version"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace cli_commands_test
}  // namespace
}  // namespace shroud
