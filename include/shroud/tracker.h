// Tracker: carries regions between detections in a video so that a face the detector misses for
// a few frames is still protected.
//
// Greedy IoU matching of detections to tracks of the same kind (predicted with a constant
// velocity); unmatched detections start tracks; a track not matched for more than `hold_frames`
// frames ends. While a track coasts, its box grows by `grow_per_frame` per missed frame (the
// face may be moving away from the prediction). With apply_motion(), boxes also follow the
// camera's own motion (pan, zoom) between detections. Not thread-safe; one tracker per stream.
#pragma once

#include <cstdint>
#include <vector>

#include "shroud/region.h"

namespace shroud {

struct TrackerOptions {
  int hold_frames = 15;          // keep a lost box this many frames after its last detection
  double match_iou = 0.2;        // minimum IoU between prediction and detection
  double grow_per_frame = 0.02;  // coasting boxes grow by this fraction per missed frame (max 1.0)
  double velocity_smoothing = 0.5;  // weight of the newest velocity estimate
};

struct TrackState {
  int id = 0;
  Region region;             // last matched region (box in pixels)
  cv::Point2d velocity;      // centre motion per frame
  cv::Point2d size_rate;     // width/height change per frame
  std::int64_t first_frame = 0;
  std::int64_t last_seen = 0;
  int hits = 0;
};

class Tracker {
 public:
  explicit Tracker(TrackerOptions options = {});

  // Feeds the detections of frame `frame` (frames must increase). Returns the regions to protect
  // in this frame: matched and new tracks plus coasting ones, each with track_id set.
  std::vector<Region> update(const std::vector<Region>& detections, std::int64_t frame);

  // Regions for a frame without detection (between detections): every live track, predicted.
  std::vector<Region> predict(std::int64_t frame);

  // The camera moved by `prev_to_cur` (CameraMotion::step) since the previous frame: every
  // track's last box (and landmarks) moves with the scene, so its own velocity is what is left.
  // Call it once per frame, before update() or predict() for that frame.
  void apply_motion(const cv::Matx23d& prev_to_cur);

  // Ids of tracks created by the last update() call (for backward extension).
  const std::vector<int>& new_track_ids() const { return new_ids_; }

  const std::vector<TrackState>& tracks() const { return tracks_; }
  int total_tracks() const { return next_id_ - 1; }

 private:
  Region predicted(const TrackState& t, std::int64_t frame) const;
  void drop_expired(std::int64_t frame);

  TrackerOptions options_;
  std::vector<TrackState> tracks_;
  std::vector<int> new_ids_;
  int next_id_ = 1;
};

}  // namespace shroud
