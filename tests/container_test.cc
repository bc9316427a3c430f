// The shroud-v1 container and its carriers: canonical encoding, strict parsing, PNG/JPEG
// embedding, malformed carriers.
#include "shroud/container.h"

#include <opencv2/imgcodecs.hpp>

#include "shroud/image_io.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace container_test {  // one namespace per file: unity builds batch the tests

using Bytes = std::vector<std::uint8_t>;

Container sample_container(std::uint32_t regions = 2) {
  Container c;
  c.header.width = 64;
  c.header.height = 48;
  c.header.channels = 3;
  c.header.depth_bits = 8;
  c.header.key_id = 42;
  c.header.frame = 7;
  c.header.salt.fill(0xAB);
  c.header.carrier_digest.fill(0xCD);
  c.header.region_count = regions;
  for (std::uint32_t i = 0; i < regions; ++i) {
    ContainerRegion r;
    r.index = i;
    r.kind = i % 2 ? Kind::kPlate : Kind::kFace;
    r.x = i * 3;
    r.y = i;
    r.width = 5 + i;
    r.height = 4;
    r.nonce.fill(static_cast<std::uint8_t>(i));
    r.commitment.fill(static_cast<std::uint8_t>(100 + i));
    r.ciphertext_size = static_cast<std::uint32_t>(region_plaintext_bytes(c.header, r) + 16);
    c.regions.push_back(r);
    c.ciphertext.resize(c.ciphertext.size() + r.ciphertext_size, static_cast<std::uint8_t>(i + 1));
  }
  c.manifest_tag.fill(0xEE);
  return c;
}

TEST(ContainerTest, CanonicalRoundTrip) {
  const Container c = sample_container(3);
  const Bytes b = serialize_container(c);
  EXPECT_EQ(b.size(), kFileHeaderBytes + 3 * kRegionHeaderBytes + kManifestTagBytes + c.ciphertext.size());
  auto p = parse_container(b);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(serialize_container(*p), b);
  EXPECT_EQ(p->header.frame, 7u);
  EXPECT_EQ(p->regions[1].kind, Kind::kPlate);
  EXPECT_EQ(p->body_offset(2), c.regions[0].ciphertext_size + c.regions[1].ciphertext_size);
}

TEST(ContainerTest, EveryTruncationIsRejected) {
  const Bytes b = serialize_container(sample_container(2));
  for (std::size_t n = 0; n < b.size(); ++n) {
    EXPECT_FALSE(parse_container(std::span(b).first(n)).ok()) << n;
  }
  Bytes longer = b;
  longer.push_back(0);
  EXPECT_FALSE(parse_container(longer).ok());
}

TEST(ContainerTest, StructuralErrorsAreRejected) {
  const Bytes good = serialize_container(sample_container(2));
  auto with = [&](std::size_t off, std::uint8_t v) {
    Bytes b = good;
    b[off] = v;
    return parse_container(b);
  };
  EXPECT_EQ(with(0, 'X').error().code, ErrorCode::kCorrupt);           // magic
  EXPECT_EQ(with(4, 3).error().code, ErrorCode::kUnsupported);         // version
  EXPECT_EQ(with(4, 2).error().code, ErrorCode::kCorrupt);             // v2: raw body sizes are not padding buckets
  EXPECT_EQ(with(8, 3).error().code, ErrorCode::kCorrupt);             // key mode
  EXPECT_EQ(with(8, 2).error().code, ErrorCode::kCorrupt);             // recipient without wrapped key
  EXPECT_EQ(with(10, 1).error().code, ErrorCode::kCorrupt);            // reserved
  EXPECT_EQ(with(56, 2).error().code, ErrorCode::kCorrupt);            // channels
  EXPECT_EQ(with(57, 12).error().code, ErrorCode::kCorrupt);           // depth
  EXPECT_EQ(with(58, 9).error().code, ErrorCode::kCorrupt);            // orientation
  EXPECT_EQ(with(71, 3).error().code, ErrorCode::kCorrupt);            // region count
  EXPECT_EQ(with(kFileHeaderBytes + 3, 1).error().code, ErrorCode::kCorrupt);  // region index order
  EXPECT_EQ(with(kFileHeaderBytes + 4, 9).error().code, ErrorCode::kCorrupt);  // kind
  EXPECT_EQ(with(kFileHeaderBytes + 11, 250).error().code, ErrorCode::kCorrupt);  // x past the edge
}

TEST(ContainerTest, HugeCountsFailBeforeAllocating) {
  Bytes b = serialize_container(sample_container(1));
  // region_count = 0xFFFFFFFF: over the limit.
  b[68] = b[69] = b[70] = b[71] = 0xFF;
  EXPECT_EQ(parse_container(b).error().code, ErrorCode::kResourceLimit);
  // region_count = 4000 (under the limit) but the table would run past the end.
  b[68] = 0; b[69] = 0; b[70] = 0x0F; b[71] = 0xA0;
  EXPECT_EQ(parse_container(b).error().code, ErrorCode::kCorrupt);
  // width * height over the pixel limit.
  Bytes c = serialize_container(sample_container(1));
  c[48] = c[52] = 0x7F;
  EXPECT_EQ(parse_container(c).error().code, ErrorCode::kResourceLimit);
  // Regression (found by container_fuzz): 0xFFFFFFFF x 0xFFFFFFFF must not overflow the check.
  Bytes d = serialize_container(sample_container(1));
  for (int i = 48; i < 56; ++i) d[i] = 0xFF;
  EXPECT_EQ(parse_container(d).error().code, ErrorCode::kResourceLimit);
  ContainerLimits small;
  small.max_bytes = 100;
  EXPECT_EQ(parse_container(serialize_container(sample_container(1)), small).error().code, ErrorCode::kResourceLimit);
}

Bytes encoded(const std::string& ext, int type = CV_8UC3) {
  cv::Mat m = testing::random_image(20, 30, type);
  Bytes out;
  cv::imencode(ext, m, out);
  return out;
}

TEST(ContainerTest, PngChunkRoundTrip) {
  const Bytes png = encoded(".png");
  const Bytes payload = serialize_container(sample_container(2));
  auto with = embed_container(png, payload);
  ASSERT_TRUE(with.ok()) << with.error().message;
  auto got = extract_container(*with);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(**got, payload);
  // Still a valid PNG with the same pixels.
  auto a = decode_image(png), b = decode_image(*with);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(cv::norm(a->pixels, b->pixels, cv::NORM_INF), 0);
  // Without a container: nullopt.
  auto none = extract_container(png);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  // Embedding twice is refused; a file with two chunks is rejected.
  EXPECT_FALSE(embed_container(*with, payload).ok());
  // Bad CRC: flip a payload byte inside the chunk.
  Bytes bad = *with;
  const std::string needle = "shRd";
  const auto pos = std::search(bad.begin(), bad.end(), needle.begin(), needle.end()) - bad.begin();
  bad[static_cast<std::size_t>(pos) + 4 + 10] ^= 1;
  EXPECT_EQ(extract_container(bad).error().code, ErrorCode::kCorrupt);
  // Duplicate chunk.
  Bytes dup = *with;
  const std::size_t chunk_start = static_cast<std::size_t>(pos) - 4;
  const std::size_t chunk_len = payload.size() + 12;
  dup.insert(dup.begin() + static_cast<std::ptrdiff_t>(chunk_start),
             with->begin() + static_cast<std::ptrdiff_t>(chunk_start),
             with->begin() + static_cast<std::ptrdiff_t>(chunk_start + chunk_len));
  EXPECT_EQ(extract_container(dup).error().code, ErrorCode::kCorrupt);
  // Truncations never crash and never yield a container.
  for (std::size_t n = 0; n < with->size(); n += 7) {
    auto r = extract_container(std::span(*with).first(n));
    EXPECT_TRUE(!r.ok() || !r->has_value());
  }
}

TEST(ContainerTest, JpegApp11SegmentsRoundTrip) {
  const Bytes jpg = encoded(".jpg");
  // 3 segments' worth of payload.
  Bytes payload(150000);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 31);
  auto with = embed_container(jpg, payload);
  ASSERT_TRUE(with.ok()) << with.error().message;
  // Every APP11 segment is at most 65,533 payload bytes.
  std::size_t segments = 0;
  for (std::size_t i = 2; i + 4 < with->size();) {
    if ((*with)[i] != 0xFF || (*with)[i + 1] == 0xDA) break;
    const std::size_t len = ((*with)[i + 2] << 8) | (*with)[i + 3];
    if ((*with)[i + 1] == 0xEB) {
      ++segments;
      EXPECT_LE(len - 2, 65533u);
    }
    i += 2 + len;
  }
  EXPECT_EQ(segments, 3u);
  auto got = extract_container(*with);
  ASSERT_TRUE(got.ok() && got->has_value()) << (got.ok() ? "none" : got.error().message);
  EXPECT_EQ(**got, payload);
  auto a = decode_image(jpg), b = decode_image(*with);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(cv::norm(a->pixels, b->pixels, cv::NORM_INF), 0);
  EXPECT_FALSE(embed_container(*with, payload).ok());
}

TEST(ContainerTest, JpegSegmentSequenceErrorsAreRejected) {
  const Bytes jpg = encoded(".jpg");
  Bytes payload(70000, 5);
  auto with = embed_container(jpg, payload);
  ASSERT_TRUE(with.ok());
  // Locate the two segments.
  std::vector<std::size_t> seg;
  for (std::size_t i = 2; i + 4 < with->size();) {
    if ((*with)[i + 1] == 0xDA) break;
    const std::size_t len = ((*with)[i + 2] << 8) | (*with)[i + 3];
    if ((*with)[i + 1] == 0xEB) seg.push_back(i);
    i += 2 + len;
  }
  ASSERT_EQ(seg.size(), 2u);
  {  // sequence number changed
    Bytes b = *with;
    b[seg[1] + 4 + 6] = 3;
    EXPECT_EQ(extract_container(b).error().code, ErrorCode::kCorrupt);
  }
  {  // second segment deleted
    Bytes b = *with;
    const std::size_t len = (b[seg[1] + 2] << 8) | b[seg[1] + 3];
    b.erase(b.begin() + static_cast<std::ptrdiff_t>(seg[1]), b.begin() + static_cast<std::ptrdiff_t>(seg[1] + 2 + len));
    EXPECT_EQ(extract_container(b).error().code, ErrorCode::kCorrupt);
  }
  {  // first segment duplicated
    Bytes b = *with;
    const std::size_t len = (b[seg[0] + 2] << 8) | b[seg[0] + 3];
    b.insert(b.begin() + static_cast<std::ptrdiff_t>(seg[0]), with->begin() + static_cast<std::ptrdiff_t>(seg[0]),
             with->begin() + static_cast<std::ptrdiff_t>(seg[0] + 2 + len));
    EXPECT_EQ(extract_container(b).error().code, ErrorCode::kCorrupt);
  }
  {  // segment length past the end
    Bytes b(with->begin(), with->begin() + static_cast<std::ptrdiff_t>(seg[0] + 100));
    EXPECT_EQ(extract_container(b).error().code, ErrorCode::kCorrupt);
  }
}

TEST(ContainerTest, OtherFormatsCannotEmbed) {
  const Bytes bmp = encoded(".bmp");
  EXPECT_EQ(embed_container(bmp, Bytes(10, 1)).error().code, ErrorCode::kUnsupported);
  auto r = extract_container(bmp);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  EXPECT_EQ(sidecar_path("out/a.png"), "out/a.png.shroud");
}

TEST(ContainerTest, PlaceholderNames) {
  for (auto p : {Placeholder::kBlur, Placeholder::kPixelate, Placeholder::kFill, Placeholder::kNoise}) {
    auto q = parse_placeholder(placeholder_name(p));
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(*q, p);
  }
  EXPECT_EQ(*parse_placeholder("solid"), Placeholder::kFill);
  EXPECT_FALSE(parse_placeholder("gauss").ok());
}

}  // namespace container_test
}  // namespace
}  // namespace shroud
