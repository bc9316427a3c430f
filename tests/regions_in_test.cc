// Issue #13 regression: --regions-in: malformed files, unlisted images, matching by path. Failed on the code before the fix.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

#include "cli_util.h"
#include "shroud/image_io.h"
#include "shroud/policy.h"
#include "shroud/protector.h"
#include "shroud/regions_list.h"
#include "shroud/seal.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace regions_in_test {  // one namespace per file: unity builds batch the tests

namespace fs = std::filesystem;
using testing::TempDir;

bool cli_available() { return fs::exists(testing::shroud_bin()); }

TEST(RegionsIn, MalformedFilesAreClearErrorsBeforeAnyOutput) {
  if (!cli_available()) GTEST_SKIP() << "missing " << testing::shroud_bin();
  TempDir dir;
  const std::string in = dir.file("in.png"), out = dir.file("out.png"), regions = dir.file("r.json");
  ASSERT_TRUE(cv::imwrite(in, testing::random_image(50, 60, CV_8UC3, 3)));
  for (const std::string& text : {std::string(R"({"image": 5, "regions": []})"), std::string(R"({"image": "in.png"})"),
                                   std::string(R"({"image": "in.png", "regions": {}})"),
                                   std::string(R"([{"regions": [{"box": [1, 2, 3]}]}])"), std::string("{\"regions\": ["),
                                   std::string(R"([{"image": "a.png", "regions": []}, {"image": "./a.png", "regions": []}])")}) {
    testing::write_text(regions, text);
    const auto r = testing::run_shroud({"protect", in, "-o", out, "--regions-in", regions, "--method", "fill"});
    EXPECT_EQ(r.exit_code, 2) << text << "\n" << r.output;
    EXPECT_NE(r.output.find("regions file"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out)) << text;
  }
}

TEST(RegionsIn, EntriesMatchThePathAsGivenAndUnlistedImagesAreErrors) {
  if (!cli_available()) GTEST_SKIP() << "missing " << testing::shroud_bin();
  TempDir dir;
  fs::create_directories(dir.path() / "a");
  fs::create_directories(dir.path() / "b");
  const cv::Mat pic = testing::random_image(50, 60, CV_8UC3, 4);
  const std::string a = dir.file("a/x.png"), b = dir.file("b/x.png"), regions = dir.file("r.json");
  ASSERT_TRUE(cv::imwrite(a, pic));
  ASSERT_TRUE(cv::imwrite(b, pic));
  testing::write_text(regions, R"({"image": ")" + a + R"(", "regions": [{"kind": "face", "box": [10, 10, 20, 20]}]})");

  // b/x.jpg is not a/x.jpg: an error, no output.
  const std::string out_b = dir.file("out_b.png");
  auto r = testing::run_shroud({"protect", b, "-o", out_b, "--regions-in", regions, "--method", "fill"});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("--allow-unlisted"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out_b));
  // With --allow-unlisted it is processed with no regions (unchanged pixels).
  r = testing::run_shroud({"-q", "protect", b, "-o", out_b, "--regions-in", regions, "--method", "fill", "--allow-unlisted"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(cv::norm(cv::imread(out_b), pic, cv::NORM_INF), 0);
  // The listed path, also written another way, gets its box.
  for (const std::string& given : {a, dir.file("b/../a/x.png")}) {
    const std::string out_a = dir.file("out_a.png");
    r = testing::run_shroud({"-q", "protect", given, "-o", out_a, "--force", "--regions-in", regions, "--method", "fill",
                             "--mask-scale", "1"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const cv::Mat got = cv::imread(out_a);
    EXPECT_EQ(cv::countNonZero(got(cv::Rect(10, 10, 20, 20)).reshape(1)), 0) << given;
  }
}

TEST(RegionsIn, LibraryLookup) {
  auto list = RegionsList::parse(R"({"image": "x/a.png", "regions": [{"box": [1, 2, 3, 4]}]}
{"regions": [{"kind": "plate", "box": [5, 6, 7, 8]}]})");
  ASSERT_TRUE(list.ok()) << list.error().message;
  auto r = list->lookup("x/./a.png", false);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].box, cv::Rect(1, 2, 3, 4));
  r = list->lookup("y/a.png", false);  // the default entry, not x/a.png's
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].kind, Kind::kPlate);
  auto named_only = RegionsList::parse(R"({"image": "x/a.png", "regions": []})");
  ASSERT_TRUE(named_only.ok());
  EXPECT_EQ(named_only->lookup("y/a.png", false).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(named_only->lookup("y/a.png", true).ok());
  EXPECT_FALSE(RegionsList::parse("").ok());
  EXPECT_FALSE(RegionsList::parse(R"({"regions": []} {"regions": []})").ok());
}

// A listed region without "kind" is `custom`, and the default policy protects custom regions (it
// was written unprotected with exit 0 before: custom was outside the default kinds).
TEST(RegionsIn, RegionWithoutKindIsProtectedByDefault) {
  if (!cli_available()) GTEST_SKIP() << "missing " << testing::shroud_bin();
  TempDir dir;
  const cv::Mat pic = testing::random_image(50, 60, CV_8UC3, 5);
  const std::string in = dir.file("in.png"), out = dir.file("out.png"), regions = dir.file("r.json");
  ASSERT_TRUE(cv::imwrite(in, pic));
  testing::write_text(regions, R"({"regions": [{"box": [10, 10, 20, 20]}]})");
  const auto r = testing::run_shroud({"-q", "protect", in, "-o", out, "--regions-in", regions, "--method", "fill",
                                      "--mask-scale", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const cv::Mat got = cv::imread(out);
  EXPECT_EQ(cv::countNonZero(got(cv::Rect(10, 10, 20, 20)).reshape(1)), 0);
  EXPECT_TRUE(Policy{}.kinds.count(Kind::kCustom));
}

// Numbers that are not integers where an integer is due: a clear error, not a float-to-int
// conversion (1e20 into an int was undefined behaviour; found by regions_policy_fuzz in CI).
TEST(RegionsIn, PolicyIntegersOutOfRangeAreErrors) {
  for (const char* text : {R"({"pixel_cells": 1e20})", R"({"dp_m": -1e20})", R"({"dp_cell": 2.5})",
                           R"({"pixel_cells": 18446744073709551615})"}) {
    const auto p = parse_policy_json(text);
    ASSERT_FALSE(p.ok()) << text;
    EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument) << text;
  }
  EXPECT_TRUE(parse_policy_json(R"({"pixel_cells": 8})").ok());
}

}  // namespace regions_in_test
}  // namespace
}  // namespace shroud
