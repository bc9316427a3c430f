#include "fleet/worker.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "fleet/frame_box.h"
#include "fleet/nats_client.h"
#include "fleet/streams.h"
#include "fleet/wire.h"

namespace shroud::fleet {
namespace {

using Clock = std::chrono::steady_clock;

// Sends InProgress for `msg` every `period_ms` until destroyed.
class Heartbeat {
 public:
  Heartbeat(Message& msg, std::int64_t period_ms)
      : thread_([this, &msg, period_ms] {
          std::unique_lock lock(mu_);
          while (!cv_.wait_for(lock, std::chrono::milliseconds(period_ms), [this] { return done_; })) {
            (void)msg.in_progress();
          }
        }) {}
  ~Heartbeat() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

class Worker {
 public:
  Worker(const WorkerOptions& o, NatsClient& nc, ConsumerLimits limits)
      : o_(o), nc_(nc), limits_(limits), max_payload_(nc.max_payload()) {}

  // Handles one frame; a returned error is a broker failure (the frame stays unacknowledged).
  Status handle(Message& msg, WorkerReport& rep) {
    const std::uint64_t delivered = msg.num_delivered();
    const std::string camera = msg.header(kHeaderCamera);
    if (!check_camera_id(camera).ok()) {
      log("dropping a message without a valid camera id on " + msg.subject());
      return msg.term();
    }
    auto index = parse_frame_index(msg.header(kHeaderFrame));
    if (!index.ok()) {
      log("dropping a message of camera " + camera + ": " + index.error().message);
      return msg.term();
    }
    const std::string where = camera + " frame " + std::to_string(*index);
    if (limits_.max_deliver > 1 && delivered >= static_cast<std::uint64_t>(limits_.max_deliver)) {
      return dead(msg, camera, *index, delivered,
                  "not completed in " + std::to_string(delivered - 1) +
                      " deliveries (workers failed or died on it); not processed again");
    }
    SHROUD_RETURN_IF_ERROR(msg.in_progress());
    const std::string format = msg.header(kHeaderFormat);
    if (format != "jpeg" && format != "png") {
      return dead(msg, camera, *index, delivered, "unsupported frame format '" + format + "'");
    }
    std::vector<std::uint8_t> opened;
    std::span<const std::uint8_t> bytes = msg.data();
    if (!msg.header(kHeaderSealed).empty()) {
      if (msg.header(kHeaderSealed) != kSealedScheme) {
        return dead(msg, camera, *index, delivered, "unknown sealing '" + msg.header(kHeaderSealed) + "'");
      }
      if (!o_.open_keyset) {
        return dead(msg, camera, *index, delivered, "sealed frame but this worker has no keyset to open it (--open-key)");
      }
      const std::string kid = msg.header(kHeaderKeyId);
      auto id = parse_frame_index(kid);
      if (!id.ok() || *id > 0xffffffffLL) return dead(msg, camera, *index, delivered, "bad key id header '" + kid + "'");
      auto plain = open_frame(bytes, *o_.open_keyset, static_cast<std::uint32_t>(*id), camera, *index, format);
      if (!plain.ok()) return dead(msg, camera, *index, delivered, plain.error().message);
      opened = std::move(*plain);
      bytes = opened;
    }
    const std::string name = msg.header(kHeaderName);
    Result<EncodedOutput> out = [&] {
      Heartbeat hb(msg, std::max<std::int64_t>(limits_.ack_wait_ms / 3, 100));
      return o_.engine->protect_encoded(bytes, format, name);
    }();
    if (!opened.empty()) std::fill(opened.begin(), opened.end(), 0);
    if (!out.ok()) return dead(msg, camera, *index, delivered, out.error().message);
    if (Status s = check_payload_size(out->image.size(), max_payload_, "protected " + where); !s.ok()) {
      return dead(msg, camera, *index, delivered, s.error().message);
    }
    Headers h = {{kHeaderCamera, camera}, {kHeaderFrame, std::to_string(*index)}, {kHeaderFormat, format}};
    if (const std::string sent = msg.header(kHeaderSent); !sent.empty()) h.emplace_back(kHeaderSent, sent.substr(0, 32));
    if (!name.empty()) h.emplace_back(kHeaderName, name);   // an empty header value garbles the header block
    auto pub = nc_.publish(protected_subject(camera), out->image, h, frame_msg_id(camera, *index));
    if (!pub.ok()) {
      if (delivered >= static_cast<std::uint64_t>(std::max<std::int64_t>(1, limits_.max_deliver - 1))) {
        return dead(msg, camera, *index, delivered, "publishing the result failed: " + pub.error().message);
      }
      log(where + ": publishing the result failed (" + pub.error().message + "); retrying later");
      ++rep.retried;
      return msg.nak(1000);
    }
    if (pub->duplicate) ++rep.duplicates;
    SHROUD_RETURN_IF_ERROR(msg.ack_sync());
    ++rep.protected_frames;
    return ok_status();
  }

  void log(const std::string& m) const {
    if (o_.on_log) o_.on_log(m);
  }

  std::int64_t dead_count = 0;

 private:
  // The frame as it arrived (still sealed if it was) goes to the dead-letter subject with the
  // error; then it is acknowledged. If the dead letter cannot be stored, the frame is nak'ed.
  Status dead(Message& msg, const std::string& camera, std::int64_t index, std::uint64_t delivered,
              const std::string& error) {
    Headers h;
    for (const char* k : {kHeaderCamera, kHeaderFrame, kHeaderFormat, kHeaderName, kHeaderSealed, kHeaderKeyId, kHeaderSent}) {
      const std::string v = msg.header(k);
      if (!v.empty()) h.emplace_back(k, v);
    }
    h.emplace_back(kHeaderError, error.substr(0, 1000));
    h.emplace_back(kHeaderDelivered, std::to_string(delivered));
    auto pub = nc_.publish(dead_subject(camera), msg.data(), h, dead_msg_id(camera, index));
    if (!pub.ok()) {
      log(camera + " frame " + std::to_string(index) + ": cannot store the dead letter (" + pub.error().message + ")");
      return msg.nak(1000);
    }
    log(camera + " frame " + std::to_string(index) + ": dead letter: " + error);
    ++dead_count;
    return msg.ack_sync();
  }

  const WorkerOptions& o_;
  NatsClient& nc_;
  ConsumerLimits limits_;
  std::int64_t max_payload_;
};

}  // namespace

Result<WorkerReport> run_worker(const WorkerOptions& o) {
  if (o.engine == nullptr) return make_error(ErrorCode::kInvalidArgument, "a worker needs an engine");
  if (o.batch < 1 || o.batch > 256) return make_error(ErrorCode::kInvalidArgument, "batch must be 1..256");
  if (o.max_attempts < 1 || o.ack_wait_ms < 100 || o.max_ack_pending < 1) {
    return make_error(ErrorCode::kInvalidArgument, "max attempts >= 1, ack wait >= 100 ms, max ack pending >= 1");
  }
  if (o.camera_filter != ">") SHROUD_RETURN_IF_ERROR(check_camera_id(o.camera_filter));
  SHROUD_ASSIGN_OR_RETURN(NatsClient nc, NatsClient::connect(o.url));
  SHROUD_RETURN_IF_ERROR(nc.ensure_stream(frames_stream_spec()));
  SHROUD_RETURN_IF_ERROR(nc.ensure_stream(out_stream_spec()));
  ConsumerSpec cs;
  cs.stream = kFramesStream;
  cs.durable = o.camera_filter == ">" ? std::string(kWorkersDurable) : std::string(kWorkersDurable) + "-" + o.camera_filter;
  cs.filter = "shroud.frames." + o.camera_filter;
  cs.ack_wait_ms = o.ack_wait_ms;
  cs.max_deliver = o.max_attempts + 1;
  cs.max_ack_pending = o.max_ack_pending;
  SHROUD_ASSIGN_OR_RETURN(ConsumerLimits limits, nc.ensure_consumer(cs));
  SHROUD_ASSIGN_OR_RETURN(PullSubscription sub, nc.pull_subscribe(cs.stream, cs.durable, cs.filter));

  if (o.on_ready) o.on_ready(cs.durable, limits.ack_wait_ms, limits.max_deliver, limits.max_ack_pending);
  Worker w(o, nc, limits);
  WorkerReport rep;
  auto last_work = Clock::now();
  while (!(o.stop && o.stop())) {
    auto msgs = sub.fetch(o.batch, 500);
    if (!msgs.ok()) {   // e.g. the server restarts: the connection reconnects by itself
      w.log("fetch: " + msgs.error().message + "; retrying");
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    } else if (!msgs->empty()) {
      for (auto& m : *msgs) {
        if (o.stop && o.stop()) {
          (void)m.nak(0);   // give it back now rather than after the ack wait
          continue;
        }
        if (Status s = w.handle(m, rep); !s.ok()) w.log("frame left for redelivery: " + s.error().message);
      }
      last_work = Clock::now();
      continue;
    }
    if (o.idle_exit_ms > 0 && Clock::now() - last_work >= std::chrono::milliseconds(o.idle_exit_ms)) break;
  }
  rep.dead = w.dead_count;
  return rep;
}

}  // namespace shroud::fleet
