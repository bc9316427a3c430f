#include <gtest/gtest.h>

#include "shroud/tracker.h"

namespace shroud {
namespace {
namespace tracker_test {  // one namespace per file: unity builds batch the tests

Region face(int x, int y, int w = 40, int h = 40) {
  Region r;
  r.kind = Kind::kFace;
  r.box = {x, y, w, h};
  return r;
}

TEST(Tracker, KeepsIdentityOfAMovingFace) {
  Tracker t;
  int id = -1;
  for (int f = 0; f < 20; ++f) {
    auto out = t.update({face(10 + 3 * f, 50)}, f);
    ASSERT_EQ(out.size(), 1u);
    if (f == 0) id = out[0].track_id;
    EXPECT_EQ(out[0].track_id, id);
    EXPECT_EQ(out[0].box, cv::Rect(10 + 3 * f, 50, 40, 40));
  }
  EXPECT_EQ(t.total_tracks(), 1);
}

TEST(Tracker, HoldsALostBoxForHoldFramesThenDrops) {
  TrackerOptions opts;
  opts.hold_frames = 5;
  Tracker t(opts);
  for (int f = 0; f < 5; ++f) t.update({face(100 + 4 * f, 100)}, f);
  // The detector misses the face for frames 5..10.
  for (int f = 5; f <= 10; ++f) {
    auto out = t.update({}, f);
    if (f - 4 <= opts.hold_frames) {
      ASSERT_EQ(out.size(), 1u) << "frame " << f;
      // Predicted forward with the face's velocity (4 px/frame) and grown, so the true box
      // (where the face really is) stays covered.
      const cv::Rect truth(100 + 4 * f, 100, 40, 40);
      EXPECT_EQ((out[0].box & truth), truth) << "frame " << f << " box " << out[0].box;
    } else {
      EXPECT_TRUE(out.empty()) << "frame " << f;
    }
  }
}

TEST(Tracker, SeparatesKindsAndDistantObjects) {
  Tracker t;
  Region plate = face(10, 10);
  plate.kind = Kind::kPlate;
  auto out = t.update({face(10, 10), plate, face(300, 300)}, 0);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(t.new_track_ids().size(), 3u);
  out = t.update({face(12, 10), plate, face(302, 300)}, 1);
  EXPECT_EQ(out.size(), 3u);
  EXPECT_TRUE(t.new_track_ids().empty());
  EXPECT_EQ(t.total_tracks(), 3);
}

TEST(Tracker, PredictBetweenDetections) {
  Tracker t;
  t.update({face(0, 0)}, 0);
  t.update({face(10, 0)}, 2);  // 5 px/frame
  auto mid = t.predict(3);
  ASSERT_EQ(mid.size(), 1u);
  EXPECT_NEAR(mid[0].box.x + mid[0].box.width / 2.0, 35.0, 1.5);
}

}  // namespace tracker_test
}  // namespace
}  // namespace shroud
