// The service's building blocks in process: keyset JSON round trip, keyset wrapping under the
// master key (bound to the tenant), token format, and the audit chain on a real SQLite store.
#include <gtest/gtest.h>

#include <sodium.h>

#include "service/audit.h"
#include "service/context.h"
#include "service/service_crypto.h"
#include "service/store.h"
#include "shroud/keys.h"
#include "test_util.h"

namespace shroud::service {
namespace {

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

}  // namespace
}  // namespace shroud::service
