#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include "cli_util.h"
#include "shroud/attack.h"

namespace shroud {
namespace {
namespace attack_test {  // one namespace per file: unity builds batch the tests

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

// Parameters are checked against each attack's declared list before it runs: before, a word where
// a number was read aborted the process (uncaught json type_error), 1e20 was a float-to-int
// conversion with undefined behaviour, and msai-stats width=100000 aborted on a 30 GB allocation.
TEST(Attack, ParametersAreCheckedBeforeTheAttackRuns) {
  auto message = [](const std::string& name, const nlohmann::json& params) {
    AttackOptions o;
    o.params = params;
    auto r = run_attack(name, o);
    EXPECT_FALSE(r.ok()) << name << " " << params.dump();
    if (r.ok()) return std::string();
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    return r.error().message;
  };
  EXPECT_NE(message("block-scramble-cpa", {{"block", "abc"}}).find("'block' must be an integer"), std::string::npos);
  EXPECT_NE(message("block-scramble-cpa", {{"block", 1e20}}).find("must be in [1, 256]"), std::string::npos);
  EXPECT_NE(message("block-scramble-cpa", {{"blok", 8}}).find("unknown (it takes: block, max_side, frame)"), std::string::npos);
  EXPECT_NE(message("msai-stats", {{"width", 100000}}).find("'width' must be in"), std::string::npos);
  EXPECT_NE(message("msai-l-lattice", {{"dim", 4.5}}).find("integer"), std::string::npos);
  EXPECT_NE(message("msai-rescale", {{"area", std::nan("")}}).find("'area'"), std::string::npos);
  EXPECT_NE(message("dp-plate-average", {{"mechanism", 3}}).find("must be a word"), std::string::npos);
  EXPECT_NE(message("dp-plate-epsilon", {{"size", 8}}).find("it takes none"), std::string::npos);
  // Every declared range is sane, and an in-range value runs.
  for (const auto& a : attack_registry()) {
    for (const auto& p : a.params) {
      if (p.type != AttackParam::Type::kWord) {
        EXPECT_LE(p.min, p.max) << a.name << " " << p.name;
      }
    }
  }
  AttackOptions ok;
  ok.params = {{"block", 4}, {"max_side", 64}, {"frame", 3.0}};
  auto r = run_attack("block-scramble-cpa", ok);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->success, 1.0);
  EXPECT_EQ(run_shroud({"attack", "block-scramble-cpa", "--param", "block=abc"}).exit_code, 2);
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

}  // namespace attack_test
}  // namespace
}  // namespace shroud
