// CameraMotion (pan/zoom between frames) and boxes carried with it by the tracker and the video
// pipeline's backward extension.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <map>
#include <mutex>

#include "shroud/camera_motion.h"
#include "shroud/tracker.h"
#include "shroud/video.h"
#include "shroud/video_io.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace camera_motion_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::TempDir;

// Smooth random texture (blurred noise): plenty of corners, no repetition.
cv::Mat texture(cv::Size size, std::uint64_t seed) {
  cv::Mat m = shroud::testing::random_image(size.height, size.width, CV_8UC3, seed), out;
  cv::GaussianBlur(m, out, cv::Size(0, 0), 2.0);
  cv::normalize(out, out, 0, 255, cv::NORM_MINMAX);
  return out;
}

// Largest distance between where `got` and `want` put the corners of a w x h frame.
double corner_error(const cv::Matx23d& got, const cv::Matx23d& want, int w, int h) {
  double worst = 0.0;
  for (const cv::Point2d p : {cv::Point2d(0, 0), cv::Point2d(w, 0), cv::Point2d(0, h), cv::Point2d(w, h)}) {
    const cv::Point2d a(got(0, 0) * p.x + got(0, 1) * p.y + got(0, 2), got(1, 0) * p.x + got(1, 1) * p.y + got(1, 2));
    const cv::Point2d b(want(0, 0) * p.x + want(0, 1) * p.y + want(0, 2), want(1, 0) * p.x + want(1, 1) * p.y + want(1, 2));
    worst = std::max(worst, cv::norm(a - b));
  }
  return worst;
}

TEST(CameraMotion, RecoversAPanAndAZoom) {
  const cv::Mat scene = texture({900, 600}, 3);
  const cv::Rect first(200, 150, 480, 270);
  // Pan: the window moves 6 px right and 4 px up, so the picture moves 6 px left and 4 px down.
  {
    CameraMotion cam;
    EXPECT_EQ(cam.step(scene(first).clone()), cv::Matx23d(1, 0, 0, 0, 1, 0));  // first frame
    const cv::Matx23d m = cam.step(scene(first + cv::Point(6, -4)).clone());
    EXPECT_LT(corner_error(m, cv::Matx23d(1, 0, -6, 0, 1, 4), 480, 270), 1.0) << cv::Mat(m);
  }
  // Zoom in by 5 % about the centre, and rotate by 1 degree.
  {
    const cv::Mat frame = scene(first).clone();
    const cv::Mat r = cv::getRotationMatrix2D(cv::Point2f(240, 135), 1.0, 1.05);
    const cv::Matx23d want(r.at<double>(0, 0), r.at<double>(0, 1), r.at<double>(0, 2), r.at<double>(1, 0),
                           r.at<double>(1, 1), r.at<double>(1, 2));
    cv::Mat zoomed;
    cv::warpAffine(frame, zoomed, r, frame.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT);
    CameraMotion cam;
    cam.step(frame);
    const cv::Matx23d m = cam.step(zoomed);
    EXPECT_LT(corner_error(m, want, 480, 270), 1.5) << cv::Mat(m);
    // The same frames give the same transform (RANSAC is seeded the same on every call).
    CameraMotion again;
    again.step(frame);
    EXPECT_EQ(again.step(zoomed), m);
  }
}

TEST(CameraMotion, AStillCameraOrAFlatPictureIsTheIdentity) {
  const cv::Matx23d identity(1, 0, 0, 0, 1, 0);
  const cv::Mat frame = texture({480, 270}, 5);
  CameraMotion cam;
  cam.step(frame);
  EXPECT_EQ(cam.step(frame.clone()), identity);
  const cv::Mat grey(270, 480, CV_8UC3, cv::Scalar(90, 90, 90));
  CameraMotion flat;
  flat.step(grey);
  EXPECT_EQ(flat.step(grey.clone()), identity);
  // A size change starts again.
  EXPECT_EQ(cam.step(texture({320, 200}, 6)), identity);
}

TEST(CameraMotion, TrackerCarriesACoastingBoxWithTheCamera) {
  Tracker tracker;
  Region r;
  r.box = cv::Rect(100, 50, 40, 20);
  tracker.update({r}, 0);
  for (int f = 1; f <= 5; ++f) {
    tracker.apply_motion(cv::Matx23d(1, 0, -7, 0, 1, 2));  // the picture moves 7 px left, 2 down
    const auto out = tracker.predict(f);
    ASSERT_EQ(out.size(), 1u);
    const cv::Point2d c(out[0].box.x + out[0].box.width / 2.0, out[0].box.y + out[0].box.height / 2.0);
    EXPECT_NEAR(c.x, 120 - 7 * f, 1.5) << f;
    EXPECT_NEAR(c.y, 60 + 2 * f, 1.5) << f;
  }
}

// A detector that, like lpd, runs every 12th frame, and sees the object only at frame 12.
class SeenOnceDetector final : public Detector {
 public:
  explicit SeenOnceDetector(cv::Rect box) : box_(box) {}
  std::string name() const override { return "seen-once"; }
  int cadence() const override { return 12; }
  Result<std::vector<Region>> detect(const Frame& f) override {
    if (f.index != 12) return std::vector<Region>{};
    Region r;
    r.kind = Kind::kPlate;
    r.box = box_;
    r.detector = name();
    return std::vector<Region>{r};
  }

 private:
  cv::Rect box_;
};

// The camera pans 3 px a frame over a still scene; the object is found once, at frame 12. The
// pipeline must cover it in frames 1-11 (backward extension) and 13-29 (coasting) where it
// actually is, which is 33 px away from the frame-12 box by frame 1.
TEST(CameraMotion, PipelineCoversAnObjectSeenOnceWhileTheCameraPans) {
  TempDir dir;
  const cv::Mat scene = texture({480, 200}, 9);
  const cv::Size size(240, 160);
  const cv::Rect object_in_scene(160, 60, 40, 24);
  auto object_at = [&](int f) { return object_in_scene - cv::Point(3 * f, 20); };  // window at (3f, 20)
  VideoWriterOptions wo;
  wo.path = dir.file("pan.mkv");
  wo.size = size;
  wo.codec = "ffv1";
  auto writer = VideoWriter::open(wo);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  const int frames = 30;
  for (int f = 0; f < frames; ++f) ASSERT_TRUE((*writer)->write(scene(cv::Rect(cv::Point(3 * f, 20), size)).clone()).ok());
  ASSERT_TRUE((*writer)->finish().ok());

  std::mutex mu;
  std::map<std::int64_t, std::vector<cv::Rect>> covered;
  VideoProtectOptions o;
  o.detect_every = 1;
  o.tracker.hold_frames = 20;
  o.writer.path = dir.file("out.mkv");
  o.writer.codec = "ffv1";
  o.on_frame = [&](std::int64_t i, const std::vector<Action>& actions) {
    std::lock_guard<std::mutex> lock(mu);
    for (const Action& a : actions) covered[i].push_back(a.rect);
  };
  const cv::Rect seen = object_at(12);
  auto factory = [seen]() -> Result<std::unique_ptr<Detector>> {
    return std::unique_ptr<Detector>(std::make_unique<SeenOnceDetector>(seen));
  };
  auto s = protect_video(wo.path, factory, Policy{}, o);
  ASSERT_TRUE(s.ok()) << s.error().message;
  for (int f = 1; f < frames; ++f) {
    const cv::Rect truth = object_at(f);
    int best = 0;
    for (const cv::Rect& r : covered[f]) best = std::max(best, (r & truth).area());
    EXPECT_GE(best, truth.area() * 9 / 10) << "frame " << f;
  }
}

}  // namespace camera_motion_test
}  // namespace
}  // namespace shroud
