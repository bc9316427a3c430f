#include "shroud/tracker.h"

#include "shroud/camera_motion.h"

#include <algorithm>
#include <cmath>

namespace shroud {

Tracker::Tracker(TrackerOptions options) : options_(options) {}

Region Tracker::predicted(const TrackState& t, std::int64_t frame) const {
  const double dt = static_cast<double>(frame - t.last_seen);
  const cv::Rect& b = t.region.box;
  double cx = b.x + b.width / 2.0 + t.velocity.x * dt;
  double cy = b.y + b.height / 2.0 + t.velocity.y * dt;
  double w = std::max(1.0, b.width + t.size_rate.x * dt);
  double h = std::max(1.0, b.height + t.size_rate.y * dt);
  const double grow = 1.0 + std::min(1.0, options_.grow_per_frame * std::max(0.0, dt));
  w *= grow;
  h *= grow;
  Region r = t.region;
  r.box = cv::Rect(static_cast<int>(std::floor(cx - w / 2)), static_cast<int>(std::floor(cy - h / 2)),
                   static_cast<int>(std::ceil(w)), static_cast<int>(std::ceil(h)));
  r.track_id = t.id;
  if (dt > 0) {
    // Landmarks follow the box.
    for (auto& p : r.landmarks) {
      p.x += static_cast<float>(t.velocity.x * dt);
      p.y += static_cast<float>(t.velocity.y * dt);
    }
  }
  return r;
}

void Tracker::drop_expired(std::int64_t frame) {
  tracks_.erase(std::remove_if(tracks_.begin(), tracks_.end(),
                               [&](const TrackState& t) { return frame - t.last_seen > options_.hold_frames; }),
                tracks_.end());
}

std::vector<Region> Tracker::update(const std::vector<Region>& detections, std::int64_t frame) {
  new_ids_.clear();
  drop_expired(frame);
  // All (track, detection) pairs above the threshold, best IoU first.
  struct Pair {
    double iou;
    std::size_t t, d;
  };
  std::vector<Pair> pairs;
  std::vector<Region> predictions;
  predictions.reserve(tracks_.size());
  for (const auto& t : tracks_) predictions.push_back(predicted(t, frame));
  for (std::size_t ti = 0; ti < tracks_.size(); ++ti) {
    for (std::size_t di = 0; di < detections.size(); ++di) {
      if (detections[di].kind != tracks_[ti].region.kind) continue;
      const double v = iou(predictions[ti].box, detections[di].box);
      if (v >= options_.match_iou) pairs.push_back({v, ti, di});
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.iou > b.iou; });
  std::vector<bool> track_used(tracks_.size(), false), det_used(detections.size(), false);
  for (const auto& p : pairs) {
    if (track_used[p.t] || det_used[p.d]) continue;
    track_used[p.t] = det_used[p.d] = true;
    TrackState& t = tracks_[p.t];
    const Region& d = detections[p.d];
    const double dt = std::max<double>(1.0, static_cast<double>(frame - t.last_seen));
    const cv::Point2d old_c(t.region.box.x + t.region.box.width / 2.0, t.region.box.y + t.region.box.height / 2.0);
    const cv::Point2d new_c(d.box.x + d.box.width / 2.0, d.box.y + d.box.height / 2.0);
    const double a = t.hits > 1 ? options_.velocity_smoothing : 1.0;
    t.velocity = a * ((new_c - old_c) / dt) + (1 - a) * t.velocity;
    t.size_rate = a * cv::Point2d((d.box.width - t.region.box.width) / dt, (d.box.height - t.region.box.height) / dt) +
                  (1 - a) * t.size_rate;
    t.region = d;
    t.region.track_id = t.id;
    t.last_seen = frame;
    ++t.hits;
  }
  for (std::size_t di = 0; di < detections.size(); ++di) {
    if (det_used[di]) continue;
    TrackState t;
    t.id = next_id_++;
    t.region = detections[di];
    t.region.track_id = t.id;
    t.first_frame = t.last_seen = frame;
    t.hits = 1;
    tracks_.push_back(t);
    new_ids_.push_back(t.id);
  }
  return predict(frame);
}

void Tracker::apply_motion(const cv::Matx23d& m) {
  if (m == cv::Matx23d(1, 0, 0, 0, 1, 0)) return;
  for (auto& t : tracks_) t.region = transform_region(t.region, m);
}

std::vector<Region> Tracker::predict(std::int64_t frame) {
  drop_expired(frame);
  std::vector<Region> out;
  out.reserve(tracks_.size());
  for (const auto& t : tracks_) out.push_back(t.last_seen == frame ? t.region : predicted(t, frame));
  return out;
}

}  // namespace shroud
