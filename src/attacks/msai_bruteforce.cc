// M2: ciphertext-only brute force of msai-paper's key. k has 250 candidates (GF(251) \ {0}).
// For each candidate the attacker computes x = k O' / w for every masked value; the right key
// makes every x an integer within x/512 and no larger than 255 (the noise bound of the membrane).
// Multiples of the key can pass too (2k gives 2o) but only when every pixel is below 128, so the
// attacker keeps the smallest passing candidate; a wrong candidate almost never fits thousands of
// values. All 250 candidates are tried (to count how many fit), so the time is the worst case.
//
// Against the seal the same test runs on the ciphertext bytes: no candidate fits, and the best
// scoring one decodes nothing.
#include <algorithm>
#include <cmath>

#include "attacks/attacks.h"
#include "attacks/msai_common.h"
#include "shroud/schemes/msai_paper.h"

namespace shroud::attacks {
namespace {

// Share of the values that candidate `k` decodes consistently (early exit once it is below 1).
double fit(const std::vector<double>& v, int k, bool stop_early) {
  std::size_t good = 0;
  for (double x : v) {
    const double y = k * x / schemes::kMsaiPaperW, n = std::round(y);
    if (n <= 255 && std::fabs(y - n) <= n * (1.1 / 512) + 0.02) {
      ++good;
    } else if (stop_early) {
      return 0.0;
    }
  }
  return v.empty() ? 0.0 : static_cast<double>(good) / v.size();
}

}  // namespace

Result<AttackResult> msai_bruteforce(const AttackOptions& o) {
  const bool seal = o.scheme == "seal";
  const int trials = msai::trials_or(o, 10);
  SHROUD_ASSIGN_OR_RETURN(auto images, msai::load_images(o, 2, static_cast<int>(o.params.value("max_side", 200.0))));
  const auto start = std::chrono::steady_clock::now();
  int exact = 0, keys = 0, ambiguous = 0;
  double pixel_sum = 0, attack_seconds = 0;
  nlohmann::json per = nlohmann::json::array();
  for (int t = 0; t < trials; ++t) {
    const cv::Mat& img = images[t % images.size()];
    const cv::Rect area = msai::central_area(img.size(), o.params.value("area", 0.4));
    const cv::Mat original = img(area).clone();
    std::vector<double> values;
    int true_k = 0;
    if (seal) {
      SHROUD_ASSIGN_OR_RETURN(auto target, msai::seal_target(img, {area}));
      for (auto b : msai::region_ciphertext(target, 0)) values.push_back(b);
    } else {
      SHROUD_ASSIGN_OR_RETURN(auto v, msai::msai_victim(img, area, schemes::MsaiScheme::kPaper));
      for (float f : v.out.payload.paper_masked()) values.push_back(f);
      true_k = static_cast<int>(v.key.k);
    }
    const auto t0 = std::chrono::steady_clock::now();
    int found = 0, passing = 0, best_k = 1;
    double best = -1;
    for (int k = 1; k < schemes::kMsaiPaperField; ++k) {
      if (fit(values, k, true) == 1.0) {
        ++passing;
        if (found == 0) found = k;
      }
    }
    if (found == 0) {   // nothing fits: the best-scoring candidate is the attacker's guess
      for (int k = 1; k < schemes::kMsaiPaperField; ++k) {
        const double f = fit(values, k, false);
        if (f > best) best = f, best_k = k;
      }
    }
    const int k = found != 0 ? found : best_k;
    cv::Mat rec(area.size(), CV_8UC(img.channels()));
    for (std::size_t i = 0; i < values.size() && i < rec.total() * rec.channels(); ++i) {
      rec.ptr<std::uint8_t>()[i] = cv::saturate_cast<std::uint8_t>(std::round(k * values[i] / schemes::kMsaiPaperW));
    }
    attack_seconds += msai::seconds_since(t0);
    const double frac = msai::fraction_equal(rec, original);
    pixel_sum += frac;
    exact += frac == 1.0;
    keys += !seal && k == true_k;
    ambiguous += passing > 1;
    per.push_back({{"k_true", true_k}, {"k_found", found}, {"candidates_fitting", passing}, {"pixels_recovered", frac}});
  }
  AttackResult r;
  r.success = static_cast<double>(exact) / trials;
  r.detail = {{"trials", per},
              {"keys_recovered", keys},
              {"trials_with_several_fitting_keys", ambiguous},
              {"pixel_fraction", pixel_sum / trials},
              {"candidates", schemes::kMsaiPaperField - 1},
              {"attack_seconds_per_trial", attack_seconds / trials},
              {"seconds", msai::seconds_since(start)},
              {"success_definition", "share of trials in which the whole masked area was recovered exactly"}};
  char line[256];
  std::snprintf(line, sizeof line,
                "brute force of all 250 keys recovered the whole area in %d of %d trials (%d keys found; %.2f ms per trial)", exact,
                trials, keys, 1000 * attack_seconds / trials);
  r.summary = line;
  return r;
}

}  // namespace shroud::attacks
