// follow_marked_regions: the reviewer's "follow" boxes of a per-frame regions document, followed
// forward through the clip by appearance (box_follower.h) in one decoding pass.
#include <algorithm>
#include <map>

#include "core/json_number.h"
#include "shroud/box_follower.h"
#include "shroud/regions_list.h"
#include "shroud/video_io.h"

namespace shroud {
namespace {

using nlohmann::json;

Status bad(const std::string& what) { return make_error(ErrorCode::kInvalidArgument, "follow: " + what); }

struct Seed {
  std::int64_t frame = 0;
  std::int64_t track = 0;
  bool has_track = false;
  cv::Rect box;
  json region;   // the seed region, copied onto the frames it is followed to
};

struct Active {
  std::size_t seed;
  BoxFollower follower;
  bool done = false;
};

}  // namespace

Result<std::vector<FollowedRegion>> follow_marked_regions(const std::string& video, json& doc_io, const FollowOptions& options,
                                                          const std::function<bool()>& cancelled) {
  json doc = doc_io;   // worked on a copy: the caller's document changes only on success
  if (!doc.is_object() || !doc.contains("frames") || !doc["frames"].is_array()) {
    return bad("needs {\"frames\": [{\"frame\": N, \"regions\": [...]}, ...]}").error();
  }
  // frame index -> its entry in doc["frames"]; the seeds in frame order.
  std::map<std::int64_t, std::size_t> entry;
  std::vector<Seed> seeds;
  json& frames = doc["frames"];
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const json& f = frames[i];
    if (!f.is_object() || !f.contains("frame") || !f.contains("regions") || !f["regions"].is_array()) {
      return bad("each entry needs \"frame\" and a \"regions\" array").error();
    }
    std::int64_t index = -1;
    try {
      index = detail::json_int64(f["frame"]);
    } catch (const std::exception&) {
    }
    if (index < 0) return bad("\"frame\" must be a non-negative integer").error();
    if (!entry.emplace(index, i).second) return bad("frame " + std::to_string(index) + " is listed twice").error();
    for (const json& r : f["regions"]) {
      if (!r.is_object() || !r.contains("follow")) continue;
      if (!r["follow"].is_boolean()) return bad("\"follow\" must be true or false").error();
      if (!r["follow"].get<bool>()) continue;
      Result<Region> region = Region{};
      try {
        region = region_from_json(r);
      } catch (const std::exception& e) {
        return bad(std::string("frame ") + std::to_string(index) + ": " + e.what()).error();
      }
      if (!region.ok()) return bad("frame " + std::to_string(index) + ": " + region.error().message).error();
      Seed s;
      s.frame = index;
      s.box = region->box;
      if (r.contains("track")) {
        try {
          s.track = detail::json_int64(r["track"]);
          s.has_track = true;
        } catch (const std::exception&) {
          return bad("frame " + std::to_string(index) + ": \"track\" must be an integer").error();
        }
      }
      s.region = r;
      s.region.erase("follow");
      s.region["detector"] = "follow";
      seeds.push_back(std::move(s));
    }
  }
  std::stable_sort(seeds.begin(), seeds.end(), [](const Seed& a, const Seed& b) { return a.frame < b.frame; });
  std::vector<FollowedRegion> out(seeds.size());
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    out[i].seed_frame = out[i].last_frame = seeds[i].frame;
    out[i].track = seeds[i].track;
  }
  if (seeds.empty()) {
    doc_io = std::move(doc);
    return out;
  }

  // Whether frame `index` already lists a region of `track` (the reviewer's own box there).
  auto lists_track = [&](std::int64_t index, std::int64_t track) {
    auto it = entry.find(index);
    if (it == entry.end()) return false;
    for (const json& r : frames[it->second]["regions"]) {
      if (!r.is_object() || !r.contains("track")) continue;
      try {
        if (detail::json_int64(r["track"]) == track) return true;
      } catch (const std::exception&) {
      }
    }
    return false;
  };
  auto add = [&](std::int64_t index, json region) {
    auto it = entry.find(index);
    if (it == entry.end()) {
      frames.push_back({{"frame", index}, {"regions", json::array()}});
      it = entry.emplace(index, frames.size() - 1).first;
    }
    frames[it->second]["regions"].push_back(std::move(region));
  };

  SHROUD_ASSIGN_OR_RETURN(auto reader, VideoReader::open(video));
  std::vector<Active> active;
  std::size_t next_seed = 0;
  for (std::int64_t index = 0; next_seed < seeds.size() || !active.empty(); ++index) {
    if (cancelled && cancelled()) return make_error(ErrorCode::kInvalidArgument, "follow: cancelled");
    SHROUD_ASSIGN_OR_RETURN(cv::Mat frame, reader->read());
    if (frame.empty()) break;
    for (auto& a : active) {
      const Seed& s = seeds[a.seed];
      FollowedRegion& o = out[a.seed];
      if (s.has_track && lists_track(index, s.track)) {
        o.end = "listed";   // the reviewer's own box on this frame takes over
        a.done = true;
        continue;
      }
      SHROUD_ASSIGN_OR_RETURN(FollowStep step, a.follower.step(frame));
      if (step.lost) {
        o.end = "lost";
        o.lost_frame = index;
        a.done = true;
        continue;
      }
      json r = s.region;
      r["box"] = {step.box.x, step.box.y, step.box.width, step.box.height};
      r["score"] = step.confidence;
      add(index, std::move(r));
      o.last_frame = index;
      o.min_confidence = std::min(o.min_confidence, step.confidence);
    }
    active.erase(std::remove_if(active.begin(), active.end(),
                                [](const Active& a) { return a.done; }),
                 active.end());
    for (; next_seed < seeds.size() && seeds[next_seed].frame <= index; ++next_seed) {
      if (seeds[next_seed].frame < index) continue;   // never reached (cannot happen: seeds are sorted)
      auto f = BoxFollower::start(frame, index, seeds[next_seed].box, options);
      if (!f.ok()) {
        // A box mostly outside the frame or under 4x4 pixels: it is still protected on its own
        // frame (and held by the pipeline's tracker), but cannot be followed.
        out[next_seed].end = "lost";
        out[next_seed].lost_frame = index;
        continue;
      }
      active.push_back(Active{next_seed, std::move(*f), false});
    }
  }
  std::sort(frames.begin(), frames.end(), [](const json& a, const json& b) {
    return detail::json_int64(a["frame"]) < detail::json_int64(b["frame"]);
  });
  doc_io = std::move(doc);
  return out;
}

}  // namespace shroud
