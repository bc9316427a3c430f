// pbe and perceptual (Ahmad-Shin): exact round trips, key expansion, and the logistic sequence
// checked against an independent Python computation.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include "shroud/schemes/pbe.h"
#include "shroud/schemes/perceptual.h"
#include "test_util.h"

namespace shroud::schemes {
namespace {
namespace schemes_perceptual_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::random_image;

using shroud::testing::mats_equal;

PeSeed seed_of(std::uint8_t base) {
  PeSeed s{};
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(base + 7 * i);
  return s;
}

std::string hex_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", v);
  return buf;
}

// Runs the Python reference and returns its numbers.
std::vector<std::uint32_t> python_sequence(double mu, double d0, int discard, int count, std::uint32_t modulus) {
  const std::string script = (shroud::testing::source_dir() / "tests" / "reference" / "logistic_map.py").string();
  const std::string cmd = "/usr/bin/python3 '" + script + "' " + hex_double(mu) + " " + hex_double(d0) + " " +
                          std::to_string(discard) + " " + std::to_string(count) + " " + std::to_string(modulus);
  std::vector<std::uint32_t> out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return out;
  unsigned long v = 0;
  while (std::fscanf(f, "%lu", &v) == 1) out.push_back(static_cast<std::uint32_t>(v));
  ::pclose(f);
  return out;
}

TEST(SchemesLogistic, SequenceMatchesIndependentPython) {
  SHROUD_REQUIRE_FILE("/usr/bin/python3");
  const struct {
    double mu, d0;
  } cases[] = {{3.99, 0.37}, {4.0, 0.123456789}, {3.57, 0.5}, {3.7781, 0.999}, {3.9, 1e-6}};
  for (const auto& c : cases) {
    for (std::uint32_t modulus : {256u, 65536u}) {
      const auto cpp = logistic_sequence(c.mu, c.d0, 4000, kLogisticDiscard, modulus);
      const auto py = python_sequence(c.mu, c.d0, kLogisticDiscard, 4000, modulus);
      ASSERT_EQ(py.size(), cpp.size()) << "python reference failed for mu=" << c.mu;
      for (std::size_t i = 0; i < cpp.size(); ++i) {
        ASSERT_EQ(cpp[i], py[i]) << "S_" << i + 1 << " differs (mu=" << c.mu << ", d0=" << c.d0 << ")";
      }
    }
  }
}

TEST(SchemesLogistic, DiscardIsApplied) {
  const auto a = logistic_sequence(3.99, 0.37, 10, 0);
  const auto b = logistic_sequence(3.99, 0.37, 10, 1);
  const auto c = logistic_sequence(3.99, 0.37, 11, 0);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(b[i], c[i + 1]);
  EXPECT_NE(a, b);
}

TEST(SchemesLogistic, ParameterRanges) {
  EXPECT_TRUE(check_logistic_params(3.57, 0.5).ok());
  EXPECT_TRUE(check_logistic_params(4.0, 0.001).ok());
  EXPECT_FALSE(check_logistic_params(3.56, 0.5).ok());
  EXPECT_FALSE(check_logistic_params(4.01, 0.5).ok());
  EXPECT_FALSE(check_logistic_params(3.9, 0.0).ok());
  EXPECT_FALSE(check_logistic_params(3.9, 1.0).ok());
  EXPECT_FALSE(check_logistic_params(std::nan(""), 0.5).ok());
  EXPECT_FALSE(check_logistic_params(3.9, std::nan("")).ok());
}

class SchemesPeRoundTrip : public ::testing::TestWithParam<std::tuple<int, cv::Size>> {};

TEST_P(SchemesPeRoundTrip, PbeAndPerceptualAreExact) {
  const auto [type, size] = GetParam();
  const cv::Mat img = random_image(size.height, size.width, type, 11);
  for (bool shuffle : {true, false}) {
    PbeKey pk;
    pk.seed = seed_of(3);
    pk.shuffle = shuffle;
    auto enc = pbe_encrypt(img, pk);
    ASSERT_TRUE(enc.ok()) << enc.error().message;
    auto dec = pbe_decrypt(*enc, pk);
    ASSERT_TRUE(dec.ok());
    EXPECT_TRUE(mats_equal(*dec, img));
    if (size.area() >= 64) {
      EXPECT_FALSE(mats_equal(*enc, img));
    }

    PerceptualKey key;
    key.mu = 3.93;
    key.d0 = 0.4242;
    key.seed = seed_of(9);
    key.shuffle = shuffle;
    auto penc = perceptual_encrypt(img, key);
    ASSERT_TRUE(penc.ok()) << penc.error().message;
    auto pdec = perceptual_decrypt(*penc, key);
    ASSERT_TRUE(pdec.ok());
    EXPECT_TRUE(mats_equal(*pdec, img));
    if (size.area() >= 64) {
      EXPECT_FALSE(mats_equal(*penc, img));
    }
    if (img.channels() == 4) {   // alpha untouched
      cv::Mat a0, a1;
      cv::extractChannel(img, a0, 3);
      cv::extractChannel(*penc, a1, 3);
      EXPECT_TRUE(mats_equal(a0, a1));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(TypesAndSizes, SchemesPeRoundTrip,
                         ::testing::Combine(::testing::Values(CV_8UC1, CV_8UC3, CV_8UC4, CV_16UC1, CV_16UC3, CV_16UC4),
                                            ::testing::Values(cv::Size(37, 53), cv::Size(1, 1), cv::Size(8, 8),
                                                              cv::Size(9, 7))));

TEST(SchemesPe, UnsupportedTypes) {
  PbeKey k;
  EXPECT_EQ(pbe_encrypt(cv::Mat(4, 4, CV_8UC2, cv::Scalar(1)), k).error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(pbe_encrypt(cv::Mat(4, 4, CV_32FC1, cv::Scalar(1)), k).error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(pbe_encrypt(cv::Mat(), k).error().code, ErrorCode::kUnsupported);
}

TEST(SchemesPe, PbeFlipsExactlyTheKeyedSamples) {
  const cv::Mat img = random_image(13, 17, CV_8UC3, 5);
  PbeKey key;
  key.seed = seed_of(1);
  key.shuffle = false;
  const auto kc = pe_binary_key(key.seed, img.total() * 3);
  auto enc = pbe_encrypt(img, key);
  ASSERT_TRUE(enc.ok());
  std::size_t ones = 0;
  for (std::size_t j = 0; j < kc.size(); ++j) {
    const std::uint8_t p = img.data[j], c = enc->data[j];
    EXPECT_EQ(c, kc[j] ? static_cast<std::uint8_t>(p ^ 255) : p);
    ones += kc[j];
  }
  EXPECT_GT(ones, kc.size() / 3);
  EXPECT_LT(ones, kc.size() * 2 / 3);
}

TEST(SchemesPe, PerceptualOnZerosRevealsTheMaskedSequence) {
  // Documents the construction (and the chosen-plaintext weakness, SECURITY.md P1/P2).
  const cv::Mat zeros(9, 11, CV_8UC3, cv::Scalar::all(0));
  PerceptualKey key;
  key.seed = seed_of(4);
  key.shuffle = false;
  auto enc = perceptual_encrypt(zeros, key);
  ASSERT_TRUE(enc.ok());
  const auto s = logistic_sequence(key.mu, key.d0, zeros.total() * 3);
  const auto kc = pe_binary_key(key.seed, zeros.total() * 3);
  for (std::size_t j = 0; j < s.size(); ++j) EXPECT_EQ(enc->data[j], kc[j] ? s[j] : 0u) << j;
}

TEST(SchemesPe, ShuffleKeyUsesAllSixPermutations) {
  const auto ks = pe_shuffle_key(seed_of(2), 6000);
  int counts[6] = {};
  for (auto v : ks) {
    ASSERT_LT(v, 6);
    ++counts[v];
  }
  for (int c : counts) {
    EXPECT_GT(c, 850);
    EXPECT_LT(c, 1150);
  }
  // Different seeds, different keys.
  EXPECT_NE(pe_shuffle_key(seed_of(2), 64), pe_shuffle_key(seed_of(3), 64));
  EXPECT_NE(pe_binary_key(seed_of(2), 256), pe_binary_key(seed_of(3), 256));
}

TEST(SchemesPe, ShufflePermutesChannelsOfEachPixel) {
  const cv::Mat img(5, 5, CV_8UC3, cv::Scalar(10, 20, 30));
  PbeKey key;
  key.seed = seed_of(8);
  auto enc = pbe_encrypt(img, key);
  ASSERT_TRUE(enc.ok());
  const auto kc = pe_binary_key(key.seed, img.total() * 3);
  const auto ks = pe_shuffle_key(key.seed, img.total());
  for (std::size_t i = 0; i < img.total(); ++i) {
    std::uint8_t v[3];
    for (int c = 0; c < 3; ++c) v[c] = static_cast<std::uint8_t>((10 * (c + 1)) ^ (kc[i * 3 + c] ? 255 : 0));
    for (int c = 0; c < 3; ++c) EXPECT_EQ(enc->data[i * 3 + c], v[kChannelPermutations[ks[i]][c]]);
  }
}

TEST(SchemesPe, KeysRoundTripThroughJson) {
  auto pk = generate_perceptual_key();
  ASSERT_TRUE(pk.ok());
  EXPECT_TRUE(check_logistic_params(pk->mu, pk->d0).ok());
  auto back = PerceptualKey::from_json(nlohmann::json::parse(pk->to_json().dump()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->mu, pk->mu);   // bit-exact
  EXPECT_EQ(back->d0, pk->d0);
  EXPECT_EQ(back->seed, pk->seed);
  auto bad = pk->to_json();
  bad["mu"] = 2.0;
  EXPECT_FALSE(PerceptualKey::from_json(bad).ok());

  auto k = generate_pbe_key();
  ASSERT_TRUE(k.ok());
  auto kb = PbeKey::from_json(k->to_json());
  ASSERT_TRUE(kb.ok());
  EXPECT_EQ(kb->seed, k->seed);
  EXPECT_FALSE(PbeKey::from_json(nlohmann::json{{"scheme", "pbe"}, {"seed", "zz"}, {"shuffle", true}}).ok());
}

}  // namespace schemes_perceptual_test
}  // namespace
}  // namespace shroud::schemes
