#include "service/context.h"

#include <sodium.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "service/audit.h"

namespace shroud::service {
namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

DataPaths data_paths(const std::string& root, const std::string& master_key) {
  DataPaths p;
  p.root = root;
  p.db = root + "/shroud.db";
  p.master_key = master_key.empty() ? root + "/master.key" : master_key;
  p.audit_key = root + "/audit.key";
  p.audit_pub = root + "/audit.pub";
  p.audit_head = root + "/audit.head";
  p.blobs = root + "/blobs";
  return p;
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

Result<InitResult> init_data_dir(const std::string& root, const std::string& master_key_path, const std::string& tenant) {
  SHROUD_RETURN_IF_ERROR(crypto_init());
  if (!valid_tenant(tenant)) {
    return make_error(ErrorCode::kInvalidArgument, "tenant '" + tenant + "' must be 1-64 of a-z, 0-9, '-', '_'");
  }
  const DataPaths p = data_paths(root, master_key_path);
  std::error_code ec;
  if (std::filesystem::exists(p.db, ec)) {
    return make_error(ErrorCode::kInvalidArgument, "'" + root + "' already holds a store (shroud.db); refusing to initialise it again");
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

  SHROUD_ASSIGN_OR_RETURN(auto store, Store::open(p.db, true));
  ::chmod(p.db.c_str(), 0600);
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

Result<std::unique_ptr<Context>> Context::open(const std::string& root, const std::string& master_key) {
  SHROUD_RETURN_IF_ERROR(crypto_init());
  DataPaths p = data_paths(root, master_key);
  std::error_code ec;
  if (!std::filesystem::exists(p.db, ec)) {
    return make_error(ErrorCode::kNotFound, "'" + root + "' holds no store; create one with `shroud serve --data " + root + " --init`");
  }
  SHROUD_ASSIGN_OR_RETURN(auto store, Store::open(p.db, false));
  SHROUD_ASSIGN_OR_RETURN(MasterKey master, MasterKey::load(p.master_key));
  SHROUD_ASSIGN_OR_RETURN(std::string fp, store->meta("master_key_fingerprint"));
  if (fp != master.fingerprint()) {
    return make_error(ErrorCode::kAuthentication, "'" + p.master_key + "' is not the master key this store was created with");
  }
  SHROUD_ASSIGN_OR_RETURN(SigningKey audit_key, SigningKey::load(p.audit_key));
  std::string pub = audit_key.public_hex();
  return std::unique_ptr<Context>(new Context(std::move(p), std::move(store), std::move(master), std::move(audit_key), std::move(pub)));
}

Result<AuditRow> Context::record(AuditRow entry, const std::function<Status()>& also) {
  auto l = store_->lock();
  Result<AuditRow> row = make_error(ErrorCode::kInternal, "");
  SHROUD_RETURN_IF_ERROR(store_->transaction([&]() -> Status {
    if (also) SHROUD_RETURN_IF_ERROR(also());
    row = audit_append(*store_, audit_key_, std::move(entry));
    return row.ok() ? ok_status() : Status(row.error());
  }));
  SHROUD_RETURN_IF_ERROR(write_audit_head(paths_.audit_head, *row, audit_key_));
  return row;
}

Result<std::shared_ptr<const Keyset>> Context::keyset(const std::string& tenant, bool create, const std::string& actor) {
  std::lock_guard<std::mutex> guard(keysets_mutex_);
  if (auto it = keysets_.find(tenant); it != keysets_.end()) return it->second;
  SHROUD_ASSIGN_OR_RETURN(auto wrapped, store_->find_keyset(tenant));
  if (!wrapped) {
    if (!create) return make_error(ErrorCode::kNotFound, "tenant has no keyset (nothing was sealed for it)");
    SHROUD_ASSIGN_OR_RETURN(Keyset fresh, Keyset::generate());
    std::string json = keyset_to_json(fresh);
    auto sealed = master_.wrap(json, tenant);
    sodium_memzero(json.data(), json.size());
    if (!sealed.ok()) return sealed.error();
    const std::uint32_t primary = fresh.primary_id();
    SHROUD_ASSIGN_OR_RETURN(
        AuditRow r, record(AuditRow{0, "", tenant, actor, "keyset.create", "", nlohmann::json({{"primary_key_id", primary}}).dump(), "", "", ""},
                           [&]() { return store_->insert_keyset(tenant, *sealed, unix_now()); }));
    (void)r;
    auto ks = std::make_shared<const Keyset>(std::move(fresh));
    keysets_[tenant] = ks;
    return std::shared_ptr<const Keyset>(ks);
  }
  SHROUD_ASSIGN_OR_RETURN(std::string json, master_.unwrap(*wrapped, tenant));
  auto parsed = parse_keyset(json);
  sodium_memzero(json.data(), json.size());
  if (!parsed.ok()) return make_error(ErrorCode::kCorrupt, "tenant keyset: " + parsed.error().message);
  auto ks = std::make_shared<const Keyset>(std::move(*parsed));
  keysets_[tenant] = ks;
  return std::shared_ptr<const Keyset>(ks);
}

}  // namespace shroud::service
