// shroud.metrics: the image metrics of include/shroud/metrics.h on NumPy arrays (read without
// copying; the GIL is released while computing).
#include <pybind11/stl.h>

#include <limits>
#include <optional>
#include <tuple>

#include "py_common.h"
#include "shroud/metrics.h"

namespace shroud::py {
namespace {

template <typename F>
auto pair_metric(const pyb::object& a, const pyb::object& b, F f) {
  const cv::Mat ma = mat_from_array(a, false, "a");
  const cv::Mat mb = mat_from_array(b, false, "b");
  decltype(f(ma, mb)) r = make_error(ErrorCode::kInternal, "not computed");
  {
    pyb::gil_scoped_release nogil;
    r = f(ma, mb);
  }
  return unwrap(std::move(r));
}

}  // namespace

void bind_metrics(pyb::module_& parent) {
  pyb::module_ m = parent.def_submodule(
      "metrics",
      "Image metrics (docs/metrics.md): fidelity (mse, psnr, ssim), cipher statistics (npcr, uaci,\n"
      "entropy) and utility (dhash_distance), plus compare() for all of them at once.\n\n"
      "Images are uint8 or uint16 NumPy arrays (HxW, HxWx3, HxWx4), read in place; every channel\n"
      "counts. Pair metrics need the same shape and dtype (InvalidArgumentError otherwise). The peak\n"
      "is 255 for uint8 and 65535 for uint16. ssim and psnr equal scikit-image's\n"
      "structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,\n"
      "data_range=peak, channel_axis=-1) and peak_signal_noise_ratio(a, b, data_range=peak).");
  m.def("mse", [](const pyb::object& a, const pyb::object& b) { return pair_metric(a, b, [](auto& x, auto& y) { return mse(x, y); }); },
        pyb::arg("a"), pyb::arg("b"), "Mean squared error over every sample.");
  m.def("psnr", [](const pyb::object& a, const pyb::object& b) { return pair_metric(a, b, [](auto& x, auto& y) { return psnr(x, y); }); },
        pyb::arg("a"), pyb::arg("b"), "PSNR in dB (float('inf') for identical images).");
  m.def("ssim", [](const pyb::object& a, const pyb::object& b) { return pair_metric(a, b, [](auto& x, auto& y) { return ssim(x, y); }); },
        pyb::arg("a"), pyb::arg("b"),
        "Mean SSIM (Gaussian 11x11 window, sigma 1.5), mean over channels; both sides >= 11 pixels.");
  m.def("npcr", [](const pyb::object& a, const pyb::object& b) { return pair_metric(a, b, [](auto& x, auto& y) { return npcr(x, y); }); },
        pyb::arg("a"), pyb::arg("b"), "Fraction of samples that differ, in [0, 1].");
  m.def("uaci", [](const pyb::object& a, const pyb::object& b) { return pair_metric(a, b, [](auto& x, auto& y) { return uaci(x, y); }); },
        pyb::arg("a"), pyb::arg("b"), "Mean |a - b| / peak over every sample, in [0, 1].");
  m.def("dhash_distance",
        [](const pyb::object& a, const pyb::object& b) { return pair_metric(a, b, [](auto& x, auto& y) { return dhash_distance(x, y); }); },
        pyb::arg("a"), pyb::arg("b"), "Hamming distance (0..64) of the 64-bit difference hashes.");
  m.def("entropy",
        [](const pyb::object& a) {
          const cv::Mat ma = mat_from_array(a, false, "image");
          Result<double> r = 0.0;
          {
            pyb::gil_scoped_release nogil;
            r = entropy(ma);
          }
          return unwrap(std::move(r));
        },
        pyb::arg("image"), "Shannon entropy in bits of the sample values pooled over channels (max 8 for uint8).");
  m.def("compare",
        [](const pyb::object& a, const pyb::object& b, const std::optional<std::tuple<int, int, int, int>>& region) {
          const cv::Mat ma = mat_from_array(a, false, "a");
          const cv::Mat mb = mat_from_array(b, false, "b");
          std::optional<cv::Rect> rect;
          if (region) rect = cv::Rect(std::get<0>(*region), std::get<1>(*region), std::get<2>(*region), std::get<3>(*region));
          Result<PairMetrics> r = PairMetrics{};
          {
            pyb::gil_scoped_release nogil;
            r = compare_images(ma, mb, rect);
          }
          return from_json(metrics_to_json(unwrap(std::move(r))));
        },
        pyb::arg("a"), pyb::arg("b"), pyb::arg("region") = pyb::none(),
        "Every metric of `a` (the original) against `b` as a dict (the `shroud metrics --json` fields: "
        "mse, psnr ('inf' when identical), ssim, npcr, uaci, l0, l2, ald_2, ald_inf, dhash, entropy_a/b, "
        "per-channel lists, correlations, chi_square), restricted to region (x, y, w, h) when given.");
}

}  // namespace shroud::py
