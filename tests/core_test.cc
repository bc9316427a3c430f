#include <gtest/gtest.h>

#include "shroud/region.h"
#include "shroud/result.h"

namespace shroud {
namespace {
namespace core_test {  // one namespace per file: unity builds batch the tests

TEST(Result, CarriesValueOrError) {
  Result<int> good = 3;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  Result<int> bad = make_error(ErrorCode::kNotFound, "nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(bad.error().message, "nope");
}

TEST(Result, ExitCodesAreDistinctAndNonZero) {
  std::set<int> seen;
  for (ErrorCode c : {ErrorCode::kInvalidArgument, ErrorCode::kNotFound, ErrorCode::kUnsupported,
                      ErrorCode::kCorrupt, ErrorCode::kAuthentication, ErrorCode::kPermission,
                      ErrorCode::kIo, ErrorCode::kResourceLimit, ErrorCode::kInternal}) {
    EXPECT_NE(exit_code(c), 0);
    EXPECT_TRUE(seen.insert(exit_code(c)).second) << error_code_name(c);
  }
}

TEST(Region, KindNamesRoundTrip) {
  for (Kind k : all_kinds()) {
    auto parsed = parse_kind(kind_name(k));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, k);
  }
  EXPECT_FALSE(parse_kind("faces").ok());
}

TEST(Region, IouOfKnownBoxes) {
  EXPECT_DOUBLE_EQ(iou({0, 0, 10, 10}, {0, 0, 10, 10}), 1.0);
  EXPECT_DOUBLE_EQ(iou({0, 0, 10, 10}, {10, 0, 10, 10}), 0.0);
  EXPECT_NEAR(iou({0, 0, 10, 10}, {5, 0, 10, 10}), 50.0 / 150.0, 1e-12);
  EXPECT_DOUBLE_EQ(iou({0, 0, 0, 10}, {0, 0, 10, 10}), 0.0);
}

TEST(Region, SuppressKeepsHighestScorePerKind) {
  std::vector<Region> in(3);
  in[0].box = {0, 0, 10, 10};
  in[0].score = 0.5f;
  in[1].box = {1, 1, 10, 10};
  in[1].score = 0.9f;
  in[2].box = {1, 1, 10, 10};
  in[2].kind = Kind::kPlate;  // other kind: kept
  auto out = suppress_overlaps(in, 0.3);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FLOAT_EQ(out[0].score, 1.0f);  // the plate (score 1) sorts first
  EXPECT_EQ(out[1].box, cv::Rect(1, 1, 10, 10));
}

}  // namespace core_test
}  // namespace
}  // namespace shroud
