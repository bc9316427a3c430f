// The service's store: tokens, wrapped tenant keysets, items and the audit trail, behind one
// interface with two implementations: SQLite (WAL, synchronous=FULL, the default: a file in the
// data directory) and PostgreSQL (libpq; several service instances may share one database).
//
// Contract (both implementations; tests/service_store_test.cc runs the same suite on both):
//  - One connection guarded by a recursive mutex: every call is safe from any thread; lock()
//    holds the store across several calls (a transaction, the audit append and its head file).
//  - transaction() is serialised against every other writer, also across processes (SQLite:
//    BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), so the audit chain's
//    sequence numbers never fork.
//  - Schema version in `meta` (schema_version = kStoreSchemaVersion); opening a newer schema is kUnsupported.
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

// A tenant's keys, wrapped under the master key. mode "custody": a whole keyset (the service
// seals and recovers); "zero-knowledge": one recipient public key (the service seals to it and
// can never recover). version grows by one on every update (caches compare it).
struct KeysetRow {
  Bytes wrapped;
  std::string mode = "custody";
  std::int64_t version = 1;
  std::int64_t created = 0;
};

// True for a PostgreSQL connection URI (postgresql://... or postgres://...).
bool is_postgres_location(const std::string& location);

class Store {
 public:
  // Opens (create: creates the schema in) the store at `location`: a PostgreSQL URI
  // (is_postgres_location) or the path of a SQLite database file.
  static Result<std::unique_ptr<Store>> open(const std::string& location, bool create);
  virtual ~Store() = default;

  virtual std::string kind() const = 0;   // "sqlite" or "postgresql"

  std::unique_lock<std::recursive_mutex> lock() { return std::unique_lock<std::recursive_mutex>(mutex_); }
  // Runs `fn` inside a serialised transaction (ROLLBACK when it fails).
  virtual Status transaction(const std::function<Status()>& fn) = 0;

  virtual Result<std::string> meta(const std::string& key) = 0;   // "" when unset
  virtual Status set_meta(const std::string& key, const std::string& value) = 0;

  virtual Status insert_token(const TokenRow& row) = 0;
  virtual Result<std::optional<TokenRow>> find_token(const std::string& id) = 0;
  virtual Status delete_token(const std::string& id) = 0;

  virtual Result<std::optional<KeysetRow>> find_keyset(const std::string& tenant) = 0;
  virtual Status insert_keyset(const std::string& tenant, const KeysetRow& row) = 0;
  // Replaces the wrapped keys and increments the version (kNotFound when the tenant has none).
  virtual Status update_keyset(const std::string& tenant, const Bytes& wrapped) = 0;

  virtual Status insert_item(const ItemRow& row) = 0;
  virtual Result<std::optional<ItemRow>> find_item(const std::string& id) = 0;
  virtual Result<std::int64_t> count_items() = 0;

  virtual Result<std::optional<AuditRow>> last_audit() = 0;
  virtual Status insert_audit(const AuditRow& row) = 0;
  // Every entry (filter empty) or the matching ones, by seq.
  virtual Result<std::vector<AuditRow>> audit(const AuditFilter& filter = {}) = 0;

  // Runs raw SQL (tests and `audit` tooling only).
  virtual Status exec(const std::string& sql) = 0;

 protected:
  Store() = default;
  std::recursive_mutex mutex_;
};

// The implementations (store_sqlite.cc, store_postgres.cc); use Store::open.
Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path, bool create);
Result<std::unique_ptr<Store>> open_postgres_store(const std::string& uri, bool create);

// Shared by both implementations.
std::string join_scopes(const std::vector<std::string>& scopes);
std::vector<std::string> split_scopes(const std::string& text);

// The schema version both implementations write (meta schema_version).
inline constexpr int kStoreSchemaVersion = 2;
// The tables of the store (CREATE ... IF NOT EXISTS), in a dialect's column types.
std::string store_schema(const std::string& integer_type, const std::string& blob_type);
// Runs `schema` and records kStoreSchemaVersion when the store has no version yet.
Status create_store_schema(Store& store, const std::string& schema);
// The recorded schema version; kCorrupt "SUBJECT is not a shroud service store: ..." when it
// cannot be read.
Result<std::string> store_schema_version(Store& store, const std::string& subject);

// Row mapping shared by both implementations: `c` reads column i of one result row as text
// (c.text(i)) or as an integer (c.integer(i)); the columns are selected in the order
// "id, hash, tenant, scopes, created, expires" (tokens),
// "id, tenant, blob, format, bytes, method, regions, created" (items) and
// "seq, time, tenant, actor, action, item, detail, prev, hash, sig" (audit).
template <class Columns>
TokenRow token_row(const Columns& c) {
  return TokenRow{c.text(0), c.text(1), c.text(2), split_scopes(c.text(3)), c.integer(4), c.integer(5)};
}
template <class Columns>
ItemRow item_row(const Columns& c) {
  return ItemRow{c.text(0), c.text(1), c.text(2), c.text(3), c.integer(4), c.text(5), c.integer(6), c.integer(7)};
}
template <class Columns>
AuditRow audit_row(const Columns& c) {
  return AuditRow{c.integer(0), c.text(1), c.text(2), c.text(3), c.text(4),
                  c.text(5),    c.text(6), c.text(7), c.text(8), c.text(9)};
}

}  // namespace shroud::service
