#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "shroud/attack.h"

namespace shroud {
namespace {

using namespace shroud::testing;

AttackResult run(const std::string& name, const std::string& scheme, int trials = 0) {
  AttackOptions o;
  o.scheme = scheme;
  o.trials = trials;
  auto r = run_attack(name, o);
  EXPECT_TRUE(r.ok()) << name << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : AttackResult{};
}

TEST(Attack, D1PaperMechanismGuaranteesLessThanNominal) {
  auto paper = run("dp-plate-epsilon", "paper", 4000);
  EXPECT_DOUBLE_EQ(paper.success, 1.0);
  EXPECT_GT(paper.detail["game"]["accuracy"].get<double>(), paper.detail["game"]["dp_bound"].get<double>() + 0.1);
  auto rr = run("dp-plate-epsilon", "rr", 4000);
  EXPECT_DOUBLE_EQ(rr.success, 0.0);
  // Randomized response keeps the attacker within the DP bound (4000 trials: ~0.8% sd).
  EXPECT_LT(rr.detail["game"]["accuracy"].get<double>(), rr.detail["game"]["dp_bound"].get<double>() + 0.03);
}

TEST(Attack, D2AveragingRecoversPerFrameDrawsButNotPerTrack) {
  auto per_frame = run("dp-plate-average", "per-frame", 60);
  EXPECT_GE(per_frame.success, 0.95);
  const auto& curve = per_frame.detail["curve"];
  EXPECT_LT(curve[0]["recovered"].get<double>(), 0.2);  // one frame alone: almost never
  auto per_track = run("dp-plate-average", "per-track", 60);
  EXPECT_LE(per_track.success, per_track.detail["curve"][0]["recovered"].get<double>() + 1e-12);
  EXPECT_LT(per_track.success, 0.2);
}

TEST(Attack, S4DeconvolutionUndoesAKnownGaussianBlur) {
  auto r = run("blur-deconvolve", "gaussian");
  EXPECT_DOUBLE_EQ(r.success, 1.0);
  for (const auto& img : r.detail["images"]) {
    EXPECT_GT(img["psnr_deconvolved"].get<double>(), img["psnr_blurred"].get<double>() + 1.0);
  }
}

TEST(Attack, S4DeconvolutionGainsNothingOnTheSealsPlaceholder) {
  auto r = run("blur-deconvolve", "seal");
  EXPECT_DOUBLE_EQ(r.success, 0.0);
  ASSERT_FALSE(r.detail["images"].empty());
  for (const auto& img : r.detail["images"]) {
    EXPECT_LT(img["psnr_deconvolved"].get<double>(), img["psnr_blurred"].get<double>() + 1.0);
  }
}

TEST(Attack, UnknownNamesAndSchemesAreErrors) {
  EXPECT_EQ(run_attack("no-such-attack", {}).error().code, ErrorCode::kInvalidArgument);
  AttackOptions o;
  o.scheme = "msai-paper";
  auto r = run_attack("dp-plate-epsilon", o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("paper, rr"), std::string::npos);
}

TEST(Attack, CliJsonContract) {
  auto r = run_shroud({"attack", "dp-plate-epsilon", "--json", "--trials", "1000"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  for (const char* key : {"attack", "scheme", "success", "detail"}) EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["attack"], "dp-plate-epsilon");
  EXPECT_EQ(j["scheme"], "paper");
  EXPECT_GE(j["success"].get<double>(), 0.0);
  EXPECT_LE(j["success"].get<double>(), 1.0);
  r = run_shroud({"list", "--json"});
  auto l = nlohmann::json::parse(r.output);
  EXPECT_GE(l["attacks"].size(), 3u);
}

}  // namespace
}  // namespace shroud
