// utility_table(): the GAN+DP paper's utility metrics and re-identification rate per method.
#include "shroud/metrics.h"
#include "shroud/pipeline.h"
#include "shroud/protector.h"
#include "shroud/utility.h"

namespace shroud {

Result<UtilityTable> utility_table(const std::vector<std::pair<std::string, cv::Mat>>& images,
                                   Detector& detector, const UtilityOptions& options) {
  if (options.methods.empty()) return make_error(ErrorCode::kInvalidArgument, "no protection method given");
  for (const auto& m : options.methods) {
    if (m == "original") continue;
    auto prot = create_protector(m);
    if (!prot.ok()) return prot.error();
  }
  UtilityTable table;
  table.images_total = static_cast<int>(images.size());
  for (const auto& m : options.methods) {
    UtilityRow row;
    row.method = m;
    table.rows.push_back(row);
  }

  for (const auto& entry : images) {
    const std::string& name = entry.first;  // named, not a structured binding: clang 14 cannot capture those
    const cv::Mat& image = entry.second;
    auto with_name = [&name](const Error& e) { return make_error(e.code, "'" + name + "': " + e.message); };
    if (auto st = check_metric_image(image); !st.ok()) return with_name(st.error());
    auto detected = detector.detect(Frame{image, 0, 0.0, name});
    if (!detected.ok()) return with_name(detected.error());

    // The protected regions do not depend on the method: plan once.
    Policy policy = options.policy;
    const std::vector<Action> planned = plan_actions(*detected, image.size(), policy);
    if (planned.empty()) {
      ++table.images_without_regions;
      continue;
    }
    std::vector<Region> regions;
    for (const auto& a : planned) regions.push_back(a.region);

    for (std::size_t k = 0; k < options.methods.size(); ++k) {
      const std::string& method = options.methods[k];
      cv::Mat altered = image.clone();
      if (method != "original") {
        std::vector<Action> actions = planned;
        for (auto& a : actions) a.method = method;
        if (auto st = apply_actions(altered, actions); !st.ok()) return with_name(st.error());
      }
      auto m = compare_images(image, altered);
      if (!m.ok()) return with_name(m.error());
      auto reid = reidentification(detector, image, regions, altered, options.iou_threshold);
      if (!reid.ok()) return with_name(reid.error());
      UtilityRow& row = table.rows[k];
      ++row.images;
      row.dhash += m->dhash;
      row.ssim += m->ssim;
      row.l0 += static_cast<double>(m->l0);
      row.l2 += m->l2;
      row.ald_2 += m->ald_2;
      row.ald_inf += m->ald_inf;
      row.regions += reid->regions;
      row.redetected += reid->found;
    }
  }
  for (auto& row : table.rows) {
    if (row.images == 0) continue;
    const double n = row.images;
    row.dhash /= n;
    row.ssim /= n;
    row.l0 /= n;
    row.l2 /= n;
    row.ald_2 /= n;
    row.ald_inf /= n;
  }
  return table;
}

}  // namespace shroud
