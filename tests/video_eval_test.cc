// Exposed face-frames on a short generated moving-camera clip (CI check of the video defaults)
// and the composite small-face set. Skips without the YuNet model or the dlib faces.
#include <gtest/gtest.h>

#include <algorithm>

#include "shroud/eval.h"
#include "shroud/registry.h"
#include "shroud/video_eval.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace video_eval_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::shared_dir;
using shroud::testing::TempDir;

std::filesystem::path dlib_dir() { return shared_dir() / "data" / "faces" / "dlib_examples_faces"; }

TEST(EvalComposite, IsDeterministicWithFacesOfEverySize) {
  SHROUD_REQUIRE_FILE(dlib_dir() / "testing.xml");
  auto a = make_small_faces_dataset(dlib_dir(), "faces-small");
  if (!a.ok() && a.error().code == ErrorCode::kNotFound) GTEST_SKIP() << a.error().message;
  ASSERT_TRUE(a.ok()) << a.error().message;
  auto b = make_small_faces_dataset(dlib_dir(), "faces-small");
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(a->images.size(), 10u);
  int small = 0;
  for (std::size_t i = 0; i < a->images.size(); ++i) {
    EXPECT_EQ(a->images[i].boxes, b->images[i].boxes);
    EXPECT_EQ(cv::norm(a->images[i].image, b->images[i].image, cv::NORM_INF), 0.0);
    for (const auto& r : a->images[i].boxes) {
      EXPECT_EQ(r & cv::Rect(0, 0, a->images[i].image.cols, a->images[i].image.rows), r);
      small += r.width < 32 ? 1 : 0;
    }
  }
  EXPECT_GE(small, 50);
  EXPECT_EQ(a->images.front().image.size(), cv::Size(1280, 720));
  EXPECT_EQ(a->images.back().image.size(), cv::Size(3840, 2160));
}

TEST(EvalVideo, DefaultDetectorLeavesNoFaceExposedOnAMovingCamera) {
  SHROUD_REQUIRE_FILE(dlib_dir() / "testing.xml");
  SHROUD_REQUIRE_FILE(shared_dir() / "models" / "face_detection_yunet_2022mar.onnx");
  TempDir tmp;
  auto clip = make_moving_camera_clip(dlib_dir(), (tmp.path() / "clip.mkv").string(), 60, cv::Size(640, 360));
  if (!clip.ok() && clip.error().code == ErrorCode::kNotFound) GTEST_SKIP() << clip.error().message;
  ASSERT_TRUE(clip.ok()) << clip.error().message;
  ASSERT_EQ(clip->faces.size(), 60u);
  DetectorOptions opts;
  const std::string spec = default_detector_spec(opts.models, nullptr);
  DetectorFactory factory = [&]() { return create_detector(spec, opts); };
  VideoProtectOptions vo;
  vo.detect_workers = 1;
  auto r = evaluate_exposure(*clip, factory, vo, (tmp.path() / "out.mkv").string());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->frames, 60);
  EXPECT_GT(r->face_frames, 100);
  EXPECT_EQ(r->exposed_face_frames, 0) << r->frames_with_exposure << " frames with an exposed face";
}

// A fixed camera with faces walking in and standing still: exercises YuNet's change gate (faces
// kept from the reference where nothing changed, detected again where something did), at the
// every frame (as the moving-camera check; at every 2nd frame this 60-frame clip leaves 1
// face-frame exposed with or without the gate), two workers as on the CLI.
TEST(EvalVideo, DefaultDetectorLeavesNoFaceExposedOnAStaticCamera) {
  SHROUD_REQUIRE_FILE(dlib_dir() / "testing.xml");
  SHROUD_REQUIRE_FILE(shared_dir() / "models" / "face_detection_yunet_2022mar.onnx");
  TempDir tmp;
  auto clip = make_static_camera_clip(dlib_dir(), (tmp.path() / "clip.mkv").string(), 60, cv::Size(640, 360));
  if (!clip.ok() && clip.error().code == ErrorCode::kNotFound) GTEST_SKIP() << clip.error().message;
  ASSERT_TRUE(clip.ok()) << clip.error().message;
  ASSERT_EQ(clip->faces.size(), 60u);
  EXPECT_NE(clip->faces.front(), clip->faces.back());  // the walkers moved
  DetectorOptions opts;
  const std::string spec = default_detector_spec(opts.models, nullptr);
  DetectorFactory factory = [&]() { return create_detector(spec, opts); };
  VideoProtectOptions vo;
  vo.detect_workers = 2;
  auto r = evaluate_exposure(*clip, factory, vo, (tmp.path() / "out.mkv").string());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->frames, 60);
  EXPECT_GT(r->face_frames, 200);
  EXPECT_EQ(r->exposed_face_frames, 0) << r->frames_with_exposure << " frames with an exposed face";
}

// A detector that finds nothing leaves every counted face-frame exposed, and each is listed with
// its frame, box and (zero) coverage. Needs only the dlib faces.
class FindsNothing final : public Detector {
 public:
  std::string name() const override { return "nothing"; }
  Result<std::vector<Region>> detect(const Frame&) override { return std::vector<Region>{}; }
};

TEST(EvalVideo, ListsEachExposedFaceFrame) {
  SHROUD_REQUIRE_FILE(dlib_dir() / "testing.xml");
  TempDir tmp;
  auto clip = make_moving_camera_clip(dlib_dir(), (tmp.path() / "clip.mkv").string(), 8, cv::Size(320, 180));
  ASSERT_TRUE(clip.ok()) << clip.error().message;
  DetectorFactory factory = []() -> Result<std::unique_ptr<Detector>> { return std::unique_ptr<Detector>(new FindsNothing); };
  VideoProtectOptions vo;
  vo.detect_workers = 1;
  auto r = evaluate_exposure(*clip, factory, vo, (tmp.path() / "out.mkv").string(), 8);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_GT(r->face_frames, 0);
  EXPECT_EQ(r->exposed_face_frames, r->face_frames);
  ASSERT_EQ(r->exposed.size(), static_cast<std::size_t>(r->exposed_face_frames));
  int last_frame = 0;
  for (const ExposedFace& e : r->exposed) {
    EXPECT_GE(e.frame, last_frame);
    last_frame = e.frame;
    EXPECT_EQ(e.covered, 0.0);
    ASSERT_LT(static_cast<std::size_t>(e.frame), clip->faces.size());
    const auto& labels = clip->faces[static_cast<std::size_t>(e.frame)];
    EXPECT_NE(std::find(labels.begin(), labels.end(), e.face), labels.end()) << "frame " << e.frame;
  }
}

TEST(EvalVideo, BadClipArgumentsAreErrors) {
  TempDir tmp;
  EXPECT_EQ(make_moving_camera_clip(dlib_dir(), (tmp.path() / "c.mkv").string(), 1).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(make_moving_camera_clip(tmp.path() / "missing", (tmp.path() / "c.mkv").string()).ok());
  EXPECT_EQ(make_static_camera_clip(dlib_dir(), (tmp.path() / "c.mkv").string(), 1).error().code,
            ErrorCode::kInvalidArgument);
}

}  // namespace video_eval_test
}  // namespace
}  // namespace shroud
