// perceptual: Ahmad-Shin logistic-map perceptual encryption (see perceptual.h).
#include "shroud/schemes/perceptual.h"

#include <sodium.h>

#include <cmath>
#include <cstring>

#include "schemes/internal.h"
#include "schemes/pe_transform.h"

namespace shroud::schemes {

Status check_logistic_params(double mu, double d0) {
  if (!std::isfinite(mu) || mu < kLogisticMuMin || mu > kLogisticMuMax) {
    return make_error(ErrorCode::kInvalidArgument, "logistic map: mu must be in [3.57, 4]");
  }
  if (!std::isfinite(d0) || d0 <= 0.0 || d0 >= 1.0) {
    return make_error(ErrorCode::kInvalidArgument, "logistic map: d0 must be in (0, 1)");
  }
  return ok_status();
}

std::vector<std::uint32_t> logistic_sequence(double mu, double d0, std::size_t count, int discard,
                                             std::uint32_t modulus) {
  double d = d0;
  for (int i = 0; i < discard; ++i) d = mu * d * (1.0 - d);
  std::vector<std::uint32_t> s(count);
  for (auto& v : s) {
    d = mu * d * (1.0 - d);
    const double scaled = std::floor((d / 2.0) * 1e14);   // in [0, 5e13]: exact in uint64
    v = static_cast<std::uint32_t>(static_cast<std::uint64_t>(scaled) % modulus);
  }
  return s;
}

PerceptualKey::~PerceptualKey() { sodium_memzero(seed.data(), seed.size()); }

nlohmann::json PerceptualKey::to_json() const {
  return {{"scheme", "perceptual"},
          {"mu", mu},
          {"d0", d0},
          {"seed", detail::to_hex(seed.data(), seed.size())},
          {"shuffle", shuffle}};
}

Result<PerceptualKey> PerceptualKey::from_json(const nlohmann::json& j) {
  PerceptualKey key;
  try {
    if (j.at("scheme").get<std::string>() != "perceptual") throw std::runtime_error("not a perceptual key");
    key.mu = j.at("mu").get<double>();
    key.d0 = j.at("d0").get<double>();
    auto seed = detail::from_hex(j.at("seed").get<std::string>(), 32);
    if (!seed.ok()) throw std::runtime_error(seed.error().message);
    std::memcpy(key.seed.data(), seed->data(), 32);
    key.shuffle = j.at("shuffle").get<bool>();
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kCorrupt, std::string("perceptual key: ") + e.what());
  }
  SHROUD_RETURN_IF_ERROR(check_logistic_params(key.mu, key.d0));
  return key;
}

Result<PerceptualKey> generate_perceptual_key() {
  PerceptualKey key;
  std::uint64_t r[2];
  SHROUD_RETURN_IF_ERROR(detail::random_bytes(reinterpret_cast<std::uint8_t*>(r), sizeof r));
  const double u0 = static_cast<double>(r[0] >> 11) / 9007199254740992.0;            // [0, 1)
  const double u1 = (static_cast<double>(r[1] >> 11) + 0.5) / 9007199254740992.0;    // (0, 1)
  key.mu = kLogisticMuMin + (kLogisticMuMax - kLogisticMuMin) * u0;
  key.d0 = u1;
  SHROUD_RETURN_IF_ERROR(detail::random_bytes(key.seed.data(), key.seed.size()));
  return key;
}

namespace {

Result<cv::Mat> run(const cv::Mat& image, const PerceptualKey& key, bool decrypt) {
  SHROUD_RETURN_IF_ERROR(check_logistic_params(key.mu, key.d0));
  SHROUD_ASSIGN_OR_RETURN(const int colour, detail::pe_colour_channels(image));
  const std::uint32_t modulus = image.depth() == CV_16U ? 65536u : 256u;
  const auto seq = logistic_sequence(key.mu, key.d0, image.total() * colour, kLogisticDiscard, modulus);
  return detail::pe_transform(image, key.seed, key.shuffle, &seq, decrypt);
}

}  // namespace

Result<cv::Mat> perceptual_encrypt(const cv::Mat& image, const PerceptualKey& key) { return run(image, key, false); }
Result<cv::Mat> perceptual_decrypt(const cv::Mat& image, const PerceptualKey& key) { return run(image, key, true); }

}  // namespace shroud::schemes
