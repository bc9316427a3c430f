// shroud msai-fleet camera|cloud|datacenter|restore: MSAI's three parties as services on NATS
// JetStream (src/fleet/msai_parties.h, docs/fleet.md "MSAI's parties"). Flags and printing only.
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "commands.h"
#include "fleet/msai_parties.h"
#include "fleet/nats_client.h"
#include "fleet_flags.h"
#include "shroud/detector.h"
#include "shroud/engine.h"
#include "shroud/image_io.h"

namespace shroud::cli {
namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_msai_fleet {

// The keyset's recipient key: `id` when given, else the only/first X25519 key.
Result<std::uint32_t> recipient_id(const Keyset& ks, std::uint32_t id, const std::string& path) {
  for (const auto& k : ks.keys()) {
    if (k.algorithm == KeyAlgorithm::kRecipientX25519 && (id == 0 || k.id == id)) return k.id;
  }
  return make_error(ErrorCode::kNotFound, "'" + path + "' has no recipient key" + (id ? " " + std::to_string(id) : "") +
                                              " (shroud keygen FILE --recipient PUB)");
}

int finish(const Status& s) {
  fleet::close_nats_library();
  return s.ok() ? 0 : report(s.error());
}

void add_camera_party(CLI::App& parent, Globals& g) {
  auto* cmd = parent.add_subcommand("camera", "mask the sensitive area, scramble, publish (camera party)");
  struct Opts {
    std::string url, camera, keyset, input;
    std::uint32_t key_id = 0;
    std::vector<int> region;
    DetectFlags detect;
    std::int64_t first = 0;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--nats", o->url, "NATS server URL")->required();
  cmd->add_option("--camera", o->camera, "camera id (registered with the data centre)")->required();
  cmd->add_option("--keyset", o->keyset, "the camera's keyset with its recipient key pair (opens membranes and tau)")->required();
  cmd->add_option("--key-id", o->key_id, "recipient key id in the keyset (default: the first)");
  cmd->add_option("--region", o->region, "fixed sensitive area x,y,w,h (instead of detection)")->delimiter(',')->expected(4);
  o->detect.add_to(cmd);
  cmd->add_option("--first-index", o->first, "index of the first frame")->check(CLI::NonNegativeNumber);
  cmd->add_option("input", o->input, "image file or folder of frames (sorted by path)")->required();
  cmd->callback([&g, o] {
    g.exit_code = finish([&]() -> Status {
      SHROUD_ASSIGN_OR_RETURN(Keyset ks, load_keyset(o->keyset));
      SHROUD_ASSIGN_OR_RETURN(std::uint32_t kid, recipient_id(ks, o->key_id, o->keyset));
      SHROUD_ASSIGN_OR_RETURN(auto files, expand_image_inputs({o->input}));
      if (files.empty()) return make_error(ErrorCode::kNotFound, "'" + o->input + "': no image files");
      fleet::MsaiCameraOptions c;
      c.url = o->url;
      c.camera = o->camera;
      c.first_index = o->first;
      c.keyset = &ks;
      c.key_id = kid;
      for (const auto& f : files) c.frames.push_back(f.path);
      std::unique_ptr<Detector> detector;
      if (o->region.empty()) {
        SHROUD_ASSIGN_OR_RETURN(detector, make_detector(o->detect, g, true));
      } else if (o->region[2] <= 0 || o->region[3] <= 0 || o->region[0] < 0 || o->region[1] < 0) {
        return make_error(ErrorCode::kInvalidArgument, "--region takes x,y,w,h with w, h > 0");
      }
      c.find_area = [&](const cv::Mat& image, const std::string& path) -> Result<cv::Rect> {
        const cv::Rect bounds(0, 0, image.cols, image.rows);
        if (!detector) {
          const cv::Rect r(o->region[0], o->region[1], o->region[2], o->region[3]);
          if ((r & bounds) != r) return make_error(ErrorCode::kInvalidArgument, "--region is outside '" + path + "'");
          return r;
        }
        SHROUD_ASSIGN_OR_RETURN(auto regions, detector->detect(Frame{image, 0, 0.0, path}));
        cv::Rect area;
        for (const auto& r : regions) {
          const cv::Rect b = r.box & bounds;
          if (b.area() > 0) area = area.area() == 0 ? b : (area | b);
        }
        return area;   // empty: nothing masked, the frame is still scrambled
      };
      c.on_event = [](const std::string& m) { spdlog::debug("camera: {}", m); };
      SHROUD_ASSIGN_OR_RETURN(auto rep, fleet::run_msai_camera(c));
      spdlog::info("msai camera {}: {} frames masked and published ({} already stored, {} bytes)", o->camera,
                   rep.published, rep.duplicates, rep.bytes);
      return ok_status();
    }());
  });
}

void add_cloud_party(CLI::App& parent, Globals& g) {
  auto* cmd = parent.add_subcommand("cloud", "store masked frames durably and serve them (cloud platform; holds no key)");
  auto o = std::make_shared<fleet::MsaiCloudOptions>();
  auto idle = std::make_shared<double>(0);
  cmd->add_option("--nats", o->url, "NATS server URL")->required();
  cmd->add_option("--store", o->store_dir, "folder for the masked frames")->required();
  cmd->add_option("--idle-exit", *idle, "stop after this many seconds without work")->check(CLI::Range(0.1, 1e6));
  cmd->add_option("--ack-wait", o->ack_wait_ms, "ack wait in ms")->check(CLI::Range(100, 3600000));
  cmd->callback([&g, o, idle] {
    o->idle_exit_ms = static_cast<std::int64_t>(*idle * 1000);
    install_stop_signals();
    o->stop = stop_requested;
    o->on_event = [](const std::string& m) { spdlog::info("cloud: {}", m); };
    auto rep = fleet::run_msai_cloud(*o);
    if (rep.ok()) {
      spdlog::info("cloud: {} stored, {} already stored, {} dead letters, {} served", rep->stored, rep->already_stored,
                   rep->dead, rep->served);
    }
    g.exit_code = finish(rep.ok() ? ok_status() : Status(rep.error()));
  });
}

Status parse_camera_pins(const std::vector<std::string>& pins, std::map<std::string, RecipientKey>& out) {
  for (const auto& p : pins) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return make_error(ErrorCode::kInvalidArgument, "--camera takes ID=PUBLIC_KEY_FILE, not '" + p + "'");
    }
    SHROUD_ASSIGN_OR_RETURN(RecipientKey k, load_recipient_key(p.substr(eq + 1)));
    out[p.substr(0, eq)] = k;
  }
  return ok_status();
}

void add_datacenter_party(CLI::App& parent, Globals& g) {
  auto* cmd = parent.add_subcommand("datacenter", "hold k and tau, issue membranes, restore for authorised requesters");
  struct Opts {
    fleet::MsaiDatacenterOptions d;
    std::vector<std::string> cameras, authorized;
    double idle = 0;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--nats", o->d.url, "NATS server URL")->required();
  cmd->add_option("--state", o->d.state_dir, "folder for k and the tau keys (created, mode 0700)")->required();
  cmd->add_option("--camera", o->cameras, "a camera it serves: ID=PUBLIC_KEY_FILE (its keygen --recipient file)")->required();
  cmd->add_option("--authorize", o->authorized, "public key file of a requester allowed to restore (repeatable)");
  cmd->add_option("--idle-exit", o->idle, "stop after this many seconds without a request")->check(CLI::Range(0.1, 1e6));
  cmd->callback([&g, o] {
    g.exit_code = finish([&]() -> Status {
      SHROUD_RETURN_IF_ERROR(parse_camera_pins(o->cameras, o->d.cameras));
      for (const auto& f : o->authorized) {
        SHROUD_ASSIGN_OR_RETURN(RecipientKey k, load_recipient_key(f));
        o->d.authorized.push_back(k);
      }
      o->d.idle_exit_ms = static_cast<std::int64_t>(o->idle * 1000);
      install_stop_signals();
      o->d.stop = stop_requested;
      o->d.on_event = [](const std::string& m) { spdlog::info("datacenter: {}", m); };
      SHROUD_ASSIGN_OR_RETURN(auto rep, fleet::run_msai_datacenter(o->d));
      spdlog::info("datacenter: {} membranes issued, {} frames restored, {} requests refused", rep.membranes,
                   rep.restored, rep.refused);
      return ok_status();
    }());
  });
}

void add_restore(CLI::App& parent, Globals& g) {
  auto* cmd = parent.add_subcommand("restore", "ask the data centre for an original frame (authorised requester)");
  struct Opts {
    std::string url, camera, keyset, out;
    std::int64_t frame = 0;
    std::uint32_t key_id = 0;
    double timeout = 20;
    bool force = false;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("--nats", o->url, "NATS server URL")->required();
  cmd->add_option("--camera", o->camera, "camera id")->required();
  cmd->add_option("--frame", o->frame, "frame index")->required()->check(CLI::NonNegativeNumber);
  cmd->add_option("--keyset", o->keyset, "your keyset (its recipient key must be authorised)")->required();
  cmd->add_option("--key-id", o->key_id, "recipient key id in the keyset (default: the first)");
  cmd->add_option("-o,--output", o->out, "the original frame (PNG)")->required();
  cmd->add_option("--timeout", o->timeout, "seconds to wait for the data centre")->check(CLI::Range(0.1, 3600.0));
  cmd->add_flag("-f,--force", o->force, "overwrite an existing output");
  cmd->callback([&g, o] {
    g.exit_code = finish([&]() -> Status {
      SHROUD_RETURN_IF_ERROR(check_write_target(o->out, o->force));
      SHROUD_ASSIGN_OR_RETURN(Keyset ks, load_keyset(o->keyset));
      SHROUD_ASSIGN_OR_RETURN(std::uint32_t kid, recipient_id(ks, o->key_id, o->keyset));
      SHROUD_ASSIGN_OR_RETURN(auto png, fleet::msai_request_restore(o->url, o->camera, o->frame, ks, kid,
                                                                     static_cast<std::int64_t>(o->timeout * 1000)));
      WriteOptions wo;
      wo.overwrite = o->force;
      wo.mode = 0600;
      SHROUD_RETURN_IF_ERROR(write_file_atomic(o->out, png, wo));
      spdlog::info("camera {} frame {} restored to {}", o->camera, o->frame, o->out);
      return ok_status();
    }());
  });
}

}  // namespace cmd_msai_fleet
}  // namespace

void add_msai_fleet(CLI::App& app, Globals& g) {
  using namespace cmd_msai_fleet;
  auto* cmd = app.add_subcommand("msai-fleet", "MSAI's camera, cloud and data centre as services on NATS (docs/fleet.md)");
  cmd->require_subcommand(1);
  add_camera_party(*cmd, g);
  add_cloud_party(*cmd, g);
  add_datacenter_party(*cmd, g);
  add_restore(*cmd, g);
}

}  // namespace shroud::cli
