// Issue #13 regression: Placeholder strength floor. Failed on the code before the fix.
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
namespace placeholder_floor_test {  // one namespace per file: unity builds batch the tests

namespace fs = std::filesystem;
using testing::TempDir;

bool cli_available() { return fs::exists(testing::shroud_bin()); }

TEST(PlaceholderFloor, PixelateAboveTheCellFloorIsRefused) {
  if (!cli_available()) GTEST_SKIP() << "missing " << testing::shroud_bin();
  const fs::path messi = testing::opencv_samples() / "messi5.jpg";
  SHROUD_REQUIRE_FILE(messi);
  TempDir dir;
  const std::string keys = dir.file("keys.json"), regions = dir.file("r.json"), out = dir.file("out.png");
  ASSERT_EQ(testing::run_shroud({"-q", "keygen", keys}).exit_code, 0);
  testing::write_text(regions, R"({"regions":[{"kind":"face","box":[200,40,90,110]}]})");
  const auto r = testing::run_shroud({"protect", messi.string(), "-o", out, "--regions-in", regions, "--method", "seal",
                                      "--key", keys, "--placeholder", "pixelate", "--cells", "1000"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("strength floor"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(out));
  // The same floor for plain pixelate and for a weak blur.
  EXPECT_EQ(testing::run_shroud({"protect", messi.string(), "-o", out, "--regions-in", regions, "--method", "pixelate",
                                 "--cells", "17"}).exit_code, 2);
  EXPECT_EQ(testing::run_shroud({"protect", messi.string(), "-o", out, "--regions-in", regions, "--method", "blur",
                                 "--strength", "0.1"}).exit_code, 2);
  EXPECT_FALSE(fs::exists(out));
}

TEST(PlaceholderFloor, AtTheFloorTheRegionIsCoarseAndAlmostNoPixelSurvives) {
  if (!cli_available()) GTEST_SKIP() << "missing " << testing::shroud_bin();
  const fs::path messi = testing::opencv_samples() / "messi5.jpg";
  SHROUD_REQUIRE_FILE(messi);
  TempDir dir;
  const std::string keys = dir.file("keys.json"), regions = dir.file("r.json"), out = dir.file("out.png");
  ASSERT_EQ(testing::run_shroud({"-q", "keygen", keys}).exit_code, 0);
  const cv::Rect box(200, 40, 90, 110);
  testing::write_text(regions, R"({"regions":[{"kind":"face","box":[200,40,90,110]}]})");
  const auto r = testing::run_shroud({"-q", "protect", messi.string(), "-o", out, "--regions-in", regions, "--mask-scale",
                                      "1", "--method", "seal", "--key", keys, "--placeholder", "pixelate", "--cells",
                                      std::to_string(kMaxPixelCells)});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const cv::Mat original = cv::imread(messi.string(), cv::IMREAD_COLOR);
  const cv::Mat sealed = cv::imread(out, cv::IMREAD_COLOR);
  ASSERT_EQ(original.size(), sealed.size());
  // At most kMaxPixelCells^2 colours in the region, and (almost) no pixel equal to the original:
  // the only way one can survive is by equalling its cell's mean.
  std::set<std::array<std::uint8_t, 3>> colours;
  int same = 0;
  for (int y = box.y; y < box.br().y; ++y) {
    for (int x = box.x; x < box.br().x; ++x) {
      const auto s = sealed.at<cv::Vec3b>(y, x);
      colours.insert({s[0], s[1], s[2]});
      same += s == original.at<cv::Vec3b>(y, x);
    }
  }
  EXPECT_LE(colours.size(), static_cast<std::size_t>(kMaxPixelCells * kMaxPixelCells));
  EXPECT_LT(same, box.area() / 50) << same << " of " << box.area() << " pixels unchanged";
}

TEST(PlaceholderFloor, TinyRegionsAreStillAveraged) {
  // A 12x12 region at 16 cells used to get 1-px cells: every pixel copied unchanged.
  cv::Mat img = testing::random_image(40, 40, CV_8UC3, 5);
  const cv::Mat before = img.clone();
  Action a;
  a.method = "pixelate";
  a.rect = cv::Rect(10, 10, 12, 12);
  a.region.box = a.rect;
  a.params.pixel_cells = kMaxPixelCells;
  ASSERT_TRUE((*create_protector("pixelate"))->apply(img, a).ok());
  int same = 0;
  for (int y = 10; y < 22; ++y) {
    for (int x = 10; x < 22; ++x) same += img.at<cv::Vec3b>(y, x) == before.at<cv::Vec3b>(y, x);
  }
  EXPECT_LT(same, 10);
}

TEST(PlaceholderFloor, PolicyAndPlaceholderRefuseBelowTheFloor) {
  MethodParams p;
  EXPECT_TRUE(check_strength_floor(p).ok());
  p.pixel_cells = kMaxPixelCells + 1;
  EXPECT_FALSE(check_strength_floor(p).ok());
  p = MethodParams{};
  p.blur_strength = kMinBlurStrength / 2;
  EXPECT_FALSE(check_strength_floor(p).ok());
  EXPECT_FALSE(parse_policy_json(R"({"method": "pixelate", "pixel_cells": 1000})").ok());
}

}  // namespace placeholder_floor_test
}  // namespace
}  // namespace shroud
