// M4: chosen-plaintext recovery of the block permutation tau with ONE image. The attacker has the
// camera scramble an image whose block j is filled with the number j (24 bits over the three
// channels); output position i then shows tau(i) directly. tau depends only on (key, frame
// index), so it unscrambles every other frame scrambled under the same key and index (stills are
// all frame 0): the attack also unscrambles a fresh image and reports how much comes back.
//
// Against the seal the same chosen image is sealed (whole frame, fresh keyset). The attacker reads
// "codes" from the placeholder blocks and also keeps the keystream C xor P of the chosen image;
// neither restores a fresh sealed image (new nonce and salt per file), and splicing the chosen
// image's ciphertext into the fresh file is rejected.
#include "attacks/attacks.h"
#include "attacks/msai_common.h"
#include "shroud/schemes/block_scramble.h"

namespace shroud::attacks {
namespace {

// Share of the bs x bs blocks of `truth` that `guess` reproduces exactly.
double blocks_equal(const cv::Mat& guess, const cv::Mat& truth, int bs) {
  const int bx = truth.cols / bs, by = truth.rows / bs;
  if (guess.size() != truth.size() || guess.type() != truth.type() || bx * by == 0) return 0.0;
  int same = 0;
  for (int y = 0; y < by; ++y)
    for (int x = 0; x < bx; ++x) {
      const cv::Rect r(x * bs, y * bs, bs, bs);
      same += cv::norm(guess(r), truth(r), cv::NORM_INF) == 0;
    }
  return static_cast<double>(same) / (bx * by);
}

std::uint32_t code_at(const cv::Mat& img, int x, int y) {
  const cv::Vec3b p = img.at<cv::Vec3b>(y, x);
  return p[0] | (p[1] << 8) | (p[2] << 16);
}

}  // namespace

Result<AttackResult> block_scramble_cpa(const AttackOptions& o) {
  const int bs = static_cast<int>(o.params.value("block", 8.0));
  if (bs < 1 || bs > 256) return make_error(ErrorCode::kInvalidArgument, "block must be in [1, 256]");
  SHROUD_ASSIGN_OR_RETURN(auto images, msai::load_images(o, 1, static_cast<int>(o.params.value("max_side", 160.0))));
  const cv::Mat fresh = images[0];
  const int bx = fresh.cols / bs, by = fresh.rows / bs;
  const std::uint32_t count = static_cast<std::uint32_t>(bx * by);
  if (count < 2 || count >= (1u << 24)) return make_error(ErrorCode::kInvalidArgument, "image must hold 2 to 2^24 blocks");
  // The chosen image: block j (row-major) encodes j.
  cv::Mat chosen(fresh.size(), CV_8UC3, cv::Scalar::all(0));
  for (std::uint32_t j = 0; j < count; ++j) {
    chosen(cv::Rect(static_cast<int>(j % bx) * bs, static_cast<int>(j / bx) * bs, bs, bs))
        .setTo(cv::Scalar(j & 255, (j >> 8) & 255, (j >> 16) & 255));
  }
  const auto start = std::chrono::steady_clock::now();
  AttackResult r;
  double attack_seconds = 0;
  if (o.scheme != "seal") {
    SHROUD_ASSIGN_OR_RETURN(auto key, schemes::generate_scramble_key());
    schemes::BlockScrambleParams params;
    params.block_size = bs;
    params.frame_index = static_cast<std::int64_t>(o.params.value("frame", 0.0));
    SHROUD_ASSIGN_OR_RETURN(auto oracle, schemes::block_scramble(chosen, key, params));   // the chosen-plaintext query
    SHROUD_ASSIGN_OR_RETURN(auto victim, schemes::block_scramble(fresh, key, params));
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::uint32_t> tau(count);
    for (std::uint32_t i = 0; i < count; ++i) tau[i] = code_at(oracle.image, static_cast<int>(i % bx) * bs, static_cast<int>(i / bx) * bs);
    cv::Mat restored = victim.image.clone();
    for (std::uint32_t i = 0; i < count; ++i) {
      if (tau[i] >= count) continue;
      victim.image(cv::Rect(static_cast<int>(i % bx) * bs, static_cast<int>(i / bx) * bs, bs, bs))
          .copyTo(restored(cv::Rect(static_cast<int>(tau[i] % bx) * bs, static_cast<int>(tau[i] / bx) * bs, bs, bs)));
    }
    attack_seconds = msai::seconds_since(t0);
    SHROUD_ASSIGN_OR_RETURN(auto truth, schemes::block_permutation(key, params.frame_index, count));
    std::uint32_t right = 0;
    for (std::uint32_t i = 0; i < count; ++i) right += tau[i] == truth[i];
    r.success = static_cast<double>(right) / count;
    r.detail = {{"blocks", count},
                {"tau_entries_recovered", right},
                {"fresh_image_pixels_restored", msai::fraction_equal(restored, fresh)},
                {"chosen_images", 1}};
  } else {
    const cv::Rect whole(0, 0, fresh.cols, fresh.rows);
    SHROUD_ASSIGN_OR_RETURN(auto oracle, msai::seal_target(chosen, {whole}));
    SHROUD_ASSIGN_OR_RETURN(auto victim, msai::seal_again(oracle, fresh, {whole}));
    const auto t0 = std::chrono::steady_clock::now();
    // (a) block codes read off the placeholder, used as tau.
    cv::Mat by_codes = victim.visible.clone();
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::uint32_t j = code_at(oracle.visible, static_cast<int>(i % bx) * bs, static_cast<int>(i / bx) * bs);
      if (j >= count) continue;
      victim.visible(cv::Rect(static_cast<int>(i % bx) * bs, static_cast<int>(i / bx) * bs, bs, bs))
          .copyTo(by_codes(cv::Rect(static_cast<int>(j % bx) * bs, static_cast<int>(j / bx) * bs, bs, bs)));
    }
    // (b) the chosen image's keystream applied to the fresh ciphertext.
    const auto c1 = msai::region_ciphertext(oracle, 0), c2 = msai::region_ciphertext(victim, 0);
    cv::Mat by_stream(fresh.size(), fresh.type());
    const auto* p1 = chosen.ptr<std::uint8_t>();
    for (std::size_t i = 0; i < by_stream.total() * 3 && i < c1.size() && i < c2.size(); ++i) {
      by_stream.ptr<std::uint8_t>()[i] = static_cast<std::uint8_t>(c2[i] ^ c1[i] ^ p1[i]);
    }
    attack_seconds = msai::seconds_since(t0);
    const double a = blocks_equal(by_codes, fresh, bs), b = blocks_equal(by_stream, fresh, bs);
    Container spliced = victim.parsed;
    spliced.ciphertext = oracle.parsed.ciphertext;
    const bool detected = msai::seal_rejects(victim, victim.visible, serialize_container(spliced));
    r.success = std::max(a, b);
    r.detail = {{"blocks", count},
                {"fresh_blocks_restored_by_codes", a},
                {"fresh_blocks_restored_by_keystream", b},
                {"fresh_image_pixels_restored", std::max(msai::fraction_equal(by_codes, fresh), msai::fraction_equal(by_stream, fresh))},
                {"splice_detected", detected},
                {"chosen_images", 1}};
  }
  r.detail["block_size"] = bs;
  r.detail["attack_seconds"] = attack_seconds;
  r.detail["seconds"] = msai::seconds_since(start);
  r.detail["success_definition"] = o.scheme == "seal" ? "share of a fresh sealed image's blocks restored exactly"
                                                      : "share of tau entries recovered";
  char line[256];
  std::snprintf(line, sizeof line, "one chosen image: %.2f%% %s (%u blocks of %dx%d; %.2f ms)", 100 * r.success,
                o.scheme == "seal" ? "of a fresh sealed image's blocks restored" : "of tau recovered", count, bs, bs,
                1000 * attack_seconds);
  r.summary = line;
  return r;
}

}  // namespace shroud::attacks
