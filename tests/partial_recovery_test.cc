// Issue #13 regression: Partial recovery never reveals unselected overlapping regions. Failed on the code before the fix.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

#include "cli_util.h"
#include "shroud/image_io.h"
#include "shroud/policy.h"
#include "shroud/protector.h"
#include "shroud/regions_list.h"
#include "shroud/seal.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace partial_recovery_test {  // one namespace per file: unity builds batch the tests

Action seal_action(cv::Rect rect, Kind kind) {
  Action a;
  a.rect = rect;
  a.region.kind = kind;
  a.region.box = rect;
  a.method = "seal";
  return a;
}

// Pixels of `a` inside `r` equal to those of `b`.
bool same_in(const cv::Mat& a, const cv::Mat& b, cv::Rect r) { return cv::norm(a(r), b(r), cv::NORM_INF) == 0; }

TEST(PartialRecovery, OverlappingUnselectedRegionStaysHidden) {
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  const KeySource keys{&*ks, nullptr};
  const cv::Mat original = testing::random_image(60, 80, CV_8UC3, 21);
  cv::Mat sealed = original.clone();
  const cv::Rect face(5, 5, 30, 30), plate(20, 20, 40, 30), overlap = face & plate;
  SealOptions opt;
  opt.placeholder = Placeholder::kFill;
  auto s = seal_regions(sealed, {seal_action(face, Kind::kFace), seal_action(plate, Kind::kPlate)}, opt, keys);
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_FALSE(same_in(sealed, original, overlap));

  // Only the face (region 0, sealed first): the plate's pixels, overlap included, stay hidden.
  RecoverOptions only_face;
  only_face.regions = {0};
  auto rec = recover_regions(sealed, s->container, *ks, only_face);
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_TRUE(same_in(rec->image, sealed, plate)) << "the unselected plate's pixels were revealed";
  EXPECT_TRUE(same_in(rec->image, original, cv::Rect(5, 5, 15, 30)));  // face minus the plate
  EXPECT_TRUE(same_in(rec->image, original, cv::Rect(5, 5, 30, 15)));

  // By kind, the other way round: the face's pixels stay hidden.
  RecoverOptions only_plate;
  only_plate.kinds = {Kind::kPlate};
  rec = recover_regions(sealed, s->container, *ks, only_plate);
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_TRUE(same_in(rec->image, sealed, face));
  EXPECT_TRUE(same_in(rec->image, original, cv::Rect(35, 20, 25, 30)));  // plate minus the face
  EXPECT_TRUE(same_in(rec->image, original, cv::Rect(20, 35, 40, 15)));

  // Both: bit-exact.
  rec = recover_regions(sealed, s->container, *ks);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(cv::norm(rec->image, original, cv::NORM_INF), 0);
}

}  // namespace partial_recovery_test
}  // namespace
}  // namespace shroud
