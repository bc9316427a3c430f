// Video redaction: a bounded streaming pipeline (decode -> detect -> track -> protect -> encode,
// each on its own thread(s)), so memory does not grow with the length of the video.
//
// Faces are never exposed between detections: the tracker holds lost boxes for
// `tracker.hold_frames` frames, and frames are delayed by `extend_back` frames so that a track
// first detected at frame t is also protected in frames t - extend_back .. t - 1 (by default
// detect_every - 1, which covers every frame skipped between two detections; when a detector
// part runs only every Nth frame, Detector::cadence(), lcm(detect_every, N) - 1, and tracks are
// held at least that long).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "shroud/detector.h"
#include "shroud/policy.h"
#include "shroud/result.h"
#include "shroud/tracker.h"
#include "shroud/video_io.h"

namespace shroud {

// Protects one frame given its actions. The default applies the irreversible protectors; the
// reversible video mode supplies one that also writes the recovery track.
class FrameProtector {
 public:
  virtual ~FrameProtector() = default;
  virtual Status protect(cv::Mat& frame, std::int64_t index, const std::vector<Action>& actions) = 0;
  virtual Status finish() { return ok_status(); }
};

// The irreversible protectors from each action's method; a DP plate is drawn once per track
// (region.track_id) and reused in every frame of that track. One per stream; not thread-safe.
std::unique_ptr<FrameProtector> make_default_frame_protector();

// The detection schedule of a stream: the detector runs on frames whose index is a multiple of
// `detect_every`, and a detector part on multiples of its cadence (Detector::cadence()), so a
// region is seen at least every lcm(detect_every, cadence) frames: the detection period.
int detection_period(int detect_every, int cadence);
// `base` with tracks held at least one detection period (a plate seen every 12th frame must
// outlive the gap between two sightings).
TrackerOptions stream_tracker_options(TrackerOptions base, int period);

using DetectorFactory = std::function<Result<std::unique_ptr<Detector>>()>;

struct VideoProtectOptions {
  int detect_every = 1;          // run the detector on every Nth frame, track in between
  int extend_back = -1;          // frames protected before a first detection; -1: see above
  TrackerOptions tracker;
  int detect_workers = 0;        // parallel detectors; 0: one per core
  int queue_frames = 16;         // frames in flight between decoder and encoder (memory bound)
  std::int64_t max_frames = 0;   // stop after this many frames (0: until the end; for live input)
  // Memory for buffered decoded frames (extend_back + 2 * queue_frames + detectors), checked from
  // the stream's frame size before decoding: kResourceLimit above it (the CLI's --max-buffer-mb).
  std::int64_t max_buffer_bytes = 4LL << 30;
  bool drop_audio = false;
  VideoWriterOptions writer;     // path, codec, crf ...; size and fps are taken from the input
  // Optional observers (called from the pipeline's ordered stage, in frame order).
  std::function<void(std::int64_t index, const std::vector<Action>& actions)> on_frame;
  std::function<void(std::int64_t done, std::int64_t total)> on_progress;
  // Polled before each frame is read; returning true stops the job with an error (no output).
  std::function<bool()> cancelled;
};

// Where the time went: seconds spent in each stage, summed over that stage's threads (the stages
// overlap, so the sum may exceed the wall time `seconds`).
struct VideoTimings {
  double decode = 0.0;    // reading and decoding frames
  double detect = 0.0;    // detector calls (all workers)
  double track = 0.0;     // tracker update/predict and backward extension
  double protect = 0.0;   // planning and applying the protection
  double encode = 0.0;    // encoding and writing
};

struct VideoSummary {
  std::int64_t frames = 0;
  std::int64_t detected_frames = 0;   // frames the detector ran on
  std::int64_t regions = 0;           // protected regions summed over frames
  int tracks = 0;
  int audio_streams = 0;
  double seconds = 0.0;
  double fps = 0.0;                   // end-to-end frames per second
  VideoTimings timings;
  VideoInfo input;
};

// Reads `source` (file, camera index, URL), protects it and writes options.writer.path.
// `protector` may be null (irreversible protectors from the actions' methods).
Result<VideoSummary> protect_video(const std::string& source, const DetectorFactory& make_detector,
                                   const Policy& policy, const VideoProtectOptions& options,
                                   FrameProtector* protector = nullptr);

}  // namespace shroud
