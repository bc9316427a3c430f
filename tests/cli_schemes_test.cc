// End-to-end tests of the paper schemes through the real binary: keygen --scheme, protect
// --method <scheme>, recover (docs/schemes.md, "CLI").
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <sstream>

#include "cli_util.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace cli_schemes_test {  // one namespace per file: unity builds batch the tests

using namespace shroud::testing;
namespace fs = std::filesystem;

std::string write_png(const TempDir& dir, const std::string& name, const cv::Mat& m) {
  const std::string path = dir.file(name);
  EXPECT_TRUE(cv::imwrite(path, m));
  return path;
}

// Two overlapping faces and a plate, all with odd sizes, one touching the right edge.
std::string write_regions(const TempDir& dir, int cols) {
  const std::string path = dir.file("regions.json");
  std::ostringstream s;
  s << R"({"regions": [{"kind": "face", "box": [5, 4, 21, 17]}, {"kind": "face", "box": [15, 11, 13, 23]},)"
    << R"( {"kind": "plate", "box": [)" << cols - 19 << R"(, 30, 19, 9]}]})";
  write_text(path, s.str());
  return path;
}

std::string keygen(const TempDir& dir, const std::string& scheme, const std::string& name = "") {
  const std::string path = dir.file((name.empty() ? scheme : name) + ".key");
  auto r = run_shroud({"-q", "keygen", "--scheme", scheme, "-o", path});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return path;
}

using shroud::testing::mats_equal;

struct Case {
  std::string method;
  int type;
  bool whole_frame;
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string n = info.param.method + "_" + (CV_MAT_DEPTH(info.param.type) == CV_8U ? "8u" : "16u") + "c" +
                  std::to_string(CV_MAT_CN(info.param.type)) + (info.param.whole_frame ? "_whole" : "_regions");
  for (auto& c : n) {
    if (c == '-') c = '_';
  }
  return n;
}

class CliSchemeRoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(CliSchemeRoundTrip, RecoversPixelForPixel) {
  const Case& c = GetParam();
  TempDir dir;
  const cv::Mat img = random_image(47, 61, c.type, 11);
  const std::string in = write_png(dir, "in.png", img);
  const std::string key = keygen(dir, c.method);
  const std::string out = dir.file("out.png"), rec = dir.file("rec.png");
  std::vector<std::string> args = {"protect", in, "-o", out, "--method", c.method, "--key", key, "--mask-scale", "1"};
  if (c.whole_frame) {
    args.push_back("--whole-frame");
  } else if (c.method == "block-scramble") {
    // One 5x4-block region: the small boxes below hold 2-4 whole blocks each, and a random
    // permutation of 2 blocks is the identity half the time ("nothing was protected" failed about
    // 1 run in 100 with all three at identity).
    const std::string big = dir.file("big.json");
    write_text(big, R"({"regions": [{"kind": "face", "box": [5, 4, 40, 32]}]})");
    args.insert(args.end(), {"--regions-in", big, "--kinds", "face"});
  } else {
    args.insert(args.end(), {"--regions-in", write_regions(dir, img.cols), "--kinds", "face,plate"});
  }
  if (c.method == "sisa-paper" || c.method == "sisa") args.insert(args.end(), {"--level", "4"});
  auto r = run_shroud(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const cv::Mat prot = cv::imread(out, cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(prot.empty());
  EXPECT_EQ(prot.type(), img.type());
  if (prot.size() == img.size()) {
    EXPECT_FALSE(mats_equal(prot, img)) << "nothing was protected";
  }
  r = run_shroud({"recover", out, "-o", rec, "--key", key});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(mats_equal(cv::imread(rec, cv::IMREAD_UNCHANGED), img));
}

std::vector<Case> round_trip_cases() {
  std::vector<Case> cases;
  for (const char* m : {"msai-l", "block-scramble", "pbe", "perceptual", "sisa-paper", "sisa"}) {
    for (int t : {CV_8UC1, CV_8UC3, CV_16UC1, CV_16UC3}) cases.push_back({m, t, false});
  }
  for (const char* m : {"block-scramble", "pbe", "perceptual"}) {
    for (int t : {CV_8UC1, CV_8UC3, CV_16UC3}) cases.push_back({m, t, true});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Methods, CliSchemeRoundTrip, ::testing::ValuesIn(round_trip_cases()), case_name);

TEST(CliSchemes, MsaiPaperRecoversBelow251AndWrapsAbove) {
  TempDir dir;
  cv::Mat img = random_image(47, 61, CV_8UC3, 5);
  const std::string in = write_png(dir, "in.png", img);
  const std::string key = keygen(dir, "msai-paper");
  const std::string out = dir.file("out.png"), rec = dir.file("rec.png");
  auto r = run_shroud({"protect", in, "-o", out, "--method", "msai-paper", "--key", key, "--mask-scale", "1",
                       "--regions-in", write_regions(dir, img.cols), "--kinds", "face,plate"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_shroud({"recover", out, "-o", rec, "--key", key});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const cv::Mat back = cv::imread(rec, cv::IMREAD_UNCHANGED);
  ASSERT_EQ(back.type(), img.type());
  // Inside the masked areas: values >= 251 come back as v - 251 (the paper's "mod 251"); all else exact.
  std::vector<cv::Rect> areas = {{5, 4, 21, 17}, {15, 11, 13, 23}, {img.cols - 19, 30, 19, 9}};
  int wrapped = 0;
  for (int y = 0; y < img.rows; ++y) {
    for (int x = 0; x < img.cols; ++x) {
      bool masked = false;
      for (const auto& a : areas) masked = masked || a.contains({x, y});
      for (int ch = 0; ch < 3; ++ch) {
        const int v = img.at<cv::Vec3b>(y, x)[ch], got = back.at<cv::Vec3b>(y, x)[ch];
        const int want = masked && v >= 251 ? v - 251 : v;
        ASSERT_EQ(got, want) << x << "," << y;
        wrapped += want != v;
      }
    }
  }
  EXPECT_GT(wrapped, 0);
}

TEST(CliSchemes, WrongKeyFailsWithoutOutput) {
  for (const char* m : {"msai-l", "msai-paper", "block-scramble", "pbe", "perceptual", "sisa-paper"}) {
    SCOPED_TRACE(m);
    TempDir dir;
    const std::string in = write_png(dir, "in.png", random_image(33, 41, CV_8UC3, 2));
    const std::string key = keygen(dir, m), other = keygen(dir, m, "other");
    const std::string out = dir.file("out.png");
    auto r = run_shroud({"protect", in, "-o", out, "--method", m, "--key", key, "--regions-in",
                         write_regions(dir, 41), "--kinds", "face,plate", "--level", "5"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run_shroud({"recover", out, "-o", dir.file("rec.png"), "--key", other});
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("different"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir.file("rec.png")));
  }
}

TEST(CliSchemes, TamperedRecordOrPixelsFailWithoutOutput) {
  for (const char* m : {"msai-l", "msai-paper", "block-scramble", "pbe", "perceptual"}) {
    SCOPED_TRACE(m);
    TempDir dir;
    const cv::Mat img = random_image(33, 41, CV_8UC3, 3);
    const std::string in = write_png(dir, "in.png", img);
    const std::string key = keygen(dir, m);
    const std::string out = dir.file("out.png"), side = out + ".shroud";
    auto r = run_shroud({"protect", in, "-o", out, "--method", m, "--key", key, "--sidecar", "--regions-in",
                         write_regions(dir, 41), "--kinds", "face,plate"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_TRUE(fs::exists(side));
    const std::string record = read_text(side);
    // 1. a rectangle moved by one pixel in the header (still well-formed).
    std::string moved = record;
    const auto pos = moved.find("[5,4,21,17]");
    if (pos != std::string::npos) {
      moved.replace(pos, 11, "[6,4,21,17]");
      write_text(side, moved);
      r = run_shroud({"recover", out, "-o", dir.file("rec.png"), "--key", key, "--sidecar", side});
      EXPECT_NE(r.exit_code, 0) << r.output;
      EXPECT_FALSE(fs::exists(dir.file("rec.png")));
    }
    // 2. a flipped tag byte.
    std::string flipped = record;
    flipped.back() = static_cast<char>(flipped.back() ^ 1);
    write_text(side, flipped);
    r = run_shroud({"recover", out, "-o", dir.file("rec.png"), "--key", key, "--sidecar", side});
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_FALSE(fs::exists(dir.file("rec.png")));
    // 3. one carrier pixel changed.
    write_text(side, record);
    cv::Mat prot = cv::imread(out, cv::IMREAD_UNCHANGED);
    prot.at<cv::Vec3b>(0, 0)[0] ^= 1;
    ASSERT_TRUE(cv::imwrite(out, prot));
    r = run_shroud({"recover", out, "-o", dir.file("rec.png"), "--key", key, "--sidecar", side});
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("modified"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir.file("rec.png")));
    // Untouched again: recovers.
    prot.at<cv::Vec3b>(0, 0)[0] ^= 1;
    ASSERT_TRUE(cv::imwrite(out, prot));
    r = run_shroud({"recover", out, "-o", dir.file("rec.png"), "--key", key, "--sidecar", side});
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
}

TEST(CliSchemes, SisaPaperCoordinatesAreUnauthenticatedAsInThePaper) {
  TempDir dir;
  const cv::Mat img = random_image(33, 41, CV_8UC3, 4);
  const std::string in = write_png(dir, "in.png", img);
  const std::string key = keygen(dir, "sisa-paper");
  const std::string out = dir.file("out.png"), side = out + ".shroud";
  auto r = run_shroud({"protect", in, "-o", out, "--method", "sisa-paper", "--key", key, "--sidecar", "--level", "3",
                       "--levels", "5", "--regions-in", write_regions(dir, 41), "--kinds", "face,plate"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string record = read_text(side);
  const auto pos = record.find("\"rect\":[");
  ASSERT_NE(pos, std::string::npos);
  // Shift the first encrypted rectangle by editing its x coordinate: recovery "succeeds" with wrong pixels.
  const std::size_t start = pos + 8, end = record.find(',', start);
  const int x = std::stoi(record.substr(start, end - start));
  record.replace(start, end - start, std::to_string(x > 0 ? x - 1 : x + 1));
  write_text(side, record);
  r = run_shroud({"recover", out, "-o", dir.file("rec.png"), "--key", key, "--sidecar", side});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_FALSE(mats_equal(cv::imread(dir.file("rec.png"), cv::IMREAD_UNCHANGED), img));
}

TEST(CliSchemes, RefusesLossyOutputAndPrintsOneWarning) {
  TempDir dir;
  const std::string in = write_png(dir, "in.png", random_image(33, 41, CV_8UC3, 6));
  for (const char* m : {"msai-l", "msai-paper", "block-scramble", "pbe", "perceptual", "sisa-paper"}) {
    SCOPED_TRACE(m);
    const std::string key = keygen(dir, m);
    auto r = run_shroud({"protect", in, "-o", dir.file("out.jpg"), "--method", m, "--key", key, "--whole-frame"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_FALSE(fs::exists(dir.file("out.jpg")));
    r = run_shroud({"protect", in, "-o", dir.file("out.jpg"), "--method", m, "--key", key, "--regions-in",
                    write_regions(dir, 41)});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("lossless"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir.file("out.jpg")));
    r = run_shroud({"protect", in, "-o", dir.file("out.tif"), "--method", m, "--key", key, "--regions-in",
                    write_regions(dir, 41), "--kinds", "face,plate"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("--sidecar"), std::string::npos) << r.output;
    r = run_shroud({"protect", in, "-o", dir.file(std::string(m) + ".png"), "--method", m, "--key", key,
                    "--regions-in", write_regions(dir, 41), "--kinds", "face,plate"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::size_t warnings = 0;
    for (std::size_t p = r.output.find("paper scheme"); p != std::string::npos; p = r.output.find("paper scheme", p + 1)) {
      ++warnings;
    }
    EXPECT_EQ(warnings, 1u) << r.output;
    EXPECT_NE(r.output.find("docs/security.md"), std::string::npos);
  }
}

TEST(CliSchemes, KeyFileChecks) {
  TempDir dir;
  const std::string in = write_png(dir, "in.png", random_image(33, 41, CV_8UC3, 7));
  // Missing --key: tells how to make one.
  auto r = run_shroud({"protect", in, "-o", dir.file("o.png"), "--method", "pbe", "--whole-frame"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("keygen --scheme pbe"), std::string::npos) << r.output;
  // A key file readable by others is refused.
  const std::string key = keygen(dir, "pbe");
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::chmod(key.c_str(), 0644), 0);
  r = run_shroud({"protect", in, "-o", dir.file("o.png"), "--method", "pbe", "--key", key, "--whole-frame"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("chmod 600"), std::string::npos) << r.output;
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);
  // A key for another scheme is refused.
  r = run_shroud({"protect", in, "-o", dir.file("o.png"), "--method", "perceptual", "--key", key, "--whole-frame"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("pbe key file"), std::string::npos) << r.output;
  // --whole-frame only where the scheme allows it.
  const std::string mk = keygen(dir, "msai-l");
  r = run_shroud({"protect", in, "-o", dir.file("o.png"), "--method", "msai-l", "--key", mk, "--whole-frame"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(fs::exists(dir.file("o.png")));
  // A seal keyset given for a scheme record, and a public key given to recover.
  r = run_shroud({"protect", in, "-o", dir.file("o.png"), "--method", "pbe", "--key", key, "--whole-frame"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(run_shroud({"-q", "keygen", dir.file("ks.json"), "--recipient", dir.file("dc.pub")}).exit_code, 0);
  r = run_shroud({"recover", dir.file("o.png"), "-o", dir.file("r.png"), "--key", dir.file("ks.json")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("seal keyset, not a scheme key file"), std::string::npos) << r.output;
  r = run_shroud({"recover", dir.file("o.png"), "-o", dir.file("r.png"), "--key", dir.file("dc.pub")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("recipient public key"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir.file("r.png")));
  ASSERT_EQ(run_shroud({"protect", in, "-o", dir.file("s.png"), "--method", "seal", "--recipient", dir.file("dc.pub"),
                        "--regions-in", write_regions(dir, 41)}).exit_code, 0);
  r = run_shroud({"recover", dir.file("s.png"), "-o", dir.file("r.png"), "--key", dir.file("dc.pub")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("public key"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir.file("r.png")));
}

TEST(CliSchemes, ListShowsEverySchemeWithItsLevel) {
  auto r = run_shroud({"list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  std::map<std::string, std::string> level;
  for (const auto& m : j["methods"]) level[m["name"]] = m["security"];
  for (const char* m : {"msai-l", "msai-paper", "block-scramble", "pbe", "perceptual", "sisa-paper"}) {
    EXPECT_EQ(level[m].rfind("obfuscation", 0), 0u) << m;
  }
  EXPECT_EQ(level["sisa"], "authenticated encryption");
}

}  // namespace cli_schemes_test
}  // namespace
}  // namespace shroud
