// Each check of the seal's recovery tested on its own (issue #13, part 4): the test holds the
// key, so it can build containers that are valid in every respect but one (manifest re-MACed,
// regions re-encrypted), and each case is rejected only by the check it names. The CLI cases
// recompute the PNG chunk CRC so that they reach the manifest MAC and the AEAD.
#include <opencv2/imgcodecs.hpp>

#include <cstring>
#include <filesystem>
#include <string>

#include "cli_util.h"
#include "crypto/crypto.h"
#include "crypto/keyset_impl.h"
#include "shroud/container.h"
#include "shroud/image_io.h"
#include "shroud/seal.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace harden_crypto_test {  // one namespace per file: unity builds batch the tests

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

crypto::ByteView text(const char* s) { return {reinterpret_cast<const std::uint8_t*>(s), std::strlen(s)}; }

// Key schedule of docs/container-format.md section 2, written out independently of seal.cc.
struct Schedule {
  crypto::SecretKey file_key, manifest;
  crypto::SecretKey enc(std::uint64_t frame, std::uint32_t index) const { return region(frame, index, "shroud/v1/enc"); }
  crypto::SecretKey region(std::uint64_t frame, std::uint32_t index, const char* label) const {
    Bytes info(text("shroud/v1/region").begin(), text("shroud/v1/region").end());
    for (int i = 7; i >= 0; --i) info.push_back(static_cast<std::uint8_t>(frame >> (8 * i)));
    for (int i = 3; i >= 0; --i) info.push_back(static_cast<std::uint8_t>(index >> (8 * i)));
    auto k_r = crypto::hkdf_expand_key(file_key.view(), info);
    EXPECT_TRUE(k_r.ok());
    auto k = crypto::hkdf_expand_key(k_r->view(), text(label));
    EXPECT_TRUE(k.ok());
    return std::move(*k);
  }
};

Schedule schedule(const ContainerHeader& h, crypto::ByteView master) {
  Schedule s;
  auto fk = crypto::hkdf_extract(h.salt, master);
  EXPECT_TRUE(fk.ok());
  s.file_key = std::move(*fk);
  auto mk = crypto::hkdf_expand_key(s.file_key.view(), text("shroud/v1/manifest"));
  EXPECT_TRUE(mk.ok());
  s.manifest = std::move(*mk);
  return s;
}

// A sealed container and what the test needs to rewrite it.
struct Sealed {
  Keyset keyset;
  cv::Mat original, carrier;
  Bytes bytes;
  Container parsed;
  std::size_t manifest_len = 0, body_start = 0;
  crypto::ByteView master() const { return keyset.impl().find(keyset.primary_id())->material.view(); }
  std::size_t region_header(std::size_t i) const { return kFileHeaderBytes + parsed.header.wrapped_key.size() + i * kRegionHeaderBytes; }
};

Sealed seal_two_regions() {
  auto ks = Keyset::generate();
  EXPECT_TRUE(ks.ok());
  Sealed s{std::move(*ks), testing::random_image(40, 50, CV_8UC3, 31), {}, {}, {}, 0, 0};
  s.carrier = s.original.clone();
  std::vector<Action> actions(2);
  actions[0].rect = cv::Rect(2, 3, 10, 12);
  actions[1].rect = cv::Rect(20, 10, 15, 9);
  for (auto& a : actions) {
    a.region.box = a.rect;
    a.method = "seal";
  }
  auto sealed = seal_regions(s.carrier, actions, SealOptions{}, KeySource{&s.keyset, nullptr});
  EXPECT_TRUE(sealed.ok());
  s.bytes = sealed->container;
  auto parsed = parse_container(s.bytes);
  EXPECT_TRUE(parsed.ok());
  s.parsed = std::move(*parsed);
  s.manifest_len = kFileHeaderBytes + s.parsed.header.wrapped_key.size() + s.parsed.regions.size() * kRegionHeaderBytes;
  s.body_start = s.manifest_len + kManifestTagBytes;
  return s;
}

void remac(Bytes& bytes, const Sealed& s) {
  const Schedule k = schedule(s.parsed.header, s.master());
  const auto tag = crypto::hmac_sha256(k.manifest.view(), {bytes.data(), s.manifest_len});
  std::memcpy(bytes.data() + s.manifest_len, tag.data(), tag.size());
}

// Re-encrypts region i's body under `ad` with a key derived by `label` ("shroud/v1/enc").
void reencrypt(Bytes& bytes, const Sealed& s, std::size_t i, crypto::ByteView ad) {
  const Schedule k = schedule(s.parsed.header, s.master());
  const auto& reg = s.parsed.regions[i];
  const crypto::SecretKey enc = k.enc(s.parsed.header.frame, reg.index);
  const std::size_t off = s.body_start + s.parsed.body_offset(i);
  // The original plaintext, under the original associated data.
  Bytes orig_ad(s.bytes.begin(), s.bytes.begin() + kFileHeaderBytes);
  orig_ad.insert(orig_ad.end(), s.bytes.begin() + static_cast<std::ptrdiff_t>(s.region_header(i)),
                 s.bytes.begin() + static_cast<std::ptrdiff_t>(s.region_header(i) + kRegionHeaderBytes));
  Bytes plain(reg.ciphertext_size - crypto::kTagBytes);
  ASSERT_TRUE(crypto::xchacha_decrypt(enc.view(), reg.nonce, orig_ad, {s.bytes.data() + off, reg.ciphertext_size}, plain).ok());
  ASSERT_TRUE(crypto::xchacha_encrypt(enc.view(), reg.nonce, ad, plain, {bytes.data() + off, reg.ciphertext_size}).ok());
}

Bytes full_ad(const Bytes& bytes, const Sealed& s, std::size_t i) {
  Bytes ad(bytes.begin(), bytes.begin() + kFileHeaderBytes);
  ad.insert(ad.end(), bytes.begin() + static_cast<std::ptrdiff_t>(s.region_header(i)),
            bytes.begin() + static_cast<std::ptrdiff_t>(s.region_header(i) + kRegionHeaderBytes));
  return ad;
}

TEST(CryptoChecks, RewrittenButUnchangedContainerIsAccepted) {
  // The control: the test's re-encryption and re-MAC reproduce a valid container, so a
  // rejection below is caused by the one change each case makes.
  Sealed s = seal_two_regions();
  Bytes b = s.bytes;
  reencrypt(b, s, 0, full_ad(b, s, 0));
  remac(b, s);
  auto rec = recover_regions(s.carrier, b, s.keyset);
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_EQ(cv::norm(rec->image, s.original, cv::NORM_INF), 0);
}

TEST(CryptoChecks, KeyCommitmentAloneRejects) {
  // Commitment changed; the manifest re-MACed and the region re-encrypted with the changed
  // header as associated data: only the commitment check can refuse.
  Sealed s = seal_two_regions();
  Bytes b = s.bytes;
  b[s.region_header(1) + 48] ^= 0x01;  // first byte of region 1's key commitment
  reencrypt(b, s, 1, full_ad(b, s, 1));
  remac(b, s);
  auto rec = recover_regions(s.carrier, b, s.keyset);
  ASSERT_FALSE(rec.ok());
  EXPECT_EQ(rec.error().code, ErrorCode::kAuthentication);
  EXPECT_NE(rec.error().message.find("commitment"), std::string::npos) << rec.error().message;
}

TEST(CryptoChecks, AssociatedDataAloneRejects) {
  // A region encrypted under other associated data than file header || region header: the
  // manifest is untouched and valid, so only the AEAD with the right associated data refuses.
  Sealed s = seal_two_regions();
  const Bytes full = full_ad(s.bytes, s, 0);
  const Bytes file_header_only(full.begin(), full.begin() + kFileHeaderBytes);
  const Bytes region_header_only(full.begin() + kFileHeaderBytes, full.end());
  Bytes other_region = full_ad(s.bytes, s, 1);
  for (const Bytes& ad : {Bytes{}, file_header_only, region_header_only, other_region}) {
    Bytes b = s.bytes;
    reencrypt(b, s, 0, ad);
    auto rec = recover_regions(s.carrier, b, s.keyset);
    ASSERT_FALSE(rec.ok()) << "accepted with associated data of " << ad.size() << " bytes";
    EXPECT_EQ(rec.error().code, ErrorCode::kAuthentication);
    EXPECT_NE(rec.error().message.find("region 0: authentication failed"), std::string::npos) << rec.error().message;
  }
}

TEST(CryptoChecks, KeyTypeAloneRejects) {
  // The keyset holds the container's key id with the right 32 bytes, but as an X25519
  // recipient key: used as a symmetric master it would open everything. Only the check of the
  // key's algorithm against the container's key mode refuses.
  Sealed s = seal_two_regions();
  auto other = Keyset::generate();
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->add_recipient().ok());
  auto& impl = const_cast<Keyset::Impl&>(other->impl());
  KeyEntry* recipient = nullptr;
  for (auto& k : impl.keys) {
    if (k.info.algorithm == KeyAlgorithm::kRecipientX25519) recipient = &k;
  }
  ASSERT_NE(recipient, nullptr);
  ASSERT_NE(s.parsed.header.key_id, impl.primary);
  recipient->info.id = s.parsed.header.key_id;
  recipient->material = s.keyset.impl().find(s.keyset.primary_id())->material.clone();
  auto pub = crypto::box_public_from_secret(recipient->material.view());
  ASSERT_TRUE(pub.ok());
  recipient->public_key = *pub;
  auto rec = recover_regions(s.carrier, s.bytes, *other);
  ASSERT_FALSE(rec.ok());
  EXPECT_EQ(rec.error().code, ErrorCode::kAuthentication);
  EXPECT_NE(rec.error().message.find("wrong algorithm"), std::string::npos) << rec.error().message;
}

// ---- CLI: tampering that passes the PNG CRC -------------------------------------------------

std::uint32_t crc32(const std::uint8_t* p, std::size_t n) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

std::uint32_t be32(const std::uint8_t* p) { return (std::uint32_t{p[0]} << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }

// Offset of the shRd chunk's data and its length.
std::pair<std::size_t, std::size_t> find_chunk(const Bytes& png) {
  for (std::size_t i = 8; i + 12 <= png.size();) {
    const std::size_t len = be32(&png[i]);
    if (std::memcmp(&png[i + 4], "shRd", 4) == 0) return {i + 8, len};
    i += 12 + len;
  }
  return {0, 0};
}

void fix_crc(Bytes& png, std::size_t data, std::size_t len) {
  const std::uint32_t c = crc32(&png[data - 4], len + 4);
  for (int i = 0; i < 4; ++i) png[data + len + i] = static_cast<std::uint8_t>(c >> (24 - 8 * i));
}

TEST(CryptoChecks, CliTamperWithValidCrcReachesTheManifestAndTheAead) {
  if (!fs::exists(testing::shroud_bin())) GTEST_SKIP() << "missing " << testing::shroud_bin();
  testing::TempDir dir;
  const std::string in = dir.file("in.png"), regions = dir.file("r.json"), keys = dir.file("k.json"), sealed = dir.file("s.png");
  ASSERT_TRUE(cv::imwrite(in, testing::random_image(40, 50, CV_8UC3, 2)));
  testing::write_text(regions, R"({"regions": [{"kind": "face", "box": [2, 2, 10, 10]}, {"kind": "plate", "box": [20, 20, 12, 8]}]})");
  ASSERT_EQ(testing::run_shroud({"-q", "keygen", keys}).exit_code, 0);
  ASSERT_EQ(testing::run_shroud({"-q", "protect", in, "-o", sealed, "--regions-in", regions, "--method", "seal", "--key", keys,
                                 "--mask-scale", "1"}).exit_code, 0);
  auto file = read_file(sealed);
  ASSERT_TRUE(file.ok());
  const auto [data, len] = find_chunk(*file);
  ASSERT_GT(data, 0u);
  auto parsed = parse_container({file->data() + data, len});
  ASSERT_TRUE(parsed.ok());
  const std::size_t manifest = kFileHeaderBytes + parsed->regions.size() * kRegionHeaderBytes;
  struct Case {
    std::size_t offset;  // inside the container
    std::string expect;
  };
  const std::vector<Case> cases = {
      {manifest + 5, "manifest authentication failed"},                   // the manifest tag
      {20, "manifest authentication failed"},                              // a header byte (salt)
      {75, "manifest authentication failed"},                              // the carrier digest
      {manifest + kManifestTagBytes + 7, "region 0: authentication failed"},  // region 0 ciphertext
      {manifest + kManifestTagBytes + parsed->body_offset(1) + parsed->regions[1].ciphertext_size - 1,
       "region 1: authentication failed"},                                 // region 1's AEAD tag
  };
  for (const auto& c : cases) {
    Bytes t = *file;
    t[data + c.offset] ^= 0x40;
    fix_crc(t, data, len);
    const std::string path = dir.file("t.png"), out = dir.file("rec.png");
    ASSERT_TRUE(write_file_atomic(path, t, {true, 0644}).ok());
    const auto r = testing::run_shroud({"recover", path, "-o", out, "--key", keys});
    EXPECT_EQ(r.exit_code, 6) << c.offset << ": " << r.output;
    EXPECT_NE(r.output.find(c.expect), std::string::npos) << c.offset << ": " << r.output;
    EXPECT_EQ(r.output.find("CRC"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out));
  }
}

}  // namespace harden_crypto_test
}  // namespace
}  // namespace shroud
