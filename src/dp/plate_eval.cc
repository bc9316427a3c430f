#include <opencv2/imgcodecs.hpp>

#include <algorithm>

#include "shroud/dp_eval.h"
#include "shroud/dp_plate.h"
#include "shroud/image_io.h"
#include "shroud/metrics.h"
#include "shroud/pipeline.h"

namespace shroud::dp {

Result<std::vector<TextDistanceRow>> evaluate_plate_texts(const std::vector<std::string>& texts,
                                                          const std::vector<double>& epsilons, int draws) {
  if (texts.empty()) return make_error(ErrorCode::kInvalidArgument, "no plate texts to evaluate");
  SecureRandom rng;
  std::vector<TextDistanceRow> rows;
  for (Mechanism mech : {Mechanism::kPaper, Mechanism::kRandomizedResponse}) {
    for (double eps : epsilons) {
      SHROUD_RETURN_IF_ERROR(check_epsilon(eps));
      TextDistanceRow row;
      row.mechanism = mechanism_name(mech);
      row.epsilon = eps;
      row.distance.assign(5, 0.0);
      double sum = 0;
      int plates = 0;
      for (const auto& text : texts) {
        auto acc = plate_epsilon(text, "auto", eps, mech);
        if (!acc.ok()) continue;  // texts outside every alphabet are skipped
        row.mean_true_epsilon += acc->actual;
        row.mean_nominal_epsilon += acc->nominal;
        ++plates;
        for (int d = 0; d < draws; ++d) {
          SHROUD_ASSIGN_OR_RETURN(std::string synthetic, privatize_plate(text, "auto", eps, mech, rng));
          const int dist = edit_distance(text, synthetic);
          row.distance[static_cast<std::size_t>(std::min(dist, 4))] += 1;
          sum += dist;
          ++row.samples;
        }
      }
      if (row.samples == 0) return make_error(ErrorCode::kInvalidArgument, "no usable plate texts");
      for (auto& v : row.distance) v /= row.samples;
      row.mean_distance = sum / row.samples;
      row.protected_share = row.distance[4];
      row.mean_true_epsilon /= plates;
      row.mean_nominal_epsilon /= plates;
      rows.push_back(row);
    }
  }
  return rows;
}

Result<std::vector<UtilityRow>> evaluate_plate_utility(const Dataset& plates, const std::vector<std::string>& methods,
                                                       double epsilon) {
  std::vector<UtilityRow> rows;
  for (const auto& method : methods) {
    UtilityRow row;
    row.method = method;
    for (const auto& li : plates.images) {
      if (li.boxes.empty()) continue;
      auto img = read_image(li.path.string());
      if (!img.ok() || img->pixels.channels() != 3 || img->pixels.depth() != CV_8U) continue;
      std::vector<Region> regions;
      for (std::size_t i = 0; i < li.boxes.size(); ++i) {
        Region r;
        r.kind = Kind::kPlate;
        r.box = li.boxes[i];
        r.text = i < li.texts.size() ? li.texts[i] : "";
        regions.push_back(r);
      }
      Policy policy;
      policy.method = method;
      policy.params.epsilon = epsilon;
      const auto actions = plan_actions(regions, img->pixels.size(), policy);
      cv::Mat protected_img = img->pixels.clone();
      if (!apply_actions(protected_img, actions).ok()) continue;
      SHROUD_ASSIGN_OR_RETURN(int dh, dhash_distance(img->pixels, protected_img));
      // Exclude the plate itself: what is left is the image's utility outside the plate.
      cv::Mat outside = protected_img.clone();
      for (const auto& r : regions) {
        const cv::Rect b = r.box & cv::Rect(0, 0, outside.cols, outside.rows);
        img->pixels(b).copyTo(outside(b));
      }
      SHROUD_ASSIGN_OR_RETURN(double s, ssim(img->pixels, outside));
      row.ssim_outside += s;
      row.dhash += dh;
      ++row.images;
    }
    if (row.images == 0) return make_error(ErrorCode::kNotFound, "no plate images could be protected with " + method);
    row.ssim_outside /= row.images;
    row.dhash /= row.images;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace shroud::dp
