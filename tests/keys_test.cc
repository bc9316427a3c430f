// Keysets: file permissions, round trip, rotation, disabled keys, malformed input.
#include "shroud/keys.h"

#include <sys/stat.h>

#include <fstream>

#include "crypto/keyset_impl.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace keys_test {  // one namespace per file: unity builds batch the tests

using testing::TempDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(KeysTest, SaveWritesMode0600AndLoadRoundTrips) {
  TempDir dir;
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  const std::string path = dir.file("k.json");
  ASSERT_TRUE(save_keyset(*ks, path, false).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = load_keyset(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->primary_id(), ks->primary_id());
  const KeyEntry* a = ks->impl().find(ks->primary_id());
  const KeyEntry* b = loaded->impl().find(ks->primary_id());
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(crypto::equal_ct(a->material.view(), b->material.view()));
  EXPECT_FALSE(save_keyset(*ks, path, false).ok()) << "must not replace without overwrite";
}

TEST(KeysTest, WorldOrGroupReadableKeysetIsRefused) {
  TempDir dir;
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  const std::string path = dir.file("k.json");
  ASSERT_TRUE(save_keyset(*ks, path, false).ok());
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto r = load_keyset(path);
    ASSERT_FALSE(r.ok()) << std::oct << mode;
    EXPECT_EQ(r.error().code, ErrorCode::kPermission);
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(load_keyset(path).ok());
  // A symlink to a good keyset is refused too.
  std::filesystem::create_symlink(path, dir.file("link.json"));
  EXPECT_EQ(load_keyset(dir.file("link.json")).error().code, ErrorCode::kPermission);
  EXPECT_EQ(load_keyset(dir.file("missing.json")).error().code, ErrorCode::kNotFound);
}

TEST(KeysTest, RotationKeepsOldKeysAndDisableWorks) {
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  const std::uint32_t first = ks->primary_id();
  auto second = ks->rotate();
  ASSERT_TRUE(second.ok());
  EXPECT_NE(*second, first);
  EXPECT_EQ(ks->primary_id(), *second);
  EXPECT_EQ(ks->keys().size(), 2u);
  EXPECT_FALSE(ks->set_status(*second, KeyStatus::kDisabled).ok()) << "primary cannot be disabled";
  EXPECT_TRUE(ks->set_status(first, KeyStatus::kDisabled).ok());
  EXPECT_EQ(ks->set_status(12345, KeyStatus::kDisabled).error().code, ErrorCode::kNotFound);
}

TEST(KeysTest, RecipientKeyRoundTrip) {
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  auto pub = ks->add_recipient();
  ASSERT_TRUE(pub.ok());
  const std::string json = recipient_key_to_json(*pub);
  EXPECT_EQ(json.find("material"), std::string::npos) << "public file must hold no secret";
  auto parsed = parse_recipient_key(json);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->id, pub->id);
  EXPECT_EQ(parsed->public_key, pub->public_key);
  // A keyset handed over as a recipient key is refused with a helpful message.
  TempDir dir;
  ASSERT_TRUE(save_keyset(*ks, dir.file("k.json"), false).ok());
  EXPECT_FALSE(parse_recipient_key(slurp(dir.file("k.json"))).ok());
  // And the keyset still parses with the recipient pair in it.
  auto again = load_keyset(dir.file("k.json"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_TRUE(again->recipient(pub->id).ok());
}

TEST(KeysTest, MalformedKeysetsAreRejected) {
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  TempDir dir;
  ASSERT_TRUE(save_keyset(*ks, dir.file("k.json"), false).ok());
  const std::string good = slurp(dir.file("k.json"));
  ASSERT_TRUE(parse_keyset(good).ok());
  const std::string id = std::to_string(ks->primary_id());
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) s.replace(pos, from.size(), to);
    return s;
  };
  const std::vector<std::string> bad = {
      "",
      "[]",
      "{",
      replace("shroud-keyset", "other"),
      replace("\"version\": 1", "\"version\": 2"),
      replace("\"primary\": " + id, "\"primary\": 7"),
      replace("\"enabled\"", "\"maybe\""),
      replace("xchacha20poly1305-hkdf-sha256", "aes-ctr"),
      replace("\"material\": \"", "\"material\": \"AAAA"),
      replace("\"material\": \"", "\"extra\": 1, \"material\": \""),
      replace("\"id\": " + id, "\"id\": 0"),
      replace("\"id\": " + id, "\"id\": -3"),
      replace("\"id\": " + id, "\"id\": \"x\""),
      replace("\"keys\": [", "\"keys\": [1,"),
  };
  for (const auto& text : bad) {
    auto r = parse_keyset(text);
    EXPECT_FALSE(r.ok()) << text;
  }
}

}  // namespace keys_test
}  // namespace
}  // namespace shroud
