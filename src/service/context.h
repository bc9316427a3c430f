// An opened service data directory: the store, the master key, the audit key, key custody and
// the blob store. `shroud serve` and `shroud audit` open one; `shroud serve --init` creates it.
//
// Layout of DATA (mode 0700): shroud.db (SQLite, WAL), master.key (0600, unless --master-key
// names another file), audit.key (0600) and audit.pub, audit.head, blobs/.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "service/blob_store.h"
#include "service/service_crypto.h"
#include "service/store.h"
#include "shroud/keys.h"

namespace shroud::service {

struct DataPaths {
  std::string root, db, master_key, audit_key, audit_pub, audit_head, blobs;
};
// `master_key` empty: DATA/master.key.
DataPaths data_paths(const std::string& root, const std::string& master_key = "");

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
Result<InitResult> init_data_dir(const std::string& root, const std::string& master_key, const std::string& tenant);

// Tenant and token names: 1..64 of [a-z0-9_-], starting with a letter or digit.
bool valid_tenant(const std::string& tenant);
const std::vector<std::string>& all_scopes();

class Context {
 public:
  // Opens an initialised DATA; checks the master key is the one the store was created with.
  static Result<std::unique_ptr<Context>> open(const std::string& root, const std::string& master_key = "");

  const DataPaths& paths() const { return paths_; }
  Store& store() { return *store_; }
  const BlobStore& blobs() const { return blobs_; }
  const std::string& audit_public() const { return audit_public_; }

  // Appends an audit entry in one transaction with `also` (e.g. the item row), then writes the
  // signed head. Nothing is recorded when `also` fails.
  Result<AuditRow> record(AuditRow entry, const std::function<Status()>& also = nullptr);

  // The tenant's keyset, unwrapped and cached; created (and audited) when `create` and absent.
  // kNotFound when absent and not `create`.
  Result<std::shared_ptr<const Keyset>> keyset(const std::string& tenant, bool create, const std::string& actor);

 private:
  Context(DataPaths paths, std::unique_ptr<Store> store, MasterKey master, SigningKey audit_key, std::string audit_public);
  DataPaths paths_;
  std::unique_ptr<Store> store_;
  MasterKey master_;
  SigningKey audit_key_;
  std::string audit_public_;
  BlobStore blobs_;
  std::mutex keysets_mutex_;
  std::map<std::string, std::shared_ptr<const Keyset>> keysets_;
};

}  // namespace shroud::service
