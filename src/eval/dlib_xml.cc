// dlib "imglab" XML box lists (the subset dlib writes: <image file=..> with <box .../> children).
#include <cctype>
#include <charconv>
#include <map>

#include "shroud/eval.h"

namespace shroud {
namespace {

Error bad(const std::string& what) { return make_error(ErrorCode::kInvalidArgument, "dlib XML: " + what); }

// Attributes of the tag whose text (between '<' and '>') is `tag`, after its name.
Result<std::map<std::string, std::string>> parse_attributes(const std::string& tag) {
  std::map<std::string, std::string> attrs;
  std::size_t i = 0;
  while (i < tag.size() && !std::isspace(static_cast<unsigned char>(tag[i])) && tag[i] != '/') ++i;  // name
  while (true) {
    while (i < tag.size() && (std::isspace(static_cast<unsigned char>(tag[i])) || tag[i] == '/')) ++i;
    if (i >= tag.size()) break;
    const std::size_t eq = tag.find('=', i);
    if (eq == std::string::npos) return bad("attribute without value in <" + tag + ">");
    std::string key = tag.substr(i, eq - i);
    while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
    std::size_t q = eq + 1;
    while (q < tag.size() && std::isspace(static_cast<unsigned char>(tag[q]))) ++q;
    if (q >= tag.size() || (tag[q] != '\'' && tag[q] != '"')) return bad("unquoted attribute '" + key + "'");
    const std::size_t end = tag.find(tag[q], q + 1);
    if (end == std::string::npos) return bad("unterminated attribute '" + key + "'");
    attrs[key] = tag.substr(q + 1, end - q - 1);
    i = end + 1;
  }
  return attrs;
}

Result<int> int_attr(const std::map<std::string, std::string>& attrs, const std::string& key) {
  auto it = attrs.find(key);
  if (it == attrs.end()) return bad("<box> without '" + key + "'");
  int v = 0;
  const char* b = it->second.data();
  const char* e = b + it->second.size();
  auto [p, ec] = std::from_chars(b, e, v);
  if (ec != std::errc() || p != e) return bad("<box> " + key + "='" + it->second + "' is not an integer");
  return v;
}

}  // namespace

Result<std::vector<LabeledImage>> parse_dlib_xml(const std::string& text, const std::filesystem::path& base_dir) {
  if (text.find("<dataset") == std::string::npos) return bad("no <dataset> element");
  std::vector<LabeledImage> images;
  bool in_image = false;
  std::size_t pos = 0;
  while ((pos = text.find('<', pos)) != std::string::npos) {
    if (text.compare(pos, 4, "<!--") == 0) {
      const std::size_t end = text.find("-->", pos);
      if (end == std::string::npos) return bad("unterminated comment");
      pos = end + 3;
      continue;
    }
    const std::size_t end = text.find('>', pos);
    if (end == std::string::npos) return bad("unterminated tag at offset " + std::to_string(pos));
    const std::string tag = text.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    const auto name_end = tag.find_first_of(" \t\r\n/", 1);
    const std::string name = tag.substr(0, name_end);
    if (name == "image") {
      if (in_image) return bad("nested <image>");
      SHROUD_ASSIGN_OR_RETURN(auto attrs, parse_attributes(tag));
      auto file = attrs.find("file");
      if (file == attrs.end() || file->second.empty()) return bad("<image> without 'file'");
      LabeledImage img;
      img.path = base_dir / file->second;
      images.push_back(std::move(img));
      in_image = tag.empty() || tag.back() != '/';
    } else if (name == "/image") {
      if (!in_image) return bad("</image> without <image>");
      in_image = false;
    } else if (name == "box") {
      if (!in_image) return bad("<box> outside <image>");
      SHROUD_ASSIGN_OR_RETURN(auto attrs, parse_attributes(tag));
      SHROUD_ASSIGN_OR_RETURN(int top, int_attr(attrs, "top"));
      SHROUD_ASSIGN_OR_RETURN(int left, int_attr(attrs, "left"));
      SHROUD_ASSIGN_OR_RETURN(int width, int_attr(attrs, "width"));
      SHROUD_ASSIGN_OR_RETURN(int height, int_attr(attrs, "height"));
      if (width <= 0 || height <= 0) return bad("<box> with non-positive width or height");
      if (auto ig = attrs.find("ignore"); ig != attrs.end() && ig->second != "0") continue;
      images.back().boxes.emplace_back(left, top, width, height);
      images.back().texts.emplace_back();
    }
  }
  if (in_image) return bad("unterminated <image>");
  return images;
}

}  // namespace shroud
