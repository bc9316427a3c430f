// M1: ciphertext-only rescaling of msai-paper's real-valued membrane. The camera stores
// O' = o (w + e) / k with |e/w| <= 2^-9, so every masked value lies within o/512 of a multiple
// o * s of one period s = w / k. The attacker finds s from the masked values alone (the largest
// period that makes every value a near-integer multiple no larger than 255), reads k = w / s off
// it (w = 2^16 is the paper's public parameter) and recovers o = round(k O' / w) exactly, even
// for o >= 251, which the data centre's own "mod 251" loses.
//
// Against the seal the same procedure runs on what the attacker sees there: the ciphertext byte
// of each sample. No period fits the key space; the "rescaled" bytes match the pixels no better
// than chance.
#include <algorithm>
#include <cmath>

#include "attacks/attacks.h"
#include "attacks/msai_common.h"
#include "shroud/schemes/msai_paper.h"

namespace shroud::attacks {
namespace {

struct Period {
  bool found = false;
  int top = 0;      // the largest value's multiple of the period
  double s = 0.0;   // the period
};

// Tries top multiple m for the largest value: s = vmax / m, refined by least squares first over
// the small multiples (where the rounding cannot be off by one), then over all values; the
// period is snapped to the structure s = w / k when that k is a valid key. Returns s, or 0 when
// the values do not fit.
double try_period(const std::vector<double>& v, double vmax, int m) {
  double s = vmax / m;
  for (double limit : {48.0, 128.0, 256.0, 256.0, 256.0}) {
    double num = 0, den = 0;
    for (double x : v) {
      const double n = std::round(x / s);
      if (n > limit) continue;
      num += x * n;
      den += n * n;
    }
    if (den > 0) s = num / den;
  }
  const long k = std::lround(schemes::kMsaiPaperW / s);
  if (k >= 1 && k < schemes::kMsaiPaperField) s = schemes::kMsaiPaperW / static_cast<double>(k);
  for (double x : v) {
    const double n = std::round(x / s);
    if (n > 255 || std::fabs(x / s - n) > n * (1.1 / 512) + 0.02) return 0.0;
  }
  return s;
}

// The largest period s such that every value is within n/512 (+ slack) of n * s, n <= 255.
// Candidates are screened on a spread subset of at most 512 values, then checked on all.
Period find_period(const std::vector<double>& v) {
  const double vmax = v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
  if (!(vmax > 0)) return {};
  std::vector<double> subset;
  const std::size_t stride = std::max<std::size_t>(1, v.size() / 512);
  for (std::size_t i = 0; i < v.size(); i += stride) subset.push_back(v[i]);
  subset.push_back(vmax);
  for (int m = 1; m <= 255; ++m) {
    if (try_period(subset, vmax, m) == 0.0) continue;
    if (const double s = try_period(v, vmax, m); s > 0) return {true, m, s};
  }
  return {};
}

struct Recovery {
  cv::Mat area;
  int k = 0;          // 0: the period did not fit the key space
  double period = 0;
};

Recovery rescale(const std::vector<double>& values, cv::Size size, int channels) {
  Recovery r;
  r.area = cv::Mat(size, CV_8UC(channels), cv::Scalar::all(0));
  const Period p = find_period(values);
  double scale = 1.0;   // no period: the values as they are
  if (p.found) {
    r.period = p.s;
    const long k = std::lround(schemes::kMsaiPaperW / p.s);
    if (k >= 1 && k < schemes::kMsaiPaperField) {
      r.k = static_cast<int>(k);
      scale = schemes::kMsaiPaperW / k;   // snap to the structure: s = w / k exactly
    } else {
      scale = p.s;
    }
  }
  auto* out = r.area.ptr<std::uint8_t>();
  for (std::size_t i = 0; i < values.size() && i < r.area.total() * channels; ++i) {
    out[i] = cv::saturate_cast<std::uint8_t>(std::round(values[i] / scale));
  }
  return r;
}

}  // namespace

Result<AttackResult> msai_rescale(const AttackOptions& o) {
  const bool seal = o.scheme == "seal";
  const int trials = msai::trials_or(o, 3);
  const double fraction = o.params.value("area", 0.4);
  SHROUD_ASSIGN_OR_RETURN(auto images, msai::load_images(o, 2, static_cast<int>(o.params.value("max_side", 200.0))));
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json per = nlohmann::json::array();
  double sum = 0, attack_seconds = 0;
  int runs = 0, keys = 0;
  for (std::size_t im = 0; im < images.size(); ++im) {
    const cv::Mat& img = images[im];
    const cv::Rect area = msai::central_area(img.size(), fraction);
    for (int t = 0; t < trials; ++t) {
      std::vector<double> values;
      cv::Mat original = img(area).clone();
      int true_k = 0;
      double receiver = -1;   // what the legitimate data centre recovers (msai-paper)
      if (seal) {
        SHROUD_ASSIGN_OR_RETURN(auto target, msai::seal_target(img, {area}));
        for (auto b : msai::region_ciphertext(target, 0)) values.push_back(b);
      } else {
        SHROUD_ASSIGN_OR_RETURN(auto v, msai::msai_victim(img, area, schemes::MsaiScheme::kPaper));
        for (float f : v.out.payload.paper_masked()) values.push_back(f);
        true_k = static_cast<int>(v.key.k);
        SHROUD_ASSIGN_OR_RETURN(auto legit, schemes::msai_paper_unmask(v.out.payload.paper_masked(), area.size(), img.channels(),
                                                                        schemes::MsaiPaperKey{true_k}));
        receiver = msai::fraction_equal(legit, original);
      }
      const auto t0 = std::chrono::steady_clock::now();
      const Recovery rec = rescale(values, area.size(), img.channels());
      attack_seconds += msai::seconds_since(t0);
      const double frac = msai::fraction_equal(rec.area, original);
      sum += frac;
      ++runs;
      keys += !seal && rec.k == true_k;
      nlohmann::json j = {{"image", im < o.images.size() ? o.images[im] : "sample " + std::to_string(im)},
                          {"area", {area.x, area.y, area.width, area.height}},
                          {"pixels_recovered", frac},
                          {"k_recovered", rec.k},
                          {"period", rec.period}};
      if (!seal) {
        j["k_true"] = true_k;
        j["data_centre_recovers"] = receiver;
      }
      per.push_back(j);
    }
  }
  const double mean = sum / std::max(1, runs);
  AttackResult r;
  r.success = msai::above_chance(mean, 1.0 / 256);
  r.detail = {{"runs", per},
              {"pixel_fraction", mean},
              {"chance", 1.0 / 256},
              {"keys_recovered", keys},
              {"attack_seconds_per_area", attack_seconds / std::max(1, runs)},
              {"seconds", msai::seconds_since(start)},
              {"success_definition", "share of area pixels recovered exactly, above the 1/256 a blind guess gets"}};
  char line[256];
  std::snprintf(line, sizeof line,
                "ciphertext-only rescaling recovered %.2f%% of the masked pixels (%d runs, %d keys read off the period; %.1f ms per area)",
                100 * mean, runs, keys, 1000 * attack_seconds / std::max(1, runs));
  r.summary = line;
  return r;
}

}  // namespace shroud::attacks
