// The C API's cost: shroud_protect_image in place on a 1920x1080 BGR buffer against the C++
// redact_frame on the same frame, same detector and policy, in the same run. Neither copies the
// frame per iteration (both protect the same buffer again and again, as protect_bench does).
//   build/shroud_bench --benchmark_filter=CapiVs
// Detectors: "manual" (a fixed 200x200 face: the overhead on protection alone) and "cascade"
// (cascade:haarcascade_frontalface_alt2.xml, Debian's opencv-data; a realistic call).
#include <benchmark/benchmark.h>

#include "bench_frame.h"

#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "shroud/pipeline.h"
#include "shroud/registry.h"
#include "shroud/shroud.h"

namespace {

using shroud::bench::frame_1080p;

std::string detector_spec(const std::string& name) {
  if (name != "manual") return name;
  static const std::string path = [] {
    const auto p = std::filesystem::temp_directory_path() / "shroud-capi-bench-regions.json";
    std::ofstream(p) << R"({"regions":[{"kind":"face","box":[860,300,200,200]}]})";
    return p.string();
  }();
  return "manual:" + path;
}

void BM_CapiVs_Cpp_redact_frame(benchmark::State& state, const std::string& detector) {
  cv::setNumThreads(1);
  shroud::DetectorOptions opts;
  auto det = shroud::create_detector(detector_spec(detector), opts);
  if (!det.ok()) {
    state.SkipWithError(det.error().message.c_str());
    return;
  }
  shroud::Policy policy;
  policy.method = "blur";
  shroud::Frame frame{frame_1080p().clone(), 0, 0.0, "bench"};
  const bool reset = detector != "manual";
  std::size_t actions = 0;
  for (auto _ : state) {
    if (reset) {
      state.PauseTiming();
      frame_1080p().copyTo(frame.image);
      state.ResumeTiming();
    }
    auto r = shroud::redact_frame(frame, **det, policy);
    if (!r.ok()) {
      state.SkipWithError(r.error().message.c_str());
      return;
    }
    actions = r->actions.size();
    benchmark::DoNotOptimize(frame.image.data);
  }
  state.counters["regions"] = static_cast<double>(actions);
}

void BM_CapiVs_C_protect_image(benchmark::State& state, const std::string& detector) {
  cv::setNumThreads(1);
  const std::string json = R"({"method": "blur", "detector": ")" + detector_spec(detector) + "\"}";
  shroud_engine* engine = nullptr;
  char* err = nullptr;
  if (shroud_engine_create(json.c_str(), &engine, &err) != SHROUD_OK) {
    state.SkipWithError(err != nullptr ? err : "engine");
    shroud_free(err);
    return;
  }
  cv::Mat frame = frame_1080p().clone();
  shroud_image img{frame.data, frame.cols, frame.rows, static_cast<std::int64_t>(frame.step), SHROUD_FORMAT_BGR};
  const bool reset = detector != "manual";
  std::size_t count = 0;
  for (auto _ : state) {
    if (reset) {
      state.PauseTiming();
      frame_1080p().copyTo(frame);  // same size and type: stays in the buffer img points to
      state.ResumeTiming();
    }
    shroud_region* regions = nullptr;
    if (shroud_protect_image(engine, &img, &regions, &count, nullptr, nullptr) != SHROUD_OK) {
      state.SkipWithError(shroud_engine_last_error(engine));
      break;
    }
    shroud_regions_free(regions);
    benchmark::DoNotOptimize(frame.data);
  }
  state.counters["regions"] = static_cast<double>(count);
  shroud_engine_destroy(engine);
}

BENCHMARK_CAPTURE(BM_CapiVs_Cpp_redact_frame, manual, std::string("manual"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_CapiVs_C_protect_image, manual, std::string("manual"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_CapiVs_Cpp_redact_frame, haar, std::string("cascade:haarcascade_frontalface_alt2.xml"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CapiVs_C_protect_image, haar, std::string("cascade:haarcascade_frontalface_alt2.xml"))->Unit(benchmark::kMillisecond);

}  // namespace
