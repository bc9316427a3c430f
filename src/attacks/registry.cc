#include "attacks/attacks.h"

#include <cmath>
#include <cstdio>

namespace shroud {
namespace {

using T = AttackParam::Type;
const AttackParam kMaxSide{"max_side", T::kInt, 0, 4096, "longest side the images are resized to (0: as they are)"};
const AttackParam kArea{"area", T::kReal, 0.01, 1, "share of the image masked, centred"};
const AttackParam kSize{"size", T::kInt, 4, 1024, "side of the generated test images"};
const AttackParam kBlock{"block", T::kInt, 1, 256, "scramble block size"};

}  // namespace

const std::vector<AttackInfo>& attack_registry() {
  static const std::vector<AttackInfo> kAttacks = {
      {"dp-plate-epsilon", "D1",
       "true epsilon of the paper's Laplace+wrap plate mechanism (exact table) and a one-shot distinguishing game",
       {"paper", "rr"}, attacks::dp_plate_epsilon},
      {"dp-plate-average", "D2",
       "maximum-likelihood plate recovery from N noised frames (per-frame draws vs Shroud's one draw per track)",
       {"per-frame", "per-track"}, attacks::dp_plate_average,
       {{"mechanism", T::kWord, 0, 0, "paper (Laplace + wrap) or rr"}}},
      {"blur-deconvolve", "S4",
       "Wiener deconvolution with the known Gaussian kernel raises the blurred region's PSNR",
       {"gaussian", "blur", "seal"}, attacks::blur_deconvolve,
       {{"sigma", T::kReal, 0.1, 100, "Gaussian sigma (gaussian)"}, {"strength", T::kReal, 0.01, 4, "blur strength (blur)"}, {"k", T::kReal, 1e-12, 1e3, "Wiener noise-to-signal ratio"}, {"placeholder", T::kWord, 0, 0, "seal placeholder"}}},
      {"msai-rescale", "M1", "ciphertext-only: the masked values' common period gives w/k, so k and every pixel (even >= 251)",
       {"msai-paper", "seal"}, attacks::msai_rescale,
       {kArea, kMaxSide}},
      {"msai-bruteforce", "M2", "ciphertext-only brute force of msai-paper's 250 keys (the right key makes every value fit)",
       {"msai-paper", "seal"}, attacks::msai_bruteforce,
       {kArea, kMaxSide}},
      {"msai-known-pixel", "M3", "one known pixel gives msai-paper's k, two give msai-l's k (2^23 steps); then the area and forgeries",
       {"msai-paper", "msai-l", "seal"}, attacks::msai_known_pixel,
       {kArea, kMaxSide}},
      {"block-scramble-cpa", "M4", "one chosen image (block j encodes j) reveals the block permutation tau",
       {"block-scramble", "seal"}, attacks::block_scramble_cpa,
       {kBlock, kMaxSide, {"frame", T::kInt, 0, 2147483647, "frame index of the scramble"}}},
      {"block-scramble-kpa", "M5", "known plaintext: exact block matching recovers tau except for repeated (flat) blocks",
       {"block-scramble", "seal"}, attacks::block_scramble_kpa,
       {kBlock, kMaxSide, {"known", T::kInt, 1, 2, "known image pairs"}}},
      {"msai-stats", "M6", "statistics that survive: histogram identifies the frame, intact blocks, reused-membrane change map",
       {"msai-l", "msai-paper", "block-scramble", "seal"}, attacks::msai_stats,
       {{"gallery", T::kInt, 2, 64, "frames in the gallery"}, {"width", T::kInt, 16, 1024, "frame width"}, {"height", T::kInt, 16, 1024, "frame height"}}},
      {"msai-l-lattice", "msai-l", "ciphertext-only hidden-number lattice attack (fplll LLL, dimension 13) recovers msai-l's k",
       {"msai-l", "seal"}, attacks::msai_l_lattice,
       {{"dim", T::kInt, 4, 40, "lattice dimension"}, kArea, kMaxSide}},
      {"pbe-cpa", "P0",
       "the PBE paper's own chosen-plaintext attack (Algorithm 1, plus one (1,2,4) image for the shuffle) recovers the key",
       {"pbe", "pbe-noshuffle", "seal"}, attacks::pbe_cpa,
       {kSize}},
      {"perceptual-cpa", "P1",
       "two chosen images (zeros; (1,2,4)) recover an equivalent Ahmad-Shin key and decrypt fresh images exactly",
       {"perceptual", "seal"}, attacks::perceptual_cpa,
       {kSize}},
      {"perceptual-one-image", "P2",
       "one chosen all-zero image reveals every pixel's values up to channel order (so R+G+B) of new images",
       {"perceptual", "seal"}, attacks::perceptual_one_image,
       {kSize}},
      {"perceptual-kpa", "P3",
       "known plaintext: share of pixels whose Ahmad-Shin key is fixed by 1, 2, 3 known images",
       {"perceptual", "pbe", "seal"}, attacks::perceptual_kpa,
       {kSize}},
      {"perceptual-keystream-reuse", "P4",
       "ciphertext only: C1 XOR C2 = pi(P1 XOR P2) for two frames under one key (moving objects show exactly)",
       {"perceptual", "pbe", "seal"}, attacks::perceptual_keystream_reuse,
       {kSize}},
      {"sisa-cfb-bitflip", "S1",
       "AES-CFB malleability: XORing a ciphertext byte sets the chosen plaintext byte and decryption reports success",
       {"sisa-paper", "seal"}, attacks::sisa_cfb_bitflip,
       {kSize}},
      {"sisa-shifted-coords", "S3",
       "shifted region coordinates in the unauthenticated metadata decrypt silently into wrong pixels",
       {"sisa-paper", "seal"}, attacks::sisa_shifted_coords,
       {kSize}},
  };
  return kAttacks;
}

Status check_attack_params(const AttackInfo& attack, const nlohmann::json& params) {
  if (!params.is_object()) return make_error(ErrorCode::kInvalidArgument, "attack parameters must be NAME=VALUE pairs");
  for (auto it = params.begin(); it != params.end(); ++it) {
    const AttackParam* p = nullptr;
    std::string names;
    for (const auto& q : attack.params) {
      if (q.name == it.key()) p = &q;
      names += (names.empty() ? "" : ", ") + q.name;
    }
    const std::string where = "attack '" + attack.name + "': parameter '" + it.key() + "'";
    if (p == nullptr) {
      return make_error(ErrorCode::kInvalidArgument,
                        where + " is unknown (" + (names.empty() ? "it takes none" : "it takes: " + names) + ")");
    }
    const nlohmann::json& v = it.value();
    if (p->type == AttackParam::Type::kWord) {
      if (!v.is_string()) return make_error(ErrorCode::kInvalidArgument, where + " must be a word");
      continue;
    }
    const bool integral = v.is_number_integer() || (v.is_number_float() && std::isfinite(v.get<double>()) &&
                                                     std::floor(v.get<double>()) == v.get<double>());
    if (!v.is_number() || (p->type == AttackParam::Type::kInt && !integral)) {
      return make_error(ErrorCode::kInvalidArgument,
                        where + " must be " + (p->type == AttackParam::Type::kInt ? "an integer" : "a number"));
    }
    const double x = v.get<double>();
    if (!(x >= p->min && x <= p->max)) {  // also NaN
      char range[96];
      std::snprintf(range, sizeof range, " must be in [%g, %g]", p->min, p->max);
      return make_error(ErrorCode::kInvalidArgument, where + range);
    }
  }
  return ok_status();
}

Result<AttackResult> run_attack(const std::string& name, const AttackOptions& options) {
  for (const auto& a : attack_registry()) {
    if (a.name != name) continue;
    SHROUD_RETURN_IF_ERROR(check_attack_params(a, options.params));
    AttackOptions o = options;
    if (o.scheme.empty()) o.scheme = a.schemes.front();
    bool known = false;
    for (const auto& s : a.schemes) known = known || s == o.scheme;
    if (!known) {
      std::string list;
      for (const auto& s : a.schemes) list += (list.empty() ? "" : ", ") + s;
      return make_error(ErrorCode::kInvalidArgument,
                        "attack '" + name + "' does not apply to scheme '" + o.scheme + "' (it runs against: " + list + ")");
    }
    auto r = a.run(o);
    if (r.ok()) {
      r->attack = name;
      r->scheme = o.scheme;
    }
    return r;
  }
  return make_error(ErrorCode::kInvalidArgument, "unknown attack '" + name + "' (see `shroud list`)");
}

nlohmann::json attack_result_json(const AttackResult& r) {
  return {{"attack", r.attack}, {"scheme", r.scheme}, {"success", r.success}, {"summary", r.summary}, {"detail", r.detail}};
}

}  // namespace shroud
