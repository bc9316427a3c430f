#include "service/audit.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <ctime>

#include "shroud/image_io.h"

namespace shroud::service {
namespace {

const std::string kZeroHash(64, '0');

std::string head_message(std::int64_t seq, const std::string& hash) {
  return "shroud-audit-head/v1|" + std::to_string(seq) + "|" + hash;
}

}  // namespace

std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof(out), "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

std::string audit_hash(const AuditRow& r) {
  const nlohmann::json j = nlohmann::json::array({r.seq, r.time, r.tenant, r.actor, r.action, r.item, r.detail, r.prev});
  return hash_hex("shroud-audit/v1|" + j.dump());
}

Result<AuditRow> audit_append(Store& store, const SigningKey& key, AuditRow e) {
  SHROUD_ASSIGN_OR_RETURN(auto last, store.last_audit());
  e.seq = last ? last->seq + 1 : 1;
  e.prev = last ? last->hash : kZeroHash;
  e.time = now_rfc3339();
  if (e.detail.empty()) e.detail = "{}";
  e.hash = audit_hash(e);
  e.sig = key.sign_hex(e.hash);
  SHROUD_RETURN_IF_ERROR(store.insert_audit(e));
  return e;
}

Status write_audit_head(const std::string& path, const AuditRow& last, const SigningKey& key) {
  const nlohmann::json j = {{"seq", last.seq}, {"hash", last.hash}, {"sig", key.sign_hex(head_message(last.seq, last.hash))}};
  const std::string text = j.dump() + "\n";
  return write_file_atomic(path, std::vector<std::uint8_t>(text.begin(), text.end()), WriteOptions{true, 0644});
}

Result<AuditVerdict> audit_verify(Store& store, const std::string& public_hex, const std::string& head_path) {
  SHROUD_ASSIGN_OR_RETURN(auto rows, store.audit());
  AuditVerdict v;
  v.entries = static_cast<std::int64_t>(rows.size());
  auto bad = [&](std::int64_t seq, std::string reason) {
    v.ok = false;
    v.first_bad = seq;
    v.reason = std::move(reason);
    return v;
  };
  std::string prev = kZeroHash;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const AuditRow& r = rows[i];
    const auto expected = static_cast<std::int64_t>(i) + 1;
    if (r.seq != expected) {
      return bad(expected, "entry " + std::to_string(expected) + " is missing or out of order (found seq " +
                               std::to_string(r.seq) + " in its place)");
    }
    if (r.prev != prev) {
      return bad(r.seq, "entry " + std::to_string(r.seq) + " does not follow entry " + std::to_string(r.seq - 1) +
                            " (previous-hash mismatch: an entry was deleted, reordered or edited)");
    }
    if (audit_hash(r) != r.hash) {
      return bad(r.seq, "entry " + std::to_string(r.seq) + " was edited (its content does not match its hash)");
    }
    if (!verify_signature(r.hash, r.sig, public_hex)) {
      return bad(r.seq, "entry " + std::to_string(r.seq) + " has a bad signature");
    }
    prev = r.hash;
  }
  auto head_bytes = read_file(head_path, 4096);
  if (!head_bytes.ok()) {
    if (rows.empty()) return v;
    return bad(1, "the audit head file '" + head_path + "' is missing: " + head_bytes.error().message);
  }
  const auto head = nlohmann::json::parse(head_bytes->begin(), head_bytes->end(), nullptr, false);
  if (!head.is_object() || !head.contains("seq") || !head["seq"].is_number_integer() || !head.contains("hash") ||
      !head["hash"].is_string() || !head.contains("sig") || !head["sig"].is_string()) {
    return bad(v.entries, "the audit head file '" + head_path + "' is malformed");
  }
  const std::int64_t head_seq = head["seq"].get<std::int64_t>();
  const std::string head_hash = head["hash"].get<std::string>();
  if (!verify_signature(head_message(head_seq, head_hash), head["sig"].get<std::string>(), public_hex)) {
    return bad(v.entries, "the audit head file has a bad signature");
  }
  if (head_seq > v.entries) {
    return bad(v.entries + 1, "entries " + std::to_string(v.entries + 1) + ".." + std::to_string(head_seq) +
                                  " were deleted (the signed head records " + std::to_string(head_seq) + " entries)");
  }
  // A head behind the chain (a crash between commit and head write) is fine if it matches.
  if (head_seq >= 1 && rows[static_cast<std::size_t>(head_seq - 1)].hash != head_hash) {
    return bad(head_seq, "entry " + std::to_string(head_seq) + " does not match the signed head");
  }
  return v;
}

}  // namespace shroud::service
