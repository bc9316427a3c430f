// The service's building blocks in process: keyset JSON round trip, keyset wrapping under the
// master key (bound to the tenant), token format, the audit chain on a real SQLite store, and
// one conformance suite that both stores (SQLite and a throwaway PostgreSQL cluster) pass.
#include <gtest/gtest.h>

#include <sodium.h>

#include <functional>

#include "service/audit.h"
#include "service/context.h"
#include "service/service_crypto.h"
#include "service/store.h"
#include "shroud/keys.h"
#include "service_pg.h"
#include "test_util.h"

namespace shroud::service {
namespace {
namespace service_store_test {  // one namespace per file: unity builds batch the tests

TEST(ServiceStore, KeysetJsonRoundTripAndWrapIsBoundToTheTenant) {
  ASSERT_TRUE(crypto_init().ok());
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  ASSERT_TRUE(ks->rotate().ok());
  ASSERT_TRUE(ks->add_recipient().ok());
  const std::string json = keyset_to_json(*ks);
  auto back = parse_keyset(json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->primary_id(), ks->primary_id());
  ASSERT_EQ(back->keys().size(), 3u);
  EXPECT_EQ(keyset_to_json(*back), json);

  auto master = MasterKey::generate();
  ASSERT_TRUE(master.ok());
  auto wrapped = master->wrap(json, "acme");
  ASSERT_TRUE(wrapped.ok());
  EXPECT_EQ(std::string(wrapped->begin(), wrapped->end()).find("material"), std::string::npos);
  auto opened = master->unwrap(*wrapped, "acme");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, json);
  auto other = master->unwrap(*wrapped, "other");   // moved to another tenant's row
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kAuthentication);
  Bytes flipped = *wrapped;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_FALSE(master->unwrap(flipped, "acme").ok());
  auto wrong = MasterKey::generate();
  EXPECT_FALSE(wrong->unwrap(*wrapped, "acme").ok());
  EXPECT_NE(wrong->fingerprint(), master->fingerprint());
}

TEST(ServiceStore, TokensAreRandomAndOnlyWellFormedOnesHaveAnId) {
  ASSERT_TRUE(crypto_init().ok());
  const Token a = new_token(), b = new_token();
  EXPECT_NE(a.secret, b.secret);
  EXPECT_EQ(token_id(a.secret), a.id);
  EXPECT_EQ(a.hash, hash_hex(a.secret));
  EXPECT_EQ(a.hash.find(a.secret.substr(20)), std::string::npos);
  EXPECT_EQ(token_id(""), "");
  EXPECT_EQ(token_id(a.secret + "0"), "");
  std::string upper = a.secret;
  upper[25] = 'G';
  EXPECT_EQ(token_id(upper), "");
  EXPECT_EQ(token_id("xx" + a.secret.substr(2)), "");
}

TEST(ServiceStore, AuditChainVerifiesAndNamesTheFirstBadEntry) {
  ASSERT_TRUE(crypto_init().ok());
  shroud::testing::TempDir tmp;
  auto store = Store::open(tmp.file("s.db"), true);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.ok());
  const std::string head = tmp.file("audit.head");
  auto v0 = audit_verify(**store, key->public_hex(), head);
  ASSERT_TRUE(v0.ok());
  EXPECT_TRUE(v0->ok);   // empty trail, no head
  AuditRow last;
  for (int i = 0; i < 5; ++i) {
    auto r = audit_append(**store, *key, AuditRow{0, "", "acme", "t1", "protect", "item" + std::to_string(i), "{}", "", "", ""});
    ASSERT_TRUE(r.ok());
    last = *r;
  }
  ASSERT_TRUE(write_audit_head(head, last, *key).ok());
  auto v = audit_verify(**store, key->public_hex(), head);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->reason;
  EXPECT_EQ(v->entries, 5);
  // Another key's public half does not verify the signatures.
  auto other = SigningKey::generate();
  auto vo = audit_verify(**store, other->public_hex(), head);
  EXPECT_FALSE(vo->ok);
  EXPECT_EQ(vo->first_bad, 1);
  // An edit of entry 3 that recomputes its hash (but cannot re-sign) is still caught at 3.
  ASSERT_TRUE((*store)->exec("UPDATE audit SET item = 'forged' WHERE seq = 3").ok());
  auto rows = (*store)->audit();
  AuditRow forged = (*rows)[2];
  ASSERT_TRUE((*store)->exec("UPDATE audit SET hash = '" + audit_hash(forged) + "' WHERE seq = 3").ok());
  auto v3 = audit_verify(**store, key->public_hex(), head);
  EXPECT_FALSE(v3->ok);
  EXPECT_EQ(v3->first_bad, 3) << v3->reason;
  // Filters.
  AuditFilter f;
  f.item = "item4";
  EXPECT_EQ((*store)->audit(f)->size(), 1u);
}

// The Store contract, on either implementation. `reopen` opens the same store again.
void store_conformance(const std::function<Result<std::unique_ptr<Store>>(bool create)>& reopen) {
  auto opened = reopen(true);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  Store& s = **opened;
  // meta
  EXPECT_EQ(*s.meta("schema_version"), "2");
  EXPECT_EQ(*s.meta("absent"), "");
  ASSERT_TRUE(s.set_meta("k", "v1").ok());
  ASSERT_TRUE(s.set_meta("k", "v2").ok());
  EXPECT_EQ(*s.meta("k"), "v2");
  // tokens
  TokenRow t{"0123456789abcdef", std::string(64, 'a'), "acme", {"detect", "recover"}, 100, 200};
  ASSERT_TRUE(s.insert_token(t).ok());
  EXPECT_FALSE(s.insert_token(t).ok());   // primary key
  auto ft = s.find_token(t.id);
  ASSERT_TRUE(ft.ok() && *ft);
  EXPECT_EQ((*ft)->hash, t.hash);
  EXPECT_EQ((*ft)->tenant, "acme");
  EXPECT_EQ((*ft)->scopes, t.scopes);
  EXPECT_EQ((*ft)->expires, 200);
  EXPECT_FALSE(*s.find_token("ffffffffffffffff"));
  ASSERT_TRUE(s.delete_token(t.id).ok());
  EXPECT_FALSE(*s.find_token(t.id));
  // keysets: binary bytes (NUL and high bytes) round trip, versions grow, modes kept
  Bytes wrapped = {0, 1, 2, 0xff, 0, 0x80, 'x'};
  ASSERT_TRUE(s.insert_keyset("acme", KeysetRow{wrapped, "custody", 1, 42}).ok());
  EXPECT_FALSE(s.insert_keyset("acme", KeysetRow{wrapped, "custody", 1, 42}).ok());
  ASSERT_TRUE(s.insert_keyset("zk", KeysetRow{{9, 9}, "zero-knowledge", 1, 43}).ok());
  auto k = s.find_keyset("acme");
  ASSERT_TRUE(k.ok() && *k);
  EXPECT_EQ((*k)->wrapped, wrapped);
  EXPECT_EQ((*k)->mode, "custody");
  EXPECT_EQ((*k)->version, 1);
  EXPECT_EQ((*k)->created, 42);
  Bytes next(300, 0);
  for (std::size_t i = 0; i < next.size(); ++i) next[i] = static_cast<std::uint8_t>(i * 7);
  ASSERT_TRUE(s.update_keyset("acme", next).ok());
  k = s.find_keyset("acme");
  EXPECT_EQ((*k)->wrapped, next);
  EXPECT_EQ((*k)->version, 2);
  EXPECT_EQ((*s.find_keyset("zk"))->mode, "zero-knowledge");
  auto missing = s.update_keyset("nobody", next);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(*s.find_keyset("nobody"));
  // items
  ItemRow it{std::string(32, 'c'), "acme", std::string(64, 'd'), "png", 1234, "seal", 3, 99};
  ASSERT_TRUE(s.insert_item(it).ok());
  auto fi = s.find_item(it.id);
  ASSERT_TRUE(fi.ok() && *fi);
  EXPECT_EQ((*fi)->blob, it.blob);
  EXPECT_EQ((*fi)->bytes, 1234);
  EXPECT_EQ((*fi)->regions, 3);
  EXPECT_EQ(*s.count_items(), 1);
  // a failed transaction leaves nothing; a good one commits
  auto failed = s.transaction([&]() -> Status {
    EXPECT_TRUE(s.insert_item(ItemRow{std::string(32, 'e'), "acme", "b", "png", 1, "seal", 0, 1}).ok());
    return make_error(ErrorCode::kInvalidArgument, "no");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_FALSE(*s.find_item(std::string(32, 'e')));
  ASSERT_TRUE(s.transaction([&] { return s.insert_item(ItemRow{std::string(32, 'f'), "acme", "b", "png", 1, "seal", 0, 1}); }).ok());
  EXPECT_EQ(*s.count_items(), 2);
  // audit: chain, filters, order, verification with the signed head, tamper detection
  shroud::testing::TempDir tmp;
  const std::string head = tmp.file("audit.head");
  auto key = SigningKey::generate();
  ASSERT_TRUE(key.ok());
  EXPECT_FALSE(*s.last_audit());
  AuditRow last;
  for (int i = 0; i < 4; ++i) {
    auto r = s.transaction([&]() -> Status {
      auto a = audit_append(s, *key, AuditRow{0, "", i % 2 ? "acme" : "other", "t" + std::to_string(i), i == 3 ? "recover" : "protect",
                                              "item" + std::to_string(i), "{\"n\":" + std::to_string(i) + "}", "", "", ""});
      if (!a.ok()) return a.error();
      last = *a;
      return ok_status();
    });
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  ASSERT_TRUE(write_audit_head(head, last, *key).ok());
  EXPECT_EQ((*s.last_audit())->seq, 4);
  auto all = s.audit();
  ASSERT_EQ(all->size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ((*all)[i].seq, i + 1);
  AuditFilter f;
  f.tenant = "acme";
  EXPECT_EQ(s.audit(f)->size(), 2u);
  f.action = "recover";
  EXPECT_EQ(s.audit(f)->size(), 1u);
  AuditFilter g;
  g.since = (*all)[0].time;
  EXPECT_EQ(s.audit(g)->size(), 4u);
  g.until = "2000-01-01T00:00:00Z";
  EXPECT_EQ(s.audit(g)->size(), 0u);
  auto v = audit_verify(s, key->public_hex(), head);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->reason;
  EXPECT_EQ(v->entries, 4);
  // Everything survives closing and reopening.
  opened->reset();
  auto again = reopen(false);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*(*again)->meta("k"), "v2");
  EXPECT_EQ((*(*again)->find_keyset("acme"))->wrapped, next);
  EXPECT_EQ(*(*again)->count_items(), 2);
  EXPECT_TRUE(audit_verify(**again, key->public_hex(), head)->ok);
  ASSERT_TRUE((*again)->exec("UPDATE audit SET actor = 'forged' WHERE seq = 2").ok());
  auto bad = audit_verify(**again, key->public_hex(), head);
  EXPECT_FALSE(bad->ok);
  EXPECT_EQ(bad->first_bad, 2);
}

TEST(ServiceStore, ConformanceSqlite) {
  ASSERT_TRUE(crypto_init().ok());
  shroud::testing::TempDir tmp;
  const std::string path = tmp.file("s.db");
  store_conformance([&](bool create) { return Store::open(path, create); });
  EXPECT_EQ((*Store::open(path, false))->kind(), "sqlite");
}

TEST(ServiceStore, SqliteVersion1StoresAreMigrated) {
  shroud::testing::TempDir tmp;
  const std::string path = tmp.file("v1.db");
  {
    auto s = Store::open(path, true);
    ASSERT_TRUE(s.ok());
    // Back to the version 1 layout: keysets without mode and version.
    ASSERT_TRUE((*s)->exec("DROP TABLE keysets; CREATE TABLE keysets(tenant TEXT PRIMARY KEY, wrapped BLOB NOT NULL, created INTEGER NOT NULL); "
                           "INSERT INTO keysets VALUES('acme', x'0102', 7); UPDATE meta SET value = '1' WHERE key = 'schema_version'").ok());
  }
  auto s = Store::open(path, false);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(*(*s)->meta("schema_version"), "2");
  auto k = (*s)->find_keyset("acme");
  ASSERT_TRUE(k.ok() && *k);
  EXPECT_EQ((*k)->mode, "custody");
  EXPECT_EQ((*k)->version, 1);
  EXPECT_EQ((*k)->wrapped, (Bytes{1, 2}));
}

TEST(ServiceStorePostgres, Conformance) {
  ASSERT_TRUE(crypto_init().ok());
  std::string why;
  auto* pg = shroud::testing::PgCluster::shared(&why);
  if (!pg) GTEST_SKIP() << "SKIP: " << why;
  const std::string uri = pg->create_database();
  ASSERT_FALSE(uri.empty());
  store_conformance([&](bool create) { return Store::open(uri, create); });
  EXPECT_EQ((*Store::open(uri, false))->kind(), "postgresql");
  // A lost connection (here: the backend terminated from another session) is re-established
  // on the next call, which succeeds.
  auto s1 = Store::open(uri, false);
  auto s2 = Store::open(uri, false);
  ASSERT_TRUE(s1.ok() && s2.ok());
  ASSERT_TRUE((*s2)->exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database()").ok());
  auto counted = (*s1)->count_items();
  ASSERT_TRUE(counted.ok()) << counted.error().message;
  EXPECT_EQ(*counted, 2);
  // An unreachable server and a database that is not a store are clear errors.
  auto nowhere = Store::open("postgresql:///nodb?host=/nonexistent-dir&user=postgres", false);
  ASSERT_FALSE(nowhere.ok());
  EXPECT_NE(nowhere.error().message.find("cannot connect"), std::string::npos) << nowhere.error().message;
  auto empty = Store::open(pg->create_database(), false);
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("not a shroud service store"), std::string::npos) << empty.error().message;
}

}  // namespace service_store_test
}  // namespace
}  // namespace shroud::service
