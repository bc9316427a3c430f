// Metrics: known answers, the NPCR/UACI expectations, error paths and the `shroud metrics` CLI.
// The comparison with scikit-image is in metrics_reference_test.cc.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <sys/wait.h>

#include "shroud/metrics.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace metrics_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::random_image;
using shroud::testing::TempDir;

TEST(Metrics, IdenticalImages) {
  const cv::Mat a = random_image(40, 50, CV_8UC3, 3);
  auto m = compare_images(a, a.clone());
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->mse, 0.0);
  EXPECT_TRUE(std::isinf(m->psnr) && m->psnr > 0);
  EXPECT_DOUBLE_EQ(m->ssim, 1.0);
  EXPECT_EQ(m->npcr, 0.0);
  EXPECT_EQ(m->uaci, 0.0);
  EXPECT_EQ(m->l0, 0);
  EXPECT_EQ(m->l2, 0.0);
  EXPECT_EQ(m->ald_2, 0.0);
  EXPECT_EQ(m->ald_inf, 0.0);
  EXPECT_EQ(m->dhash, 0);
  const auto j = metrics_to_json(*m);
  EXPECT_EQ(j.at("psnr"), "inf");
  for (const char* key : {"mse", "psnr", "ssim", "npcr", "uaci", "l0", "l2", "dhash", "entropy_a", "entropy_b"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
}

TEST(Metrics, KnownDifferences8And16Bit) {
  cv::Mat a(20, 30, CV_8UC3, cv::Scalar(10, 20, 30));
  cv::Mat b = a.clone();
  b.setTo(cv::Scalar(13, 20, 30));  // channel 0 differs by 3 everywhere
  EXPECT_DOUBLE_EQ(*mse(a, b), 3.0);  // 9 / 3 channels
  const auto per = *mse_per_channel(a, b);
  EXPECT_EQ(per, (std::vector<double>{9.0, 0.0, 0.0}));
  EXPECT_NEAR(*psnr(a, b), 10.0 * std::log10(255.0 * 255.0 / 3.0), 1e-12);
  const auto pc = *psnr_per_channel(a, b);
  EXPECT_NEAR(pc[0], 10.0 * std::log10(255.0 * 255.0 / 9.0), 1e-12);
  EXPECT_TRUE(std::isinf(pc[1]));
  EXPECT_NEAR(*npcr(a, b), 1.0 / 3.0, 1e-15);
  EXPECT_NEAR(*uaci(a, b), 1.0 / 255.0, 1e-15);  // 3 / 3 channels / 255
  EXPECT_EQ(*l0_changed_pixels(a, b), 600);
  EXPECT_NEAR(*l2_distance(a, b), std::sqrt(9.0 * 600), 1e-9);
  EXPECT_NEAR(*ald(a, b, std::numeric_limits<double>::infinity()), 3.0 / 30.0, 1e-15);
  EXPECT_NEAR(*ald(a, b, 2.0), std::sqrt(9.0 * 600) / std::sqrt(600.0 * (100 + 400 + 900)), 1e-12);
  EXPECT_FALSE(ald(a, b, 1.0).ok());

  cv::Mat a16, b16;
  a.convertTo(a16, CV_16U, 257);
  b.convertTo(b16, CV_16U, 257);
  EXPECT_NEAR(*psnr(a16, b16), 10.0 * std::log10(65535.0 * 65535.0 / (3.0 * 257 * 257)), 1e-9);
  EXPECT_NEAR(*uaci(a16, b16), 1.0 / 255.0, 1e-15);  // (3 * 257 / 3) / 65535
}

TEST(Metrics, L0CountsPixelsNotSamples) {
  cv::Mat a(10, 10, CV_8UC4, cv::Scalar(1, 2, 3, 4));
  cv::Mat b = a.clone();
  for (int i = 0; i < 5; ++i) b.at<cv::Vec4b>(i, i) = cv::Vec4b(9, 9, 9, 9);
  b.at<cv::Vec4b>(9, 0)[3] = 0;  // alpha counts too
  EXPECT_EQ(*l0_changed_pixels(a, b), 6);
}

// Two independent uniform random 8-bit images: NPCR -> 255/256, UACI -> 257/768.
TEST(Metrics, NpcrUaciOfIndependentRandomImages) {
  std::mt19937_64 rng(20240601);
  cv::Mat a(1024, 1024, CV_8UC3), b(1024, 1024, CV_8UC3);
  for (cv::Mat* m : {&a, &b}) {
    for (auto it = m->begin<cv::Vec3b>(); it != m->end<cv::Vec3b>(); ++it) {
      const std::uint64_t r = rng();
      *it = cv::Vec3b(static_cast<uchar>(r), static_cast<uchar>(r >> 8), static_cast<uchar>(r >> 16));
    }
  }
  const double n = *npcr(a, b) * 100.0, u = *uaci(a, b) * 100.0;
  EXPECT_NEAR(n, 99.6094, 0.05);
  EXPECT_NEAR(u, 33.4635, 0.05);
  std::printf("NPCR %.4f%% (expected 99.6094%%), UACI %.4f%% (expected 33.4635%%)\n", n, u);
}

TEST(Metrics, EntropyAndChiSquare) {
  cv::Mat ramp(64, 256, CV_8UC1);
  for (int y = 0; y < ramp.rows; ++y)
    for (int x = 0; x < 256; ++x) ramp.at<uchar>(y, x) = static_cast<uchar>(x);
  EXPECT_DOUBLE_EQ(*entropy(ramp), 8.0);
  const auto chi = *chi_square_uniformity(ramp);
  ASSERT_EQ(chi.size(), 1u);
  EXPECT_EQ(chi[0].statistic, 0.0);
  EXPECT_TRUE(chi[0].uniform());

  const cv::Mat flat(32, 32, CV_8UC3, cv::Scalar(7, 7, 9));
  EXPECT_EQ(*entropy(flat), -(2.0 / 3) * std::log2(2.0 / 3) - (1.0 / 3) * std::log2(1.0 / 3));
  EXPECT_EQ(*entropy_per_channel(flat), (std::vector<double>{0.0, 0.0, 0.0}));
  EXPECT_FALSE((*chi_square_uniformity(flat))[0].uniform());
  // every level once per channel: each channel's histogram is flat
  auto h = *histograms(ramp, 16);
  ASSERT_EQ(h[0].size(), 16u);
  for (auto c : h[0]) EXPECT_EQ(c, 64 * 16);
  EXPECT_FALSE(histograms(ramp, 7).ok());
  cv::Mat r16 = random_image(8, 8, CV_16UC1, 3);
  EXPECT_EQ((*histograms(r16, 256))[0].size(), 256u);
}

TEST(Metrics, AdjacentCorrelation) {
  cv::Mat smooth(100, 100, CV_8UC1);
  for (int y = 0; y < 100; ++y)
    for (int x = 0; x < 100; ++x) smooth.at<uchar>(y, x) = static_cast<uchar>(x + y);
  for (Adjacency d : {Adjacency::kHorizontal, Adjacency::kVertical, Adjacency::kDiagonal}) {
    EXPECT_NEAR((*adjacent_correlation(smooth, d))[0], 1.0, 1e-3) << adjacency_name(d);
  }
  const cv::Mat noise = random_image(300, 300, CV_8UC3, 11);
  const auto noise_corr = adjacent_correlation(noise, Adjacency::kDiagonal);
  ASSERT_TRUE(noise_corr.ok());
  for (double r : *noise_corr) EXPECT_NEAR(r, 0.0, 0.02);
  const cv::Mat flat(10, 10, CV_8UC1, cv::Scalar(4));
  EXPECT_TRUE(std::isnan((*adjacent_correlation(flat, Adjacency::kVertical))[0]));
}

TEST(Metrics, DhashOfGradients) {
  cv::Mat up(64, 64, CV_8UC1), down(64, 64, CV_8UC1);
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) {
      up.at<uchar>(y, x) = static_cast<uchar>(x * 4);
      down.at<uchar>(y, x) = static_cast<uchar>(255 - x * 4);
    }
  EXPECT_EQ(*dhash(up), ~std::uint64_t{0});
  EXPECT_EQ(*dhash(down), 0u);
  EXPECT_EQ(*dhash_distance(up, down), 64);
  EXPECT_EQ(hamming_distance(0b1011, 0b0001), 2);
  // Brightness scaling does not change the hash.
  cv::Mat darker = up * 0.5;
  EXPECT_EQ(*dhash_distance(up, darker), 0);
}

TEST(Metrics, SsimBehaviour) {
  const cv::Mat a = random_image(64, 64, CV_8UC1, 5);
  cv::Mat blurred;
  cv::GaussianBlur(a, blurred, cv::Size(0, 0), 2.0);
  const double s = *ssim(a, blurred);
  EXPECT_GT(s, -1.0);
  EXPECT_LT(s, 0.5);
  cv::Mat inverted = 255 - a;
  EXPECT_LT(*ssim(a, inverted), 0.0);
  EXPECT_FALSE(ssim(a(cv::Rect(0, 0, 10, 64)), blurred(cv::Rect(0, 0, 10, 64))).ok());
  EXPECT_TRUE(ssim(a(cv::Rect(0, 0, 11, 11)), blurred(cv::Rect(0, 0, 11, 11))).ok());
}

TEST(Metrics, RejectsMismatchedOrUnsupportedImages) {
  const cv::Mat a = random_image(20, 20, CV_8UC3);
  const cv::Mat wrong_size = random_image(21, 20, CV_8UC3);
  const cv::Mat wrong_channels = random_image(20, 20, CV_8UC1);
  const cv::Mat wrong_depth = random_image(20, 20, CV_16UC3);
  for (const cv::Mat* b : {&wrong_size, &wrong_channels, &wrong_depth}) {
    auto r = compare_images(a, *b);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find("differ"), std::string::npos) << r.error().message;
    EXPECT_FALSE(mse(a, *b).ok());
    EXPECT_FALSE(ssim(a, *b).ok());
  }
  cv::Mat f(20, 20, CV_32FC1, cv::Scalar(0));
  EXPECT_EQ(compare_images(f, f).error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(entropy(cv::Mat()).error().code, ErrorCode::kInvalidArgument);
}

TEST(Metrics, RegionRestrictsEveryMetric) {
  const cv::Mat a = random_image(60, 80, CV_8UC3, 1);
  cv::Mat b = a.clone();
  const cv::Rect box(10, 12, 30, 20);
  b(box).setTo(cv::Scalar(0, 0, 0));
  auto whole = compare_images(a, b);
  auto inside = compare_images(a, b, box);
  auto outside = compare_images(a, b, cv::Rect(45, 0, 30, 30));
  ASSERT_TRUE(whole.ok() && inside.ok() && outside.ok());
  EXPECT_EQ(inside->width, 30);
  EXPECT_EQ(inside->height, 20);
  EXPECT_EQ(inside->l0, whole->l0);
  EXPECT_NEAR(inside->l2, whole->l2, 1e-9);
  EXPECT_NEAR(inside->mse, whole->mse * (60.0 * 80) / (30 * 20), 1e-9);
  EXPECT_EQ(outside->l0, 0);
  EXPECT_TRUE(std::isinf(outside->psnr));
  EXPECT_EQ(*entropy(b(box)), 0.0);
  EXPECT_EQ(inside->entropy_b, 0.0);
  // Smaller than the SSIM window: SSIM is NaN (null in JSON), the rest is computed.
  auto tiny = compare_images(a, b, cv::Rect(10, 12, 5, 5));
  ASSERT_TRUE(tiny.ok());
  EXPECT_TRUE(std::isnan(tiny->ssim));
  EXPECT_TRUE(metrics_to_json(*tiny).at("ssim").is_null());
  EXPECT_EQ(tiny->l0, 25);
  for (cv::Rect bad : {cv::Rect(70, 0, 20, 10), cv::Rect(-1, 0, 5, 5), cv::Rect(0, 0, 0, 5)}) {
    auto r = compare_images(a, b, bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

// ---- CLI --------------------------------------------------------------------------------------

std::string shroud_bin() {
  const char* env = std::getenv("SHROUD_BIN");
  return env != nullptr ? env : (shroud::testing::binary_dir() / "shroud").string();
}

// Runs a command; returns its exit status and stdout.
int run(const std::string& cmd, std::string* out) {
  FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  std::size_t n;
  out->clear();
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(MetricsCli, JsonContractAndErrors) {
  SHROUD_REQUIRE_FILE(shroud_bin());
  TempDir dir;
  const cv::Mat a = random_image(40, 60, CV_8UC3, 2);
  cv::Mat b = a.clone();
  b(cv::Rect(0, 0, 10, 10)).setTo(cv::Scalar(255, 255, 255));
  ASSERT_TRUE(cv::imwrite(dir.file("a.png"), a));
  ASSERT_TRUE(cv::imwrite(dir.file("b.png"), b));
  ASSERT_TRUE(cv::imwrite(dir.file("small.png"), random_image(30, 60, CV_8UC3, 2)));
  ASSERT_TRUE(cv::imwrite(dir.file("grey.png"), random_image(40, 60, CV_8UC1, 2)));
  const std::string bin = shroud_bin() + " metrics ";
  std::string out;

  ASSERT_EQ(run(bin + dir.file("a.png") + " " + dir.file("b.png") + " --json", &out), 0);
  auto j = nlohmann::json::parse(out);
  for (const char* key : {"mse", "psnr", "ssim", "npcr", "uaci", "l0", "l2", "dhash", "entropy_a", "entropy_b"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j.at("l0").get<int>(), *l0_changed_pixels(a, b));
  EXPECT_NEAR(j.at("ssim").get<double>(), *ssim(a, b), 1e-12);
  EXPECT_GE(j.at("npcr").get<double>(), 0.0);
  EXPECT_LE(j.at("npcr").get<double>(), 1.0);

  ASSERT_EQ(run(bin + dir.file("a.png") + " " + dir.file("a.png") + " --json", &out), 0);
  EXPECT_EQ(nlohmann::json::parse(out).at("psnr"), "inf");

  ASSERT_EQ(run(bin + dir.file("a.png") + " " + dir.file("b.png") + " --json --region 20,20,30,15", &out), 0);
  j = nlohmann::json::parse(out);
  EXPECT_EQ(j.at("l0").get<int>(), 0);
  EXPECT_EQ(j.at("psnr"), "inf");

  // Regions file in the `shroud detect --json` format.
  {
    FILE* f = std::fopen(dir.file("r.json").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs(R"({"regions": [{"kind": "face", "box": [0, 0, 12, 12]}, {"kind": "plate", "box": [30, 20, 20, 15]}]})", f);
    std::fclose(f);
  }
  ASSERT_EQ(run(bin + dir.file("a.png") + " " + dir.file("b.png") + " --json --regions " + dir.file("r.json"), &out), 0);
  j = nlohmann::json::parse(out);
  ASSERT_EQ(j.at("regions").size(), 2u);
  EXPECT_EQ(j["regions"][0].at("l0").get<int>(), 100);
  EXPECT_EQ(j["regions"][1].at("l0").get<int>(), 0);

  ASSERT_EQ(run(bin + dir.file("a.png") + " " + dir.file("b.png"), &out), 0);
  EXPECT_NE(out.find("SSIM"), std::string::npos);

  EXPECT_NE(run(bin + dir.file("a.png") + " " + dir.file("small.png") + " --json", &out), 0);
  EXPECT_TRUE(out.empty()) << out;
  EXPECT_NE(run(bin + dir.file("a.png") + " " + dir.file("grey.png"), &out), 0);
  EXPECT_NE(run(bin + dir.file("a.png") + " " + dir.file("missing.png"), &out), 0);
  EXPECT_NE(run(bin + dir.file("a.png") + " " + dir.file("b.png") + " --region 50,30,20,20", &out), 0);
  EXPECT_NE(run(bin + dir.file("a.png") + " " + dir.file("b.png") + " --region 1,2,x,4", &out), 0);

  // shroud utility with listed regions (the manual detector finds them again after any change,
  // so re-identification is 100%; what is checked here is the table's shape and L0).
  const std::string utility = shroud_bin() + " utility " + dir.file("a.png") + " --detector manual:" +
                              dir.file("r.json") + " --mask-scale 1 --json";
  ASSERT_EQ(run(utility, &out), 0);
  j = nlohmann::json::parse(out);
  ASSERT_EQ(j.at("rows").size(), 4u);
  EXPECT_EQ(j["rows"][0].at("method"), "original");
  EXPECT_EQ(j["rows"][0].at("l0").get<double>(), 0.0);
  EXPECT_EQ(j["rows"][3].at("method"), "fill");
  EXPECT_EQ(j["rows"][3].at("regions").get<int>(), 2);
  EXPECT_EQ(j["rows"][3].at("images").get<int>(), 1);
  EXPECT_NE(run(utility + " --methods blur,nonsense", &out), 0);
}

}  // namespace metrics_test
}  // namespace
}  // namespace shroud

namespace shroud {
namespace {
namespace metrics_test {  // one namespace per file: unity builds batch the tests

// dHash's own area averaging agrees with OpenCV's INTER_AREA resize on real photos.
TEST(Metrics, DhashMatchesInterAreaReference) {
  for (const char* name : {"messi5.jpg", "baboon.jpg"}) {
    const auto path = shroud::testing::opencv_samples() / name;
    if (!std::filesystem::exists(path)) continue;
    const cv::Mat img = cv::imread(path.string());
    cv::Mat grey, f, small;
    cv::cvtColor(img, grey, cv::COLOR_BGR2GRAY);
    grey.convertTo(f, CV_32F);
    cv::resize(f, small, cv::Size(9, 8), 0, 0, cv::INTER_AREA);
    std::uint64_t ref = 0;
    for (int r = 0; r < 8; ++r)
      for (int c = 0; c < 8; ++c)
        if (small.at<float>(r, c + 1) > small.at<float>(r, c)) ref |= std::uint64_t{1} << (63 - (r * 8 + c));
    EXPECT_LE(hamming_distance(*dhash(img), ref), 1) << name;
  }
}

}  // namespace metrics_test
}  // namespace
}  // namespace shroud
