// MSAI message files (membrane, payload) and secret files (see msai.h for the layout).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "schemes/internal.h"
#include "shroud/image_io.h"
#include "shroud/schemes/msai.h"
#include "shroud/schemes/msai_l.h"
#include "core/json_number.h"

namespace fs = std::filesystem;

namespace shroud::schemes {
namespace {

constexpr char kMagic[8] = {'S', 'H', 'R', 'M', 'S', 'A', 'I', '1'};
constexpr std::uint32_t kMaxHeader = 65536;

std::uint64_t get_le(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

std::vector<std::uint8_t> frame_message(const nlohmann::json& header, const std::vector<std::uint64_t>& values,
                                        int element_bytes) {
  const std::string h = header.dump();
  std::vector<std::uint8_t> out(12 + h.size() + values.size() * element_bytes);
  std::uint8_t* p = out.data();
  std::memcpy(p, kMagic, 8);
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<std::uint8_t>(h.size() >> (8 * i));
  std::memcpy(p + 12, h.data(), h.size());
  p += 12 + h.size();
  for (auto v : values) {
    for (int i = 0; i < element_bytes; ++i) *p++ = static_cast<std::uint8_t>(v >> (8 * i));
  }
  return out;
}

struct Message {
  nlohmann::json header;
  const std::uint8_t* body = nullptr;
  std::size_t body_size = 0;
};

Result<Message> split_message(const std::vector<std::uint8_t>& bytes, const char* what) {
  auto bad = [&](const std::string& why) { return make_error(ErrorCode::kCorrupt, std::string(what) + ": " + why); };
  if (bytes.size() < 12 || std::memcmp(bytes.data(), kMagic, 8) != 0) return bad("not an MSAI message (bad magic)");
  const std::uint64_t h = get_le(bytes.data() + 8, 4);
  if (h < 2 || h > kMaxHeader) return bad("header length out of range");
  if (bytes.size() - 12 < h) return bad("truncated header");
  Message m;
  try {
    m.header = nlohmann::json::parse(bytes.begin() + 12, bytes.begin() + 12 + static_cast<std::ptrdiff_t>(h));
  } catch (const std::exception& e) {
    return bad(std::string("header is not JSON: ") + e.what());
  }
  if (!m.header.is_object()) return bad("header is not a JSON object");
  m.body = bytes.data() + 12 + h;
  m.body_size = bytes.size() - 12 - h;
  return m;
}

Status check_dim(std::int64_t v, int max, const char* name) {
  if (v < 1 || v > max) {
    return make_error(ErrorCode::kCorrupt, std::string(name) + " out of range (1.." + std::to_string(max) + ")");
  }
  return ok_status();
}

// Checks `count` elements of `element_bytes` against the cap and the body size, before any
// allocation.
Status check_body(std::int64_t count, int element_bytes, std::size_t body_size, const MsaiLimits& limits) {
  if (count < 0 || count > limits.max_samples) {
    return make_error(ErrorCode::kResourceLimit, "MSAI message: element count over the limit");
  }
  if (static_cast<std::uint64_t>(count) * element_bytes != body_size) {
    return make_error(ErrorCode::kCorrupt, "MSAI message: body size does not match the header (truncated or padded)");
  }
  return ok_status();
}

Result<std::array<std::uint8_t, 16>> parse_id(const nlohmann::json& j) {
  SHROUD_ASSIGN_OR_RETURN(auto bytes, detail::from_hex(j.get<std::string>(), 16));
  std::array<std::uint8_t, 16> id{};
  std::memcpy(id.data(), bytes.data(), 16);
  return id;
}

Status check_membrane_values(const MsaiMembrane& m) {
  if (m.scheme == MsaiScheme::kLossless) {
    for (auto v : m.values) {
      if (v == 0 || v >= kMsaiLModulus) return make_error(ErrorCode::kCorrupt, "membrane value out of range");
    }
  } else {
    for (double l : m.paper_lambda()) {
      if (!std::isfinite(l) || l <= 0) return make_error(ErrorCode::kCorrupt, "membrane value out of range");
    }
  }
  return ok_status();
}

}  // namespace

Status validate_payload(const MsaiPayload& p, const MsaiLimits& limits) {
  auto bad = [](const std::string& why) { return make_error(ErrorCode::kCorrupt, "MSAI payload: " + why); };
  SHROUD_RETURN_IF_ERROR(check_dim(p.width, limits.max_dimension, "width"));
  SHROUD_RETURN_IF_ERROR(check_dim(p.height, limits.max_dimension, "height"));
  const int depth = CV_MAT_DEPTH(p.type), ch = CV_MAT_CN(p.type);
  if ((depth != CV_8U && depth != CV_16U) || ch < 1 || ch > 4) return bad("unsupported pixel type");
  if (p.scheme == MsaiScheme::kPaper && depth != CV_8U) return bad("msai-paper payload must be 8-bit");
  if (!detail::rect_inside(p.area, {p.width, p.height}, true)) return bad("area outside the frame");
  const std::int64_t count = std::int64_t{p.area.width} * p.area.height * ch;
  if (static_cast<std::int64_t>(p.masked.size()) != count) return bad("masked value count does not match the area");
  if (p.scramble.width != p.width || p.scramble.height != p.height ||
      p.scramble.area != cv::Rect(0, 0, p.width, p.height)) {
    return bad("scramble record does not cover the frame");
  }
  // Re-validate the record's internal consistency.
  auto rec = BlockScrambleRecord::from_json(p.scramble.to_json());
  if (!rec.ok()) return rec.error();
  if (p.scheme == MsaiScheme::kLossless) {
    for (auto v : p.masked) {
      if (v >= kMsaiLModulus) return bad("masked value out of range");
    }
  } else {
    for (auto v : p.masked) {
      if (v > 0xFFFFFFFFu) return bad("masked value out of range");
    }
  }
  return ok_status();
}

std::vector<std::uint8_t> serialize_membrane(const MsaiMembrane& m) {
  const bool paper = m.scheme == MsaiScheme::kPaper;
  nlohmann::json h = {{"type", "msai-membrane"},
                      {"version", 1},
                      {"scheme", msai_scheme_name(m.scheme)},
                      {"rows", m.rows},
                      {"cols", m.cols},
                      {"channels", m.channels},
                      {"id", detail::to_hex(m.id.data(), m.id.size())},
                      {"element", paper ? "f64le" : "u64le"},
                      {"count", m.values.size()}};
  return frame_message(h, m.values, 8);
}

Result<MsaiMembrane> parse_membrane(const std::vector<std::uint8_t>& bytes, const MsaiLimits& limits) {
  SHROUD_ASSIGN_OR_RETURN(Message msg, split_message(bytes, "MSAI membrane"));
  MsaiMembrane m;
  std::int64_t count = 0;
  try {
    const auto& h = msg.header;
    if (h.at("type").get<std::string>() != "msai-membrane") throw std::runtime_error("not a membrane message");
    if (shroud::detail::json_int(h.at("version")) != 1) throw std::runtime_error("unsupported version");
    auto scheme = parse_msai_scheme(h.at("scheme").get<std::string>());
    if (!scheme.ok()) throw std::runtime_error(scheme.error().message);
    m.scheme = *scheme;
    const std::int64_t rows = shroud::detail::json_int64(h.at("rows")), cols = shroud::detail::json_int64(h.at("cols"));
    const std::int64_t channels = shroud::detail::json_int64(h.at("channels"));
    count = shroud::detail::json_int64(h.at("count"));
    const std::string element = h.at("element").get<std::string>();
    if (element != (m.scheme == MsaiScheme::kPaper ? "f64le" : "u64le")) throw std::runtime_error("bad element type");
    auto s1 = check_dim(rows, limits.max_dimension, "rows");
    auto s2 = check_dim(cols, limits.max_dimension, "cols");
    if (!s1.ok() || !s2.ok()) throw std::runtime_error("rows/cols out of range");
    if (channels < 1 || channels > 4) throw std::runtime_error("channels out of range");
    if (count != rows * cols * channels) throw std::runtime_error("count is not rows x cols x channels");
    m.rows = static_cast<int>(rows);
    m.cols = static_cast<int>(cols);
    m.channels = static_cast<int>(channels);
    auto id = parse_id(h.at("id"));
    if (!id.ok()) throw std::runtime_error("bad id");
    m.id = *id;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kCorrupt, std::string("MSAI membrane: ") + e.what());
  }
  SHROUD_RETURN_IF_ERROR(check_body(count, 8, msg.body_size, limits));
  m.values.resize(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) m.values[i] = get_le(msg.body + 8 * i, 8);
  SHROUD_RETURN_IF_ERROR(check_membrane_values(m));
  return m;
}

std::vector<std::uint8_t> serialize_payload(const MsaiPayload& p) {
  const bool paper = p.scheme == MsaiScheme::kPaper;
  nlohmann::json h = {{"type", "msai-payload"},
                      {"version", 1},
                      {"scheme", msai_scheme_name(p.scheme)},
                      {"width", p.width},
                      {"height", p.height},
                      {"depth", CV_MAT_DEPTH(p.type) == CV_16U ? 16 : 8},
                      {"channels", CV_MAT_CN(p.type)},
                      {"area", {p.area.x, p.area.y, p.area.width, p.area.height}},
                      {"membrane_id", detail::to_hex(p.membrane_id.data(), p.membrane_id.size())},
                      {"scramble", p.scramble.to_json()},
                      {"element", paper ? "f32le" : "u64le"},
                      {"count", p.masked.size()}};
  return frame_message(h, p.masked, paper ? 4 : 8);
}

Result<MsaiPayload> parse_payload(const std::vector<std::uint8_t>& bytes, const MsaiLimits& limits) {
  SHROUD_ASSIGN_OR_RETURN(Message msg, split_message(bytes, "MSAI payload"));
  MsaiPayload p;
  std::int64_t count = 0;
  int element_bytes = 8;
  try {
    const auto& h = msg.header;
    if (h.at("type").get<std::string>() != "msai-payload") throw std::runtime_error("not a payload message");
    if (shroud::detail::json_int(h.at("version")) != 1) throw std::runtime_error("unsupported version");
    auto scheme = parse_msai_scheme(h.at("scheme").get<std::string>());
    if (!scheme.ok()) throw std::runtime_error(scheme.error().message);
    p.scheme = *scheme;
    const std::int64_t width = shroud::detail::json_int64(h.at("width")), height = shroud::detail::json_int64(h.at("height"));
    if (!check_dim(width, limits.max_dimension, "width").ok() || !check_dim(height, limits.max_dimension, "height").ok()) {
      throw std::runtime_error("frame size out of range");
    }
    p.width = static_cast<int>(width);
    p.height = static_cast<int>(height);
    const std::int64_t depth = shroud::detail::json_int64(h.at("depth")), channels = shroud::detail::json_int64(h.at("channels"));
    if ((depth != 8 && depth != 16) || channels < 1 || channels > 4) throw std::runtime_error("bad depth/channels");
    p.type = CV_MAKETYPE(depth == 8 ? CV_8U : CV_16U, static_cast<int>(channels));
    const auto& a = h.at("area");
    if (!a.is_array() || a.size() != 4) throw std::runtime_error("area must be [x, y, w, h]");
    const std::int64_t ax = shroud::detail::json_int64(a[0]), ay = shroud::detail::json_int64(a[1]);
    const std::int64_t aw = shroud::detail::json_int64(a[2]), ah = shroud::detail::json_int64(a[3]);
    if (ax < 0 || ay < 0 || aw < 0 || ah < 0 || ax + aw > width || ay + ah > height) {
      throw std::runtime_error("area outside the frame");
    }
    p.area = cv::Rect(static_cast<int>(ax), static_cast<int>(ay), static_cast<int>(aw), static_cast<int>(ah));
    auto id = parse_id(h.at("membrane_id"));
    if (!id.ok()) throw std::runtime_error("bad membrane id");
    p.membrane_id = *id;
    auto rec = BlockScrambleRecord::from_json(h.at("scramble"));
    if (!rec.ok()) throw std::runtime_error(rec.error().message);
    p.scramble = *rec;
    const std::string element = h.at("element").get<std::string>();
    if (element != (p.scheme == MsaiScheme::kPaper ? "f32le" : "u64le")) throw std::runtime_error("bad element type");
    element_bytes = p.scheme == MsaiScheme::kPaper ? 4 : 8;
    count = shroud::detail::json_int64(h.at("count"));
    if (count != aw * ah * channels) throw std::runtime_error("count does not match the area");
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kCorrupt, std::string("MSAI payload: ") + e.what());
  }
  SHROUD_RETURN_IF_ERROR(check_body(count, element_bytes, msg.body_size, limits));
  p.masked.resize(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) p.masked[i] = get_le(msg.body + element_bytes * i, element_bytes);
  SHROUD_RETURN_IF_ERROR(validate_payload(p, limits));
  return p;
}

Status write_secret_file(const std::string& path, const std::string& contents, bool overwrite) {
  return write_secret_file(path, std::vector<std::uint8_t>(contents.begin(), contents.end()), overwrite);
}

Status write_secret_file(const std::string& path, const std::vector<std::uint8_t>& bytes, bool overwrite) {
  return write_file_atomic(path, bytes, WriteOptions{overwrite, 0600});
}

Result<std::vector<std::uint8_t>> read_secret_file(const std::string& path, std::int64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return make_error(ErrorCode::kNotFound, "'" + path + "' not found");
    return make_error(err == EACCES ? ErrorCode::kPermission : ErrorCode::kIo,
                      "cannot open '" + path + "': " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error(ErrorCode::kIo, "'" + path + "' is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return make_error(ErrorCode::kPermission,
                      "'" + path + "' is readable by group or others; run `chmod 600 " + path + "`");
  }
  if (st.st_size > max_bytes) {
    ::close(fd);
    return make_error(ErrorCode::kResourceLimit, "'" + path + "' is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::vector<std::uint8_t> out(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return make_error(ErrorCode::kIo, "reading '" + path + "' failed");
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return out;
}

}  // namespace shroud::schemes
