// Internal to src/fleet/msai_*.cc: helpers shared by the three MSAI parties.
#pragma once

#include <string>

#include "fleet/nats_client.h"
#include "shroud/result.h"

namespace shroud::fleet::msai_detail {

inline constexpr const char* kPurposeMembrane = "msai-membrane";
inline constexpr const char* kPurposeTau = "msai-tau";
inline constexpr const char* kPurposeRestored = "msai-restored";
inline constexpr const char* kHeaderErrorCode = "Shroud-Error-Code";   // error_code_name()

std::string tau_kv_key(const std::string& camera);   // tau.<camera>

// SHROUD_MSAI (work queue) and SHROUD_MSAI_DEAD (limits), file storage, created when absent.
Status ensure_msai_streams(NatsClient& nc);

// A request that waits for a responder to appear (a party starting or restarting) until
// `timeout_ms` has passed in all.
Result<Message> request_retry(NatsClient& nc, const std::string& subject, std::span<const std::uint8_t> data,
                              std::int64_t timeout_ms);

// A reply that carries an error instead of a value.
Status respond_error(NatsClient& nc, const Message& request, const Error& error);
// The error a reply carries, if any (ok_status() otherwise).
Status reply_status(const Message& reply, const std::string& what);

}  // namespace shroud::fleet::msai_detail
