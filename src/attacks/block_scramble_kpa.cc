// M5: known-plaintext recovery of tau by block matching. Scrambling moves blocks without
// changing them, so for a known frame and its scrambled version every output block i is found
// among the input blocks: tau(i) is the matching index. Identical blocks in the known image
// (flat sky, saturated areas, borders) leave several candidates; a second known frame under the
// same key and frame index intersects the candidate sets. Blocks are compared exactly (hash, then
// bytes), so the cost is linear in the image size.
//
// Against the seal (whole frame sealed, fresh keyset): the attacker matches the placeholder's
// blocks to the known image and keeps the keystream C xor P; neither restores a second sealed
// frame, and re-encrypting a changed pixel through the known keystream is rejected by the tag.
#include <map>
#include <unordered_map>

#include <opencv2/imgproc.hpp>

#include "attacks/attacks.h"
#include "attacks/msai_common.h"
#include "shroud/schemes/block_scramble.h"

namespace shroud::attacks {
namespace {

struct Grid {
  int bs = 8, bx = 0, by = 0;
  cv::Rect block(std::uint32_t i) const { return {static_cast<int>(i % bx) * bs, static_cast<int>(i / bx) * bs, bs, bs}; }
  std::uint32_t count() const { return static_cast<std::uint32_t>(bx * by); }
};

std::string block_bytes(const cv::Mat& img, const cv::Rect& r) {
  std::string s;
  for (int y = r.y; y < r.y + r.height; ++y) {
    const auto* row = img.ptr<char>(y) + static_cast<std::size_t>(r.x) * img.elemSize();
    s.append(row, static_cast<std::size_t>(r.width) * img.elemSize());
  }
  return s;
}

// Block matching state over the known images seen so far. Known block j of image m gets the id
// of its content class; output position i gets the class of the known block it equals (-1: none).
// The candidates for tau(i) are the blocks j whose class tuple equals position i's tuple, so the
// memory stays linear even when most blocks are identical (a chessboard).
struct Matching {
  std::vector<std::vector<int>> known_class;   // [image][j]
  std::vector<std::vector<int>> seen_class;    // [image][i]

  void add(const cv::Mat& known, const cv::Mat& scrambled, const Grid& g) {
    std::unordered_map<std::string, int> ids;
    std::vector<int> kc(g.count()), sc(g.count());
    for (std::uint32_t j = 0; j < g.count(); ++j) kc[j] = ids.emplace(block_bytes(known, g.block(j)), static_cast<int>(ids.size())).first->second;
    for (std::uint32_t i = 0; i < g.count(); ++i) {
      auto it = ids.find(block_bytes(scrambled, g.block(i)));
      sc[i] = it == ids.end() ? -1 : it->second;
    }
    known_class.push_back(std::move(kc));
    seen_class.push_back(std::move(sc));
  }

  // The attacker's tau and, per position, the number of candidates. Ambiguous positions take an
  // unused candidate (any choice is consistent with the known images); count: no candidate.
  std::vector<std::uint32_t> guess(std::uint32_t count, std::vector<std::size_t>& candidates) const {
    std::map<std::vector<int>, std::vector<std::uint32_t>> groups;
    for (std::uint32_t j = 0; j < count; ++j) {
      std::vector<int> key;
      for (const auto& kc : known_class) key.push_back(kc[j]);
      groups[key].push_back(j);
    }
    std::map<std::vector<int>, std::size_t> next;
    std::vector<std::uint32_t> tau(count, count);
    candidates.assign(count, 0);
    for (std::uint32_t i = 0; i < count; ++i) {
      std::vector<int> key;
      for (const auto& sc : seen_class) key.push_back(sc[i]);
      auto it = groups.find(key);
      if (it == groups.end()) continue;
      candidates[i] = it->second.size();
      std::size_t& n = next[key];
      if (n < it->second.size()) tau[i] = it->second[n++];
    }
    return tau;
  }
};

cv::Mat unscramble(const cv::Mat& scrambled, const std::vector<std::uint32_t>& tau, const Grid& g) {
  cv::Mat out = scrambled.clone();
  for (std::uint32_t i = 0; i < tau.size(); ++i)
    if (tau[i] < g.count()) scrambled(g.block(i)).copyTo(out(g.block(tau[i])));
  return out;
}

double blocks_equal(const cv::Mat& guess_img, const cv::Mat& truth, const Grid& g) {
  std::uint32_t same = 0;
  for (std::uint32_t i = 0; i < g.count(); ++i) same += cv::norm(guess_img(g.block(i)), truth(g.block(i)), cv::NORM_INF) == 0;
  return static_cast<double>(same) / g.count();
}

}  // namespace

Result<AttackResult> block_scramble_kpa(const AttackOptions& o) {
  Grid g;
  g.bs = static_cast<int>(o.params.value("block", 8.0));
  if (g.bs < 1 || g.bs > 256) return make_error(ErrorCode::kInvalidArgument, "block must be in [1, 256]");
  SHROUD_ASSIGN_OR_RETURN(auto images, msai::load_images(o, 2, static_cast<int>(o.params.value("max_side", 0.0))));
  if (images.size() < 2) images.push_back(msai::generated_image(images[0].cols, images[0].rows, o.seed));
  // All frames of one camera have one size.
  cv::resize(images[1], images[1], images[0].size(), 0, 0, cv::INTER_AREA);
  g.bx = images[0].cols / g.bs;
  g.by = images[0].rows / g.bs;
  if (g.count() < 2) return make_error(ErrorCode::kInvalidArgument, "image must hold at least 2 blocks");
  const auto start = std::chrono::steady_clock::now();
  AttackResult r;
  double attack_seconds = 0;
  if (o.scheme != "seal") {
    SHROUD_ASSIGN_OR_RETURN(auto key, schemes::generate_scramble_key());
    schemes::BlockScrambleParams params;
    params.block_size = g.bs;
    std::vector<cv::Mat> scrambled;
    for (const auto& img : images) {
      SHROUD_ASSIGN_OR_RETURN(auto s, schemes::block_scramble(img, key, params));
      scrambled.push_back(s.image);
    }
    SHROUD_ASSIGN_OR_RETURN(auto truth, schemes::block_permutation(key, params.frame_index, g.count()));
    nlohmann::json curve = nlohmann::json::array();
    Matching matching;
    double first = 0;
    for (std::size_t n = 0; n < images.size(); ++n) {
      const auto t0 = std::chrono::steady_clock::now();
      matching.add(images[n], scrambled[n], g);
      std::vector<std::size_t> cand;
      const auto tau = matching.guess(g.count(), cand);
      attack_seconds += msai::seconds_since(t0);
      std::uint32_t unique = 0, right = 0, none = 0;
      for (std::uint32_t i = 0; i < g.count(); ++i) {
        unique += cand[i] == 1;
        none += cand[i] == 0;
        right += tau[i] == truth[i];
      }
      const double determined = static_cast<double>(unique) / g.count();
      if (n == 0) first = determined;
      curve.push_back({{"known_images", n + 1},
                       {"tau_determined", determined},
                       {"tau_guessed_right", static_cast<double>(right) / g.count()},
                       {"ambiguous_positions", g.count() - unique - none},
                       {"unmatched_positions", none},
                       {"first_image_blocks_restored", blocks_equal(unscramble(scrambled[0], tau, g), images[0], g)}});
    }
    const bool all = o.params.value("known", 1.0) >= 2;
    r.success = all ? curve.back()["tau_determined"].get<double>() : first;
    r.detail = {{"curve", curve}, {"blocks", g.count()}, {"known_images_for_success", all ? images.size() : 1}};
  } else {
    const cv::Rect whole(0, 0, images[0].cols, images[0].rows);
    SHROUD_ASSIGN_OR_RETURN(auto known, msai::seal_target(images[0], {whole}));
    SHROUD_ASSIGN_OR_RETURN(auto victim, msai::seal_again(known, images[1], {whole}));
    const auto t0 = std::chrono::steady_clock::now();
    Matching matching;
    matching.add(images[0], known.visible, g);
    std::vector<std::size_t> cand;
    const auto tau = matching.guess(g.count(), cand);
    const cv::Mat by_matching = unscramble(victim.visible, tau, g);
    const auto c1 = msai::region_ciphertext(known, 0), c2 = msai::region_ciphertext(victim, 0);
    cv::Mat by_stream(images[1].size(), images[1].type());
    const auto* p1 = images[0].ptr<std::uint8_t>();
    for (std::size_t i = 0; i < by_stream.total() * 3 && i < c1.size() && i < c2.size(); ++i) {
      by_stream.ptr<std::uint8_t>()[i] = static_cast<std::uint8_t>(c2[i] ^ c1[i] ^ p1[i]);
    }
    attack_seconds = msai::seconds_since(t0);
    const double a = blocks_equal(by_matching, images[1], g), b = blocks_equal(by_stream, images[1], g);
    // Stream-cipher forgery on the known file: turn the first known byte into its complement.
    Container forged = known.parsed;
    forged.ciphertext[forged.body_offset(0)] ^= 0xFF;
    const bool detected = msai::seal_rejects(known, known.visible, serialize_container(forged));
    r.success = std::max(a, b);
    r.detail = {{"blocks", g.count()},
                {"second_frame_blocks_restored_by_matching", a},
                {"second_frame_blocks_restored_by_keystream", b},
                {"forgery_detected", detected}};
  }
  r.detail["block_size"] = g.bs;
  r.detail["image_size"] = {images[0].cols, images[0].rows};
  r.detail["attack_seconds"] = attack_seconds;
  r.detail["seconds"] = msai::seconds_since(start);
  r.detail["success_definition"] = o.scheme == "seal" ? "share of a second sealed frame's blocks restored exactly"
                                                      : "share of tau entries determined uniquely by block matching";
  char line[256];
  std::snprintf(line, sizeof line, "block matching: %.2f%% %s (%u blocks of %dx%d; %.1f ms)", 100 * r.success,
                o.scheme == "seal" ? "of a second sealed frame's blocks restored" : "of tau determined by one known image",
                g.count(), g.bs, g.bs, 1000 * attack_seconds);
  if (o.scheme != "seal" && o.params.value("known", 1.0) >= 2) {
    std::snprintf(line, sizeof line, "block matching: %.2f%% of tau determined by two known images (%u blocks of %dx%d; %.1f ms)",
                  100 * r.success, g.count(), g.bs, g.bs, 1000 * attack_seconds);
  }
  r.summary = line;
  return r;
}

}  // namespace shroud::attacks
