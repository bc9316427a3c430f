// Internal: MSAI's three parties (MSAI paper section 4; SCHEMES.md 1) as services on NATS
// JetStream (docs/fleet.md, "MSAI's parties"). The same library calls and wire formats as
// `shroud msai` (include/shroud/schemes/msai.h), with messages instead of files:
//
//   camera       masks the sensitive area with a one-time membrane (msai-l), scrambles the frame
//                in 8x8 blocks with its tau, publishes visible PNG + payload to the work queue
//                SHROUD_MSAI (shroud.msai.masked.<camera>, id msai-<camera>-<index>).
//   cloud        the one durable consumer of SHROUD_MSAI: checks each message, stores it in its
//                folder (atomic write, fsync) and only then acknowledges; a bad message goes to
//                shroud.msai.dead.<camera> (stream SHROUD_MSAI_DEAD) with Shroud-Error. Serves
//                stored messages on request (shroud.msai.cloud.get). Holds no key: it cannot
//                unmask (k) or unscramble (tau).
//   data centre  holds k and one tau per camera (files in its state folder, 0600). Answers
//                membrane requests (shroud.msai.dc.membrane.<camera>) with a fresh membrane sealed
//                to the camera's pinned X25519 key, puts tau.<camera> (sealed likewise) into the
//                key-value bucket SHROUD_MSAI, and restores frames for authorised requesters
//                (shroud.msai.dc.restore): fetches the masked frame from the cloud, recovers it
//                bit-exactly, and replies with the PNG sealed to the requester's key.
//
// Deviation from the paper, on purpose: there the cloud platform generates k and the membranes.
// Whoever makes a membrane knows k (and one membrane element reveals k to anyone who knows w and
// E), and the cloud also holds the masked data, so the paper's cloud can unmask every area. Here
// the data centre makes them; the broker and the cloud only ever carry sealed membranes and tau.
//
// Sealed values use frame_box.h (crypto_box_seal), bound to camera, frame and purpose
// ("msai-membrane", "msai-tau", "msai-restored"), so none can be replayed as another.
// The library does not print: services report through `on_event`.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "shroud/keys.h"
#include "shroud/result.h"
#include "shroud/schemes/msai.h"

namespace shroud::fleet {

inline constexpr const char* kMsaiStream = "SHROUD_MSAI";          // work queue, file storage
inline constexpr const char* kMsaiDeadStream = "SHROUD_MSAI_DEAD";  // limits, file storage
inline constexpr const char* kMsaiBucket = "SHROUD_MSAI";           // key-value bucket
inline constexpr const char* kMsaiCloudDurable = "shroud-msai-cloud";
inline constexpr const char* kMsaiCloudGet = "shroud.msai.cloud.get";
inline constexpr const char* kMsaiRestore = "shroud.msai.dc.restore";

std::string msai_masked_subject(const std::string& camera);     // shroud.msai.masked.<camera>
std::string msai_dead_subject(const std::string& camera);       // shroud.msai.dead.<camera>
std::string msai_membrane_subject(const std::string& camera);   // shroud.msai.dc.membrane.<camera>

// A masked frame as one message body: "SHRMSAF1", u64 LE length of the visible PNG, the PNG,
// then the payload in the msai.h message format.
std::vector<std::uint8_t> pack_masked_frame(const std::vector<std::uint8_t>& visible_png,
                                            const std::vector<std::uint8_t>& payload);
struct MaskedFrame {
  std::vector<std::uint8_t> visible_png;
  schemes::MsaiPayload payload;
};
// Checks the framing, parses the payload (size limits before allocating) and that the payload's
// frame index is `index`; kCorrupt otherwise.
Result<MaskedFrame> unpack_masked_frame(std::span<const std::uint8_t> body, std::int64_t index);

using EventFn = std::function<void(const std::string&)>;
using StopFn = std::function<bool()>;

// ---- camera
struct MsaiCameraOptions {
  std::string url, camera;
  std::vector<std::string> frames;         // image files, in frame order (index = position)
  std::int64_t first_index = 0;
  const Keyset* keyset = nullptr;          // the camera's key pair (opens membranes and tau)
  std::uint32_t key_id = 0;                // its recipient key id
  // The sensitive area of a frame (may be empty: then only scrambled).
  std::function<Result<cv::Rect>(const cv::Mat&, const std::string&)> find_area;
  std::int64_t request_timeout_ms = 10000;
  EventFn on_event;
};
struct MsaiCameraReport {
  std::int64_t published = 0, duplicates = 0, bytes = 0;
};
Result<MsaiCameraReport> run_msai_camera(const MsaiCameraOptions& o);

// ---- cloud platform
struct MsaiCloudOptions {
  std::string url, store_dir;
  std::int64_t idle_exit_ms = 0;           // 0: until stop()
  std::int64_t ack_wait_ms = 30000;
  int max_attempts = 5;
  StopFn stop;
  EventFn on_event;
};
struct MsaiCloudReport {
  std::int64_t stored = 0, already_stored = 0, dead = 0, served = 0;
};
Result<MsaiCloudReport> run_msai_cloud(const MsaiCloudOptions& o);

// ---- data centre
struct MsaiDatacenterOptions {
  std::string url, state_dir;              // state: msai.key, tau-<camera>.json (0600)
  std::map<std::string, RecipientKey> cameras;   // pinned camera keys: only these are served
  std::vector<RecipientKey> authorized;          // requesters allowed to restore
  std::int64_t idle_exit_ms = 0;
  std::int64_t cloud_timeout_ms = 10000;
  StopFn stop;
  EventFn on_event;                        // one line per membrane issued / restore (the audit)
};
struct MsaiDatacenterReport {
  std::int64_t membranes = 0, restored = 0, refused = 0;
};
// Creates the state (k, and per camera tau) on first use, then serves until idle or stop().
Result<MsaiDatacenterReport> run_msai_datacenter(const MsaiDatacenterOptions& o);

// ---- an authorised requester
// Asks the data centre for frame `index` of `camera`; opens the reply with `keyset`/`key_id`;
// returns the original frame's PNG bytes. kPermission when the data centre refuses.
Result<std::vector<std::uint8_t>> msai_request_restore(const std::string& url, const std::string& camera,
                                                       std::int64_t index, const Keyset& keyset, std::uint32_t key_id,
                                                       std::int64_t timeout_ms = 20000);

}  // namespace shroud::fleet
