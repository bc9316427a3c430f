// Re-identification, the utility table and the plots.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "shroud/image_io.h"
#include "shroud/plot.h"
#include "shroud/registry.h"
#include "shroud/utility.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace metrics_utility_test {  // one namespace per file: unity builds batch the tests

using shroud::testing::random_image;

// Finds a "face" wherever a listed box is still bright on average (as a real detector would
// stop finding a face once it is filled or heavily changed).
Region face(cv::Rect box) {
  Region r;
  r.kind = Kind::kFace;
  r.box = box;
  return r;
}

class BrightBoxDetector final : public Detector {
 public:
  explicit BrightBoxDetector(std::vector<cv::Rect> boxes) : boxes_(std::move(boxes)) {}
  std::string name() const override { return "bright-box"; }
  Result<std::vector<Region>> detect(const Frame& frame) override {
    std::vector<Region> out;
    for (const auto& b : boxes_) {
      if ((b & cv::Rect(0, 0, frame.image.cols, frame.image.rows)) != b) continue;
      if (cv::mean(frame.image(b))[0] > 100) out.push_back(face(b));
    }
    return out;
  }

 private:
  std::vector<cv::Rect> boxes_;
};

cv::Mat scene() {
  cv::Mat img = random_image(120, 160, CV_8UC3, 9) * 0.3;  // dark, textured background
  img(cv::Rect(20, 20, 40, 40)).setTo(cv::Scalar(200, 210, 220));
  img(cv::Rect(100, 50, 30, 30)).setTo(cv::Scalar(180, 190, 230));
  return img;
}

TEST(Reidentification, CountsRegionsStillDetected) {
  const std::vector<cv::Rect> boxes = {cv::Rect(20, 20, 40, 40), cv::Rect(100, 50, 30, 30)};
  BrightBoxDetector det(boxes);
  const cv::Mat original = scene();
  std::vector<Region> regions = {face(boxes[0]), face(boxes[1])};
  auto same = reidentification(det, original, regions, original);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->found, 2);
  EXPECT_DOUBLE_EQ(same->rate(), 1.0);

  cv::Mat half = original.clone();
  half(boxes[0]).setTo(cv::Scalar(0, 0, 0));
  auto r = reidentification(det, original, regions, half);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->found, 1);
  EXPECT_EQ(r->found_each, (std::vector<bool>{false, true}));
  EXPECT_DOUBLE_EQ(r->rate(), 0.5);

  // A detection of another kind, or one that barely overlaps, does not count.
  regions[1].kind = Kind::kPlate;
  EXPECT_EQ(reidentification(det, original, regions, original)->found, 1);
  EXPECT_FALSE(reidentification(det, original, regions, original(cv::Rect(0, 0, 50, 50))).ok());
  EXPECT_FALSE(reidentification(det, original, regions, original, 0.0).ok());
}

TEST(UtilityTable, RowsPerMethod) {
  const std::vector<cv::Rect> boxes = {cv::Rect(20, 20, 40, 40), cv::Rect(100, 50, 30, 30)};
  BrightBoxDetector det(boxes);
  const std::vector<std::pair<std::string, cv::Mat>> images = {
      {"scene", scene()}, {"empty", cv::Mat(64, 64, CV_8UC3, cv::Scalar(5, 5, 5))}};
  UtilityOptions opts;
  opts.methods = {"original", "blur", "pixelate", "fill"};
  opts.policy.mask_scale = 1.0;
  auto t = utility_table(images, det, opts);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->images_total, 2);
  EXPECT_EQ(t->images_without_regions, 1);
  ASSERT_EQ(t->rows.size(), 4u);
  const auto& orig = t->rows[0];
  EXPECT_EQ(orig.images, 1);
  EXPECT_EQ(orig.l0, 0.0);
  EXPECT_DOUBLE_EQ(orig.ssim, 1.0);
  EXPECT_EQ(orig.redetected, 2);
  const auto& fill = t->rows[3];
  EXPECT_EQ(fill.method, "fill");
  EXPECT_EQ(fill.l0, 40.0 * 40 + 30 * 30);  // every pixel of both boxes
  EXPECT_EQ(fill.regions, 2);
  EXPECT_EQ(fill.redetected, 0);
  EXPECT_DOUBLE_EQ(fill.reid_rate(), 0.0);
  EXPECT_LT(fill.ssim, 1.0);
  EXPECT_GT(fill.ald_2, 0.0);
  // Blurring a flat box changes only its border: the bright box stays bright.
  EXPECT_EQ(t->rows[1].redetected, 2);
  EXPECT_LT(t->rows[1].l0, fill.l0);

  opts.methods = {"blur", "no-such-method"};
  EXPECT_EQ(utility_table(images, det, opts).error().code, ErrorCode::kInvalidArgument);
}

TEST(UtilityTable, CascadeOnARealFace) {
  const auto path = shroud::testing::shared_dir() / "data/faces/dlib_examples_faces/2008_002470.jpg";
  SHROUD_REQUIRE_FILE(path);
  DetectorOptions dopts;
  auto det = create_detector("cascade:haarcascade_frontalface_alt2.xml", dopts);
  if (!det.ok()) GTEST_SKIP() << det.error().message;
  auto img = read_image(path.string());
  ASSERT_TRUE(img.ok());
  UtilityOptions opts;
  opts.methods = {"original", "fill"};
  auto t = utility_table({{path.string(), img->pixels}}, **det, opts);
  ASSERT_TRUE(t.ok()) << t.error().message;
  ASSERT_EQ(t->rows[0].images, 1) << "the cascade found no face";
  EXPECT_EQ(t->rows[0].redetected, t->rows[0].regions);
  EXPECT_EQ(t->rows[1].redetected, 0) << "a filled face was detected again";
}

TEST(Plots, HistogramAndScatterImages) {
  const cv::Mat colour = random_image(80, 90, CV_8UC3, 4);
  cv::Mat grey(50, 60, CV_8UC1);
  for (int y = 0; y < grey.rows; ++y)
    for (int x = 0; x < grey.cols; ++x) grey.at<uchar>(y, x) = static_cast<uchar>(x * 3 + y);
  const cv::Mat deep = random_image(40, 40, CV_16UC1, 2);
  PlotOptions po;
  po.title = "test";
  auto h = plot_histograms({{"colour", colour}, {"grey", grey}, {"16-bit", deep}, {"again", colour}}, po);
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ(h->type(), CV_8UC3);
  EXPECT_EQ(h->cols, 3 * po.panel_width);
  EXPECT_EQ(h->rows, 36 + 2 * po.panel_height);
  // Something besides white was drawn in every panel.
  cv::Mat g;
  cv::cvtColor(*h, g, cv::COLOR_BGR2GRAY);
  for (int i = 0; i < 4; ++i) {
    const cv::Rect p((i % 3) * po.panel_width, 36 + (i / 3) * po.panel_height, po.panel_width, po.panel_height);
    EXPECT_GT(cv::countNonZero(g(p) < 200), 1000) << "panel " << i;
  }
  ScatterOptions so;
  so.samples = 500;
  auto s = plot_adjacent_scatter({{"colour", colour}, {"grey", grey}}, Adjacency::kDiagonal, so);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->cols, 2 * so.plot.panel_width);
  auto s2 = plot_adjacent_scatter({{"colour", colour}, {"grey", grey}}, Adjacency::kDiagonal, so);
  EXPECT_EQ(cv::norm(*s, *s2, cv::NORM_INF), 0.0) << "sampling is not deterministic";

  EXPECT_FALSE(plot_histograms({}).ok());
  EXPECT_FALSE(plot_histograms({{"bad", cv::Mat(4, 4, CV_32F)}}).ok());
  so.samples = 0;
  EXPECT_FALSE(plot_adjacent_scatter({{"c", colour}}, Adjacency::kVertical, so).ok());
}

}  // namespace metrics_utility_test
}  // namespace
}  // namespace shroud
