// shroud msai cloud|camera|datacenter ...: the MSAI three-party protocol with files as messages
// (library: include/shroud/schemes/msai.h; formats: docs/schemes.md).
//
//   camera      request IN [--region x,y,w,h | detector flags] [-o REQUEST]
//   cloud       (--rows R --cols C [--channels N] | --request REQUEST) [--scheme msai-l|msai-paper]
//               (--key-out KEY | --key KEY) --membrane-out MEMBRANE
//   datacenter  tau -o TAU [--block-size 8]
//   camera      protect IN --membrane MEMBRANE --tau TAU [--region | detector flags] [--frame N]
//               -o VISIBLE.png --payload PAYLOAD
//   datacenter  recover VISIBLE --payload PAYLOAD --key KEY --tau TAU -o OUT
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "commands.h"
#include "shroud/image_io.h"
#include "shroud/schemes/msai.h"

namespace fs = std::filesystem;

namespace shroud::cli {
namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_msai {

using namespace shroud::schemes;

constexpr std::int64_t kMaxKeyFile = 64 * 1024;
constexpr std::int64_t kMaxMessageFile = 600LL * 1024 * 1024;

// Runs `body`; an error becomes the exit code.
template <typename F>
void run(Globals& g, F&& body) {
  const Status s = body();
  if (!s.ok()) g.exit_code = report(s.error());
}

Result<cv::Rect> parse_region(const std::vector<int>& v) {
  if (v.size() != 4 || v[2] <= 0 || v[3] <= 0 || v[0] < 0 || v[1] < 0) {
    return make_error(ErrorCode::kInvalidArgument, "--region takes x,y,w,h with w, h > 0");
  }
  return cv::Rect(v[0], v[1], v[2], v[3]);
}

struct AreaFlags {
  std::vector<int> region;
  DetectFlags detect;
  std::vector<std::string> kinds;
  void add_to(CLI::App* cmd) {
    cmd->add_option("--region", region, "sensitive area x,y,w,h (instead of detection)")->delimiter(',')->expected(4);
    detect.add_to(cmd);
    cmd->add_option("--kind", kinds, "only regions of these kinds form the area (default: all found)")
        ->delimiter(',');
  }
};

// The sensitive area: --region, or the bounding box of every detected region (clipped).
Result<cv::Rect> find_area(const AreaFlags& f, const Globals& g, const cv::Mat& image, const std::string& path) {
  const cv::Rect bounds(0, 0, image.cols, image.rows);
  if (!f.region.empty()) {
    SHROUD_ASSIGN_OR_RETURN(cv::Rect r, parse_region(f.region));
    if ((r & bounds) != r) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("--region {},{},{},{} is outside the {}x{} image", r.x,
                                                                 r.y, r.width, r.height, image.cols, image.rows));
    }
    return r;
  }
  std::vector<Kind> kinds;
  for (const auto& k : f.kinds) {
    SHROUD_ASSIGN_OR_RETURN(Kind kind, parse_kind(k));
    kinds.push_back(kind);
  }
  SHROUD_ASSIGN_OR_RETURN(auto detector, make_detector(f.detect, g, true));
  Frame frame{image, 0, 0.0, path};
  SHROUD_ASSIGN_OR_RETURN(auto regions, detector->detect(frame));
  cv::Rect area;
  for (const auto& r : regions) {
    if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), r.kind) == kinds.end()) continue;
    const cv::Rect box = r.box & bounds;
    if (box.area() == 0) continue;
    area = area.area() == 0 ? box : (area | box);
  }
  if (area.area() == 0) {
    return make_error(ErrorCode::kNotFound, "no sensitive area found in '" + path + "'; give one with --region x,y,w,h");
  }
  return area;
}

Status check_new_output(const std::string& path, bool force) {
  std::error_code ec;
  if (fs::exists(fs::symlink_status(path, ec)) && !force) {
    return make_error(ErrorCode::kInvalidArgument, "'" + path + "' already exists (use --force to overwrite)");
  }
  return ok_status();
}

Result<MsaiKey> load_key(const std::string& path) {
  SHROUD_ASSIGN_OR_RETURN(auto bytes, read_secret_file(path, kMaxKeyFile));
  return msai_key_from_json(std::string(bytes.begin(), bytes.end()));
}

Result<MsaiTauKey> load_tau(const std::string& path) {
  SHROUD_ASSIGN_OR_RETURN(auto bytes, read_secret_file(path, kMaxKeyFile));
  return msai_tau_from_json(std::string(bytes.begin(), bytes.end()));
}

void add_cloud(CLI::App& msai, Globals& g) {
  auto* cmd = msai.add_subcommand("cloud", "cloud platform: make the key k and a membrane for an r x c area");
  struct Opts {
    int rows = 0, cols = 0, channels = 3;
    std::string request, scheme = "msai-l", key_out, key_in, membrane_out;
    bool force = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--rows", o->rows, "area rows")->check(CLI::PositiveNumber);
  cmd->add_option("--cols", o->cols, "area columns")->check(CLI::PositiveNumber);
  cmd->add_option("--channels", o->channels, "channels of the camera's images (1..4)")->check(CLI::Range(1, 4));
  cmd->add_option("--request", o->request, "area request file from `shroud msai camera request`");
  cmd->add_option("--scheme", o->scheme, "msai-l (lossless, default) or msai-paper (the paper's lossy form)");
  auto* kout = cmd->add_option("--key-out", o->key_out, "write a NEW key k here (mode 0600; for the data centre)");
  auto* kin = cmd->add_option("--key", o->key_in, "use this existing key (membranes for further frames)");
  kout->excludes(kin);
  cmd->add_option("--membrane-out", o->membrane_out, "membrane file (for the camera, mode 0600)")->required();
  cmd->add_flag("--force", o->force, "overwrite existing outputs");
  cmd->callback([&g, o] {
    run(g, [&]() -> Status {
      if (o->key_out.empty() == o->key_in.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "give --key-out (new key) or --key (existing key)");
      }
      int rows = o->rows, cols = o->cols, channels = o->channels;
      if (!o->request.empty()) {
        if (rows || cols) return make_error(ErrorCode::kInvalidArgument, "--request replaces --rows/--cols");
        SHROUD_ASSIGN_OR_RETURN(auto bytes, read_file(o->request, kMaxKeyFile));
        nlohmann::json j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
        if (j.is_discarded()) return make_error(ErrorCode::kCorrupt, "'" + o->request + "' is not JSON");
        SHROUD_ASSIGN_OR_RETURN(auto req, MsaiAreaRequest::from_json(j));
        rows = req.rows;
        cols = req.cols;
        channels = req.channels;
      }
      if (rows <= 0 || cols <= 0) return make_error(ErrorCode::kInvalidArgument, "give --rows and --cols, or --request");
      SHROUD_ASSIGN_OR_RETURN(MsaiScheme scheme, parse_msai_scheme(o->scheme));
      SHROUD_RETURN_IF_ERROR(check_new_output(o->membrane_out, o->force));
      MsaiKey key;
      if (!o->key_in.empty()) {
        SHROUD_ASSIGN_OR_RETURN(key, load_key(o->key_in));
        if (key.scheme != scheme) {
          return make_error(ErrorCode::kInvalidArgument, std::string("the key is for ") + msai_scheme_name(key.scheme));
        }
      } else {
        SHROUD_RETURN_IF_ERROR(check_new_output(o->key_out, o->force));
        SHROUD_ASSIGN_OR_RETURN(key, msai_generate_key(scheme));
      }
      SHROUD_ASSIGN_OR_RETURN(MsaiMembrane membrane, msai_cloud_membrane(key, rows, cols, channels));
      if (!o->key_out.empty()) SHROUD_RETURN_IF_ERROR(write_secret_file(o->key_out, msai_key_to_json(key), o->force));
      const Status s = write_secret_file(o->membrane_out, serialize_membrane(membrane), o->force);
      if (!s.ok()) {
        if (!o->key_out.empty()) fs::remove(o->key_out);
        return s;
      }
      spdlog::info("{} membrane {}x{}x{} written to {}", msai_scheme_name(scheme), cols, rows, channels,
                   o->membrane_out);
      return ok_status();
    });
  });
}

void add_datacenter(CLI::App& msai, Globals& g) {
  auto* dc = msai.add_subcommand("datacenter", "data centre: make the block permutation key; recover frames");
  dc->require_subcommand(1);

  auto* tau = dc->add_subcommand("tau", "make the block permutation key tau (for the camera, mode 0600)");
  struct TauOpts {
    std::string out;
    int block_size = kDefaultBlockSize;
    bool force = false;
  };
  auto t = std::make_shared<TauOpts>();
  tau->add_option("-o,--output", t->out, "tau file")->required();
  tau->add_option("--block-size", t->block_size, "block size in pixels")->check(CLI::Range(1, kMaxBlockSize));
  tau->add_flag("--force", t->force, "overwrite an existing file");
  tau->callback([&g, t] {
    run(g, [&]() -> Status {
      SHROUD_ASSIGN_OR_RETURN(MsaiTauKey key, msai_generate_tau(t->block_size));
      SHROUD_RETURN_IF_ERROR(write_secret_file(t->out, msai_tau_to_json(key), t->force));
      spdlog::info("tau key ({}x{} blocks) written to {}", t->block_size, t->block_size, t->out);
      return ok_status();
    });
  });

  auto* rec = dc->add_subcommand("recover", "unscramble and unmask a camera frame");
  struct RecOpts {
    std::string visible, payload, key, tau, out;
    bool force = false;
  };
  auto r = std::make_shared<RecOpts>();
  rec->add_option("visible", r->visible, "visible (scrambled) image from the camera")->required();
  rec->add_option("--payload", r->payload, "payload file from the camera")->required();
  rec->add_option("--key", r->key, "key file k from the cloud")->required();
  rec->add_option("--tau", r->tau, "tau file")->required();
  rec->add_option("-o,--output", r->out, "recovered image")->required();
  rec->add_flag("--force", r->force, "overwrite an existing output");
  rec->callback([&g, r] {
    run(g, [&]() -> Status {
      SHROUD_ASSIGN_OR_RETURN(std::string format, format_from_path(r->out));
      SHROUD_RETURN_IF_ERROR(check_new_output(r->out, r->force));
      SHROUD_ASSIGN_OR_RETURN(MsaiKey key, load_key(r->key));
      SHROUD_ASSIGN_OR_RETURN(MsaiTauKey tau_key, load_tau(r->tau));
      SHROUD_ASSIGN_OR_RETURN(auto payload_bytes, read_file(r->payload, kMaxMessageFile));
      SHROUD_ASSIGN_OR_RETURN(MsaiPayload payload, parse_payload(payload_bytes));
      SHROUD_ASSIGN_OR_RETURN(LoadedImage visible, read_image(r->visible));
      SHROUD_ASSIGN_OR_RETURN(cv::Mat frame, msai_datacenter_recover(visible.pixels, payload, key, tau_key));
      SHROUD_ASSIGN_OR_RETURN(auto bytes, encode_image(frame, format));
      WriteOptions wo;
      wo.overwrite = r->force;
      SHROUD_RETURN_IF_ERROR(write_file_atomic(r->out, bytes, wo));
      spdlog::info("recovered {} ({}x{}) written to {}", r->visible, frame.cols, frame.rows, r->out);
      return ok_status();
    });
  });
}

void add_camera(CLI::App& msai, Globals& g) {
  auto* cam = msai.add_subcommand("camera", "camera: request a membrane for the sensitive area; protect a frame");
  cam->require_subcommand(1);

  auto* req = cam->add_subcommand("request", "find the sensitive area and write its size for the cloud");
  struct ReqOpts {
    std::string input, out;
    AreaFlags area;
    bool force = false;
  };
  auto q = std::make_shared<ReqOpts>();
  req->add_option("input", q->input, "image")->required();
  q->area.add_to(req);
  req->add_option("-o,--output", q->out, "request file (default: print to stdout)");
  req->add_flag("--force", q->force, "overwrite an existing file");
  req->callback([&g, q] {
    run(g, [&]() -> Status {
      SHROUD_ASSIGN_OR_RETURN(LoadedImage img, read_image(q->input));
      SHROUD_ASSIGN_OR_RETURN(cv::Rect area, find_area(q->area, g, img.pixels, q->input));
      MsaiAreaRequest request{area.height, area.width, img.pixels.channels()};
      nlohmann::json j = request.to_json();
      j["area"] = {area.x, area.y, area.width, area.height};   // informative; the cloud needs the size only
      const std::string text = j.dump() + "\n";
      if (q->out.empty()) {
        fmt::print("{}", text);
        return ok_status();
      }
      WriteOptions wo;
      wo.overwrite = q->force;
      return write_file_atomic(q->out, std::vector<std::uint8_t>(text.begin(), text.end()), wo);
    });
  });

  auto* prot = cam->add_subcommand("protect", "mask the sensitive area and scramble the frame");
  struct ProtOpts {
    std::string input, membrane, tau, out, payload;
    AreaFlags area;
    std::int64_t frame = 0;
    bool force = false;
  };
  auto p = std::make_shared<ProtOpts>();
  prot->add_option("input", p->input, "image")->required();
  prot->add_option("--membrane", p->membrane, "membrane file from the cloud")->required();
  prot->add_option("--tau", p->tau, "tau file from the data centre")->required();
  p->area.add_to(prot);
  prot->add_option("--frame", p->frame, "frame index (selects the per-frame permutation)")->check(CLI::NonNegativeNumber);
  prot->add_option("-o,--output", p->out, "visible image (PNG)")->required();
  prot->add_option("--payload", p->payload, "payload file for the data centre")->required();
  prot->add_flag("--force", p->force, "overwrite existing outputs");
  prot->callback([&g, p] {
    run(g, [&]() -> Status {
      SHROUD_ASSIGN_OR_RETURN(std::string format, format_from_path(p->out));
      if (format != "png") {
        return make_error(ErrorCode::kInvalidArgument, "the visible image must be PNG (lossless): " + p->out);
      }
      if (fs::absolute(p->out) == fs::absolute(p->payload)) {
        return make_error(ErrorCode::kInvalidArgument, "--output and --payload are the same file");
      }
      SHROUD_RETURN_IF_ERROR(check_new_output(p->out, p->force));
      SHROUD_RETURN_IF_ERROR(check_new_output(p->payload, p->force));
      SHROUD_ASSIGN_OR_RETURN(auto membrane_bytes, read_secret_file(p->membrane, kMaxMessageFile));
      SHROUD_ASSIGN_OR_RETURN(MsaiMembrane membrane, parse_membrane(membrane_bytes));
      SHROUD_ASSIGN_OR_RETURN(MsaiTauKey tau, load_tau(p->tau));
      SHROUD_ASSIGN_OR_RETURN(LoadedImage img, read_image(p->input));
      SHROUD_ASSIGN_OR_RETURN(cv::Rect area, find_area(p->area, g, img.pixels, p->input));
      if (area.width > membrane.cols || area.height > membrane.rows) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("the sensitive area is {}x{} but the membrane only {}x{}; request a new one",
                                      area.width, area.height, membrane.cols, membrane.rows));
      }
      SHROUD_ASSIGN_OR_RETURN(MsaiCameraOutput out, msai_camera_protect(img.pixels, area, membrane, tau, p->frame));
      SHROUD_ASSIGN_OR_RETURN(auto png, encode_image(out.visible, "png"));
      WriteOptions wo;
      wo.overwrite = p->force;
      SHROUD_RETURN_IF_ERROR(write_file_atomic(p->payload, serialize_payload(out.payload), wo));
      const Status s = write_file_atomic(p->out, png, wo);
      if (!s.ok()) {
        fs::remove(p->payload);
        return s;
      }
      spdlog::info("area [{}, {}, {}, {}] masked with {}; visible image {}, payload {}", area.x, area.y, area.width,
                   area.height, msai_scheme_name(membrane.scheme), p->out, p->payload);
      return ok_status();
    });
  });
}

}  // namespace cmd_msai
}  // namespace

void add_msai(CLI::App& app, Globals& g) {
  using namespace cmd_msai;
  auto* msai = app.add_subcommand(
      "msai", "MSAI three-party masking (cloud, camera, data centre). Obfuscation only: see docs/schemes.md");
  msai->require_subcommand(1);
  add_cloud(*msai, g);
  add_camera(*msai, g);
  add_datacenter(*msai, g);
}

}  // namespace shroud::cli
