#include "detect/tile_merge.h"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace shroud {

namespace {
constexpr double kCutInsideShare = 0.6;
}  // namespace

void merge_cut_faces(std::vector<Region> cut, std::vector<Region>* faces) {
  std::vector<bool> used(cut.size(), false);
  for (std::size_t i = 0; i < cut.size(); ++i) {
    if (used[i]) continue;
    const cv::Rect box = cut[i].box;
    const bool inside_another = std::any_of(faces->begin(), faces->end(), [&](const Region& f) {
      return f.box.area() >= box.area() && (box & f.box).area() >= kCutInsideShare * box.area();
    });
    if (inside_another) continue;
    Region joined = std::move(cut[i]);
    for (std::size_t j = i + 1; j < cut.size(); ++j) {
      if (used[j] || (joined.box & cut[j].box).area() == 0) continue;
      used[j] = true;
      if (cut[j].score > joined.score) {
        joined.landmarks = cut[j].landmarks;
        joined.score = cut[j].score;
      }
      joined.box |= cut[j].box;
    }
    faces->push_back(std::move(joined));
  }
}

}  // namespace shroud
