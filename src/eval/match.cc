// Greedy one-to-one IoU matching of labelled and detected boxes.
#include <algorithm>
#include <tuple>

#include "shroud/eval.h"

namespace shroud {

std::vector<bool> match_labels(const std::vector<cv::Rect>& labelled, const std::vector<cv::Rect>& detected,
                               double min_iou) {
  MatchCounts c;
  c.labelled = static_cast<int>(labelled.size());
  c.detected = static_cast<int>(detected.size());
  std::vector<std::tuple<double, int, int>> pairs;  // (iou, label, detection)
  for (int i = 0; i < c.labelled; ++i) {
    for (int j = 0; j < c.detected; ++j) {
      const double v = iou(labelled[i], detected[j]);
      if (v >= min_iou && v > 0.0) pairs.emplace_back(v, i, j);
    }
  }
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) {
    if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) > std::get<0>(b);
    if (std::get<1>(a) != std::get<1>(b)) return std::get<1>(a) < std::get<1>(b);
    return std::get<2>(a) < std::get<2>(b);
  });
  std::vector<bool> used_label(labelled.size()), used_det(detected.size());
  for (const auto& [v, i, j] : pairs) {
    if (used_label[i] || used_det[j]) continue;
    used_label[i] = used_det[j] = true;
  }
  return used_label;
}

MatchCounts match_boxes(const std::vector<cv::Rect>& labelled, const std::vector<cv::Rect>& detected,
                        double min_iou) {
  MatchCounts c;
  c.labelled = static_cast<int>(labelled.size());
  c.detected = static_cast<int>(detected.size());
  const std::vector<bool> m = match_labels(labelled, detected, min_iou);
  c.matched = static_cast<int>(std::count(m.begin(), m.end(), true));
  return c;
}

}  // namespace shroud
