// Learning on cipher images in the paper report (learning_report.h, `shroud report --learning`).
#include <gtest/gtest.h>

#include <filesystem>

#include "cli_util.h"
#include "shroud/learning_report.h"
#include "shroud/paper_report.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace learning_report_test {  // one namespace per file: unity builds batch the tests

using testing::TempDir;

// The shape scripts/learning_experiment.py writes (values from a real subset run).
const char* kResults = R"json({
 "setting": {"data": "/usr/share/doc/opencv-doc/examples/data/digits.png", "images": 600, "per_class": 60,
             "train": 480, "test": 120, "image_size": "20x20 padded to 24x24", "epochs": 8, "seed": 1,
             "threads": 1, "torch": "1.13.0a0", "shroud": "0.1.0", "model": "small CNN", "seconds": 25.6,
             "command": "scripts/learning_experiment.py -o q --per-class 60 --epochs 8"},
 "results": [
  {"method": "plain", "label": "plain", "description": "no encryption", "test_accuracy": 0.7917, "train_accuracy": 0.8708},
  {"method": "perceptual", "label": "perceptual, one key", "description": "Ahmad-Shin", "test_accuracy": 0.6667,
   "train_accuracy": 0.7146},
  {"method": "seal-fill", "label": "seal (fill placeholder)", "test_accuracy": 0.1, "train_accuracy": 0.1}]})json";

TEST(LearningReport, ReadsTheScriptsJsonAndWritesTheTable) {
  TempDir dir;
  testing::write_text(dir.file("learning.json"), kResults);
  auto r = read_learning_results(dir.path().string());   // a folder: its learning.json
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(r->train, 480);
  EXPECT_EQ(r->test, 120);
  EXPECT_DOUBLE_EQ(r->rows[1].test_accuracy, 0.6667);
  const std::string md = learning_markdown(*r, "learning_accuracy.png");
  EXPECT_NE(md.find("| plain | 79.2% |  | 87.1% |"), std::string::npos) << md;
  EXPECT_NE(md.find("| perceptual, one key | 66.7% | -12.5 | 71.5% |"), std::string::npos) << md;
  EXPECT_NE(md.find("| seal (fill placeholder) | 10.0% | -69.2 | 10.0% |"), std::string::npos) << md;
  EXPECT_NE(md.find("2 points below plain on CIFAR-10"), std::string::npos);   // the paper's finding beside ours
  EXPECT_NE(md.find("![test accuracy per cipher](learning_accuracy.png)"), std::string::npos);
  auto plot = learning_plot(*r);
  ASSERT_TRUE(plot.ok());
  EXPECT_GT(plot->cols, 800);

  PaperReport rep;
  rep.learning = *r;
  const std::string out = dir.file("rep");
  ASSERT_TRUE(write_paper_report(rep, out).ok());
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(out) / "learning_accuracy.png"));
  const std::string report_md = testing::read_text(std::filesystem::path(out) / "report.md");
  EXPECT_NE(report_md.find("Table II: learning on cipher images"), std::string::npos);
  EXPECT_EQ(report_md.find("MSAI Table 3"), std::string::npos);
}

TEST(LearningReport, RefusesMissingAndMalformedResults) {
  TempDir dir;
  auto missing = read_learning_results(dir.file("nothing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  std::string good = kResults;
  const std::pair<std::string, std::string> breaks[] = {
      {"\"test_accuracy\": 0.7917", "\"test_accuracy\": 1.5"},   // out of [0, 1]
      {"\"test_accuracy\": 0.7917", "\"test_accuracy\": \"high\""},
      {"\"train\": 480", "\"train\": 0"},
      {"\"label\": \"plain\", ", ""},                            // a row without its label
      {"\"results\": [", "\"results\": 3, \"x\": ["},
  };
  for (const auto& [from, to] : breaks) {
    std::string bad = good;
    const auto at = bad.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    bad.replace(at, from.size(), to);
    testing::write_text(dir.file("bad.json"), bad);
    auto r = read_learning_results(dir.file("bad.json"));
    ASSERT_FALSE(r.ok()) << to;
    EXPECT_EQ(r.error().code, ErrorCode::kCorrupt) << to;
  }
  testing::write_text(dir.file("empty.json"), R"({"setting": {}, "results": []})");
  EXPECT_FALSE(read_learning_results(dir.file("empty.json")).ok());
  testing::write_text(dir.file("text.json"), "not json");
  EXPECT_FALSE(read_learning_results(dir.file("text.json")).ok());
}

TEST(CliReport, LearningOnlyReport) {
  TempDir dir;
  testing::write_text(dir.file("learning.json"), kResults);
  const std::string out = dir.file("report");
  auto r = testing::run_shroud({"report", "-o", out, "--no-msai", "--no-sisa", "--learning", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string md = testing::read_text(std::filesystem::path(out) / "report.md");
  EXPECT_NE(md.find("| perceptual, one key | 66.7% |"), std::string::npos) << md;
  // Nothing to report, a missing file, a malformed one: errors, no report written.
  r = testing::run_shroud({"report", "-o", dir.file("r2"), "--no-msai", "--no-sisa"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = testing::run_shroud({"report", "-o", dir.file("r3"), "--no-msai", "--no-sisa", "--learning", dir.file("none")});
  EXPECT_EQ(r.exit_code, 3) << r.output;
  testing::write_text(dir.file("bad.json"), "{}");
  r = testing::run_shroud({"report", "-o", dir.file("r4"), "--no-msai", "--no-sisa", "--learning", dir.file("bad.json")});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(dir.file("r4")) / "report.md"));
}

}  // namespace learning_report_test
}  // namespace
}  // namespace shroud
