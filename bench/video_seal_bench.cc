// Per-frame cost of the reversible video mode against the irreversible fill, in the same run:
// a 768x576 frame (vtest.avi's size) with three regions (faces ~ 154x144 and 115x115, a
// 230x58 plate; 146 KB of pixels).
//
//   ./build/shroud_bench --benchmark_filter='VideoFrame' --benchmark_min_time=0.5
//
// VideoFrameFill: apply_actions with fill. VideoFrameSeal: RecoveryTrackWriter::protect (capture,
// fill placeholder, XChaCha20-Poly1305, record into the write buffer, flushed to a temporary
// file every MiB). VideoFrameRestore: RecoveryTrackReader::restore_next from an in-memory track.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "shroud/pipeline.h"
#include "shroud/recovery_track.h"

namespace shroud {
namespace {

std::vector<Action> frame_actions(const std::string& method) {
  std::vector<Action> out;
  for (cv::Rect r : {cv::Rect(77, 58, 154, 144), cv::Rect(384, 173, 115, 115), cv::Rect(461, 403, 230, 58)}) {
    Action a;
    a.rect = r;
    a.region.box = r;
    a.method = method;
    out.push_back(a);
  }
  return out;
}

cv::Mat frame() {
  cv::Mat f(576, 768, CV_8UC3);
  cv::randu(f, 0, 256);
  return f;
}

std::string temp_path(const char* name) {
  std::random_device rd;
  return (std::filesystem::temp_directory_path() / (std::string(name) + std::to_string(rd()))).string();
}

void VideoFrameFill(benchmark::State& state) {
  const cv::Mat src = frame();
  const auto actions = frame_actions("fill");
  cv::Mat f;
  for (auto _ : state) {
    src.copyTo(f);
    if (!apply_actions(f, actions).ok()) state.SkipWithError("fill failed");
    benchmark::DoNotOptimize(f.data);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(VideoFrameFill);

void VideoFrameSeal(benchmark::State& state) {
  auto ks = Keyset::generate();
  KeySource keys;
  keys.keyset = &*ks;
  const std::string path = temp_path("shroud-bench-track-");
  auto w = RecoveryTrackWriter::create(path, keys);
  if (!w.ok()) {
    state.SkipWithError(w.error().message.c_str());
    return;
  }
  const cv::Mat src = frame();
  const auto actions = frame_actions("seal");
  cv::Mat f;
  std::int64_t i = 0;
  for (auto _ : state) {
    src.copyTo(f);
    if (!(*w)->protect(f, i++, actions).ok()) state.SkipWithError("seal failed");
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["track_bytes_per_frame"] = static_cast<double>((*w)->bytes()) / static_cast<double>(i);
}
BENCHMARK(VideoFrameSeal);

void VideoFrameRestore(benchmark::State& state) {
  auto ks = Keyset::generate();
  KeySource keys;
  keys.keyset = &*ks;
  const std::string path = temp_path("shroud-bench-track-");
  constexpr int kFrames = 64;
  const cv::Mat src = frame();
  cv::Mat visible;
  {
    auto w = RecoveryTrackWriter::create(path, keys);
    const auto actions = frame_actions("seal");
    for (int i = 0; i < kFrames; ++i) {
      src.copyTo(visible);
      if (!(*w)->protect(visible, i, actions).ok()) state.SkipWithError("seal failed");
    }
    if (!(*w)->finish().ok() || !(*w)->commit().ok()) state.SkipWithError("finish failed");
  }
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  std::unique_ptr<RecoveryTrackReader> reader;
  int n = kFrames;
  cv::Mat f;
  for (auto _ : state) {
    if (n == kFrames) {
      state.PauseTiming();
      auto opened = RecoveryTrackReader::open(std::make_unique<std::istringstream>(bytes), *ks);
      state.ResumeTiming();
      if (!opened.ok()) {
        state.SkipWithError(opened.error().message.c_str());
        break;
      }
      reader = std::move(opened).value();
      n = 0;
    }
    visible.copyTo(f);
    if (!reader->restore_next(f).ok()) state.SkipWithError("restore failed");
    ++n;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(VideoFrameRestore);

}  // namespace
}  // namespace shroud
