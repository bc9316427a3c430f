// The PostgreSQL store (libpq): the same tables as the SQLite store, for several service
// instances sharing one database. Writers serialise on a transaction-scoped advisory lock, so
// the audit chain stays linear across instances.
#include <libpq-fe.h>

#include <cstdlib>
#include <string_view>

#include "service/store.h"

namespace shroud::service {
namespace {

template <class T>
Status status_of(const Result<T>& r) {
  return r.ok() ? ok_status() : Status(r.error());
}

// pg_advisory_xact_lock key of the store's writers ("shroud" in ASCII).
constexpr const char* kWriterLock = "SELECT pg_advisory_xact_lock(126943159199076)";

// A parameter: text, or binary bytes (bytea).
struct Param {
  std::string value;
  bool binary = false;
};
Param text(std::string v) { return Param{std::move(v), false}; }
Param integer(std::int64_t v) { return Param{std::to_string(v), false}; }
Param bytes(const Bytes& v) { return Param{std::string(v.begin(), v.end()), true}; }

// One row of a result, for token_row() / item_row() / audit_row().
class PgResult;
struct Columns {
  const PgResult& r;
  int row;
  std::string text(int i) const;
  std::int64_t integer(int i) const;
};

// A result, cleared on destruction.
class PgResult {
 public:
  explicit PgResult(PGresult* r) : r_(r) {}
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult() { PQclear(r_); }
  PGresult* get() const { return r_; }
  int rows() const { return PQntuples(r_); }
  std::string str(int row, int col) const { return std::string(PQgetvalue(r_, row, col), PQgetlength(r_, row, col)); }
  std::int64_t num(int row, int col) const { return std::strtoll(PQgetvalue(r_, row, col), nullptr, 10); }
  Bytes raw(int row, int col) const {
    const auto* p = reinterpret_cast<const std::uint8_t*>(PQgetvalue(r_, row, col));
    return Bytes(p, p + PQgetlength(r_, row, col));
  }

 private:
  PGresult* r_;
};

std::string Columns::text(int i) const { return r.str(row, i); }
std::int64_t Columns::integer(int i) const { return r.num(row, i); }

class PostgresStore final : public Store {
 public:
  ~PostgresStore() override { PQfinish(conn_); }
  std::string kind() const override { return "postgresql"; }

  Error pg_error(const std::string& what, const PGresult* r = nullptr) const {
    std::string m = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return make_error(ErrorCode::kIo, "store: " + what + ": " + m);
  }

  // Runs one statement with parameters; result_binary: every column comes back binary.
  Result<std::unique_ptr<PgResult>> run(const std::string& what, const char* sql, const std::vector<Param>& params,
                                        bool result_binary = false) {
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    for (const auto& p : params) {
      values.push_back(p.value.data());
      lengths.push_back(static_cast<int>(p.value.size()));
      formats.push_back(p.binary ? 1 : 0);
    }
    auto r = std::make_unique<PgResult>(PQexecParams(conn_, sql, static_cast<int>(params.size()), nullptr, values.data(),
                                                     lengths.data(), formats.data(), result_binary ? 1 : 0));
    if (reconnected()) {
      r = std::make_unique<PgResult>(PQexecParams(conn_, sql, static_cast<int>(params.size()), nullptr, values.data(),
                                                  lengths.data(), formats.data(), result_binary ? 1 : 0));
    }
    const auto status = PQresultStatus(r->get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return pg_error(what, r->get());
    return r;
  }

  // After a lost connection (server restart, terminated backend) outside a transaction:
  // reconnects, true when the failed statement should run once more. Inside a transaction the
  // statement fails (the transaction is lost with the connection) and the next one reconnects.
  bool reconnected() {
    if (PQstatus(conn_) != CONNECTION_BAD || in_transaction_) return false;
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) return false;
    PgResult quiet(PQexec(conn_, "SET client_min_messages = warning"));
    return true;
  }

  Status exec(const std::string& sql) override {
    auto l = lock();
    auto r = std::make_unique<PgResult>(PQexec(conn_, sql.c_str()));
    if (reconnected()) r = std::make_unique<PgResult>(PQexec(conn_, sql.c_str()));
    const auto status = PQresultStatus(r->get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return pg_error("exec", r->get());
    return ok_status();
  }

  Status transaction(const std::function<Status()>& fn) override {
    auto l = lock();
    SHROUD_RETURN_IF_ERROR(exec("BEGIN"));
    in_transaction_ = true;
    Status s = exec(kWriterLock);
    if (s.ok()) s = fn();
    if (!s.ok()) {
      (void)exec("ROLLBACK");
      in_transaction_ = false;
      return s;
    }
    Status c = exec("COMMIT");
    if (!c.ok()) (void)exec("ROLLBACK");
    in_transaction_ = false;
    return c;
  }

  Result<std::string> meta(const std::string& key) override {
    auto l = lock();
    SHROUD_ASSIGN_OR_RETURN(auto r, run("meta", "SELECT value FROM meta WHERE key = $1", {text(key)}));
    return r->rows() ? r->str(0, 0) : std::string();
  }

  Status set_meta(const std::string& key, const std::string& value) override {
    auto l = lock();
    return status_of(run("set meta", "INSERT INTO meta(key, value) VALUES($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               {text(key), text(value)}));
  }

  Status insert_token(const TokenRow& t) override {
    auto l = lock();
    return status_of(run("insert token", "INSERT INTO tokens(id, hash, tenant, scopes, created, expires) VALUES($1, $2, $3, $4, $5, $6)",
               {text(t.id), text(t.hash), text(t.tenant), text(join_scopes(t.scopes)), integer(t.created), integer(t.expires)}));
  }

  Result<std::optional<TokenRow>> find_token(const std::string& id) override {
    auto l = lock();
    SHROUD_ASSIGN_OR_RETURN(auto r, run("find token", "SELECT id, hash, tenant, scopes, created, expires FROM tokens WHERE id = $1", {text(id)}));
    if (!r->rows()) return std::optional<TokenRow>();
    return std::optional<TokenRow>(token_row(Columns{*r, 0}));
  }

  Status delete_token(const std::string& id) override {
    auto l = lock();
    return status_of(run("delete token", "DELETE FROM tokens WHERE id = $1", {text(id)}));
  }

  Result<std::optional<KeysetRow>> find_keyset(const std::string& tenant) override {
    auto l = lock();
    // Binary results: bytea as raw bytes; the numbers are cast to text (binary text is the text).
    SHROUD_ASSIGN_OR_RETURN(auto r, run("find keyset", "SELECT wrapped, mode, version::text, created::text FROM keysets WHERE tenant = $1",
                                        {text(tenant)}, true));
    if (!r->rows()) return std::optional<KeysetRow>();
    return std::optional<KeysetRow>(KeysetRow{r->raw(0, 0), r->str(0, 1), std::strtoll(r->str(0, 2).c_str(), nullptr, 10),
                                              std::strtoll(r->str(0, 3).c_str(), nullptr, 10)});
  }

  Status insert_keyset(const std::string& tenant, const KeysetRow& k) override {
    auto l = lock();
    return status_of(run("insert keyset", "INSERT INTO keysets(tenant, wrapped, created, mode, version) VALUES($1, $2, $3, $4, $5)",
               {text(tenant), bytes(k.wrapped), integer(k.created), text(k.mode), integer(k.version)}));
  }

  Status update_keyset(const std::string& tenant, const Bytes& wrapped) override {
    auto l = lock();
    SHROUD_ASSIGN_OR_RETURN(auto r, run("update keyset", "UPDATE keysets SET wrapped = $1, version = version + 1 WHERE tenant = $2",
                                        {bytes(wrapped), text(tenant)}));
    if (std::string_view(PQcmdTuples(r->get())) != "1") return make_error(ErrorCode::kNotFound, "store: tenant '" + tenant + "' has no keys");
    return ok_status();
  }

  Status insert_item(const ItemRow& i) override {
    auto l = lock();
    return status_of(run("insert item",
               "INSERT INTO items(id, tenant, blob, format, bytes, method, regions, created) VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
               {text(i.id), text(i.tenant), text(i.blob), text(i.format), integer(i.bytes), text(i.method), integer(i.regions),
                integer(i.created)}));
  }

  Result<std::optional<ItemRow>> find_item(const std::string& id) override {
    auto l = lock();
    SHROUD_ASSIGN_OR_RETURN(auto r, run("find item", "SELECT id, tenant, blob, format, bytes, method, regions, created FROM items WHERE id = $1",
                                        {text(id)}));
    if (!r->rows()) return std::optional<ItemRow>();
    return std::optional<ItemRow>(item_row(Columns{*r, 0}));
  }

  Result<std::int64_t> count_items() override {
    auto l = lock();
    SHROUD_ASSIGN_OR_RETURN(auto r, run("count items", "SELECT COUNT(*) FROM items", {}));
    return r->num(0, 0);
  }

  Result<std::optional<AuditRow>> last_audit() override {
    auto l = lock();
    SHROUD_ASSIGN_OR_RETURN(auto r, run("last audit",
                                        "SELECT seq, time, tenant, actor, action, item, detail, prev, hash, sig FROM audit ORDER BY seq DESC LIMIT 1", {}));
    if (!r->rows()) return std::optional<AuditRow>();
    return std::optional<AuditRow>(audit_row(Columns{*r, 0}));
  }

  Status insert_audit(const AuditRow& a) override {
    auto l = lock();
    return status_of(run("insert audit entry",
               "INSERT INTO audit(seq, time, tenant, actor, action, item, detail, prev, hash, sig) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
               {integer(a.seq), text(a.time), text(a.tenant), text(a.actor), text(a.action), text(a.item), text(a.detail), text(a.prev),
                text(a.hash), text(a.sig)}));
  }

  Result<std::vector<AuditRow>> audit(const AuditFilter& f) override {
    auto l = lock();
    SHROUD_ASSIGN_OR_RETURN(
        auto r, run("audit",
                    "SELECT seq, time, tenant, actor, action, item, detail, prev, hash, sig FROM audit "
                    "WHERE ($1 = '' OR tenant = $1) AND ($2 = '' OR item = $2) AND ($3 = '' OR actor = $3) "
                    "AND ($4 = '' OR action = $4) AND ($5 = '' OR time >= $5) AND ($6 = '' OR time <= $6) ORDER BY seq",
                    {text(f.tenant), text(f.item), text(f.actor), text(f.action), text(f.since), text(f.until)}));
    std::vector<AuditRow> rows;
    rows.reserve(static_cast<std::size_t>(r->rows()));
    for (int i = 0; i < r->rows(); ++i) rows.push_back(audit_row(Columns{*r, i}));
    return rows;
  }

  PGconn* conn_ = nullptr;
  bool in_transaction_ = false;
};

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& uri, bool create) {
  std::unique_ptr<PostgresStore> store(new PostgresStore());
  // The URI names the server; connect_timeout bounds a dead one.
  const char* keys[] = {"dbname", "connect_timeout", nullptr};
  const char* values[] = {uri.c_str(), "10", nullptr};
  store->conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!store->conn_) return make_error(ErrorCode::kIo, "store: out of memory connecting to PostgreSQL");
  if (PQstatus(store->conn_) != CONNECTION_OK) {
    // The message names host and user, never the password.
    Error e = store->pg_error("cannot connect to PostgreSQL");
    e.code = ErrorCode::kNotFound;
    return e;
  }
  SHROUD_RETURN_IF_ERROR(store->exec("SET client_min_messages = warning"));
  if (create) {
    SHROUD_RETURN_IF_ERROR(
        store->transaction([&]() -> Status { return create_store_schema(*store, store_schema("BIGINT", "BYTEA")); }));
  }
  SHROUD_ASSIGN_OR_RETURN(auto v, store_schema_version(*store, "the PostgreSQL database"));
  if (v != std::to_string(kStoreSchemaVersion)) {
    return make_error(ErrorCode::kUnsupported, "the PostgreSQL store has schema version '" + v + "'; this build reads version 2");
  }
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace shroud::service
