// Internal: a JetStream key-value bucket holding small binary values (file storage, one value of
// history per key): state shared between fleet parties, e.g. the MSAI data centre's sealed tau
// keys and parameters (msai_parties.h, bucket SHROUD_MSAI). The bucket's
// MaxValueSize is enforced by the server; put() checks it first for a clear error.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fleet/nats_client.h"

struct __kvStore;

namespace shroud::fleet {

class KvBucket {
 public:
  // Binds to bucket `name`, creating it (with `max_value_bytes`) when absent.
  static Result<KvBucket> open(NatsClient& nc, const std::string& name, std::int32_t max_value_bytes = 1 << 20);
  KvBucket(KvBucket&&) noexcept;
  KvBucket& operator=(KvBucket&&) noexcept;
  ~KvBucket();

  // Stores `value` under `key` (keys: 1..256 of A-Z a-z 0-9 - _ = / .); returns the revision.
  Result<std::uint64_t> put(const std::string& key, std::span<const std::uint8_t> value);
  // The current value of `key`; kNotFound when absent or deleted.
  Result<std::vector<std::uint8_t>> get(const std::string& key);

 private:
  KvBucket() = default;
  __kvStore* kv_ = nullptr;
  std::int32_t max_value_bytes_ = 0;
};

}  // namespace shroud::fleet
