// CameraMotion::step (camera_motion.h), which the video pipeline runs on every frame: a 768x576
// (vtest.avi size) and a 1920x1080 frame of a smooth texture panning 3 px a frame, against the
// reduction alone (step with estimate = false) measured in the same run.
//   OPENCV_FOR_THREADS_NUM=1 build/shroud_bench --benchmark_filter=CameraMotion
#include <benchmark/benchmark.h>

#include <opencv2/imgproc.hpp>

#include "shroud/camera_motion.h"

namespace {

std::vector<cv::Mat> panning_frames(cv::Size size) {
  cv::RNG rng(11);
  cv::Mat scene(size.height + 40, size.width + 120, CV_8UC3);
  rng.fill(scene, cv::RNG::UNIFORM, 0, 255);
  cv::GaussianBlur(scene, scene, cv::Size(), 3);
  cv::normalize(scene, scene, 0, 255, cv::NORM_MINMAX);
  std::vector<cv::Mat> frames;
  for (int i = 0; i < 40; ++i) {
    const int t = i < 20 ? i : 40 - i;  // forth and back: the sequence loops without a jump
    frames.push_back(scene(cv::Rect(cv::Point(3 * t, 20), size)).clone());
  }
  return frames;
}

void BM_CameraMotionStep(benchmark::State& state) {
  const cv::Size size(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const bool estimate = state.range(2) != 0;
  const auto frames = panning_frames(size);
  shroud::CameraMotion camera;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(camera.step(frames[i], estimate));
    i = (i + 1) % frames.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CameraMotionStep)
    ->ArgNames({"w", "h", "estimate"})
    ->Args({768, 576, 1})
    ->Args({768, 576, 0})
    ->Args({1920, 1080, 1})
    ->Args({1920, 1080, 0})
    ->Unit(benchmark::kMillisecond);

}  // namespace
