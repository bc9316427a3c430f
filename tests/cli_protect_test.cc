// End-to-end tests of `shroud protect`/`detect`/`list` through the real binary.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_util.h"
#include "shroud/image_io.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace cli_protect_test {  // one namespace per file: unity builds batch the tests

using namespace shroud::testing;

const std::string kMessi = (opencv_samples() / "messi5.jpg").string();

// A manual regions file so these tests do not depend on a detector's recall.
std::string write_regions(const TempDir& dir) {
  const std::string path = dir.file("regions.json");
  write_text(path, R"({"regions": [{"kind": "face", "box": [10, 10, 30, 30]},
                                    {"kind": "plate", "box": [60, 40, 30, 10]},
                                    {"kind": "person", "box": [0, 0, 5, 5]}]})");
  return path;
}

std::string write_png(const TempDir& dir, const std::string& name, const cv::Mat& m) {
  const std::string path = dir.file(name);
  EXPECT_TRUE(cv::imwrite(path, m));
  return path;
}

TEST(CliProtect, ProtectsListedRegionsAndNothingElse) {
  TempDir dir;
  const cv::Mat img = random_image(80, 100, CV_8UC3, 3);
  const std::string in = write_png(dir, "in.png", img);
  const std::string out = dir.file("out.png");
  auto r = run_shroud({"protect", in, "-o", out, "--detector", "manual:" + write_regions(dir), "--method", "fill",
                       "--mask-scale", "1", "--regions-json", dir.file("r.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  cv::Mat res = cv::imread(out, cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(res.empty());
  EXPECT_EQ(res.at<cv::Vec3b>(20, 20), cv::Vec3b(0, 0, 0));           // face filled
  EXPECT_EQ(res.at<cv::Vec3b>(45, 70), cv::Vec3b(0, 0, 0));           // plate filled
  EXPECT_EQ(res.at<cv::Vec3b>(2, 2), img.at<cv::Vec3b>(2, 2));        // person: not in policy
  EXPECT_EQ(res.at<cv::Vec3b>(70, 5), img.at<cv::Vec3b>(70, 5));
  auto j = nlohmann::json::parse(read_text(dir.file("r.jsonl")));
  EXPECT_EQ(j["regions"].size(), 3u);
  EXPECT_EQ(j["protected"].size(), 2u);
  EXPECT_EQ(j["protected"][0]["method"], "fill");
}

TEST(CliProtect, KeepsSixteenBitAndAlpha) {
  TempDir dir;
  const cv::Mat img = random_image(50, 60, CV_16UC4, 4);
  const std::string in = write_png(dir, "in.png", img);
  auto r = run_shroud({"protect", in, "-o", dir.file("out.png"), "--detector", "manual:" + write_regions(dir)});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  cv::Mat res = cv::imread(dir.file("out.png"), cv::IMREAD_UNCHANGED);
  EXPECT_EQ(res.type(), CV_16UC4);
  cv::Mat a0, a1;
  cv::extractChannel(img, a0, 3);
  cv::extractChannel(res, a1, 3);
  EXPECT_EQ(cv::norm(a0, a1, cv::NORM_INF), 0.0);
  // 16-bit alpha into JPEG is refused, not silently reduced.
  r = run_shroud({"protect", in, "-o", dir.file("out.jpg"), "--detector", "manual:" + write_regions(dir)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir.file("out.jpg")));
}

TEST(CliProtect, FoldersAreMirroredRecursively) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "in" / "sub");
  write_png(dir, "in/a.png", random_image(40, 40, CV_8UC3, 1));
  write_png(dir, "in/sub/b.png", random_image(40, 40, CV_8UC1, 2));
  write_text(dir.path() / "in" / "notes.txt", "not an image");
  auto r = run_shroud({"protect", dir.file("in"), "-o", dir.file("out"), "--detector",
                       "manual:" + write_regions(dir), "-j", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "out" / "a.png"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "out" / "sub" / "b.png"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "out" / "notes.txt"));
}

struct BadInput {
  const char* name;
  std::string content;
};

TEST(CliProtect, BadInputsFailCleanlyWithoutOutput) {
  TempDir dir;
  std::vector<std::uint8_t> jpg;
  cv::imencode(".jpg", random_image(64, 64, CV_8UC3), jpg);
  const std::vector<BadInput> cases = {
      {"text.jpg", "this is not an image"},
      {"truncated.jpg", std::string(jpg.begin(), jpg.begin() + static_cast<std::ptrdiff_t>(jpg.size() / 2))},
      {"empty.png", ""},
  };
  const std::string regions = write_regions(dir);
  for (const auto& c : cases) {
    write_text(dir.path() / c.name, c.content);
    const std::string before = read_text(dir.path() / c.name);
    const int entries = count_entries(dir.path());
    auto r = run_shroud({"protect", dir.file(c.name), "-o", dir.file(std::string("out_") + c.name), "--detector",
                         "manual:" + regions});
    EXPECT_NE(r.exit_code, 0) << c.name;
    EXPECT_NE(r.output.find(c.name), std::string::npos) << "message should name the file: " << r.output;
    EXPECT_EQ(count_entries(dir.path()), entries) << c.name << ": a file was left behind";
    EXPECT_EQ(read_text(dir.path() / c.name), before) << "input modified";
  }
  auto r = run_shroud({"protect", dir.file("missing.jpg"), "-o", dir.file("o.jpg"), "--detector", "manual:" + regions});
  EXPECT_EQ(r.exit_code, exit_code(ErrorCode::kNotFound));
  EXPECT_NE(r.output.find("no such file"), std::string::npos) << r.output;
}

TEST(CliProtect, RefusesToOverwriteInputsOrExistingOutputs) {
  TempDir dir;
  const std::string in = write_png(dir, "in.png", random_image(30, 30, CV_8UC3));
  const std::string before = read_text(in);
  const std::string regions = write_regions(dir);
  auto r = run_shroud({"protect", in, "-o", in, "--detector", "manual:" + regions});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--in-place"), std::string::npos) << r.output;
  EXPECT_EQ(read_text(in), before);
  ASSERT_EQ(run_shroud({"protect", in, "-o", dir.file("o.png"), "--detector", "manual:" + regions}).exit_code, 0);
  r = run_shroud({"protect", in, "-o", dir.file("o.png"), "--detector", "manual:" + regions});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--force"), std::string::npos) << r.output;
  EXPECT_EQ(run_shroud({"protect", in, "-o", dir.file("o.png"), "--force", "--detector", "manual:" + regions}).exit_code, 0);
  // --in-place replaces the input, atomically.
  EXPECT_EQ(run_shroud({"protect", in, "--in-place", "--detector", "manual:" + regions, "--method", "fill"}).exit_code, 0);
  EXPECT_NE(read_text(in), before);
}

TEST(CliProtect, BadOptionsAndMissingModelsAreClearErrors) {
  TempDir dir;
  const std::string in = write_png(dir, "in.png", random_image(30, 30, CV_8UC3));
  auto r = run_shroud({"protect", in, "-o", dir.file("o.png"), "--method", "smudge"});
  EXPECT_EQ(r.exit_code, exit_code(ErrorCode::kInvalidArgument));
  EXPECT_NE(r.output.find("smudge"), std::string::npos);
  r = run_shroud({"protect", in, "-o", dir.file("o.png"), "--detector", "cascade:no_such_cascade.xml"});
  EXPECT_EQ(r.exit_code, exit_code(ErrorCode::kNotFound));
  EXPECT_NE(r.output.find("no_such_cascade.xml"), std::string::npos);
  r = run_shroud({"protect", in, "-o", dir.file("o.png"), "--models", dir.file("nowhere"), "--detector", "nosuch"});
  EXPECT_NE(r.exit_code, 0);
  r = run_shroud({"protect", in, "-o", dir.file("no/such/folder/o.png"), "--detector", "manual:" + write_regions(dir)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("does not exist"), std::string::npos) << r.output;
  EXPECT_EQ(count_entries(dir.path()), 2);  // in.png + regions.json
}

TEST(CliProtect, MetadataStrippedUnlessKept) {
  SHROUD_REQUIRE_FILE(kMessi);
  TempDir dir;
  // Give the sample an EXIF block (orientation 1) so there is something to strip.
  const std::vector<std::uint8_t> exif = {'I', 'I', 0x2A, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
  EncodeOptions opts;
  opts.exif = exif;
  auto bytes = encode_image(cv::imread(kMessi), "jpeg", opts);
  ASSERT_TRUE(bytes.ok());
  const std::string in = dir.file("exif.jpg");
  ASSERT_TRUE(write_file_atomic(in, *bytes).ok());
  const std::string regions = write_regions(dir);
  ASSERT_EQ(run_shroud({"protect", in, "-o", dir.file("stripped.jpg"), "--detector", "manual:" + regions}).exit_code, 0);
  ASSERT_EQ(run_shroud({"protect", in, "-o", dir.file("kept.jpg"), "--keep-metadata", "--detector", "manual:" + regions}).exit_code, 0);
  auto stripped = read_image(dir.file("stripped.jpg"));
  auto kept = read_image(dir.file("kept.jpg"));
  ASSERT_TRUE(stripped.ok() && kept.ok());
  EXPECT_TRUE(stripped->exif.empty());
  EXPECT_FALSE(kept->exif.empty());
}

TEST(CliDetect, JsonLinesPerImage) {
  TempDir dir;
  const std::string in = write_png(dir, "in.png", random_image(100, 120, CV_8UC3));
  auto r = run_shroud({"detect", in, in, "--json", "--detector", "manual:" + write_regions(dir)});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["image"], in);
    EXPECT_EQ(j["width"], 120);
    EXPECT_EQ(j["height"], 100);
    EXPECT_EQ(j["regions"][0]["kind"], "face");
    EXPECT_EQ(j["regions"][0]["box"], nlohmann::json({10, 10, 30, 30}));
    ++n;
  }
  EXPECT_EQ(n, 2);
}

TEST(CliList, ListsDetectorsAndMethodsWithSecurity) {
  auto r = run_shroud({"list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  bool blur = false, cascade = false;
  for (const auto& m : j["methods"]) blur = blur || (m["name"] == "blur" && m["security"] == "irreversible");
  for (const auto& d : j["detectors"]) cascade = cascade || d["name"] == "cascade";
  EXPECT_TRUE(blur);
  EXPECT_TRUE(cascade);
}

}  // namespace cli_protect_test
}  // namespace
}  // namespace shroud
