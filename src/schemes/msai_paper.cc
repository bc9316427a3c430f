// msai-paper: real-valued membrane as printed in the MSAI paper (see msai_paper.h).
#include "shroud/schemes/msai_paper.h"

#include <sodium.h>

#include <cmath>

#include "schemes/internal.h"

namespace shroud::schemes {

Result<MsaiPaperKey> msai_paper_generate_key() {
  SHROUD_ASSIGN_OR_RETURN(std::uint64_t v, detail::random_uniform(kMsaiPaperField - 1));
  return MsaiPaperKey{static_cast<int>(v) + 1};
}

Status msai_paper_check_key(const MsaiPaperKey& key) {
  if (key.k < 1 || key.k >= kMsaiPaperField) {
    return make_error(ErrorCode::kInvalidArgument, "msai-paper: key must be in [1, 250]");
  }
  return ok_status();
}

Result<std::vector<double>> msai_paper_membrane(const MsaiPaperKey& key, std::size_t count) {
  SHROUD_RETURN_IF_ERROR(msai_paper_check_key(key));
  SHROUD_RETURN_IF_ERROR(detail::ensure_sodium());
  std::vector<double> lambda(count);
  const double kinv = 1.0 / key.k;
  for (auto& l : lambda) {
    const int e = static_cast<int>(randombytes_uniform(2 * kMsaiPaperNoise + 1)) - kMsaiPaperNoise;
    l = kinv * (kMsaiPaperW + e);
  }
  return lambda;
}

Result<std::vector<float>> msai_paper_mask(const cv::Mat& area, const std::vector<double>& lambda, int membrane_rows,
                                           int membrane_cols) {
  if (area.empty() || area.dims != 2 || area.depth() != CV_8U) {
    return make_error(ErrorCode::kUnsupported, "msai-paper: the paper's form works on 8-bit images only");
  }
  const int ch = area.channels();
  if (membrane_rows < area.rows || membrane_cols < area.cols ||
      lambda.size() != static_cast<std::size_t>(membrane_rows) * membrane_cols * ch) {
    return make_error(ErrorCode::kInvalidArgument, "msai-paper: membrane smaller than the area or of another channel count");
  }
  for (double l : lambda) {
    if (!std::isfinite(l) || l <= 0) return make_error(ErrorCode::kCorrupt, "msai-paper: membrane value out of range");
  }
  std::vector<float> out(area.total() * ch);
  std::size_t o = 0;
  for (int y = 0; y < area.rows; ++y) {
    const auto* row = area.ptr<std::uint8_t>(y);
    const std::size_t base = static_cast<std::size_t>(y) * membrane_cols * ch;
    for (int i = 0; i < area.cols * ch; ++i) out[o++] = static_cast<float>(row[i] * lambda[base + i]);
  }
  return out;
}

cv::Mat msai_paper_placeholder(const std::vector<float>& masked, cv::Size size, int type) {
  cv::Mat m(size, type);
  if (m.depth() != CV_8U || masked.size() != static_cast<std::size_t>(size.area()) * m.channels()) return cv::Mat();
  std::size_t i = 0;
  for (int y = 0; y < m.rows; ++y) {
    auto* row = m.ptr<std::uint8_t>(y);
    for (int x = 0; x < m.cols * m.channels(); ++x, ++i) {
      const float v = masked[i];
      row[x] = std::isfinite(v) && v >= 0 && v < 4.0e9f ? static_cast<std::uint8_t>(static_cast<std::uint32_t>(v)) : 0;
    }
  }
  return m;
}

Result<cv::Mat> msai_paper_unmask(const std::vector<float>& masked, cv::Size size, int channels,
                                  const MsaiPaperKey& key) {
  SHROUD_RETURN_IF_ERROR(msai_paper_check_key(key));
  if (channels < 1 || channels > 4 || size.width < 0 || size.height < 0) {
    return make_error(ErrorCode::kUnsupported, "msai-paper: 1 to 4 channels");
  }
  if (masked.size() != static_cast<std::size_t>(size.area()) * channels) {
    return make_error(ErrorCode::kCorrupt, "msai-paper: masked value count does not match the area");
  }
  cv::Mat out(size, CV_8UC(channels));
  std::size_t i = 0;
  for (int y = 0; y < size.height; ++y) {
    auto* row = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < size.width * channels; ++x, ++i) {
      const double v = masked[i];
      if (!std::isfinite(v) || v < 0 || v > 1e12) return make_error(ErrorCode::kCorrupt, "msai-paper: bad masked value");
      const double r = std::round(key.k * v / kMsaiPaperW);   // the printed recovery
      row[x] = static_cast<std::uint8_t>(static_cast<std::int64_t>(r) % kMsaiPaperField);
    }
  }
  return out;
}

}  // namespace shroud::schemes
