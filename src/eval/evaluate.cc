// Loading the standard data sets and running a detector over them.
#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "shroud/eval.h"
#include "shroud/image_io.h"

#ifndef SHROUD_SOURCE_DIR
#define SHROUD_SOURCE_DIR "."
#endif

namespace fs = std::filesystem;

namespace shroud {
namespace {

constexpr std::int64_t kMaxAnnotationFile = 16LL * 1024 * 1024;

Result<std::string> read_text(const fs::path& path) {
  SHROUD_ASSIGN_OR_RETURN(auto bytes, read_file(path.string(), kMaxAnnotationFile));
  return std::string(bytes.begin(), bytes.end());
}

Result<std::vector<fs::path>> files_with_extension(const fs::path& dir, const std::string& ext) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return make_error(ErrorCode::kNotFound, "data folder '" + dir.string() + "' not found");
  std::vector<fs::path> out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ext) out.push_back(it->path());
  }
  if (ec) return make_error(ErrorCode::kIo, "cannot list '" + dir.string() + "': " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<Dataset> load_dlib_dataset(const fs::path& dir, const std::string& name) {
  SHROUD_ASSIGN_OR_RETURN(auto files, files_with_extension(dir, ".xml"));
  if (files.empty()) return make_error(ErrorCode::kNotFound, "no dlib XML file in '" + dir.string() + "'");
  Dataset ds{name, Kind::kFace, {}};
  for (const auto& f : files) {
    SHROUD_ASSIGN_OR_RETURN(std::string text, read_text(f));
    auto images = parse_dlib_xml(text, dir);
    if (!images.ok()) return make_error(images.error().code, f.string() + ": " + images.error().message);
    for (auto& img : *images) ds.images.push_back(std::move(img));
  }
  return ds;
}

Result<Dataset> load_openalpr_dataset(const fs::path& dir, const std::string& name) {
  SHROUD_ASSIGN_OR_RETURN(auto files, files_with_extension(dir, ".txt"));
  if (files.empty()) return make_error(ErrorCode::kNotFound, "no openalpr annotation in '" + dir.string() + "'");
  Dataset ds{name, Kind::kPlate, {}};
  for (const auto& f : files) {
    SHROUD_ASSIGN_OR_RETURN(std::string text, read_text(f));
    auto img = parse_openalpr_txt(text, dir);
    if (!img.ok()) return make_error(img.error().code, f.string() + ": " + img.error().message);
    ds.images.push_back(std::move(*img));
  }
  return ds;
}

Result<std::vector<Dataset>> load_standard_datasets(const fs::path& data_dir, const std::vector<std::string>& only) {
  struct Entry {
    const char* name;
    const char* sub;
    bool dlib;
  };
  static const Entry kSets[] = {
      {"faces-dlib", "faces/dlib_examples_faces", true},
      {"faces-small", "faces/dlib_examples_faces", true},
      {"plates-eu", "plates/openalpr_benchmarks/endtoend/eu", false},
      {"plates-us", "plates/openalpr_benchmarks/endtoend/us", false},
      {"plates-br", "plates/openalpr_benchmarks/endtoend/br", false},
  };
  for (const auto& o : only) {
    if (o == "text-rendered") continue;
    if (std::none_of(std::begin(kSets), std::end(kSets), [&](const Entry& e) { return o == e.name; })) {
      return make_error(ErrorCode::kInvalidArgument,
                        "unknown data set '" + o +
                            "' (expected faces-dlib, faces-small, plates-eu, plates-us, plates-br, text-rendered)");
    }
  }
  std::vector<Dataset> out;
  for (const auto& e : kSets) {
    if (!only.empty() && std::find(only.begin(), only.end(), e.name) == only.end()) continue;
    const fs::path dir = data_dir / e.sub;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    const bool generated = std::string(e.name) == "faces-small";
    auto ds = generated ? make_small_faces_dataset(dir, e.name)
              : e.dlib  ? load_dlib_dataset(dir, e.name)
                        : load_openalpr_dataset(dir, e.name);
    if (!ds.ok()) return ds.error();
    out.push_back(std::move(*ds));
  }
  if (std::find(only.begin(), only.end(), "text-rendered") != only.end()) {
    SHROUD_ASSIGN_OR_RETURN(Dataset text, make_rendered_text_dataset("text-rendered"));
    out.push_back(std::move(text));
  }
  if (out.empty()) {
    return make_error(ErrorCode::kNotFound, "no evaluation data set found under '" + data_dir.string() +
                                                "' (expected faces/dlib_examples_faces or "
                                                "plates/openalpr_benchmarks/endtoend/{eu,us,br})");
  }
  return out;
}

fs::path default_data_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("SHROUD_DATA"); env != nullptr && *env != '\0') candidates.emplace_back(env);
  candidates.emplace_back(fs::path("..") / "shared" / "data");
  candidates.emplace_back(fs::path(SHROUD_SOURCE_DIR) / ".." / "shared" / "data");
  for (const auto& c : candidates) {
    std::error_code ec;
    if (fs::is_directory(c, ec)) return c;
  }
  return {};
}

std::vector<SizeBand> face_size_bands() {
  return {{0, 16}, {16, 24}, {24, 32}, {32, 48}, {48, 96}, {96, 0}};
}

Result<EvalResult> evaluate(Detector& detector, const Dataset& dataset, double min_iou) {
  EvalResult res;
  res.dataset = dataset.name;
  res.kind = dataset.kind;
  if (dataset.kind == Kind::kFace) res.bands = face_size_bands();
  for (const auto& item : dataset.images) {
    cv::Mat pixels = item.image;
    if (pixels.empty()) {
      SHROUD_ASSIGN_OR_RETURN(auto img, read_image(item.path.string()));
      pixels = img.pixels;
    }
    Frame frame{pixels, 0, 0.0, item.path.string()};
    const auto t0 = std::chrono::steady_clock::now();
    SHROUD_ASSIGN_OR_RETURN(auto regions, detector.detect(frame));
    res.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<cv::Rect> boxes;
    for (const auto& r : regions) {
      if (r.kind == dataset.kind) boxes.push_back(r.box);
    }
    const MatchCounts c = match_boxes(item.boxes, boxes, min_iou);
    const std::vector<bool> found = match_labels(item.boxes, boxes, min_iou);
    for (std::size_t i = 0; i < item.boxes.size(); ++i) {
      const int w = item.boxes[i].width;
      for (auto& b : res.bands) {
        if (w >= b.min_width && (b.max_width == 0 || w < b.max_width)) {
          ++b.labelled;
          b.matched += found[i] ? 1 : 0;
        }
      }
      if (w >= 24) {
        ++res.at_least_24.labelled;
        res.at_least_24.matched += found[i] ? 1 : 0;
      }
    }
    if (c.matched < c.labelled) res.missed.push_back(item.path.filename().string());
    res.counts += c;
    ++res.images;
  }
  return res;
}

}  // namespace shroud
