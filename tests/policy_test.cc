#include <gtest/gtest.h>

#include <climits>
#include <filesystem>

#include "shroud/policy.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace policy_test {  // one namespace per file: unity builds batch the tests

TEST(Policy, ScaleAndClipAroundCentre) {
  EXPECT_EQ(scale_and_clip({10, 10, 10, 10}, 1.0, {100, 100}), cv::Rect(10, 10, 10, 10));
  EXPECT_EQ(scale_and_clip({10, 10, 10, 10}, 2.0, {100, 100}), cv::Rect(5, 5, 20, 20));
  EXPECT_EQ(scale_and_clip({90, 90, 20, 20}, 1.0, {100, 100}), cv::Rect(90, 90, 10, 10));
  EXPECT_TRUE(scale_and_clip({200, 200, 10, 10}, 1.3, {100, 100}).empty());
  EXPECT_TRUE(scale_and_clip({0, 0, 0, 5}, 1.3, {100, 100}).empty());
  // x + w would overflow int: must not wrap around.
  EXPECT_EQ(scale_and_clip({INT_MAX - 5, 0, INT_MAX, 10}, 1.0, {100, 100}), cv::Rect());
  EXPECT_EQ(scale_and_clip({-50, -50, 100, 100}, 1.0, {100, 100}), cv::Rect(0, 0, 50, 50));
}

TEST(Policy, DefaultsProtectFacesAndPlatesOnly) {
  Policy p;
  std::vector<Region> regions(3);
  regions[0].kind = Kind::kFace;
  regions[0].box = {10, 10, 20, 20};
  regions[1].kind = Kind::kPlate;
  regions[1].box = {50, 50, 30, 10};
  regions[2].kind = Kind::kPerson;
  regions[2].box = {0, 0, 50, 90};
  auto actions = plan_actions(regions, {100, 100}, p);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].method, "blur");
  EXPECT_EQ(actions[0].rect, cv::Rect(7, 7, 26, 26));  // 1.3x around the centre
  EXPECT_EQ(actions[1].region.kind, Kind::kPlate);
}

TEST(Policy, EyesOnlyUsesLandmarksAndFallsBackToFace) {
  Policy p;
  p.eyes_only = true;
  p.mask_scale = 1.0;
  Region with;
  with.box = {100, 100, 100, 100};
  with.landmarks = {{130, 140}, {170, 140}, {150, 160}, {135, 180}, {165, 180}};
  Region without;
  without.box = {300, 100, 100, 100};
  auto actions = plan_actions({with, without}, {500, 500}, p);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].region.kind, Kind::kEyes);
  EXPECT_LT(actions[0].rect.height, 50);
  EXPECT_TRUE(actions[0].rect.contains({130, 140}));
  EXPECT_TRUE(actions[0].rect.contains({169, 140}));
  EXPECT_EQ(actions[1].region.kind, Kind::kFace);  // no landmarks: whole face
}

TEST(Policy, MinScoreAndPerKindMethod) {
  Policy p;
  p.min_score = 0.5f;
  p.method_by_kind[Kind::kPlate] = "fill";
  std::vector<Region> regions(3);
  regions[0].box = {0, 0, 10, 10};
  regions[0].score = 0.4f;
  regions[1].box = {0, 0, 10, 10};
  regions[1].score = 0.6f;
  regions[2].box = {20, 20, 10, 10};
  regions[2].kind = Kind::kPlate;
  auto actions = plan_actions(regions, {100, 100}, p);
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(actions[0].method, "blur");
  EXPECT_EQ(actions[1].method, "fill");
}

TEST(Policy, JsonRoundTripAndErrors) {
  auto p = parse_policy_json(R"({"kinds": ["face", "person"], "method": "pixelate",
      "methods": {"person": "fill"}, "mask_scale": 1.5, "shape": "ellipse", "feather": 0.1,
      "pixel_cells": 12, "fill_color": [10, 20, 30]})");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->kinds.size(), 2u);
  EXPECT_EQ(p->method_for(Kind::kPerson), "fill");
  EXPECT_EQ(p->method_for(Kind::kFace), "pixelate");
  EXPECT_EQ(p->shape, Shape::kEllipse);
  auto again = parse_policy_json(policy_to_json(*p));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(policy_to_json(*again), policy_to_json(*p));

  EXPECT_FALSE(parse_policy_json("{").ok());
  EXPECT_FALSE(parse_policy_json(R"({"kinds": ["elephant"]})").ok());
  EXPECT_FALSE(parse_policy_json(R"({"mask_scale": -1})").ok());
  EXPECT_FALSE(parse_policy_json(R"({"mask-scale": 1})").ok());  // unknown key
  EXPECT_FALSE(parse_policy_json(R"({"feather": "soft"})").ok());
  // Out of float range: refused, not converted (1e300 to float is undefined behaviour, which the
  // sanitizer build reports).
  EXPECT_FALSE(parse_policy_json(R"({"min_score": 1e300})").ok());
  EXPECT_FALSE(parse_policy_json(R"({"min_score": -1e39})").ok());
}

}  // namespace policy_test
}  // namespace
}  // namespace shroud

namespace shroud {
namespace {
namespace policy_test {  // one namespace per file: unity builds batch the tests

TEST(Policy, ShippedPresetsLoad) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(shroud::testing::source_dir() / "policies")) {
    auto p = load_policy(e.path().string());
    EXPECT_TRUE(p.ok()) << e.path() << ": " << p.error().message;
    ++n;
  }
  EXPECT_GE(n, 4);
  auto missing = load_policy("/nonexistent/policy.json");
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

}  // namespace policy_test
}  // namespace
}  // namespace shroud
