// pbe (Sirichotedumrong et al.) and the XOR + channel-shuffle core shared with perceptual.
#include "shroud/schemes/pbe.h"

#include <sodium.h>

#include <cstring>

#include "schemes/internal.h"
#include "schemes/pe_transform.h"

namespace shroud::schemes {
namespace {

std::array<std::uint8_t, 12> nonce_of(const char (&label)[13]) {
  std::array<std::uint8_t, 12> n{};
  std::memcpy(n.data(), label, 12);
  return n;
}

template <typename T>
void transform_rows(const cv::Mat& in, cv::Mat& out, int colour, const std::vector<std::uint8_t>& kc,
                    const std::vector<std::uint8_t>& ks, const std::vector<std::uint32_t>* seq, bool decrypt) {
  const int ch = in.channels();
  const T all_ones = static_cast<T>(~T{0});
  std::size_t pixel = 0;
  for (int y = 0; y < in.rows; ++y) {
    const T* src = in.ptr<T>(y);
    T* dst = out.ptr<T>(y);
    for (int x = 0; x < in.cols; ++x, ++pixel) {
      const T* s = src + static_cast<std::size_t>(x) * ch;
      T* d = dst + static_cast<std::size_t>(x) * ch;
      const std::size_t j0 = pixel * colour;
      T v[3];
      if (!decrypt) {
        for (int c = 0; c < colour; ++c) {
          const T key = seq ? static_cast<T>((*seq)[j0 + c]) : all_ones;
          v[c] = kc[j0 + c] ? static_cast<T>(s[c] ^ key) : s[c];
        }
        if (!ks.empty()) {
          const auto& perm = kChannelPermutations[ks[pixel]];
          for (int c = 0; c < 3; ++c) d[c] = v[perm[c]];
        } else {
          for (int c = 0; c < colour; ++c) d[c] = v[c];
        }
      } else {
        if (!ks.empty()) {
          const auto& perm = kChannelPermutations[ks[pixel]];
          for (int c = 0; c < 3; ++c) v[perm[c]] = s[c];
        } else {
          for (int c = 0; c < colour; ++c) v[c] = s[c];
        }
        for (int c = 0; c < colour; ++c) {
          const T key = seq ? static_cast<T>((*seq)[j0 + c]) : all_ones;
          d[c] = kc[j0 + c] ? static_cast<T>(v[c] ^ key) : v[c];
        }
      }
      for (int c = colour; c < ch; ++c) d[c] = s[c];   // alpha unchanged
    }
  }
}

}  // namespace

std::vector<std::uint8_t> pe_binary_key(const PeSeed& seed, std::size_t samples) {
  detail::KeyStream stream(seed, nonce_of("shroud-pe-kc"));
  std::vector<std::uint8_t> bits(samples);
  std::uint8_t byte = 0;
  for (std::size_t j = 0; j < samples; ++j) {
    if (j % 8 == 0) byte = stream.next_byte();
    bits[j] = (byte >> (j % 8)) & 1;
  }
  return bits;
}

std::vector<std::uint8_t> pe_shuffle_key(const PeSeed& seed, std::size_t pixels) {
  detail::KeyStream stream(seed, nonce_of("shroud-pe-ks"));
  std::vector<std::uint8_t> ks(pixels);
  for (auto& s : ks) {
    std::uint8_t b;
    do {
      b = stream.next_byte();
    } while (b >= 252);
    s = static_cast<std::uint8_t>(b % 6);
  }
  return ks;
}

namespace detail {

Result<int> pe_colour_channels(const cv::Mat& image) {
  if (!is_8_or_16_bit(image)) return make_error(ErrorCode::kUnsupported, "perceptual encryption: 8- or 16-bit images only");
  switch (image.channels()) {
    case 1: return 1;
    case 3:
    case 4: return 3;
    default: return make_error(ErrorCode::kUnsupported, "perceptual encryption: 1, 3 or 4 channels only");
  }
}

Result<cv::Mat> pe_transform(const cv::Mat& image, const PeSeed& seed, bool shuffle,
                             const std::vector<std::uint32_t>* sequence, bool decrypt) {
  SHROUD_ASSIGN_OR_RETURN(const int colour, pe_colour_channels(image));
  SHROUD_RETURN_IF_ERROR(ensure_sodium());
  const std::size_t pixels = image.total();
  const std::size_t samples = pixels * colour;
  if (sequence && sequence->size() != samples) return make_error(ErrorCode::kInternal, "sequence length mismatch");
  const auto kc = pe_binary_key(seed, samples);
  const auto ks = shuffle && colour == 3 ? pe_shuffle_key(seed, pixels) : std::vector<std::uint8_t>{};
  cv::Mat out(image.size(), image.type());
  if (image.depth() == CV_8U) {
    transform_rows<std::uint8_t>(image, out, colour, kc, ks, sequence, decrypt);
  } else {
    transform_rows<std::uint16_t>(image, out, colour, kc, ks, sequence, decrypt);
  }
  return out;
}

}  // namespace detail

PbeKey::~PbeKey() { sodium_memzero(seed.data(), seed.size()); }

nlohmann::json PbeKey::to_json() const {
  return {{"scheme", "pbe"}, {"seed", detail::to_hex(seed.data(), seed.size())}, {"shuffle", shuffle}};
}

Result<PbeKey> PbeKey::from_json(const nlohmann::json& j) {
  PbeKey key;
  try {
    if (j.at("scheme").get<std::string>() != "pbe") throw std::runtime_error("not a pbe key");
    auto seed = detail::from_hex(j.at("seed").get<std::string>(), 32);
    if (!seed.ok()) throw std::runtime_error(seed.error().message);
    std::memcpy(key.seed.data(), seed->data(), 32);
    key.shuffle = j.at("shuffle").get<bool>();
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kCorrupt, std::string("pbe key: ") + e.what());
  }
  return key;
}

Result<PbeKey> generate_pbe_key() {
  PbeKey key;
  SHROUD_RETURN_IF_ERROR(detail::random_bytes(key.seed.data(), key.seed.size()));
  return key;
}

Result<cv::Mat> pbe_encrypt(const cv::Mat& image, const PbeKey& key) {
  return detail::pe_transform(image, key.seed, key.shuffle, nullptr, false);
}

Result<cv::Mat> pbe_decrypt(const cv::Mat& image, const PbeKey& key) {
  return detail::pe_transform(image, key.seed, key.shuffle, nullptr, true);
}

}  // namespace shroud::schemes
