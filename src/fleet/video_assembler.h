// Video output of the collector (`shroud collect -o OUT.mkv`, docs/fleet.md "Collector video"):
// one camera's protected frames, in frame-index order, through the engine's VideoWriter (same
// codecs and flags as `shroud protect` video output), with a recovery track OUT.mkv.shroudv
// when the frames carry sealed regions and the collector holds the key.
//
//  - Reordering: frames arrive in any order; up to `reorder_window` frames are held (encoded
//    bytes, as received) waiting for the next index. When more are waiting, the next index is
//    declared missing. Memory: reorder_window encoded frames + two decoded frames.
//  - Gaps (never arrived, dead letter, undecodable, wrong size, or arriving after its slot was
//    filled): the previous frame is repeated, so the video keeps the camera's timing and video
//    frame i is camera frame first+i. Missing frames before the first usable one are skipped
//    (there is nothing to repeat). The report lists every repeated and skipped index.
//  - Recovery track: a protected frame carries its sealed regions as a per-frame seal container
//    (each with its own salt and wrapped key); a track needs one key for the whole video. So the
//    key holder's collector (`keyset`) opens each frame's container (Engine::recover_encoded),
//    and re-seals the original pixels of every rectangle that differs from the protected frame
//    into one track (RecoveryTrackWriter, placeholder fill) under the keyset's symmetric key or
//    `track_recipient`. The video frame is the protected frame with those rectangles filled.
//    `shroud recover OUT.mkv` then restores exactly what `shroud recover` gives for each frame.
//    Without a keyset the video is written without a track (sealed frames are counted).
//  - Writes are atomic: the video is renamed into place by VideoWriter::finish(), the track
//    after it; on any failure neither is left.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shroud/keys.h"
#include "shroud/result.h"

namespace shroud::fleet {

struct VideoCollectOptions {
  std::string path;                       // OUT.mkv / .mp4 / .avi
  double fps = 25.0;
  std::string codec = "auto";             // auto, h264, mpeg4, ffv1 (as `shroud protect`)
  int crf = 20;
  std::string preset = "veryfast";
  bool overwrite = false;
  std::int64_t reorder_window = 64;       // frames held waiting for a missing index (1..100000)
  // A frame whose index is more than this after the next expected one is refused (unusable), so
  // one bad index header cannot make the collector write or list billions of gap frames.
  std::int64_t max_gap = 9000;            // 1..10000000 (9000: 6 minutes at 25 fps)
  std::shared_ptr<const Keyset> keyset;   // opens sealed frames; null: no recovery track
  std::optional<RecipientKey> track_recipient;  // seal the track to this key (default: keyset's symmetric key)
  std::string track;                      // default OUT.shroudv
};

struct UnusableFrame {
  std::int64_t index = 0;
  std::string error;
};

struct VideoCollectReport {
  std::string video, track;               // track empty when none was written
  std::int64_t frames = 0;                // video frames written (repeats included)
  std::vector<std::int64_t> repeated;     // gap indices filled with the previous frame
  std::vector<std::int64_t> skipped;      // missing indices before the first usable frame
  std::vector<std::int64_t> late;         // arrived after their slot was filled (dropped)
  std::vector<UnusableFrame> unusable;    // arrived but not usable (treated as gaps)
  std::int64_t sealed_frames = 0;         // frames that carried a seal container
  std::uint64_t sealed_regions = 0;       // rectangles written to the track
  std::int64_t max_buffered = 0;          // most frames held at once
  bool sealed_without_key = false;        // sealed frames, no keyset: no track
};

class VideoAssembler {
 public:
  static Result<std::unique_ptr<VideoAssembler>> create(const VideoCollectOptions& options);
  ~VideoAssembler();
  // A protected frame (encoded JPEG/PNG as received).
  Status add(std::int64_t index, std::vector<std::uint8_t> bytes);
  // A frame that will not come (dead letter).
  Status missing(std::int64_t index);
  // Writes everything held, fills missing indices below `end` (-1: up to the highest seen),
  // finishes the video and commits the track. Nothing is left on error.
  Result<VideoCollectReport> finish(std::int64_t end);

  struct Impl;

 private:
  explicit VideoAssembler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shroud::fleet
