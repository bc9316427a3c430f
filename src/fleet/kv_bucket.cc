#include "fleet/kv_bucket.h"

#include <nats/nats.h>

#include <algorithm>
#include <cctype>

namespace shroud::fleet {
namespace {

Error kv_error(const std::string& what, natsStatus s) {
  std::string msg = "nats kv: " + what + ": " + natsStatus_GetText(s);
  return make_error(s == NATS_NOT_FOUND ? ErrorCode::kNotFound : ErrorCode::kIo, msg);
}

Status check_key(const std::string& key) {
  const bool ok = !key.empty() && key.size() <= 256 && key.front() != '.' && key.back() != '.' &&
                  std::all_of(key.begin(), key.end(), [](unsigned char c) {
                    return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '=' || c == '/' || c == '.';
                  });
  if (ok) return ok_status();
  return make_error(ErrorCode::kInvalidArgument, "key '" + key + "': use 1 to 256 of A-Z a-z 0-9 - _ = / .");
}

}  // namespace

KvBucket::KvBucket(KvBucket&& o) noexcept
    : kv_(std::exchange(o.kv_, nullptr)), max_value_bytes_(o.max_value_bytes_) {}
KvBucket& KvBucket::operator=(KvBucket&& o) noexcept {
  if (this != &o) {
    if (kv_ != nullptr) kvStore_Destroy(kv_);
    kv_ = std::exchange(o.kv_, nullptr);
    max_value_bytes_ = o.max_value_bytes_;
  }
  return *this;
}
KvBucket::~KvBucket() {
  if (kv_ != nullptr) kvStore_Destroy(kv_);
}

Result<KvBucket> KvBucket::open(NatsClient& nc, const std::string& name, std::int32_t max_value_bytes) {
  KvBucket b;
  natsStatus s = js_KeyValue(&b.kv_, nc.jetstream(), name.c_str());
  if (s == NATS_NOT_FOUND) {
    kvConfig cfg;
    kvConfig_Init(&cfg);
    cfg.Bucket = name.c_str();
    cfg.History = 1;
    cfg.StorageType = js_FileStorage;
    cfg.MaxValueSize = max_value_bytes;
    s = js_CreateKeyValue(&b.kv_, nc.jetstream(), &cfg);
    if (s != NATS_OK) s = js_KeyValue(&b.kv_, nc.jetstream(), name.c_str());   // created meanwhile
  }
  if (s != NATS_OK) return kv_error("bucket " + name, s);
  b.max_value_bytes_ = max_value_bytes;
  return b;
}

Result<std::uint64_t> KvBucket::put(const std::string& key, std::span<const std::uint8_t> value) {
  SHROUD_RETURN_IF_ERROR(check_key(key));
  if (max_value_bytes_ > 0 && value.size() > static_cast<std::size_t>(max_value_bytes_)) {
    return make_error(ErrorCode::kResourceLimit, "key '" + key + "': value of " + std::to_string(value.size()) +
                                                     " bytes is over the bucket's limit of " + std::to_string(max_value_bytes_));
  }
  std::uint64_t rev = 0;
  const natsStatus s = kvStore_Put(&rev, kv_, key.c_str(), value.data(), static_cast<int>(value.size()));
  if (s != NATS_OK) return kv_error("put " + key, s);
  return rev;
}

Result<std::vector<std::uint8_t>> KvBucket::get(const std::string& key) {
  SHROUD_RETURN_IF_ERROR(check_key(key));
  kvEntry* e = nullptr;
  const natsStatus s = kvStore_Get(&e, kv_, key.c_str());
  if (s != NATS_OK) return kv_error("get " + key, s);
  const auto* p = static_cast<const std::uint8_t*>(kvEntry_Value(e));
  const int n = kvEntry_ValueLen(e);
  std::vector<std::uint8_t> out(p, p + (n > 0 ? n : 0));
  kvEntry_Destroy(e);
  return out;
}

}  // namespace shroud::fleet
