// sisa-paper: AES-256-CFB128 over region bytes, unauthenticated (see the warning in sisa_paper.h).
#include "shroud/schemes/sisa_paper.h"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>
#include <memory>

#include "schemes/internal.h"
#include "core/json_number.h"

namespace shroud::schemes {
namespace {

Status cfb_region(cv::Mat& image, const cv::Rect& rect, const SisaPaperKey& key,
                  const std::array<std::uint8_t, 16>& iv, bool encrypt) {
  if (!detail::is_8_or_16_bit(image)) return make_error(ErrorCode::kUnsupported, "sisa-paper: 8- or 16-bit images only");
  if (!detail::rect_inside(rect, image.size(), false)) {
    return make_error(ErrorCode::kInvalidArgument, "sisa-paper: rectangle outside the image or empty");
  }
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cfb128(), nullptr, key.bytes.data(), iv.data(),
                                encrypt ? 1 : 0) != 1) {
    return make_error(ErrorCode::kInternal, "sisa-paper: OpenSSL AES-256-CFB initialisation failed");
  }
  // One continuous CFB stream over the region's rows.
  const int row_bytes = static_cast<int>(rect.width * image.elemSize());
  for (int y = rect.y; y < rect.y + rect.height; ++y) {
    std::uint8_t* p = image.ptr(y) + rect.x * image.elemSize();
    int out_len = 0;
    if (EVP_CipherUpdate(ctx.get(), p, &out_len, p, row_bytes) != 1 || out_len != row_bytes) {
      return make_error(ErrorCode::kInternal, "sisa-paper: OpenSSL AES-256-CFB failed");
    }
  }
  int final_len = 0;
  std::uint8_t tail[32];
  if (EVP_CipherFinal_ex(ctx.get(), tail, &final_len) != 1 || final_len != 0) {
    return make_error(ErrorCode::kInternal, "sisa-paper: OpenSSL AES-256-CFB finalisation failed");
  }
  return ok_status();
}

}  // namespace

SisaPaperKey::~SisaPaperKey() { sodium_memzero(bytes.data(), bytes.size()); }

Result<SisaPaperKey> generate_sisa_paper_key() {
  SisaPaperKey key;
  SHROUD_RETURN_IF_ERROR(detail::random_bytes(key.bytes.data(), key.bytes.size()));
  return key;
}

nlohmann::json SisaPaperRecord::to_json() const {
  return {{"rect", {rect.x, rect.y, rect.width, rect.height}}, {"iv", detail::to_hex(iv.data(), iv.size())}};
}

Result<SisaPaperRecord> SisaPaperRecord::from_json(const nlohmann::json& j) {
  SisaPaperRecord r;
  try {
    const auto& a = j.at("rect");
    if (!a.is_array() || a.size() != 4) throw std::runtime_error("rect must be [x, y, w, h]");
    r.rect = cv::Rect(shroud::detail::json_int(a[0]), shroud::detail::json_int(a[1]), shroud::detail::json_int(a[2]), shroud::detail::json_int(a[3]));
    auto iv = detail::from_hex(j.at("iv").get<std::string>(), 16);
    if (!iv.ok()) throw std::runtime_error(iv.error().message);
    std::memcpy(r.iv.data(), iv->data(), 16);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kCorrupt, std::string("sisa-paper record: ") + e.what());
  }
  return r;
}

Result<SisaPaperRecord> sisa_paper_encrypt(cv::Mat& image, const cv::Rect& rect, const SisaPaperKey& key) {
  SisaPaperRecord r;
  r.rect = rect;
  SHROUD_RETURN_IF_ERROR(detail::random_bytes(r.iv.data(), r.iv.size()));
  SHROUD_RETURN_IF_ERROR(cfb_region(image, rect, key, r.iv, true));
  return r;
}

Status sisa_paper_decrypt(cv::Mat& image, const SisaPaperRecord& record, const SisaPaperKey& key) {
  return cfb_region(image, record.rect, key, record.iv, false);
}

}  // namespace shroud::schemes
