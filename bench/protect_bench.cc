// Protector speed on a 1920x1080 frame, one core. Baseline in the same run: OpenCV's 31x31
// Gaussian blur of the same 200x200 region (what the Python tools do per face).
//   build/shroud_bench --benchmark_filter=Protect
#include <benchmark/benchmark.h>

#include "bench_frame.h"

#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "shroud/protector.h"

namespace {

using shroud::bench::frame_1080p;

const cv::Rect kRegion(860, 300, 200, 200);

void BM_Baseline_GaussianBlur31(benchmark::State& state) {
  cv::setNumThreads(1);
  cv::Mat frame = frame_1080p().clone();
  for (auto _ : state) {
    cv::Mat roi = frame(kRegion);
    cv::GaussianBlur(roi, roi, cv::Size(31, 31), 0);
    benchmark::DoNotOptimize(frame.data);
  }
}
BENCHMARK(BM_Baseline_GaussianBlur31)->Unit(benchmark::kMicrosecond);

void BM_Protect(benchmark::State& state, const std::string& method, shroud::Shape shape, double feather) {
  cv::setNumThreads(1);
  cv::Mat frame = frame_1080p().clone();
  auto prot = shroud::create_protector(method);
  if (!prot.ok()) {
    state.SkipWithError(prot.error().message.c_str());
    return;
  }
  shroud::Action a;
  a.method = method;
  a.rect = kRegion;
  a.shape = shape;
  a.feather = feather;
  for (auto _ : state) {
    auto s = (*prot)->apply(frame, a);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK_CAPTURE(BM_Protect, blur, std::string("blur"), shroud::Shape::kRectangle, 0.0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Protect, pixelate, std::string("pixelate"), shroud::Shape::kRectangle, 0.0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Protect, fill, std::string("fill"), shroud::Shape::kRectangle, 0.0)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Protect, blur_ellipse_feather, std::string("blur"), shroud::Shape::kEllipse, 0.1)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Protect, pixelate_ellipse, std::string("pixelate"), shroud::Shape::kEllipse, 0.0)->Unit(benchmark::kMicrosecond);

}  // namespace
