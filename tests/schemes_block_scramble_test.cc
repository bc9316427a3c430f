// block-scramble: exact round trips for every size/type, the permutation's properties and the
// record's validation.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "shroud/schemes/block_scramble.h"
#include "test_util.h"

namespace shroud::schemes {
namespace {
namespace schemes_block_scramble_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::random_image;

using shroud::testing::mats_equal;

ScrambleKey key_of(std::uint8_t base) {
  ScrambleKey k;
  for (std::size_t i = 0; i < k.bytes.size(); ++i) k.bytes[i] = static_cast<std::uint8_t>(base * 31 + i);
  return k;
}

class SchemesBlockScrambleRoundTrip : public ::testing::TestWithParam<std::tuple<int, cv::Size>> {};

TEST_P(SchemesBlockScrambleRoundTrip, ExactForEveryModeAndBlockSize) {
  const auto [type, size] = GetParam();
  cv::Mat img(size, type);
  cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(CV_MAT_DEPTH(type) == CV_8U ? 256 : 65536));
  const ScrambleKey key = key_of(1);
  for (int bs : {8, 3, 1}) {
    for (Remainder rem : {Remainder::kKeep, Remainder::kPad}) {
      BlockScrambleParams p;
      p.block_size = bs;
      p.remainder = rem;
      p.frame_index = 5;
      auto s = block_scramble(img, key, p);
      ASSERT_TRUE(s.ok()) << s.error().message;
      EXPECT_EQ(s->record.width, img.cols);
      EXPECT_EQ(s->record.height, img.rows);
      EXPECT_EQ(s->image.size(), s->record.output_size());
      if (rem == Remainder::kPad) {
        EXPECT_EQ(s->image.cols % bs, 0);
        EXPECT_EQ(s->image.rows % bs, 0);
      }
      // The record survives JSON.
      auto rec = BlockScrambleRecord::from_json(nlohmann::json::parse(s->record.to_json().dump()));
      ASSERT_TRUE(rec.ok()) << rec.error().message;
      auto back = block_unscramble(s->image, key, *rec);
      ASSERT_TRUE(back.ok()) << back.error().message;
      EXPECT_TRUE(mats_equal(*back, img)) << "bs " << bs << " " << remainder_name(rem);
    }
  }
  // Region mode: only the region changes.
  if (size.width >= 4 && size.height >= 4) {
    BlockScrambleParams p;
    p.block_size = 2;
    p.region = cv::Rect(1, 1, size.width - 2, size.height - 3);
    auto s = block_scramble(img, key, p);
    ASSERT_TRUE(s.ok());
    cv::Mat outside = s->image.clone();
    img(p.region).copyTo(outside(p.region));
    EXPECT_TRUE(mats_equal(outside, img));
    auto back = block_unscramble(s->image, key, s->record);
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(mats_equal(*back, img));
  }
}

INSTANTIATE_TEST_SUITE_P(
    TypesAndSizes, SchemesBlockScrambleRoundTrip,
    ::testing::Combine(::testing::Values(CV_8UC1, CV_8UC3, CV_8UC4, CV_16UC1, CV_16UC3, CV_32FC2, CV_64FC1),
                       ::testing::Values(cv::Size(37, 53), cv::Size(1, 1), cv::Size(8, 8), cv::Size(9, 7),
                                         cv::Size(64, 48))));

TEST(SchemesBlockScramble, PermutationIsAPermutationAndKeyed) {
  const ScrambleKey k1 = key_of(1), k2 = key_of(2);
  for (std::uint32_t n : {1u, 2u, 7u, 1000u, 4097u}) {
    auto tau = block_permutation(k1, 0, n);
    ASSERT_TRUE(tau.ok());
    std::vector<std::uint32_t> sorted = *tau;
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::uint32_t> ident(n);
    std::iota(ident.begin(), ident.end(), 0u);
    EXPECT_EQ(sorted, ident) << n;
    EXPECT_EQ(*block_permutation(k1, 0, n), *tau) << "not deterministic";
    if (n >= 7) {
      EXPECT_NE(*block_permutation(k2, 0, n), *tau) << "does not depend on the key";
      EXPECT_NE(*block_permutation(k1, 1, n), *tau) << "does not depend on the frame";
      EXPECT_NE(*tau, ident) << "identity";
    }
  }
  EXPECT_FALSE(block_permutation(k1, 0, 0).ok());
  EXPECT_FALSE(block_permutation(k1, -1, 5).ok());
}

TEST(SchemesBlockScramble, PermutationsOfThreeAreRoughlyUniform) {
  const ScrambleKey k = key_of(3);
  std::map<std::vector<std::uint32_t>, int> counts;
  for (int f = 0; f < 3000; ++f) ++counts[*block_permutation(k, f, 3)];
  ASSERT_EQ(counts.size(), 6u);
  for (const auto& [perm, c] : counts) {
    EXPECT_GT(c, 380);
    EXPECT_LT(c, 620);
  }
}

TEST(SchemesBlockScramble, MovesWholeBlocksAccordingToTau) {
  const cv::Mat img = random_image(24, 32, CV_8UC3, 4);
  const ScrambleKey key = key_of(7);
  BlockScrambleParams p;
  p.frame_index = 9;
  auto s = block_scramble(img, key, p);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->record.blocks_x, 4);
  EXPECT_EQ(s->record.blocks_y, 3);
  auto tau = block_permutation(key, 9, 12);
  ASSERT_TRUE(tau.ok());
  for (int i = 0; i < 12; ++i) {
    const cv::Rect out((i % 4) * 8, (i / 4) * 8, 8, 8);
    const int t = static_cast<int>((*tau)[i]);
    const cv::Rect in((t % 4) * 8, (t / 4) * 8, 8, 8);
    EXPECT_TRUE(mats_equal(s->image(out), img(in))) << "output block " << i << " is not input block " << t;
  }
}

TEST(SchemesBlockScramble, KeepLeavesTheRemainderInPlace) {
  const cv::Mat img = random_image(21, 30, CV_8UC1, 2);
  auto s = block_scramble(img, key_of(1), {});
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(mats_equal(s->image(cv::Rect(24, 0, 6, 21)), img(cv::Rect(24, 0, 6, 21))));
  EXPECT_TRUE(mats_equal(s->image(cv::Rect(0, 16, 30, 5)), img(cv::Rect(0, 16, 30, 5))));
  EXPECT_FALSE(mats_equal(s->image, img));
}

TEST(SchemesBlockScramble, WrongKeyOrFrameGivesOtherPixels) {
  const cv::Mat img = random_image(64, 64, CV_8UC3, 3);
  BlockScrambleParams p;
  p.frame_index = 2;
  auto s = block_scramble(img, key_of(1), p);
  ASSERT_TRUE(s.ok());
  auto wrong = block_unscramble(s->image, key_of(2), s->record);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(mats_equal(*wrong, img));
  BlockScrambleRecord other = s->record;
  other.frame_index = 3;
  auto wrong_frame = block_unscramble(s->image, key_of(1), other);
  ASSERT_TRUE(wrong_frame.ok());
  EXPECT_FALSE(mats_equal(*wrong_frame, img));
}

TEST(SchemesBlockScramble, RejectsBadParametersAndRecords) {
  const cv::Mat img = random_image(20, 20, CV_8UC1, 1);
  const ScrambleKey key = key_of(1);
  BlockScrambleParams p;
  p.block_size = 0;
  EXPECT_EQ(block_scramble(img, key, p).error().code, ErrorCode::kInvalidArgument);
  p.block_size = 8;
  p.region = cv::Rect(15, 15, 10, 10);
  EXPECT_EQ(block_scramble(img, key, p).error().code, ErrorCode::kInvalidArgument);
  p.region = cv::Rect(0, 0, 0, 5);
  EXPECT_EQ(block_scramble(img, key, p).error().code, ErrorCode::kInvalidArgument);
  p.region = cv::Rect(2, 2, 10, 10);
  p.remainder = Remainder::kPad;
  EXPECT_EQ(block_scramble(img, key, p).error().code, ErrorCode::kInvalidArgument);
  p = {};
  p.frame_index = -1;
  EXPECT_EQ(block_scramble(img, key, p).error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(block_scramble(cv::Mat(), key, {}).ok());

  auto s = block_scramble(img, key, {});
  ASSERT_TRUE(s.ok());
  // Size mismatch.
  EXPECT_EQ(block_unscramble(img(cv::Rect(0, 0, 19, 20)), key, s->record).error().code, ErrorCode::kInvalidArgument);
  // Inconsistent records.
  auto j = s->record.to_json();
  j["blocks"] = {3, 2};
  EXPECT_EQ(BlockScrambleRecord::from_json(j).error().code, ErrorCode::kCorrupt);
  j = s->record.to_json();
  j["area"] = {10, 10, 20, 20};
  EXPECT_EQ(BlockScrambleRecord::from_json(j).error().code, ErrorCode::kCorrupt);
  j = s->record.to_json();
  j["area"] = {2147483647, 0, 8, 8};
  EXPECT_EQ(BlockScrambleRecord::from_json(j).error().code, ErrorCode::kCorrupt);
  j = s->record.to_json();
  j.erase("frame");
  EXPECT_EQ(BlockScrambleRecord::from_json(j).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(BlockScrambleRecord::from_json(nlohmann::json::array()).error().code, ErrorCode::kCorrupt);
  BlockScrambleRecord bad = s->record;
  bad.block_size = 5;
  EXPECT_FALSE(block_unscramble(s->image, key, bad).ok());
}

TEST(SchemesBlockScramble, KeyHexRoundTrip) {
  auto k = generate_scramble_key();
  ASSERT_TRUE(k.ok());
  auto back = scramble_key_from_hex(scramble_key_to_hex(*k));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->bytes, k->bytes);
  EXPECT_FALSE(scramble_key_from_hex("abcd").ok());
  EXPECT_FALSE(scramble_key_from_hex(std::string(64, 'g')).ok());
}

}  // namespace schemes_block_scramble_test
}  // namespace
}  // namespace shroud::schemes
