// BoxFollower (box_follower.h): cost of one step, a 64x64 box on a 640x360 frame, the box's
// contents (a textured patch) moving 3 px a frame back and forth over a smooth background.
//   build/shroud_bench --benchmark_filter=Follow
#include <benchmark/benchmark.h>

#include <opencv2/imgproc.hpp>

#include "shroud/box_follower.h"

namespace {

std::vector<cv::Mat> moving_patch_frames() {
  cv::RNG rng(7);
  cv::Mat bg(360, 640, CV_8UC3), patch(64, 64, CV_8UC3);
  rng.fill(bg, cv::RNG::UNIFORM, 0, 255);
  cv::GaussianBlur(bg, bg, cv::Size(), 6);
  cv::normalize(bg, bg, 60, 190, cv::NORM_MINMAX);
  rng.fill(patch, cv::RNG::UNIFORM, 0, 255);
  cv::GaussianBlur(patch, patch, cv::Size(), 1.5);
  std::vector<cv::Mat> frames;
  for (int i = 0; i < 80; ++i) {
    const int t = i < 40 ? i : 80 - i;   // forth and back: the sequence loops without a jump
    cv::Mat f = bg.clone();
    patch.copyTo(f(cv::Rect(100 + 3 * t, 150 + t, 64, 64)));
    frames.push_back(f);
  }
  return frames;
}

void BM_FollowStep64On640x360(benchmark::State& state) {
  const auto frames = moving_patch_frames();
  auto f = shroud::BoxFollower::start(frames[0], 0, cv::Rect(100, 150, 64, 64));
  if (!f.ok()) return state.SkipWithError(f.error().message.c_str());
  std::size_t i = 1;
  for (auto _ : state) {
    auto s = f->step(frames[i]);
    if (!s.ok() || s->lost) return state.SkipWithError("the follower lost the patch");
    benchmark::DoNotOptimize(s->box);
    i = (i + 1) % frames.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FollowStep64On640x360)->Unit(benchmark::kMillisecond);

}  // namespace
