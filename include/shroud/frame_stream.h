// FrameStream: video protection one frame at a time, for front ends that are handed frames by
// someone else's pipeline (the GStreamer element shroudredact, a Python loop over a camera).
//
// Each frame goes through the same steps as the ordered stage of protect_video() (video.h), with
// the Engine's detector, policy and video options (detect_every, hold):
//  - detection on frames whose index is a multiple of detect_every (frames are numbered 0, 1, 2 ...
//    in call order; a detector part with a cadence, lpd:every=N, runs on multiples of N);
//  - the Tracker (tracker.h) carries regions between detections: tracks are held for `hold`
//    frames, and at least one detection period (detection_period());
//  - plan_actions() with the Engine's policy, then the default frame protector (a DP plate is
//    drawn once per track).
// What it does not do: backward extension (protect_video's --extend-back delays output to protect
// the frames before a first detection; a stream returns each frame protected at once), so with
// detect_every N a region entering the picture may be unprotected for up to N - 1 frames. Use
// detect_every 1 when that matters. Reversible methods (seal, sisa) and paper schemes need a
// recovery track or change the frame size: Engine::open_stream() refuses them (kUnsupported).
//
// Pixels: 8-bit, 3 or 4 channels, in BGR(A) order or, with ChannelOrder::kRgb, RGB(A). For RGB
// frames the detector is given a BGR copy on detection frames only (one cvtColor; the other frames
// are not copied) and fill colours are swapped; blur and pixelate do not depend on the order.
//
// Thread safety: one FrameStream per stream, used by one thread at a time. It borrows a detector
// from its Engine for its lifetime; the Engine must outlive it.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "shroud/policy.h"
#include "shroud/region.h"
#include "shroud/result.h"

namespace shroud {

enum class ChannelOrder { kBgr, kRgb };

// What happened to one frame.
struct StreamFrameReport {
  std::int64_t index = 0;        // frame number in the stream (from 0, or from the last reset())
  bool detected = false;         // the detector ran on this frame
  std::vector<Region> regions;   // detections (when detected) or tracked regions, with track ids
  std::vector<Action> actions;   // what was protected (rectangles inside the frame)
};

class FrameStream {
 public:
  FrameStream(FrameStream&&) noexcept;
  FrameStream& operator=(FrameStream&&) noexcept;
  ~FrameStream();

  // Protects the next frame of the stream in place. `frame` keeps its buffer (never reallocated),
  // so it may wrap memory owned by the caller. Errors (wrong depth or channels, detector failure)
  // leave the stream usable; the frame may then be partly protected and should be dropped.
  Result<StreamFrameReport> protect_next(cv::Mat& frame, ChannelOrder order = ChannelOrder::kBgr);

  // Starts again at frame 0 with no tracks (a seek, a flush, a new frame size).
  void reset();

  std::int64_t frames() const;   // frames protected since the last reset()
  int tracks() const;            // tracks started since the last reset()
  int detection_period() const;  // lcm(detect_every, detector cadence)

  struct State;

 private:
  friend class Engine;
  explicit FrameStream(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace shroud
