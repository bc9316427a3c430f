// msai-l: lossless integer masking membrane modulo 2^61 - 1 (see msai_l.h).
#include "shroud/schemes/msai_l.h"

#include <sodium.h>

#include "schemes/internal.h"

namespace shroud::schemes {
namespace {

static_assert(kMsaiLModulus == detail::kMersenne61);
// Correctness conditions of SCHEMES.md 1b for the largest sample (16-bit).
static_assert(static_cast<unsigned __int128>(kMsaiLNoise) * 65535 < kMsaiLW / 2);
static_assert(static_cast<unsigned __int128>(kMsaiLW + kMsaiLNoise) * 65535 < kMsaiLModulus);

Status check_area(const cv::Mat& m) {
  if (!detail::is_8_or_16_bit(m)) return make_error(ErrorCode::kUnsupported, "msai-l: area must be 8- or 16-bit");
  return ok_status();
}

template <typename T>
void mask_rows(const cv::Mat& area, const std::vector<std::uint64_t>& lambda, int membrane_cols,
               std::vector<std::uint64_t>& out) {
  const int ch = area.channels();
  std::size_t o = 0;
  for (int y = 0; y < area.rows; ++y) {
    const T* row = area.ptr<T>(y);
    const std::size_t base = static_cast<std::size_t>(y) * membrane_cols * ch;
    for (int i = 0; i < area.cols * ch; ++i) out[o++] = detail::mul_mod61(lambda[base + i], row[i]);
  }
}

}  // namespace

MsaiLKey::~MsaiLKey() { sodium_memzero(&k, sizeof k); }

Result<MsaiLKey> msai_l_generate_key() {
  SHROUD_ASSIGN_OR_RETURN(std::uint64_t v, detail::random_uniform(kMsaiLModulus - 1));
  return MsaiLKey(v + 1);
}

Status msai_l_check_key(const MsaiLKey& key) {
  if (key.k == 0 || key.k >= kMsaiLModulus) {
    return make_error(ErrorCode::kInvalidArgument, "msai-l: key must be in [1, 2^61 - 2]");
  }
  return ok_status();
}

std::uint64_t msai_l_inverse(std::uint64_t k) { return detail::pow_mod61(k, kMsaiLModulus - 2); }

Result<std::vector<std::uint64_t>> msai_l_membrane(const MsaiLKey& key, std::size_t count) {
  SHROUD_RETURN_IF_ERROR(msai_l_check_key(key));
  SHROUD_RETURN_IF_ERROR(detail::ensure_sodium());
  const std::uint64_t kinv = msai_l_inverse(key.k);
  std::vector<std::uint64_t> lambda(count);
  for (auto& l : lambda) {
    // e in [-E, E]: 2E + 1 values, uniform from the CSPRNG.
    const std::uint64_t u = randombytes_uniform(static_cast<std::uint32_t>(2 * kMsaiLNoise + 1));
    const std::uint64_t w_plus_e = kMsaiLW - kMsaiLNoise + u;
    l = detail::mul_mod61(kinv, w_plus_e);
  }
  return lambda;
}

Result<std::vector<std::uint64_t>> msai_l_mask(const cv::Mat& area, const std::vector<std::uint64_t>& lambda,
                                               int membrane_rows, int membrane_cols) {
  SHROUD_RETURN_IF_ERROR(check_area(area));
  const int ch = area.channels();
  if (membrane_rows < area.rows || membrane_cols < area.cols ||
      lambda.size() != static_cast<std::size_t>(membrane_rows) * membrane_cols * ch) {
    return make_error(ErrorCode::kInvalidArgument,
                      "msai-l: membrane (" + std::to_string(membrane_cols) + "x" + std::to_string(membrane_rows) +
                          ") smaller than the area (" + std::to_string(area.cols) + "x" + std::to_string(area.rows) +
                          ") or of another channel count");
  }
  for (auto l : lambda) {
    if (l == 0 || l >= kMsaiLModulus) return make_error(ErrorCode::kCorrupt, "msai-l: membrane value out of range");
  }
  std::vector<std::uint64_t> out(area.total() * ch);
  if (area.depth() == CV_8U) {
    mask_rows<std::uint8_t>(area, lambda, membrane_cols, out);
  } else {
    mask_rows<std::uint16_t>(area, lambda, membrane_cols, out);
  }
  return out;
}

cv::Mat msai_l_placeholder(const std::vector<std::uint64_t>& masked, cv::Size size, int type) {
  cv::Mat m(size, type);
  const std::size_t n = static_cast<std::size_t>(size.area()) * m.channels();
  if (masked.size() != n) return cv::Mat();
  std::size_t i = 0;
  for (int y = 0; y < m.rows; ++y) {
    if (m.depth() == CV_8U) {
      auto* row = m.ptr<std::uint8_t>(y);
      for (int x = 0; x < m.cols * m.channels(); ++x) row[x] = static_cast<std::uint8_t>(masked[i++]);
    } else {
      auto* row = m.ptr<std::uint16_t>(y);
      for (int x = 0; x < m.cols * m.channels(); ++x) row[x] = static_cast<std::uint16_t>(masked[i++]);
    }
  }
  return m;
}

Result<cv::Mat> msai_l_unmask(const std::vector<std::uint64_t>& masked, cv::Size size, int type, const MsaiLKey& key) {
  SHROUD_RETURN_IF_ERROR(msai_l_check_key(key));
  if (size.width < 0 || size.height < 0 || (CV_MAT_DEPTH(type) != CV_8U && CV_MAT_DEPTH(type) != CV_16U)) {
    return make_error(ErrorCode::kUnsupported, "msai-l: area must be 8- or 16-bit");
  }
  const int ch = CV_MAT_CN(type);
  if (masked.size() != static_cast<std::size_t>(size.area()) * ch) {
    return make_error(ErrorCode::kCorrupt, "msai-l: masked value count does not match the area");
  }
  const std::uint64_t pmax = CV_MAT_DEPTH(type) == CV_8U ? 255 : 65535;
  const std::uint64_t t_max = (kMsaiLW + kMsaiLNoise) * pmax;
  cv::Mat out(size, type);
  std::size_t i = 0;
  for (int y = 0; y < size.height; ++y) {
    for (int x = 0; x < size.width * ch; ++x, ++i) {
      const std::uint64_t c = masked[i];
      if (c >= kMsaiLModulus) return make_error(ErrorCode::kCorrupt, "msai-l: masked value out of range");
      const std::uint64_t t = detail::mul_mod61(key.k, c);
      const std::uint64_t p = (t + kMsaiLW / 2) / kMsaiLW;
      const std::uint64_t wp = kMsaiLW * p;
      const std::uint64_t dev = t > wp ? t - wp : wp - t;
      if (t > t_max || dev > kMsaiLNoise * p) {
        return make_error(ErrorCode::kAuthentication,
                          "msai-l: masked area does not decode with this key (wrong key or modified data)");
      }
      if (pmax == 255) {
        out.ptr<std::uint8_t>(y)[x] = static_cast<std::uint8_t>(p);
      } else {
        out.ptr<std::uint16_t>(y)[x] = static_cast<std::uint16_t>(p);
      }
    }
  }
  return out;
}

}  // namespace shroud::schemes
