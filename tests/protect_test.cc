#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "shroud/pipeline.h"
#include "shroud/protector.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace protect_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::random_image;

Action make_action(const std::string& method, cv::Rect rect) {
  Action a;
  a.method = method;
  a.rect = rect;
  return a;
}

// Pixels outside `rect` are untouched and the alpha channel is never changed.
void expect_only_rect_changed(const cv::Mat& before, const cv::Mat& after, cv::Rect rect, bool alpha_kept) {
  cv::Mat diff;
  cv::absdiff(before, after, diff);
  cv::Mat outside = diff.clone();
  outside(rect).setTo(0);
  EXPECT_EQ(cv::countNonZero(outside.reshape(1)), 0) << "pixels outside the region changed";
  if (alpha_kept && before.channels() == 4) {
    cv::Mat a0, a1;
    cv::extractChannel(before, a0, 3);
    cv::extractChannel(after, a1, 3);
    EXPECT_EQ(cv::countNonZero(a0 != a1), 0) << "alpha changed";
  }
}

class ProtectorTypes : public ::testing::TestWithParam<std::tuple<std::string, int>> {};

TEST_P(ProtectorTypes, ChangesOnlyTheRegionAndKeepsAlpha) {
  const auto [method, type] = GetParam();
  const cv::Mat original = random_image(61, 83, type, 7);
  cv::Mat img = original.clone();
  const cv::Rect rect(10, 5, 40, 33);
  auto prot = create_protector(method);
  ASSERT_TRUE(prot.ok());
  ASSERT_TRUE((*prot)->apply(img, make_action(method, rect)).ok());
  EXPECT_EQ(img.type(), original.type());
  expect_only_rect_changed(original, img, rect, true);
  cv::Mat diff;
  cv::absdiff(original(rect), img(rect), diff);
  EXPECT_GT(cv::countNonZero(diff.reshape(1)), rect.area() / 2) << "region barely changed";
}

INSTANTIATE_TEST_SUITE_P(AllTypes, ProtectorTypes,
                         ::testing::Combine(::testing::Values("blur", "pixelate", "fill"),
                                            ::testing::Values(CV_8UC1, CV_8UC3, CV_8UC4, CV_16UC1, CV_16UC3,
                                                              CV_16UC4)));

TEST(Pixelate, CellsHoldTheRoundedMean) {
  cv::Mat img(20, 20, CV_8UC1);
  for (int y = 0; y < 20; ++y)
    for (int x = 0; x < 20; ++x) img.at<uchar>(y, x) = static_cast<uchar>(x * 10 + y);
  const cv::Mat original = img.clone();
  Action a = make_action("pixelate", {0, 0, 20, 20});
  a.params.pixel_cells = 2;  // 10x10 cells
  auto prot = create_protector("pixelate");
  ASSERT_TRUE((*prot)->apply(img, a).ok());
  for (cv::Rect cell : {cv::Rect(0, 0, 10, 10), cv::Rect(10, 0, 10, 10), cv::Rect(0, 10, 10, 10), cv::Rect(10, 10, 10, 10)}) {
    const double mean = cv::mean(original(cell))[0];
    double lo, hi;
    cv::minMaxLoc(img(cell), &lo, &hi);
    EXPECT_EQ(lo, hi);
    EXPECT_EQ(lo, std::round(mean));
  }
}

TEST(Fill, UsesTheColourScaledTo16Bit) {
  cv::Mat img(10, 10, CV_16UC3, cv::Scalar(1, 2, 3));
  Action a = make_action("fill", {2, 2, 4, 4});
  a.params.fill_color = cv::Scalar(255, 0, 128);
  ASSERT_TRUE((*create_protector("fill"))->apply(img, a).ok());
  EXPECT_EQ(img.at<cv::Vec3w>(3, 3), cv::Vec3w(65535, 0, 128 * 257));
  EXPECT_EQ(img.at<cv::Vec3w>(0, 0), cv::Vec3w(1, 2, 3));
}

TEST(Blur, RemovesDetailInLargeRegions) {
  const cv::Mat original = random_image(300, 300, CV_8UC3, 3);
  cv::Mat img = original.clone();
  ASSERT_TRUE((*create_protector("blur"))->apply(img, make_action("blur", {50, 50, 200, 200})).ok());
  cv::Scalar mean, stddev;
  cv::meanStdDev(img(cv::Rect(60, 60, 180, 180)), mean, stddev);
  EXPECT_LT(stddev[0], 5.0);  // uniform noise has stddev ~74; a strong blur leaves almost none
  EXPECT_NEAR(mean[0], 127.5, 5.0);
}

TEST(Shape, EllipseLeavesCornersAndFeatherBlends) {
  const cv::Mat original = random_image(100, 100, CV_8UC3, 5);
  cv::Mat img = original.clone();
  Action a = make_action("fill", {0, 0, 100, 100});
  a.shape = Shape::kEllipse;
  ASSERT_TRUE((*create_protector("fill"))->apply(img, a).ok());
  EXPECT_EQ(img.at<cv::Vec3b>(0, 0), original.at<cv::Vec3b>(0, 0));    // corner untouched
  EXPECT_EQ(img.at<cv::Vec3b>(50, 50), cv::Vec3b(0, 0, 0));             // centre filled

  cv::Mat soft(100, 100, CV_8UC1, cv::Scalar(200));
  Action f = make_action("fill", {0, 0, 100, 100});
  f.feather = 0.2;
  ASSERT_TRUE((*create_protector("fill"))->apply(soft, f).ok());
  EXPECT_EQ(soft.at<uchar>(50, 50), 0);
  EXPECT_GT(soft.at<uchar>(0, 50), 100);  // the edge keeps most of the original
  EXPECT_LT(soft.at<uchar>(10, 50), soft.at<uchar>(0, 50));
}

TEST(Protector, RejectsBadRegionsAndTypes) {
  cv::Mat img(10, 10, CV_8UC3, cv::Scalar(0));
  auto prot = create_protector("blur");
  EXPECT_FALSE((*prot)->apply(img, make_action("blur", {5, 5, 10, 10})).ok());
  EXPECT_FALSE((*prot)->apply(img, make_action("blur", {0, 0, 0, 0})).ok());
  cv::Mat f32(10, 10, CV_32FC3);
  EXPECT_EQ((*prot)->apply(f32, make_action("blur", {0, 0, 5, 5})).error().code, ErrorCode::kUnsupported);
  EXPECT_FALSE(create_protector("smudge").ok());
}

TEST(Pipeline, OneByOnePixelAndEdgeRegions) {
  cv::Mat img = random_image(9, 7, CV_8UC3, 9);
  const cv::Mat original = img.clone();
  std::vector<Action> actions = {make_action("pixelate", {0, 0, 1, 1}), make_action("blur", {6, 8, 1, 1}),
                                 make_action("fill", {3, 0, 4, 9})};
  ASSERT_TRUE(apply_actions(img, actions).ok());
  EXPECT_EQ(img.at<cv::Vec3b>(0, 0), original.at<cv::Vec3b>(0, 0));  // mean of one pixel is itself
  EXPECT_EQ(img.at<cv::Vec3b>(4, 5), cv::Vec3b(0, 0, 0));
}

}  // namespace protect_test
}  // namespace
}  // namespace shroud
