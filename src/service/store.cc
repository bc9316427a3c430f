// Store::open (which implementation a location names) and the helpers both implementations share.
#include "service/store.h"

namespace shroud::service {

bool is_postgres_location(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

Result<std::unique_ptr<Store>> Store::open(const std::string& location, bool create) {
  if (is_postgres_location(location)) return open_postgres_store(location, create);
  return open_sqlite_store(location, create);
}

std::string store_schema(const std::string& integer, const std::string& blob) {
  const std::string& I = integer;
  return "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
         "CREATE TABLE IF NOT EXISTS tokens(\n"
         "  id TEXT PRIMARY KEY, hash TEXT NOT NULL, tenant TEXT NOT NULL, scopes TEXT NOT NULL,\n"
         "  created " + I + " NOT NULL, expires " + I + " NOT NULL DEFAULT 0);\n"
         "CREATE TABLE IF NOT EXISTS keysets(\n"
         "  tenant TEXT PRIMARY KEY, wrapped " + blob + " NOT NULL, created " + I + " NOT NULL,\n"
         "  mode TEXT NOT NULL DEFAULT 'custody', version " + I + " NOT NULL DEFAULT 1);\n"
         "CREATE TABLE IF NOT EXISTS items(\n"
         "  id TEXT PRIMARY KEY, tenant TEXT NOT NULL, blob TEXT NOT NULL, format TEXT NOT NULL,\n"
         "  bytes " + I + " NOT NULL, method TEXT NOT NULL, regions " + I + " NOT NULL, created " + I + " NOT NULL);\n"
         "CREATE TABLE IF NOT EXISTS audit(\n"
         "  seq " + I + " PRIMARY KEY, time TEXT NOT NULL, tenant TEXT NOT NULL, actor TEXT NOT NULL,\n"
         "  action TEXT NOT NULL, item TEXT NOT NULL, detail TEXT NOT NULL, prev TEXT NOT NULL,\n"
         "  hash TEXT NOT NULL, sig TEXT NOT NULL);\n"
         "CREATE INDEX IF NOT EXISTS audit_tenant ON audit(tenant);\n";
}

Status create_store_schema(Store& store, const std::string& schema) {
  SHROUD_RETURN_IF_ERROR(store.exec(schema));
  SHROUD_ASSIGN_OR_RETURN(std::string v, store.meta("schema_version"));
  if (v.empty()) SHROUD_RETURN_IF_ERROR(store.set_meta("schema_version", std::to_string(kStoreSchemaVersion)));
  return ok_status();
}

Result<std::string> store_schema_version(Store& store, const std::string& subject) {
  auto v = store.meta("schema_version");
  if (!v.ok()) return make_error(ErrorCode::kCorrupt, subject + " is not a shroud service store: " + v.error().message);
  return v;
}

std::string join_scopes(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> split_scopes(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    const std::size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace shroud::service
