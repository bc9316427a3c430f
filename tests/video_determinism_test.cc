// Same input + same options = same output bytes, whatever the number of detector workers: the
// default detector (YuNet with its change gate) on a fixed-camera clip where the gate is active,
// protected twice with 2 workers and once with 1. Fails when each worker keeps its own gate
// reference (which frames are gated, and the kept boxes, then depend on which worker ran what).
// Skips without the YuNet model or the dlib faces.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

#include "shroud/registry.h"
#include "shroud/video.h"
#include "shroud/video_eval.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace video_determinism_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::shared_dir;
using shroud::testing::TempDir;

struct Protected {
  std::map<std::int64_t, std::vector<cv::Rect>> rects;  // per frame, the protected rectangles
  std::string bytes;                                    // the output file
};

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Protected protect(const std::string& clip, const std::string& out, int workers) {
  DetectorOptions opts;
  const std::string spec = default_detector_spec(opts.models, nullptr);
  DetectorFactory factory = [&]() { return create_detector(spec, opts); };
  Protected run;
  std::mutex mu;
  VideoProtectOptions o;
  o.detect_workers = workers;
  o.writer.path = out;
  o.writer.codec = "ffv1";
  o.writer.overwrite = true;
  o.on_frame = [&](std::int64_t i, const std::vector<Action>& actions) {
    std::lock_guard<std::mutex> lock(mu);
    for (const Action& a : actions) run.rects[i].push_back(a.rect);
  };
  auto s = protect_video(clip, factory, Policy{}, o);
  EXPECT_TRUE(s.ok()) << s.error().message;
  run.bytes = file_bytes(out);
  return run;
}

TEST(VideoDeterminism, DefaultDetectorGivesTheSameBytesWithOneOrTwoWorkers) {
  const auto dlib = shared_dir() / "data" / "faces" / "dlib_examples_faces";
  SHROUD_REQUIRE_FILE(dlib / "testing.xml");
  SHROUD_REQUIRE_FILE(shared_dir() / "models" / "face_detection_yunet_2022mar.onnx");
  TempDir tmp;
  auto clip = make_static_camera_clip(dlib, (tmp.path() / "clip.mkv").string(), 48, cv::Size(640, 360));
  if (!clip.ok() && clip.error().code == ErrorCode::kNotFound) GTEST_SKIP() << clip.error().message;
  ASSERT_TRUE(clip.ok()) << clip.error().message;
  const Protected a = protect(clip->path, (tmp.path() / "a.mkv").string(), 2);
  const Protected b = protect(clip->path, (tmp.path() / "b.mkv").string(), 2);
  const Protected one = protect(clip->path, (tmp.path() / "one.mkv").string(), 1);
  ASSERT_FALSE(a.rects.empty());
  ASSERT_FALSE(a.bytes.empty());
  EXPECT_EQ(a.rects, b.rects);
  EXPECT_EQ(a.rects, one.rects);
  for (const auto& [i, rects] : one.rects) {
    EXPECT_EQ(a.rects.count(i) ? a.rects.at(i) : std::vector<cv::Rect>{}, rects) << "frame " << i;
  }
  EXPECT_TRUE(a.bytes == b.bytes) << "two runs with 2 workers wrote different bytes";
  EXPECT_TRUE(a.bytes == one.bytes) << "1 and 2 workers wrote different bytes";
}

}  // namespace video_determinism_test
}  // namespace
}  // namespace shroud
