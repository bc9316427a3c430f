// CLI round trips through the built binary ($SHROUD_BIN): keygen, protect --method seal, recover.
// Failures must give a non-zero exit and leave no output file.
#include <sys/stat.h>
#include <sys/wait.h>

#include <opencv2/imgcodecs.hpp>

#include <cstdlib>
#include <fstream>

#include "cli_util.h"

namespace shroud {
namespace {
namespace seal_cli_test {  // one namespace per file: unity builds batch the tests

using testing::TempDir;

using testing::run_shroud_quiet;

bool exists(const std::string& p) { return std::filesystem::exists(p); }

class SealCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!exists(testing::shroud_bin())) GTEST_SKIP() << "missing " << testing::shroud_bin();
    original_ = testing::random_image(61, 83, CV_8UC3, 77);
    input_ = dir_.file("in.png");
    ASSERT_TRUE(cv::imwrite(input_, original_));
    regions_ = dir_.file("regions.json");
    std::ofstream(regions_) << R"({"regions":[{"kind":"face","box":[5,6,20,21]},{"kind":"plate","box":[60,40,30,30]}]})";
    keys_ = dir_.file("keys.json");
    ASSERT_EQ(run_shroud_quiet("keygen '" + keys_ + "'"), 0);
  }
  std::string protect(const std::string& out, const std::string& extra) {
    return "protect '" + input_ + "' -o '" + out + "' -d manual:'" + regions_ + "' --mask-scale 1 --method seal " + extra;
  }
  cv::Mat read(const std::string& p) { return cv::imread(p, cv::IMREAD_UNCHANGED); }

  TempDir dir_;
  cv::Mat original_;
  std::string input_, regions_, keys_;
};

TEST_F(SealCliTest, ProtectThenRecoverIsExact) {
  const std::string out = dir_.file("sealed.png"), rec = dir_.file("rec.png");
  ASSERT_EQ(run_shroud_quiet(protect(out, "--key '" + keys_ + "' --placeholder blur")), 0);
  EXPECT_GT(cv::norm(read(out), original_, cv::NORM_INF), 0);
  ASSERT_EQ(run_shroud_quiet("recover '" + out + "' -o '" + rec + "' --key '" + keys_ + "'"), 0);
  EXPECT_EQ(cv::norm(read(rec), original_, cv::NORM_INF), 0);
  // Selective: only the plate (region 1) comes back.
  const std::string part = dir_.file("part.png");
  ASSERT_EQ(run_shroud_quiet("recover '" + out + "' -o '" + part + "' --key '" + keys_ + "' --kind plate"), 0);
  const cv::Mat p = read(part);
  EXPECT_EQ(cv::norm(p(cv::Rect(60, 40, 23, 21)), original_(cv::Rect(60, 40, 23, 21)), cv::NORM_INF), 0);
  EXPECT_GT(cv::norm(p(cv::Rect(5, 6, 20, 21)), original_(cv::Rect(5, 6, 20, 21)), cv::NORM_INF), 0);
  // Existing output without --force is refused.
  EXPECT_NE(run_shroud_quiet("recover '" + out + "' -o '" + rec + "' --key '" + keys_ + "'"), 0);
}

TEST_F(SealCliTest, JpegCarrierAndSidecar) {
  const std::string out = dir_.file("sealed.jpg"), rec = dir_.file("rec.png");
  ASSERT_EQ(run_shroud_quiet(protect(out, "--key '" + keys_ + "'")), 0);
  ASSERT_EQ(run_shroud_quiet("recover '" + out + "' -o '" + rec + "' --key '" + keys_ + "'"), 0);
  const cv::Mat r = read(rec);
  EXPECT_EQ(cv::norm(r(cv::Rect(5, 6, 20, 21)), original_(cv::Rect(5, 6, 20, 21)), cv::NORM_INF), 0);
  EXPECT_EQ(cv::norm(r(cv::Rect(60, 40, 23, 21)), original_(cv::Rect(60, 40, 23, 21)), cv::NORM_INF), 0);

  const std::string out2 = dir_.file("side.png"), rec2 = dir_.file("rec2.png");
  ASSERT_EQ(run_shroud_quiet(protect(out2, "--key '" + keys_ + "' --sidecar")), 0);
  ASSERT_TRUE(exists(out2 + ".shroud"));
  EXPECT_NE(run_shroud_quiet("recover '" + out2 + "' -o '" + rec2 + "' --key '" + keys_ + "'"), 0);
  EXPECT_FALSE(exists(rec2));
  ASSERT_EQ(run_shroud_quiet("recover '" + out2 + "' -o '" + rec2 + "' --key '" + keys_ + "' --sidecar '" + out2 + ".shroud'"), 0);
  EXPECT_EQ(cv::norm(read(rec2), original_, cv::NORM_INF), 0);
}

// The names that say what they take: --keyset (seal) and --scheme-key (paper schemes) beside the
// older --key; --container beside recover's older --sidecar FILE. Two key flags are an error.
TEST_F(SealCliTest, KeysetContainerAndSchemeKeyNames) {
  const std::string out = dir_.file("side.png"), rec = dir_.file("rec.png");
  ASSERT_EQ(run_shroud_quiet(protect(out, "--keyset '" + keys_ + "' --sidecar")), 0);
  ASSERT_EQ(run_shroud_quiet("recover '" + out + "' -o '" + rec + "' --keyset '" + keys_ + "' --container '" + out + ".shroud'"), 0);
  EXPECT_EQ(cv::norm(read(rec), original_, cv::NORM_INF), 0);
  const std::string twice = dir_.file("twice.png");
  EXPECT_EQ(run_shroud_quiet(protect(twice, "--keyset '" + keys_ + "' --key '" + keys_ + "'")), 2);
  EXPECT_FALSE(exists(twice));
  EXPECT_EQ(run_shroud_quiet("recover '" + out + "' -o '" + dir_.file("none.png") + "' --container '" + out + ".shroud'"), 2);
  const std::string scheme_key = dir_.file("pe.key"), pe = dir_.file("pe.png"), pe_rec = dir_.file("pe_rec.png");
  ASSERT_EQ(run_shroud_quiet("keygen --scheme perceptual -o '" + scheme_key + "'"), 0);
  ASSERT_EQ(run_shroud_quiet("protect '" + input_ + "' -o '" + pe + "' --method perceptual --whole-frame --scheme-key '" + scheme_key + "'"), 0);
  ASSERT_EQ(run_shroud_quiet("recover '" + pe + "' -o '" + pe_rec + "' --scheme-key '" + scheme_key + "'"), 0);
  EXPECT_EQ(cv::norm(read(pe_rec), original_, cv::NORM_INF), 0);
}

TEST_F(SealCliTest, RecipientMode) {
  const std::string dc = dir_.file("dc.json"), pub = dir_.file("dc.pub");
  ASSERT_EQ(run_shroud_quiet("keygen '" + dc + "' --recipient '" + pub + "'"), 0);
  const std::string out = dir_.file("sealed.png"), rec = dir_.file("rec.png");
  ASSERT_EQ(run_shroud_quiet(protect(out, "--recipient '" + pub + "'")), 0);
  // The camera's keyset cannot recover; the data centre's can.
  EXPECT_EQ(run_shroud_quiet("recover '" + out + "' -o '" + rec + "' --key '" + keys_ + "'"), 3);
  EXPECT_FALSE(exists(rec));
  ASSERT_EQ(run_shroud_quiet("recover '" + out + "' -o '" + rec + "' --key '" + dc + "'"), 0);
  EXPECT_EQ(cv::norm(read(rec), original_, cv::NORM_INF), 0);
}

TEST_F(SealCliTest, RotationKeepsOldFilesOpen) {
  const std::string a = dir_.file("a.png"), b = dir_.file("b.png");
  ASSERT_EQ(run_shroud_quiet(protect(a, "--key '" + keys_ + "'")), 0);
  ASSERT_EQ(run_shroud_quiet("keygen '" + keys_ + "' --rotate"), 0);
  ASSERT_EQ(run_shroud_quiet(protect(b, "--key '" + keys_ + "'")), 0);
  EXPECT_EQ(run_shroud_quiet("recover '" + a + "' -o '" + dir_.file("ra.png") + "' --key '" + keys_ + "'"), 0);
  EXPECT_EQ(run_shroud_quiet("recover '" + b + "' -o '" + dir_.file("rb.png") + "' --key '" + keys_ + "'"), 0);
}

TEST_F(SealCliTest, FailuresLeaveNoOutput) {
  const std::string out = dir_.file("sealed.png"), rec = dir_.file("rec.png");
  ASSERT_EQ(run_shroud_quiet(protect(out, "--key '" + keys_ + "'")), 0);
  // Wrong key (another keyset).
  const std::string other = dir_.file("other.json");
  ASSERT_EQ(run_shroud_quiet("keygen '" + other + "'"), 0);
  EXPECT_NE(run_shroud_quiet("recover '" + out + "' -o '" + rec + "' --key '" + other + "'"), 0);
  EXPECT_FALSE(exists(rec));
  // Tampered file: flip one byte in the middle of the container chunk.
  std::vector<char> bytes;
  {
    std::ifstream in(out, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string tag = "shRd";
  auto pos = std::search(bytes.begin(), bytes.end(), tag.begin(), tag.end());
  ASSERT_NE(pos, bytes.end());
  for (std::size_t off : {std::size_t{4 + 20}, std::size_t{4 + 300}}) {
    std::vector<char> t = bytes;
    t[static_cast<std::size_t>(pos - bytes.begin()) + off] ^= 1;
    const std::string bad = dir_.file("bad.png");
    std::ofstream(bad, std::ios::binary).write(t.data(), static_cast<std::streamsize>(t.size()));
    EXPECT_NE(run_shroud_quiet("recover '" + bad + "' -o '" + rec + "' --key '" + keys_ + "'"), 0);
    EXPECT_FALSE(exists(rec));
  }
  // Pixels changed (re-encoded by another tool, container copied back is not possible here:
  // simply an image without a container).
  EXPECT_EQ(run_shroud_quiet("recover '" + input_ + "' -o '" + rec + "' --key '" + keys_ + "'"), 3);
  EXPECT_FALSE(exists(rec));
  // World-readable keyset.
  ASSERT_EQ(::chmod(keys_.c_str(), 0644), 0);
  EXPECT_EQ(run_shroud_quiet("recover '" + out + "' -o '" + rec + "' --key '" + keys_ + "'"), 7);
  EXPECT_FALSE(exists(rec));
  EXPECT_EQ(run_shroud_quiet(protect(dir_.file("x.png"), "--key '" + keys_ + "'")), 7);
  EXPECT_FALSE(exists(dir_.file("x.png")));
  // Seal without a key, or with both.
  EXPECT_EQ(run_shroud_quiet(protect(dir_.file("y.png"), "")), 2);
  EXPECT_FALSE(exists(dir_.file("y.png")));
}

}  // namespace seal_cli_test
}  // namespace
}  // namespace shroud
