// text-rendered: a labelled text set generated deterministically at load time (never stored).
//
// Lines of sign-like text (street names, shop signs, phone numbers, names) are drawn with
// OpenCV's Hershey fonts (simplex, duplex, complex, triplex) at cap heights of 10 to 48 pixels,
// one line per grid cell at a jittered position, into face-free sample photos (the faces-small
// backgrounds) stretched to 1280x720 (6 images) and 1920x1080 (2). Half of the lines sit on a
// sign-like backing of a flat colour, half straight on the photo in a colour contrasting with
// the local mean. The label is the line's ink box (cv::getTextSize, descenders included). A
// fixed seed makes every run produce the same pixels and boxes.
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "eval/backgrounds.h"
#include "shroud/eval.h"

namespace shroud {
namespace {

const char* const kLines[] = {
    "MAIN STREET",       "Dr. Anna Keller",   "OPEN 9-18",         "+49 171 2345678",  "EXIT",
    "Bakery & Cafe",     "J. SMITH - SECURITY", "Platform 3",      "No Parking",       "Hotel Europa",
    "Tel. 0211 55 42 10", "PHARMACY",         "Rue de la Paix 12", "Maria Gonzalez",   "SALE -50%",
    "www.example.com",   "Room 214",          "Station Road",      "TAXI",             "Office hours 8:00",
};

constexpr int kCapHeights[] = {10, 14, 20, 28, 36, 48};
constexpr int kFonts[] = {cv::FONT_HERSHEY_SIMPLEX, cv::FONT_HERSHEY_DUPLEX, cv::FONT_HERSHEY_COMPLEX,
                          cv::FONT_HERSHEY_TRIPLEX};

}  // namespace

Result<Dataset> make_rendered_text_dataset(const std::string& name) {
  SHROUD_ASSIGN_OR_RETURN(auto backgrounds,
                          load_backgrounds("text-rendered", {"stuff.jpg", "leuvenA.jpg", "motorcycle_left.png"}));
  const cv::Size kSizes[] = {{1280, 720}, {1280, 720}, {1280, 720}, {1280, 720}, {1280, 720}, {1280, 720},
                             {1920, 1080}, {1920, 1080}};
  cv::RNG rng(0x7e47);
  Dataset ds{name, Kind::kText, {}};
  std::size_t next_line = 0, next_height = 0, next_font = 0;
  int n = 0;
  for (const cv::Size& size : kSizes) {
    LabeledImage item = generated_image(backgrounds, n, size, name, "text");
    // Cells wide enough for the longest line at the largest height; one line per cell.
    const int cell_w = 620, cell_h = 110;
    const int cols = size.width / cell_w, rows = size.height / cell_h;
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        const std::string text = kLines[next_line++ % std::size(kLines)];
        const int cap = kCapHeights[next_height++ % std::size(kCapHeights)];
        const int font = kFonts[next_font++ % std::size(kFonts)];
        // Hershey fonts: the scale-1 cap height is about 21 px (getTextSize's height).
        int base = 0;
        const cv::Size unit = cv::getTextSize(text, font, 1.0, 1, &base);
        double scale = static_cast<double>(cap) / unit.height;
        const int thickness = std::max(1, cap / 10);
        cv::Size ts = cv::getTextSize(text, font, scale, thickness, &base);
        if (ts.width > cell_w - 40) {  // long line at a large size: shrink to fit the cell
          scale *= static_cast<double>(cell_w - 40) / ts.width;
          ts = cv::getTextSize(text, font, scale, thickness, &base);
        }
        const int slack_x = std::max(1, cell_w - 20 - ts.width), slack_y = std::max(1, cell_h - 20 - ts.height - base);
        const cv::Point origin(c * cell_w + 10 + rng.uniform(0, slack_x), r * cell_h + 10 + ts.height + rng.uniform(0, slack_y));
        const cv::Rect box(origin.x, origin.y - ts.height, ts.width, ts.height + base);
        cv::Scalar ink;
        if ((next_line & 1) == 0) {
          const cv::Scalar backing = rng.uniform(0, 2) ? cv::Scalar(235, 235, 235) : cv::Scalar(30, 90, 20);
          const int pad = std::max(3, ts.height / 3);
          cv::rectangle(item.image, cv::Rect(box.x - pad, box.y - pad, box.width + 2 * pad, box.height + 2 * pad), backing,
                        cv::FILLED);
          ink = backing[0] > 128 ? cv::Scalar(20, 20, 20) : cv::Scalar(250, 250, 250);
        } else {
          const cv::Scalar m = cv::mean(item.image(box & cv::Rect(0, 0, size.width, size.height)));
          ink = (m[0] + m[1] + m[2]) / 3 > 110 ? cv::Scalar(10, 10, 10) : cv::Scalar(250, 250, 250);
        }
        cv::putText(item.image, text, origin, font, scale, ink, thickness, cv::LINE_AA);
        item.boxes.push_back(box);
        item.texts.push_back(text);
      }
    }
    ds.images.push_back(std::move(item));
    ++n;
  }
  return ds;
}

}  // namespace shroud
