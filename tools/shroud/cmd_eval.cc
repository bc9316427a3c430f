// shroud eval [--detector SPEC] [--data DIR] [--set NAME]... [--iou X] [--json]: recall and
// precision of a detector against the labelled face and plate sets (docs/detection.md).
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "shroud/eval.h"
#include "shroud/registry.h"
#include "shroud/video_eval.h"

#include <unistd.h>

#include <filesystem>

namespace shroud::cli {

namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_eval {

struct Opts {
  DetectFlags detect;
  std::string data;
  std::vector<std::string> sets;
  double min_iou = 0.3;
  bool json = false;
  bool list_missed = false;
  bool video = false;
  bool video_plates = false;
  int detect_every = 1;
  int video_height = 360;  // --video clips are rendered at 16:9 of this height
};

// Each exposed (frame, face) as JSON, and as text lines (the first `max_lines`).
nlohmann::json exposed_json(const ExposureResult& r) {
  nlohmann::json a = nlohmann::json::array();
  for (const ExposedFace& e : r.exposed) {
    a.push_back({{"frame", e.frame}, {"x", e.face.x}, {"y", e.face.y}, {"width", e.face.width},
                 {"height", e.face.height}, {"covered", e.covered}});
  }
  return a;
}

void print_exposed(const ExposureResult& r, std::size_t max_lines = 20) {
  for (std::size_t i = 0; i < r.exposed.size() && i < max_lines; ++i) {
    const ExposedFace& e = r.exposed[i];
    fmt::print("  exposed: frame {} at {},{} {}x{}, {:.0f}% covered\n", e.frame, e.face.x, e.face.y, e.face.width,
               e.face.height, 100.0 * e.covered);
  }
  if (r.exposed.size() > max_lines) fmt::print("  ... {} more (--json lists all)\n", r.exposed.size() - max_lines);
}

int eval_video(const Opts& o, Globals& g, const std::filesystem::path& data) {
  const auto tmp = std::filesystem::temp_directory_path() / ("shroud-eval-" + std::to_string(::getpid()));
  std::error_code ec;
  std::filesystem::create_directories(tmp, ec);
  int code = 0;
  nlohmann::json all = nlohmann::json::array();
  for (const bool moving : {true, false}) {
    const std::string name = moving ? "moving-camera" : "static-camera";
    const cv::Size size((o.video_height * 16 / 9 + 1) / 2 * 2, o.video_height);
    const auto dlib = data / "faces" / "dlib_examples_faces";
    auto clip = moving ? make_moving_camera_clip(dlib, (tmp / "clip.mkv").string(), 150, size)
                       : make_static_camera_clip(dlib, (tmp / "clip.mkv").string(), 150, size);
    if (!clip.ok()) {
      code = report(clip.error());
      break;
    }
    DetectorFactory factory = [&]() { return make_detector(o.detect, g, false); };
    VideoProtectOptions vo;
    vo.detect_every = o.detect_every;
    auto r = evaluate_exposure(*clip, factory, vo, (tmp / "out.mkv").string());
    if (!r.ok()) {
      code = report(r.error());
      break;
    }
    if (o.json) {
      all.push_back(nlohmann::json{{"clip", name},
                                   {"width", size.width},
                                   {"height", size.height},
                                   {"frames", r->frames},
                                   {"face_frames", r->face_frames},
                                   {"exposed_face_frames", r->exposed_face_frames},
                                   {"frames_with_exposure", r->frames_with_exposure},
                                   {"exposed", exposed_json(*r)},
                                   {"detect_every", o.detect_every},
                                   {"fps", r->summary.fps}});
    } else {
      fmt::print("{} clip {}x{}, {} frames, detect every {}: {} face-frames (faces >= 16 px), "
                 "{} exposed, {} frames with an exposed face; {:.1f} fps\n",
                 name, size.width, size.height, r->frames, o.detect_every, r->face_frames, r->exposed_face_frames, r->frames_with_exposure,
                 r->summary.fps);
      print_exposed(*r);
    }
  }
  if (o.json && code == 0) fmt::print("{}\n", all.dump());
  std::filesystem::remove_all(tmp, ec);
  return code;
}

// Exposed plate-frames: the plate clip, the plates the detector finds in some frame on its own,
// then the real pipeline (with the detector's cadence) and the frames where such a plate is not
// covered.
int eval_video_plates(const Opts& o, Globals& g, const std::filesystem::path& data) {
  const auto tmp = std::filesystem::temp_directory_path() / ("shroud-eval-" + std::to_string(::getpid()));
  std::error_code ec;
  std::filesystem::create_directories(tmp, ec);
  auto run = [&]() -> Status {
    SHROUD_ASSIGN_OR_RETURN(auto clip, make_moving_plate_clip(data, (tmp / "plates.mkv").string()));
    SHROUD_ASSIGN_OR_RETURN(auto alone, make_detector(o.detect, g, false));
    const int cadence = alone->cadence();
    std::size_t labelled = 0;
    for (const auto& f : clip.faces) labelled += f.size();
    nlohmann::json runs = nlohmann::json::array();
    // Two counts: the plates the model finds on the frames the pipeline runs it on (what tracking
    // and backward extension must then carry through every frame), and the plates it finds on
    // some frame when it runs on all of them (misses of the schedule count too).
    for (const bool every_frame : {false, true}) {
      double cpu_ms = 0.0;
      SHROUD_ASSIGN_OR_RETURN(auto found, keep_found_labels(clip, *alone, Kind::kPlate, every_frame, 0.3, &cpu_ms));
      std::size_t kept = 0;
      for (const auto& f : found.faces) kept += f.size();
      DetectorFactory factory = [&]() { return make_detector(o.detect, g, false); };
      VideoProtectOptions vo;
      vo.detect_every = o.detect_every;
      SHROUD_ASSIGN_OR_RETURN(auto r, evaluate_exposure(found, factory, vo, (tmp / "out.mkv").string()));
      const std::string found_on = every_frame ? "found on any frame" : "found on the scheduled frames";
      runs.push_back(nlohmann::json{{"plates", found_on},
                                    {"frames", r.frames},
                                    {"plate_frames_labelled", labelled},
                                    {"plate_frames_of_found_plates", kept},
                                    {"plate_frames", r.face_frames},
                                    {"exposed_plate_frames", r.exposed_face_frames},
                                    {"frames_with_exposure", r.frames_with_exposure},
                                    {"exposed", exposed_json(r)},
                                    {"detect_every", o.detect_every},
                                    {"cadence", cadence},
                                    {"fps", r.summary.fps}});
      if (every_frame) {
        runs.back()["detector_cpu_ms_per_run"] = cpu_ms;
        runs.back()["detector_cpu_ms_per_frame_amortised"] = cpu_ms / cadence;
      }
      if (!o.json) {
        fmt::print("moving-plates clip 640x360, {} frames, detect every {}, plates {}: {} plate-frames "
                   "(>= 16 px, inside the frame), {} exposed, {} frames with an exposed plate; {:.1f} fps\n",
                   r.frames, o.detect_every, found_on, r.face_frames, r.exposed_face_frames, r.frames_with_exposure,
                   r.summary.fps);
        print_exposed(r);
        if (every_frame) {
          fmt::print("detector alone: {:.1f} ms CPU per run (one thread), cadence {} -> {:.1f} ms per frame amortised\n",
                     cpu_ms, cadence, cpu_ms / cadence);
        }
      }
    }
    if (o.json) fmt::print("{}\n", runs.dump());
    return ok_status();
  };
  const Status st = run();
  std::filesystem::remove_all(tmp, ec);
  return st.ok() ? 0 : report(st.error());
}

}  // namespace cmd_eval
}  // namespace

void add_eval(CLI::App& app, Globals& g) {
  using namespace cmd_eval;
  auto* cmd = app.add_subcommand("eval", "measure detector recall/precision on labelled face and plate sets");
  auto o = std::make_shared<Opts>();
  o->detect.add_to(cmd);
  cmd->add_option("--data", o->data, "data folder laid out like ../shared/data (default: $SHROUD_DATA or ../shared/data)");
  cmd->add_option("--set", o->sets, "only these sets: faces-dlib, faces-small, plates-eu, plates-us, plates-br, text-rendered (only when named) (repeatable)");
  cmd->add_option("--iou", o->min_iou, "minimum IoU for a match (default 0.3)")->check(CLI::Range(0.01, 1.0));
  cmd->add_flag("--json", o->json, "print one JSON object");
  cmd->add_flag("--missed", o->list_missed, "list the images with unmatched labels");
  cmd->add_flag("--video", o->video, "instead: exposed face-frames on generated moving- and static-camera clips (faces >= 16 px)");
  cmd->add_flag("--video-plates", o->video_plates,
                "instead: exposed plate-frames on a generated moving-camera clip over openalpr EU photos (plates the "
                "detector finds in some frame on its own)");
  cmd->add_option("--video-height", o->video_height, "with --video: render the clips at this height, 16:9 (default 360)")
      ->check(CLI::Range(180, 2160));
  cmd->add_option("--detect-every", o->detect_every, "with --video / --video-plates: run the detector every N frames")->check(CLI::Range(1, 1000));
  cmd->callback([&g, o] {
    const std::filesystem::path data = o->data.empty() ? default_data_dir() : std::filesystem::path(o->data);
    if (data.empty()) {
      g.exit_code = report(make_error(ErrorCode::kNotFound, "no data folder: give --data DIR or set $SHROUD_DATA"));
      return;
    }
    if (o->video) {
      g.exit_code = eval_video(*o, g, data);
      return;
    }
    if (o->video_plates) {
      g.exit_code = eval_video_plates(*o, g, data);
      return;
    }
    auto sets = load_standard_datasets(data, o->sets);
    if (!sets.ok()) {
      g.exit_code = report(sets.error());
      return;
    }
    auto det = make_detector(o->detect, g, true);
    if (!det.ok()) {
      g.exit_code = report(det.error());
      return;
    }
    nlohmann::json j;
    j["detector"] = (*det)->name();
    j["min_iou"] = o->min_iou;
    j["data"] = data.string();
    if (!o->json) {
      fmt::print("detector {}  (IoU >= {:.2f}, data {})\n", (*det)->name(), o->min_iou, data.string());
      fmt::print("{:<11} {:>6} {:>9} {:>10} {:>8} {:>8} {:>10}\n", "set", "images", "labelled", "detections",
                 "recall", "precis.", "ms/image");
    }
    for (const auto& ds : *sets) {
      auto r = evaluate(**det, ds, o->min_iou);
      if (!r.ok()) {
        g.exit_code = report(r.error());
        return;
      }
      const double ms = r->images > 0 ? 1000.0 * r->seconds / r->images : 0.0;
      if (o->json) {
        j["sets"].push_back({{"name", r->dataset},
                             {"kind", std::string(kind_name(r->kind))},
                             {"images", r->images},
                             {"labelled", r->counts.labelled},
                             {"detections", r->counts.detected},
                             {"matched", r->counts.matched},
                             {"recall", r->counts.recall()},
                             {"precision", r->counts.precision()},
                             {"ms_per_image", ms},
                             {"missed", r->missed}});
        for (const auto& b : r->bands) {
          if (b.labelled == 0) continue;
          j["sets"].back()["bands"].push_back(
              {{"min_width", b.min_width}, {"max_width", b.max_width}, {"labelled", b.labelled}, {"matched", b.matched}, {"recall", b.recall()}});
        }
      } else {
        fmt::print("{:<11} {:>6} {:>9} {:>10} {:>8.3f} {:>8.3f} {:>10.1f}\n", r->dataset, r->images,
                   r->counts.labelled, r->counts.detected, r->counts.recall(), r->counts.precision(), ms);
        std::string bands;
        for (const auto& b : r->bands) {
          if (b.labelled == 0) continue;
          bands += b.max_width > 0 ? fmt::format("  {}-{}px {:.3f} ({}/{})", b.min_width, b.max_width, b.recall(), b.matched, b.labelled)
                                   : fmt::format("  >={}px {:.3f} ({}/{})", b.min_width, b.recall(), b.matched, b.labelled);
        }
        if (!bands.empty()) fmt::print("  recall by face width:{}\n", bands);
        if (o->list_missed && !r->missed.empty()) {
          std::string list;
          for (const auto& m : r->missed) list += " " + m;
          fmt::print("  missed:{}\n", list);
        }
      }
      std::fflush(stdout);
    }
    if (o->json) fmt::print("{}\n", j.dump());
  });
}

}  // namespace shroud::cli
