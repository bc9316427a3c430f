// SISA: levels, priority, coverage of the selection, and the paper's AES-CFB mode (with its
// malleability shown).
#include <gtest/gtest.h>

#include "shroud/schemes/sisa.h"
#include "shroud/schemes/sisa_paper.h"
#include "test_util.h"

namespace shroud::schemes {
namespace {
namespace schemes_sisa_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::random_image;

Region region(Kind kind, cv::Rect box) {
  Region r;
  r.kind = kind;
  r.box = box;
  return r;
}

using shroud::testing::mats_equal;

TEST(SchemesSisa, LevelFractions) {
  const double expected[] = {0.30, 0.475, 0.65, 0.825, 1.0};
  for (int l = 1; l <= 5; ++l) EXPECT_NEAR(sisa_target_fraction(l, 5), expected[l - 1], 1e-12);
  EXPECT_DOUBLE_EQ(sisa_target_fraction(1, 1), 1.0);
  EXPECT_DOUBLE_EQ(sisa_target_fraction(1, 2), 0.3);
  EXPECT_DOUBLE_EQ(sisa_target_fraction(2, 2), 1.0);
  SisaParams p;
  for (int l = 1; l <= 5; ++l) {
    p.level = l;
    EXPECT_EQ(sisa_operation(p), l >= 3 ? SisaOperation::kEncrypt : SisaOperation::kBlur);
  }
  p.level = 6;
  EXPECT_FALSE(check_sisa_params(p).ok());
  p.level = 0;
  EXPECT_FALSE(check_sisa_params(p).ok());
}

TEST(SchemesSisa, UnionArea) {
  EXPECT_EQ(union_area({}), 0);
  EXPECT_EQ(union_area({{0, 0, 10, 10}}), 100);
  EXPECT_EQ(union_area({{0, 0, 10, 10}, {5, 5, 10, 10}}), 175);
  EXPECT_EQ(union_area({{0, 0, 10, 10}, {2, 2, 3, 3}}), 100);
  EXPECT_EQ(union_area({{0, 0, 10, 10}, {10, 0, 10, 10}}), 200);
  EXPECT_EQ(union_area({{0, 0, 30, 10}, {10, -5, 10, 30}, {0, 0, 0, 5}}), 300 + 200);
}

TEST(SchemesSisa, PriorityKindThenCentre) {
  const cv::Size img(100, 100);
  const std::vector<Region> regions = {
      region(Kind::kPerson, {45, 45, 10, 10}),   // 0: centred person
      region(Kind::kFace, {0, 0, 10, 10}),       // 1: face in the corner
      region(Kind::kFace, {40, 40, 10, 10}),     // 2: face near the centre
      region(Kind::kPlate, {48, 48, 4, 4}),      // 3: other kind, centred
      region(Kind::kText, {90, 0, 10, 10}),      // 4: text
      region(Kind::kFace, {200, 200, 10, 10}),   // 5: outside: dropped
  };
  const auto order = sisa_prioritise(regions, img, SisaParams{}.kind_priority);
  ASSERT_EQ(order.size(), 5u);
  const int expected[] = {2, 1, 0, 4, 3};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(order[i].index, expected[i]) << i;
  EXPECT_NEAR(order[0].centre_distance, std::hypot(5.0, 5.0) / std::hypot(50.0, 50.0), 1e-12);
  // User preference changes the order.
  const auto plate_first = sisa_prioritise(regions, img, {Kind::kPlate});
  EXPECT_EQ(plate_first[0].index, 3);
  EXPECT_EQ(plate_first[1].index, 0);   // then by centre distance among the rest
}

TEST(SchemesSisa, SelectionCoversTheTargetFraction) {
  const cv::Size img(100, 100);
  const std::vector<Region> regions = {
      region(Kind::kPerson, {0, 0, 50, 100}),    // 5000 px
      region(Kind::kFace, {40, 40, 20, 20}),     // 400 px, 200 inside the person
      region(Kind::kText, {60, 0, 40, 40}),      // 1600 px
  };
  SisaParams p;
  p.level = 1;   // 30% = 3000 px
  auto s = sisa_select(regions, img, p);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->operation, SisaOperation::kBlur);
  ASSERT_EQ(s->rects.size(), 2u);
  EXPECT_EQ(s->sources, (std::vector<int>{1, 0}));   // face first, then person
  EXPECT_DOUBLE_EQ(s->covered_fraction, 0.52);        // 400 + 5000 - 200
  EXPECT_FALSE(s->partial_last);

  p.allow_partial = true;   // the person is cut to its top 55 rows: 400 + 2750 - 150 = 3000
  s = sisa_select(regions, img, p);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->rects.size(), 2u);
  EXPECT_EQ(s->rects[1], cv::Rect(0, 0, 50, 55));
  EXPECT_TRUE(s->partial_last);
  EXPECT_DOUBLE_EQ(s->covered_fraction, 0.30);

  p = {};
  p.level = 3;   // 65%: all three regions give 5200 + 1600 = 68%
  s = sisa_select(regions, img, p);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->operation, SisaOperation::kEncrypt);
  EXPECT_EQ(s->sources, (std::vector<int>{1, 0, 2}));
  EXPECT_DOUBLE_EQ(s->covered_fraction, 0.68);

  p.level = 4;   // 82.5%: the regions are not enough; a centred rectangle completes it
  s = sisa_select(regions, img, p);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->sources.back(), -1);
  EXPECT_GE(s->covered_fraction, 0.825);
  EXPECT_LT(s->covered_fraction, 0.85);
  const cv::Rect c = s->rects.back();
  EXPECT_NEAR(c.x + c.width / 2.0, 50, 1.0);
  EXPECT_NEAR(c.y + c.height / 2.0, 50, 1.0);

  p.fill_from_centre = false;   // honest shortfall
  s = sisa_select(regions, img, p);
  ASSERT_TRUE(s.ok());
  EXPECT_DOUBLE_EQ(s->covered_fraction, 0.68);
  EXPECT_LT(s->covered_fraction, s->target_fraction);

  p = {};
  p.level = 5;
  s = sisa_select(regions, img, p);
  ASSERT_TRUE(s.ok());
  EXPECT_DOUBLE_EQ(s->covered_fraction, 1.0);
}

TEST(SchemesSisa, NoRegionsFillsFromTheCentre) {
  SisaParams p;
  p.level = 2;   // 47.5%
  auto s = sisa_select({}, cv::Size(64, 37), p);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->rects.size(), 1u);
  EXPECT_GE(s->covered_fraction, 0.475);
  EXPECT_LT(s->covered_fraction, 0.52);
  EXPECT_FALSE(sisa_select({}, cv::Size(0, 10), p).ok());
}

TEST(SchemesSisa, ParamsJson) {
  SisaParams p;
  p.level = 4;
  p.kind_priority = {Kind::kPlate, Kind::kFace};
  p.allow_partial = true;
  auto back = SisaParams::from_json(nlohmann::json::parse(p.to_json().dump()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->level, 4);
  EXPECT_EQ(back->kind_priority, p.kind_priority);
  EXPECT_TRUE(back->allow_partial);
  EXPECT_FALSE(SisaParams::from_json({{"lvl", 3}}).ok());
  EXPECT_FALSE(SisaParams::from_json({{"level", 9}}).ok());
  EXPECT_FALSE(SisaParams::from_json({{"kind_priority", {"dragon"}}}).ok());
}

TEST(SchemesSisaPaper, RoundTripAndTheFlawsItReproduces) {
  for (int type : {CV_8UC1, CV_8UC3, CV_8UC4, CV_16UC3}) {
    const cv::Mat original = random_image(37, 53, type, 3);
    cv::Mat img = original.clone();
    auto key = generate_sisa_paper_key();
    ASSERT_TRUE(key.ok());
    const cv::Rect rect(5, 6, 20, 9);
    auto rec = sisa_paper_encrypt(img, rect, *key);
    ASSERT_TRUE(rec.ok()) << rec.error().message;
    EXPECT_FALSE(mats_equal(img(rect), original(rect)));
    cv::Mat outside = img.clone();
    original(rect).copyTo(outside(rect));
    EXPECT_TRUE(mats_equal(outside, original));
    auto rec2 = SisaPaperRecord::from_json(nlohmann::json::parse(rec->to_json().dump()));
    ASSERT_TRUE(rec2.ok());
    cv::Mat dec = img.clone();
    ASSERT_TRUE(sisa_paper_decrypt(dec, *rec2, *key).ok());
    EXPECT_TRUE(mats_equal(dec, original));

    // S1 malleability: flip one ciphertext bit; decryption "succeeds" and the same plaintext bit
    // flips (the following 16-byte block is garbled).
    cv::Mat tampered = img.clone();
    tampered(rect).ptr(2)[3] ^= 0x10;
    ASSERT_TRUE(sisa_paper_decrypt(tampered, *rec, *key).ok());
    EXPECT_EQ(tampered(rect).ptr(2)[3], original(rect).ptr(2)[3] ^ 0x10);
    EXPECT_EQ(tampered(rect).ptr(0)[0], original(rect).ptr(0)[0]);

    // S3 shifted coordinates: decrypts into the wrong place without any error.
    SisaPaperRecord shifted = *rec;
    shifted.rect.x += 1;
    cv::Mat wrong = img.clone();
    EXPECT_TRUE(sisa_paper_decrypt(wrong, shifted, *key).ok());
    EXPECT_FALSE(mats_equal(wrong, original));
  }
  cv::Mat img = random_image(8, 8, CV_8UC3, 1);
  SisaPaperKey key;
  EXPECT_FALSE(sisa_paper_encrypt(img, cv::Rect(4, 4, 8, 8), key).ok());
  EXPECT_FALSE(sisa_paper_encrypt(img, cv::Rect(0, 0, 0, 8), key).ok());
}

}  // namespace schemes_sisa_test
}  // namespace
}  // namespace shroud::schemes
