// BoxFollower: follows the contents of one box through the frames of a video by appearance, e.g.
// a face a reviewer boxed on one frame of a clip (docs/studio.md, "Following an added box").
//
// The pipeline's Tracker (tracker.h) only associates detections by overlap and holds a box
// between them; it never looks at pixels. The follower does: a KCF correlation-filter tracker
// (OpenCV contrib `tracking`, cv::TrackerKCF) seeded with the box on one frame, stepped one
// frame at a time. Each step reports a confidence: the normalised cross-correlation
// (TM_CCOEFF_NORMED) of the box's pixels with those of the previous step, so a sudden change of
// what is inside the box (the target vanished, was occluded) shows as a drop. Following stops,
// and the step says `lost`, when KCF's own response falls under its detection threshold or the
// confidence falls under `min_confidence`; a lost follower stays lost.
//
// Coordinates are stored-pixel boxes of the frame (x, y, width, height). Frames are 8-bit BGR
// (as VideoReader gives) or 8-bit grey, all of one size. Forward only: frames must be given in
// order. Not thread-safe; one follower per box. Cost: docs/studio.md ("bench/follow_bench.cc").
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "shroud/result.h"

namespace shroud {

struct FollowOptions {
  double min_confidence = 0.3;   // stop when the box's pixels correlate less than this with the last step's
  int max_frames = 100000;       // follow at most this many frames after the seed
};

struct FollowStep {
  std::int64_t frame = 0;
  cv::Rect box;                  // where the box is on this frame (clipped to the frame); empty when lost
  double confidence = 0;         // NCC with the previous step's pixels, -1..1 (1 on the seed frame)
  bool lost = false;             // following stopped on this frame (the box is not given)
};

class BoxFollower {
 public:
  // Seeds the follower with `box` on `frame` (index `frame_index`). kInvalidArgument for an empty
  // frame, an unsupported pixel type or a box that is smaller than 4x4 pixels inside the frame.
  static Result<BoxFollower> start(const cv::Mat& frame, std::int64_t frame_index, const cv::Rect& box,
                                   const FollowOptions& options = {});
  BoxFollower(BoxFollower&&) noexcept;
  BoxFollower& operator=(BoxFollower&&) noexcept;
  ~BoxFollower();

  // The next frame (frame_index + 1, + 2, ...). Once a step is lost, every later step is lost.
  // kInvalidArgument if the frame's size or type differs from the seed's.
  Result<FollowStep> step(const cv::Mat& frame);

  bool lost() const;
  std::int64_t last_frame() const;

 private:
  struct Impl;
  explicit BoxFollower(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Follows every region marked `"follow": true` in a per-frame regions document
// ({"frames": [{"frame": i, "regions": [{"kind", "box", "track", "method", ...}]}]}, the frames:FILE
// format of detection.md) forward through the video at `video`, in one decoding pass, and adds
// the followed box to each later frame (a copy of the seed region with the followed box, the
// follower's confidence as "score" and "detector": "follow"), until the follower is lost, the
// clip ends, or a frame already lists a region of the same track (the reviewer's own box on that
// frame wins and the following stops there). A seed box that cannot be followed (under 4x4
// pixels inside the frame) is "lost" on its own frame. Returns one entry per seed. kInvalidArgument for a
// malformed document; errors of the video reader as they are. `cancelled`, if set, is asked
// before each frame; when it answers true the pass stops with kInvalidArgument "cancelled" and
// the document is left as it was.
struct FollowedRegion {
  std::int64_t seed_frame = 0;
  std::int64_t track = 0;
  std::int64_t last_frame = 0;   // last frame the box was followed to (seed_frame if none)
  std::int64_t lost_frame = -1;  // the frame the follower lost the box on, -1 if it was not lost
  double min_confidence = 1;     // lowest confidence of a followed frame
  std::string end = "end";       // why following stopped: "lost", "listed" (the track's own box), "end" (of the clip)
};
Result<std::vector<FollowedRegion>> follow_marked_regions(const std::string& video, nlohmann::json& frames_doc,
                                                          const FollowOptions& options = {},
                                                          const std::function<bool()>& cancelled = {});

}  // namespace shroud
