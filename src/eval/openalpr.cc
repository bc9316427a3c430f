// openalpr benchmark annotations: "file<TAB>x<TAB>y<TAB>w<TAB>h<TAB>text" per plate.
#include <charconv>
#include <sstream>

#include "shroud/eval.h"

namespace shroud {

Result<LabeledImage> parse_openalpr_txt(const std::string& text, const std::filesystem::path& base_dir) {
  LabeledImage img;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<std::string> f;
    std::size_t start = 0;
    while (true) {
      const std::size_t tab = line.find('\t', start);
      f.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    const std::string where = "openalpr annotation line " + std::to_string(line_no);
    if (f.size() < 5) {
      return make_error(ErrorCode::kInvalidArgument, where + ": expected TAB-separated file x y w h [text]");
    }
    int v[4];
    for (int k = 0; k < 4; ++k) {
      const std::string& s = f[1 + k];
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v[k]);
      if (ec != std::errc() || p != s.data() + s.size()) {
        return make_error(ErrorCode::kInvalidArgument, where + ": '" + s + "' is not an integer");
      }
    }
    if (v[2] <= 0 || v[3] <= 0) {
      return make_error(ErrorCode::kInvalidArgument, where + ": width and height must be positive");
    }
    const std::filesystem::path path = base_dir / f[0];
    if (img.path.empty()) img.path = path;
    else if (img.path != path) {
      return make_error(ErrorCode::kInvalidArgument, where + ": names another image than the first line");
    }
    img.boxes.emplace_back(v[0], v[1], v[2], v[3]);
    std::string plate;
    for (std::size_t k = 5; k < f.size(); ++k) plate += (k > 5 ? "\t" : "") + f[k];
    img.texts.push_back(plate);
  }
  if (img.boxes.empty()) return make_error(ErrorCode::kInvalidArgument, "openalpr annotation: no box line");
  return img;
}

}  // namespace shroud
