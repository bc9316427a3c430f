// BoxFollower (box_follower.h): a box seeded on one frame follows a textured patch that moves,
// where holding the seed box would not; a vanished patch stops the following; reviewed frames
// documents get the followed boxes (follow_marked_regions).
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "shroud/box_follower.h"
#include "shroud/region.h"
#include "shroud/video_io.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace box_follower_test {  // one namespace per file: unity builds batch the tests

// A 640x360 clip: a smooth random background and a 64x64 textured patch moving 3 px right and
// 1 px down per frame from (100, 150); from frame `vanish` on the patch is gone.
struct MovingPatch {
  cv::Mat background, patch;
  MovingPatch() {
    cv::RNG rng(7);
    background.create(360, 640, CV_8UC3);
    rng.fill(background, cv::RNG::UNIFORM, 0, 255);
    cv::GaussianBlur(background, background, cv::Size(), 6);
    cv::normalize(background, background, 60, 190, cv::NORM_MINMAX);
    patch.create(64, 64, CV_8UC3);
    rng.fill(patch, cv::RNG::UNIFORM, 0, 255);
    cv::GaussianBlur(patch, patch, cv::Size(), 1.5);
  }
  static cv::Rect truth(int i) { return cv::Rect(100 + 3 * i, 150 + i, 64, 64); }
  cv::Mat frame(int i, int vanish = 1 << 30) const {
    cv::Mat f = background.clone();
    if (i < vanish) patch.copyTo(f(truth(i)));
    return f;
  }
};

TEST(BoxFollower, FollowsAMovingPatchWhereHoldingTheSeedBoxWouldNot) {
  const MovingPatch clip;
  auto f = BoxFollower::start(clip.frame(0), 0, MovingPatch::truth(0));
  ASSERT_TRUE(f.ok()) << f.error().message;
  double worst = 1, worst_hold = 1;
  for (int i = 1; i < 30; ++i) {
    auto s = f->step(clip.frame(i));
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_EQ(s->frame, i);
    ASSERT_FALSE(s->lost) << "lost on frame " << i << " (confidence " << s->confidence << ")";
    const double v = iou(s->box, MovingPatch::truth(i));
    EXPECT_GE(v, 0.5) << "frame " << i;
    EXPECT_GT(s->confidence, 0.5) << "frame " << i;
    worst = std::min(worst, v);
    worst_hold = std::min(worst_hold, iou(MovingPatch::truth(0), MovingPatch::truth(i)));
  }
  EXPECT_GE(worst, 0.5);
  EXPECT_LT(worst_hold, 0.5);   // the seed box held in place loses the patch: this test can tell
}

TEST(BoxFollower, AVanishedPatchStopsTheFollowingForGood) {
  const MovingPatch clip;
  constexpr int kVanish = 15;
  auto f = BoxFollower::start(clip.frame(0, kVanish), 0, MovingPatch::truth(0));
  ASSERT_TRUE(f.ok());
  int lost_at = -1;
  for (int i = 1; i < 30; ++i) {
    auto s = f->step(clip.frame(i, kVanish));
    ASSERT_TRUE(s.ok());
    if (i < kVanish) {
      EXPECT_FALSE(s->lost) << "frame " << i;
      continue;
    }
    if (s->lost && lost_at < 0) lost_at = i;
    if (lost_at >= 0) {
      EXPECT_TRUE(s->lost) << "a lost follower came back on frame " << i;
      EXPECT_TRUE(s->box.empty());
    }
  }
  EXPECT_GE(lost_at, kVanish);
  EXPECT_LE(lost_at, kVanish + 2);   // measured: lost on the frame the patch vanished
  EXPECT_TRUE(f->lost());
}

TEST(BoxFollower, BadSeedsAndFramesAreRefused) {
  const MovingPatch clip;
  EXPECT_EQ(BoxFollower::start(cv::Mat(), 0, {0, 0, 10, 10}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(BoxFollower::start(clip.frame(0), 0, {700, 10, 10, 10}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(BoxFollower::start(clip.frame(0), 0, {10, 10, 3, 30}).error().code, ErrorCode::kInvalidArgument);
  cv::Mat f16(360, 640, CV_16UC3, cv::Scalar::all(0));
  EXPECT_EQ(BoxFollower::start(f16, 0, {10, 10, 30, 30}).error().code, ErrorCode::kInvalidArgument);
  auto f = BoxFollower::start(clip.frame(0), 0, MovingPatch::truth(0));
  ASSERT_TRUE(f.ok());
  cv::Mat small;
  cv::resize(clip.frame(1), small, cv::Size(320, 180));
  EXPECT_EQ(f->step(small).error().code, ErrorCode::kInvalidArgument);
}

// Writes the clip losslessly (FFV1) so the follower sees exactly the synthetic frames.
std::string write_clip(const testing::TempDir& dir, const MovingPatch& clip, int frames, int vanish) {
  VideoWriterOptions o;
  o.path = (dir.path() / "clip.mkv").string();
  o.size = cv::Size(640, 360);
  o.codec = "ffv1";
  auto w = VideoWriter::open(o);
  EXPECT_TRUE(w.ok()) << w.error().message;
  for (int i = 0; i < frames; ++i) EXPECT_TRUE(w.value()->write(clip.frame(i, vanish)).ok());
  EXPECT_TRUE(w.value()->finish().ok());
  return o.path;
}

TEST(BoxFollower, MarkedRegionsOfAFramesDocumentAreFollowedThroughTheClip) {
  const testing::TempDir dir;
  const MovingPatch clip;
  const std::string video = write_clip(dir, clip, 30, 1 << 30);
  const cv::Rect t0 = MovingPatch::truth(0), t5 = MovingPatch::truth(5);
  nlohmann::json doc = {{"frames",
                         {{{"frame", 0}, {"regions", {{{"kind", "face"}, {"box", {t0.x, t0.y, t0.width, t0.height}}, {"track", -1},
                                                       {"method", "fill"}, {"follow", true}}}}},
                          // the same patch as a second, unmarked track: only held, never followed
                          {{"frame", 5}, {"regions", {{{"kind", "face"}, {"box", {t5.x, t5.y, 64, 64}}, {"track", 7}}}}},
                          // the reviewer's own box of track -1 on frame 20 ends the following there
                          {{"frame", 20}, {"regions", {{{"kind", "face"}, {"box", {0, 0, 64, 64}}, {"track", -1}}}}}}}};
  auto r = follow_marked_regions(video, doc);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].seed_frame, 0);
  EXPECT_EQ((*r)[0].track, -1);
  EXPECT_EQ((*r)[0].last_frame, 19);
  EXPECT_EQ((*r)[0].end, "listed");
  EXPECT_EQ((*r)[0].lost_frame, -1);
  EXPECT_GT((*r)[0].min_confidence, 0.5);
  // Frames 1..19 each gained the followed box (fill, track -1, detector follow) over the patch.
  ASSERT_EQ(doc["frames"].size(), 21u);   // frames 0..20, sorted
  for (int i = 0; i <= 20; ++i) {
    const auto& f = doc["frames"][static_cast<std::size_t>(i)];
    ASSERT_EQ(f["frame"].get<int>(), i);
    int followed = 0;
    for (const auto& reg : f["regions"]) {
      if (reg.value("detector", std::string()) != "follow") continue;
      ++followed;
      EXPECT_EQ(reg["track"].get<int>(), -1);
      EXPECT_EQ(reg["method"].get<std::string>(), "fill");
      EXPECT_FALSE(reg.contains("follow"));
      const cv::Rect b(reg["box"][0].get<int>(), reg["box"][1].get<int>(), reg["box"][2].get<int>(), reg["box"][3].get<int>());
      EXPECT_GE(iou(b, MovingPatch::truth(i)), 0.5) << "frame " << i;
    }
    EXPECT_EQ(followed, (i >= 1 && i <= 19) ? 1 : 0) << "frame " << i;
  }

  // Lost: the patch vanishes on frame 12; nothing is added from there on.
  const testing::TempDir dir2;
  const std::string gone = write_clip(dir2, clip, 30, 12);
  nlohmann::json doc2 = {{"frames", {{{"frame", 0}, {"regions", {{{"kind", "face"}, {"box", {t0.x, t0.y, 64, 64}}, {"follow", true}}}}}}}};
  auto r2 = follow_marked_regions(gone, doc2);
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  EXPECT_EQ((*r2)[0].end, "lost");
  EXPECT_GE((*r2)[0].lost_frame, 12);
  EXPECT_LE((*r2)[0].lost_frame, 14);
  EXPECT_EQ((*r2)[0].last_frame, (*r2)[0].lost_frame - 1);
  EXPECT_EQ(doc2["frames"].size(), static_cast<std::size_t>((*r2)[0].last_frame + 1));

  // Cancelled: an error, and the document is left as it was.
  nlohmann::json doc3 = {{"frames", {{{"frame", 0}, {"regions", {{{"kind", "face"}, {"box", {t0.x, t0.y, 64, 64}}, {"follow", true}}}}}}}};
  const nlohmann::json before = doc3;
  int asked = 0;
  auto r3 = follow_marked_regions(video, doc3, {}, [&] { return ++asked > 5; });
  ASSERT_FALSE(r3.ok());
  EXPECT_NE(r3.error().message.find("cancelled"), std::string::npos);
  EXPECT_EQ(asked, 6);
  EXPECT_EQ(doc3, before);

  // A seed too small to follow is lost on its own frame; nothing is added, nothing fails.
  nlohmann::json doc4 = {{"frames", {{{"frame", 3}, {"regions", {{{"kind", "face"}, {"box", {10, 10, 3, 3}}, {"follow", true}}}}}}}};
  auto r4 = follow_marked_regions(video, doc4);
  ASSERT_TRUE(r4.ok()) << r4.error().message;
  EXPECT_EQ((*r4)[0].end, "lost");
  EXPECT_EQ((*r4)[0].lost_frame, 3);
  EXPECT_EQ(doc4["frames"].size(), 1u);

  // Malformed documents.
  for (const char* bad : {R"({"frames": 3})", R"({"frames": [{"frame": -1, "regions": []}]})",
                          R"({"frames": [{"frame": 0, "regions": [{"box": [0, 0, 9, 9], "follow": "yes"}]}]})",
                          R"({"frames": [{"frame": 0, "regions": [{"follow": true}]}]})",
                          R"({"frames": [{"frame": 0, "regions": []}, {"frame": 0, "regions": []}]})"}) {
    nlohmann::json d = nlohmann::json::parse(bad);
    auto e = follow_marked_regions(video, d);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

}  // namespace box_follower_test
}  // namespace
}  // namespace shroud
