// Speed of the metrics on a 1920x1080 colour pair, one core (cv::setNumThreads(1)).
// Target: SSIM under 60 ms and faster than scikit-image (scripts/bench-metrics times both on the
// same images and prints the ratio); the other metrics a few ms.
//
// Images: $SHROUD_BENCH_A and $SHROUD_BENCH_B when set (scripts/bench-metrics passes the PNGs it
// also gives to scikit-image), otherwise messi5.jpg resized to 1920x1080 and a blurred copy, or
// random images when the sample is missing.
#include <benchmark/benchmark.h>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdlib>

#include "shroud/metrics.h"

namespace {

struct BenchPair {
  cv::Mat a, b;
};

const BenchPair& bench_pair() {
  static const BenchPair pair = [] {
    BenchPair p;
    const char* fa = std::getenv("SHROUD_BENCH_A");
    const char* fb = std::getenv("SHROUD_BENCH_B");
    if (fa != nullptr && fb != nullptr) {
      p.a = cv::imread(fa, cv::IMREAD_UNCHANGED);
      p.b = cv::imread(fb, cv::IMREAD_UNCHANGED);
    }
    if (p.a.empty() || p.b.empty()) {
      cv::Mat src = cv::imread("/usr/share/doc/opencv-doc/examples/data/messi5.jpg");
      if (src.empty()) {
        src.create(1080, 1920, CV_8UC3);
        cv::randu(src, 0, 256);
      }
      cv::resize(src, p.a, cv::Size(1920, 1080), 0, 0, cv::INTER_CUBIC);
      cv::GaussianBlur(p.a, p.b, cv::Size(0, 0), 2.0);
    }
    return p;
  }();
  return pair;
}

void single_core() { cv::setNumThreads(1); }

void BM_SsimColour(benchmark::State& state) {
  single_core();
  const auto& p = bench_pair();
  for (auto _ : state) benchmark::DoNotOptimize(shroud::ssim(p.a, p.b));
  state.SetLabel(std::to_string(p.a.cols) + "x" + std::to_string(p.a.rows) + "x" + std::to_string(p.a.channels()));
}
BENCHMARK(BM_SsimColour)->Unit(benchmark::kMillisecond);

void BM_SsimGrey(benchmark::State& state) {
  single_core();
  const auto& p = bench_pair();
  cv::Mat a, b;
  cv::cvtColor(p.a, a, cv::COLOR_BGR2GRAY);
  cv::cvtColor(p.b, b, cv::COLOR_BGR2GRAY);
  for (auto _ : state) benchmark::DoNotOptimize(shroud::ssim(a, b));
}
BENCHMARK(BM_SsimGrey)->Unit(benchmark::kMillisecond);

void BM_Psnr(benchmark::State& state) {
  single_core();
  const auto& p = bench_pair();
  for (auto _ : state) benchmark::DoNotOptimize(shroud::psnr(p.a, p.b));
}
BENCHMARK(BM_Psnr)->Unit(benchmark::kMillisecond);

void BM_NpcrUaci(benchmark::State& state) {
  single_core();
  const auto& p = bench_pair();
  for (auto _ : state) {
    benchmark::DoNotOptimize(shroud::npcr(p.a, p.b));
    benchmark::DoNotOptimize(shroud::uaci(p.a, p.b));
  }
}
BENCHMARK(BM_NpcrUaci)->Unit(benchmark::kMillisecond);

void BM_L0L2Ald(benchmark::State& state) {
  single_core();
  const auto& p = bench_pair();
  for (auto _ : state) {
    benchmark::DoNotOptimize(shroud::l0_changed_pixels(p.a, p.b));
    benchmark::DoNotOptimize(shroud::l2_distance(p.a, p.b));
    benchmark::DoNotOptimize(shroud::ald(p.a, p.b, 2.0));
  }
}
BENCHMARK(BM_L0L2Ald)->Unit(benchmark::kMillisecond);

void BM_Dhash(benchmark::State& state) {
  single_core();
  const auto& p = bench_pair();
  for (auto _ : state) benchmark::DoNotOptimize(shroud::dhash_distance(p.a, p.b));
}
BENCHMARK(BM_Dhash)->Unit(benchmark::kMillisecond);

void BM_Entropy(benchmark::State& state) {
  single_core();
  const auto& p = bench_pair();
  for (auto _ : state) benchmark::DoNotOptimize(shroud::entropy(p.a));
}
BENCHMARK(BM_Entropy)->Unit(benchmark::kMillisecond);

void BM_ChiSquare(benchmark::State& state) {
  single_core();
  const auto& p = bench_pair();
  for (auto _ : state) benchmark::DoNotOptimize(shroud::chi_square_uniformity(p.a));
}
BENCHMARK(BM_ChiSquare)->Unit(benchmark::kMillisecond);

void BM_AdjacentCorrelation(benchmark::State& state) {
  single_core();
  const auto& p = bench_pair();
  for (auto _ : state) benchmark::DoNotOptimize(shroud::adjacent_correlation(p.a, shroud::Adjacency::kDiagonal));
}
BENCHMARK(BM_AdjacentCorrelation)->Unit(benchmark::kMillisecond);

void BM_CompareImagesAll(benchmark::State& state) {
  single_core();
  const auto& p = bench_pair();
  for (auto _ : state) benchmark::DoNotOptimize(shroud::compare_images(p.a, p.b));
}
BENCHMARK(BM_CompareImagesAll)->Unit(benchmark::kMillisecond);

}  // namespace
