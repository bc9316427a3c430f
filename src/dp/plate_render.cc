#include <opencv2/freetype.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>

#include "shroud/dp_plate.h"

namespace shroud::dp {
namespace {

struct StyleLook {
  cv::Scalar background, ink, band;
  bool has_band;
  const char* font;
};

StyleLook look(const std::string& style) {
  // BGR colours: Chinese blue plates with white characters; EU white with a blue band; US white
  // with dark blue characters.
  if (style == "cn") return {{160, 60, 0}, {255, 255, 255}, {}, false, "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"};
  if (style == "us") return {{245, 245, 245}, {110, 30, 0}, {40, 40, 200}, false, "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf"};
  return {{245, 245, 245}, {20, 20, 20}, {160, 60, 0}, true, "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf"};
}

// FreeType faces are not thread-safe: one per thread and font.
Result<cv::Ptr<cv::freetype::FreeType2>> font_for(const std::string& path) {
  thread_local std::map<std::string, cv::Ptr<cv::freetype::FreeType2>> cache;
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return make_error(ErrorCode::kNotFound, "font '" + path + "' not found (install fonts-noto-cjk and "
                                            "fonts-dejavu-extra, or set $SHROUD_FONT)");
  }
  try {
    auto ft = cv::freetype::createFreeType2();
    ft->loadFontData(path, 0);
    cache[path] = ft;
    return ft;
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInternal, "cannot load font '" + path + "': " + e.what());
  }
}

}  // namespace

Result<cv::Mat> render_plate(const std::string& text, const std::string& style, cv::Size size) {
  if (size.width < 4 || size.height < 4) return make_error(ErrorCode::kInvalidArgument, "plate area is too small");
  const StyleLook l = look(style);
  const char* env = std::getenv("SHROUD_FONT");
  SHROUD_ASSIGN_OR_RETURN(auto ft, font_for(env != nullptr && *env ? std::string(env) : std::string(l.font)));
  // Draw at a fixed working height (sharp glyphs), then resize to the target.
  const int H = 140;
  const int W = std::max(H, static_cast<int>(std::lround(static_cast<double>(H) * size.width / size.height)));
  cv::Mat plate(H, W, CV_8UC3, l.background);
  const int border = std::max(2, H / 28);
  cv::rectangle(plate, cv::Rect(border, border, W - 2 * border, H - 2 * border),
                style == "cn" ? cv::Scalar(255, 255, 255) : cv::Scalar(40, 40, 40), std::max(1, border / 2), cv::LINE_AA);
  int left = 3 * border;
  if (l.has_band) {
    const int band = W / 10;
    cv::rectangle(plate, cv::Rect(border, border, band, H - 2 * border), l.band, cv::FILLED);
    left = border + band + border;
  }
  try {
    int height = static_cast<int>(H * 0.72);
    int baseline = 0;
    cv::Size ts = ft->getTextSize(text, height, -1, &baseline);
    const int avail = static_cast<int>(0.92 * (W - left - 3 * border));
    if (ts.width > avail && ts.width > 0) {
      height = std::max(8, height * avail / ts.width);
      ts = ft->getTextSize(text, height, -1, &baseline);
    }
    const cv::Point org(left + std::max(0, (avail - ts.width) / 2), (H + ts.height) / 2);
    ft->putText(plate, text, org, height, l.ink, -1, cv::LINE_AA, true);
  } catch (const cv::Exception& e) {
    return make_error(ErrorCode::kInternal, std::string("plate rendering failed: ") + e.what());
  }
  cv::Mat out;
  cv::resize(plate, out, size, 0, 0, cv::INTER_AREA);
  return out;
}

}  // namespace shroud::dp
