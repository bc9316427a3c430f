// Attacks on the perceptual-encryption schemes (P0-P4) and the SISA paper mode (S1, S3), and the
// same procedures against the seal, which must fail.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "shroud/attack.h"

namespace shroud {
namespace {
namespace attack_pe_test {  // one namespace per file: unity builds batch the tests

using namespace shroud::testing;

AttackResult run(const std::string& name, const std::string& scheme, int trials = 0, int size = 0) {
  AttackOptions o;
  o.scheme = scheme;
  o.trials = trials;
  if (size > 0) o.params["size"] = size;
  auto r = run_attack(name, o);
  EXPECT_TRUE(r.ok()) << name << " --scheme " << scheme << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : AttackResult{};
}

TEST(AttackPe, P0PaperAlgorithm1RecoversThePbeKey) {
  for (const char* scheme : {"pbe", "pbe-noshuffle"}) {
    auto r = run("pbe-cpa", scheme, 2, 32);
    EXPECT_DOUBLE_EQ(r.success, 1.0) << scheme;
    EXPECT_DOUBLE_EQ(r.detail["key_kc_recovered"].get<double>(), 1.0) << scheme;
    EXPECT_DOUBLE_EQ(r.detail["key_ks_recovered"].get<double>(), 1.0) << scheme;
    EXPECT_DOUBLE_EQ(r.detail["pixels_resolved"].get<double>(), 1.0) << scheme;
  }
  // Without the shuffle the printed Algorithm 1 alone is the whole key.
  auto plain = run("pbe-cpa", "pbe-noshuffle", 1, 32);
  EXPECT_DOUBLE_EQ(plain.detail["algorithm1_kc_recovered"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(plain.detail["fresh_pixels_exact_algorithm1_key"].get<double>(), 1.0);
}

TEST(AttackPe, P1TwoChosenImagesDecryptFreshImages) {
  auto r = run("perceptual-cpa", "perceptual", 2, 48);
  EXPECT_DOUBLE_EQ(r.success, 1.0);
  EXPECT_DOUBLE_EQ(r.detail["pixels_resolved"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(r.detail["equivalent_mask_matches"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(r.detail["ks_matches"].get<double>(), 1.0);
  for (const auto& img : r.detail["fresh_images"]) EXPECT_DOUBLE_EQ(img["pixels_exact"].get<double>(), 1.0);
}

TEST(AttackPe, P2OneChosenImageRevealsChannelValues) {
  auto r = run("perceptual-one-image", "perceptual", 2, 32);
  EXPECT_DOUBLE_EQ(r.success, 1.0);
  EXPECT_DOUBLE_EQ(r.detail["pixels_rgb_sum_exact"].get<double>(), 1.0);
  // The order stays hidden: far from every pixel is exact without K_s.
  EXPECT_LT(r.detail["pixels_exact_without_ks"].get<double>(), 0.9);
}

TEST(AttackPe, P3KnownPlaintextCoverage) {
  auto r = run("perceptual-kpa", "perceptual", 3, 64);
  const auto& cov = r.detail["coverage"];
  ASSERT_EQ(cov.size(), 3u);
  EXPECT_DOUBLE_EQ(cov[0]["pixels_fixed"].get<double>(), 0.0);  // one pair fixes nothing
  EXPECT_GT(cov[1]["pixels_fixed"].get<double>(), 0.8);
  EXPECT_GE(cov[2]["pixels_fixed"].get<double>(), 0.99);
  EXPECT_DOUBLE_EQ(r.success, cov[2]["pixels_fixed"].get<double>());
  for (const auto& c : cov) EXPECT_DOUBLE_EQ(c["pixels_inconsistent"].get<double>(), 0.0);  // the true key always survives
  EXPECT_GE(r.detail["unseen_image_pixels_exact"].get<double>(), 0.99);
}

TEST(AttackPe, P4KeystreamReuse) {
  auto r = run("perceptual-keystream-reuse", "perceptual", 2, 32);
  EXPECT_DOUBLE_EQ(r.success, 1.0);
  EXPECT_DOUBLE_EQ(r.detail["changed_mask_iou"].get<double>(), 1.0);
}

TEST(AttackPe, S1CfbBitFlipsLandUndetected) {
  auto r = run("sisa-cfb-bitflip", "sisa-paper", 20, 32);
  EXPECT_DOUBLE_EQ(r.success, 1.0);
  EXPECT_EQ(r.detail["detected"].get<int>(), 0);
}

TEST(AttackPe, S3ShiftedCoordinatesDecryptSilently) {
  auto r = run("sisa-shifted-coords", "sisa-paper", 20, 32);
  EXPECT_DOUBLE_EQ(r.success, 1.0);
  EXPECT_EQ(r.detail["detected"].get<int>(), 0);
  EXPECT_GT(r.detail["region_pixels_left_wrong"].get<double>(), 0.0);
}

TEST(AttackPe, EveryAttackFailsAgainstTheSeal) {
  for (const char* name : {"pbe-cpa", "perceptual-cpa", "perceptual-one-image", "perceptual-kpa",
                           "perceptual-keystream-reuse"}) {
    auto r = run(name, "seal", 2, 32);
    EXPECT_EQ(r.scheme, "seal");
    EXPECT_DOUBLE_EQ(r.success, 0.0) << name << ": " << r.summary;
  }
  auto kpa = run("perceptual-kpa", "seal", 3, 32);
  for (const auto& c : kpa.detail["coverage"]) EXPECT_DOUBLE_EQ(c["pixels_fixed"].get<double>(), 0.0);
  EXPECT_LT(kpa.detail["unseen_image_pixels_exact"].get<double>(), 0.01);
  for (const char* name : {"sisa-cfb-bitflip", "sisa-shifted-coords"}) {
    auto r = run(name, "seal", 10, 32);
    EXPECT_DOUBLE_EQ(r.success, 0.0) << name;
    EXPECT_EQ(r.detail["detected"].get<int>(), 10) << name;  // every tampered container rejected
  }
}

TEST(AttackPe, UserImagesThatCannotBeReadAreErrors) {
  AttackOptions o;
  o.images = {"/nonexistent/image.png"};
  auto r = run_attack("perceptual-cpa", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

TEST(AttackPe, CliPbeCpaJson) {
  auto r = run_shroud({"attack", "pbe-cpa", "--json", "--trials", "1", "--param", "size=24"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["attack"], "pbe-cpa");
  EXPECT_EQ(j["scheme"], "pbe");
  EXPECT_DOUBLE_EQ(j["success"].get<double>(), 1.0);
  EXPECT_TRUE(j["detail"].contains("key_kc_recovered"));
  r = run_shroud({"attack", "pbe-cpa", "--scheme", "seal", "--json", "--trials", "1", "--param", "size=24"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["scheme"], "seal");
  EXPECT_DOUBLE_EQ(j["success"].get<double>(), 0.0);
}

}  // namespace attack_pe_test
}  // namespace
}  // namespace shroud
