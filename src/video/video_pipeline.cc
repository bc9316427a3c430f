#include <opencv2/core/utility.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "shroud/camera_motion.h"
#include "shroud/pipeline.h"
#include "shroud/video.h"
#include "video/bounded_queue.h"

namespace shroud {
namespace {

struct DecodedFrame {
  std::int64_t index = 0;
  cv::Mat image;
};

struct DetectedFrame {
  std::int64_t index = 0;
  cv::Mat image;
  bool detected = false;
  std::vector<Region> regions;
};

struct IndexedImage {
  std::int64_t index = 0;
  cv::Mat image;
};

// First error wins; every stage checks failed() and the queues are closed.
class FailureFlag {
 public:
  void set(const Error& e) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failed_) error_ = e;
    failed_ = true;
  }
  bool failed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
  }
  Error error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

 private:
  mutable std::mutex mu_;
  bool failed_ = false;
  Error error_;
};

}  // namespace

Result<VideoSummary> protect_video(const std::string& source, const DetectorFactory& make_detector,
                                   const Policy& policy, const VideoProtectOptions& options,
                                   FrameProtector* protector) {
  if (options.detect_every < 1) return make_error(ErrorCode::kInvalidArgument, "--detect-every must be >= 1");
  if (options.queue_frames < 2) return make_error(ErrorCode::kInvalidArgument, "queue must hold at least 2 frames");

  SHROUD_ASSIGN_OR_RETURN(auto reader, VideoReader::open(source));
  VideoSummary summary;
  summary.input = reader->info();
  if (summary.input.size.area() <= 0) return make_error(ErrorCode::kCorrupt, "'" + source + "': video has no frame size");
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const int workers = options.detect_workers > 0 ? options.detect_workers : static_cast<int>(hw);
  // One StreamContext for all workers' detectors: what a detector reuses across frames (YuNet's
  // change gate) is shared by index, so the output does not depend on which worker ran which frame.
  auto stream = std::make_shared<StreamContext>(options.detect_every);
  std::vector<std::unique_ptr<Detector>> detectors;
  for (int i = 0; i < workers; ++i) {
    SHROUD_ASSIGN_OR_RETURN(auto d, make_detector());
    d->set_stream(stream);
    detectors.push_back(std::move(d));
  }
  // A detector part running every cadence-th frame (plates) sees only detection frames, so its
  // first sightings can be lcm(detect_every, cadence) frames late: delay that much by default.
  const int period = detection_period(options.detect_every, detectors.front()->cadence());
  const int extend_back = options.extend_back >= 0 ? options.extend_back : std::min(period, 120) - 1;
  {
    // Memory held by buffered frames: the delay line (--extend-back), both queues and one frame
    // per detector, each a decoded 8-bit BGR frame. Refused before anything is decoded or written.
    const std::int64_t frame_bytes = std::int64_t{summary.input.size.width} * summary.input.size.height * 3;
    const std::int64_t frames = std::int64_t{extend_back} + 2LL * options.queue_frames + workers;
    if (frames * frame_bytes > options.max_buffer_bytes) {
      return make_error(ErrorCode::kResourceLimit,
                        "'" + source + "': --extend-back " + std::to_string(extend_back) + " buffers up to " +
                            std::to_string(frames) + " frames of " + std::to_string(summary.input.size.width) + "x" +
                            std::to_string(summary.input.size.height) + " (" + std::to_string(frames * frame_bytes >> 20) +
                            " MiB), over the limit of " + std::to_string(options.max_buffer_bytes >> 20) +
                            " MiB (--max-buffer-mb raises it)");
    }
  }

  VideoWriterOptions wo = options.writer;
  wo.size = summary.input.size;
  wo.fps = summary.input.fps > 0 ? summary.input.fps : 25.0;
  wo.audio_from = (options.drop_audio || summary.input.live) ? "" : source;
  SHROUD_ASSIGN_OR_RETURN(auto writer, VideoWriter::open(wo));
  summary.audio_streams = writer->audio_streams();

  std::unique_ptr<FrameProtector> default_protector = make_default_frame_protector();
  FrameProtector* prot = protector != nullptr ? protector : default_protector.get();

  FailureFlag failure;
  BoundedQueue<DecodedFrame> decoded(static_cast<std::size_t>(options.queue_frames));
  BoundedQueue<IndexedImage> encode_queue(static_cast<std::size_t>(options.queue_frames));

  // Frames between the reader and the ordered stage are limited by `slots`.
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  std::map<std::int64_t, DetectedFrame> ready;
  std::int64_t total = -1;  // known when the reader is done
  std::atomic<std::int64_t> detected_frames{0};

  auto fail = [&](const Error& e) {
    failure.set(e);
    stream->close();  // a detector waiting for another worker's frame gives up
    decoded.close();
    encode_queue.close();
    std::lock_guard<std::mutex> lock(mu);
    cv.notify_all();
  };

  const auto start = std::chrono::steady_clock::now();
  using Clock = std::chrono::steady_clock;
  auto secs = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
  VideoTimings timings;
  std::mutex timing_mu;

  std::thread reader_thread([&] {
    std::int64_t i = 0;
    for (;; ++i) {
      if (options.max_frames > 0 && i >= options.max_frames) break;
      if (options.cancelled && options.cancelled()) {
        fail(make_error(ErrorCode::kInvalidArgument, "'" + source + "': cancelled"));
        break;
      }
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return failure.failed() || in_flight < options.queue_frames; });
        if (failure.failed()) break;
        ++in_flight;
      }
      const auto t_read = Clock::now();
      auto frame = reader->read();
      timings.decode += secs(t_read, Clock::now());
      if (!frame.ok()) {
        fail(frame.error());
        break;
      }
      if (frame->empty()) {
        std::lock_guard<std::mutex> lock(mu);
        --in_flight;
        break;
      }
      if (!decoded.push({i, std::move(*frame)})) break;
    }
    decoded.close();
    std::lock_guard<std::mutex> lock(mu);
    total = i;
    cv.notify_all();
  });

  std::vector<std::thread> worker_threads;
  for (int w = 0; w < workers; ++w) {
    worker_threads.emplace_back([&, w] {
      while (auto f = decoded.pop()) {
        DetectedFrame d;
        d.index = f->index;
        d.image = std::move(f->image);
        if (d.index % options.detect_every == 0 && !failure.failed()) {
          Frame frame{d.image, d.index, summary.input.fps > 0 ? d.index / summary.input.fps : 0.0, source};
          const auto t_det = Clock::now();
          auto regions = detectors[static_cast<std::size_t>(w)]->detect(frame);
          {
            std::lock_guard<std::mutex> tl(timing_mu);
            timings.detect += secs(t_det, Clock::now());
          }
          if (!regions.ok()) {
            fail(regions.error());
            return;
          }
          d.detected = true;
          d.regions = std::move(*regions);
          ++detected_frames;
        }
        std::lock_guard<std::mutex> lock(mu);
        ready.emplace(d.index, std::move(d));
        cv.notify_all();
      }
    });
  }

  std::int64_t protected_regions = 0;
  int track_count = 0;
  std::thread ordered_thread([&] {
    struct Pending {
      std::int64_t index;
      cv::Mat image;
      std::vector<Region> regions;
      cv::Matx23d motion;  // the camera's motion from the previous frame to this one
    };
    // Plates seen every `period` frames must outlive the gap between two sightings.
    Tracker tracker(stream_tracker_options(options.tracker, period));
    // Boxes carried between detections, and backwards, move with the camera (pan, zoom).
    CameraMotion camera;
    std::deque<Pending> delay;
    auto emit = [&](Pending& p) -> bool {
      const auto t_prot = Clock::now();
      std::vector<Action> actions = plan_actions(p.regions, p.image.size(), policy);
      Status s = prot->protect(p.image, p.index, actions);
      timings.protect += secs(t_prot, Clock::now());
      if (!s.ok()) {
        fail(s.error());
        return false;
      }
      protected_regions += static_cast<std::int64_t>(actions.size());
      if (options.on_frame) options.on_frame(p.index, actions);
      return encode_queue.push({p.index, std::move(p.image)});
    };
    for (std::int64_t next = 0;; ++next) {
      DetectedFrame d;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return failure.failed() || ready.count(next) > 0 || (total >= 0 && next >= total); });
        if (failure.failed()) break;
        auto it = ready.find(next);
        if (it == ready.end()) break;  // end of stream
        d = std::move(it->second);
        ready.erase(it);
        --in_flight;
        cv.notify_all();
      }
      const auto t_track = Clock::now();
      // Needed while boxes are carried, and for extending a new track back (delayed frames).
      const cv::Matx23d motion = camera.step(d.image, extend_back > 0 || !tracker.tracks().empty());
      tracker.apply_motion(motion);
      std::vector<Region> regions = d.detected ? tracker.update(d.regions, d.index) : tracker.predict(d.index);
      if (d.detected && extend_back > 0) {
        for (int id : tracker.new_track_ids()) {
          for (const Region& r : regions) {
            if (r.track_id != id) continue;
            // Walk back through the delayed frames, undoing each frame's camera motion.
            Region carried = r;
            cv::Matx23d undo = motion;
            for (auto p = delay.rbegin(); p != delay.rend() && d.index - p->index <= extend_back; ++p) {
              carried = transform_region(carried, invert_motion(undo));
              undo = p->motion;
              p->regions.push_back(carried);
            }
          }
        }
      }
      timings.track += secs(t_track, Clock::now());
      delay.push_back({d.index, std::move(d.image), std::move(regions), motion});
      while (static_cast<int>(delay.size()) > extend_back) {
        if (!emit(delay.front())) break;
        delay.pop_front();
      }
      if (failure.failed()) break;
    }
    while (!failure.failed() && !delay.empty()) {
      if (!emit(delay.front())) break;
      delay.pop_front();
    }
    track_count = tracker.total_tracks();
    encode_queue.close();
  });

  std::int64_t written = 0;
  while (auto item = encode_queue.pop()) {
    if (failure.failed()) break;
    const auto t_enc = Clock::now();
    Status s = writer->write(item->image);
    timings.encode += secs(t_enc, Clock::now());
    if (!s.ok()) {
      fail(s.error());
      break;
    }
    ++written;
    if (options.on_progress) options.on_progress(written, summary.input.frame_count);
  }
  // Unblock everyone on failure, then join.
  if (failure.failed()) fail(failure.error());
  ordered_thread.join();
  for (auto& t : worker_threads) t.join();
  reader_thread.join();
  if (failure.failed()) return failure.error();
  // Once more before anything is committed: a job cancelled while its last frames were in
  // flight (the reader had already stopped polling) must not leave an output behind.
  if (options.cancelled && options.cancelled()) {
    return make_error(ErrorCode::kInvalidArgument, "'" + source + "': cancelled");
  }

  SHROUD_RETURN_IF_ERROR(prot->finish());
  const auto t_fin = Clock::now();
  SHROUD_RETURN_IF_ERROR(writer->finish());
  timings.encode += secs(t_fin, Clock::now());
  summary.timings = timings;
  summary.frames = written;
  summary.detected_frames = detected_frames.load();
  summary.regions = protected_regions;
  summary.tracks = track_count;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.fps = summary.seconds > 0 ? written / summary.seconds : 0.0;
  return summary;
}

}  // namespace shroud
