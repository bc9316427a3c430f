// Internal: the fleet's two streams and how frames are put on them (wire.h names them).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "fleet/nats_client.h"

namespace shroud::fleet {

// Work queue of frames to protect: a frame is removed once a worker acknowledges it.
StreamSpec frames_stream_spec();
// Protected frames and dead letters, kept (limits retention) for collectors.
StreamSpec out_stream_spec();

// Headers, subject and JetStream's own fields need room beside the payload.
inline constexpr std::int64_t kHeaderRoom = 4096;
// kResourceLimit naming `what` when `bytes` + kHeaderRoom exceed the server's max_payload.
Status check_payload_size(std::size_t bytes, std::int64_t max_payload, const std::string& what);

// Publishes with the de-duplication id, retrying transient failures (no responders while the
// server restarts, timeouts) for up to `retry_ms`. Safe because the id makes a retry idempotent.
Result<PublishResult> publish_with_retry(NatsClient& nc, const std::string& subject, std::span<const std::uint8_t> data,
                                         const Headers& headers, const std::string& msg_id,
                                         std::int64_t retry_ms = 30000);

}  // namespace shroud::fleet
