#include "fleet/streams.h"

#include <chrono>
#include <thread>

#include "fleet/wire.h"

namespace shroud::fleet {

StreamSpec frames_stream_spec() {
  StreamSpec s;
  s.name = kFramesStream;
  s.subjects = {"shroud.frames.>"};
  s.work_queue = true;
  return s;
}

StreamSpec out_stream_spec() {
  StreamSpec s;
  s.name = kOutStream;
  s.subjects = {"shroud.protected.>", "shroud.dead.>"};
  return s;
}

Status check_payload_size(std::size_t bytes, std::int64_t max_payload, const std::string& what) {
  if (max_payload <= 0 || static_cast<std::int64_t>(bytes) + kHeaderRoom <= max_payload) return ok_status();
  return make_error(ErrorCode::kResourceLimit,
                    what + " is " + std::to_string(bytes) + " bytes; with headers it exceeds the server's max_payload of " +
                        std::to_string(max_payload) + " bytes. Raise max_payload in the nats-server config (docs/fleet.md)");
}

Result<PublishResult> publish_with_retry(NatsClient& nc, const std::string& subject, std::span<const std::uint8_t> data,
                                         const Headers& headers, const std::string& msg_id, std::int64_t retry_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(retry_ms);
  for (;;) {
    auto r = nc.publish(subject, data, headers, msg_id);
    if (r.ok() || r.error().code == ErrorCode::kResourceLimit || std::chrono::steady_clock::now() >= deadline) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

}  // namespace shroud::fleet
