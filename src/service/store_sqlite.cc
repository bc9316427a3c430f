// The SQLite store (the default): one database file in the data directory, WAL.
#include <sqlite3.h>

#include "service/store.h"

namespace shroud::service {
namespace {

Error db_error(sqlite3* db, const std::string& what) {
  return make_error(ErrorCode::kIo, "store: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

// A prepared statement, finalised on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& integer(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& blob(int i, const Bytes& v) {
    sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  std::string col_text(int i) {
    const auto* p = sqlite3_column_text(s_, i);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s_, i)) : std::string();
  }
  std::int64_t col_int(int i) { return sqlite3_column_int64(s_, i); }
  Bytes col_blob(int i) {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, i));
    return p ? Bytes(p, p + sqlite3_column_bytes(s_, i)) : Bytes();
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_ERROR;
};

Status done(sqlite3* db, Stmt& st, const std::string& what) {
  if (!st.ok() || st.step() != SQLITE_DONE) return db_error(db, what);
  return ok_status();
}

// The current row of a statement, for token_row() / item_row() / audit_row().
struct Columns {
  Stmt& st;
  std::string text(int i) const { return st.col_text(i); }
  std::int64_t integer(int i) const { return st.col_int(i); }
};

class SqliteStore final : public Store {
 public:
  ~SqliteStore() override { sqlite3_close_v2(db_); }
  std::string kind() const override { return "sqlite"; }
  Status transaction(const std::function<Status()>& fn) override;
  Result<std::string> meta(const std::string& key) override;
  Status set_meta(const std::string& key, const std::string& value) override;
  Status insert_token(const TokenRow& row) override;
  Result<std::optional<TokenRow>> find_token(const std::string& id) override;
  Status delete_token(const std::string& id) override;
  Result<std::optional<KeysetRow>> find_keyset(const std::string& tenant) override;
  Status insert_keyset(const std::string& tenant, const KeysetRow& row) override;
  Status update_keyset(const std::string& tenant, const Bytes& wrapped) override;
  Status insert_item(const ItemRow& row) override;
  Result<std::optional<ItemRow>> find_item(const std::string& id) override;
  Result<std::int64_t> count_items() override;
  Result<std::optional<AuditRow>> last_audit() override;
  Status insert_audit(const AuditRow& row) override;
  Result<std::vector<AuditRow>> audit(const AuditFilter& filter) override;
  Status exec(const std::string& sql) override;

  sqlite3* db_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path, bool create) {
  std::unique_ptr<SqliteStore> store(new SqliteStore());
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &store->db_, flags, nullptr) != SQLITE_OK) {
    Error e = db_error(store->db_, "cannot open '" + path + "'");
    if (!create) e.code = ErrorCode::kNotFound;
    return e;
  }
  sqlite3_busy_timeout(store->db_, 5000);
  SHROUD_RETURN_IF_ERROR(store->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  if (create) SHROUD_RETURN_IF_ERROR(create_store_schema(*store, store_schema("INTEGER", "BLOB")));
  SHROUD_ASSIGN_OR_RETURN(auto v, store_schema_version(*store, "'" + path + "'"));
  if (v == "1") {
    // Version 1 had no key modes or versions: add them (custody, version 1).
    SHROUD_RETURN_IF_ERROR(store->transaction([&]() -> Status {
      SHROUD_RETURN_IF_ERROR(store->exec("ALTER TABLE keysets ADD COLUMN mode TEXT NOT NULL DEFAULT 'custody'; "
                                         "ALTER TABLE keysets ADD COLUMN version INTEGER NOT NULL DEFAULT 1"));
      return store->set_meta("schema_version", std::to_string(kStoreSchemaVersion));
    }));
    v = std::to_string(kStoreSchemaVersion);
  }
  if (v != std::to_string(kStoreSchemaVersion)) {
    return make_error(ErrorCode::kUnsupported, "'" + path + "' has store schema version '" + v + "'; this build reads versions 1 and 2");
  }
  return std::unique_ptr<Store>(std::move(store));
}

Status SqliteStore::exec(const std::string& sql) {
  auto l = lock();
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : "error";
    sqlite3_free(msg);
    return make_error(ErrorCode::kIo, "store: " + m);
  }
  return ok_status();
}

Status SqliteStore::transaction(const std::function<Status()>& fn) {
  auto l = lock();
  SHROUD_RETURN_IF_ERROR(exec("BEGIN IMMEDIATE"));
  Status s = fn();
  if (!s.ok()) {
    (void)exec("ROLLBACK");
    return s;
  }
  Status c = exec("COMMIT");
  if (!c.ok()) (void)exec("ROLLBACK");
  return c;
}

Result<std::string> SqliteStore::meta(const std::string& key) {
  auto l = lock();
  Stmt st(db_, "SELECT value FROM meta WHERE key = ?");
  if (!st.ok()) return db_error(db_, "meta");
  st.text(1, key);
  const int rc = st.step();
  if (rc == SQLITE_ROW) return st.col_text(0);
  if (rc == SQLITE_DONE) return std::string();
  return db_error(db_, "meta");
}

Status SqliteStore::set_meta(const std::string& key, const std::string& value) {
  auto l = lock();
  Stmt st(db_, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  st.text(1, key).text(2, value);
  return done(db_, st, "set meta");
}

Status SqliteStore::insert_token(const TokenRow& r) {
  auto l = lock();
  Stmt st(db_, "INSERT INTO tokens(id, hash, tenant, scopes, created, expires) VALUES(?, ?, ?, ?, ?, ?)");
  st.text(1, r.id).text(2, r.hash).text(3, r.tenant).text(4, join_scopes(r.scopes)).integer(5, r.created).integer(6, r.expires);
  return done(db_, st, "insert token");
}

Result<std::optional<TokenRow>> SqliteStore::find_token(const std::string& id) {
  auto l = lock();
  Stmt st(db_, "SELECT id, hash, tenant, scopes, created, expires FROM tokens WHERE id = ?");
  if (!st.ok()) return db_error(db_, "find token");
  st.text(1, id);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<TokenRow>();
  if (rc != SQLITE_ROW) return db_error(db_, "find token");
  return std::optional<TokenRow>(token_row(Columns{st}));
}

Status SqliteStore::delete_token(const std::string& id) {
  auto l = lock();
  Stmt st(db_, "DELETE FROM tokens WHERE id = ?");
  st.text(1, id);
  return done(db_, st, "delete token");
}

Result<std::optional<KeysetRow>> SqliteStore::find_keyset(const std::string& tenant) {
  auto l = lock();
  Stmt st(db_, "SELECT wrapped, mode, version, created FROM keysets WHERE tenant = ?");
  if (!st.ok()) return db_error(db_, "find keyset");
  st.text(1, tenant);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<KeysetRow>();
  if (rc != SQLITE_ROW) return db_error(db_, "find keyset");
  return std::optional<KeysetRow>(KeysetRow{st.col_blob(0), st.col_text(1), st.col_int(2), st.col_int(3)});
}

Status SqliteStore::insert_keyset(const std::string& tenant, const KeysetRow& r) {
  auto l = lock();
  Stmt st(db_, "INSERT INTO keysets(tenant, wrapped, created, mode, version) VALUES(?, ?, ?, ?, ?)");
  st.text(1, tenant).blob(2, r.wrapped).integer(3, r.created).text(4, r.mode).integer(5, r.version);
  return done(db_, st, "insert keyset");
}

Status SqliteStore::update_keyset(const std::string& tenant, const Bytes& wrapped) {
  auto l = lock();
  Stmt st(db_, "UPDATE keysets SET wrapped = ?, version = version + 1 WHERE tenant = ?");
  st.blob(1, wrapped).text(2, tenant);
  SHROUD_RETURN_IF_ERROR(done(db_, st, "update keyset"));
  if (sqlite3_changes(db_) != 1) return make_error(ErrorCode::kNotFound, "store: tenant '" + tenant + "' has no keys");
  return ok_status();
}

Status SqliteStore::insert_item(const ItemRow& r) {
  auto l = lock();
  Stmt st(db_, "INSERT INTO items(id, tenant, blob, format, bytes, method, regions, created) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  st.text(1, r.id).text(2, r.tenant).text(3, r.blob).text(4, r.format).integer(5, r.bytes).text(6, r.method)
      .integer(7, r.regions).integer(8, r.created);
  return done(db_, st, "insert item");
}

Result<std::optional<ItemRow>> SqliteStore::find_item(const std::string& id) {
  auto l = lock();
  Stmt st(db_, "SELECT id, tenant, blob, format, bytes, method, regions, created FROM items WHERE id = ?");
  if (!st.ok()) return db_error(db_, "find item");
  st.text(1, id);
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<ItemRow>();
  if (rc != SQLITE_ROW) return db_error(db_, "find item");
  return std::optional<ItemRow>(item_row(Columns{st}));
}

Result<std::int64_t> SqliteStore::count_items() {
  auto l = lock();
  Stmt st(db_, "SELECT COUNT(*) FROM items");
  if (!st.ok() || st.step() != SQLITE_ROW) return db_error(db_, "count items");
  return st.col_int(0);
}

Result<std::optional<AuditRow>> SqliteStore::last_audit() {
  auto l = lock();
  Stmt st(db_, "SELECT seq, time, tenant, actor, action, item, detail, prev, hash, sig FROM audit ORDER BY seq DESC LIMIT 1");
  if (!st.ok()) return db_error(db_, "last audit");
  const int rc = st.step();
  if (rc == SQLITE_DONE) return std::optional<AuditRow>();
  if (rc != SQLITE_ROW) return db_error(db_, "last audit");
  return std::optional<AuditRow>(audit_row(Columns{st}));
}

Status SqliteStore::insert_audit(const AuditRow& r) {
  auto l = lock();
  Stmt st(db_, "INSERT INTO audit(seq, time, tenant, actor, action, item, detail, prev, hash, sig) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  st.integer(1, r.seq).text(2, r.time).text(3, r.tenant).text(4, r.actor).text(5, r.action).text(6, r.item)
      .text(7, r.detail).text(8, r.prev).text(9, r.hash).text(10, r.sig);
  return done(db_, st, "insert audit entry");
}

Result<std::vector<AuditRow>> SqliteStore::audit(const AuditFilter& f) {
  auto l = lock();
  // Empty filter fields match everything; the order is the rowid (seq) order as stored.
  Stmt st(db_,
          "SELECT seq, time, tenant, actor, action, item, detail, prev, hash, sig FROM audit "
          "WHERE (?1 = '' OR tenant = ?1) AND (?2 = '' OR item = ?2) AND (?3 = '' OR actor = ?3) "
          "AND (?4 = '' OR action = ?4) AND (?5 = '' OR time >= ?5) AND (?6 = '' OR time <= ?6) ORDER BY rowid");
  if (!st.ok()) return db_error(db_, "audit");
  st.text(1, f.tenant).text(2, f.item).text(3, f.actor).text(4, f.action).text(5, f.since).text(6, f.until);
  std::vector<AuditRow> rows;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) rows.push_back(audit_row(Columns{st}));
  if (rc != SQLITE_DONE) return db_error(db_, "audit");
  return rows;
}

}  // namespace shroud::service
