// MSAI three-party protocol: keys, membranes, camera and data-centre steps (see msai.h).
#include "shroud/schemes/msai.h"

#include <sodium.h>

#include <charconv>
#include <cstring>

#include "schemes/internal.h"
#include "shroud/schemes/msai_l.h"
#include "shroud/schemes/msai_paper.h"
#include "core/json_number.h"

namespace shroud::schemes {
namespace {

constexpr const char* kKeyFormat = "shroud-msai-key";
constexpr const char* kTauFormat = "shroud-msai-tau";

Status check_key_range(MsaiScheme scheme, std::uint64_t k) {
  if (scheme == MsaiScheme::kLossless) return msai_l_check_key(MsaiLKey(k));
  if (k < 1 || k >= static_cast<std::uint64_t>(kMsaiPaperField)) {
    return make_error(ErrorCode::kInvalidArgument, "msai-paper: key must be in [1, 250]");
  }
  return ok_status();
}

std::uint32_t float_bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

}  // namespace

const char* msai_scheme_name(MsaiScheme scheme) {
  return scheme == MsaiScheme::kPaper ? "msai-paper" : "msai-l";
}

Result<MsaiScheme> parse_msai_scheme(const std::string& name) {
  if (name == "msai-l") return MsaiScheme::kLossless;
  if (name == "msai-paper") return MsaiScheme::kPaper;
  return make_error(ErrorCode::kInvalidArgument, "unknown MSAI scheme '" + name + "' (msai-l or msai-paper)");
}

MsaiKey::~MsaiKey() { sodium_memzero(&k, sizeof k); }

Result<MsaiKey> msai_generate_key(MsaiScheme scheme) {
  if (scheme == MsaiScheme::kLossless) {
    SHROUD_ASSIGN_OR_RETURN(MsaiLKey key, msai_l_generate_key());
    return MsaiKey(scheme, key.k);
  }
  SHROUD_ASSIGN_OR_RETURN(MsaiPaperKey key, msai_paper_generate_key());
  return MsaiKey(scheme, static_cast<std::uint64_t>(key.k));
}

std::string msai_key_to_json(const MsaiKey& key) {
  nlohmann::json j = {{"format", kKeyFormat},
                      {"version", 1},
                      {"scheme", msai_scheme_name(key.scheme)},
                      {"k", std::to_string(key.k)}};
  return j.dump(2) + "\n";
}

Result<MsaiKey> msai_key_from_json(const std::string& text) {
  MsaiKey key;
  try {
    const auto j = nlohmann::json::parse(text);
    if (j.at("format").get<std::string>() != kKeyFormat) throw std::runtime_error("not an MSAI key file");
    if (shroud::detail::json_int(j.at("version")) != 1) throw std::runtime_error("unsupported version");
    SHROUD_ASSIGN_OR_RETURN(key.scheme, parse_msai_scheme(j.at("scheme").get<std::string>()));
    const std::string k = j.at("k").get<std::string>();
    const auto [ptr, ec] = std::from_chars(k.data(), k.data() + k.size(), key.k);
    if (ec != std::errc() || ptr != k.data() + k.size() || k.empty()) throw std::runtime_error("k is not a decimal");
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kCorrupt, std::string("MSAI key file: ") + e.what());
  }
  SHROUD_RETURN_IF_ERROR(check_key_range(key.scheme, key.k));
  return key;
}

Result<MsaiTauKey> msai_generate_tau(int block_size) {
  if (block_size < 1 || block_size > kMaxBlockSize) {
    return make_error(ErrorCode::kInvalidArgument, "block size must be 1.." + std::to_string(kMaxBlockSize));
  }
  MsaiTauKey tau;
  SHROUD_ASSIGN_OR_RETURN(tau.key, generate_scramble_key());
  tau.block_size = block_size;
  return tau;
}

std::string msai_tau_to_json(const MsaiTauKey& tau) {
  nlohmann::json j = {{"format", kTauFormat},
                      {"version", 1},
                      {"scheme", "block-scramble"},
                      {"block_size", tau.block_size},
                      {"key", scramble_key_to_hex(tau.key)}};
  return j.dump(2) + "\n";
}

Result<MsaiTauKey> msai_tau_from_json(const std::string& text) {
  MsaiTauKey tau;
  try {
    const auto j = nlohmann::json::parse(text);
    if (j.at("format").get<std::string>() != kTauFormat) throw std::runtime_error("not an MSAI tau file");
    if (shroud::detail::json_int(j.at("version")) != 1) throw std::runtime_error("unsupported version");
    tau.block_size = shroud::detail::json_int(j.at("block_size"));
    if (tau.block_size < 1 || tau.block_size > kMaxBlockSize) throw std::runtime_error("bad block size");
    auto key = scramble_key_from_hex(j.at("key").get<std::string>());
    if (!key.ok()) throw std::runtime_error(key.error().message);
    tau.key = *key;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kCorrupt, std::string("MSAI tau file: ") + e.what());
  }
  return tau;
}

nlohmann::json MsaiAreaRequest::to_json() const {
  return {{"type", "msai-area-request"}, {"rows", rows}, {"cols", cols}, {"channels", channels}};
}

Result<MsaiAreaRequest> MsaiAreaRequest::from_json(const nlohmann::json& j) {
  MsaiAreaRequest r;
  try {
    if (j.at("type").get<std::string>() != "msai-area-request") throw std::runtime_error("not an area request");
    r.rows = shroud::detail::json_int(j.at("rows"));
    r.cols = shroud::detail::json_int(j.at("cols"));
    r.channels = shroud::detail::json_int(j.at("channels"));
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kCorrupt, std::string("MSAI area request: ") + e.what());
  }
  if (r.rows < 1 || r.cols < 1 || r.channels < 1 || r.channels > 4) {
    return make_error(ErrorCode::kInvalidArgument, "MSAI area request: rows, cols >= 1 and 1..4 channels");
  }
  return r;
}

std::vector<double> MsaiMembrane::paper_lambda() const {
  std::vector<double> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) std::memcpy(&out[i], &values[i], 8);
  return out;
}

std::vector<float> MsaiPayload::paper_masked() const {
  std::vector<float> out(masked.size());
  for (std::size_t i = 0; i < masked.size(); ++i) {
    const auto u = static_cast<std::uint32_t>(masked[i]);
    std::memcpy(&out[i], &u, 4);
  }
  return out;
}

Result<MsaiMembrane> msai_cloud_membrane(const MsaiKey& key, int rows, int cols, int channels) {
  SHROUD_RETURN_IF_ERROR(check_key_range(key.scheme, key.k));
  const MsaiLimits limits;
  if (rows < 1 || cols < 1 || channels < 1 || channels > 4 || rows > limits.max_dimension ||
      cols > limits.max_dimension) {
    return make_error(ErrorCode::kInvalidArgument, "membrane: rows and cols in 1.." +
                                                       std::to_string(limits.max_dimension) + ", 1..4 channels");
  }
  const std::int64_t count = std::int64_t{rows} * cols * channels;
  if (count > limits.max_samples) return make_error(ErrorCode::kResourceLimit, "membrane too large");
  MsaiMembrane m;
  m.scheme = key.scheme;
  m.rows = rows;
  m.cols = cols;
  m.channels = channels;
  SHROUD_RETURN_IF_ERROR(detail::random_bytes(m.id.data(), m.id.size()));
  if (key.scheme == MsaiScheme::kLossless) {
    SHROUD_ASSIGN_OR_RETURN(m.values, msai_l_membrane(MsaiLKey(key.k), static_cast<std::size_t>(count)));
  } else {
    SHROUD_ASSIGN_OR_RETURN(auto lambda,
                            msai_paper_membrane(MsaiPaperKey{static_cast<int>(key.k)}, static_cast<std::size_t>(count)));
    m.values.resize(lambda.size());
    for (std::size_t i = 0; i < lambda.size(); ++i) std::memcpy(&m.values[i], &lambda[i], 8);
  }
  return m;
}

Result<MsaiCameraOutput> msai_camera_protect(const cv::Mat& image, const cv::Rect& area, const MsaiMembrane& membrane,
                                             const MsaiTauKey& tau, std::int64_t frame_index) {
  if (!detail::is_8_or_16_bit(image) || image.channels() > 4) {
    return make_error(ErrorCode::kUnsupported, "MSAI camera: image must be 8- or 16-bit with 1..4 channels");
  }
  if (membrane.scheme == MsaiScheme::kPaper && image.depth() != CV_8U) {
    return make_error(ErrorCode::kUnsupported, "msai-paper works on 8-bit images only (use msai-l for 16-bit)");
  }
  if (!detail::rect_inside(area, image.size(), true)) {
    return make_error(ErrorCode::kInvalidArgument, "MSAI camera: sensitive area outside the image");
  }
  if (frame_index < 0) return make_error(ErrorCode::kInvalidArgument, "MSAI camera: negative frame index");
  const MsaiLimits limits;
  if (image.cols > limits.max_dimension || image.rows > limits.max_dimension ||
      std::int64_t{area.width} * area.height * image.channels() > limits.max_samples) {
    return make_error(ErrorCode::kResourceLimit, "MSAI camera: frame or area larger than the message limits");
  }
  const bool has_area = area.area() > 0;
  cv::Mat framed = image.clone();
  MsaiCameraOutput out;
  MsaiPayload& p = out.payload;
  p.scheme = membrane.scheme;
  p.width = image.cols;
  p.height = image.rows;
  p.type = image.type();
  p.area = has_area ? area : cv::Rect();
  p.membrane_id = membrane.id;
  if (has_area) {
    if (membrane.channels != image.channels()) {
      return make_error(ErrorCode::kInvalidArgument, "MSAI camera: membrane has " + std::to_string(membrane.channels) +
                                                         " channel(s), the image " +
                                                         std::to_string(image.channels()));
    }
    cv::Mat placeholder;
    if (membrane.scheme == MsaiScheme::kLossless) {
      SHROUD_ASSIGN_OR_RETURN(p.masked, msai_l_mask(image(area), membrane.values, membrane.rows, membrane.cols));
      placeholder = msai_l_placeholder(p.masked, area.size(), image.type());
    } else {
      SHROUD_ASSIGN_OR_RETURN(auto masked,
                              msai_paper_mask(image(area), membrane.paper_lambda(), membrane.rows, membrane.cols));
      p.masked.resize(masked.size());
      for (std::size_t i = 0; i < masked.size(); ++i) p.masked[i] = float_bits(masked[i]);
      placeholder = msai_paper_placeholder(masked, area.size(), image.type());
    }
    placeholder.copyTo(framed(area));
  }
  BlockScrambleParams params;
  params.block_size = tau.block_size;
  params.frame_index = frame_index;
  SHROUD_ASSIGN_OR_RETURN(ScrambledImage scrambled, block_scramble(framed, tau.key, params));
  out.visible = scrambled.image;
  p.scramble = scrambled.record;
  return out;
}

Status validate_payload(const MsaiPayload& p, const MsaiLimits& limits);  // msai_files.cc

Result<cv::Mat> msai_datacenter_recover(const cv::Mat& visible, const MsaiPayload& payload, const MsaiKey& key,
                                        const MsaiTauKey& tau) {
  SHROUD_RETURN_IF_ERROR(validate_payload(payload, MsaiLimits{}));
  if (key.scheme != payload.scheme) {
    return make_error(ErrorCode::kInvalidArgument, std::string("key is for ") + msai_scheme_name(key.scheme) +
                                                       ", the payload for " + msai_scheme_name(payload.scheme));
  }
  SHROUD_RETURN_IF_ERROR(check_key_range(key.scheme, key.k));
  if (tau.block_size != payload.scramble.block_size) {
    return make_error(ErrorCode::kInvalidArgument, "tau file is for block size " + std::to_string(tau.block_size) +
                                                       ", the payload uses " +
                                                       std::to_string(payload.scramble.block_size));
  }
  if (visible.type() != payload.type || visible.size() != payload.scramble.output_size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "visible image does not match the payload (size or type differ; was it re-encoded lossily?)");
  }
  SHROUD_ASSIGN_OR_RETURN(cv::Mat frame, block_unscramble(visible, tau.key, payload.scramble));
  if (payload.area.area() > 0) {
    cv::Mat area;
    if (payload.scheme == MsaiScheme::kLossless) {
      SHROUD_ASSIGN_OR_RETURN(area, msai_l_unmask(payload.masked, payload.area.size(), payload.type, MsaiLKey(key.k)));
    } else {
      SHROUD_ASSIGN_OR_RETURN(area, msai_paper_unmask(payload.paper_masked(), payload.area.size(),
                                                      CV_MAT_CN(payload.type), MsaiPaperKey{static_cast<int>(key.k)}));
    }
    area.copyTo(frame(payload.area));
  }
  return frame;
}

}  // namespace shroud::schemes
