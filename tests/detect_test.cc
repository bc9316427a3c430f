// Detectors: YuNet, YOLOX, UltraFace on OpenCV's messi5.jpg; model lookup errors; the default
// detector spec. Tests that need a model or a sample skip with a message when it is missing.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>

#include "shroud/detector.h"
#include "shroud/policy.h"
#include "shroud/registry.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace detect_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::opencv_samples;
using shroud::testing::shared_dir;
using shroud::testing::TempDir;

const std::string kMessi = (opencv_samples() / "messi5.jpg").string();
// Messi's face in messi5.jpg (548x342), about 32x43 pixels.
const cv::Rect kMessiFace(224, 91, 32, 43);

std::filesystem::path model_path(const char* file) { return shared_dir() / "models" / file; }

Frame load_frame(const std::string& path) {
  Frame f;
  f.image = cv::imread(path, cv::IMREAD_COLOR);
  f.source = path;
  return f;
}

std::unique_ptr<Detector> make(const std::string& spec) {
  DetectorOptions opts;
  auto det = create_detector(spec, opts);
  EXPECT_TRUE(det.ok()) << det.error().message;
  return det.ok() ? std::move(*det) : nullptr;
}

bool inside(const cv::Point2f& p, const cv::Rect& box) {
  return p.x >= box.x && p.y >= box.y && p.x <= box.x + box.width && p.y <= box.y + box.height;
}

const Region* best_match(const std::vector<Region>& regions, Kind kind, const cv::Rect& truth) {
  const Region* best = nullptr;
  for (const auto& r : regions) {
    if (r.kind == kind && (best == nullptr || iou(r.box, truth) > iou(best->box, truth))) best = &r;
  }
  return best != nullptr && iou(best->box, truth) >= 0.5 ? best : nullptr;
}

TEST(DetectYunet, FindsMessiWithLandmarksInsideTheBox) {
  SHROUD_REQUIRE_FILE(model_path("face_detection_yunet_2022mar.onnx"));
  SHROUD_REQUIRE_FILE(kMessi);
  auto det = make("yunet");
  ASSERT_TRUE(det);
  auto regions = det->detect(load_frame(kMessi));
  ASSERT_TRUE(regions.ok()) << regions.error().message;
  const Region* face = best_match(*regions, Kind::kFace, kMessiFace);
  ASSERT_NE(face, nullptr) << "Messi's face not found";
  EXPECT_EQ(face->detector, "yunet");
  EXPECT_GT(face->score, 0.5f);
  ASSERT_EQ(face->landmarks.size(), 5u);
  for (const auto& p : face->landmarks) EXPECT_TRUE(inside(p, face->box)) << p << " outside " << face->box;
  // Landmark 0 is the subject's right eye: on the left of the image, above the mouth.
  EXPECT_LT(face->landmarks[0].x, face->landmarks[1].x);
  EXPECT_LT(face->landmarks[0].y, face->landmarks[3].y);
}

TEST(DetectYunet, EyesFromLandmarksLieInsideTheFace) {
  SHROUD_REQUIRE_FILE(model_path("face_detection_yunet_2022mar.onnx"));
  SHROUD_REQUIRE_FILE(kMessi);
  auto faces_det = make("yunet");
  auto eyes_det = make("yunet:eyes");
  ASSERT_TRUE(faces_det && eyes_det);
  const Frame frame = load_frame(kMessi);
  auto faces = faces_det->detect(frame);
  auto eyes = eyes_det->detect(frame);
  ASSERT_TRUE(faces.ok() && eyes.ok());
  ASSERT_EQ(faces->size(), eyes->size());
  ASSERT_FALSE(faces->empty());
  for (std::size_t i = 0; i < faces->size(); ++i) {
    const Region& f = (*faces)[i];
    auto derived = eyes_from_face(f);
    ASSERT_TRUE(derived.has_value());
    EXPECT_EQ((*eyes)[i].kind, Kind::kEyes);
    EXPECT_EQ((*eyes)[i].box, derived->box);
    // The eye band lies in the upper part of the face box (a little slack for the padding).
    const cv::Rect slack(f.box.x - 2, f.box.y - 2, f.box.width + 4, f.box.height + 4);
    EXPECT_EQ(derived->box & slack, derived->box) << derived->box << " vs face " << f.box;
    EXPECT_LT(derived->box.height, f.box.height);
    // For a clear frontal face (Messi's), the band is in the upper half of the face.
    if (iou(f.box, kMessiFace) >= 0.5) {
      EXPECT_LT(derived->box.y + derived->box.height / 2, f.box.y + f.box.height / 2);
    }
  }
}

TEST(DetectYunet, WorksOnGrayAnd16BitFrames) {
  SHROUD_REQUIRE_FILE(model_path("face_detection_yunet_2022mar.onnx"));
  SHROUD_REQUIRE_FILE(kMessi);
  auto det = make("yunet");
  ASSERT_TRUE(det);
  Frame f = load_frame(kMessi);
  cv::Mat wide;
  f.image.convertTo(wide, CV_16U, 257.0);
  Frame f16{wide, 0, 0.0, kMessi};
  auto r = det->detect(f16);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(best_match(*r, Kind::kFace, kMessiFace), nullptr);
  Frame empty;
  EXPECT_EQ(det->detect(empty).error().code, ErrorCode::kInvalidArgument);
}

TEST(DetectYunet, TilingKeepsTheFaces) {
  SHROUD_REQUIRE_FILE(model_path("face_detection_yunet_2022mar.onnx"));
  SHROUD_REQUIRE_FILE(kMessi);
  DetectorOptions opts;
  opts.detect_size = 320;  // small enough that messi5.jpg is tiled
  auto det = create_detector("yunet:tile", opts);
  ASSERT_TRUE(det.ok()) << det.error().message;
  auto r = (*det)->detect(load_frame(kMessi));
  ASSERT_TRUE(r.ok());
  EXPECT_NE(best_match(*r, Kind::kFace, kMessiFace), nullptr);
}

TEST(DetectYolox, FindsPersonsInMessi) {
  SHROUD_REQUIRE_FILE(model_path("yolox_nano.onnx"));
  SHROUD_REQUIRE_FILE(kMessi);
  auto det = make("yolox");
  ASSERT_TRUE(det);
  auto regions = det->detect(load_frame(kMessi));
  ASSERT_TRUE(regions.ok()) << regions.error().message;
  const auto persons = std::count_if(regions->begin(), regions->end(), [](const Region& r) {
    return r.kind == Kind::kPerson && r.label == "person" && r.score >= 0.3f;
  });
  EXPECT_GE(persons, 3);
  // Messi himself: a tall box around the centre of the image.
  const bool messi = std::any_of(regions->begin(), regions->end(), [](const Region& r) {
    return r.kind == Kind::kPerson && r.box.contains(cv::Point(240, 150)) && r.box.height > 200;
  });
  EXPECT_TRUE(messi);
  // The ball is a COCO class that is neither person nor vehicle: custom with its label.
  const bool ball = std::any_of(regions->begin(), regions->end(), [](const Region& r) {
    return r.kind == Kind::kCustom && r.label == "sports ball";
  });
  EXPECT_TRUE(ball);
}

TEST(DetectUltraface, FindsMessisFace) {
  SHROUD_REQUIRE_FILE(model_path("ultraface_version-RFB-320_simplified.onnx"));
  SHROUD_REQUIRE_FILE(kMessi);
  auto det = make("ultraface");
  ASSERT_TRUE(det);
  auto regions = det->detect(load_frame(kMessi));
  ASSERT_TRUE(regions.ok()) << regions.error().message;
  const Region* face = best_match(*regions, Kind::kFace, kMessiFace);
  ASSERT_NE(face, nullptr);
  EXPECT_EQ(face->detector, "ultraface");
}

TEST(DetectDnn, HandlesTinyOddAndMultiChannelFrames) {
  for (const char* spec : {"yunet", "yunet:tile", "yunet:tilescale=0.5", "ultraface", "yolox", "lpd"}) {
    DetectorOptions opts;
    auto det = create_detector(spec, opts);
    if (!det.ok()) {
      EXPECT_EQ(det.error().code, ErrorCode::kNotFound) << det.error().message;
      continue;  // model missing on this machine
    }
    const cv::Mat frames[] = {
        shroud::testing::random_image(1, 1, CV_8UC3),     shroud::testing::random_image(2, 700, CV_8UC1),
        shroud::testing::random_image(700, 3, CV_8UC4),   shroud::testing::random_image(40, 60, CV_16UC3),
        shroud::testing::random_image(200, 1000, CV_8UC3),  // wide enough to be tiled
        shroud::testing::random_image(1000, 130, CV_8UC3),  // tall, tiled in one column
    };
    for (const auto& m : frames) {
      Frame f{m, 0, 0.0, "synthetic"};
      auto r = (*det)->detect(f);
      ASSERT_TRUE(r.ok()) << spec << " " << m.cols << "x" << m.rows << ": " << r.error().message;
    }
  }
}

TEST(DetectModels, MissingModelIsNotFoundNamingTheFile) {
  for (const char* spec : {"yunet:model=no_such_yunet.onnx", "yolox:model=no_such_yolox.onnx",
                           "ultraface:model=/nonexistent/no_such_ultraface.onnx", "lpd:model=no_such_lpd.onnx"}) {
    auto det = create_detector(spec, DetectorOptions());
    ASSERT_FALSE(det.ok()) << spec;
    EXPECT_EQ(det.error().code, ErrorCode::kNotFound) << spec;
    EXPECT_NE(det.error().message.find("no_such_"), std::string::npos) << det.error().message;
    EXPECT_NE(det.error().message.find("scripts/fetch-models"), std::string::npos) << det.error().message;
  }
}

TEST(DetectModels, MissingModelDirectoryIsNotFound) {
  DetectorOptions opts;
  opts.models = ModelLocator("/nonexistent/shroud-models");
  auto det = create_detector("yunet", opts);
  ASSERT_FALSE(det.ok());
  EXPECT_EQ(det.error().code, ErrorCode::kNotFound);
}

TEST(DetectModels, UnknownOptionIsInvalidArgument) {
  for (const char* spec : {"yunet:bogus", "yolox:eyes", "ultraface:tile", "yunet:tilescale=9", "yunet:tilescale=x",
                           "lpd:every=0", "lpd:every=x", "lpd:tile"}) {
    auto det = create_detector(spec, DetectorOptions());
    ASSERT_FALSE(det.ok()) << spec;
    EXPECT_EQ(det.error().code, ErrorCode::kInvalidArgument) << spec;
  }
}

TEST(DetectRegistry, ListsTheDnnDetectors) {
  for (const char* name : {"yunet", "yolox", "ultraface", "lpd", "cascade"}) {
    const auto& reg = detector_registry();
    EXPECT_TRUE(std::any_of(reg.begin(), reg.end(), [&](const DetectorInfo& d) { return d.name == name; }))
        << name;
  }
}

TEST(DetectRegistry, DefaultSpecUsesYunetWhenTheModelIsFound) {
  SHROUD_REQUIRE_FILE(model_path("face_detection_yunet_2022mar.onnx"));
  std::string warning = "stale";
  const std::string spec = default_detector_spec(ModelLocator((shared_dir() / "models").string()), &warning);
  EXPECT_EQ(spec.rfind("yunet", 0), 0u) << spec;
  if (std::filesystem::exists(model_path("license_plate_detection_lpd_yunet_2023mar.onnx"))) {
    EXPECT_NE(spec.find(",lpd"), std::string::npos) << spec;
  } else {
    EXPECT_NE(spec.find("plate"), std::string::npos) << spec;
  }
  EXPECT_TRUE(warning.empty()) << warning;
  auto det = create_detector(spec, DetectorOptions());
  EXPECT_TRUE(det.ok()) << det.error().message;
}

TEST(DetectLpd, FindsTheLabelledEuPlate) {
  SHROUD_REQUIRE_FILE(model_path("license_plate_detection_lpd_yunet_2023mar.onnx"));
  const auto img = shared_dir() / "data" / "plates" / "openalpr_benchmarks" / "endtoend" / "eu" / "eu1.jpg";
  SHROUD_REQUIRE_FILE(img);
  auto det = make("lpd");
  ASSERT_TRUE(det);
  // eu1.txt labels the plate at 396,340 203x46.
  auto regions = det->detect(load_frame(img.string()));
  ASSERT_TRUE(regions.ok()) << regions.error().message;
  const cv::Rect truth(396, 340, 203, 46);
  double best = 0;
  for (const auto& r : *regions) {
    EXPECT_EQ(r.kind, Kind::kPlate);
    EXPECT_GT(r.score, 0.0f);
    best = std::max(best, iou(r.box, truth));
  }
  EXPECT_GE(best, 0.5) << regions->size() << " plates";
  // A crop of the image (another net input size, same net) still finds it, in the crop's coordinates.
  Frame crop = load_frame(img.string());
  crop.image = crop.image(cv::Rect(200, 150, crop.image.cols - 200, crop.image.rows - 150)).clone();
  auto again = det->detect(crop);
  ASSERT_TRUE(again.ok());
  const cv::Rect shifted(196, 190, 203, 46);
  double best_crop = 0;
  for (const auto& r : *again) best_crop = std::max(best_crop, iou(r.box, shifted));
  EXPECT_GE(best_crop, 0.5);
}

TEST(DetectLpd, NoPlatesInAFaceImageAndBadOptionsFail) {
  SHROUD_REQUIRE_FILE(model_path("license_plate_detection_lpd_yunet_2023mar.onnx"));
  SHROUD_REQUIRE_FILE(kMessi);
  auto det = make("lpd");
  ASSERT_TRUE(det);
  auto regions = det->detect(load_frame(kMessi));
  ASSERT_TRUE(regions.ok()) << regions.error().message;
  EXPECT_LE(regions->size(), 1u);
  EXPECT_EQ(create_detector("lpd:bogus", DetectorOptions()).error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(det->detect(Frame{}).ok());
}

TEST(DetectRegistry, DefaultSpecFallsBackToCascadesWithAWarning) {
  TempDir empty;
  std::string warning;
  // The locator also searches ../shared/models; only check the fallback when nothing is found.
  const ModelLocator locator(empty.path().string());
  if (locator.find("face_detection_yunet_2022mar.onnx").ok()) GTEST_SKIP() << "YuNet model is installed";
  const std::string spec = default_detector_spec(locator, &warning);
  EXPECT_NE(spec.find("cascade:"), std::string::npos);
  EXPECT_NE(warning.find("face_detection_yunet_2022mar.onnx"), std::string::npos);
  EXPECT_NE(warning.find("scripts/fetch-models"), std::string::npos);
}

}  // namespace detect_test
}  // namespace
}  // namespace shroud
