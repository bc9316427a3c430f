// Scheme key files and scheme records (scheme_file.h): round trips in-process, strict parsing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstring>

#include "shroud/schemes/scheme_file.h"
#include "test_util.h"

namespace shroud::schemes {
namespace {
namespace schemes_record_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::random_image;

const SchemeMethod kAll[] = {SchemeMethod::kMsaiL,      SchemeMethod::kMsaiPaper, SchemeMethod::kBlockScramble,
                             SchemeMethod::kPbe,        SchemeMethod::kPerceptual, SchemeMethod::kSisaPaper};

std::vector<Region> regions() {
  Region a, b;
  a.kind = Kind::kFace;
  a.box = {3, 2, 17, 13};
  b.kind = Kind::kPlate;
  b.box = {20, 25, 30, 20};   // clipped at the bottom/right
  return {a, b};
}

TEST(SchemeKeyFile, JsonRoundTripForEveryScheme) {
  for (SchemeMethod m : kAll) {
    auto key = generate_scheme_key(m, 4);
    ASSERT_TRUE(key.ok());
    const std::string text = scheme_key_to_json(*key);
    auto back = scheme_key_from_json(text);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(scheme_key_to_json(*back), text);
    EXPECT_EQ(back->key_id(), key->key_id());
  }
  EXPECT_FALSE(scheme_key_from_json("{}").ok());
  EXPECT_FALSE(scheme_key_from_json("not json").ok());
  EXPECT_FALSE(parse_scheme_method("sisa").ok());
}

TEST(SchemeRecord, RoundTripsFourChannelsAndOverlaps) {
  const cv::Mat img = random_image(37, 43, CV_8UC4, 9);
  for (SchemeMethod m : kAll) {
    SCOPED_TRACE(scheme_method_name(m));
    auto key = generate_scheme_key(m);
    ASSERT_TRUE(key.ok());
    SchemeProtectOptions o;
    o.regions = regions();
    o.sisa.level = 5;
    auto p = scheme_protect(img, *key, o);
    ASSERT_TRUE(p.ok()) << p.error().message;
    auto parsed = parse_scheme_record(p->record);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->method, m);
    auto r = scheme_recover(p->image, p->record, *key);
    ASSERT_TRUE(r.ok()) << r.error().message;
    if (m == SchemeMethod::kMsaiPaper) continue;   // lossy by design (values >= 251)
    EXPECT_EQ(cv::norm(r->image, img, cv::NORM_INF), 0);
  }
}

TEST(SchemeRecord, ParserRejectsMalformedRecords) {
  const cv::Mat img = random_image(20, 21, CV_8UC3, 1);
  auto key = generate_scheme_key(SchemeMethod::kMsaiL);
  ASSERT_TRUE(key.ok());
  SchemeProtectOptions o;
  o.regions = regions();
  auto p = scheme_protect(img, *key, o);
  ASSERT_TRUE(p.ok());
  const std::vector<std::uint8_t>& rec = p->record;
  ASSERT_TRUE(parse_scheme_record(rec).ok());
  // Trailing byte, truncation at every length, bad magic.
  auto longer = rec;
  longer.push_back(0);
  EXPECT_FALSE(parse_scheme_record(longer).ok());
  for (std::size_t n = 0; n < rec.size(); n += 7) {
    EXPECT_FALSE(parse_scheme_record(std::span(rec.data(), n)).ok()) << n;
  }
  auto magic = rec;
  magic[0] ^= 1;
  EXPECT_FALSE(parse_scheme_record(magic).ok());
  EXPECT_FALSE(is_scheme_record(magic));
  // Header edits: unknown field, rectangle outside, body size mismatch.
  const std::uint32_t hlen = (std::uint32_t{rec[16]} << 24) | (rec[17] << 16) | (rec[18] << 8) | rec[19];
  const std::string header(rec.begin() + 20, rec.begin() + 20 + hlen);
  auto rebuild = [&](const nlohmann::json& h) {
    const std::string t = h.dump();
    std::vector<std::uint8_t> out(rec.begin(), rec.begin() + 16);
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(t.size() >> (8 * i)));
    out.insert(out.end(), t.begin(), t.end());
    out.insert(out.end(), rec.begin() + 20 + hlen, rec.end());
    return out;
  };
  const auto h = nlohmann::json::parse(header);
  EXPECT_TRUE(parse_scheme_record(rebuild(h)).ok());
  auto extra = h;
  extra["note"] = 1;
  EXPECT_FALSE(parse_scheme_record(rebuild(extra)).ok());
  auto outside = h;
  outside["rects"][0] = {15, 2, 17, 13};
  EXPECT_FALSE(parse_scheme_record(rebuild(outside)).ok());
  auto smaller = h;
  smaller["rects"][0] = {3, 2, 16, 13};
  EXPECT_FALSE(parse_scheme_record(rebuild(smaller)).ok());
  // A header edit that stays valid is caught by the tag.
  auto wrong_key = *key;
  wrong_key.record_key[0] ^= 1;
  auto r = scheme_recover(p->image, rec, wrong_key);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kAuthentication);
}

TEST(SchemeRecord, WholeFrameAndTypeChecks) {
  auto key = generate_scheme_key(SchemeMethod::kBlockScramble);
  ASSERT_TRUE(key.ok());
  SchemeProtectOptions o;
  o.whole_frame = true;
  const cv::Mat img = random_image(19, 23, CV_16UC1, 2);
  auto p = scheme_protect(img, *key, o);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->image.size(), cv::Size(24, 24));   // padded to whole 8x8 blocks
  auto r = scheme_recover(p->image, p->record, *key);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(cv::norm(r->image, img, cv::NORM_INF), 0);
  // Nothing to protect, whole frame where not allowed, 16-bit msai-paper, float images.
  EXPECT_FALSE(scheme_protect(img, *key, SchemeProtectOptions{}).ok());
  auto mk = generate_scheme_key(SchemeMethod::kMsaiPaper);
  ASSERT_TRUE(mk.ok());
  EXPECT_FALSE(scheme_protect(img, *mk, o).ok());
  SchemeProtectOptions ro;
  ro.regions = regions();
  EXPECT_EQ(scheme_protect(img, *mk, ro).error().code, ErrorCode::kUnsupported);
  EXPECT_FALSE(scheme_protect(cv::Mat(8, 8, CV_32FC1, cv::Scalar(0)), *key, o).ok());
}

TEST(SchemeRecord, MsaiWithoutRegionsOnlyScramblesAndCoverageIsBounded) {
  const cv::Mat img = random_image(29, 31, CV_16UC3, 3);
  auto key = generate_scheme_key(SchemeMethod::kMsaiL);
  ASSERT_TRUE(key.ok());
  auto p = scheme_protect(img, *key, SchemeProtectOptions{});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_TRUE(p->rects.empty());
  auto r = scheme_recover(p->image, p->record, *key);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(cv::norm(r->image, img, cv::NORM_INF), 0);
  // 17 whole-image regions cover it 17 times: refused (the parser enforces the same bound).
  auto pk = generate_scheme_key(SchemeMethod::kPbe);
  ASSERT_TRUE(pk.ok());
  SchemeProtectOptions o;
  Region whole;
  whole.box = {0, 0, img.cols, img.rows};
  o.regions.assign(17, whole);
  auto over = scheme_protect(img, *pk, o);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::kResourceLimit);
  o.regions.resize(16);
  EXPECT_TRUE(scheme_protect(img, *pk, o).ok());
}

}  // namespace schemes_record_test
}  // namespace
}  // namespace shroud::schemes
