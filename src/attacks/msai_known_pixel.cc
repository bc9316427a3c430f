// M3: known pixels give the membrane key.
//  - msai-paper: one known pixel o with masked value O' = o (w + e) / k gives
//    k = round(o w / O') (the error k e / w is below 1/2 for every k <= 250), and then the whole
//    area: o = round(k O' / w).
//  - msai-l: two known pixels (p1, c1), (p2, c2). k = (w + e1) p1 / c1 mod q for one of the
//    2E + 1 = 2^23 + 1 noise values e1; the right one makes k c2 mod q = (w + e2) p2 with
//    |e2| <= E, which a wrong one does with probability about 2^-30. Both k and k c2 advance by a
//    constant per step, so the search is 2^23 modular additions. The surviving candidate is
//    confirmed on the whole ciphertext (the data centre's own range check).
// With k the attacker also forges: a replacement area masked under a membrane made from k is
// accepted by the data centre (msai-l's range check is not a MAC).
//
// Against the seal: the known pixel gives one keystream byte (c xor p); applying it to the other
// bytes recovers nothing, and using it to rewrite the pixel (a valid-looking stream-cipher
// forgery) is rejected by the tag.
#include <cmath>

#include "attacks/attacks.h"
#include "attacks/msai_common.h"
#include "schemes/internal.h"
#include "shroud/schemes/msai_l.h"
#include "shroud/schemes/msai_paper.h"

namespace shroud::attacks {
namespace {

namespace sd = schemes::detail;
constexpr std::uint64_t kQ = schemes::kMsaiLModulus;

std::uint64_t add_mod(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t s = a + b;   // both < 2^61: no overflow
  return s >= kQ ? s - kQ : s;
}

// Indices of the first `n` nonzero samples (the attacker's known pixels).
std::vector<std::size_t> known_positions(const cv::Mat& area, std::size_t n) {
  std::vector<std::size_t> idx;
  const std::size_t total = area.total() * area.channels();
  for (std::size_t i = 0; i < total && idx.size() < n; ++i) {
    if (area.ptr<std::uint8_t>()[i] != 0) idx.push_back(i);
  }
  return idx;
}

struct Outcome {
  double pixels = 0;
  bool key = false;
  bool forgery_accepted = false;
  double seconds = 0;
  std::uint64_t candidates = 0;
};

Result<Outcome> attack_paper(const cv::Mat& img, const cv::Rect& area) {
  SHROUD_ASSIGN_OR_RETURN(auto v, msai::msai_victim(img, area, schemes::MsaiScheme::kPaper));
  const auto masked = v.out.payload.paper_masked();
  const auto known = known_positions(v.original_area, 1);
  if (known.empty()) return make_error(ErrorCode::kInvalidArgument, "the area is all black: no informative known pixel");
  Outcome out;
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t i = known[0];
  const double o = v.original_area.ptr<std::uint8_t>()[i];
  const long k = std::lround(o * schemes::kMsaiPaperW / masked[i]);
  cv::Mat rec(area.size(), v.original_area.type());
  for (std::size_t j = 0; j < masked.size(); ++j) {
    rec.ptr<std::uint8_t>()[j] = cv::saturate_cast<std::uint8_t>(std::round(k * static_cast<double>(masked[j]) / schemes::kMsaiPaperW));
  }
  out.seconds = msai::seconds_since(t0);
  out.candidates = 1;
  out.pixels = msai::fraction_equal(rec, v.original_area);
  out.key = k == static_cast<long>(v.key.k);
  // Forgery: a mirrored area (values kept below 251 so the paper's mod-251 keeps them).
  if (k >= 1 && k < schemes::kMsaiPaperField) {
    cv::Mat forged;
    cv::flip(v.original_area, forged, 1);
    cv::min(forged, cv::Scalar::all(250), forged);
    SHROUD_ASSIGN_OR_RETURN(auto lambda, schemes::msai_paper_membrane(schemes::MsaiPaperKey{static_cast<int>(k)}, masked.size()));
    SHROUD_ASSIGN_OR_RETURN(auto fake, schemes::msai_paper_mask(forged, lambda, area.height, area.width));
    SHROUD_ASSIGN_OR_RETURN(auto got, schemes::msai_paper_unmask(fake, area.size(), forged.channels(),
                                                                  schemes::MsaiPaperKey{static_cast<int>(v.key.k)}));
    out.forgery_accepted = msai::fraction_equal(got, forged) == 1.0;
  }
  return out;
}

Result<Outcome> attack_lossless(const cv::Mat& img, const cv::Rect& area) {
  SHROUD_ASSIGN_OR_RETURN(auto v, msai::msai_victim(img, area, schemes::MsaiScheme::kLossless));
  const auto& c = v.out.payload.masked;
  const auto known = known_positions(v.original_area, 2);
  if (known.size() < 2) return make_error(ErrorCode::kInvalidArgument, "the area has fewer than two nonzero samples");
  const std::uint64_t p1 = v.original_area.ptr<std::uint8_t>()[known[0]], c1 = c[known[0]];
  const std::uint64_t p2 = v.original_area.ptr<std::uint8_t>()[known[1]], c2 = c[known[1]];
  Outcome out;
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t w = schemes::kMsaiLW, e = schemes::kMsaiLNoise;
  const std::uint64_t step = sd::mul_mod61(p1, schemes::msai_l_inverse(c1));   // k per unit of e1
  std::uint64_t k = sd::mul_mod61(w - e, step);                                // e1 = -E
  const std::uint64_t step2 = sd::mul_mod61(step, c2);
  std::uint64_t t2 = sd::mul_mod61(k, c2);
  const std::uint64_t lo = (w - e) * p2, hi = (w + e) * p2;
  std::uint64_t found = 0;
  for (std::uint64_t i = 0; i <= 2 * e; ++i) {
    if (t2 >= lo && t2 <= hi) {
      ++out.candidates;
      // Confirm on the whole ciphertext (ciphertext-only check; no third known pixel needed).
      if (schemes::msai_l_unmask(c, area.size(), v.original_area.type(), schemes::MsaiLKey(k)).ok()) {
        found = k;
        break;
      }
    }
    k = add_mod(k, step);
    t2 = add_mod(t2, step2);
  }
  cv::Mat rec;
  if (found != 0) {
    SHROUD_ASSIGN_OR_RETURN(rec, schemes::msai_l_unmask(c, area.size(), v.original_area.type(), schemes::MsaiLKey(found)));
  }
  out.seconds = msai::seconds_since(t0);
  out.pixels = msai::fraction_equal(rec, v.original_area);
  out.key = found == v.key.k;
  if (found != 0) {
    cv::Mat forged;
    cv::flip(v.original_area, forged, 1);
    SHROUD_ASSIGN_OR_RETURN(auto lambda, schemes::msai_l_membrane(schemes::MsaiLKey(found), c.size()));
    SHROUD_ASSIGN_OR_RETURN(auto fake, schemes::msai_l_mask(forged, lambda, area.height, area.width));
    auto got = schemes::msai_l_unmask(fake, area.size(), forged.type(), schemes::MsaiLKey(v.key.k));
    out.forgery_accepted = got.ok() && msai::fraction_equal(*got, forged) == 1.0;
  }
  return out;
}

Result<Outcome> attack_seal(const cv::Mat& img, const cv::Rect& area) {
  SHROUD_ASSIGN_OR_RETURN(auto target, msai::seal_target(img, {area}));
  const cv::Mat original = img(area).clone();
  const auto known = known_positions(original, 1);
  if (known.empty()) return make_error(ErrorCode::kInvalidArgument, "the area is all black: no informative known pixel");
  const auto ct = msai::region_ciphertext(target, 0);
  Outcome out;
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t i = known[0];
  const std::uint8_t p = original.ptr<std::uint8_t>()[i];
  const std::uint8_t ks = static_cast<std::uint8_t>(ct[i] ^ p);   // the one keystream byte the pixel reveals
  cv::Mat rec(area.size(), original.type());
  for (std::size_t j = 0; j < ct.size() && j < rec.total() * rec.channels(); ++j) rec.ptr<std::uint8_t>()[j] = ct[j] ^ ks;
  out.seconds = msai::seconds_since(t0);
  out.candidates = 1;
  out.pixels = msai::fraction_equal(rec, original);
  // Forgery: rewrite the known pixel to its complement through the keystream byte.
  Container forged = target.parsed;
  forged.ciphertext[forged.body_offset(0) + i] ^= static_cast<std::uint8_t>(p ^ static_cast<std::uint8_t>(255 - p));
  out.forgery_accepted = !msai::seal_rejects(target, target.visible, serialize_container(forged));
  return out;
}

}  // namespace

Result<AttackResult> msai_known_pixel(const AttackOptions& o) {
  const int trials = msai::trials_or(o, 3);
  SHROUD_ASSIGN_OR_RETURN(auto images, msai::load_images(o, 2, static_cast<int>(o.params.value("max_side", 160.0))));
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json per = nlohmann::json::array();
  double pixel_sum = 0, attack_seconds = 0;
  int keys = 0, forgeries = 0, runs = 0;
  for (std::size_t im = 0; im < images.size(); ++im) {
    const cv::Rect area = msai::central_area(images[im].size(), o.params.value("area", 0.4));
    for (int t = 0; t < trials; ++t) {
      Result<Outcome> r = o.scheme == "seal"     ? attack_seal(images[im], area)
                          : o.scheme == "msai-l" ? attack_lossless(images[im], area)
                                                 : attack_paper(images[im], area);
      if (!r.ok()) return r.error();
      pixel_sum += r->pixels;
      attack_seconds += r->seconds;
      keys += r->key;
      forgeries += r->forgery_accepted;
      ++runs;
      per.push_back({{"pixels_recovered", r->pixels}, {"key_recovered", r->key}, {"forgery_accepted", r->forgery_accepted},
                     {"candidates_checked", r->candidates}, {"seconds", r->seconds}});
    }
  }
  const double mean = pixel_sum / runs;
  const int known = o.scheme == "msai-l" ? 2 : 1;
  AttackResult r;
  r.success = msai::above_chance(mean, 1.0 / 256);
  r.detail = {{"runs", per},
              {"known_pixels", known},
              {"pixel_fraction", mean},
              {"chance", 1.0 / 256},
              {"keys_recovered", keys},
              {"forgeries_accepted", forgeries},
              {"tampering_detected", runs - forgeries},
              {"attack_seconds_per_area", attack_seconds / runs},
              {"seconds", msai::seconds_since(start)},
              {"success_definition", "share of area pixels recovered exactly, above the 1/256 a blind guess gets"}};
  char line[300];
  if (o.scheme == "seal") {
    std::snprintf(line, sizeof line,
                  "1 known pixel (one keystream byte) recovered %.2f%% of the area (chance 0.39%%); forged areas accepted %d of %d times",
                  100 * mean, forgeries, runs);
  } else {
    std::snprintf(line, sizeof line,
                  "%d known pixel(s) recovered %.2f%% of the area (%d of %d keys; forged areas accepted %d of %d times; %.1f ms per area)",
                  known, 100 * mean, keys, runs, forgeries, runs, 1000 * attack_seconds / runs);
  }
  r.summary = line;
  return r;
}

}  // namespace shroud::attacks
