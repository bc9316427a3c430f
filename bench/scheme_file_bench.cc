// Paper schemes as `shroud protect --method SCHEME` runs them (scheme_protect / scheme_recover:
// the scheme, the record and its tag), on messi5.jpg (548 x 342) with the face box 224,91,32,43
// scaled by 1.3, or on the whole frame. ONE core.
//   ./build/shroud_bench --benchmark_filter=SchemeFile
#include <benchmark/benchmark.h>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgcodecs.hpp>

#include "shroud/policy.h"
#include "shroud/schemes/scheme_file.h"

namespace {

using namespace shroud::schemes;

const cv::Mat& messi() {
  static const cv::Mat img = [] {
    cv::Mat m = cv::imread("/usr/share/doc/opencv-doc/examples/data/messi5.jpg", cv::IMREAD_COLOR);
    if (m.empty()) {
      m = cv::Mat(342, 548, CV_8UC3);
      cv::randu(m, 0, 255);
    }
    return m;
  }();
  return img;
}

SchemeProtectOptions options(SchemeMethod m, bool whole) {
  SchemeProtectOptions o;
  o.whole_frame = whole;
  shroud::Region face;
  face.kind = shroud::Kind::kFace;
  face.box = shroud::scale_and_clip({224, 91, 32, 43}, 1.3, messi().size());
  if (!whole) o.regions = {face};
  o.sisa.level = 5;   // sisa-paper: encrypt the whole share (100%)
  (void)m;
  return o;
}

void BM_SchemeFileProtect(benchmark::State& state, SchemeMethod m, bool whole) {
  cv::setNumThreads(1);
  auto key = generate_scheme_key(m);
  const auto o = options(m, whole);
  for (auto _ : state) {
    auto p = scheme_protect(messi(), *key, o);
    if (!p.ok()) state.SkipWithError(p.error().message.c_str());
    benchmark::DoNotOptimize(p);
  }
}

void BM_SchemeFileRecover(benchmark::State& state, SchemeMethod m, bool whole) {
  cv::setNumThreads(1);
  auto key = generate_scheme_key(m);
  auto p = scheme_protect(messi(), *key, options(m, whole));
  if (!p.ok()) {
    state.SkipWithError(p.error().message.c_str());
    return;
  }
  for (auto _ : state) {
    auto r = scheme_recover(p->image, p->record, *key);
    if (!r.ok()) state.SkipWithError(r.error().message.c_str());
    benchmark::DoNotOptimize(r);
  }
}

#define SCHEME_BENCH(tag, method, whole)                                                       \
  BENCHMARK_CAPTURE(BM_SchemeFileProtect, tag, method, whole)->Unit(benchmark::kMillisecond);  \
  BENCHMARK_CAPTURE(BM_SchemeFileRecover, tag, method, whole)->Unit(benchmark::kMillisecond)

SCHEME_BENCH(msai_l_face, SchemeMethod::kMsaiL, false);
SCHEME_BENCH(msai_paper_face, SchemeMethod::kMsaiPaper, false);
SCHEME_BENCH(block_scramble_face, SchemeMethod::kBlockScramble, false);
SCHEME_BENCH(pbe_face, SchemeMethod::kPbe, false);
SCHEME_BENCH(perceptual_face, SchemeMethod::kPerceptual, false);
SCHEME_BENCH(sisa_paper_level5, SchemeMethod::kSisaPaper, false);
SCHEME_BENCH(block_scramble_whole, SchemeMethod::kBlockScramble, true);
SCHEME_BENCH(pbe_whole, SchemeMethod::kPbe, true);
SCHEME_BENCH(perceptual_whole, SchemeMethod::kPerceptual, true);

}  // namespace
