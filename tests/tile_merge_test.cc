// merge_cut_faces (src/detect/tile_merge.h): partial faces from a tile edge against whole ones.
#include <gtest/gtest.h>

#include "detect/tile_merge.h"

namespace shroud {
namespace {
namespace tile_merge_test {  // one namespace per file: unity builds batch the tests

Region face(cv::Rect box, float score) {
  Region r;
  r.box = box;
  r.score = score;
  r.landmarks = {cv::Point2f(static_cast<float>(box.x), static_cast<float>(box.y))};
  return r;
}

// The 1080p clip's case: a tile cut the lower part of a face off and scored the rest higher than
// the whole face. The partial box goes; the whole one stays, so NMS cannot prefer the partial.
TEST(TileMerge, ACutBoxInsideAWholeFaceIsDropped) {
  std::vector<Region> faces = {face({506, 486, 150, 178}, 0.80f)};
  merge_cut_faces({face({544, 536, 126, 116}, 0.95f)}, &faces);
  ASSERT_EQ(faces.size(), 1u);
  EXPECT_EQ(faces[0].box, cv::Rect(506, 486, 150, 178));
}

// Both sides of an edge found a part and nothing else found the face: one box, their union,
// with the better part's score and landmarks.
TEST(TileMerge, TheTwoPartsOfOneFaceAreJoined) {
  std::vector<Region> faces = {face({0, 0, 40, 40}, 0.9f)};  // an unrelated face elsewhere
  merge_cut_faces({face({600, 300, 40, 120}, 0.7f), face({630, 300, 70, 120}, 0.8f)}, &faces);
  ASSERT_EQ(faces.size(), 2u);
  EXPECT_EQ(faces[1].box, cv::Rect(600, 300, 100, 120));
  EXPECT_FLOAT_EQ(faces[1].score, 0.8f);
  EXPECT_EQ(faces[1].landmarks.front(), cv::Point2f(630, 300));
}

// A cut face nothing else saw is kept as it is; a small whole face inside a large cut box does not
// remove it (only a box at least as large can stand for the cut one).
TEST(TileMerge, ALoneCutFaceIsKept) {
  std::vector<Region> faces = {face({620, 320, 20, 20}, 0.9f)};
  merge_cut_faces({face({600, 300, 60, 60}, 0.7f)}, &faces);
  ASSERT_EQ(faces.size(), 2u);
  EXPECT_EQ(faces[1].box, cv::Rect(600, 300, 60, 60));
  std::vector<Region> none;
  merge_cut_faces({}, &none);
  EXPECT_TRUE(none.empty());
}

}  // namespace tile_merge_test
}  // namespace
}  // namespace shroud
