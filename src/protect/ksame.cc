// ksame: k-Same-Pixel face replacement (include/shroud/ksame.h, docs/ksame.md).
#include "shroud/ksame.h"

#include <opencv2/calib3d.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <mutex>
#include <numeric>

#include "shroud/detector.h"
#include "shroud/frame.h"
#include "shroud/image_io.h"
#include "shroud/protector.h"
#include "shroud/region.h"

namespace shroud {

namespace fs = std::filesystem;

const std::vector<cv::Point2f>& ksame_template() {
  // The ArcFace 112x112 five-point template scaled to kKsameSize (image-left eye first).
  static const std::vector<cv::Point2f> kTemplate = [] {
    const float s = static_cast<float>(kKsameSize) / 112.0f;
    std::vector<cv::Point2f> t = {{38.2946f, 51.6963f}, {73.5318f, 51.5014f}, {56.0252f, 71.7366f},
                                  {41.5493f, 92.3655f}, {70.7299f, 92.2041f}};
    for (auto& p : t) p *= s;
    return t;
  }();
  return kTemplate;
}

Result<cv::Mat> ksame_transform(const std::vector<cv::Point2f>& landmarks) {
  if (landmarks.size() != 5) {
    return make_error(ErrorCode::kInvalidArgument, "ksame: alignment needs 5 face landmarks");
  }
  cv::Mat m = cv::estimateAffinePartial2D(landmarks, ksame_template(), cv::noArray(), cv::LMEDS);
  if (m.empty() || !cv::checkRange(m) || std::abs(cv::determinant(m(cv::Rect(0, 0, 2, 2)))) < 1e-9) {
    return make_error(ErrorCode::kInvalidArgument, "ksame: the landmarks do not define an alignment");
  }
  return m;
}

namespace {

// Any supported image -> 8-bit BGR (alpha dropped).
cv::Mat to_bgr8(const cv::Mat& image) {
  cv::Mat m = image;
  if (m.depth() == CV_16U) m.convertTo(m, CV_8U, 1.0 / 257.0);
  cv::Mat out;
  if (m.channels() == 1) cv::cvtColor(m, out, cv::COLOR_GRAY2BGR);
  else if (m.channels() == 4) cv::cvtColor(m, out, cv::COLOR_BGRA2BGR);
  else out = m;
  return out;
}

// Soft elliptical mask over the face in the canonical frame, 0..1, CV_32F.
const cv::Mat& canonical_mask() {
  static const cv::Mat kMask = [] {
    const float s = static_cast<float>(kKsameSize);
    cv::Mat m(kKsameSize, kKsameSize, CV_32F, cv::Scalar(0));
    cv::ellipse(m, cv::RotatedRect(cv::Point2f(0.5f * s, 0.55f * s), cv::Size2f(0.68f * s, 0.82f * s), 0), cv::Scalar(1),
                cv::FILLED);
    const double sigma = 0.06 * s;
    cv::GaussianBlur(m, m, cv::Size(0, 0), sigma);
    // Exactly 1 in the core and 0 far out: the Gaussian's tails would leak a trace of the original
    // face through every replaced pixel (enough for a recogniser to break ties within a cluster).
    m = (m - 0.02) / 0.96;
    cv::min(cv::max(m, 0.0), 1.0, m);
    return m;
  }();
  return kMask;
}

bool is_image_file(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* x : {".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".pnm", ".tif", ".tiff", ".webp"}) {
    if (e == x) return true;
  }
  return false;
}

}  // namespace

Result<cv::Mat> ksame_align(const cv::Mat& image, const std::vector<cv::Point2f>& landmarks) {
  SHROUD_RETURN_IF_ERROR(check_supported_image(image));
  SHROUD_ASSIGN_OR_RETURN(cv::Mat m, ksame_transform(landmarks));
  cv::Mat out;
  cv::warpAffine(to_bgr8(image), out, m, cv::Size(kKsameSize, kKsameSize), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return out;
}

namespace {

// Galleries by folder path (loaded) or registered name (in memory), for the life of the process.
struct GalleryCache {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const KsameGallery>> galleries;
};
GalleryCache& gallery_cache() {
  static GalleryCache c;
  return c;
}

}  // namespace

Result<std::shared_ptr<const KsameGallery>> make_ksame_gallery(const std::vector<cv::Mat>& aligned,
                                                               const std::vector<std::string>& names) {
  if (aligned.empty()) return make_error(ErrorCode::kInvalidArgument, "ksame: an empty gallery");
  if (names.size() != aligned.size()) {
    return make_error(ErrorCode::kInvalidArgument, "ksame: one name per gallery face");
  }
  auto g = std::make_shared<KsameGallery>();
  const int row = kKsameSize * kKsameSize * 3;
  g->faces.create(static_cast<int>(aligned.size()), row, CV_32F);
  for (size_t i = 0; i < aligned.size(); ++i) {
    const cv::Mat& in = aligned[i];
    if (in.empty() || in.depth() != CV_8U || (in.channels() != 1 && in.channels() != 3)) {
      return make_error(ErrorCode::kInvalidArgument, "ksame: gallery faces must be 8-bit, 1 or 3 channels");
    }
    cv::Mat a = in;
    if (a.channels() == 1) cv::cvtColor(a, a, cv::COLOR_GRAY2BGR);
    if (a.size() != cv::Size(kKsameSize, kKsameSize)) {
      cv::resize(a, a, cv::Size(kKsameSize, kKsameSize), 0, 0, cv::INTER_AREA);
    }
    a.convertTo(a, CV_32F);
    a.reshape(1, 1).copyTo(g->faces.row(static_cast<int>(i)));
  }
  g->files = names;
  return std::shared_ptr<const KsameGallery>(g);
}

Result<std::shared_ptr<const KsameGallery>> ksame_gallery_from_images(const std::vector<std::string>& files,
                                                                      Detector& detector) {
  std::vector<cv::Mat> faces;
  std::vector<std::string> names;
  for (const auto& f : files) {
    SHROUD_ASSIGN_OR_RETURN(LoadedImage img, read_image(f));
    Frame frame{img.pixels, 0, 0.0, f};
    SHROUD_ASSIGN_OR_RETURN(auto regions, detector.detect(frame));
    int n = 0;
    for (const auto& r : regions) {
      if (r.kind != Kind::kFace || r.landmarks.size() != 5) continue;
      SHROUD_ASSIGN_OR_RETURN(cv::Mat a, ksame_align(img.pixels, r.landmarks));
      faces.push_back(std::move(a));
      names.push_back(f + "#" + std::to_string(++n));
    }
  }
  if (faces.empty()) {
    return make_error(ErrorCode::kNotFound,
                      "ksame: no face with landmarks found in the inputs to make the batch gallery (use a landmark "
                      "detector such as yunet, or --gallery DIR)");
  }
  return make_ksame_gallery(faces, names);
}

Status register_ksame_gallery(const std::string& name, std::shared_ptr<const KsameGallery> gallery) {
  if (name.empty() || !gallery) return make_error(ErrorCode::kInvalidArgument, "ksame: empty gallery name or gallery");
  auto& c = gallery_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  if (!c.galleries.emplace(name, std::move(gallery)).second) {
    return make_error(ErrorCode::kInvalidArgument, "ksame: a gallery named '" + name + "' is already registered");
  }
  return ok_status();
}

Result<std::shared_ptr<const KsameGallery>> load_ksame_gallery(const std::string& dir) {
  auto& c = gallery_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  auto& cache = c.galleries;
  if (auto it = cache.find(dir); it != cache.end()) return it->second;
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) {
    return make_error(ErrorCode::kNotFound, "ksame: the gallery '" + dir +
                                                "' is not a folder (give a folder of aligned face crops: --gallery DIR)");
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && is_image_file(e.path())) files.push_back(e.path());
  }
  if (ec) return make_error(ErrorCode::kIo, "ksame: cannot list the gallery '" + dir + "': " + ec.message());
  std::sort(files.begin(), files.end());
  auto g = std::make_shared<KsameGallery>();
  const int row = kKsameSize * kKsameSize * 3;
  g->faces.create(static_cast<int>(files.size()), row, CV_32F);
  for (size_t i = 0; i < files.size(); ++i) {
    cv::Mat img = cv::imread(files[i].string(), cv::IMREAD_COLOR);
    if (img.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "ksame: cannot read gallery image '" + files[i].string() + "'");
    }
    cv::Mat a;
    cv::resize(img, a, cv::Size(kKsameSize, kKsameSize), 0, 0, cv::INTER_AREA);
    a.convertTo(a, CV_32F);
    a.reshape(1, 1).copyTo(g->faces.row(static_cast<int>(i)));
    g->files.push_back(files[i].string());
  }
  std::shared_ptr<const KsameGallery> out = g;
  cache[dir] = out;
  return out;
}

const KsameGallery::Partition& KsameGallery::partition(int k) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = partitions_.find(k); it != partitions_.end()) return it->second;
  Partition p;
  const int n = faces.rows;
  p.cluster_of.assign(static_cast<size_t>(n), -1);
  std::vector<int> left(static_cast<size_t>(n));
  std::iota(left.begin(), left.end(), 0);
  while (!left.empty()) {
    std::vector<int> group;
    if (left.size() < 2 * static_cast<size_t>(k)) {
      group = left;
    } else {
      const cv::Mat seed = faces.row(left.front());
      std::vector<std::pair<double, int>> d;
      for (int i : left) d.push_back({cv::norm(faces.row(i), seed, cv::NORM_L2SQR), i});
      std::partial_sort(d.begin(), d.begin() + k, d.end());
      for (int j = 0; j < k; ++j) group.push_back(d[static_cast<size_t>(j)].second);
      std::sort(group.begin(), group.end());
    }
    cv::Mat sum = cv::Mat::zeros(1, faces.cols, CV_64F);
    for (int i : group) {
      cv::Mat r;
      faces.row(i).convertTo(r, CV_64F);
      sum += r;
      p.cluster_of[static_cast<size_t>(i)] = static_cast<int>(p.members.size());
    }
    cv::Mat mean;
    sum.convertTo(mean, CV_32F, 1.0 / static_cast<double>(group.size()));
    p.means.push_back(mean);
    std::vector<int> rest;
    for (int i : left) {
      if (!std::binary_search(group.begin(), group.end(), i)) rest.push_back(i);
    }
    left = std::move(rest);
    p.members.push_back(std::move(group));
  }
  return partitions_.emplace(k, std::move(p)).first->second;
}

Result<cv::Mat> ksame_mean(const KsameGallery& gallery, const cv::Mat& aligned, int k, std::vector<int>* chosen) {
  if (k < 1) return make_error(ErrorCode::kInvalidArgument, "ksame: k must be at least 1");
  if (gallery.faces.rows < k) {
    return make_error(ErrorCode::kInvalidArgument,
                      "ksame: the gallery has " + std::to_string(gallery.faces.rows) + " faces, fewer than k = " +
                          std::to_string(k) + " (k-Same needs at least k faces)");
  }
  if (aligned.size() != cv::Size(kKsameSize, kKsameSize) || aligned.channels() != 3) {
    return make_error(ErrorCode::kInvalidArgument, "ksame: the probe is not an aligned BGR face");
  }
  cv::Mat probe;
  aligned.convertTo(probe, CV_32F);
  probe = probe.reshape(1, 1);
  int best = 0;
  double best_d = -1;
  for (int i = 0; i < gallery.faces.rows; ++i) {
    const double d = cv::norm(gallery.faces.row(i), probe, cv::NORM_L2SQR);
    if (best_d < 0 || d < best_d) best_d = d, best = i;
  }
  const auto& part = gallery.partition(k);
  const int c = part.cluster_of[static_cast<size_t>(best)];
  if (chosen) *chosen = part.members[static_cast<size_t>(c)];
  return part.means[static_cast<size_t>(c)].reshape(3, kKsameSize).clone();
}

namespace {

class KsameProtector final : public Protector {
 public:
  std::string name() const override { return "ksame"; }

 protected:
  Result<cv::Mat> render(const cv::Mat& roi, const Action& action) const override {
    const MethodParams& p = action.params;
    SHROUD_ASSIGN_OR_RETURN(auto gallery, load_ksame_gallery(p.ksame_gallery));
    if (gallery->faces.rows < p.ksame_k) {
      return make_error(ErrorCode::kInvalidArgument,
                        "ksame: the gallery '" + p.ksame_gallery + "' has " + std::to_string(gallery->faces.rows) +
                            " faces, fewer than k = " + std::to_string(p.ksame_k));
    }
    // Transform from the roi to the canonical frame: by the landmarks, or (no landmarks, e.g.
    // cascade detectors) by the detector's box stretched onto the canonical frame.
    const cv::Point2f off(static_cast<float>(action.rect.x), static_cast<float>(action.rect.y));
    cv::Mat m;
    if (action.region.landmarks.size() == 5) {
      std::vector<cv::Point2f> lm;
      for (const auto& q : action.region.landmarks) lm.push_back(q - off);
      SHROUD_ASSIGN_OR_RETURN(m, ksame_transform(lm));
    } else {
      cv::Rect2d b(action.region.box.x - off.x, action.region.box.y - off.y, action.region.box.width,
                   action.region.box.height);
      if (b.width <= 0 || b.height <= 0) b = cv::Rect2d(0, 0, roi.cols, roi.rows);
      const double sx = kKsameSize / b.width, sy = kKsameSize / b.height;
      m = (cv::Mat_<double>(2, 3) << sx, 0, -b.x * sx, 0, sy, -b.y * sy);
    }
    cv::Mat aligned;
    cv::warpAffine(to_bgr8(roi), aligned, m, cv::Size(kKsameSize, kKsameSize), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    SHROUD_ASSIGN_OR_RETURN(cv::Mat mean, ksame_mean(*gallery, aligned, p.ksame_k));

    // Back to the roi: the mean face and its soft mask, then a per-pixel blend.
    cv::Mat back, mask;
    cv::warpAffine(mean, back, m, roi.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
    cv::warpAffine(canonical_mask(), mask, m, roi.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                   cv::BORDER_CONSTANT, cv::Scalar(0));
    const double scale = roi.depth() == CV_16U ? 257.0 : 1.0;
    if (roi.channels() == 1) cv::cvtColor(back, back, cv::COLOR_BGR2GRAY);
    cv::Mat orig;
    roi.convertTo(orig, CV_32F);
    back.convertTo(back, CV_32F, scale);
    cv::Mat mask_c;
    if (roi.channels() == 3) cv::merge(std::vector<cv::Mat>{mask, mask, mask}, mask_c);
    else mask_c = mask;
    cv::Mat out = orig + (back - orig).mul(mask_c);
    cv::Mat result;
    out.convertTo(result, roi.type());
    return result;
  }
};

}  // namespace

std::unique_ptr<Protector> make_ksame_protector() { return std::make_unique<KsameProtector>(); }

}  // namespace shroud
