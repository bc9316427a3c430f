// The paper report (paper_report.h, `shroud report`) and the bar chart it draws with.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <cmath>

#include "cli_util.h"
#include "shroud/paper_report.h"
#include "shroud/plot.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace report_test {  // one namespace per file: unity builds batch the tests

using testing::random_image;
using testing::TempDir;

MsaiCase random_case(int rows, int cols, cv::Rect area, int max_value) {
  MsaiCase c;
  c.name = "random";
  c.source = "generated";
  c.image = random_image(rows, cols, CV_8UC3, 7);
  if (max_value < 255) c.image = c.image * (static_cast<double>(max_value) / 255.0);
  c.area = area;
  return c;
}

TEST(PaperReport, MsaiFiguresOnRandomArea) {
  PaperReportOptions o;
  o.repeats = 2;
  // 8-bit values up to 255: msai-l exact, msai-paper loses the samples >= 251.
  auto r = run_msai_report({random_case(67, 93, cv::Rect(11, 7, 31, 19), 255)}, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  const auto& c = r->front();
  ASSERT_EQ(c.schemes.size(), 2u);
  EXPECT_EQ(c.schemes[0].scheme, "msai-l");
  EXPECT_TRUE(std::isinf(c.schemes[0].psnr));
  EXPECT_TRUE(c.schemes[0].exact);
  EXPECT_EQ(c.schemes[1].scheme, "msai-paper");
  EXPECT_FALSE(c.schemes[1].exact);
  EXPECT_TRUE(std::isfinite(c.schemes[1].psnr));
  // A random area against an unrelated near-uniform placeholder: NPCR ~ 99.6%, UACI ~ 33%.
  EXPECT_GT(c.schemes[0].npcr, 0.97);
  EXPECT_GT(c.schemes[0].uaci, 0.25);
  EXPECT_LT(c.schemes[0].uaci, 0.42);
  EXPECT_GT(c.schemes[0].mask_ms, 0.0);
  EXPECT_GT(c.aes_cfb_ms, 0.0);
  EXPECT_GT(c.aead_ms, 0.0);
  EXPECT_EQ(c.original_area.size(), cv::Size(31, 19));
  EXPECT_EQ(cv::norm(c.original_area, c.recovered_area, cv::NORM_INF), 0.0);
}

TEST(PaperReport, MsaiPaperExactBelow251) {
  PaperReportOptions o;
  o.repeats = 1;
  auto r = run_msai_report({random_case(40, 40, cv::Rect(5, 5, 20, 20), 250)}, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->front().schemes[1].exact);
}

TEST(PaperReport, RejectsBadCases) {
  PaperReportOptions o;
  o.repeats = 1;
  auto outside = random_case(20, 20, cv::Rect(10, 10, 20, 5), 255);
  EXPECT_EQ(run_msai_report({outside}, o).error().code, ErrorCode::kInvalidArgument);
  auto deep = random_case(20, 20, cv::Rect(1, 1, 5, 5), 255);
  deep.image.convertTo(deep.image, CV_16U);
  EXPECT_EQ(run_msai_report({deep}, o).error().code, ErrorCode::kInvalidArgument);
  o.repeats = 0;
  EXPECT_FALSE(run_msai_report({random_case(20, 20, cv::Rect(1, 1, 5, 5), 255)}, o).ok());
}

TEST(PaperReport, SisaSelectionCoversTheLevelsShare) {
  PaperReportOptions o;
  o.sisa_repeats = 1;
  const cv::Mat scene = random_image(120, 160, CV_8UC3, 3);
  Region face;
  face.kind = Kind::kFace;
  face.box = cv::Rect(70, 30, 20, 24);
  auto r = run_sisa_report(scene, {face}, {cv::Size(64, 48), cv::Size(96, 72)}, {1, 3, 5}, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 6u);
  for (const auto& t : *r) {
    const double target = 0.3 + 0.7 * (t.level - 1) / 4.0;
    EXPECT_GE(t.covered, target - 1e-9) << t.level;
    if (t.level == 5) {
      EXPECT_DOUBLE_EQ(t.covered, 1.0);
    }
    EXPECT_GT(t.full_encrypt_ms, 0.0);
    EXPECT_GT(t.sisa_encrypt_ms, 0.0);
    EXPECT_GT(t.seal_sisa_ms, 0.0);
    EXPECT_GT(t.open_sisa_ms, 0.0);
  }
  EXPECT_FALSE(run_sisa_report(scene, {}, {cv::Size(8, 8)}, {1}, o).ok());
}

TEST(PlotBars, DrawsAndValidates) {
  PlotOptions o;
  o.panel_width = 600;
  o.panel_height = 300;
  auto ok = plot_grouped_bars("t", "x", "y", {"a", "b"}, {{"s1", {1.0, 2.0}}, {"s2", {0.5, 0.0}}}, "%.1f", o);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->size(), cv::Size(600, 300));
  EXPECT_EQ(ok->type(), CV_8UC3);
  // The tallest bar (series 1, category b) is drawn in the first palette colour somewhere.
  cv::Mat mask;
  cv::inRange(*ok, cv::Scalar(205, 95, 20), cv::Scalar(205, 95, 20), mask);
  EXPECT_GT(cv::countNonZero(mask), 100);
  EXPECT_FALSE(plot_grouped_bars("t", "x", "y", {"a", "b"}, {{"s1", {1.0}}}).ok());
  EXPECT_FALSE(plot_grouped_bars("t", "x", "y", {"a"}, {{"s1", {-1.0}}}).ok());
  EXPECT_FALSE(plot_grouped_bars("t", "x", "y", {"a"}, {{"s1", {NAN}}}).ok());
  EXPECT_FALSE(plot_grouped_bars("t", "x", "y", {}, {}).ok());
}

TEST(PaperReport, WritesFilesAndRefusesToOverwrite) {
  TempDir dir;
  PaperReport rep;
  rep.options.repeats = 1;
  rep.options.sisa_repeats = 1;
  auto m = run_msai_report({random_case(50, 60, cv::Rect(3, 4, 20, 10), 255)}, rep.options);
  ASSERT_TRUE(m.ok());
  rep.msai = *m;
  auto s = run_sisa_report(random_image(48, 64, CV_8UC3, 1), {}, {cv::Size(64, 48)}, {3}, rep.options);
  ASSERT_TRUE(s.ok());
  rep.sisa = *s;
  rep.sisa_levels = *s;
  const std::string out = dir.file("rep");
  ASSERT_TRUE(write_paper_report(rep, out).ok());
  for (const char* f : {"report.md", "msai_fig4_histograms.png", "msai_fig5_time.png", "sisa_fig6_encrypt.png",
                        "sisa_fig7_decrypt.png", "sisa_levels.png"}) {
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(out) / f)) << f;
  }
  const std::string md = testing::read_text(std::filesystem::path(out) / "report.md");
  EXPECT_NE(md.find("+inf (exact)"), std::string::npos);
  EXPECT_NE(md.find("46%"), std::string::npos);
  const auto before = std::filesystem::last_write_time(std::filesystem::path(out) / "report.md");
  auto again = write_paper_report(rep, out);
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(std::filesystem::last_write_time(std::filesystem::path(out) / "report.md"), before);
  EXPECT_TRUE(write_paper_report(rep, out, true).ok());
}

TEST(CliReport, RunsOnAnImageWithManualRegions) {
  SHROUD_REQUIRE_FILE("/usr/share/doc/opencv-doc/examples/data/messi5.jpg");
  TempDir dir;
  const std::string regions = dir.file("regions.json");
  testing::write_text(regions, R"({"regions": [{"kind": "face", "box": [20, 10, 30, 24]}]})");
  const std::string img = dir.file("in.png");
  ASSERT_TRUE(cv::imwrite(img, random_image(90, 120, CV_8UC3, 5)));
  const std::string out = dir.file("report");
  auto r = testing::run_shroud({"report", img, "-o", out, "--detector", "manual:" + regions, "--repeats", "2",
                                "--sisa-repeats", "1", "--sizes", "64x48,128x96"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string md = testing::read_text(std::filesystem::path(out) / "report.md");
  EXPECT_NE(md.find("| car (30x17) |"), std::string::npos) << md;
  EXPECT_NE(md.find("in.png face #1"), std::string::npos);
  EXPECT_NE(md.find("| 128x96 |"), std::string::npos);
  // Existing report without --force: refused, non-zero exit.
  r = testing::run_shroud({"report", img, "-o", out, "--detector", "manual:" + regions, "--no-sisa", "--repeats", "1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--force"), std::string::npos) << r.output;
  r = testing::run_shroud({"report", img, "-o", dir.file("x"), "--sizes", "64by48", "--no-msai"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

}  // namespace report_test
}  // namespace
}  // namespace shroud
