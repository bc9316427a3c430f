// JPEG in, JPEG out with five regions on a 1080p photo: the coefficient path (jpeg_coeff.h)
// against the decode + protect + encode pixel path, in the same run (docs/jpeg.md).
//   build/shroud_bench --benchmark_filter=Jpeg
// Counters: size_ratio = output bytes / input bytes.
#include <benchmark/benchmark.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "shroud/image_io.h"
#include "shroud/jpeg_coeff.h"
#include "shroud/keys.h"
#include "shroud/pipeline.h"
#include "shroud/seal.h"

namespace {

using namespace shroud;

// A real photo (OpenCV sample, else a synthetic texture) at 1920x1080, JPEG quality 90, 4:2:0.
const std::vector<std::uint8_t>& input_1080p() {
  static const std::vector<std::uint8_t> file = [] {
    cv::Mat img = cv::imread("/usr/share/doc/opencv-doc/examples/data/fruits.jpg", cv::IMREAD_COLOR);
    if (img.empty()) {
      img = cv::Mat(1080, 1920, CV_8UC3);
      cv::randu(img, 0, 255);
      cv::GaussianBlur(img, img, {0, 0}, 3);
    }
    cv::resize(img, img, {1920, 1080}, 0, 0, cv::INTER_CUBIC);
    std::vector<std::uint8_t> out;
    cv::imencode(".jpg", img, out, {cv::IMWRITE_JPEG_QUALITY, 90});
    return out;
  }();
  return file;
}

std::vector<Action> five_regions(const std::string& method) {
  std::vector<Action> actions;
  for (int i = 0; i < 5; ++i) {
    Action a;
    a.method = method;
    a.rect = cv::Rect(100 + i * 360, 200 + (i % 2) * 400, 150, 190);  // face-sized boxes
    a.region.box = a.rect;
    actions.push_back(a);
  }
  return actions;
}

const Keyset& keyset() {
  static const Keyset ks = [] {
    auto r = Keyset::generate();
    return std::move(*r);
  }();
  return ks;
}

void BM_JpegCoeffPath(benchmark::State& state, const std::string& method) {
  const auto& file = input_1080p();
  const auto actions = five_regions(method);
  KeySource keys;
  keys.keyset = &keyset();
  std::size_t out_size = 0;
  for (auto _ : state) {
    auto out = protect_jpeg(file, actions, {}, method == "seal" ? &keys : nullptr);
    if (!out.ok()) {
      state.SkipWithError(out.error().message.c_str());
      return;
    }
    out_size = out->file.size();
    benchmark::DoNotOptimize(out->file.data());
  }
  state.counters["size_ratio"] = static_cast<double>(out_size) / static_cast<double>(file.size());
}

void BM_JpegPixelPath(benchmark::State& state, const std::string& method) {
  const auto& file = input_1080p();
  const auto actions = five_regions(method);
  KeySource keys;
  keys.keyset = &keyset();
  std::size_t out_size = 0;
  for (auto _ : state) {
    auto img = decode_image(file);
    if (!img.ok()) {
      state.SkipWithError(img.error().message.c_str());
      return;
    }
    std::vector<std::uint8_t> out;
    if (method == "seal") {
      SealFileOptions so;
      so.format = "jpeg";
      auto sealed = seal_image_file(img->pixels, actions, so, keys);
      if (!sealed.ok()) {
        state.SkipWithError(sealed.error().message.c_str());
        return;
      }
      out = std::move(sealed->image);
    } else {
      if (!apply_actions(img->pixels, actions).ok()) {
        state.SkipWithError("apply_actions failed");
        return;
      }
      auto enc = encode_image(img->pixels, "jpeg");  // quality 95, the CLI default
      if (!enc.ok()) {
        state.SkipWithError(enc.error().message.c_str());
        return;
      }
      out = std::move(*enc);
    }
    out_size = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["size_ratio"] = static_cast<double>(out_size) / static_cast<double>(file.size());
}

BENCHMARK_CAPTURE(BM_JpegCoeffPath, fill, std::string("fill"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_JpegPixelPath, fill, std::string("fill"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_JpegCoeffPath, blur, std::string("blur"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_JpegPixelPath, blur, std::string("blur"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_JpegCoeffPath, pixelate, std::string("pixelate"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_JpegPixelPath, pixelate, std::string("pixelate"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_JpegCoeffPath, seal, std::string("seal"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_JpegPixelPath, seal, std::string("seal"))->Unit(benchmark::kMillisecond);

}  // namespace
