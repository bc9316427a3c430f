// shroud report [IMAGES...] -o DIR [--repeats 100] [--sisa-repeats 5] [--sizes 640x480,...]
//               [--level 3] [--levels 5] [--no-msai] [--no-sisa] [--learning DIR] [--force]
//               [detector flags]:
// reproduces the MSAI paper's Table 3 / Fig. 4 / Fig. 5 and the SISA paper's Fig. 6 / 7
// (library: include/shroud/paper_report.h). MSAI runs on the paper's three area sizes (30x17,
// 58x62, 71x63 in 256x256 images made from OpenCV's sample images) and on every region the
// detector finds in IMAGES; SISA runs on the first image and its detections, resized to each size.
// --learning DIR adds the perceptual-encryption paper's Table II (learning on cipher images) from
// the learning.json scripts/learning_experiment.py wrote (docs/learning.md).
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <opencv2/imgproc.hpp>

#include <filesystem>

#include "commands.h"
#include "shroud/image_io.h"
#include "shroud/paper_report.h"

namespace shroud::cli {
namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_report {

constexpr const char* kSamples = "/usr/share/doc/opencv-doc/examples/data/";

struct Opts {
  std::vector<std::string> inputs;
  std::string out;
  DetectFlags detect;
  int repeats = 100;
  int sisa_repeats = 5;
  std::vector<std::string> sizes;
  int level = 3;
  int levels = 5;
  bool no_msai = false, no_sisa = false, force = false;
  std::string learning;   // folder (or file) with scripts/learning_experiment.py's learning.json
};

Result<cv::Size> parse_size(const std::string& s) {
  int w = 0, h = 0;
  char x = 0, extra = 0;
  if (std::sscanf(s.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3 || (x != 'x' && x != 'X') || w <= 0 || h <= 0) {
    return make_error(ErrorCode::kInvalidArgument, "--sizes takes WxH values such as 640x480, not '" + s + "'");
  }
  return cv::Size(w, h);
}

// 8-bit, 1 or 3 channels (alpha dropped, 16-bit scaled) so every scheme and metric applies.
cv::Mat to_8bit(const cv::Mat& in) {
  cv::Mat m = in;
  if (m.depth() == CV_16U) m.convertTo(m, CV_8U, 1.0 / 257.0);
  if (m.channels() == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2BGR);
  if (m.channels() == 2) cv::extractChannel(m, m, 0);
  return m;
}

// The paper's Table 2 cases: 256x256 images with areas of its sizes, centred.
Result<std::vector<MsaiCase>> paper_cases() {
  struct Spec {
    const char* paper;
    const char* file;
    int w, h;
  };
  const Spec specs[] = {{"car", "licenseplate_motion.jpg", 30, 17},
                        {"finger", "baboon.jpg", 58, 62},
                        {"Lena", "messi5.jpg", 71, 63}};
  std::vector<MsaiCase> out;
  for (const auto& s : specs) {
    const std::string path = std::string(kSamples) + s.file;
    auto img = read_image(path);
    if (!img.ok()) {
      return make_error(ErrorCode::kNotFound, "sample image " + path + " is missing (install opencv-doc: bash scripts/setup)");
    }
    MsaiCase c;
    cv::resize(to_8bit(img->pixels), c.image, cv::Size(256, 256), 0, 0, cv::INTER_AREA);
    c.area = cv::Rect((256 - s.w) / 2, (256 - s.h) / 2, s.w, s.h);
    c.name = fmt::format("{} ({}x{})", s.paper, s.w, s.h);
    c.source = s.file;
    c.paper = s.paper;
    out.push_back(std::move(c));
  }
  return out;
}

Status run_report(const Opts& o, const Globals& g) {
  PaperReport report;
  report.options.repeats = o.repeats;
  report.options.sisa_repeats = o.sisa_repeats;
  report.options.sisa_level = o.level;
  report.options.sisa_levels = o.levels;
  if (o.levels < 1 || o.level < 1 || o.level > o.levels) {
    return make_error(ErrorCode::kInvalidArgument, "--level must be 1..--levels");
  }
  if (!o.sizes.empty()) {
    report.options.sisa_sizes.clear();
    for (const auto& s : o.sizes) {
      SHROUD_ASSIGN_OR_RETURN(auto size, parse_size(s));
      report.options.sisa_sizes.push_back(size);
    }
  }
  if (!o.learning.empty()) {   // read and checked before any measurement, so a bad file fails fast
    SHROUD_ASSIGN_OR_RETURN(report.learning, read_learning_results(o.learning));
  }
  if (o.no_msai && o.no_sisa) {   // no image is measured: no detector, no model needed
    if (!report.learning) {
      return make_error(ErrorCode::kInvalidArgument, "--no-msai and --no-sisa leave nothing to report (add --learning DIR)");
    }
    SHROUD_RETURN_IF_ERROR(write_paper_report(report, o.out, o.force));
    fmt::print("wrote {}/report.md (learning on cipher images: {} row(s))\n", o.out, report.learning->rows.size());
    return ok_status();
  }
  // Real images and their detections.
  std::vector<std::string> inputs = o.inputs;
  if (inputs.empty()) inputs.push_back(std::string(kSamples) + "messi5.jpg");
  std::vector<std::string> roots;
  Error err;
  const auto files = expand_inputs(inputs, &roots, &err);
  if (!err.message.empty()) return err;
  if (files.empty()) return make_error(ErrorCode::kInvalidArgument, "no image files given");
  SHROUD_ASSIGN_OR_RETURN(auto detector, make_detector(o.detect, g, true));
  std::vector<MsaiCase> cases;
  if (!o.no_msai) {
    SHROUD_ASSIGN_OR_RETURN(cases, paper_cases());
  }
  cv::Mat scene;
  std::vector<Region> scene_regions;
  for (const auto& f : files) {
    SHROUD_ASSIGN_OR_RETURN(LoadedImage img, read_image(f));
    const cv::Mat pixels = to_8bit(img.pixels);
    Frame frame{pixels, 0, 0.0, f};
    SHROUD_ASSIGN_OR_RETURN(auto regions, detector->detect(frame));
    const std::string name = std::filesystem::path(f).filename().string();
    if (scene.empty()) {
      scene = pixels;
      scene_regions = regions;
      report.sisa_scene = fmt::format("{} ({}x{}, {} detected region(s))", name, pixels.cols, pixels.rows, regions.size());
    }
    if (regions.empty()) spdlog::warn("{}: no region detected; no MSAI case from it", f);
    int n = 0;
    for (const auto& r : regions) {
      const cv::Rect area = r.box & cv::Rect(0, 0, pixels.cols, pixels.rows);
      if (area.empty()) continue;
      MsaiCase c;
      c.image = pixels;
      c.area = area;
      c.source = name;
      c.name = fmt::format("{} {} #{}", name, kind_name(r.kind), ++n);
      cases.push_back(std::move(c));
    }
  }
  if (!o.no_msai) {
    spdlog::info("MSAI: {} case(s), {} masking operations each", cases.size(), o.repeats);
    SHROUD_ASSIGN_OR_RETURN(report.msai, run_msai_report(cases, report.options));
  }
  if (!o.no_sisa) {
    spdlog::info("SISA: {} size(s), {} run(s) each", report.options.sisa_sizes.size(), o.sisa_repeats);
    SHROUD_ASSIGN_OR_RETURN(report.sisa, run_sisa_report(scene, scene_regions, report.options.sisa_sizes, {o.level},
                                                         report.options));
    const cv::Size mid = report.options.sisa_sizes[report.options.sisa_sizes.size() / 2];
    std::vector<int> all;
    for (int l = 1; l <= o.levels; ++l) all.push_back(l);
    SHROUD_ASSIGN_OR_RETURN(report.sisa_levels, run_sisa_report(scene, scene_regions, {mid}, all, report.options));
  }
  SHROUD_RETURN_IF_ERROR(write_paper_report(report, o.out, o.force));
  fmt::print("wrote {}/report.md ({} MSAI case(s), {} SISA size(s))\n", o.out, report.msai.size(), report.sisa.size());
  for (const auto& t : report.sisa) {
    fmt::print("  SISA {}x{} level {}: {:.1f}% altered, AES-CFB encryption saving {:.1f}%, decryption saving {:.1f}%\n",
               t.size.width, t.size.height, t.level, 100.0 * t.covered, 100.0 * t.encrypt_saving(),
               100.0 * t.decrypt_saving());
  }
  return ok_status();
}

}  // namespace cmd_report
}  // namespace

void add_report(CLI::App& app, Globals& g) {
  using namespace cmd_report;
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("report", "reproduce the MSAI and SISA papers' tables and figures (Markdown + PNG)");
  cmd->add_option("images", o->inputs, "images (or folders) whose detections become MSAI cases; the first is the "
                                       "SISA scene (default: OpenCV's messi5.jpg)");
  cmd->add_option("-o,--output", o->out, "report folder (created when missing)")->required();
  cmd->add_option("--repeats", o->repeats, "MSAI Fig. 5: masking operations timed per case (the paper's 100)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--sisa-repeats", o->sisa_repeats, "SISA: timed runs per measurement (median)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--sizes", o->sizes, "SISA image sizes (default 640x480,1280x720,1920x1080,2560x1440,3840x2160)")
      ->delimiter(',');
  cmd->add_option("--level", o->level, "SISA security level for Fig. 6/7 (default 3)");
  cmd->add_option("--levels", o->levels, "SISA number of levels L (default 5)");
  cmd->add_flag("--no-msai", o->no_msai, "skip the MSAI part");
  cmd->add_flag("--no-sisa", o->no_sisa, "skip the SISA part");
  cmd->add_option("--learning", o->learning,
                  "add the perceptual-encryption paper's Table II from DIR/learning.json, written by "
                  "scripts/learning_experiment.py -o DIR (docs/learning.md)");
  cmd->add_flag("--force", o->force, "replace the files of an existing report");
  o->detect.add_to(cmd);
  cmd->callback([o, &g] {
    const Status s = run_report(*o, g);
    if (!s.ok()) g.exit_code = report(s.error());
  });
}

}  // namespace shroud::cli
