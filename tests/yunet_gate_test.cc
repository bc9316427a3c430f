// The YuNet change gate (video): frames after a reference (the frames whose index is a multiple of
// the gate period, 12) are detected only where they changed, the reference's faces elsewhere are
// kept; stills, large changes and frames without their reference run whole. With a StreamContext
// the reference is shared by every worker's detector, so results depend on the frame index only.
// Synthetic frames: Messi's face from OpenCV's messi5.jpg pasted on a smooth background.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <thread>

#include "detect/detectors.h"
#include "shroud/detector.h"
#include "shroud/registry.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace yunet_gate_test {  // one namespace per file: unity builds batch the tests

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
  auto r1 = det->detect(frame(12, scene(head_, {a})));
  ASSERT_TRUE(r1.ok()) << r1.error().message;
  ASSERT_TRUE(has_face_in(*r1, area_a));
  EXPECT_EQ(yunet_gated_frames(*det), 0);  // frame 12 is a reference: whole

  // A second face walks in on the right: only that area changed.
  const cv::Mat two = scene(head_, {a, b});
  auto r2 = det->detect(frame(13, two));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(yunet_gated_frames(*det), 1);
  EXPECT_TRUE(has_face_in(*r2, area_a));
  EXPECT_TRUE(has_face_in(*r2, area_b));
  // The same faces as the whole-frame detector's.
  auto whole = make("yunet:nogate");
  ASSERT_TRUE(whole);
  auto rw = whole->detect(frame(13, two));
  ASSERT_TRUE(rw.ok());
  EXPECT_EQ(rw->size(), r2->size());
  EXPECT_EQ(yunet_gated_frames(*whole), 0);

  // The first face leaves: its area changed, so it is not kept from the reference.
  auto r3 = det->detect(frame(14, scene(head_, {b})));
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(yunet_gated_frames(*det), 2);
  EXPECT_FALSE(has_face_in(*r3, area_a));
  EXPECT_TRUE(has_face_in(*r3, area_b));

  // The light changes everywhere: the whole frame runs (it is not a reference: frame 12 still is).
  auto r4 = det->detect(frame(15, scene(head_, {a, b}, 40)));
  ASSERT_TRUE(r4.ok());
  EXPECT_EQ(yunet_gated_frames(*det), 2);
  EXPECT_TRUE(has_face_in(*r4, area_a));
  EXPECT_TRUE(has_face_in(*r4, area_b));
  ASSERT_TRUE(det->detect(frame(16, scene(head_, {a}))).ok());  // back to frame 12's light: gated
  EXPECT_EQ(yunet_gated_frames(*det), 3);
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
  auto r1 = det->detect(frame(12, big_scene({a})));
  ASSERT_TRUE(r1.ok());
  ASSERT_TRUE(has_face_in(*r1, area_a));
  auto r2 = det->detect(frame(13, big_scene({a, b})));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(yunet_gated_frames(*det), 1);
  EXPECT_TRUE(has_face_in(*r2, area_a));
  EXPECT_TRUE(has_face_in(*r2, area_b));
}

// Video: a detected frame that is not a gate reference runs half of the native tiles (even
// tile indices, then odd ones on the next detected frame), so each small face is seen every
// second detected frame and the tracker holds it between; gate references and stills run all.
// 1920x1080 has 2 x 4 tiles: `a` lies only in tile 0, `b` only in tile 7.
TEST_F(YunetGate, VideoFramesBetweenReferencesRotateTheTiles) {
  const cv::Mat img = cv::imread(kMessi, cv::IMREAD_COLOR);
  cv::Mat small_head;  // face about 19x26: only a native tile finds it
  cv::resize(img(cv::Rect(204, 66, 72, 92)), small_head, cv::Size(), 0.6, 0.6, cv::INTER_AREA);
  cv::Mat big(1080, 1920, CV_8UC3);
  for (int x = 0; x < big.cols; ++x) big.col(x).setTo(cv::Scalar::all(60 + x / 24));
  const cv::Point a(200, 150), b(1500, 800);
  small_head.copyTo(big(cv::Rect(a, small_head.size())));
  small_head.copyTo(big(cv::Rect(b, small_head.size())));
  const cv::Rect area_a(a, small_head.size()), area_b(b, small_head.size());

  auto still = make("yunet:nogate");  // no stream: every tile
  ASSERT_TRUE(still);
  auto rs = still->detect(frame(1, big));
  ASSERT_TRUE(rs.ok());
  ASSERT_TRUE(has_face_in(*rs, area_a));
  ASSERT_TRUE(has_face_in(*rs, area_b));

  auto video = make("yunet:nogate");  // in a stream, detect every 2: frames 2, 4, 6 ...
  ASSERT_TRUE(video);
  video->set_stream(std::make_shared<StreamContext>(2));
  for (std::int64_t i : {2, 4, 6, 8}) {
    auto r = video->detect(frame(i, big));
    ASSERT_TRUE(r.ok());
    const bool even_tiles = (i / 2) % 2 == 0;
    EXPECT_EQ(has_face_in(*r, area_a), even_tiles) << "frame " << i;
    EXPECT_EQ(has_face_in(*r, area_b), !even_tiles) << "frame " << i;
  }

  auto all_tiles = make("yunet:nogate+tilerotate=1");
  ASSERT_TRUE(all_tiles);
  all_tiles->set_stream(std::make_shared<StreamContext>(2));
  auto r1 = all_tiles->detect(frame(2, big));
  ASSERT_TRUE(r1.ok());
  EXPECT_TRUE(has_face_in(*r1, area_a) && has_face_in(*r1, area_b));

  // With the gate: reference frame 0 runs every tile; frame 2 (unchanged) keeps its faces.
  auto gated = make("yunet");
  ASSERT_TRUE(gated);
  gated->set_stream(std::make_shared<StreamContext>(2));
  for (std::int64_t i : {0, 2}) {
    auto r = gated->detect(frame(i, big));
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(has_face_in(*r, area_a) && has_face_in(*r, area_b)) << "frame " << i;
  }
  DetectorOptions opts;
  EXPECT_FALSE(create_detector("yunet:tilerotate=0", opts).ok());
  EXPECT_FALSE(create_detector("yunet:tilerotate=9", opts).ok());
  EXPECT_FALSE(create_detector("yunet:tilerotate=x", opts).ok());
  EXPECT_FALSE(create_detector("yunet:tilerotate=2x", opts).ok());
}

TEST_F(YunetGate, StillsOldReferencesAndOtherSizesRunWhole) {
  auto det = make("yunet");
  ASSERT_TRUE(det);
  const cv::Mat img = scene(head_, {cv::Point(40, 40)});
  // Stills are frame 0: never gated, even when identical.
  ASSERT_TRUE(det->detect(frame(0, img)).ok());
  ASSERT_TRUE(det->detect(frame(0, img)).ok());
  EXPECT_EQ(yunet_gated_frames(*det), 0);
  ASSERT_TRUE(det->detect(frame(3, img)).ok());    // its reference (frame 0) was not seen: whole
  EXPECT_EQ(yunet_gated_frames(*det), 0);
  ASSERT_TRUE(det->detect(frame(12, img)).ok());   // reference
  ASSERT_TRUE(det->detect(frame(13, img)).ok());   // gated (nothing changed)
  EXPECT_EQ(yunet_gated_frames(*det), 1);
  ASSERT_TRUE(det->detect(frame(30, img)).ok());   // its reference (24) was not seen: whole
  EXPECT_EQ(yunet_gated_frames(*det), 1);
  ASSERT_TRUE(det->detect(frame(24, img)).ok());   // reference
  ASSERT_TRUE(det->detect(frame(23, img)).ok());   // its reference (12) is no longer held: whole
  EXPECT_EQ(yunet_gated_frames(*det), 1);
  cv::Mat big;
  cv::resize(img, big, cv::Size(), 2.0, 2.0);
  ASSERT_TRUE(det->detect(frame(25, big)).ok());   // other size than its reference: whole
  EXPECT_EQ(yunet_gated_frames(*det), 1);
  Frame other = frame(25, img);
  other.source = "another.mp4";
  ASSERT_TRUE(det->detect(other).ok());            // another stream's frame 24 is not its reference
  EXPECT_EQ(yunet_gated_frames(*det), 1);
  ASSERT_TRUE(det->detect(frame(25, img)).ok());
  EXPECT_EQ(yunet_gated_frames(*det), 2);
  auto off = make("yunet:nogate");
  ASSERT_TRUE(off);
  ASSERT_TRUE(off->detect(frame(1, img)).ok());
  ASSERT_TRUE(off->detect(frame(2, img)).ok());
  EXPECT_EQ(yunet_gated_frames(*off), 0);
}

// Two workers' detectors sharing one StreamContext, frames handed out alternately (as the video
// pipeline's workers may take them): every frame gets the same faces as one detector given all
// frames, and the same frames are gated. With a reference per detector, the second one never sees
// frame 0 and runs its frames whole (and the first gates 2, 4 ... against frame 0 instead of
// what one detector would do), so the boxes and the gated frames would depend on the split.
TEST_F(YunetGate, WorkersSharingAStreamGetTheResultsOfOneDetector) {
  const cv::Point a(40, 40), b(480, 200);
  std::vector<cv::Mat> frames;
  for (int i = 0; i < 14; ++i) {
    // Face b walks in from frame 5, one step of 8 pixels a frame.
    frames.push_back(i < 5 ? scene(head_, {a}) : scene(head_, {a, cv::Point(b.x - 8 * (i - 5), b.y)}));
  }
  auto one = make("yunet");
  ASSERT_TRUE(one);
  one->set_stream(std::make_shared<StreamContext>(1));
  std::vector<std::vector<Region>> expected;
  for (int i = 0; i < 14; ++i) {
    auto r = one->detect(frame(i, frames[static_cast<std::size_t>(i)]));
    ASSERT_TRUE(r.ok());
    expected.push_back(*r);
  }
  EXPECT_EQ(yunet_gated_frames(*one), 12);  // all but the references 0 and 12
  auto stream = std::make_shared<StreamContext>(1);
  auto w0 = make("yunet"), w1 = make("yunet");
  ASSERT_TRUE(w0 && w1);
  w0->set_stream(stream);
  w1->set_stream(stream);
  for (int i = 0; i < 14; ++i) {
    Detector& w = i % 2 == 0 ? *w0 : *w1;
    auto r = w.detect(frame(i, frames[static_cast<std::size_t>(i)]));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), expected[static_cast<std::size_t>(i)].size()) << "frame " << i;
    for (std::size_t k = 0; k < r->size(); ++k) {
      EXPECT_EQ((*r)[k].box, expected[static_cast<std::size_t>(i)][k].box) << "frame " << i;
    }
  }
  EXPECT_EQ(yunet_gated_frames(*w0) + yunet_gated_frames(*w1), 12);
  EXPECT_EQ(yunet_gated_frames(*w1), 7);  // 1, 3 ... 11 against frame 0, 13 against frame 12
  // Frame 0's reference was taken by frames 1..11 and dropped; frame 12's waits for 13..23.
  EXPECT_EQ(stream->pending(), 1u);
}

// A worker given frame k before frame k's reference is done waits for it; close() (a failed
// pipeline) releases a waiter, which then runs the whole frame.
TEST_F(YunetGate, AWorkerWaitsForItsReferenceAndCloseReleasesIt) {
  const cv::Mat img = scene(head_, {cv::Point(40, 40)});
  auto stream = std::make_shared<StreamContext>(1);
  auto w0 = make("yunet"), w1 = make("yunet");
  ASSERT_TRUE(w0 && w1);
  w0->set_stream(stream);
  w1->set_stream(stream);
  Result<std::vector<Region>> r1 = std::vector<Region>{};
  std::thread t([&] { r1 = w1->detect(frame(1, img)); });
  auto r0 = w0->detect(frame(0, img));
  t.join();
  ASSERT_TRUE(r0.ok() && r1.ok());
  EXPECT_EQ(yunet_gated_frames(*w1), 1);
  EXPECT_EQ(r1->size(), r0->size());

  // Frame 13's reference (12) never comes: closing the stream lets it run whole.
  std::thread t2([&] { r1 = w1->detect(frame(13, img)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stream->close();
  t2.join();
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(yunet_gated_frames(*w1), 1);
  EXPECT_EQ(r1->size(), r0->size());
  // A reference that fails (here an empty frame) publishes nothing: its frames run whole, no wait.
  auto stream2 = std::make_shared<StreamContext>(1);
  w0->set_stream(stream2);
  w1->set_stream(stream2);
  EXPECT_FALSE(w0->detect(frame(24, cv::Mat())).ok());
  r1 = w1->detect(frame(25, img));
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(yunet_gated_frames(*w1), 1);
  EXPECT_EQ(r1->size(), r0->size());
}

// With detect-every N the reference period is 12 rounded up to a multiple of N (frames the
// pipeline actually detects), and every detected frame between two references is gated.
TEST_F(YunetGate, ReferencesFollowDetectEvery) {
  const cv::Mat img = scene(head_, {cv::Point(40, 40)});
  auto det = make("yunet");
  ASSERT_TRUE(det);
  det->set_stream(std::make_shared<StreamContext>(5));  // period 15: references 0, 15, 30
  for (int i : {0, 5, 10, 15, 20, 25, 30}) ASSERT_TRUE(det->detect(frame(i, img)).ok());
  EXPECT_EQ(yunet_gated_frames(*det), 4);
  auto every12 = make("yunet");
  ASSERT_TRUE(every12);
  every12->set_stream(std::make_shared<StreamContext>(12));  // every detected frame is a reference
  for (int i : {0, 12, 24}) ASSERT_TRUE(every12->detect(frame(i, img)).ok());
  EXPECT_EQ(yunet_gated_frames(*every12), 0);
}

}  // namespace yunet_gate_test
}  // namespace
}  // namespace shroud
