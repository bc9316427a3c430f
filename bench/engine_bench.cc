// The engine's protect_frame on a 1920x1080 frame against the code path it replaced, in the same
// run: redact_frame (detect -> plan -> apply_actions) for irreversible methods, and plan_actions
// + seal_regions for the seal. Same manual detector (5 regions), same policy, one core.
//   build/shroud_bench --benchmark_filter='Engine|OldPath' --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include "bench_frame.h"

#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <fstream>

#include "shroud/engine.h"
#include "shroud/image_io.h"
#include "shroud/keys.h"
#include "shroud/pipeline.h"
#include "shroud/registry.h"
#include "shroud/seal.h"

namespace {

using shroud::bench::frame_1080p;

// Regions file and keyset in a temporary folder, made once.
struct Fixture {
  std::filesystem::path dir;
  std::string regions, keys;
  std::optional<shroud::Keyset> keyset;
  Fixture() {
    dir = std::filesystem::temp_directory_path() / ("shroud-engine-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    regions = (dir / "regions.json").string();
    std::ofstream(regions) << R"({"image": "f.png", "width": 1920, "height": 1080, "regions": [)"
                              R"({"kind": "face", "box": [860, 300, 160, 200]}, {"kind": "face", "box": [300, 200, 120, 150]},)"
                              R"({"kind": "face", "box": [1500, 250, 140, 170]}, {"kind": "face", "box": [600, 600, 100, 130]},)"
                              R"({"kind": "plate", "box": [900, 850, 220, 60]}]})";
    keys = (dir / "keys.json").string();
    auto ks = shroud::Keyset::generate();
    if (ks.ok() && shroud::save_keyset(*ks, keys, true).ok()) keyset.emplace(std::move(*ks));
  }
  ~Fixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

shroud::EngineOptions options(const std::string& method) {
  shroud::EngineOptions o;
  o.detector = "manual:" + fixture().regions;
  o.method = method;
  if (method == "seal") o.key = fixture().keys;
  return o;
}

void BM_Engine_ProtectFrame(benchmark::State& state, const std::string& method) {
  cv::setNumThreads(1);
  auto engine = shroud::Engine::create(options(method));
  if (!engine.ok()) {
    state.SkipWithError(engine.error().message.c_str());
    return;
  }
  cv::Mat frame = frame_1080p().clone();
  for (auto _ : state) {
    auto r = engine->protect_frame(frame);
    if (!r.ok()) state.SkipWithError(r.error().message.c_str());
    benchmark::DoNotOptimize(frame.data);
  }
}
BENCHMARK_CAPTURE(BM_Engine_ProtectFrame, blur, std::string("blur"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Engine_ProtectFrame, pixelate, std::string("pixelate"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Engine_ProtectFrame, seal, std::string("seal"))->Unit(benchmark::kMicrosecond);

// The path before the engine: a detector made by the caller, redact_frame / seal_regions.
void BM_OldPath_ProtectFrame(benchmark::State& state, const std::string& method) {
  cv::setNumThreads(1);
  shroud::DetectorOptions dopts;
  auto detector = shroud::create_detector("manual:" + fixture().regions, dopts);
  if (!detector.ok() || !fixture().keyset) {
    state.SkipWithError("setup failed");
    return;
  }
  shroud::Policy policy;
  policy.method = method;
  shroud::KeySource keys;
  keys.keyset = &*fixture().keyset;
  cv::Mat frame = frame_1080p().clone();
  for (auto _ : state) {
    shroud::Frame f{frame, 0, 0.0, ""};
    if (method != "seal") {
      auto r = shroud::redact_frame(f, **detector, policy);
      if (!r.ok()) state.SkipWithError(r.error().message.c_str());
    } else {
      auto regions = (*detector)->detect(f);
      auto actions = shroud::plan_actions(*regions, frame.size(), policy);
      auto s = shroud::seal_regions(frame, actions, shroud::SealOptions{}, keys);
      if (!s.ok()) state.SkipWithError(s.error().message.c_str());
    }
    benchmark::DoNotOptimize(frame.data);
  }
}
BENCHMARK_CAPTURE(BM_OldPath_ProtectFrame, blur, std::string("blur"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_OldPath_ProtectFrame, pixelate, std::string("pixelate"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_OldPath_ProtectFrame, seal, std::string("seal"))->Unit(benchmark::kMicrosecond);

}  // namespace
