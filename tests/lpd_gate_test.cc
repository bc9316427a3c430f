// The gated LPD-YuNet plate detector (src/detect/lpd_yunet.cc): the low-resolution gate pass,
// refinement on crops around its candidates, and `lpd:single`. Skips with a message when the
// model or the openalpr / dlib samples of ../shared are absent.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <filesystem>

#include "detect/lpd_yunet.h"
#include "shroud/detector.h"
#include "shroud/registry.h"
#include "shroud/stream_context.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace lpd_gate_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::shared_dir;

const std::filesystem::path kModel = shared_dir() / "models" / "license_plate_detection_lpd_yunet_2023mar.onnx";
const std::filesystem::path kPlates = shared_dir() / "data" / "plates" / "openalpr_benchmarks" / "endtoend";

std::unique_ptr<Detector> make(const std::string& spec) {
  auto det = create_detector(spec, DetectorOptions());
  EXPECT_TRUE(det.ok()) << det.error().message;
  return det.ok() ? std::move(*det) : nullptr;
}

Frame load(const std::filesystem::path& path) {
  Frame f;
  f.image = cv::imread(path.string(), cv::IMREAD_COLOR);
  f.source = path.string();
  return f;
}

double best_iou(const std::vector<Region>& regions, const cv::Rect& truth) {
  double best = 0;
  for (const auto& r : regions) best = std::max(best, iou(r.box, truth));
  return best;
}

// us/car9.jpg (1798x1084): the plate, labelled 1029,490 119x59 (car9.txt), is about 21 px wide
// in the 320 px gate input, which scores it low (0.2 in the measurement); the refinement pass
// on a crop scaled so the candidate is 128 px wide finds it.
TEST(LpdGate, RefinementFindsTheSmallPlateTheGateScoresLow) {
  SHROUD_REQUIRE_FILE(kModel);
  SHROUD_REQUIRE_FILE(kPlates / "us" / "car9.jpg");
  auto det = make("lpd");
  ASSERT_TRUE(det);
  const Frame frame = load(kPlates / "us" / "car9.jpg");
  auto regions = det->detect(frame);
  ASSERT_TRUE(regions.ok()) << regions.error().message;
  EXPECT_GE(best_iou(*regions, cv::Rect(1029, 490, 119, 59)), 0.5) << regions->size() << " plates";
  for (const auto& r : *regions) {
    EXPECT_EQ(r.kind, Kind::kPlate);
    EXPECT_GE(r.score, 0.3f);
    EXPECT_EQ(r.detector, "lpd");
  }
  const auto passes = lpd_last_passes(*det);
  ASSERT_TRUE(passes.has_value());
  EXPECT_EQ(passes->gate, 1);
  EXPECT_GE(passes->refine, 1);
  EXPECT_EQ(passes->single, 0);
  // A non-zero frame index off the cadence runs nothing.
  Frame later = frame;
  later.index = 5;
  auto none = det->detect(later);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(lpd_last_passes(*det)->gate, 0);
}

// The gated default finds the labelled plates of BR samples (EU: DetectLpd.FindsTheLabelledEuPlate).
TEST(LpdGate, FindsTheLabelledPlatesOfBrSamples) {
  SHROUD_REQUIRE_FILE(kModel);
  SHROUD_REQUIRE_FILE(kPlates / "br" / "JIT7463.jpg");
  SHROUD_REQUIRE_FILE(kPlates / "br" / "NYZ0897.jpg");
  auto det = make("lpd");
  ASSERT_TRUE(det);
  auto a = det->detect(load(kPlates / "br" / "JIT7463.jpg"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_GE(best_iou(*a, cv::Rect(215, 502, 150, 48)), 0.5);  // JIT7463.txt
  EXPECT_EQ(lpd_last_passes(*det)->gate, 1);
  auto b = det->detect(load(kPlates / "br" / "NYZ0897.jpg"));
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_GE(best_iou(*b, cv::Rect(527, 383, 165, 53)), 0.5);  // NYZ0897.txt
}

// A photo with faces and no plate: the gate pass finds no candidate, so no refinement runs and
// no plate is reported. dlib's 2009_004587.jpg (measured: no gate candidate scores >= 0.03).
TEST(LpdGate, PlateFreePhotoGetsNoRefinementPass) {
  SHROUD_REQUIRE_FILE(kModel);
  const auto img = shared_dir() / "data" / "faces" / "dlib_examples_faces" / "2009_004587.jpg";
  SHROUD_REQUIRE_FILE(img);
  auto det = make("lpd");
  ASSERT_TRUE(det);
  auto regions = det->detect(load(img));
  ASSERT_TRUE(regions.ok()) << regions.error().message;
  EXPECT_TRUE(regions->empty()) << regions->size() << " plates";
  const auto passes = lpd_last_passes(*det);
  ASSERT_TRUE(passes.has_value());
  EXPECT_EQ(passes->gate, 1);
  EXPECT_EQ(passes->refine, 0);
}

// scikit-image's bw_text.png (a page of text) gives the gate far more than 8 low candidates
// (27 measured): the frame gets one single pass instead of that many refinements.
TEST(LpdGate, ClutteredFrameGetsOneSinglePassInsteadOfManyRefinements) {
  SHROUD_REQUIRE_FILE(kModel);
  const std::filesystem::path page = "/usr/lib/python3/dist-packages/skimage/data/bw_text.png";
  SHROUD_REQUIRE_FILE(page);
  auto det = make("lpd");
  ASSERT_TRUE(det);
  auto regions = det->detect(load(page));
  ASSERT_TRUE(regions.ok()) << regions.error().message;
  const auto passes = lpd_last_passes(*det);
  ASSERT_TRUE(passes.has_value());
  EXPECT_EQ(passes->gate, 1);
  EXPECT_EQ(passes->single, 1);
  EXPECT_EQ(passes->refine, 0);
}

TEST(LpdGate, SingleRunsOneFullPassAndOptionsParse) {
  SHROUD_REQUIRE_FILE(kModel);
  SHROUD_REQUIRE_FILE(kPlates / "eu" / "eu1.jpg");
  auto det = make("lpd:single");
  ASSERT_TRUE(det);
  EXPECT_EQ(det->name(), "lpd:single");
  auto eu = det->detect(load(kPlates / "eu" / "eu1.jpg"));
  ASSERT_TRUE(eu.ok()) << eu.error().message;
  EXPECT_GE(best_iou(*eu, cv::Rect(396, 340, 203, 46)), 0.5);
  const auto passes = lpd_last_passes(*det);
  ASSERT_TRUE(passes.has_value());
  EXPECT_EQ(passes->single, 1);
  EXPECT_EQ(passes->gate, 0);
  EXPECT_EQ(passes->refine, 0);
  EXPECT_TRUE(create_detector("lpd:single+every=3", DetectorOptions()).ok());
  auto bad = create_detector("lpd:singel", DetectorOptions());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("single"), std::string::npos) << bad.error().message;
}

// In a video stream the gate runs at 480 (the model sees one frame in 12 there); stills keep 320;
// --detect-size wins in both.
TEST(LpdGate, VideoStreamGatesAt480UnlessTheSizeIsGiven) {
  SHROUD_REQUIRE_FILE(kModel);
  SHROUD_REQUIRE_FILE(kPlates / "us" / "car9.jpg");
  const Frame frame = load(kPlates / "us" / "car9.jpg");
  auto size_of = [&](Detector& det) {
    auto regions = det.detect(frame);
    EXPECT_TRUE(regions.ok()) << regions.error().message;
    return lpd_last_passes(det)->size;
  };
  auto det = make("lpd");
  ASSERT_TRUE(det);
  EXPECT_EQ(size_of(*det), 320);
  det->set_stream(std::make_shared<StreamContext>());
  EXPECT_EQ(size_of(*det), 480);
  det->set_stream(nullptr);
  EXPECT_EQ(size_of(*det), 320);
  DetectorOptions given;
  given.detect_size = 400;
  auto fixed = create_detector("lpd", given);
  ASSERT_TRUE(fixed.ok()) << fixed.error().message;
  (*fixed)->set_stream(std::make_shared<StreamContext>());
  EXPECT_EQ(size_of(**fixed), 400);
  auto single = make("lpd:single");
  ASSERT_TRUE(single);
  single->set_stream(std::make_shared<StreamContext>());
  EXPECT_EQ(size_of(*single), 480);
}

TEST(LpdGate, PassesAreOnlyReportedForLpd) {
  SHROUD_REQUIRE_FILE(kModel);
  auto det = create_detector("cascade:haarcascade_russian_plate_number.xml", DetectorOptions());
  if (!det.ok()) GTEST_SKIP() << det.error().message;
  EXPECT_FALSE(lpd_last_passes(**det).has_value());
}

}  // namespace lpd_gate_test
}  // namespace
}  // namespace shroud
