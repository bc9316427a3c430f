// Wycheproof vectors against the project's crypto wrappers (src/crypto): XChaCha20-Poly1305,
// ChaCha20-Poly1305-IETF, HKDF-SHA256, X25519. Each test prints "passed/total" so the figures can
// be reported; any failure fails the test.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

#include "crypto/crypto.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace wycheproof_test {  // one namespace per file: unity builds batch the tests

using Bytes = std::vector<std::uint8_t>;
using nlohmann::json;

Bytes hex(const std::string& s) {
  Bytes out(s.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(std::stoul(s.substr(2 * i, 2), nullptr, 16));
  return out;
}

std::filesystem::path vectors(const std::string& name) { return testing::shared_dir() / "data" / "wycheproof" / name; }

json load(const std::filesystem::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

struct Tally {
  int pass = 0, fail = 0;
  void add(bool ok, int tc) {
    ok ? ++pass : ++fail;
    if (!ok) ADD_FAILURE() << "tcId " << tc;
  }
};

using Encrypt = Status (*)(crypto::ByteView, crypto::ByteView, crypto::ByteView, crypto::ByteView, crypto::MutableBytes);
using Decrypt = Status (*)(crypto::ByteView, crypto::ByteView, crypto::ByteView, crypto::ByteView, crypto::MutableBytes);

Tally run_aead(const json& doc, Encrypt enc, Decrypt dec) {
  Tally t;
  for (const auto& g : doc["testGroups"]) {
    for (const auto& tc : g["tests"]) {
      const Bytes key = hex(tc["key"]), iv = hex(tc["iv"]), aad = hex(tc["aad"]), msg = hex(tc["msg"]);
      Bytes ct = hex(tc["ct"]);
      const Bytes tag = hex(tc["tag"]);
      const bool valid = tc["result"] == "valid";
      Bytes sealed = ct;
      sealed.insert(sealed.end(), tag.begin(), tag.end());
      bool ok = true;
      // Decrypt: must succeed exactly for valid vectors.
      Bytes out(sealed.size() >= 16 ? sealed.size() - 16 : 0);
      Status s = dec(key, iv, aad, sealed, out);
      if (valid) {
        ok = ok && s.ok() && out == msg;
      } else {
        ok = ok && !s.ok();
      }
      // Encrypt: valid vectors reproduce ct || tag.
      if (valid) {
        Bytes c2(msg.size() + 16);
        ok = ok && enc(key, iv, aad, msg, c2).ok() && c2 == sealed;
      }
      t.add(ok, tc["tcId"].get<int>());
    }
  }
  return t;
}

TEST(WycheproofTest, XChaCha20Poly1305) {
  SHROUD_REQUIRE_FILE(vectors("xchacha20_poly1305_test.json"));
  const json doc = load(vectors("xchacha20_poly1305_test.json"));
  const Tally t = run_aead(doc, crypto::xchacha_encrypt, crypto::xchacha_decrypt);
  std::printf("[wycheproof] xchacha20_poly1305: %d/%d passed, %d failed\n", t.pass, t.pass + t.fail, t.fail);
  EXPECT_EQ(t.pass + t.fail, doc["numberOfTests"].get<int>());
  EXPECT_EQ(t.fail, 0);
}

TEST(WycheproofTest, ChaCha20Poly1305) {
  SHROUD_REQUIRE_FILE(vectors("chacha20_poly1305_test.json"));
  const json doc = load(vectors("chacha20_poly1305_test.json"));
  const Tally t = run_aead(doc, crypto::chacha_ietf_encrypt, crypto::chacha_ietf_decrypt);
  std::printf("[wycheproof] chacha20_poly1305: %d/%d passed, %d failed\n", t.pass, t.pass + t.fail, t.fail);
  EXPECT_EQ(t.pass + t.fail, doc["numberOfTests"].get<int>());
  EXPECT_EQ(t.fail, 0);
}

TEST(WycheproofTest, HkdfSha256) {
  SHROUD_REQUIRE_FILE(vectors("hkdf_sha256_test.json"));
  const json doc = load(vectors("hkdf_sha256_test.json"));
  Tally t;
  for (const auto& g : doc["testGroups"]) {
    for (const auto& tc : g["tests"]) {
      const Bytes ikm = hex(tc["ikm"]), salt = hex(tc["salt"]), info = hex(tc["info"]), okm = hex(tc["okm"]);
      const std::size_t size = tc["size"].get<std::size_t>();
      Bytes out(size);
      Status s = crypto::hkdf(salt, ikm, info, out);
      const bool ok = tc["result"] == "valid" ? (s.ok() && out == okm) : !s.ok();
      t.add(ok, tc["tcId"].get<int>());
    }
  }
  std::printf("[wycheproof] hkdf_sha256: %d/%d passed, %d failed\n", t.pass, t.pass + t.fail, t.fail);
  EXPECT_EQ(t.pass + t.fail, doc["numberOfTests"].get<int>());
  EXPECT_EQ(t.fail, 0);
}

TEST(WycheproofTest, X25519) {
  SHROUD_REQUIRE_FILE(vectors("x25519_test.json"));
  const json doc = load(vectors("x25519_test.json"));
  Tally t;
  int rejected_acceptable = 0;
  for (const auto& g : doc["testGroups"]) {
    for (const auto& tc : g["tests"]) {
      const Bytes pub = hex(tc["public"]), priv = hex(tc["private"]), shared = hex(tc["shared"]);
      Bytes out(32);
      Status s = crypto::x25519(priv, pub, out);
      const std::string result = tc["result"];
      bool ok;
      if (result == "valid") {
        ok = s.ok() && out == shared;
      } else if (result == "acceptable") {
        // Either computed correctly, or refused because the shared secret is all zero.
        const bool zero = std::all_of(shared.begin(), shared.end(), [](std::uint8_t b) { return b == 0; });
        ok = s.ok() ? out == shared : zero;
        if (!s.ok()) ++rejected_acceptable;
      } else {
        ok = !s.ok();
      }
      t.add(ok, tc["tcId"].get<int>());
    }
  }
  std::printf("[wycheproof] x25519: %d/%d passed, %d failed (%d 'acceptable' low-order cases refused)\n", t.pass,
              t.pass + t.fail, t.fail, rejected_acceptable);
  EXPECT_EQ(t.pass + t.fail, doc["numberOfTests"].get<int>());
  EXPECT_EQ(t.fail, 0);
}

}  // namespace wycheproof_test
}  // namespace
}  // namespace shroud
