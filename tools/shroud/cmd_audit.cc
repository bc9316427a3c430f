// shroud audit verify --data DIR      checks the hash chain, signatures and signed head
// shroud audit list --data DIR [--tenant T] [--item I] [--actor A] [--action X] [--since T] [--until T] [--json]
//
// verify exits 0 when the trail is intact, 6 (kAuthentication) naming the first bad entry
// otherwise. Needs only the store and DATA/audit.pub (or --public-key HEX), not the master key.
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "service/audit.h"
#include "service/context.h"
#include "shroud/image_io.h"

namespace shroud::cli {
namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_audit {

struct Opts {
  std::string data;
  std::string public_key;
  std::string store;
  service::AuditFilter filter;
  bool json = false;
};

Result<std::unique_ptr<service::Store>> open_store(const Opts& o) {
  SHROUD_ASSIGN_OR_RETURN(std::string location, service::store_location(o.data, o.store));
  if (!service::is_postgres_location(location) && !std::filesystem::exists(location)) {
    return make_error(ErrorCode::kNotFound, "'" + o.data + "' holds no store (shroud.db or store.url)");
  }
  return service::Store::open(location, false);
}

Status run_verify(const Opts& o) {
  SHROUD_RETURN_IF_ERROR(service::crypto_init());
  SHROUD_ASSIGN_OR_RETURN(auto store, open_store(o));
  const auto p = service::data_paths(o.data);
  std::string pub = o.public_key;
  if (pub.empty()) {
    SHROUD_ASSIGN_OR_RETURN(auto bytes, read_file(p.audit_pub, 4096));
    pub.assign(bytes.begin(), bytes.end());
    while (!pub.empty() && (pub.back() == '\n' || pub.back() == ' ')) pub.pop_back();
  }
  SHROUD_ASSIGN_OR_RETURN(service::AuditVerdict v, service::audit_verify(*store, pub, p.audit_head));
  if (!v.ok) return make_error(ErrorCode::kAuthentication, "audit trail broken at entry " + std::to_string(v.first_bad) + ": " + v.reason);
  spdlog::info("audit trail intact: {} entries, chain, signatures and signed head check", v.entries);
  return ok_status();
}

Status run_list(const Opts& o) {
  SHROUD_ASSIGN_OR_RETURN(auto store, open_store(o));
  SHROUD_ASSIGN_OR_RETURN(auto rows, store->audit(o.filter));
  for (const auto& r : rows) {
    if (o.json) {
      nlohmann::json j = {{"seq", r.seq}, {"time", r.time}, {"tenant", r.tenant}, {"actor", r.actor}, {"action", r.action},
                          {"item", r.item}, {"detail", nlohmann::json::parse(r.detail, nullptr, false)}, {"hash", r.hash}};
      std::fputs((j.dump() + "\n").c_str(), stdout);
    } else {
      std::fputs(fmt::format("{:>6}  {}  {:<12} {:<16} {:<14} {:<32} {}\n", r.seq, r.time, r.tenant, r.actor, r.action,
                             r.item.empty() ? "-" : r.item, r.detail).c_str(), stdout);
    }
  }
  return ok_status();
}

}  // namespace cmd_audit
}  // namespace

void add_audit(CLI::App& app, Globals& g) {
  using namespace cmd_audit;
  auto* cmd = app.add_subcommand("audit", "verify or list the service's hash-chained audit trail");
  cmd->require_subcommand(1);
  auto o = std::make_shared<Opts>();
  auto* verify = cmd->add_subcommand("verify", "check every entry's hash, chain link and signature, and the signed head");
  verify->add_option("--data", o->data, "the service's data directory")->required();
  verify->add_option("--store", o->store, "postgresql:// URI of the store (default: DATA/store.url, else DATA/shroud.db)");
  verify->add_option("--public-key", o->public_key, "audit public key (hex); default DATA/audit.pub");
  verify->callback([&g, o] {
    Status s = run_verify(*o);
    if (!s.ok()) g.exit_code = report(s.error());
  });
  auto* list = cmd->add_subcommand("list", "print audit entries, oldest first");
  list->add_option("--data", o->data, "the service's data directory")->required();
  list->add_option("--store", o->store, "postgresql:// URI of the store (default: DATA/store.url, else DATA/shroud.db)");
  list->add_option("--tenant", o->filter.tenant, "only this tenant");
  list->add_option("--item", o->filter.item, "only this item");
  list->add_option("--actor", o->filter.actor, "only this token id");
  list->add_option("--action", o->filter.action, "only this action (protect, recover, token.create, token.revoke, keyset.create)");
  list->add_option("--since", o->filter.since, "only entries at or after this time (RFC 3339, UTC)");
  list->add_option("--until", o->filter.until, "only entries at or before this time (RFC 3339, UTC)");
  list->add_flag("--json", o->json, "one JSON object per line");
  list->callback([&g, o] {
    Status s = run_list(*o);
    if (!s.ok()) g.exit_code = report(s.error());
  });
}

}  // namespace shroud::cli
