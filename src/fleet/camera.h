// Camera agent: publishes a camera's frames (a folder of JPEG/PNG files or a video) to
// NATS JetStream (`shroud camera`, docs/fleet.md).
//
//  - kRaw: each encoded frame is published as it is to shroud.frames.<camera> (work queue).
//  - kOffload: each encoded frame is sealed whole to the worker pool's recipient public key
//    (frame_box.h) before publishing; the broker only ever holds ciphertext.
//  - kProtect (on-device): the camera runs the engine itself and publishes only protected frames,
//    straight to shroud.protected.<camera> (the workers are bypassed).
//
// Message ids are "<camera>-<index>": publishing the same frames again (a camera restart, a
// retry after a lost ack) stores each frame once. A frame larger than the server's max_payload
// stops the run with kResourceLimit naming the frame (nothing is split or dropped silently).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "shroud/engine.h"
#include "shroud/keys.h"
#include "shroud/result.h"

namespace shroud::fleet {

struct CameraOptions {
  enum class Mode { kRaw, kOffload, kProtect };
  std::string url;                        // nats://127.0.0.1:4222
  std::string camera;                     // id: [A-Za-z0-9_-]{1,64}
  std::string input;                      // a folder or image files' parent, or a video file
  Mode mode = Mode::kRaw;
  std::optional<RecipientKey> recipient;  // kOffload
  const Engine* engine = nullptr;         // kProtect
  std::int64_t first_index = 0;           // index of the first frame
  std::int64_t max_frames = 0;            // 0: all
  double fps = 0;                         // pace publishing (simulated live camera); 0: as fast as possible
  int video_quality = 90;                 // JPEG quality of frames taken from a video
  std::function<bool()> cancelled;
  std::function<void(std::int64_t index, const std::string& name, bool duplicate)> on_frame;
};

struct CameraReport {
  std::int64_t frames = 0;                // published (or found already stored)
  std::int64_t duplicates = 0;            // already stored under the same message id
  std::int64_t failed = 0;                // kProtect: frames the engine refused (sent as dead letters)
  std::uint64_t bytes = 0;                // payload bytes published
};

Result<CameraReport> run_camera(const CameraOptions& options);

}  // namespace shroud::fleet
