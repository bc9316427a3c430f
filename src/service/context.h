// An opened service data directory: the store, the master key, the audit key, key custody and
// the blob store. `shroud serve` and `shroud audit` open one; `shroud serve --init` creates it.
//
// Layout of DATA (mode 0700): shroud.db (SQLite, WAL) or store.url (0600: the PostgreSQL URI the
// store lives at), master.key (0600, unless --master-key names another file), audit.key (0600)
// and audit.pub, audit.head, blobs/.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "service/blob_store.h"
#include "service/service_crypto.h"
#include "service/store.h"
#include "shroud/keys.h"

namespace shroud::service {

struct DataPaths {
  std::string root, db, store_url, master_key, audit_key, audit_pub, audit_head, blobs;
};
// `master_key` empty: DATA/master.key.
DataPaths data_paths(const std::string& root, const std::string& master_key = "");

// Where DATA's store lives: `override` when given (--store), else the URI in DATA/store.url when
// that file exists, else DATA/shroud.db.
Result<std::string> store_location(const std::string& root, const std::string& override_location = "");

struct InitResult {
  std::string admin_token;     // shown once, never stored
  std::string token_id;
  std::string tenant;
  std::string master_key_path;
  bool master_key_created = false;
  std::string audit_public;    // hex Ed25519 public key of the audit trail
};
// Creates DATA (refuses one that already holds a store), the master key (unless the file at
// `master_key` exists), the audit key, the database and a first admin token for `tenant`.
// `store`: a PostgreSQL URI (recorded in DATA/store.url) or empty (SQLite in DATA).
Result<InitResult> init_data_dir(const std::string& root, const std::string& master_key, const std::string& tenant,
                                 const std::string& store = "");

// Tenant and token names: 1..64 of [a-z0-9_-], starting with a letter or digit.
bool valid_tenant(const std::string& tenant);
const std::vector<std::string>& all_scopes();

// A tenant's keys as the service holds them (see KeysetRow).
struct TenantKeys {
  std::string mode;                          // "custody" or "zero-knowledge"
  std::int64_t version = 0;
  std::shared_ptr<const Keyset> keyset;      // custody: the whole keyset
  std::optional<RecipientKey> recipient;     // zero-knowledge: the public key only
};

class Context {
 public:
  // Opens an initialised DATA; checks the master key is the one the store was created with.
  // `store`: as store_location()'s override.
  static Result<std::unique_ptr<Context>> open(const std::string& root, const std::string& master_key = "",
                                               const std::string& store = "");

  const DataPaths& paths() const { return paths_; }
  Store& store() { return *store_; }
  const BlobStore& blobs() const { return blobs_; }
  const std::string& audit_public() const { return audit_public_; }

  // Appends an audit entry in one transaction with `also` (e.g. the item row), then writes the
  // signed head. Nothing is recorded when `also` fails.
  // `finish` (optional) completes the entry after `also` ran (e.g. a detail `also` computed).
  Result<AuditRow> record(AuditRow entry, const std::function<Status()>& also = nullptr,
                          const std::function<void(AuditRow&)>& finish = nullptr);

  // The tenant's keys, unwrapped and cached (the cache is checked against the stored version on
  // every call, so a change made by another instance is seen at once). A custody keyset is
  // created (and audited) when `create` and the tenant has none; kNotFound when absent and not
  // `create`.
  Result<TenantKeys> keys(const std::string& tenant, bool create, const std::string& actor);

  // Key custody changes, each audited in the same transaction as the change.
  // A new symmetric key becomes primary (older ones still open what they sealed); its id.
  Result<std::uint32_t> rotate_keys(const std::string& tenant, const std::string& actor);
  // Disables or enables a key by id (kInvalidArgument for the primary, kNotFound if absent).
  Status set_key_status(const std::string& tenant, std::uint32_t id, KeyStatus status, const std::string& actor);
  // Makes the tenant zero-knowledge with this recipient public key (kInvalidArgument when the
  // tenant already has keys of either mode).
  Status set_recipient(const std::string& tenant, const RecipientKey& recipient, const std::string& actor);

 private:
  Context(DataPaths paths, std::unique_ptr<Store> store, MasterKey master, SigningKey audit_key, std::string audit_public);
  DataPaths paths_;
  std::unique_ptr<Store> store_;
  MasterKey master_;
  SigningKey audit_key_;
  std::string audit_public_;
  BlobStore blobs_;
  // Changes a custody keyset inside the audited transaction: read, unwrap, `change`, wrap, update.
  Status change_keyset(const std::string& tenant, const std::string& actor, const std::string& action,
                       const std::function<Result<nlohmann::json>(Keyset&)>& change);
  Result<TenantKeys> unwrap_row(const std::string& tenant, const KeysetRow& row);

  std::mutex keysets_mutex_;
  std::map<std::string, TenantKeys> keysets_;
};

}  // namespace shroud::service
