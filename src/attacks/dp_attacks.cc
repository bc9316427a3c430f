// D1 and D2: attacks on the GAN+DP paper's plate mechanism.
#include <cmath>
#include <map>
#include <random>

#include "attacks/attacks.h"
#include "shroud/dp.h"
#include "shroud/dp_plate.h"

namespace shroud::attacks {
namespace {

// P(output offset d) of a mechanism over an alphabet of k, as used by a likelihood attacker.
std::vector<double> offset_likelihood(dp::Mechanism m, double eps, int k) {
  if (m == dp::Mechanism::kPaper) return dp::paper_offset_distribution(eps, k);
  const double keep = std::exp(eps) / (std::exp(eps) + k - 1);
  std::vector<double> p(static_cast<std::size_t>(k), (1 - keep) / (k - 1));
  p[0] = keep;
  return p;
}

}  // namespace

Result<AttackResult> dp_plate_epsilon(const AttackOptions& o) {
  SHROUD_ASSIGN_OR_RETURN(dp::Mechanism mech, dp::parse_mechanism(o.scheme));
  SHROUD_RETURN_IF_ERROR(dp::check_epsilon(o.epsilon));
  AttackResult r;
  nlohmann::json table = nlohmann::json::array();
  int violated = 0, total = 0;
  for (double eps : {0.1, 0.5, 1.0, 2.0, 5.0}) {
    for (int k : {10, 24, 26, 31, 34}) {
      const double actual = mech == dp::Mechanism::kPaper ? dp::paper_true_epsilon(eps, k) : eps;
      table.push_back({{"epsilon", eps}, {"alphabet", k}, {"true_epsilon", actual}});
      ++total;
      violated += actual > eps * 1.01;
    }
  }
  // One-shot distinguishing game at the user's epsilon over the 34-symbol alphabet: the symbol is
  // 0 or 17 with equal odds; the attacker sees one output and picks the likelier input. Any
  // eps-DP mechanism keeps the attacker's accuracy at or below e^eps / (1 + e^eps).
  const int k = 34, a = 0, b = 17;
  const auto lik = offset_likelihood(mech, o.epsilon, k);
  dp::SecureRandom rng;
  const int trials = o.trials > 0 ? o.trials : 20000;
  int correct = 0;
  for (int t = 0; t < trials; ++t) {
    SHROUD_ASSIGN_OR_RETURN(std::uint64_t coin, rng.next_u64());
    const int secret = (coin & 1) ? b : a;
    SHROUD_ASSIGN_OR_RETURN(int out, dp::privatize_symbol(secret, k, o.epsilon, mech, rng));
    const double pa = lik[static_cast<std::size_t>(((out - a) % k + k) % k)];
    const double pb = lik[static_cast<std::size_t>(((out - b) % k + k) % k)];
    correct += ((pa >= pb) ? a : b) == secret;
  }
  const double accuracy = static_cast<double>(correct) / trials;
  const double bound = std::exp(o.epsilon) / (1 + std::exp(o.epsilon));
  r.success = static_cast<double>(violated) / total;
  r.detail = {{"table", table},
              {"game", {{"epsilon", o.epsilon}, {"alphabet", k}, {"trials", trials}, {"accuracy", accuracy},
                        {"dp_bound", bound}}}};
  char line[256];
  std::snprintf(line, sizeof line,
                "%d of %d (epsilon, alphabet) settings guarantee less than nominal; at eps=%.3g the attacker "
                "tells symbol 0 from 17 with accuracy %.3f (eps-DP allows %.3f)",
                violated, total, o.epsilon, accuracy, bound);
  r.summary = line;
  return r;
}

Result<AttackResult> dp_plate_average(const AttackOptions& o) {
  const bool per_track = o.scheme == "per-track";
  const std::string mech_name = o.params.value("mechanism", std::string("paper"));
  SHROUD_ASSIGN_OR_RETURN(dp::Mechanism mech, dp::parse_mechanism(mech_name));
  SHROUD_RETURN_IF_ERROR(dp::check_epsilon(o.epsilon));
  const auto& style = dp::plate_style("eu");
  const int plates = o.trials > 0 ? o.trials : 200;
  const std::vector<int> frames = {1, 2, 5, 10, 25, 50, 100};
  std::mt19937_64 gen(o.seed);  // test plates only; the mechanism's noise comes from the CSPRNG
  dp::SecureRandom rng;
  std::map<int, int> recovered;
  for (int p = 0; p < plates; ++p) {
    // A plate like "AB123CD": letters and digits.
    std::string text;
    for (int i = 0; i < 7; ++i) {
      const auto& alpha = (i >= 2 && i <= 4) ? style.digit : style.letter;
      text += alpha[gen() % alpha.size()];
    }
    SHROUD_ASSIGN_OR_RETURN(auto symbols, dp::split_symbols(text));
    SHROUD_ASSIGN_OR_RETURN(auto alphabets, dp::plate_alphabets(symbols, style));
    // Draw the observations once for the largest N; prefixes give the smaller N.
    std::vector<std::vector<int>> obs(symbols.size());
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      const auto& alpha = *alphabets[i];
      const int k = static_cast<int>(alpha.size());
      const int value = static_cast<int>(std::find(alpha.begin(), alpha.end(), symbols[i]) - alpha.begin());
      int fixed = -1;
      for (int f = 0; f < frames.back(); ++f) {
        if (per_track && fixed >= 0) {
          obs[i].push_back(fixed);
          continue;
        }
        SHROUD_ASSIGN_OR_RETURN(int v, dp::privatize_symbol(value, k, o.epsilon, mech, rng));
        obs[i].push_back(v);
        fixed = v;
      }
    }
    for (int n : frames) {
      bool all = true;
      for (std::size_t i = 0; i < symbols.size() && all; ++i) {
        const auto& alpha = *alphabets[i];
        const int k = static_cast<int>(alpha.size());
        const auto lik = offset_likelihood(mech, o.epsilon, k);
        int best = 0;
        double best_ll = -1e300;
        for (int c = 0; c < k; ++c) {
          double ll = 0;
          for (int f = 0; f < n; ++f) ll += std::log(lik[static_cast<std::size_t>(((obs[i][f] - c) % k + k) % k)]);
          if (ll > best_ll) {
            best_ll = ll;
            best = c;
          }
        }
        all = alpha[static_cast<std::size_t>(best)] == symbols[i];
      }
      recovered[n] += all;
    }
  }
  AttackResult r;
  nlohmann::json curve = nlohmann::json::array();
  for (int n : frames) curve.push_back({{"frames", n}, {"recovered", static_cast<double>(recovered[n]) / plates}});
  r.success = static_cast<double>(recovered[frames.back()]) / plates;
  r.detail = {{"mechanism", dp::mechanism_name(mech)}, {"epsilon", o.epsilon}, {"plates", plates}, {"curve", curve}};
  char line[256];
  std::snprintf(line, sizeof line, "%s, eps=%.3g (%s): plates fully recovered from 1 frame %.1f%%, from %d frames %.1f%%",
                per_track ? "one draw per track" : "independent per-frame draws", o.epsilon, dp::mechanism_name(mech),
                100.0 * recovered[1] / plates, frames.back(), 100.0 * r.success);
  r.summary = line;
  return r;
}

}  // namespace shroud::attacks
