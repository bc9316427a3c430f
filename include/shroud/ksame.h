// k-Same-Pixel face replacement (Newton, Sweeney and Malin, IEEE TKDE 2005).
//
// Each face is aligned by its five landmarks (YuNet order: right eye, left eye, nose, right mouth
// corner, left mouth corner, i.e. image-left eye first) to a canonical kKsameSize x kKsameSize
// frame, replaced by the pixel mean of the k gallery faces nearest to it (Euclidean distance on
// the aligned BGR pixels), warped back and blended in with a soft elliptical mask.
//
// The gallery is a folder of face crops already aligned to the canonical frame (any size, resized
// to kKsameSize; grey or colour). ksame_align() makes such a crop from any image and landmarks.
// The protector is `--method ksame` (protector.h); docs/ksame.md has the details and limits.
#pragma once

#include <opencv2/core.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "shroud/result.h"

namespace shroud {

inline constexpr int kKsameSize = 64;

// The canonical positions of the five landmarks in the kKsameSize frame.
const std::vector<cv::Point2f>& ksame_template();

// Similarity transform (2x3, CV_64F) taking `landmarks` (5 points) to ksame_template().
Result<cv::Mat> ksame_transform(const std::vector<cv::Point2f>& landmarks);

// Aligned kKsameSize x kKsameSize CV_8UC3 crop of `image` (8/16-bit, 1/3/4 channels).
Result<cv::Mat> ksame_align(const cv::Mat& image, const std::vector<cv::Point2f>& landmarks);

// A loaded gallery: aligned faces as CV_32FC3 rows (kKsameSize^2 x 3 values each).
struct KsameGallery {
  cv::Mat faces;                  // N x (kKsameSize*kKsameSize*3), CV_32F, values 0..255
  std::vector<std::string> files;  // the file of each row, sorted by name

  // The k-Same partition of the gallery (Newton et al., Fig. 4): while at least 2k faces remain,
  // the first remaining face and its k-1 nearest remaining faces form a cluster; the last < 2k
  // faces form the last cluster. Every face's replacement is its cluster's mean, shared by >= k
  // gallery faces. Computed once per k (thread-safe).
  struct Partition {
    std::vector<int> cluster_of;         // gallery row -> cluster
    std::vector<std::vector<int>> members;
    std::vector<cv::Mat> means;          // 1 x row, CV_32F
  };
  const Partition& partition(int k) const;

 private:
  mutable std::mutex mu_;
  mutable std::map<int, Partition> partitions_;
};

// Loads every image of `dir` (sorted by file name; unreadable non-image files are errors).
// Cached per directory path for the life of the process.
Result<std::shared_ptr<const KsameGallery>> load_ksame_gallery(const std::string& dir);

// A gallery made in memory from aligned faces (8-bit, 1 or 3 channels; resized to kKsameSize
// when another size), `names[i]` naming face i (e.g. "photo.jpg#2"). Error when empty.
Result<std::shared_ptr<const KsameGallery>> make_ksame_gallery(const std::vector<cv::Mat>& aligned,
                                                               const std::vector<std::string>& names);

// The faces of a batch as the gallery (the setting of k-Same's 1/k bound: every face to protect is
// in the gallery): every region of kind face with five landmarks that `detector` finds in each
// image of `files` (read with EXIF orientation applied, as protect does), aligned by
// ksame_align(). Faces without landmarks are left out. Error when no face is found.
class Detector;
Result<std::shared_ptr<const KsameGallery>> ksame_gallery_from_images(const std::vector<std::string>& files,
                                                                      Detector& detector);

// Makes load_ksame_gallery(name) return `gallery` for the rest of the process (an in-memory
// gallery, e.g. the batch's, used through the ordinary `ksame_gallery` parameter). Names are
// compared exactly; registering a name twice is an error. Use names that are not folders, such as
// "<batch 1>" (kKsameBatchPrefix + a number).
inline constexpr const char* kKsameBatchPrefix = "<batch ";
Status register_ksame_gallery(const std::string& name, std::shared_ptr<const KsameGallery> gallery);

// The replacement of `aligned` (CV_8UC3 or CV_32FC3, kKsameSize square): the mean (CV_32FC3,
// kKsameSize square, 0..255) of the k-Same cluster of the gallery face nearest to it, so that a
// gallery face is replaced by exactly what >= k-1 other gallery faces are replaced by. Ties are
// broken by row index (deterministic); `chosen` receives the cluster's rows. Error when the
// gallery has fewer than k faces.
Result<cv::Mat> ksame_mean(const KsameGallery& gallery, const cv::Mat& aligned, int k,
                           std::vector<int>* chosen = nullptr);

}  // namespace shroud
