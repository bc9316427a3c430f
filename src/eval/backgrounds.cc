// The background photos of the generated evaluation sets (backgrounds.h).
#include "eval/backgrounds.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>

namespace shroud {
namespace {

const char* const kBackgrounds[] = {
    "/usr/share/doc/opencv-doc/examples/data/building.jpg",
    "/usr/share/doc/opencv-doc/examples/data/home.jpg",
    "/usr/share/doc/opencv-doc/examples/data/fruits.jpg",
    "/usr/share/doc/opencv-doc/examples/data/aero1.jpg",
    "/usr/share/doc/opencv-doc/examples/data/stuff.jpg",
    "/usr/share/doc/opencv-doc/examples/data/leuvenA.jpg",
    "/usr/lib/python3/dist-packages/skimage/data/coffee.png",
    "/usr/lib/python3/dist-packages/skimage/data/rocket.jpg",
    "/usr/lib/python3/dist-packages/skimage/data/motorcycle_left.png",
    "/usr/lib/python3/dist-packages/skimage/data/brick.png",
};

}  // namespace

Result<std::vector<cv::Mat>> load_backgrounds(const std::string& set, const std::vector<std::string>& leave_out) {
  std::vector<cv::Mat> backgrounds;
  for (const char* path : kBackgrounds) {
    const std::string file = std::filesystem::path(path).filename().string();
    if (std::find(leave_out.begin(), leave_out.end(), file) != leave_out.end()) continue;
    cv::Mat m = cv::imread(path, cv::IMREAD_COLOR);
    if (!m.empty()) backgrounds.push_back(m);
  }
  if (backgrounds.size() < 3) {
    return make_error(ErrorCode::kNotFound,
                      set + ": background photos missing (install Debian's opencv-doc and python3-skimage)");
  }
  return backgrounds;
}

LabeledImage generated_image(const std::vector<cv::Mat>& backgrounds, int n, cv::Size size, const std::string& set,
                             const std::string& prefix) {
  LabeledImage item;
  cv::resize(backgrounds[static_cast<std::size_t>(n) % backgrounds.size()], item.image, size, 0, 0, cv::INTER_LINEAR);
  item.path = std::filesystem::path(set) / (prefix + std::to_string(n) + "_" + std::to_string(size.width) + "x" +
                                            std::to_string(size.height) + ".png");
  return item;
}

}  // namespace shroud
