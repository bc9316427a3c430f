// MSAI / block-scrambling attacks (M1-M6, msai-l): the expected outcomes against the paper
// schemes, and failure against the secure seal. Small images and few trials keep this fast.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "shroud/attack.h"

namespace shroud {
namespace {
namespace attack_msai_test {  // one namespace per file: unity builds batch the tests

using namespace shroud::testing;

AttackResult run(const std::string& name, const std::string& scheme, int trials = 0, nlohmann::json params = {}) {
  AttackOptions o;
  o.scheme = scheme;
  o.trials = trials;
  if (params.is_object()) o.params = params;
  auto r = run_attack(name, o);
  EXPECT_TRUE(r.ok()) << name << " --scheme " << scheme << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : AttackResult{};
}

TEST(AttackMsai, M1RescalingRecoversEveryPixel) {
  auto r = run("msai-rescale", "msai-paper", 1, {{"max_side", 120}});
  EXPECT_DOUBLE_EQ(r.success, 1.0) << r.summary;
  EXPECT_DOUBLE_EQ(r.detail["pixel_fraction"].get<double>(), 1.0);
  for (const auto& run : r.detail["runs"]) EXPECT_EQ(run["k_recovered"], run["k_true"]);
}

TEST(AttackMsai, M2BruteForceFindsTheKey) {
  auto r = run("msai-bruteforce", "msai-paper", 3, {{"max_side", 120}});
  EXPECT_DOUBLE_EQ(r.success, 1.0) << r.summary;
  EXPECT_EQ(r.detail["keys_recovered"], 3);
}

TEST(AttackMsai, M3OneKnownPixelBreaksMsaiPaper) {
  auto r = run("msai-known-pixel", "msai-paper", 1, {{"max_side", 120}});
  EXPECT_DOUBLE_EQ(r.success, 1.0) << r.summary;
  EXPECT_EQ(r.detail["keys_recovered"], 2);   // two images, one trial each
  EXPECT_EQ(r.detail["forgeries_accepted"], 2);
}

TEST(AttackMsai, M3TwoKnownPixelsBreakMsaiL) {
  auto r = run("msai-known-pixel", "msai-l", 1, {{"max_side", 120}});
  EXPECT_DOUBLE_EQ(r.success, 1.0) << r.summary;
  EXPECT_EQ(r.detail["known_pixels"], 2);
  EXPECT_EQ(r.detail["keys_recovered"], 2);
  EXPECT_EQ(r.detail["forgeries_accepted"], 2) << "msai-l's range check is not a MAC";
}

TEST(AttackMsai, M4OneChosenImageRecoversTau) {
  auto r = run("block-scramble-cpa", "block-scramble", 0, {{"max_side", 128}});
  EXPECT_DOUBLE_EQ(r.success, 1.0) << r.summary;
  EXPECT_DOUBLE_EQ(r.detail["fresh_image_pixels_restored"].get<double>(), 1.0);
}

TEST(AttackMsai, M5BlockMatchingRecoversMostOfTau) {
  auto r = run("block-scramble-kpa", "block-scramble", 0, {{"max_side", 200}});
  EXPECT_GT(r.success, 0.5) << r.summary;
  EXPECT_LE(r.success, 1.0);
  const auto& curve = r.detail["curve"];
  ASSERT_EQ(curve.size(), 2u);
  EXPECT_GE(curve[1]["tau_determined"].get<double>(), curve[0]["tau_determined"].get<double>());
}

TEST(AttackMsai, M6HistogramIdentifiesScrambledFrames) {
  auto r = run("msai-stats", "block-scramble", 0, {{"gallery", 4}});
  EXPECT_DOUBLE_EQ(r.success, 1.0) << r.summary;
  EXPECT_DOUBLE_EQ(r.detail["histogram_l1_distance"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(r.detail["intact_8x8_blocks"].get<double>(), 1.0);
  auto l = run("msai-stats", "msai-l", 0, {{"gallery", 4}});
  EXPECT_GT(l.success, 0.5) << l.summary;
  EXPECT_DOUBLE_EQ(l.detail["reused_key_change_map_advantage"].get<double>(), 1.0);
}

TEST(AttackMsai, LatticeRecoversMsaiLKeyFromCiphertextAlone) {
  auto r = run("msai-l-lattice", "msai-l", 10, {{"max_side", 100}});
  EXPECT_GE(r.success, 0.8) << r.summary;
}

// Every attack, run against the seal, recovers nothing and forgeries are rejected.
TEST(AttackMsai, AllFailAgainstTheSeal) {
  const nlohmann::json small = {{"max_side", 100}};
  for (const auto& [name, trials] : std::vector<std::pair<std::string, int>>{{"msai-rescale", 1},
                                                                             {"msai-bruteforce", 2},
                                                                             {"msai-known-pixel", 1},
                                                                             {"block-scramble-cpa", 0},
                                                                             {"block-scramble-kpa", 0},
                                                                             {"msai-l-lattice", 2}}) {
    auto r = run(name, "seal", trials, small);
    EXPECT_LT(r.success, 0.01) << name << ": " << r.summary;
  }
  auto kp = run("msai-known-pixel", "seal", 1, small);
  EXPECT_EQ(kp.detail["forgeries_accepted"], 0);
  EXPECT_EQ(kp.detail["keys_recovered"], 0);
  auto cpa = run("block-scramble-cpa", "seal", 0, small);
  EXPECT_TRUE(cpa.detail["splice_detected"].get<bool>());
  EXPECT_DOUBLE_EQ(cpa.success, 0.0);
  auto kpa = run("block-scramble-kpa", "seal", 0, small);
  EXPECT_TRUE(kpa.detail["forgery_detected"].get<bool>());
  EXPECT_DOUBLE_EQ(kpa.success, 0.0);
  auto lat = run("msai-l-lattice", "seal", 2, small);
  EXPECT_DOUBLE_EQ(lat.success, 0.0);
  for (const auto& t : lat.detail["trials"]) EXPECT_FALSE(t["key_found"].get<bool>());
  auto stats = run("msai-stats", "seal", 0, {{"gallery", 4}});
  EXPECT_DOUBLE_EQ(stats.success, 0.0) << stats.summary;
  EXPECT_LT(stats.detail["reused_key_change_map_advantage"].get<double>(), 0.05);
}

TEST(AttackMsai, CliBlockScrambleCpaJson) {
  auto r = run_shroud({"attack", "block-scramble-cpa", "--json", "--param", "max_side=96"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["attack"], "block-scramble-cpa");
  EXPECT_EQ(j["scheme"], "block-scramble");
  EXPECT_DOUBLE_EQ(j["success"].get<double>(), 1.0);
  EXPECT_TRUE(j["detail"].contains("blocks"));
  r = run_shroud({"attack", "msai-rescale", "--image", "/nonexistent.png", "--json"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("cannot read"), std::string::npos) << r.output;
}

}  // namespace attack_msai_test
}  // namespace
}  // namespace shroud
