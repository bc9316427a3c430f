// Collector: reassembles one camera's protected frames, in frame order, into a folder
// (`shroud collect`, docs/fleet.md): DIR/frame-000000.jpg, frame-000001.jpg, ... named by the
// camera's frame index, so arrival order does not matter. Reads every stored message of
// shroud.protected.<camera> and shroud.dead.<camera> (an ordered consumer from the start of
// SHROUD_OUT); a frame stored twice would be counted in `duplicates` (and written once).
// Stops after `frames` distinct frames (protected or dead), after `idle_exit_ms` without a
// message, or when `stop` returns true. Each file is written atomically.
// With `video` set, the frames go into one video (and its recovery track) instead of a folder
// (video_assembler.h: bounded reordering, gaps repeat the previous frame).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fleet/video_assembler.h"
#include "shroud/result.h"

namespace shroud::fleet {

struct CollectOptions {
  std::string url;
  std::string camera;
  std::string output_dir;                 // created if absent (folder mode)
  std::optional<VideoCollectOptions> video;   // video mode instead of a folder
  std::int64_t frames = 0;                // expected frames 0..frames-1; 0: unknown
  std::int64_t idle_exit_ms = 0;          // 0: only `frames` or `stop` end the run
  bool overwrite = false;                 // replace frame files that exist
  std::function<bool()> stop;
};

struct DeadFrame {
  std::int64_t index = 0;
  std::string name;
  std::string error;
};

struct CollectReport {
  std::int64_t written = 0;               // protected frames received (folder mode: files written)
  std::int64_t duplicates = 0;
  std::int64_t out_of_order = 0;          // arrived after a frame with a higher index
  std::vector<DeadFrame> dead;            // in arrival order
  std::vector<std::int64_t> gaps;         // indices neither written nor dead (below `frames`, or below the highest seen)
  std::vector<std::string> files;         // written, in index order
  // Per protected frame that carried Shroud-Sent: its arrival here minus the camera's publish
  // time, in ms, in arrival order (same clock only when camera and collector share a machine).
  std::vector<double> latency_ms;
  std::optional<VideoCollectReport> video;   // video mode
};

Result<CollectReport> run_collect(const CollectOptions& options);

}  // namespace shroud::fleet
