// The MSAI cloud platform (msai_parties.h): the durable consumer of the masked frames; stores
// each one (atomic write + fsync) before acknowledging it; serves stored frames on request.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/json_number.h"
#include "fleet/msai_internal.h"
#include "fleet/msai_parties.h"
#include "fleet/wire.h"
#include "shroud/image_io.h"

namespace fs = std::filesystem;

namespace shroud::fleet {

using namespace msai_detail;

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::int64_t kMaxStored = 256LL * 1024 * 1024;

std::string stored_path(const std::string& dir, const std::string& camera, std::int64_t index) {
  char name[40];
  std::snprintf(name, sizeof name, "frame-%012lld.msai", static_cast<long long>(index));
  return (fs::path(dir) / camera / name).string();
}

class Cloud {
 public:
  Cloud(const MsaiCloudOptions& o, NatsClient& nc, std::int64_t max_deliver) : o_(o), nc_(nc), max_deliver_(max_deliver) {}

  // One masked frame: checked, stored durably, then acknowledged; a bad one is dead-lettered.
  Status handle(Message& msg, MsaiCloudReport& rep) {
    const std::string subject = msg.subject();
    const std::string prefix = "shroud.msai.masked.";
    const std::string camera = subject.rfind(prefix, 0) == 0 ? subject.substr(prefix.size()) : std::string();
    if (!check_camera_id(camera).ok()) {   // e.g. shroud.msai.masked.a.b: no camera subject to use
      return dead(msg, "_invalid", "subject '" + subject.substr(0, 200) + "' does not name a valid camera id", rep);
    }
    if (msg.header(kHeaderCamera) != camera) {
      return dead(msg, camera, "Shroud-Camera header does not match the subject's camera", rep);
    }
    auto index = parse_frame_index(msg.header(kHeaderFrame));
    if (!index.ok()) return dead(msg, camera, "bad frame header: " + index.error().message, rep);
    auto frame = unpack_masked_frame(msg.data(), *index);
    if (!frame.ok()) return dead(msg, camera, frame.error().message, rep);
    auto visible = decode_image(frame->visible_png);
    if (!visible.ok()) return dead(msg, camera, "visible image: " + visible.error().message, rep);
    if (visible->pixels.size() != frame->payload.scramble.output_size()) {
      return dead(msg, camera, "visible image size does not match the payload's scramble record", rep);
    }
    const std::string path = stored_path(o_.store_dir, camera, *index);
    std::error_code ec;
    const std::vector<std::uint8_t> body(msg.data().begin(), msg.data().end());
    if (fs::exists(path, ec)) {
      ++rep.already_stored;   // redelivered after a crash, or re-sent: the first copy stays
    } else {
      fs::create_directories(fs::path(path).parent_path(), ec);
      Status s = ec ? Status(make_error(ErrorCode::kIo, "cannot create " + fs::path(path).parent_path().string() +
                                                             ": " + ec.message()))
                    : write_file_atomic(path, body);
      if (!s.ok()) {   // disk full, ...: retry later, then dead-letter
        if (msg.num_delivered() + 1 >= static_cast<std::uint64_t>(max_deliver_)) {
          return dead(msg, camera, "cannot store: " + s.error().message, rep);
        }
        log(camera + " frame " + std::to_string(*index) + ": cannot store (" + s.error().message + "); retrying");
        return msg.nak(1000);
      }
      ++rep.stored;
    }
    SHROUD_RETURN_IF_ERROR(msg.ack_sync());
    log(camera + " frame " + std::to_string(*index) + ": stored " + std::to_string(body.size()) + " bytes");
    return ok_status();
  }

  // shroud.msai.cloud.get {"camera": ID, "frame": N} -> the stored message body.
  void serve(const Message& req, MsaiCloudReport& rep) {
    auto body = [&]() -> Result<std::vector<std::uint8_t>> {
      const auto d = req.data();
      const nlohmann::json j = nlohmann::json::parse(d.begin(), d.end(), nullptr, false);
      if (!j.is_object() || !j.contains("camera") || !j["camera"].is_string() || !j.contains("frame")) {
        return make_error(ErrorCode::kInvalidArgument, "request: want {\"camera\": ID, \"frame\": N}");
      }
      const std::string camera = j["camera"].get<std::string>();
      SHROUD_RETURN_IF_ERROR(check_camera_id(camera));
      std::int64_t index = -1;
      try {
        index = detail::json_int64(j["frame"]);
      } catch (const std::exception&) {
      }
      if (index < 0) return make_error(ErrorCode::kInvalidArgument, "request: frame must be an integer >= 0");
      const std::string path = stored_path(o_.store_dir, camera, index);
      std::error_code ec;
      if (!fs::exists(path, ec)) {
        return make_error(ErrorCode::kNotFound, "camera " + camera + " frame " + std::to_string(index) + " is not stored");
      }
      return read_file(path, kMaxStored);
    }();
    Status s = body.ok() ? nc_.respond(req, *body, {}) : respond_error(nc_, req, body.error());
    if (body.ok()) ++rep.served;
    if (!s.ok()) log("reply failed: " + s.error().message);
  }

  void log(const std::string& m) const {
    if (o_.on_event) o_.on_event(m);
  }

 private:
  Status dead(Message& msg, const std::string& camera, const std::string& error, MsaiCloudReport& rep) {
    Headers h;
    for (const char* k : {kHeaderCamera, kHeaderFrame}) {
      const std::string v = msg.header(k);
      if (!v.empty()) h.emplace_back(k, v.substr(0, 100));
    }
    h.emplace_back(kHeaderError, error.substr(0, 1000));
    h.emplace_back(kHeaderDelivered, std::to_string(msg.num_delivered()));
    auto pub = nc_.publish(msai_dead_subject(camera), msg.data(), h,
                           "dead-msai-" + camera + "-seq" + std::to_string(msg.stream_sequence()));
    if (!pub.ok()) {
      log(camera + ": cannot store a dead letter (" + pub.error().message + "); retrying");
      return msg.nak(1000);
    }
    ++rep.dead;
    log(camera + " message " + std::to_string(msg.stream_sequence()) + ": dead letter: " + error);
    return msg.ack_sync();
  }

  const MsaiCloudOptions& o_;
  NatsClient& nc_;
  std::int64_t max_deliver_;
};

}  // namespace

Result<MsaiCloudReport> run_msai_cloud(const MsaiCloudOptions& o) {
  if (o.store_dir.empty()) return make_error(ErrorCode::kInvalidArgument, "the cloud needs a store folder");
  if (o.max_attempts < 1 || o.ack_wait_ms < 100) {
    return make_error(ErrorCode::kInvalidArgument, "max attempts >= 1, ack wait >= 100 ms");
  }
  std::error_code ec;
  fs::create_directories(o.store_dir, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot create " + o.store_dir + ": " + ec.message());
  SHROUD_ASSIGN_OR_RETURN(NatsClient nc, NatsClient::connect(o.url));
  SHROUD_RETURN_IF_ERROR(ensure_msai_streams(nc));
  ConsumerSpec cs;
  cs.stream = kMsaiStream;
  cs.durable = kMsaiCloudDurable;
  cs.filter = "shroud.msai.masked.>";
  cs.ack_wait_ms = o.ack_wait_ms;
  cs.max_deliver = o.max_attempts + 1;
  SHROUD_ASSIGN_OR_RETURN(ConsumerLimits limits, nc.ensure_consumer(cs));
  SHROUD_ASSIGN_OR_RETURN(PullSubscription sub, nc.pull_subscribe(cs.stream, cs.durable, cs.filter));
  SHROUD_ASSIGN_OR_RETURN(PullSubscription gets, nc.subscribe(kMsaiCloudGet, "shroud-msai-cloud"));
  Cloud cloud(o, nc, limits.max_deliver);
  MsaiCloudReport rep;
  cloud.log("cloud ready: consumer " + cs.durable + ", store " + o.store_dir);
  auto last_work = Clock::now();
  while (!(o.stop && o.stop())) {
    bool worked = false;
    auto msgs = sub.fetch(8, 100);
    if (!msgs.ok()) {
      cloud.log("fetch: " + msgs.error().message + "; retrying");
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    } else {
      for (auto& m : *msgs) {
        if (Status s = cloud.handle(m, rep); !s.ok()) cloud.log("message left for redelivery: " + s.error().message);
        worked = true;
      }
    }
    for (;;) {   // requests for stored frames, between fetches
      auto req = gets.next(1);
      if (!req.ok() || req->empty()) break;
      cloud.serve(req->front(), rep);
      worked = true;
    }
    if (worked) last_work = Clock::now();
    if (o.idle_exit_ms > 0 && Clock::now() - last_work >= std::chrono::milliseconds(o.idle_exit_ms)) break;
  }
  return rep;
}

}  // namespace shroud::fleet
