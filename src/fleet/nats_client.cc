#include "fleet/nats_client.h"

#include <nats/nats.h>

#include <chrono>
#include <memory>
#include <thread>

namespace shroud::fleet {
namespace {

constexpr std::int64_t kNsPerMs = 1000000;

Error nats_error(const std::string& what, natsStatus s, jsErrCode jerr = static_cast<jsErrCode>(0)) {
  std::string msg = "nats: " + what + ": " + natsStatus_GetText(s);
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && *last != '\0') msg += std::string(" (") + last + ")";
  if (jerr != 0) msg += " [jetstream error " + std::to_string(static_cast<int>(jerr)) + "]";
  const ErrorCode code = s == NATS_NOT_FOUND ? ErrorCode::kNotFound
                       : s == NATS_MAX_PAYLOAD ? ErrorCode::kResourceLimit
                                               : ErrorCode::kIo;
  return make_error(code, msg);
}

}  // namespace

// ---- Message
Message::Message(natsMsg* msg) : msg_(msg) {}
Message::Message(Message&& o) noexcept : msg_(std::exchange(o.msg_, nullptr)) {}
Message& Message::operator=(Message&& o) noexcept {
  if (this != &o) {
    if (msg_ != nullptr) natsMsg_Destroy(msg_);
    msg_ = std::exchange(o.msg_, nullptr);
  }
  return *this;
}
Message::~Message() {
  if (msg_ != nullptr) natsMsg_Destroy(msg_);
}

std::string Message::subject() const { return natsMsg_GetSubject(msg_); }
std::string Message::reply() const {
  const char* r = natsMsg_GetReply(msg_);
  return r == nullptr ? std::string() : std::string(r);
}

std::span<const std::uint8_t> Message::data() const {
  const int n = natsMsg_GetDataLength(msg_);
  return {reinterpret_cast<const std::uint8_t*>(natsMsg_GetData(msg_)), static_cast<std::size_t>(n > 0 ? n : 0)};
}

std::string Message::header(const std::string& key) const {
  const char* v = nullptr;
  if (natsMsgHeader_Get(msg_, key.c_str(), &v) != NATS_OK || v == nullptr) return {};
  return v;
}

std::uint64_t Message::num_delivered() const {
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, msg_) != NATS_OK) return 0;
  const std::uint64_t n = meta->NumDelivered;
  jsMsgMetaData_Destroy(meta);
  return n;
}

std::uint64_t Message::stream_sequence() const {
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, msg_) != NATS_OK) return 0;
  const std::uint64_t n = meta->Sequence.Stream;
  jsMsgMetaData_Destroy(meta);
  return n;
}

Status Message::ack_sync() {
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = natsMsg_AckSync(msg_, nullptr, &jerr);
  return s == NATS_OK ? ok_status() : Status(nats_error("ack", s, jerr));
}
Status Message::nak(std::int64_t delay_ms) {
  const natsStatus s = natsMsg_NakWithDelay(msg_, delay_ms, nullptr);
  return s == NATS_OK ? ok_status() : Status(nats_error("nak", s));
}
Status Message::in_progress() {
  const natsStatus s = natsMsg_InProgress(msg_, nullptr);
  return s == NATS_OK ? ok_status() : Status(nats_error("in-progress", s));
}
Status Message::term() {
  const natsStatus s = natsMsg_Term(msg_, nullptr);
  return s == NATS_OK ? ok_status() : Status(nats_error("term", s));
}

// ---- PullSubscription
PullSubscription::PullSubscription(natsSubscription* sub, natsConnection* nc) : sub_(sub), nc_(nc) {}
PullSubscription::PullSubscription(PullSubscription&& o) noexcept
    : sub_(std::exchange(o.sub_, nullptr)), nc_(std::exchange(o.nc_, nullptr)) {}
PullSubscription& PullSubscription::operator=(PullSubscription&& o) noexcept {
  if (this != &o) {
    close();
    sub_ = std::exchange(o.sub_, nullptr);
    nc_ = std::exchange(o.nc_, nullptr);
  }
  return *this;
}
PullSubscription::~PullSubscription() { close(); }

// libnats 3.4 (Debian 12) can crash when a subscription is destroyed while the connection's
// reader thread is delivering a message for it (nats.c issue 637, fixed upstream in PR 638);
// an ordered consumer keeps receiving heartbeats, and destroying one crashed FleetMsaiTest about
// 1 run in 4. Unsubscribe, then flush: when the PONG is back, the server has processed the UNSUB
// and the reader has finished every message sent before it, so nothing is in flight.
void PullSubscription::close() {
  if (sub_ == nullptr) return;
  (void)natsSubscription_Unsubscribe(sub_);
  if (nc_ != nullptr) (void)natsConnection_FlushTimeout(nc_, 2000);
  natsSubscription_Destroy(sub_);
  sub_ = nullptr;
}

Result<std::vector<Message>> PullSubscription::fetch(int batch, std::int64_t timeout_ms) {
  natsMsgList list{};
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = natsSubscription_Fetch(&list, sub_, batch, timeout_ms, &jerr);
  std::vector<Message> out;
  if (s == NATS_TIMEOUT) return out;
  if (s != NATS_OK) return nats_error("fetch", s, jerr);
  for (int i = 0; i < list.Count; ++i) {
    out.emplace_back(list.Msgs[i]);
    list.Msgs[i] = nullptr;   // owned by `out` now
  }
  natsMsgList_Destroy(&list);
  return out;
}

Result<std::vector<Message>> PullSubscription::next(std::int64_t timeout_ms) {
  natsMsg* msg = nullptr;
  const natsStatus s = natsSubscription_NextMsg(&msg, sub_, timeout_ms);
  std::vector<Message> out;
  if (s == NATS_TIMEOUT) return out;
  if (s != NATS_OK) return nats_error("next message", s);
  out.emplace_back(msg);
  return out;
}

// ---- NatsClient
NatsClient::NatsClient(NatsClient&& o) noexcept
    : nc_(std::exchange(o.nc_, nullptr)), js_(std::exchange(o.js_, nullptr)) {}
NatsClient& NatsClient::operator=(NatsClient&& o) noexcept {
  if (this != &o) {
    this->~NatsClient();
    nc_ = std::exchange(o.nc_, nullptr);
    js_ = std::exchange(o.js_, nullptr);
  }
  return *this;
}
NatsClient::~NatsClient() {
  if (js_ != nullptr) jsCtx_Destroy(js_);
  if (nc_ != nullptr) {
    natsConnection_FlushTimeout(nc_, 2000);
    natsConnection_Destroy(nc_);
  }
  js_ = nullptr;
  nc_ = nullptr;
}

Result<NatsClient> NatsClient::connect(const std::string& url, std::int64_t connect_timeout_ms) {
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s != NATS_OK) return nats_error("options", s);
  std::unique_ptr<natsOptions, void (*)(natsOptions*)> guard(opts, natsOptions_Destroy);
  s = natsOptions_SetURL(opts, url.c_str());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);     // forever: servers restart
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 200);
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(opts, 64 * 1024 * 1024);
  if (s != NATS_OK) return nats_error("options for '" + url + "'", s);
  NatsClient c;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(connect_timeout_ms);
  for (;;) {
    s = natsConnection_Connect(&c.nc_, opts);
    if (s == NATS_OK) break;
    if (std::chrono::steady_clock::now() >= deadline) return nats_error("cannot connect to '" + url + "'", s);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = 10000;
  s = natsConnection_JetStream(&c.js_, c.nc_, &jo);
  if (s != NATS_OK) return nats_error("jetstream context", s);
  return c;
}

std::int64_t NatsClient::max_payload() const { return natsConnection_GetMaxPayload(nc_); }

Status NatsClient::ensure_stream(const StreamSpec& spec) {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&si, js_, spec.name.c_str(), nullptr, &jerr);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return ok_status();
  }
  if (s != NATS_NOT_FOUND) return nats_error("stream " + spec.name, s, jerr);
  std::vector<const char*> subjects;
  for (const auto& x : spec.subjects) subjects.push_back(x.c_str());
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = spec.name.c_str();
  cfg.Subjects = subjects.data();
  cfg.SubjectsLen = static_cast<int>(subjects.size());
  cfg.Retention = spec.work_queue ? js_WorkQueuePolicy : js_LimitsPolicy;
  cfg.Storage = js_FileStorage;
  cfg.Duplicates = spec.duplicate_window_ms * kNsPerMs;
  s = js_AddStream(&si, js_, &cfg, nullptr, &jerr);
  if (s == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return ok_status();
  }
  // Another process may have created it meanwhile.
  jerr = static_cast<jsErrCode>(0);
  if (js_GetStreamInfo(&si, js_, spec.name.c_str(), nullptr, &jerr) == NATS_OK) {
    jsStreamInfo_Destroy(si);
    return ok_status();
  }
  return nats_error("create stream " + spec.name, s, jerr);
}

Result<ConsumerLimits> NatsClient::ensure_consumer(const ConsumerSpec& spec) {
  jsConsumerInfo* ci = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetConsumerInfo(&ci, js_, spec.stream.c_str(), spec.durable.c_str(), nullptr, &jerr);
  if (s == NATS_NOT_FOUND) {
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = spec.durable.c_str();
    cc.AckPolicy = js_AckExplicit;
    cc.DeliverPolicy = js_DeliverAll;
    cc.AckWait = spec.ack_wait_ms * kNsPerMs;
    cc.MaxDeliver = spec.max_deliver;
    cc.MaxAckPending = spec.max_ack_pending;
    if (!spec.filter.empty()) cc.FilterSubject = spec.filter.c_str();
    s = js_AddConsumer(&ci, js_, spec.stream.c_str(), &cc, nullptr, &jerr);
    if (s != NATS_OK) {   // a concurrent worker may have won the race
      const Error add_error = nats_error("create consumer " + spec.durable + " on " + spec.stream, s, jerr);
      jsErrCode jerr2 = static_cast<jsErrCode>(0);
      if (js_GetConsumerInfo(&ci, js_, spec.stream.c_str(), spec.durable.c_str(), nullptr, &jerr2) != NATS_OK) {
        return add_error;
      }
      s = NATS_OK;
    }
  }
  if (s != NATS_OK) return nats_error("consumer " + spec.durable + " on " + spec.stream, s, jerr);
  ConsumerLimits l;
  l.ack_wait_ms = ci->Config->AckWait / kNsPerMs;
  l.max_deliver = ci->Config->MaxDeliver;
  l.max_ack_pending = ci->Config->MaxAckPending;
  jsConsumerInfo_Destroy(ci);
  return l;
}

Status NatsClient::delete_consumer(const std::string& stream, const std::string& durable) {
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = js_DeleteConsumer(js_, stream.c_str(), durable.c_str(), nullptr, &jerr);
  return s == NATS_OK ? ok_status() : Status(nats_error("delete consumer " + durable, s, jerr));
}

Result<PullSubscription> NatsClient::pull_subscribe(const std::string& stream, const std::string& durable,
                                                    const std::string& filter) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Consumer = durable.c_str();   // bind to the existing durable (ensure_consumer)
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = js_PullSubscribe(&sub, js_, filter.c_str(), durable.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) return nats_error("pull subscribe " + durable, s, jerr);
  return PullSubscription(sub, nc_);
}

Result<PullSubscription> NatsClient::ordered_subscribe(const std::string& stream, const std::string& filter) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverAll;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = js_SubscribeSync(&sub, js_, filter.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) return nats_error("subscribe " + filter, s, jerr);
  return PullSubscription(sub, nc_);
}

Result<PublishResult> NatsClient::publish(const std::string& subject, std::span<const std::uint8_t> data,
                                          const Headers& headers, const std::string& msg_id) {
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, reinterpret_cast<const char*>(data.data()),
                                static_cast<int>(data.size()));
  if (s != NATS_OK) return nats_error("message for " + subject, s);
  std::unique_ptr<natsMsg, void (*)(natsMsg*)> guard(msg, natsMsg_Destroy);
  for (const auto& [k, v] : headers) {
    if (v.empty()) continue;   // libnats writes "Key: \r\n", which its own parser then rejects
    s = natsMsgHeader_Set(msg, k.c_str(), v.c_str());
    if (s != NATS_OK) return nats_error("header " + k, s);
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MsgId = msg_id.c_str();
  jsPubAck* pa = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_PublishMsg(&pa, js_, msg, &po, &jerr);
  if (s != NATS_OK) return nats_error("publish to " + subject, s, jerr);
  PublishResult r;
  r.duplicate = pa->Duplicate;
  r.sequence = pa->Sequence;
  jsPubAck_Destroy(pa);
  return r;
}

namespace {

Result<natsMsg*> make_msg(const std::string& subject, std::span<const std::uint8_t> data, const Headers& headers) {
  natsMsg* msg = nullptr;
  natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, reinterpret_cast<const char*>(data.data()),
                                static_cast<int>(data.size()));
  if (s != NATS_OK) return nats_error("message for " + subject, s);
  for (const auto& [k, v] : headers) {
    if (v.empty()) continue;
    s = natsMsgHeader_Set(msg, k.c_str(), v.c_str());
    if (s != NATS_OK) {
      natsMsg_Destroy(msg);
      return nats_error("header " + k, s);
    }
  }
  return msg;
}

}  // namespace

Result<PullSubscription> NatsClient::subscribe(const std::string& subject, const std::string& queue) {
  natsSubscription* sub = nullptr;
  const natsStatus s = queue.empty() ? natsConnection_SubscribeSync(&sub, nc_, subject.c_str())
                                     : natsConnection_QueueSubscribeSync(&sub, nc_, subject.c_str(), queue.c_str());
  if (s != NATS_OK) return nats_error("subscribe to " + subject, s);
  // Make sure the server has the interest before a caller relies on it (requests sent next).
  (void)natsConnection_FlushTimeout(nc_, 5000);
  return PullSubscription(sub, nc_);
}

Result<Message> NatsClient::request(const std::string& subject, std::span<const std::uint8_t> data,
                                    const Headers& headers, std::int64_t timeout_ms) {
  SHROUD_ASSIGN_OR_RETURN(natsMsg * msg, make_msg(subject, data, headers));
  std::unique_ptr<natsMsg, void (*)(natsMsg*)> guard(msg, natsMsg_Destroy);
  natsMsg* reply = nullptr;
  const natsStatus s = natsConnection_RequestMsg(&reply, nc_, msg, timeout_ms);
  if (s == NATS_NO_RESPONDERS) {
    return make_error(ErrorCode::kNotFound, "nats: nobody serves " + subject + " (" + natsStatus_GetText(s) + ")");
  }
  if (s == NATS_TIMEOUT) {
    return make_error(ErrorCode::kIo, "nats: no answer on " + subject + " within " + std::to_string(timeout_ms) + " ms");
  }
  if (s != NATS_OK) return nats_error("request on " + subject, s);
  return Message(reply);
}

Status NatsClient::respond(const Message& request, std::span<const std::uint8_t> data, const Headers& headers) {
  const std::string to = request.reply();
  if (to.empty()) return make_error(ErrorCode::kInvalidArgument, "nats: the message has no reply subject");
  SHROUD_ASSIGN_OR_RETURN(natsMsg * msg, make_msg(to, data, headers));
  std::unique_ptr<natsMsg, void (*)(natsMsg*)> guard(msg, natsMsg_Destroy);
  const natsStatus s = natsConnection_PublishMsg(nc_, msg);
  if (s != NATS_OK) return nats_error("reply", s);
  return ok_status();
}

Result<std::uint64_t> NatsClient::subject_count(const std::string& stream, const std::string& subject) {
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Stream.Info.SubjectsFilter = subject.c_str();
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = js_GetStreamInfo(&si, js_, stream.c_str(), &jo, &jerr);
  if (s != NATS_OK) return nats_error("stream " + stream, s, jerr);
  std::uint64_t n = 0;
  if (si->State.Subjects != nullptr) {
    for (int i = 0; i < si->State.Subjects->Count; ++i) n += si->State.Subjects->List[i].Msgs;
  }
  jsStreamInfo_Destroy(si);
  return n;
}

void close_nats_library() { (void)nats_CloseAndWait(2000); }

}  // namespace shroud::fleet
