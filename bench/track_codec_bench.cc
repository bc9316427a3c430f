// Recovery track size and speed on a real clip: v1 (raw pixels) against v2 (compressed, padded
// records), in the same run. bench/track_bench.sh prepares the clips and runs this for each:
//
//   SHROUD_TRACK_CLIP=in.mp4 SHROUD_TRACK_REGIONS=out.jsonl SHROUD_TRACK_VISIBLE=out.mp4
//     ./build/shroud_bench --benchmark_filter='Track(Seal|Restore)'
//
// SHROUD_TRACK_REGIONS is the --regions-json output of `shroud protect` on the clip (the boxes
// each frame sealed); SHROUD_TRACK_VISIBLE the protected video (its size is reported per frame);
// SHROUD_TRACK_FRAMES caps the frames (default 150). Without SHROUD_TRACK_CLIP the benchmarks
// skip. The regions' original pixels are decoded once up front; each timed iteration pastes one
// frame's originals into a frame buffer and seals it (capture, placeholder, compress, pad,
// XChaCha20-Poly1305, buffered write), or restores one frame from an in-memory track.
//
// Counters: track_B_per_frame (a whole pass over the clip, header and final record included),
// raw_B_per_frame (the regions' pixel bytes), visible_B_per_frame (the protected video file).
#include <benchmark/benchmark.h>
#include <zstd.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <map>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "codec/region_codec.h"
#include "codec/size_bucket.h"
#include "shroud/pipeline.h"
#include "shroud/recovery_track.h"
#include "shroud/video_io.h"

namespace shroud {
namespace {

struct Clip {
  bool loaded = false;
  std::string error;
  cv::Size size;
  int type = CV_8UC3;
  std::vector<std::vector<cv::Rect>> rects;
  std::vector<std::vector<cv::Mat>> crops;
  std::uint64_t raw_bytes = 0, visible_bytes = 0;
};

const Clip& clip() {
  static const Clip c = [] {
    Clip c;
    const char* video = std::getenv("SHROUD_TRACK_CLIP");
    const char* regions = std::getenv("SHROUD_TRACK_REGIONS");
    if (video == nullptr || regions == nullptr) {
      c.error = "set SHROUD_TRACK_CLIP and SHROUD_TRACK_REGIONS (bench/track_bench.sh)";
      return c;
    }
    const char* frames_env = std::getenv("SHROUD_TRACK_FRAMES");
    const int max_frames = frames_env != nullptr ? std::atoi(frames_env) : 150;
    if (const char* vis = std::getenv("SHROUD_TRACK_VISIBLE")) c.visible_bytes = std::filesystem::file_size(vis);
    auto rd = VideoReader::open(video);
    if (!rd.ok()) {
      c.error = rd.error().message;
      return c;
    }
    std::ifstream in(regions);
    std::string line;
    while (static_cast<int>(c.rects.size()) < max_frames && std::getline(in, line)) {
      auto f = (*rd)->read();
      if (!f.ok() || f->empty()) break;
      c.size = f->size();
      c.type = f->type();
      const auto j = nlohmann::json::parse(line);
      std::vector<cv::Rect> rects;
      std::vector<cv::Mat> crops;
      for (const auto& p : j["protected"]) {
        const auto b = p["box"].get<std::vector<int>>();
        const cv::Rect r = cv::Rect(b[0], b[1], b[2], b[3]) & cv::Rect(cv::Point(), f->size());
        if (r.area() == 0) continue;
        rects.push_back(r);
        crops.push_back((*f)(r).clone());
        c.raw_bytes += static_cast<std::uint64_t>(r.area()) * f->elemSize();
      }
      c.rects.push_back(std::move(rects));
      c.crops.push_back(std::move(crops));
    }
    if (c.rects.empty()) {
      c.error = "no frames";
      return c;
    }
    // The visible video's size per frame counts only the frames used here.
    c.loaded = true;
    return c;
  }();
  return c;
}

std::vector<Action> actions_of(const Clip& c, std::size_t i) {
  std::vector<Action> out;
  for (const cv::Rect& r : c.rects[i]) {
    Action a;
    a.rect = r;
    a.region.box = r;
    a.method = "seal";
    out.push_back(a);
  }
  return out;
}

void paste(const Clip& c, std::size_t i, cv::Mat& frame) {
  // Later regions first, so overlaps end with the first region's pixels (what the writer captures).
  for (std::size_t k = c.rects[i].size(); k-- > 0;) c.crops[i][k].copyTo(frame(c.rects[i][k]));
}

std::string temp_path() {
  std::random_device rd;
  return (std::filesystem::temp_directory_path() / ("shroud-bench-track-" + std::to_string(rd()))).string();
}

TrackWriterOptions options_for(int version) {
  TrackWriterOptions o;
  o.format_version = version;
  o.overwrite = true;
  return o;
}

// One whole pass over the clip into `path`; returns the track size.
std::uint64_t write_track(const Clip& c, const Keyset& ks, int version, const std::string& path) {
  KeySource keys;
  keys.keyset = &ks;
  auto w = RecoveryTrackWriter::create(path, keys, options_for(version));
  if (!w.ok()) return 0;
  cv::Mat f(c.size, c.type, cv::Scalar::all(0));
  for (std::size_t i = 0; i < c.rects.size(); ++i) {
    paste(c, i, f);
    if (!(*w)->protect(f, static_cast<std::int64_t>(i), actions_of(c, i)).ok()) return 0;
  }
  if (!(*w)->finish().ok() || !(*w)->commit().ok()) return 0;
  return (*w)->bytes();
}

void counters(benchmark::State& state, const Clip& c, std::uint64_t track_bytes) {
  const double n = static_cast<double>(c.rects.size());
  state.counters["track_B_per_frame"] = static_cast<double>(track_bytes) / n;
  state.counters["raw_B_per_frame"] = static_cast<double>(c.raw_bytes) / n;
  if (c.visible_bytes > 0) state.counters["visible_B_per_frame"] = static_cast<double>(c.visible_bytes) / n;
  state.counters["frames"] = n;
}

void TrackSeal(benchmark::State& state) {
  const Clip& c = clip();
  if (!c.loaded) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  const int version = static_cast<int>(state.range(0));
  auto ks = Keyset::generate();
  const std::string size_path = temp_path();
  const std::uint64_t track_bytes = write_track(c, *ks, version, size_path);
  std::filesystem::remove(size_path);
  if (track_bytes == 0) {
    state.SkipWithError("writing the track failed");
    return;
  }
  KeySource keys;
  keys.keyset = &*ks;
  const std::string path = temp_path();
  auto w = RecoveryTrackWriter::create(path, keys, options_for(version));
  cv::Mat f(c.size, c.type, cv::Scalar::all(0));
  std::int64_t index = 0;
  for (auto _ : state) {
    const std::size_t i = static_cast<std::size_t>(index) % c.rects.size();
    paste(c, i, f);
    if (!(*w)->protect(f, index++, actions_of(c, i)).ok()) state.SkipWithError("seal failed");
  }
  state.SetItemsProcessed(state.iterations());
  counters(state, c, track_bytes);
}
BENCHMARK(TrackSeal)->Arg(1)->Arg(2)->Arg(3)->Unit(benchmark::kMillisecond);

void TrackRestore(benchmark::State& state) {
  const Clip& c = clip();
  if (!c.loaded) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  const int version = static_cast<int>(state.range(0));
  auto ks = Keyset::generate();
  const std::string path = temp_path();
  const std::uint64_t track_bytes = write_track(c, *ks, version, path);
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(path);
  if (track_bytes == 0 || bytes.size() != track_bytes) {
    state.SkipWithError("writing the track failed");
    return;
  }
  std::unique_ptr<RecoveryTrackReader> reader;
  std::size_t n = c.rects.size();
  cv::Mat f(c.size, c.type, cv::Scalar::all(0));
  for (auto _ : state) {
    if (n == c.rects.size()) {
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
    if (!reader->restore_next(f).ok()) state.SkipWithError("restore failed");
    ++n;
  }
  state.SetItemsProcessed(state.iterations());
  counters(state, c, track_bytes);
}
BENCHMARK(TrackRestore)->Arg(1)->Arg(2)->Arg(3)->Unit(benchmark::kMillisecond);

// What the padded lengths still reveal (docs/security.md): the records' compressed sizes as the
// writer makes them (same codec, key-frames every 30), then the empirical entropy in bits per
// record of the exact length and of the bucket for S = 1, 2, 4 steps per octave (a record padded
// to its cap counts as one symbol "cap"), and the padding overhead. The rectangles are public
// anyway; the length adds only how compressible they were.
void TrackBuckets(benchmark::State& state) {
  const Clip& c = clip();
  if (!c.loaded) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  const int type = c.type;
  const codec::Geometry g{CV_MAT_CN(type), CV_MAT_DEPTH(type) == CV_16U ? 2 : 1};
  std::vector<std::uint64_t> sizes, caps;
  for (auto _ : state) {
    sizes.clear();
    caps.clear();
    codec::Reference ref;
    ref.reset(c.size.width, c.size.height, type);
    for (std::size_t i = 0; i < c.rects.size(); ++i) {
      if (c.rects[i].empty()) {
        ref.update({}, {});
        continue;
      }
      std::vector<const std::uint8_t*> data;
      std::vector<cv::Mat> packed;
      for (const cv::Mat& m : c.crops[i]) packed.push_back(m.isContinuous() ? m : m.clone());
      for (const cv::Mat& m : packed) data.push_back(m.data);
      std::vector<std::uint8_t> z;
      if (!codec::encode_regions(c.rects[i], data, g, i % 30 == 0 ? nullptr : &ref, {}, &z).ok()) {
        state.SkipWithError("encode failed");
        return;
      }
      ref.update(c.rects[i], data);
      sizes.push_back(4 + z.size());
      caps.push_back(4 + ZSTD_COMPRESSBOUND(codec::stream_bytes(c.rects[i], g)));
    }
  }
  auto entropy = [&](auto key) {
    std::map<std::uint64_t, double> count;
    for (std::size_t i = 0; i < sizes.size(); ++i) count[key(i)] += 1;
    double h = 0;
    for (const auto& [k, n] : count) h -= n / static_cast<double>(sizes.size()) * std::log2(n / static_cast<double>(sizes.size()));
    return h;
  };
  double compressed = 0;
  for (std::uint64_t n : sizes) compressed += static_cast<double>(n);
  state.counters["records"] = static_cast<double>(sizes.size());
  state.counters["H_exact_bits"] = entropy([&](std::size_t i) { return sizes[i]; });
  for (int steps : {1, 2, 4}) {
    double padded = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) padded += static_cast<double>(codec::bucket_size(sizes[i], steps, caps[i]));
    const std::string s = std::to_string(steps);
    // A record padded to its cap shows only the cap, a function of the public rectangles.
    state.counters["H_bucket_S" + s] = entropy([&](std::size_t i) {
      const std::uint64_t b = codec::bucket_size(sizes[i], steps, caps[i]);
      return b == caps[i] ? ~std::uint64_t{0} : b;
    });
    state.counters["pad_overhead_S" + s] = padded / compressed;
  }
}
BENCHMARK(TrackBuckets)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace shroud
