#include "fleet/wire.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace shroud::fleet {

Status check_camera_id(const std::string& camera) {
  const bool ok = !camera.empty() && camera.size() <= 64 &&
                  std::all_of(camera.begin(), camera.end(), [](unsigned char c) {
                    return std::isalnum(c) != 0 || c == '_' || c == '-';
                  });
  if (ok) return ok_status();
  return make_error(ErrorCode::kInvalidArgument,
                    "camera id '" + camera + "': use 1 to 64 letters, digits, '_' or '-'");
}

std::string frames_subject(const std::string& camera) { return "shroud.frames." + camera; }
std::string protected_subject(const std::string& camera) { return "shroud.protected." + camera; }
std::string dead_subject(const std::string& camera) { return "shroud.dead." + camera; }
std::string frame_msg_id(const std::string& camera, std::int64_t index) {
  return camera + "-" + std::to_string(index);
}

std::string dead_msg_id(const std::string& camera, std::int64_t index) {
  return "dead-" + frame_msg_id(camera, index);
}

Result<std::string> frame_format_for(const std::string& path) {
  std::string ext;
  if (const auto dot = path.rfind('.'); dot != std::string::npos) ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == "jpg" || ext == "jpeg") return std::string("jpeg");
  if (ext == "png") return std::string("png");
  return make_error(ErrorCode::kUnsupported, "'" + path + "': cameras publish JPEG or PNG frames");
}

std::string frame_extension(const std::string& format) { return format == "png" ? ".png" : ".jpg"; }

Result<std::int64_t> parse_frame_index(const std::string& text) {
  std::int64_t v = -1;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || p != text.data() + text.size() || v < 0 || v > (std::int64_t{1} << 53)) {
    return make_error(ErrorCode::kCorrupt, "bad frame index header '" + text + "'");
  }
  return v;
}

}  // namespace shroud::fleet
