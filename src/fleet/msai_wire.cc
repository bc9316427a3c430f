#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "fleet/msai_internal.h"
#include "fleet/msai_parties.h"
#include "fleet/wire.h"

namespace shroud::fleet {
namespace {

constexpr char kMagic[8] = {'S', 'H', 'R', 'M', 'S', 'A', 'F', '1'};

}  // namespace

std::string msai_masked_subject(const std::string& camera) { return "shroud.msai.masked." + camera; }
std::string msai_dead_subject(const std::string& camera) { return "shroud.msai.dead." + camera; }
std::string msai_membrane_subject(const std::string& camera) { return "shroud.msai.dc.membrane." + camera; }

std::vector<std::uint8_t> pack_masked_frame(const std::vector<std::uint8_t>& visible_png,
                                            const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> out(kMagic, kMagic + 8);
  std::uint64_t n = visible_png.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  out.insert(out.end(), visible_png.begin(), visible_png.end());
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Result<MaskedFrame> unpack_masked_frame(std::span<const std::uint8_t> body, std::int64_t index) {
  if (body.size() < 16 || std::memcmp(body.data(), kMagic, 8) != 0) {
    return make_error(ErrorCode::kCorrupt, "masked frame: not an MSAI frame message (bad magic or truncated)");
  }
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= std::uint64_t{body[8 + i]} << (8 * i);
  if (n == 0 || n > body.size() - 16) return make_error(ErrorCode::kCorrupt, "masked frame: bad image length");
  MaskedFrame f;
  f.visible_png.assign(body.begin() + 16, body.begin() + 16 + static_cast<std::ptrdiff_t>(n));
  std::vector<std::uint8_t> payload(body.begin() + 16 + static_cast<std::ptrdiff_t>(n), body.end());
  auto p = schemes::parse_payload(payload);
  if (!p.ok()) return make_error(ErrorCode::kCorrupt, "masked frame: payload: " + p.error().message);
  f.payload = std::move(*p);
  if (f.payload.scramble.frame_index != index) {
    return make_error(ErrorCode::kCorrupt, "masked frame: the payload is for frame " +
                                               std::to_string(f.payload.scramble.frame_index) + ", not " +
                                               std::to_string(index));
  }
  return f;
}

namespace msai_detail {

std::string tau_kv_key(const std::string& camera) { return "tau." + camera; }

Status ensure_msai_streams(NatsClient& nc) {
  StreamSpec q;
  q.name = kMsaiStream;
  q.subjects = {"shroud.msai.masked.>"};
  q.work_queue = true;
  SHROUD_RETURN_IF_ERROR(nc.ensure_stream(q));
  StreamSpec d;
  d.name = kMsaiDeadStream;
  d.subjects = {"shroud.msai.dead.>"};
  return nc.ensure_stream(d);
}

Result<Message> request_retry(NatsClient& nc, const std::string& subject, std::span<const std::uint8_t> data,
                              std::int64_t timeout_ms) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
    auto r = nc.request(subject, data, {}, std::max<std::int64_t>(left, 1));
    if (r.ok() || r.error().code != ErrorCode::kNotFound || left <= 100) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Status respond_error(NatsClient& nc, const Message& request, const Error& error) {
  std::string msg = error.message;
  for (char& c : msg) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  if (msg.empty()) msg = "error";
  return nc.respond(request, {}, {{kHeaderError, msg}, {kHeaderErrorCode, error_code_name(error.code)}});
}

Status reply_status(const Message& reply, const std::string& what) {
  const std::string err = reply.header(kHeaderError);
  if (err.empty()) return ok_status();
  const std::string code = reply.header(kHeaderErrorCode);
  ErrorCode c = ErrorCode::kIo;
  for (ErrorCode k : {ErrorCode::kInvalidArgument, ErrorCode::kNotFound, ErrorCode::kUnsupported, ErrorCode::kCorrupt,
                      ErrorCode::kAuthentication, ErrorCode::kPermission, ErrorCode::kResourceLimit}) {
    if (code == error_code_name(k)) c = k;
  }
  return make_error(c, what + ": " + err);
}

}  // namespace msai_detail
}  // namespace shroud::fleet
