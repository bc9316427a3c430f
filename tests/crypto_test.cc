// The crypto wrappers' own contracts: sizes checked, outputs wiped on failure, secrets zeroed.
#include "crypto/crypto.h"

#include "test_util.h"

namespace shroud::crypto {
namespace {
namespace crypto_test {  // one namespace per file: unity builds batch the tests

using Bytes = std::vector<std::uint8_t>;

TEST(CryptoTest, XChaChaRoundTripAndTamper) {
  const SecretKey key = random_key();
  Bytes nonce(kXNonceBytes, 7), ad = {1, 2, 3}, msg(1000);
  for (std::size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<std::uint8_t>(i);
  Bytes ct(msg.size() + kTagBytes);
  ASSERT_TRUE(xchacha_encrypt(key.view(), nonce, ad, msg, ct).ok());
  Bytes out(msg.size());
  ASSERT_TRUE(xchacha_decrypt(key.view(), nonce, ad, ct, out).ok());
  EXPECT_EQ(out, msg);
  ct[10] ^= 1;
  Status s = xchacha_decrypt(key.view(), nonce, ad, ct, out);
  EXPECT_EQ(s.error().code, ErrorCode::kAuthentication);
  EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](std::uint8_t b) { return b == 0; })) << "output not wiped";
  ct[10] ^= 1;
  ad[0] ^= 1;
  EXPECT_FALSE(xchacha_decrypt(key.view(), nonce, ad, ct, out).ok());
}

TEST(CryptoTest, SizesAreChecked) {
  const SecretKey key = random_key();
  Bytes out(16);
  EXPECT_EQ(xchacha_encrypt(key.view(), Bytes(12), {}, {}, out).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(xchacha_encrypt(Bytes(16), Bytes(24), {}, {}, out).error().code, ErrorCode::kInvalidArgument);
  Bytes b15(15), b0, b32(32);
  EXPECT_EQ(xchacha_encrypt(key.view(), Bytes(24), {}, {}, b15).error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(xchacha_decrypt(key.view(), Bytes(24), {}, Bytes(15), b0).ok());
  Bytes big(255 * 32 + 1);
  EXPECT_FALSE(hkdf({}, key.view(), {}, big).ok());
  EXPECT_FALSE(hkdf_expand(Bytes(16), {}, b32).ok());
}

TEST(CryptoTest, SecretsAreZeroedOnMove) {
  SecretKey a = random_key();
  const Bytes copy(a.data(), a.data() + a.size());
  SecretKey b = std::move(a);
  EXPECT_TRUE(std::all_of(a.data(), a.data() + a.size(), [](std::uint8_t v) { return v == 0; }));  // NOLINT: moved-from is defined
  EXPECT_EQ(Bytes(b.data(), b.data() + b.size()), copy);
  SecretBytes s(64);
  s.span()[0] = 9;
  s.wipe();
  EXPECT_EQ(s.data()[0], 0);
}

TEST(CryptoTest, ConstantTimeEqual) {
  EXPECT_TRUE(equal_ct(Bytes{1, 2, 3}, Bytes{1, 2, 3}));
  EXPECT_FALSE(equal_ct(Bytes{1, 2, 3}, Bytes{1, 2, 4}));
  EXPECT_FALSE(equal_ct(Bytes{1, 2}, Bytes{1, 2, 3}));
}

TEST(CryptoTest, SealedBoxOnlyOpensWithTheSecretKey) {
  auto kp = box_keypair();
  ASSERT_TRUE(kp.ok());
  auto other = box_keypair();
  ASSERT_TRUE(other.ok());
  const SecretKey msg = random_key();
  auto sealed = box_seal(msg.view(), kp->public_key);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->size(), 32 + kBoxSealOverhead);
  SecretKey out;
  ASSERT_TRUE(box_seal_open(*sealed, kp->public_key, kp->secret_key.view(), out.span()).ok());
  EXPECT_TRUE(equal_ct(out.view(), msg.view()));
  EXPECT_EQ(box_seal_open(*sealed, other->public_key, other->secret_key.view(), out.span()).error().code,
            ErrorCode::kAuthentication);
  auto pk = box_public_from_secret(kp->secret_key.view());
  ASSERT_TRUE(pk.ok());
  EXPECT_EQ(*pk, kp->public_key);
}

TEST(CryptoTest, HmacAndSha256KnownAnswers) {
  // SHA-256("abc") (FIPS 180-2) and HMAC-SHA256 RFC 4231 test case 2 (key "Jefe").
  Sha256 h;
  const std::string abc = "abc";
  h.update({reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size()});
  const auto d = h.finish();
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(to_base64(*d), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  const std::string key = "Jefe", msg = "what do ya want for nothing?";
  const auto tag = hmac_sha256({reinterpret_cast<const std::uint8_t*>(key.data()), key.size()},
                               {reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size()});
  EXPECT_EQ(to_base64(tag), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
}

TEST(CryptoTest, Base64Exact) {
  const Bytes b = {0, 1, 2, 250, 251, 252};
  const std::string t = to_base64(b);
  Bytes out(6);
  ASSERT_TRUE(from_base64_exact(t, out).ok());
  EXPECT_EQ(out, b);
  Bytes wrong(5);
  EXPECT_FALSE(from_base64_exact(t, wrong).ok());
  EXPECT_FALSE(from_base64_exact(t + "A", out).ok());
  Bytes b3(3);
  EXPECT_FALSE(from_base64_exact("!!!!", b3).ok());
}

}  // namespace crypto_test
}  // namespace
}  // namespace shroud::crypto
