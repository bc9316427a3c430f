// The text kind (PP-OCRv3 DB detector), the rendered text set, the kinds-driven default spec,
// and the resolution a detector asks the JPEG coefficient path for. Tests that need a model or
// a sample skip with a message when it is missing.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <algorithm>

#include "shroud/detector.h"
#include "shroud/engine.h"
#include "shroud/eval.h"
#include "shroud/registry.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace text_detect_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::shared_dir;
using shroud::testing::TempDir;

std::filesystem::path model_path(const char* file) { return shared_dir() / "models" / file; }
const char* const kText = "ch_PP-OCRv3_det_infer.onnx";
const char* const kYunet = "face_detection_yunet_2022mar.onnx";
const char* const kLpd = "license_plate_detection_lpd_yunet_2023mar.onnx";

std::unique_ptr<Detector> make(const std::string& spec) {
  auto det = create_detector(spec, DetectorOptions());
  EXPECT_TRUE(det.ok()) << det.error().message;
  return det.ok() ? std::move(*det) : nullptr;
}

TEST(DetectText, FindsTheSevenLinesOfSkimagePage) {
  SHROUD_REQUIRE_FILE(model_path(kText));
  const std::filesystem::path page = "/usr/lib/python3/dist-packages/skimage/data/page.png";
  SHROUD_REQUIRE_FILE(page);
  auto det = make("text");
  ASSERT_NE(det, nullptr);
  Frame f;
  f.image = cv::imread(page.string(), cv::IMREAD_UNCHANGED);  // 8-bit grey
  ASSERT_FALSE(f.image.empty());
  auto regions = det->detect(f);
  ASSERT_TRUE(regions.ok()) << regions.error().message;
  ASSERT_EQ(regions->size(), 7u);
  int prev_y = -1;
  for (const auto& r : *regions) {
    EXPECT_EQ(r.kind, Kind::kText);
    EXPECT_GE(r.score, 0.5f);
    EXPECT_GT(r.box.width, r.box.height);           // lines of text
    EXPECT_GE(r.box.y, prev_y);                      // sorted top to bottom
    prev_y = r.box.y;
  }
  // A blank page has no text.
  f.image = cv::Mat(f.image.size(), f.image.type(), cv::Scalar::all(255));
  regions = det->detect(f);
  ASSERT_TRUE(regions.ok());
  EXPECT_TRUE(regions->empty());
}

TEST(DetectText, BadOptionsAndMissingModelAreErrors) {
  EXPECT_FALSE(create_detector("text:every=0", DetectorOptions()).ok());
  EXPECT_FALSE(create_detector("text:bogus", DetectorOptions()).ok());
  auto missing = create_detector("text:model=/nonexistent/x.onnx", DetectorOptions());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(DetectText, RenderedSetIsDeterministicAndFound) {
  SHROUD_REQUIRE_FILE(model_path(kText));
  auto a = make_rendered_text_dataset("text-rendered");
  if (!a.ok()) GTEST_SKIP() << a.error().message;
  auto b = make_rendered_text_dataset("text-rendered");
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(a->images.size(), 8u);
  ASSERT_EQ(a->images.size(), b->images.size());
  std::size_t labels = 0;
  for (std::size_t i = 0; i < a->images.size(); ++i) {
    EXPECT_EQ(a->images[i].boxes, b->images[i].boxes);
    EXPECT_EQ(cv::norm(a->images[i].image, b->images[i].image, cv::NORM_INF), 0.0);
    labels += a->images[i].boxes.size();
  }
  EXPECT_EQ(labels, 126u);
  auto det = make("text");
  ASSERT_NE(det, nullptr);
  auto r = evaluate(*det, *a, 0.3);
  ASSERT_TRUE(r.ok()) << r.error().message;
  // Measured 0.921 / 0.906 at the default 640 (docs/detection.md).
  EXPECT_GE(r->counts.recall(), 0.90);
  EXPECT_GE(r->counts.precision(), 0.85);
}

TEST(DetectText, PlateTextIsLeftToThePlate) {
  SHROUD_REQUIRE_FILE(model_path(kText));
  SHROUD_REQUIRE_FILE(model_path(kLpd));
  const auto img = shared_dir() / "data" / "plates" / "openalpr_benchmarks" / "endtoend" / "eu" / "eu1.jpg";
  SHROUD_REQUIRE_FILE(img);
  Frame f;
  f.image = cv::imread(img.string(), cv::IMREAD_COLOR);
  auto plates = make("lpd")->detect(f);
  auto text = make("text")->detect(f);
  auto both = make("lpd,text")->detect(f);
  ASSERT_TRUE(plates.ok() && text.ok() && both.ok());
  ASSERT_FALSE(plates->empty());
  auto inside_a_plate = [&](const Region& t) {
    return std::any_of(plates->begin(), plates->end(),
                       [&](const Region& p) { return (t.box & p.box).area() * 5 >= t.box.area() * 3; });
  };
  // The text detector alone reads the plate's characters as text ...
  EXPECT_TRUE(std::any_of(text->begin(), text->end(), inside_a_plate));
  // ... the union keeps the plate and drops that text.
  for (const auto& r : *both) {
    if (r.kind == Kind::kText) {
      EXPECT_FALSE(inside_a_plate(r)) << r.box;
    }
  }
  EXPECT_TRUE(std::any_of(both->begin(), both->end(), [](const Region& r) { return r.kind == Kind::kPlate; }));
}

TEST(DetectRegistry, DefaultSpecFollowsThePolicyKinds) {
  SHROUD_REQUIRE_FILE(model_path(kYunet));
  SHROUD_REQUIRE_FILE(model_path(kLpd));
  SHROUD_REQUIRE_FILE(model_path(kText));
  const ModelLocator models((shared_dir() / "models").string());
  std::string warning;
  EXPECT_EQ(default_detector_spec(models, &warning, {Kind::kFace}), "yunet");
  EXPECT_EQ(default_detector_spec(models, &warning, {Kind::kEyes}), "yunet");
  EXPECT_EQ(default_detector_spec(models, &warning, {Kind::kPlate, Kind::kCustom}), "lpd");
  EXPECT_EQ(default_detector_spec(models, &warning, {Kind::kFace, Kind::kPlate, Kind::kText}), "yunet,lpd,text");
  EXPECT_EQ(default_detector_spec(models, &warning, {Kind::kText}), "text");
  EXPECT_EQ(default_detector_spec(models, &warning, {Kind::kPerson}), default_detector_spec(models, nullptr));
  EXPECT_TRUE(warning.empty()) << warning;
}

TEST(DetectRegistry, TextWithoutItsModelWarns) {
  TempDir empty;
  const ModelLocator models(empty.path().string());
  if (models.find(kText).ok()) GTEST_SKIP() << "the text model is found through another folder";
  std::string warning;
  const std::string spec = default_detector_spec(models, &warning, {Kind::kText});
  EXPECT_NE(warning.find(kText), std::string::npos) << warning;
  EXPECT_FALSE(spec.empty());
}

TEST(DetectRegistry, MinInputSide) {
  SHROUD_REQUIRE_FILE(model_path(kYunet));
  SHROUD_REQUIRE_FILE(model_path(kLpd));
  EXPECT_EQ(make("yunet")->min_input_side(), 0);  // tile pass: full resolution
  EXPECT_EQ(make("yunet:notile")->min_input_side(), 640);
  EXPECT_EQ(make("lpd")->min_input_side(), 0);  // refinement crops: full resolution
  EXPECT_EQ(make("lpd:single")->min_input_side(), 480);
  EXPECT_EQ(make("yunet:notile,lpd:single")->min_input_side(), 640);
  EXPECT_EQ(make("yunet,lpd")->min_input_side(), 0);
  EXPECT_EQ(make("cascade:haarcascade_frontalface_alt2.xml")->min_input_side(), -1);
}

// The JPEG coefficient path (JPEG in and out, the default for photos) once decoded at a reduced
// scale for detection, so a 1080p photo reached YuNet at 960x540 and its tile pass never ran:
// 26 of the 61 faces found in one composite. It must find what detection on full pixels finds.
TEST(DetectRegistry, JpegPathFindsTheSmallFacesOfFullResolution) {
  SHROUD_REQUIRE_FILE(model_path(kYunet));
  const auto dlib = shared_dir() / "data" / "faces" / "dlib_examples_faces";
  SHROUD_REQUIRE_FILE(dlib);
  auto set = make_small_faces_dataset(dlib, "faces-small");
  if (!set.ok()) GTEST_SKIP() << set.error().message;
  const LabeledImage& item = set->images.at(4);  // 1920x1080
  ASSERT_EQ(item.image.cols, 1920);
  TempDir dir;
  const std::string in = (dir.path() / "in.jpg").string(), out = (dir.path() / "out.jpg").string();
  ASSERT_TRUE(cv::imwrite(in, item.image, {cv::IMWRITE_JPEG_QUALITY, 95}));
  Frame f;
  f.image = cv::imread(in, cv::IMREAD_COLOR);
  auto full = make("yunet")->detect(f);
  ASSERT_TRUE(full.ok());
  EngineOptions o;
  o.detector = "yunet";
  o.method = "blur";
  o.jobs = 1;
  auto engine = Engine::create(o);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  auto report = engine->protect_paths({in}, out, false);
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->ok, 1u);
  EXPECT_EQ(report->files[0].record["jpeg"]["path"], "coefficients");
  EXPECT_GE(report->regions * 10, full->size() * 9) << report->regions << " of " << full->size();
  EXPECT_GE(report->regions, item.boxes.size() * 9 / 10);
}

}  // namespace text_detect_test
}  // namespace
}  // namespace shroud
