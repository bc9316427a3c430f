// The service's store: tokens, wrapped tenant keysets, items and the audit trail in one SQLite
// database (WAL, synchronous=FULL, so an acknowledged write survives kill -9 and power loss).
//
// Contract:
//  - One connection guarded by a recursive mutex: every call is safe from any thread; lock()
//    holds the store across several calls (a transaction, the audit append and its head file).
//  - Schema version in `meta` (schema_version = 1); opening a newer schema is kUnsupported.
//  - Secrets never enter the database: tokens are stored as hashes, keysets wrapped under the
//    master key (which lives in a file, never here).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "service/service_crypto.h"
#include "shroud/result.h"

struct sqlite3;

namespace shroud::service {

struct TokenRow {
  std::string id;
  std::string hash;
  std::string tenant;
  std::vector<std::string> scopes;
  std::int64_t created = 0;
  std::int64_t expires = 0;   // unix seconds; 0: never
};

struct ItemRow {
  std::string id;
  std::string tenant;
  std::string blob;      // content hash: the file name under DATA/blobs
  std::string format;    // png, jpeg, ...
  std::int64_t bytes = 0;
  std::string method;
  std::int64_t regions = 0;
  std::int64_t created = 0;
};

struct AuditRow {
  std::int64_t seq = 0;
  std::string time;      // RFC 3339 UTC
  std::string tenant;
  std::string actor;     // token id, or "init"
  std::string action;    // protect, recover, token.create, token.revoke, keyset.create
  std::string item;
  std::string detail;    // JSON object text
  std::string prev;      // hash of the previous entry (64 zeros for the first)
  std::string hash;
  std::string sig;
};

struct AuditFilter {
  std::string tenant, item, actor, action;
  std::string since, until;   // RFC 3339 bounds on time (inclusive), empty: open
};

class Store {
 public:
  // Opens (create: creates) the database at `path`.
  static Result<std::unique_ptr<Store>> open(const std::string& path, bool create);
  ~Store();

  std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock<std::recursive_mutex>(mutex_); }
  // Runs `fn` inside BEGIN IMMEDIATE ... COMMIT (ROLLBACK when it fails).
  Status transaction(const std::function<Status()>& fn);

  Result<std::string> meta(const std::string& key);   // "" when unset
  Status set_meta(const std::string& key, const std::string& value);

  Status insert_token(const TokenRow& row);
  Result<std::optional<TokenRow>> find_token(const std::string& id);
  Status delete_token(const std::string& id);

  Result<std::optional<Bytes>> find_keyset(const std::string& tenant);
  Status insert_keyset(const std::string& tenant, const Bytes& wrapped, std::int64_t created);

  Status insert_item(const ItemRow& row);
  Result<std::optional<ItemRow>> find_item(const std::string& id);
  Result<std::int64_t> count_items();

  Result<std::optional<AuditRow>> last_audit();
  Status insert_audit(const AuditRow& row);
  // Every entry (filter empty) or the matching ones, by seq.
  Result<std::vector<AuditRow>> audit(const AuditFilter& filter = {});

  // Runs raw SQL (tests and `audit` tooling only).
  Status exec(const std::string& sql);

 private:
  Store() = default;
  sqlite3* db_ = nullptr;
  std::recursive_mutex mutex_;
};

}  // namespace shroud::service
