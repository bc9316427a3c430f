// Internal: the fleet's wire layout on NATS JetStream (docs/fleet.md, "Wire format").
//
//   stream SHROUD_FRAMES (work queue, file storage)   subjects shroud.frames.<camera>
//   stream SHROUD_OUT    (limits, file storage)       subjects shroud.protected.<camera>,
//                                                              shroud.dead.<camera>
//   durable pull consumer "shroud-workers" on SHROUD_FRAMES, shared by every worker.
//
// Every message carries the headers below and a JetStream message id (Nats-Msg-Id) made of the
// camera id and frame index, so publishing the same frame again is stored once (within the
// stream's duplicate window).
#pragma once

#include <cstdint>
#include <string>

#include "shroud/result.h"

namespace shroud::fleet {

inline constexpr const char* kFramesStream = "SHROUD_FRAMES";
inline constexpr const char* kOutStream = "SHROUD_OUT";
inline constexpr const char* kWorkersDurable = "shroud-workers";

inline constexpr const char* kHeaderCamera = "Shroud-Camera";
inline constexpr const char* kHeaderFrame = "Shroud-Frame";      // decimal index from 0
inline constexpr const char* kHeaderFormat = "Shroud-Format";    // jpeg | png
inline constexpr const char* kHeaderName = "Shroud-Name";        // source file name (messages, manual regions)
inline constexpr const char* kHeaderSealed = "Shroud-Sealed";    // "box/1" when the payload is sealed (offload)
inline constexpr const char* kHeaderKeyId = "Shroud-Key-Id";     // recipient key id of a sealed payload
inline constexpr const char* kHeaderError = "Shroud-Error";      // dead letters: why
inline constexpr const char* kHeaderDelivered = "Shroud-Delivered";  // dead letters: deliveries seen
// When the camera published the frame: microseconds since the Unix epoch (its wall clock). Workers
// copy it to the result, so a collector can report end-to-end latency.
inline constexpr const char* kHeaderSent = "Shroud-Sent";

// Camera ids: 1..64 of [A-Za-z0-9_-] (no dots or wildcards: they are a subject token).
Status check_camera_id(const std::string& camera);

std::string frames_subject(const std::string& camera);      // shroud.frames.<camera>
std::string protected_subject(const std::string& camera);   // shroud.protected.<camera>
std::string dead_subject(const std::string& camera);        // shroud.dead.<camera>
std::string frame_msg_id(const std::string& camera, std::int64_t index);   // <camera>-<index>
std::string dead_msg_id(const std::string& camera, std::int64_t index);    // dead-<camera>-<index>

// "jpeg" or "png" from a file name's extension; kUnsupported otherwise.
Result<std::string> frame_format_for(const std::string& path);
std::string frame_extension(const std::string& format);    // ".jpg" / ".png"
// Parses a header's decimal frame index (0 .. 2^53); kCorrupt otherwise.
Result<std::int64_t> parse_frame_index(const std::string& text);

}  // namespace shroud::fleet
