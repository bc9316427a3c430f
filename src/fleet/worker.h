// Worker: protects frames from the work-queue stream through the Engine (`shroud worker`,
// docs/fleet.md). Any number of workers, on any number of machines, share one durable pull
// consumer ("shroud-workers" on SHROUD_FRAMES), so each frame goes to one worker at a time.
//
// Per frame, in this order:
//   1. InProgress (the ack-wait timer restarts when its turn in the batch comes; a heartbeat
//      repeats it every ack_wait/3 while the engine runs, so long frames are not redelivered);
//   2. offload frames are opened with the pool's keyset (frame_box.h);
//   3. Engine::protect_encoded (same format out as in);
//   4. the result is published to shroud.protected.<camera> with message id <camera>-<index>
//      and the server's ack is awaited;
//   5. only then the frame is acknowledged (removed from the work queue).
// A worker killed anywhere in 1-5 loses nothing: the frame is redelivered after the ack wait and
// a second publish of the same id is dropped by JetStream's de-duplication.
//
// Failures: a frame the engine refuses (corrupt JPEG, unreadable seal, output over max_payload)
// is published as it arrived to shroud.dead.<camera> with the error in the Shroud-Error header,
// then acknowledged. A transient failure (publishing the result) is nak'ed and retried; after
// `max_attempts` deliveries the frame is dead-lettered. The consumer's MaxDeliver is
// max_attempts + 1: the extra delivery is used only to dead-letter a frame on which workers
// died every time (a crash-looping poison frame), without processing it again.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "shroud/engine.h"
#include "shroud/keys.h"
#include "shroud/result.h"

namespace shroud::fleet {

struct WorkerOptions {
  std::string url;
  const Engine* engine = nullptr;
  std::shared_ptr<const Keyset> open_keyset;   // opens offload (sealed) frames; may be null
  std::string camera_filter = ">";             // cameras this consumer serves (subject token)
  int batch = 4;                               // frames fetched at a time
  // Consumer settings, used when this worker creates the consumer (the first one does); the
  // server's stored values are authoritative afterwards.
  std::int64_t ack_wait_ms = 30000;
  std::int64_t max_attempts = 5;
  std::int64_t max_ack_pending = 64;           // back-pressure: frames in flight over all workers
  std::int64_t idle_exit_ms = 0;               // exit after this long without frames; 0: never
  std::function<bool()> stop;                  // polled between frames and fetches
  std::function<void(const std::string& message)> on_log;   // per-frame events
  // Once bound to the consumer, before the first fetch: its name and the server's limits.
  std::function<void(const std::string& consumer, std::int64_t ack_wait_ms, std::int64_t max_deliver,
                     std::int64_t max_ack_pending)> on_ready;
};

struct WorkerReport {
  std::int64_t protected_frames = 0;
  std::int64_t duplicates = 0;   // results JetStream had already stored (a redelivered frame)
  std::int64_t dead = 0;
  std::int64_t retried = 0;      // nak'ed for redelivery
};

Result<WorkerReport> run_worker(const WorkerOptions& options);

}  // namespace shroud::fleet
