// ksame: k-Same-Pixel face replacement (src/protect/ksame.cc, docs/ksame.md).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <fstream>

#include "shroud/detector.h"
#include "shroud/frame.h"
#include "shroud/ksame.h"
#include "shroud/policy.h"
#include "shroud/protector.h"
#include "cli_util.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace ksame_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::TempDir;

// A gallery folder of constant-colour 64x64 "faces".
void write_gallery(const TempDir& dir, const std::vector<cv::Scalar>& colours) {
  for (size_t i = 0; i < colours.size(); ++i) {
    cv::Mat face(kKsameSize, kKsameSize, CV_8UC3, colours[i]);
    ASSERT_TRUE(cv::imwrite(dir.file("face" + std::to_string(i) + ".png"), face));
  }
}

// A face action: the template scaled by 2 and shifted by (60, 50), in a 240x220 image.
Action face_action(const std::string& gallery, int k, bool landmarks = true) {
  Action a;
  a.method = "ksame";
  a.params.ksame_gallery = gallery;
  a.params.ksame_k = k;
  a.region.kind = Kind::kFace;
  a.region.box = cv::Rect(60, 50, 2 * kKsameSize, 2 * kKsameSize);
  if (landmarks) {
    for (const auto& p : ksame_template()) a.region.landmarks.push_back(p * 2.0f + cv::Point2f(60, 50));
  }
  a.rect = cv::Rect(50, 40, 2 * kKsameSize + 20, 2 * kKsameSize + 20);
  return a;
}

// Pixels within `radius` of the nose (mapped to the image) all equal `expected` within `tol`.
void expect_centre(const cv::Mat& img, const cv::Scalar& expected, double tol) {
  const cv::Point2f nose = ksame_template()[2] * 2.0f + cv::Point2f(60, 50);
  const int radius = 20;  // 10 canonical pixels: > 3 sigma inside the soft ellipse
  int checked = 0;
  for (int y = static_cast<int>(nose.y) - radius; y <= static_cast<int>(nose.y) + radius; ++y) {
    for (int x = static_cast<int>(nose.x) - radius; x <= static_cast<int>(nose.x) + radius; ++x) {
      if ((x - nose.x) * (x - nose.x) + (y - nose.y) * (y - nose.y) > radius * radius) continue;
      const auto v = img.at<cv::Vec3b>(y, x);
      for (int c = 0; c < 3; ++c) ASSERT_NEAR(v[c], expected[c], tol) << "at " << x << "," << y;
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000);
}

TEST(Ksame, ReplacesTheFaceByTheGalleryMean) {
  TempDir g;
  write_gallery(g, {{10, 20, 30}, {40, 50, 60}, {100, 110, 120}});
  auto prot = create_protector("ksame");
  ASSERT_TRUE(prot.ok());
  cv::Mat img = shroud::testing::random_image(220, 240, CV_8UC3, 7);
  const cv::Mat before = img.clone();
  const Action a = face_action(g.path().string(), 3);
  ASSERT_TRUE((*prot)->apply(img, a).ok());
  expect_centre(img, {50, 60, 70}, 1.0);
  // Outside the action's rectangle nothing changes.
  cv::Mat outside = cv::Mat::ones(img.size(), CV_8U);
  outside(a.rect).setTo(0);
  cv::Mat diff;
  cv::absdiff(img, before, diff);
  std::vector<cv::Mat> ch;
  cv::split(diff, ch);
  for (const auto& c : ch) EXPECT_EQ(cv::countNonZero(c & outside), 0);
  // Inside the rectangle, far from the face (its corners), the soft mask keeps the original.
  EXPECT_EQ(img.at<cv::Vec3b>(a.rect.y + 1, a.rect.x + 1), before.at<cv::Vec3b>(a.rect.y + 1, a.rect.x + 1));
}

TEST(Ksame, AveragesTheKNearestFaces) {
  TempDir g;
  write_gallery(g, {{0, 0, 0}, {50, 50, 50}, {90, 90, 90}, {200, 200, 200}, {255, 255, 255}});
  auto prot = create_protector("ksame");
  ASSERT_TRUE(prot.ok());
  // k-Same partition (file order 0, 50, 90, 200, 255): k=2 -> {0, 50} (mean 25) and, fewer than
  // 2k left, {90, 200, 255}; k=3 -> one cluster of all five (mean 119). The face, a uniform 60, is
  // nearest to the gallery face 50, so it gets 50's cluster mean.
  cv::Mat img(220, 240, CV_8UC3, cv::Scalar(60, 60, 60));
  cv::Mat img3 = img.clone();
  ASSERT_TRUE((*prot)->apply(img, face_action(g.path().string(), 2)).ok());
  expect_centre(img, {25, 25, 25}, 1.0);
  ASSERT_TRUE((*prot)->apply(img3, face_action(g.path().string(), 3)).ok());
  expect_centre(img3, {119, 119, 119}, 1.0);

  auto gal = load_ksame_gallery(g.path().string());
  ASSERT_TRUE(gal.ok());
  std::vector<int> chosen;
  auto mean = ksame_mean(**gal, cv::Mat(kKsameSize, kKsameSize, CV_8UC3, cv::Scalar(60, 60, 60)), 2, &chosen);
  ASSERT_TRUE(mean.ok());
  EXPECT_EQ(chosen, (std::vector<int>{0, 1}));
  // A gallery face (200) gets exactly what the other members of its cluster get.
  ASSERT_TRUE(ksame_mean(**gal, cv::Mat(kKsameSize, kKsameSize, CV_8UC3, cv::Scalar(200, 200, 200)), 2, &chosen).ok());
  EXPECT_EQ(chosen, (std::vector<int>{2, 3, 4}));
}

TEST(Ksame, RefusesAGallerySmallerThanK) {
  TempDir g;
  write_gallery(g, {{1, 2, 3}, {4, 5, 6}});
  auto prot = create_protector("ksame");
  ASSERT_TRUE(prot.ok());
  cv::Mat img = shroud::testing::random_image(220, 240, CV_8UC3, 3);
  const cv::Mat before = img.clone();
  auto st = (*prot)->apply(img, face_action(g.path().string(), 3));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("fewer than k = 3"), std::string::npos) << st.error().message;
  EXPECT_EQ(cv::norm(img, before, cv::NORM_INF), 0.0);
  // A missing gallery is an error too.
  EXPECT_FALSE((*prot)->apply(img, face_action(g.file("nope"), 1)).ok());
  Policy p;
  p.params.ksame_k = 0;
  EXPECT_FALSE(validate_policy(p).ok());
}

TEST(Ksame, IsDeterministicAndWorksWithoutLandmarks) {
  TempDir g;
  write_gallery(g, {{10, 20, 30}, {40, 50, 60}, {100, 110, 120}, {0, 0, 255}});
  auto prot = create_protector("ksame");
  ASSERT_TRUE(prot.ok());
  const cv::Mat src = shroud::testing::random_image(220, 240, CV_8UC3, 11);
  cv::Mat a = src.clone(), b = src.clone();
  ASSERT_TRUE((*prot)->apply(a, face_action(g.path().string(), 2)).ok());
  ASSERT_TRUE((*prot)->apply(b, face_action(g.path().string(), 2)).ok());
  EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0.0);
  EXPECT_GT(cv::norm(a, src, cv::NORM_INF), 0.0);
  // Box alignment (cascade detectors): the template maps onto the box, so the centre is replaced.
  cv::Mat c(220, 240, CV_8UC3, cv::Scalar(30, 40, 50));
  ASSERT_TRUE((*prot)->apply(c, face_action(g.path().string(), 4, false)).ok());
  expect_centre(c, {37.5, 45, 116.25}, 1.0);
}

TEST(Ksame, PolicyJsonCarriesGalleryAndK) {
  auto p = parse_policy_json(R"({"method": "ksame", "ksame_gallery": "/tmp/g", "ksame_k": 7})");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->params.ksame_gallery, "/tmp/g");
  EXPECT_EQ(p->params.ksame_k, 7);
  auto q = parse_policy_json(policy_to_json(*p));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->params.ksame_k, 7);
}

TEST(Ksame, SixteenBitGreyImages) {
  TempDir g;
  write_gallery(g, {{50, 60, 70}, {50, 60, 70}});
  auto prot = create_protector("ksame");
  ASSERT_TRUE(prot.ok());
  cv::Mat img(220, 240, CV_16UC1, cv::Scalar(40000));
  ASSERT_TRUE((*prot)->apply(img, face_action(g.path().string(), 2)).ok());
  const cv::Point2f nose = ksame_template()[2] * 2.0f + cv::Point2f(60, 50);
  // Grey of BGR (50, 60, 70) = 0.114*50 + 0.587*60 + 0.299*70 = 61.85, times 257.
  EXPECT_NEAR(img.at<std::uint16_t>(cvRound(nose.y), cvRound(nose.x)), 61.85 * 257, 257);
  EXPECT_EQ(img.at<std::uint16_t>(0, 0), 40000);
}

TEST(Ksame, CliRefusesASmallGalleryAndWritesNothing) {
  SHROUD_REQUIRE_FILE(shroud::testing::shroud_bin());
  TempDir g, out;
  write_gallery(g, {{1, 2, 3}, {4, 5, 6}});
  cv::Mat img = shroud::testing::random_image(220, 240, CV_8UC3, 5);
  ASSERT_TRUE(cv::imwrite(out.file("in.png"), img));
  std::ofstream(out.file("r.json")) << R"({"regions": [{"kind": "face", "box": [60, 50, 128, 128]}]})";
  auto r = shroud::testing::run_shroud({"protect", out.file("in.png"), "-o", out.file("out.png"), "--regions-in",
                                        out.file("r.json"), "--method", "ksame", "--gallery", g.path().string(),
                                        "--k", "3"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("fewer than k = 3"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out.file("out.png")));
  r = shroud::testing::run_shroud({"protect", out.file("in.png"), "-o", out.file("out.png"), "--regions-in",
                                   out.file("r.json"), "--method", "ksame", "--gallery", g.path().string(), "--k", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(out.file("out.png")));
}

// A detector that finds the same face_action() face (with landmarks) in every frame.
class OneFaceDetector : public Detector {
 public:
  std::string name() const override { return "one-face"; }
  Result<std::vector<Region>> detect(const Frame&) override { return std::vector<Region>{face_action("", 1).region}; }
};

TEST(Ksame, BatchGalleryFromTheImagesThemselves) {
  TempDir dir;
  const std::vector<cv::Scalar> colours = {{10, 20, 30}, {40, 50, 60}, {100, 110, 120}};
  std::vector<std::string> files;
  for (size_t i = 0; i < colours.size(); ++i) {
    files.push_back(dir.file("img" + std::to_string(i) + ".png"));
    ASSERT_TRUE(cv::imwrite(files.back(), cv::Mat(220, 240, CV_8UC3, colours[i])));
  }
  OneFaceDetector det;
  auto gal = ksame_gallery_from_images(files, det);
  ASSERT_TRUE(gal.ok()) << gal.error().message;
  ASSERT_EQ((*gal)->faces.rows, 3);
  EXPECT_EQ((*gal)->files[1], files[1] + "#1");
  EXPECT_NEAR((*gal)->faces.at<float>(1, 0), 40.0f, 0.5f);   // image 1's aligned face, B channel
  const std::string name = std::string(kKsameBatchPrefix) + "test>";
  ASSERT_TRUE(register_ksame_gallery(name, *gal).ok());
  EXPECT_FALSE(register_ksame_gallery(name, *gal).ok());   // a name is registered once
  auto loaded = load_ksame_gallery(name);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->get(), gal->get());
  // k = 3: one cluster; every face of the batch becomes the mean of the three.
  cv::Mat img(220, 240, CV_8UC3, colours[0]);
  auto protector = create_protector("ksame");
  ASSERT_TRUE(protector.ok());
  ASSERT_TRUE((*protector)->apply(img, face_action(name, 3)).ok());
  expect_centre(img, cv::Scalar(50, 60, 70), 1.0);
  // k = 4 is more than the batch holds: refused.
  cv::Mat img2(220, 240, CV_8UC3, colours[0]);
  EXPECT_FALSE((*protector)->apply(img2, face_action(name, 4)).ok());
  // No landmarks, no gallery; empty or mismatched in-memory galleries are refused.
  EXPECT_FALSE(make_ksame_gallery({}, {}).ok());
  EXPECT_FALSE(make_ksame_gallery({cv::Mat(64, 64, CV_8UC3)}, {}).ok());
  EXPECT_FALSE(make_ksame_gallery({cv::Mat(64, 64, CV_32FC3)}, {"x"}).ok());
}

TEST(Ksame, CliGalleryBatch) {
  SHROUD_REQUIRE_FILE(shroud::testing::shroud_bin());
  TempDir in, out;
  const std::vector<cv::Scalar> colours = {{10, 20, 30}, {40, 50, 60}, {100, 110, 120}};
  std::vector<std::string> args = {"protect"};
  for (size_t i = 0; i < colours.size(); ++i) {
    args.push_back(in.file("img" + std::to_string(i) + ".png"));
    ASSERT_TRUE(cv::imwrite(args.back(), cv::Mat(220, 240, CV_8UC3, colours[i])));
  }
  nlohmann::json lm = nlohmann::json::array();
  for (const auto& p : face_action("", 1).region.landmarks) lm.push_back({p.x, p.y});
  nlohmann::json regions = {{"regions", {{{"kind", "face"}, {"box", {60, 50, 128, 128}}, {"landmarks", lm}}}}};
  std::ofstream(in.file("r.json")) << regions.dump();
  const std::vector<std::string> common = {"--regions-in", in.file("r.json"), "--method", "ksame", "--gallery-batch",
                                           "--mask-scale", "1"};
  // k larger than the batch's 3 faces: refused, nothing written.
  auto bad = args;
  bad.insert(bad.end(), {"-o", out.file("k4")});
  bad.insert(bad.end(), common.begin(), common.end());
  bad.insert(bad.end(), {"--k", "4"});
  auto r = shroud::testing::run_shroud(bad);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("fewer than k = 4"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(out.file("k4")) / "img0.png"));
  // --gallery and --gallery-batch together: refused.
  auto both = args;
  both.insert(both.end(), {"-o", out.file("both"), "--gallery", in.path().string()});
  both.insert(both.end(), common.begin(), common.end());
  r = shroud::testing::run_shroud(both);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  // k = 3: every face becomes the mean of the batch's three faces.
  auto good = args;
  good.insert(good.end(), {"-o", out.file("k3")});
  good.insert(good.end(), common.begin(), common.end());
  good.insert(good.end(), {"--k", "3"});
  r = shroud::testing::run_shroud(good);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("batch gallery holds 3 face(s) from 3 image(s)"), std::string::npos) << r.output;
  for (int i = 0; i < 3; ++i) {
    const auto path = std::filesystem::path(out.file("k3")) / ("img" + std::to_string(i) + ".png");
    cv::Mat o = cv::imread(path.string());
    ASSERT_FALSE(o.empty()) << path;
    expect_centre(o, cv::Scalar(50, 60, 70), 1.0);
    EXPECT_EQ(o.at<cv::Vec3b>(5, 5), cv::Vec3b(colours[i][0], colours[i][1], colours[i][2]));   // outside: unchanged
  }
}

// `shroud utility --methods ...,ksame --gallery DIR --k N`: the GAN+DP paper's Table 2 metrics for ksame.
TEST(Ksame, CliUtilityTableWithAGallery) {
  SHROUD_REQUIRE_FILE(shroud::testing::shroud_bin());
  TempDir g, out;
  write_gallery(g, {{10, 20, 30}, {40, 50, 60}, {100, 110, 120}});
  cv::Mat img = shroud::testing::random_image(220, 240, CV_8UC3, 5);
  ASSERT_TRUE(cv::imwrite(out.file("in.png"), img));
  std::ofstream(out.file("r.json")) << R"({"regions": [{"kind": "face", "box": [60, 50, 128, 128]}]})";
  auto r = shroud::testing::run_shroud({"utility", out.file("in.png"), "--detector", "manual:" + out.file("r.json"),
                                        "--methods", "original,ksame", "--gallery", g.path().string(), "--k", "2",
                                        "--mask-scale", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  ASSERT_EQ(j["rows"].size(), 2u);
  EXPECT_EQ(j["rows"][0]["l0"].get<double>(), 0.0);
  const auto& k = j["rows"][1];
  EXPECT_EQ(k["method"], "ksame");
  // The face ellipse inside the 128x128 box changed, the rest of the image did not.
  EXPECT_GT(k["l0"].get<double>(), 0.3 * 128 * 128);
  EXPECT_LT(k["l0"].get<double>(), 128.0 * 128);
  EXPECT_LT(k["ssim"].get<double>(), 1.0);
  // Without a gallery (or with one smaller than k) the table is refused.
  r = shroud::testing::run_shroud({"utility", out.file("in.png"), "--detector", "manual:" + out.file("r.json"),
                                   "--methods", "ksame", "--k", "2"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  r = shroud::testing::run_shroud({"utility", out.file("in.png"), "--detector", "manual:" + out.file("r.json"),
                                   "--methods", "ksame", "--gallery", g.path().string(), "--k", "4"});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("fewer than k = 4"), std::string::npos) << r.output;
}

}  // namespace ksame_test
}  // namespace
}  // namespace shroud
