// faces-small: a composite face set generated deterministically at load time (never stored).
//
// Every labelled dlib face (faces/dlib_examples_faces) is cut out with a margin around its box,
// resized so the box is a chosen width (16 to 128 pixels, cycling through the sizes) and pasted
// with a feathered edge at a jittered grid position into a real photo without faces (OpenCV's
// and scikit-image's sample images) stretched to 1280x720, 1920x1080 or 3840x2160. The pasted
// box is the label. A fixed seed makes every run produce the same pixels and boxes.
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "eval/backgrounds.h"
#include "shroud/eval.h"
#include "shroud/image_io.h"

namespace fs = std::filesystem;

namespace shroud {
namespace {

constexpr int kFaceWidths[] = {16, 20, 24, 28, 32, 40, 48, 64, 96, 128};
constexpr double kMargin = 0.6;  // cut-out = box grown by this fraction of its size on each side

struct FaceCut {
  cv::Mat pixels;   // the cut-out (box plus margin)
  cv::Rect box;     // the labelled box inside `pixels`
};

// Pastes `cut` resized so its box is `width` wide, with the box's top-left at `at`; returns the box.
cv::Rect paste(cv::Mat& canvas, const FaceCut& cut, int width, cv::Point at) {
  const double s = static_cast<double>(width) / cut.box.width;
  cv::Mat small;
  cv::resize(cut.pixels, small, cv::Size(), s, s, s < 1.0 ? cv::INTER_AREA : cv::INTER_LINEAR);
  const cv::Point off(static_cast<int>(std::lround(cut.box.x * s)), static_cast<int>(std::lround(cut.box.y * s)));
  const cv::Rect dst(at - off, small.size());
  const cv::Rect clipped = dst & cv::Rect(0, 0, canvas.cols, canvas.rows);
  // Feathered alpha: 1 over the middle, falling to 0 at the cut's border.
  cv::Mat alpha(small.size(), CV_32F, cv::Scalar(0));
  const int feather = std::max(1, std::min(small.cols, small.rows) / 6);
  cv::rectangle(alpha, cv::Rect(feather, feather, small.cols - 2 * feather, small.rows - 2 * feather), cv::Scalar(1), cv::FILLED);
  cv::GaussianBlur(alpha, alpha, cv::Size(0, 0), feather / 2.0 + 0.5);
  for (int y = clipped.y; y < clipped.y + clipped.height; ++y) {
    auto* c = canvas.ptr<cv::Vec3b>(y);
    const auto* f = small.ptr<cv::Vec3b>(y - dst.y);
    const float* a = alpha.ptr<float>(y - dst.y);
    for (int x = clipped.x; x < clipped.x + clipped.width; ++x) {
      const float w = a[x - dst.x];
      for (int k = 0; k < 3; ++k) {
        c[x][k] = cv::saturate_cast<uchar>(w * f[x - dst.x][k] + (1.0f - w) * c[x][k]);
      }
    }
  }
  const int h = static_cast<int>(std::lround(cut.box.height * s));
  return cv::Rect(at.x, at.y, width, h);
}

}  // namespace

Result<Dataset> make_small_faces_dataset(const fs::path& dlib_dir, const std::string& name) {
  SHROUD_ASSIGN_OR_RETURN(Dataset faces, load_dlib_dataset(dlib_dir, "faces-dlib"));
  std::vector<FaceCut> cuts;
  for (const auto& item : faces.images) {
    SHROUD_ASSIGN_OR_RETURN(auto img, read_image(item.path.string()));
    cv::Mat bgr = img.pixels;
    if (bgr.channels() == 1) cv::cvtColor(bgr, bgr, cv::COLOR_GRAY2BGR);
    if (bgr.type() != CV_8UC3) continue;
    for (const auto& b : item.boxes) {
      const int mx = static_cast<int>(b.width * kMargin), my = static_cast<int>(b.height * kMargin);
      const cv::Rect area = cv::Rect(b.x - mx, b.y - my, b.width + 2 * mx, b.height + 2 * my) &
                            cv::Rect(0, 0, bgr.cols, bgr.rows);
      const cv::Rect inner = b & area;
      if (inner.width < 16 || inner.height < 16) continue;
      cuts.push_back({bgr(area).clone(), cv::Rect(inner.x - area.x, inner.y - area.y, inner.width, inner.height)});
    }
  }
  if (cuts.empty()) return make_error(ErrorCode::kNotFound, "faces-small: no labelled face in '" + dlib_dir.string() + "'");
  SHROUD_ASSIGN_OR_RETURN(auto backgrounds, load_backgrounds("faces-small"));
  const cv::Size kSizes[] = {{1280, 720}, {1280, 720}, {1280, 720}, {1280, 720}, {1920, 1080},
                             {1920, 1080}, {1920, 1080}, {1920, 1080}, {3840, 2160}, {3840, 2160}};
  cv::RNG rng(0x5eed);
  Dataset ds{name, Kind::kFace, {}};
  std::size_t next_cut = 0, next_width = 0;
  int n = 0;
  for (const cv::Size& size : kSizes) {
    LabeledImage item = generated_image(backgrounds, n, size, name, "composite");
    // A grid of cells large enough for the biggest face plus its margin; one face per cell.
    const int cell = 128 * 2 + 40;
    const int cols = size.width / cell, rows = size.height / cell;
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        const FaceCut& cut = cuts[next_cut++ % cuts.size()];
        const int width = kFaceWidths[next_width++ % std::size(kFaceWidths)];
        const int slack = cell - 2 * width - 20;
        const cv::Point at(c * cell + width / 2 + 10 + rng.uniform(0, std::max(1, slack)),
                           r * cell + width / 2 + 10 + rng.uniform(0, std::max(1, slack)));
        item.boxes.push_back(paste(item.image, cut, width, at));
        item.texts.emplace_back();
      }
    }
    ds.images.push_back(std::move(item));
    ++n;
  }
  return ds;
}

}  // namespace shroud
