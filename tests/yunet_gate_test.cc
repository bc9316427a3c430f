// The YuNet change gate (video): frames after a reference are detected only where they changed,
// the reference's faces elsewhere are kept; stills, large changes and old references run whole.
// Synthetic frames: Messi's face from OpenCV's messi5.jpg pasted on a smooth background.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>

#include "detect/detectors.h"
#include "shroud/detector.h"
#include "shroud/registry.h"
#include "test_util.h"

namespace shroud {
namespace {

using shroud::testing::opencv_samples;
using shroud::testing::shared_dir;

const std::string kMessi = (opencv_samples() / "messi5.jpg").string();

// A 640x360 frame: a horizontal grey ramp, Messi's head (1.5x) pasted at each of `at`.
cv::Mat scene(const cv::Mat& head, const std::vector<cv::Point>& at, int brighten = 0) {
  cv::Mat frame(360, 640, CV_8UC3);
  for (int x = 0; x < frame.cols; ++x) frame.col(x).setTo(cv::Scalar::all(60 + x / 8 + brighten));
  for (const cv::Point& p : at) head.copyTo(frame(cv::Rect(p, head.size())));
  return frame;
}

bool has_face_in(const std::vector<Region>& regions, const cv::Rect& area) {
  return std::any_of(regions.begin(), regions.end(),
                     [&](const Region& r) { return r.kind == Kind::kFace && (r.box & area) == r.box; });
}

class YunetGate : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(shared_dir() / "models" / "face_detection_yunet_2022mar.onnx")) {
      GTEST_SKIP() << "YuNet model not installed";
    }
    if (!std::filesystem::exists(kMessi)) GTEST_SKIP() << "messi5.jpg not found";
    const cv::Mat img = cv::imread(kMessi, cv::IMREAD_COLOR);
    cv::resize(img(cv::Rect(204, 66, 72, 92)), head_, cv::Size(), 1.5, 1.5, cv::INTER_LINEAR);  // 108x138
  }
  std::unique_ptr<Detector> make(const std::string& spec) {
    DetectorOptions opts;
    auto det = create_detector(spec, opts);
    EXPECT_TRUE(det.ok()) << det.error().message;
    return det.ok() ? std::move(*det) : nullptr;
  }
  Frame frame(std::int64_t index, cv::Mat image) {
    Frame f;
    f.image = std::move(image);
    f.index = index;
    return f;
  }
  cv::Mat head_;
};

TEST_F(YunetGate, KeepsUnchangedFacesAndFindsNewOnesWhereTheFrameChanged) {
  auto det = make("yunet");
  ASSERT_TRUE(det);
  const cv::Point a(40, 40), b(480, 200);
  const cv::Rect area_a(a, head_.size()), area_b(b, head_.size());
  auto r1 = det->detect(frame(1, scene(head_, {a})));
  ASSERT_TRUE(r1.ok()) << r1.error().message;
  ASSERT_TRUE(has_face_in(*r1, area_a));
  EXPECT_EQ(yunet_gated_frames(*det), 0);  // the first video frame is the reference

  // A second face walks in on the right: only that area changed.
  const cv::Mat two = scene(head_, {a, b});
  auto r2 = det->detect(frame(2, two));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(yunet_gated_frames(*det), 1);
  EXPECT_TRUE(has_face_in(*r2, area_a));
  EXPECT_TRUE(has_face_in(*r2, area_b));
  // The same faces as the whole-frame detector's.
  auto whole = make("yunet:nogate");
  ASSERT_TRUE(whole);
  auto rw = whole->detect(frame(2, two));
  ASSERT_TRUE(rw.ok());
  EXPECT_EQ(rw->size(), r2->size());
  EXPECT_EQ(yunet_gated_frames(*whole), 0);

  // The first face leaves: its area changed, so it is not kept from the reference.
  auto r3 = det->detect(frame(3, scene(head_, {b})));
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(yunet_gated_frames(*det), 2);
  EXPECT_FALSE(has_face_in(*r3, area_a));
  EXPECT_TRUE(has_face_in(*r3, area_b));

  // The light changes everywhere: the whole frame runs (and becomes the reference).
  auto r4 = det->detect(frame(4, scene(head_, {a, b}, 40)));
  ASSERT_TRUE(r4.ok());
  EXPECT_EQ(yunet_gated_frames(*det), 2);
  EXPECT_TRUE(has_face_in(*r4, area_a));
  EXPECT_TRUE(has_face_in(*r4, area_b));
}

// 1080p: the small faces are found only by the native-resolution tiles (the 640 pass sees them
// 3x smaller); a gated frame runs the tiles over its changed area.
TEST_F(YunetGate, ChangedAreasOfLargeFramesGetTheNativeTiles) {
  const cv::Mat img = cv::imread(kMessi, cv::IMREAD_COLOR);
  cv::Mat small_head;  // face about 19x26
  cv::resize(img(cv::Rect(204, 66, 72, 92)), small_head, cv::Size(), 0.6, 0.6, cv::INTER_AREA);
  auto big_scene = [&](const std::vector<cv::Point>& at) {
    cv::Mat frame(1080, 1920, CV_8UC3);
    for (int x = 0; x < frame.cols; ++x) frame.col(x).setTo(cv::Scalar::all(60 + x / 24));
    for (const cv::Point& p : at) small_head.copyTo(frame(cv::Rect(p, small_head.size())));
    return frame;
  };
  const cv::Point a(200, 150), b(1500, 800);
  const cv::Rect area_a(a, small_head.size()), area_b(b, small_head.size());
  auto notile = make("yunet:notile+nogate");
  ASSERT_TRUE(notile);
  auto r0 = notile->detect(frame(1, big_scene({a, b})));
  ASSERT_TRUE(r0.ok());
  EXPECT_FALSE(has_face_in(*r0, area_b));  // the 640 pass alone misses it
  auto det = make("yunet");
  ASSERT_TRUE(det);
  auto r1 = det->detect(frame(1, big_scene({a})));
  ASSERT_TRUE(r1.ok());
  ASSERT_TRUE(has_face_in(*r1, area_a));
  auto r2 = det->detect(frame(2, big_scene({a, b})));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(yunet_gated_frames(*det), 1);
  EXPECT_TRUE(has_face_in(*r2, area_a));
  EXPECT_TRUE(has_face_in(*r2, area_b));
}

TEST_F(YunetGate, StillsOldReferencesAndOtherSizesRunWhole) {
  auto det = make("yunet");
  ASSERT_TRUE(det);
  const cv::Mat img = scene(head_, {cv::Point(40, 40)});
  // Stills are frame 0: never gated, even when identical.
  ASSERT_TRUE(det->detect(frame(0, img)).ok());
  ASSERT_TRUE(det->detect(frame(0, img)).ok());
  EXPECT_EQ(yunet_gated_frames(*det), 0);
  ASSERT_TRUE(det->detect(frame(5, img)).ok());    // reference
  ASSERT_TRUE(det->detect(frame(6, img)).ok());    // gated (nothing changed)
  EXPECT_EQ(yunet_gated_frames(*det), 1);
  ASSERT_TRUE(det->detect(frame(30, img)).ok());   // reference too old: whole, new reference
  EXPECT_EQ(yunet_gated_frames(*det), 1);
  ASSERT_TRUE(det->detect(frame(29, img)).ok());   // earlier than the reference: whole
  EXPECT_EQ(yunet_gated_frames(*det), 1);
  cv::Mat big;
  cv::resize(img, big, cv::Size(), 2.0, 2.0);
  ASSERT_TRUE(det->detect(frame(31, big)).ok());   // other size: whole
  EXPECT_EQ(yunet_gated_frames(*det), 1);
  auto off = make("yunet:nogate");
  ASSERT_TRUE(off);
  ASSERT_TRUE(off->detect(frame(1, img)).ok());
  ASSERT_TRUE(off->detect(frame(2, img)).ok());
  EXPECT_EQ(yunet_gated_frames(*off), 0);
}

}  // namespace
}  // namespace shroud
