// msai-l ciphertext-only lattice attack (a one-dimensional hidden number problem).
// Every masked value satisfies k c_i = (w + e_i) p_i (mod q) with (w + e_i) p_i < 2^48 for
// 8-bit pixels, while q = 2^61 - 1: the key makes n ciphertext values simultaneously small
// modulo q. With S = 13 bits of scaling, the lattice spanned by the rows
//     q 2^S e_i            (i = 1..n)
//     (c_1 2^S, ..., c_n 2^S, 1)
// contains v = (t_1 2^S, ..., t_n 2^S, k) with t_i = k c_i mod q, of norm about 2^61 sqrt(n+1),
// while its determinant is (q 2^S)^n: for n = 8..16 v is far shorter than the Gaussian heuristic
// predicts for other vectors, and LLL (fplll, exact integers) puts +-v in the reduced basis. Each
// reduced row's last coordinate is a key candidate; the attacker keeps the one under which the
// WHOLE ciphertext passes msai-l's own range check (ciphertext only) and decodes the area.
// (When all sampled t_i are even, v / 2 is shorter than v and LLL returns k / 2: small multiples
// of every candidate are tried as well.)
// If LLL yields no candidate, BKZ-10 is tried.
//
// Against the seal the same procedure runs on the ciphertext read as 61-bit words: no key makes
// them small, no candidate passes the range check, nothing is decoded.
#include <fplll.h>

#include <algorithm>
#include <random>

#include "attacks/attacks.h"
#include "attacks/msai_common.h"
#include "schemes/internal.h"
#include "shroud/schemes/msai_l.h"

namespace shroud::attacks {
namespace {

constexpr std::uint64_t kLatticeQ = schemes::kMsaiLModulus;
constexpr int kScale = 13;   // 2^48 * 2^13 = 2^61: balances the t_i against k
constexpr std::uint64_t kMultiples = 32;

bool passes_range(const std::vector<std::uint64_t>& c, std::uint64_t k) {
  const std::uint64_t t_max = (schemes::kMsaiLW + schemes::kMsaiLNoise) * 255;
  for (auto x : c)
    if (schemes::detail::mul_mod61(k, x % kLatticeQ) > t_max) return false;
  return true;
}

// Key candidates from the reduced basis of the hidden-number lattice of `sample`.
std::vector<std::uint64_t> lattice_candidates(const std::vector<std::uint64_t>& sample, bool bkz) {
  const int n = static_cast<int>(sample.size());
  fplll::ZZ_mat<mpz_t> b(n + 1, n + 1);
  for (int i = 0; i < n; ++i) {
    mpz_set_ui(b[i][i].get_data(), kLatticeQ);
    mpz_mul_2exp(b[i][i].get_data(), b[i][i].get_data(), kScale);
    mpz_set_ui(b[n][i].get_data(), sample[i]);
    mpz_mul_2exp(b[n][i].get_data(), b[n][i].get_data(), kScale);
  }
  mpz_set_ui(b[n][n].get_data(), 1);
  if (bkz) {
    fplll::bkz_reduction(b, std::min(10, n + 1), fplll::BKZ_DEFAULT);
  } else {
    fplll::lll_reduction(b);
  }
  std::vector<std::uint64_t> out;
  mpz_t q, r;
  mpz_init_set_ui(q, kLatticeQ);
  mpz_init(r);
  for (int row = 0; row <= n; ++row) {
    mpz_mod(r, b[row][n].get_data(), q);   // non-negative residue
    const std::uint64_t k = mpz_get_ui(r);
    if (k != 0) {
      out.push_back(k);
      out.push_back(kLatticeQ - k);
    }
  }
  mpz_clear(q);
  mpz_clear(r);
  return out;
}

}  // namespace

Result<AttackResult> msai_l_lattice(const AttackOptions& o) {
  const bool seal = o.scheme == "seal";
  const int trials = msai::trials_or(o, 10);
  const int dim = static_cast<int>(o.params.value("dim", 12.0));
  if (dim < 4 || dim > 40) return make_error(ErrorCode::kInvalidArgument, "dim must be in [4, 40]");
  SHROUD_ASSIGN_OR_RETURN(auto images, msai::load_images(o, 2, static_cast<int>(o.params.value("max_side", 160.0))));
  std::mt19937_64 pick(o.seed);   // which samples the attacker uses (not a secret)
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json per = nlohmann::json::array();
  int exact = 0, keys = 0, bkz_used = 0;
  double attack_seconds = 0;
  for (int t = 0; t < trials; ++t) {
    const cv::Mat& img = images[t % images.size()];
    const cv::Rect area = msai::central_area(img.size(), o.params.value("area", 0.3));
    const cv::Mat original = img(area).clone();
    std::vector<std::uint64_t> c;   // what the attacker sees
    std::uint64_t true_k = 0;
    if (seal) {
      SHROUD_ASSIGN_OR_RETURN(auto target, msai::seal_target(img, {area}));
      const auto ct = msai::region_ciphertext(target, 0);
      for (std::size_t i = 0; i + 8 <= ct.size(); i += 8) {
        std::uint64_t v = 0;
        for (int b = 7; b >= 0; --b) v = (v << 8) | ct[i + b];
        c.push_back(v & kLatticeQ);
      }
    } else {
      SHROUD_ASSIGN_OR_RETURN(auto v, msai::msai_victim(img, area, schemes::MsaiScheme::kLossless));
      c = v.out.payload.masked;
      true_k = v.key.k;
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::uint64_t> nonzero;
    for (auto x : c)
      if (x != 0 && x < kLatticeQ) nonzero.push_back(x);
    std::shuffle(nonzero.begin(), nonzero.end(), pick);
    if (static_cast<int>(nonzero.size()) > dim) nonzero.resize(dim);
    std::uint64_t found = 0;
    bool with_bkz = false;
    for (bool bkz : {false, true}) {
      if (nonzero.size() < 2) break;
      for (auto k : lattice_candidates(nonzero, bkz)) {
        // When every sampled t_i shares a small factor m (e_i or p_i even: (3/4)^n), the shortest
        // vector is v / m and its last coordinate k / m: try small multiples too.
        for (std::uint64_t m = 1; m <= kMultiples && found == 0; ++m) {
          const std::uint64_t km = schemes::detail::mul_mod61(k, m);
          if (km != 0 && passes_range(c, km)) found = km;
        }
        if (found != 0) break;
      }
      if (found != 0) break;
      with_bkz = true;
    }
    bkz_used += with_bkz;
    double pixels = 0;
    if (found != 0 && !seal) {
      auto rec = schemes::msai_l_unmask(c, area.size(), original.type(), schemes::MsaiLKey(found));
      if (rec.ok()) pixels = msai::fraction_equal(*rec, original);
    }
    const double secs = msai::seconds_since(t0);
    attack_seconds += secs;
    exact += pixels == 1.0;
    keys += found != 0 && found == true_k;
    per.push_back({{"key_found", found != 0}, {"key_correct", found != 0 && found == true_k}, {"bkz", with_bkz},
                   {"pixels_recovered", pixels}, {"seconds", secs}});
  }
  AttackResult r;
  r.success = static_cast<double>(exact) / trials;
  r.detail = {{"trials", per},
              {"lattice_dimension", dim + 1},
              {"samples_used", dim},
              {"keys_recovered", keys},
              {"bkz_fallbacks", bkz_used},
              {"reduction", "fplll LLL (delta 0.99), BKZ-10 fallback"},
              {"attack_seconds_per_trial", attack_seconds / trials},
              {"seconds", msai::seconds_since(start)},
              {"success_definition", "share of trials in which the whole area was recovered exactly from the ciphertext alone"}};
  char line[256];
  std::snprintf(line, sizeof line,
                "ciphertext-only lattice (dimension %d) recovered k and the whole area in %d of %d trials (%.1f ms per trial)", dim + 1,
                exact, trials, 1000 * attack_seconds / trials);
  r.summary = line;
  return r;
}

}  // namespace shroud::attacks
