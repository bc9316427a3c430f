#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_util.h"
#include "shroud/dp.h"
#include "shroud/dp_plate.h"
#include "shroud/protector.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace dp_test {  // one namespace per file: unity builds batch the tests

using namespace shroud::testing;

// Offset distribution of round(Laplace(1/eps)) mod k, in closed form (geometric series), derived
// independently of the summation in the library.
std::vector<double> closed_form(double eps, int k) {
  const double s = std::sinh(eps / 2), q = std::exp(-eps * k);
  std::vector<double> p(static_cast<std::size_t>(k));
  p[0] = (1 - std::exp(-eps / 2)) + 2 * s * q / (1 - q);
  for (int d = 1; d < k; ++d) p[static_cast<std::size_t>(d)] = s * (std::exp(-eps * d) + std::exp(-eps * (k - d))) / (1 - q);
  return p;
}

TEST(Dp, EpsilonValidation) {
  EXPECT_TRUE(dp::check_epsilon(0.5).ok());
  for (double bad : {0.0, -1.0, std::nan(""), std::numeric_limits<double>::infinity(), 1e9}) {
    EXPECT_FALSE(dp::check_epsilon(bad).ok()) << bad;
  }
}

TEST(Dp, PaperOffsetDistributionMatchesClosedForm) {
  for (double eps : {0.1, 0.5, 1.0, 2.0, 5.0}) {
    for (int k : {10, 24, 31, 34}) {
      const auto p = dp::paper_offset_distribution(eps, k);
      const auto ref = closed_form(eps, k);
      double sum = 0;
      for (int d = 0; d < k; ++d) {
        EXPECT_NEAR(p[d] / ref[d], 1.0, 1e-9) << "eps " << eps << " k " << k << " d " << d;
        sum += p[d];
      }
      EXPECT_NEAR(sum, 1.0, 1e-12);
      const double true_eps = dp::paper_true_epsilon(eps, k);
      EXPECT_NEAR(true_eps, std::log(ref[0] / ref[static_cast<std::size_t>(k / 2)]), 1e-9);
      EXPECT_GT(true_eps, eps);  // the wrap guarantees much less than the nominal budget
    }
  }
  // For k = 34 and eps = 1 the true per-symbol epsilon is about 16.
  EXPECT_NEAR(dp::paper_true_epsilon(1.0, 34), 16.0, 1.0);
}

TEST(Dp, RandomizedResponseKeepsWithTheRightProbability) {
  dp::SecureRandom rng;
  const int k = 10, n = 20000;
  const double eps = 1.0, keep = std::exp(eps) / (std::exp(eps) + k - 1);
  int kept = 0;
  std::vector<int> counts(k, 0);
  for (int i = 0; i < n; ++i) {
    auto v = dp::privatize_symbol(3, k, eps, dp::Mechanism::kRandomizedResponse, rng);
    ASSERT_TRUE(v.ok());
    ASSERT_GE(*v, 0);
    ASSERT_LT(*v, k);
    kept += *v == 3;
    ++counts[*v];
  }
  EXPECT_NEAR(static_cast<double>(kept) / n, keep, 0.015);  // ~5 sigma
  const double other = (1 - keep) / (k - 1) * n;
  for (int v = 0; v < k; ++v) {
    if (v != 3) {
      EXPECT_NEAR(counts[v], other, 0.2 * other) << v;
    }
  }
}

TEST(Dp, PaperMechanismStaysInTheAlphabetAndIsCentred) {
  dp::SecureRandom rng;
  int same = 0;
  for (int i = 0; i < 5000; ++i) {
    auto v = dp::privatize_symbol(0, 31, 2.0, dp::Mechanism::kPaper, rng);
    ASSERT_TRUE(v.ok());
    ASSERT_GE(*v, 0);
    ASSERT_LT(*v, 31);
    same += *v == 0;
  }
  EXPECT_NEAR(same / 5000.0, dp::paper_offset_distribution(2.0, 31)[0], 0.03);
}

TEST(DpPlate, KeepsTheLayoutOfEachStyle) {
  dp::SecureRandom rng;
  for (int i = 0; i < 50; ++i) {
    auto cn = dp::privatize_plate("京A12345", "auto", 0.1, dp::Mechanism::kRandomizedResponse, rng);
    ASSERT_TRUE(cn.ok()) << cn.error().message;
    auto sym = dp::split_symbols(*cn);
    ASSERT_TRUE(sym.ok());
    ASSERT_EQ(sym->size(), 7u);
    const auto& style = dp::plate_style("cn");
    EXPECT_NE(std::find(style.province.begin(), style.province.end(), (*sym)[0]), style.province.end());
    EXPECT_NE(std::find(style.letter.begin(), style.letter.end(), (*sym)[1]), style.letter.end());
    auto eu = dp::privatize_plate("AB-123", "eu", 0.1, dp::Mechanism::kPaper, rng);
    ASSERT_TRUE(eu.ok());
    ASSERT_EQ(eu->size(), 6u);
    EXPECT_TRUE(std::isalpha((*eu)[0]) && std::isalpha((*eu)[1]));
    EXPECT_EQ((*eu)[2], '-');
    EXPECT_TRUE(std::isdigit((*eu)[3]) && std::isdigit((*eu)[5]));
  }
  EXPECT_FALSE(dp::privatize_plate("XA12345", "cn", 1.0, dp::Mechanism::kPaper, rng).ok());  // not a province
  EXPECT_FALSE(dp::privatize_plate("", "eu", 1.0, dp::Mechanism::kPaper, rng).ok());
  EXPECT_FALSE(dp::privatize_plate("AB1", "eu", 0.0, dp::Mechanism::kPaper, rng).ok());
  EXPECT_FALSE(dp::split_symbols("\xff\xfe").ok());
}

TEST(DpPlate, EpsilonAccounting) {
  auto rr = dp::plate_epsilon("M5XSX", "eu", 1.0, dp::Mechanism::kRandomizedResponse);
  ASSERT_TRUE(rr.ok());
  EXPECT_EQ(rr->symbols, 5);
  EXPECT_DOUBLE_EQ(rr->nominal, 5.0);
  EXPECT_DOUBLE_EQ(rr->actual, 5.0);
  auto paper = dp::plate_epsilon("M5-XSX", "eu", 1.0, dp::Mechanism::kPaper);
  ASSERT_TRUE(paper.ok());
  EXPECT_EQ(paper->symbols, 5);  // the separator is not privatized
  EXPECT_DOUBLE_EQ(paper->nominal, 5.0);
  EXPECT_NEAR(paper->actual, 4 * dp::paper_true_epsilon(1.0, 26) + dp::paper_true_epsilon(1.0, 10), 1e-9);
}

TEST(DpPlate, EditDistance) {
  EXPECT_EQ(dp::edit_distance("M5XSX", "M5XSX"), 0);
  EXPECT_EQ(dp::edit_distance("M5XSX", "M6XSX"), 1);
  EXPECT_EQ(dp::edit_distance("ABC", ""), 3);
  EXPECT_EQ(dp::edit_distance("京A12345", "津A12345"), 1);  // counted in symbols, not bytes
  EXPECT_EQ(dp::edit_distance("kitten", "sitting"), 3);
}

TEST(DpPlate, RendersEachStyle) {
  for (const char* style : {"cn", "eu", "us"}) {
    auto img = dp::render_plate(std::string(style) == "cn" ? "京A12345" : "AB123", style, {200, 50});
    ASSERT_TRUE(img.ok()) << img.error().message;
    EXPECT_EQ(img->size(), cv::Size(200, 50));
    cv::Mat grey;
    cv::cvtColor(*img, grey, cv::COLOR_BGR2GRAY);
    cv::Scalar mean, sd;
    cv::meanStdDev(grey, mean, sd);
    EXPECT_GT(sd[0], 20.0) << style << ": no characters drawn";
  }
}

TEST(DpPixelate, CellsAreNoisyMeansWithTheDocumentedScale) {
  const cv::Mat flat(256, 256, CV_8UC1, cv::Scalar(128));
  Action a;
  a.method = "dp-pixelate";
  a.rect = {0, 0, 256, 256};
  a.params.dp_cell = 16;
  a.params.dp_m = 16;
  a.params.epsilon = 0.5;  // scale = 255 * 16 / (256 * 0.5) = 31.9
  cv::Mat img = flat.clone();
  ASSERT_TRUE((*create_protector("dp-pixelate"))->apply(img, a).ok());
  double abs_dev = 0;
  int cells = 0;
  for (int y = 0; y < 256; y += 16)
    for (int x = 0; x < 256; x += 16) {
      double lo, hi;
      cv::minMaxLoc(img(cv::Rect(x, y, 16, 16)), &lo, &hi);
      EXPECT_EQ(lo, hi);
      abs_dev += std::abs(lo - 128);
      ++cells;
    }
  // E|Laplace(b)| = b; clamping at 0/255 barely matters at this scale. 256 cells: ~8% sd.
  EXPECT_NEAR(abs_dev / cells, 255.0 * 16 / (256 * 0.5), 0.3 * 31.9);
  a.params.epsilon = 0.0;
  EXPECT_FALSE((*create_protector("dp-pixelate"))->apply(img, a).ok());
}

TEST(DpPlateProtector, ReplacesThePlateAndNeedsText) {
  cv::Mat img = random_image(120, 200, CV_8UC3, 4);
  const cv::Mat original = img.clone();
  Action a;
  a.method = "dp-plate";
  a.region.kind = Kind::kPlate;
  a.region.box = {50, 40, 100, 30};
  a.rect = {40, 35, 120, 40};
  auto prot = create_protector("dp-plate");
  EXPECT_EQ((*prot)->apply(img, a).error().code, ErrorCode::kInvalidArgument);  // no text
  a.region.text = "AB123";
  ASSERT_TRUE((*prot)->apply(img, a).ok());
  cv::Mat diff;
  cv::absdiff(img, original, diff);
  cv::Mat outside = diff.clone();
  outside(a.rect).setTo(0);
  EXPECT_EQ(cv::countNonZero(outside.reshape(1)), 0);
  EXPECT_GT(cv::countNonZero(diff(a.region.box).reshape(1)), a.region.box.area());
}

TEST(DpCli, PrintsNominalAndTrueEpsilonAndRejectsBadBudgets) {
  TempDir dir;
  cv::imwrite(dir.file("in.png"), random_image(120, 200, CV_8UC3, 5));
  write_text(dir.path() / "r.json", R"({"regions": [{"kind": "plate", "box": [50, 40, 100, 30], "text": "AB123"}]})");
  auto r = run_shroud({"protect", dir.file("in.png"), "-o", dir.file("out.png"), "--method", "dp-plate",
                       "--mechanism", "paper", "--epsilon", "1", "--regions-in", dir.file("r.json"), "--json", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  const auto& eps = j["protected"][0]["epsilon"];
  EXPECT_DOUBLE_EQ(eps["nominal"].get<double>(), 5.0);
  EXPECT_GT(eps["true"].get<double>(), 5.0);
  for (const char* bad : {"0", "-1", "nan", "inf"}) {
    r = run_shroud({"protect", dir.file("in.png"), "-o", dir.file(std::string("bad") + ".png"), "--method",
                    "dp-pixelate", "--epsilon", bad, "--regions-in", dir.file("r.json")});
    EXPECT_NE(r.exit_code, 0) << bad;
    EXPECT_FALSE(std::filesystem::exists(dir.file("bad.png")));
  }
}

}  // namespace dp_test
}  // namespace
}  // namespace shroud

namespace shroud {
namespace {
namespace dp_test {  // one namespace per file: unity builds batch the tests

using namespace shroud::testing;

// Builds the tiny ONNX encoder/generator with Debian's python3-onnx into `dir`.
bool make_tiny_models(const TempDir& dir) {
  const std::string script = (source_dir() / "tests" / "reference" / "make_tiny_generator.py").string();
  const std::string cmd = "/usr/bin/python3 " + shell_quote(script) + " " + shell_quote(dir.path().string()) + " 2>/dev/null";
  return std::system(cmd.c_str()) == 0;
}

TEST(Generate, RunsARealOnnxEncoderAndGenerator) {
  TempDir dir;
  if (!make_tiny_models(dir)) GTEST_SKIP() << "python3-onnx is not installed";
  cv::Mat img = random_image(100, 120, CV_8UC3, 8);
  const cv::Mat original = img.clone();
  Action a;
  a.method = "generate";
  a.rect = {20, 20, 60, 50};
  a.params.generator_encoder = dir.file("tiny_encoder.onnx");
  a.params.generator_model = dir.file("tiny_generator.onnx");
  a.params.generator_size = 32;
  a.params.epsilon = 1.0;
  auto prot = create_protector("generate");
  ASSERT_TRUE((*prot)->apply(img, a).ok());
  cv::Mat diff;
  cv::absdiff(img(a.rect), original(a.rect), diff);
  EXPECT_GT(cv::countNonZero(diff.reshape(1)), a.rect.area());
  // The noise is fresh: two runs give different faces.
  cv::Mat again = original.clone();
  ASSERT_TRUE((*prot)->apply(again, a).ok());
  EXPECT_GT(cv::norm(again(a.rect), img(a.rect), cv::NORM_L1), 0.0);
  // Missing models and bad budgets are clear errors.
  a.params.generator_model = dir.file("missing.onnx");
  EXPECT_EQ((*prot)->apply(img, a).error().code, ErrorCode::kNotFound);
  a.params.generator_model = dir.file("tiny_generator.onnx");
  a.params.epsilon = -1;
  EXPECT_EQ((*prot)->apply(img, a).error().code, ErrorCode::kInvalidArgument);
}

TEST(Generate, CliEndToEnd) {
  TempDir dir;
  if (!make_tiny_models(dir)) GTEST_SKIP() << "python3-onnx is not installed";
  cv::imwrite(dir.file("in.png"), random_image(80, 80, CV_8UC3, 9));
  write_text(dir.path() / "r.json", R"({"regions": [{"kind": "face", "box": [20, 20, 30, 30]}]})");
  auto r = run_shroud({"protect", dir.file("in.png"), "-o", dir.file("out.png"), "--method", "generate",
                       "--models", dir.path().string(), "--encoder", "tiny_encoder.onnx", "--generator",
                       "tiny_generator.onnx", "--generator-size", "32", "--regions-in", dir.file("r.json"), "--json", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_DOUBLE_EQ(j["protected"][0]["epsilon"]["true"].get<double>(), 1.0);
}

}  // namespace dp_test
}  // namespace
}  // namespace shroud
