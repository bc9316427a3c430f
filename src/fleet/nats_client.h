// Internal: a small RAII layer over the NATS C client (libnats): one connection with its
// JetStream context, messages, and pull subscriptions. Every call returns Result/Status with the
// NATS status text (and the JetStream error code when the server gave one); nothing throws.
//
// Thread safety: a NatsClient (connection + JetStream context) may be used from several threads
// (libnats connections are thread-safe). A Message and a PullSubscription belong to one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "shroud/result.h"

struct __natsConnection;
struct __natsMsg;
struct __natsSubscription;
struct __jsCtx;

namespace shroud::fleet {

using Headers = std::vector<std::pair<std::string, std::string>>;

// A received message (owns the natsMsg). JetStream acknowledgements are on the message.
class Message {
 public:
  explicit Message(__natsMsg* msg);
  Message(Message&&) noexcept;
  Message& operator=(Message&&) noexcept;
  ~Message();

  std::string subject() const;
  std::string reply() const;                          // core request/reply: "" when none
  std::span<const std::uint8_t> data() const;
  std::string header(const std::string& key) const;   // "" when absent
  // JetStream: how many times this message was delivered (1 the first time); 0 if unknown.
  std::uint64_t num_delivered() const;
  std::uint64_t stream_sequence() const;

  Status ack_sync();                      // waits for the server's confirmation
  Status nak(std::int64_t delay_ms);      // redeliver after delay_ms
  Status in_progress();                   // restart the ack wait timer
  Status term();                          // never redeliver

 private:
  __natsMsg* msg_ = nullptr;
};

struct StreamSpec {
  std::string name;
  std::vector<std::string> subjects;
  bool work_queue = false;                // WorkQueue retention (else Limits)
  std::int64_t duplicate_window_ms = 10 * 60 * 1000;
};

struct ConsumerSpec {
  std::string stream;
  std::string durable;
  std::string filter;                     // subject filter; empty: all
  std::int64_t ack_wait_ms = 30000;
  std::int64_t max_deliver = 6;
  std::int64_t max_ack_pending = 64;
};

struct ConsumerLimits {                   // as stored on the server (authoritative)
  std::int64_t ack_wait_ms = 0, max_deliver = 0, max_ack_pending = 0;
};

struct PublishResult {
  bool duplicate = false;                 // JetStream recognised the message id
  std::uint64_t sequence = 0;
};

class PullSubscription {
 public:
  // `nc`: the subscription's connection (flushed when the subscription is closed).
  PullSubscription(__natsSubscription* sub, __natsConnection* nc);
  PullSubscription(PullSubscription&&) noexcept;
  PullSubscription& operator=(PullSubscription&&) noexcept;
  ~PullSubscription();
  // Up to `batch` messages, waiting at most timeout_ms; an empty vector on timeout.
  Result<std::vector<Message>> fetch(int batch, std::int64_t timeout_ms);
  // Push/ordered subscriptions: the next message or an empty optional on timeout.
  Result<std::vector<Message>> next(std::int64_t timeout_ms);

 private:
  void close();
  __natsSubscription* sub_ = nullptr;
  __natsConnection* nc_ = nullptr;
};

class NatsClient {
 public:
  // Connects to `url` (nats://host:port) with JetStream; reconnects forever after a drop
  // (buffering publishes meanwhile), and retries the first connect for `connect_timeout_ms`.
  static Result<NatsClient> connect(const std::string& url, std::int64_t connect_timeout_ms = 5000);
  NatsClient(NatsClient&&) noexcept;
  NatsClient& operator=(NatsClient&&) noexcept;
  ~NatsClient();

  // The server's max_payload (bytes a message, headers included, may have).
  std::int64_t max_payload() const;

  // Creates the stream when absent (file storage); an existing stream is used as it is.
  Status ensure_stream(const StreamSpec& spec);
  // Creates the durable consumer when absent; returns its limits as the server holds them.
  Result<ConsumerLimits> ensure_consumer(const ConsumerSpec& spec);
  Status delete_consumer(const std::string& stream, const std::string& durable);
  Result<PullSubscription> pull_subscribe(const std::string& stream, const std::string& durable,
                                          const std::string& filter);
  // An ordered push consumer over `stream` filtered by `filter`, from the first message.
  Result<PullSubscription> ordered_subscribe(const std::string& stream, const std::string& filter);
  // Publishes to JetStream with headers and a de-duplication message id; waits for the ack.
  Result<PublishResult> publish(const std::string& subject, std::span<const std::uint8_t> data,
                                const Headers& headers, const std::string& msg_id);
  // Core NATS (no JetStream), for request/reply services (src/fleet/msai_*): a synchronous
  // subscription (queue group `queue` unless empty; read it with next()), a request waiting at
  // most timeout_ms for the reply (kNotFound at once when nobody subscribes, kIo when no answer
  // comes in time), and a reply
  // to a received request.
  Result<PullSubscription> subscribe(const std::string& subject, const std::string& queue);
  Result<Message> request(const std::string& subject, std::span<const std::uint8_t> data, const Headers& headers,
                          std::int64_t timeout_ms);
  Status respond(const Message& request, std::span<const std::uint8_t> data, const Headers& headers);
  // The JetStream context, for the other wrappers in src/fleet (kv_bucket).
  __jsCtx* jetstream() const { return js_; }
  // Messages stored on `subject` in `stream`.
  Result<std::uint64_t> subject_count(const std::string& stream, const std::string& subject);

 private:
  NatsClient() = default;
  __natsConnection* nc_ = nullptr;
  __jsCtx* js_ = nullptr;
};

// Unloads the NATS library (its threads and global state) once every client is gone; call at
// process end so memory checkers (LeakSanitizer) see a clean exit. Waits up to 2 s.
void close_nats_library();

}  // namespace shroud::fleet
