#include "service/context.h"

#include <sodium.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "service/audit.h"
#include "shroud/image_io.h"

namespace shroud::service {
namespace {

template <class T>
Status status_of(const Result<T>& r) {
  return r.ok() ? ok_status() : Status(r.error());
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

DataPaths data_paths(const std::string& root, const std::string& master_key) {
  DataPaths p;
  p.root = root;
  p.db = root + "/shroud.db";
  p.store_url = root + "/store.url";
  p.master_key = master_key.empty() ? root + "/master.key" : master_key;
  p.audit_key = root + "/audit.key";
  p.audit_pub = root + "/audit.pub";
  p.audit_head = root + "/audit.head";
  p.blobs = root + "/blobs";
  return p;
}

Result<std::string> store_location(const std::string& root, const std::string& override_location) {
  if (!override_location.empty()) return override_location;
  const DataPaths p = data_paths(root);
  std::error_code ec;
  if (!std::filesystem::exists(p.store_url, ec)) return p.db;
  SHROUD_ASSIGN_OR_RETURN(std::string url, read_private_file(p.store_url));
  while (!url.empty() && (url.back() == '\n' || url.back() == ' ' || url.back() == '\r')) url.pop_back();
  if (!is_postgres_location(url)) return make_error(ErrorCode::kCorrupt, "'" + p.store_url + "' does not hold a postgresql:// URI");
  return url;
}

bool valid_tenant(const std::string& t) {
  if (t.empty() || t.size() > 64) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '-' && c != '_'))) return false;
  }
  return true;
}

const std::vector<std::string>& all_scopes() {
  static const std::vector<std::string> kScopes = {"detect", "protect", "recover", "review", "admin"};
  return kScopes;
}

Result<InitResult> init_data_dir(const std::string& root, const std::string& master_key_path, const std::string& tenant,
                                 const std::string& store_uri) {
  SHROUD_RETURN_IF_ERROR(crypto_init());
  if (!valid_tenant(tenant)) {
    return make_error(ErrorCode::kInvalidArgument, "tenant '" + tenant + "' must be 1-64 of a-z, 0-9, '-', '_'");
  }
  const DataPaths p = data_paths(root, master_key_path);
  std::error_code ec;
  const bool postgres = !store_uri.empty();
  if (postgres && !is_postgres_location(store_uri)) {
    return make_error(ErrorCode::kInvalidArgument, "--store must be a postgresql:// URI (the default store is SQLite in DATA)");
  }
  if (std::filesystem::exists(p.db, ec) || std::filesystem::exists(p.store_url, ec)) {
    return make_error(ErrorCode::kInvalidArgument, "'" + root + "' already holds a store (shroud.db or store.url); refusing to initialise it again");
  }
  std::unique_ptr<Store> store;
  if (postgres) {
    // Refuse a database that already holds a store before writing anything.
    SHROUD_ASSIGN_OR_RETURN(store, Store::open(store_uri, true));
    SHROUD_ASSIGN_OR_RETURN(std::string fp, store->meta("master_key_fingerprint"));
    if (!fp.empty()) return make_error(ErrorCode::kInvalidArgument, "the PostgreSQL database already holds a store; refusing to initialise it again");
  }
  std::filesystem::create_directories(root, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot create '" + root + "': " + ec.message());
  ::chmod(root.c_str(), 0700);
  std::filesystem::create_directories(p.blobs, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot create '" + p.blobs + "': " + ec.message());

  InitResult out;
  out.tenant = tenant;
  out.master_key_path = p.master_key;
  Result<MasterKey> master = make_error(ErrorCode::kInternal, "");
  if (std::filesystem::exists(p.master_key, ec)) {
    master = MasterKey::load(p.master_key);
  } else {
    master = MasterKey::generate();
    if (master.ok()) {
      SHROUD_RETURN_IF_ERROR(master->save(p.master_key));
      out.master_key_created = true;
    }
  }
  if (!master.ok()) return master.error();
  SHROUD_ASSIGN_OR_RETURN(SigningKey audit_key, SigningKey::generate());
  SHROUD_RETURN_IF_ERROR(audit_key.save(p.audit_key, p.audit_pub));
  out.audit_public = audit_key.public_hex();

  if (postgres) {
    const std::string text = store_uri + "\n";
    SHROUD_RETURN_IF_ERROR(write_file_atomic(p.store_url, std::vector<std::uint8_t>(text.begin(), text.end()), WriteOptions{false, 0600}));
  } else {
    SHROUD_ASSIGN_OR_RETURN(store, Store::open(p.db, true));
    ::chmod(p.db.c_str(), 0600);
  }
  SHROUD_RETURN_IF_ERROR(store->set_meta("master_key_fingerprint", master->fingerprint()));
  SHROUD_RETURN_IF_ERROR(store->set_meta("audit_public_key", out.audit_public));
  const Token token = new_token();
  TokenRow row{token.id, token.hash, tenant, all_scopes(), unix_now(), 0};
  auto l = store->lock();
  Result<AuditRow> last = make_error(ErrorCode::kInternal, "");
  SHROUD_RETURN_IF_ERROR(store->transaction([&]() -> Status {
    SHROUD_RETURN_IF_ERROR(store->insert_token(row));
    last = audit_append(*store, audit_key, AuditRow{0, "", tenant, "init", "token.create", "",
                                                     nlohmann::json({{"id", token.id}, {"scopes", row.scopes}, {"expires", 0}}).dump(),
                                                     "", "", ""});
    return last.ok() ? ok_status() : Status(last.error());
  }));
  SHROUD_RETURN_IF_ERROR(write_audit_head(p.audit_head, *last, audit_key));
  out.admin_token = token.secret;
  out.token_id = token.id;
  return out;
}

Context::Context(DataPaths paths, std::unique_ptr<Store> store, MasterKey master, SigningKey audit_key, std::string audit_public)
    : paths_(std::move(paths)),
      store_(std::move(store)),
      master_(std::move(master)),
      audit_key_(std::move(audit_key)),
      audit_public_(std::move(audit_public)),
      blobs_(paths_.blobs) {}

Result<std::unique_ptr<Context>> Context::open(const std::string& root, const std::string& master_key, const std::string& store_override) {
  SHROUD_RETURN_IF_ERROR(crypto_init());
  DataPaths p = data_paths(root, master_key);
  std::error_code ec;
  SHROUD_ASSIGN_OR_RETURN(std::string location, store_location(root, store_override));
  if (!std::filesystem::exists(p.audit_key, ec) || (!is_postgres_location(location) && !std::filesystem::exists(location, ec))) {
    return make_error(ErrorCode::kNotFound, "'" + root + "' holds no store; create one with `shroud serve --data " + root + " --init`");
  }
  SHROUD_ASSIGN_OR_RETURN(auto store, Store::open(location, false));
  SHROUD_ASSIGN_OR_RETURN(MasterKey master, MasterKey::load(p.master_key));
  SHROUD_ASSIGN_OR_RETURN(std::string fp, store->meta("master_key_fingerprint"));
  if (fp != master.fingerprint()) {
    return make_error(ErrorCode::kAuthentication, "'" + p.master_key + "' is not the master key this store was created with");
  }
  SHROUD_ASSIGN_OR_RETURN(SigningKey audit_key, SigningKey::load(p.audit_key));
  std::string pub = audit_key.public_hex();
  return std::unique_ptr<Context>(new Context(std::move(p), std::move(store), std::move(master), std::move(audit_key), std::move(pub)));
}

Result<AuditRow> Context::record(AuditRow entry, const std::function<Status()>& also, const std::function<void(AuditRow&)>& finish) {
  auto l = store_->lock();
  Result<AuditRow> row = make_error(ErrorCode::kInternal, "");
  SHROUD_RETURN_IF_ERROR(store_->transaction([&]() -> Status {
    if (also) SHROUD_RETURN_IF_ERROR(also());
    if (finish) finish(entry);
    row = audit_append(*store_, audit_key_, std::move(entry));
    return row.ok() ? ok_status() : Status(row.error());
  }));
  SHROUD_RETURN_IF_ERROR(write_audit_head(paths_.audit_head, *row, audit_key_));
  return row;
}

Result<TenantKeys> Context::unwrap_row(const std::string& tenant, const KeysetRow& row) {
  SHROUD_ASSIGN_OR_RETURN(std::string json, master_.unwrap(row.wrapped, tenant));
  TenantKeys keys;
  keys.mode = row.mode;
  keys.version = row.version;
  if (row.mode == "zero-knowledge") {
    auto recipient = parse_recipient_key(json);
    if (!recipient.ok()) return make_error(ErrorCode::kCorrupt, "tenant recipient key: " + recipient.error().message);
    keys.recipient = *recipient;
    return keys;
  }
  if (row.mode != "custody") return make_error(ErrorCode::kCorrupt, "tenant keys have an unknown mode '" + row.mode + "'");
  auto parsed = parse_keyset(json);
  sodium_memzero(json.data(), json.size());
  if (!parsed.ok()) return make_error(ErrorCode::kCorrupt, "tenant keyset: " + parsed.error().message);
  keys.keyset = std::make_shared<const Keyset>(std::move(*parsed));
  return keys;
}

Result<TenantKeys> Context::keys(const std::string& tenant, bool create, const std::string& actor) {
  std::lock_guard<std::mutex> guard(keysets_mutex_);
  SHROUD_ASSIGN_OR_RETURN(auto row, store_->find_keyset(tenant));
  if (row) {
    if (auto it = keysets_.find(tenant); it != keysets_.end() && it->second.version == row->version) return it->second;
    SHROUD_ASSIGN_OR_RETURN(TenantKeys keys, unwrap_row(tenant, *row));
    if (keysets_.size() >= 4096) keysets_.clear();   // bounded
    keysets_[tenant] = keys;
    return keys;
  }
  if (!create) return make_error(ErrorCode::kNotFound, "tenant has no keyset (nothing was sealed for it)");
  SHROUD_ASSIGN_OR_RETURN(Keyset fresh, Keyset::generate());
  std::string json = keyset_to_json(fresh);
  auto sealed = master_.wrap(json, tenant);
  sodium_memzero(json.data(), json.size());
  if (!sealed.ok()) return sealed.error();
  const std::uint32_t primary = fresh.primary_id();
  // Another instance sharing the store may create the tenant's keys first: checked again inside
  // the serialised transaction; the loser rolls back (no audit entry) and uses the winner's.
  bool lost = false;
  auto r = record(AuditRow{0, "", tenant, actor, "keyset.create", "", nlohmann::json({{"primary_key_id", primary}}).dump(), "", "", ""},
                  [&]() -> Status {
                    SHROUD_ASSIGN_OR_RETURN(auto now, store_->find_keyset(tenant));
                    if (now) {
                      lost = true;
                      return make_error(ErrorCode::kInternal, "keyset created concurrently");
                    }
                    return store_->insert_keyset(tenant, KeysetRow{*sealed, "custody", 1, unix_now()});
                  });
  if (lost) {
    SHROUD_ASSIGN_OR_RETURN(auto winner, store_->find_keyset(tenant));
    if (!winner) return make_error(ErrorCode::kInternal, "tenant keyset vanished");
    SHROUD_ASSIGN_OR_RETURN(TenantKeys keys, unwrap_row(tenant, *winner));
    keysets_[tenant] = keys;
    return keys;
  }
  if (!r.ok()) return r.error();
  TenantKeys keys{"custody", 1, std::make_shared<const Keyset>(std::move(fresh)), std::nullopt};
  keysets_[tenant] = keys;
  return keys;
}

Status Context::change_keyset(const std::string& tenant, const std::string& actor, const std::string& action,
                              const std::function<Result<nlohmann::json>(Keyset&)>& change) {
  std::lock_guard<std::mutex> guard(keysets_mutex_);
  nlohmann::json detail;
  auto rec = record(AuditRow{0, "", tenant, actor, action, "", "", "", "", ""}, [&]() -> Status {
    SHROUD_ASSIGN_OR_RETURN(auto row, store_->find_keyset(tenant));
    if (!row) return make_error(ErrorCode::kNotFound, "tenant has no keyset (nothing was sealed for it)");
    if (row->mode != "custody") {
      return make_error(ErrorCode::kInvalidArgument, "tenant is zero-knowledge: the service holds only its recipient public key");
    }
    SHROUD_ASSIGN_OR_RETURN(std::string json, master_.unwrap(row->wrapped, tenant));
    auto parsed = parse_keyset(json);
    sodium_memzero(json.data(), json.size());
    if (!parsed.ok()) return make_error(ErrorCode::kCorrupt, "tenant keyset: " + parsed.error().message);
    SHROUD_ASSIGN_OR_RETURN(detail, change(*parsed));
    std::string out = keyset_to_json(*parsed);
    auto sealed = master_.wrap(out, tenant);
    sodium_memzero(out.data(), out.size());
    if (!sealed.ok()) return sealed.error();
    return store_->update_keyset(tenant, *sealed);
  }, [&](AuditRow& entry) { entry.detail = detail.dump(); });
  keysets_.erase(tenant);   // re-read (and re-checked against the version) on next use
  return status_of(rec);
}

Result<std::uint32_t> Context::rotate_keys(const std::string& tenant, const std::string& actor) {
  std::uint32_t id = 0;
  SHROUD_RETURN_IF_ERROR(change_keyset(tenant, actor, "keyset.rotate", [&](Keyset& ks) -> Result<nlohmann::json> {
    const std::uint32_t previous = ks.primary_id();
    SHROUD_ASSIGN_OR_RETURN(id, ks.rotate());
    return nlohmann::json({{"primary_key_id", id}, {"previous_key_id", previous}});
  }));
  return id;
}

Status Context::set_key_status(const std::string& tenant, std::uint32_t id, KeyStatus status, const std::string& actor) {
  const bool disable = status == KeyStatus::kDisabled;
  return change_keyset(tenant, actor, disable ? "key.disable" : "key.enable", [&](Keyset& ks) -> Result<nlohmann::json> {
    if (disable && id == ks.primary_id()) {
      return make_error(ErrorCode::kInvalidArgument, "key " + std::to_string(id) + " is the primary key; rotate first, then disable it");
    }
    SHROUD_RETURN_IF_ERROR(ks.set_status(id, status));
    return nlohmann::json({{"key_id", id}});
  });
}

Status Context::set_recipient(const std::string& tenant, const RecipientKey& recipient, const std::string& actor) {
  std::lock_guard<std::mutex> guard(keysets_mutex_);
  const std::string json = recipient_key_to_json(recipient);
  SHROUD_ASSIGN_OR_RETURN(Bytes sealed, master_.wrap(json, tenant));
  auto rec = record(AuditRow{0, "", tenant, actor, "keyset.zero_knowledge", "", nlohmann::json({{"recipient_key_id", recipient.id}}).dump(), "", "", ""},
                    [&]() -> Status {
                      SHROUD_ASSIGN_OR_RETURN(auto row, store_->find_keyset(tenant));
                      if (row) return make_error(ErrorCode::kInvalidArgument, "tenant already has keys (" + row->mode + "); its mode cannot change");
                      return store_->insert_keyset(tenant, KeysetRow{sealed, "zero-knowledge", 1, unix_now()});
                    });
  keysets_.erase(tenant);
  return status_of(rec);
}

}  // namespace shroud::service
