// FrameStream (frame_stream.h): frames protected one at a time with the video schedule
// (detection every Nth frame, tracking in between), BGR/RGB and 3/4 channels, in place.
#include <gtest/gtest.h>

#include "shroud/engine.h"
#include "shroud/frame_stream.h"
#include "shroud/image_io.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace frame_stream_test {  // one namespace per file: unity builds batch the tests

using testing::TempDir;

const cv::Rect kBox{20, 30, 40, 30};

std::string write_regions(const TempDir& dir) {
  const std::string path = dir.file("regions.json");
  const std::string text = R"({"regions": [{"kind": "face", "box": [20, 30, 40, 30]}]})";
  EXPECT_TRUE(write_file_atomic(path, std::vector<std::uint8_t>(text.begin(), text.end())).ok());
  return path;
}

Engine make_engine(const std::string& regions, const std::string& method, int detect_every) {
  EngineOptions o;
  o.detector = "manual:" + regions;
  o.method = method;
  o.mask_scale = 1.0;
  o.detect_every = detect_every;
  o.color = {255, 0, 0};   // fill: blue (B, G, R)
  auto e = Engine::create(o);
  EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message);
  return std::move(*e);
}

cv::Mat pattern(int type) {
  cv::Mat m(120, 160, type);
  cv::randu(m, 0, 256);
  return m;
}

// Pixels inside `box` differ from `before` somewhere; pixels outside are identical.
void expect_only_box_changed(const cv::Mat& before, const cv::Mat& after, cv::Rect box) {
  cv::Mat diff;
  cv::absdiff(before, after, diff);
  cv::Mat mask = cv::Mat::zeros(before.size(), CV_8U);
  mask(box).setTo(255);
  cv::Mat outside;
  diff.copyTo(outside, ~mask);
  EXPECT_EQ(cv::countNonZero(outside.reshape(1)), 0);
  EXPECT_GT(cv::countNonZero(diff(box).clone().reshape(1)), box.area());
}

TEST(FrameStream, DetectsEveryNthFrameAndTracksBetween) {
  TempDir dir;
  Engine engine = make_engine(write_regions(dir), "fill", 3);
  auto stream = engine.open_stream();
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  EXPECT_EQ(stream->detection_period(), 3);
  for (int i = 0; i < 7; ++i) {
    cv::Mat frame = pattern(CV_8UC3);
    const cv::Mat before = frame.clone();
    const uchar* data = frame.data;
    auto rep = stream->protect_next(frame);
    ASSERT_TRUE(rep.ok()) << rep.error().message;
    EXPECT_EQ(rep->index, i);
    EXPECT_EQ(rep->detected, i % 3 == 0) << i;
    ASSERT_EQ(rep->actions.size(), 1u) << i;   // tracked on the frames without detection
    // Detection frames: the listed box; between them the tracked box, grown 2% a missed frame.
    const cv::Rect rect = rep->actions[0].rect;
    if (rep->detected) {
      EXPECT_EQ(rect, kBox) << i;
    }
    EXPECT_EQ(rect & kBox, kBox) << i;
    EXPECT_LE(rect.width, kBox.width + 2) << i;
    EXPECT_EQ(rep->regions[0].track_id, 1) << i;
    EXPECT_EQ(frame.data, data);                // in place
    expect_only_box_changed(before, frame, rect);
    EXPECT_EQ(frame.at<cv::Vec3b>(40, 30), cv::Vec3b(255, 0, 0));
  }
  EXPECT_EQ(stream->frames(), 7);
  EXPECT_EQ(stream->tracks(), 1);
  stream->reset();
  EXPECT_EQ(stream->frames(), 0);
  cv::Mat frame = pattern(CV_8UC3);
  auto rep = stream->protect_next(frame);
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->detected);
  EXPECT_EQ(rep->index, 0);
}

TEST(FrameStream, RgbAndFourChannelFrames) {
  TempDir dir;
  Engine engine = make_engine(write_regions(dir), "fill", 1);
  auto stream = engine.open_stream();
  ASSERT_TRUE(stream.ok());
  // RGB: the fill colour (blue in B,G,R) is written in R,G,B order.
  cv::Mat rgb = pattern(CV_8UC3);
  cv::Mat before = rgb.clone();
  ASSERT_TRUE(stream->protect_next(rgb, ChannelOrder::kRgb).ok());
  expect_only_box_changed(before, rgb, kBox);
  EXPECT_EQ(rgb.at<cv::Vec3b>(40, 30), cv::Vec3b(0, 0, 255));
  // RGBx: same, the fourth channel is not written.
  cv::Mat rgbx = pattern(CV_8UC4);
  before = rgbx.clone();
  auto rep = stream->protect_next(rgbx, ChannelOrder::kRgb);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->actions[0].params.fill_color[0], 255);   // reported in B,G,R
  const cv::Vec4b px = rgbx.at<cv::Vec4b>(40, 30);
  EXPECT_EQ(cv::Vec3b(px[0], px[1], px[2]), cv::Vec3b(0, 0, 255));
  EXPECT_EQ(px[3], before.at<cv::Vec4b>(40, 30)[3]);
  // BGRx with blur: only the box changes.
  cv::Mat bgrx = pattern(CV_8UC4);
  before = bgrx.clone();
  TempDir dir2;
  Engine blur = make_engine(write_regions(dir2), "blur", 1);
  auto s2 = blur.open_stream();
  ASSERT_TRUE(s2.ok());
  ASSERT_TRUE(s2->protect_next(bgrx).ok());
  expect_only_box_changed(before, bgrx, kBox);
}

TEST(FrameStream, RefusesWhatItCannotDo) {
  TempDir dir;
  Engine engine = make_engine(write_regions(dir), "blur", 1);
  auto stream = engine.open_stream();
  ASSERT_TRUE(stream.ok());
  cv::Mat gray(120, 160, CV_8UC1, cv::Scalar(7));
  auto r = stream->protect_next(gray);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("3 or 4 channels"), std::string::npos);
  cv::Mat deep(120, 160, CV_16UC3, cv::Scalar(7));
  EXPECT_FALSE(stream->protect_next(deep).ok());
  cv::Mat empty;
  EXPECT_FALSE(stream->protect_next(empty).ok());
  // Still usable after an error.
  cv::Mat ok = pattern(CV_8UC3);
  EXPECT_TRUE(stream->protect_next(ok).ok());

  // Seal needs a recovery track: refused with kUnsupported.
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  EngineOptions o;
  o.detector = "manual:" + dir.file("regions.json");
  o.method = "seal";
  EngineKeys keys;
  keys.keyset = std::make_shared<const Keyset>(std::move(*ks));
  auto seal = Engine::create(o, keys);
  ASSERT_TRUE(seal.ok()) << seal.error().message;
  auto s = seal->open_stream();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(s.error().message.find("seal"), std::string::npos);
}

}  // namespace frame_stream_test
}  // namespace
}  // namespace shroud
