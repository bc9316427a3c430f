// Issue #13 regression: Fail-closed ordering: seal keys before placeholders, keygen never loses keys. Failed on the code before the fix.
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
namespace fail_closed_test {  // one namespace per file: unity builds batch the tests

namespace fs = std::filesystem;
using testing::TempDir;

bool cli_available() { return fs::exists(testing::shroud_bin()); }

Action seal_action(cv::Rect rect, Kind kind) {
  Action a;
  a.rect = rect;
  a.region.kind = kind;
  a.region.box = rect;
  a.method = "seal";
  return a;
}

TEST(FailClosed, SealWithoutAUsableKeyLeavesTheImageUntouched) {
  const cv::Mat original = testing::random_image(40, 50, CV_8UC3, 8);
  cv::Mat image = original.clone();
  SealOptions opt;
  auto s = seal_regions(image, {seal_action(cv::Rect(5, 5, 20, 20), Kind::kFace)}, opt, KeySource{});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(cv::norm(image, original, cv::NORM_INF), 0) << "placeholders drawn before the key was checked";
  // A placeholder below the strength floor is refused before anything is drawn too.
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  std::vector<Action> actions = {seal_action(cv::Rect(0, 0, 10, 10), Kind::kFace), seal_action(cv::Rect(20, 20, 10, 10), Kind::kFace)};
  actions[1].params.pixel_cells = 1000;
  opt.placeholder = Placeholder::kPixelate;
  s = seal_regions(image, actions, opt, KeySource{&*ks, nullptr});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(cv::norm(image, original, cv::NORM_INF), 0);
}

TEST(FailClosed, RecipientPublicKeyIsWrittenOnlyAfterTheKeysetIsSaved) {
  if (!cli_available()) GTEST_SKIP() << "missing " << testing::shroud_bin();
  TempDir dir;
  const std::string pub = dir.file("dc.pub");
  // The keyset cannot be saved (its folder does not exist): no public key may be handed out.
  auto r = testing::run_shroud({"keygen", dir.file("missing/dc.json"), "--recipient", pub});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(fs::exists(pub)) << "a public key was written for a secret key that was never stored";
  r = testing::run_shroud({"-q", "keygen", dir.file("dc.json"), "--recipient", pub});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(fs::exists(pub));
}

TEST(FailClosed, KeygenForceNeverReplacesAKeyset) {
  if (!cli_available()) GTEST_SKIP() << "missing " << testing::shroud_bin();
  TempDir dir;
  const std::string keys = dir.file("keys.json");
  ASSERT_EQ(testing::run_shroud({"-q", "keygen", keys}).exit_code, 0);
  const std::string before = testing::read_text(keys);
  for (const char* flag : {"-f", "--force"}) {
    const auto r = testing::run_shroud({"keygen", keys, flag});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("--discard-old-keys"), std::string::npos) << r.output;
    EXPECT_EQ(testing::read_text(keys), before);
  }
  const std::string scheme_key = dir.file("msai.key");
  ASSERT_EQ(testing::run_shroud({"-q", "keygen", "--scheme", "msai-l", "-o", scheme_key}).exit_code, 0);
  const std::string scheme_before = testing::read_text(scheme_key);
  EXPECT_EQ(testing::run_shroud({"keygen", "--scheme", "msai-l", "-o", scheme_key, "--force"}).exit_code, 2);
  EXPECT_EQ(testing::read_text(scheme_key), scheme_before);
  // Named consequence: replaced.
  ASSERT_EQ(testing::run_shroud({"-q", "keygen", keys, "--discard-old-keys"}).exit_code, 0);
  EXPECT_NE(testing::read_text(keys), before);
}

}  // namespace fail_closed_test
}  // namespace
}  // namespace shroud
