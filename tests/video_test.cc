// Video pipeline: timing and audio kept (checked with ffprobe), faces never exposed between
// detections (hold and backward extension), bounded failure behaviour.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>

#include <map>
#include <mutex>
#include <set>

#include "cli_util.h"
#include "shroud/video.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace video_test {  // one namespace per file: unity builds batch the tests

using namespace shroud::testing;

bool have_ffmpeg() { return std::system("ffmpeg -version > /dev/null 2>&1") == 0; }

// Makes a test clip with ffmpeg's test source (and a sine tone when `audio`).
std::string make_clip(const TempDir& dir, const std::string& name, int frames, int fps, bool audio,
                      const std::string& size = "160x120") {
  const std::string path = dir.file(name);
  const double seconds = static_cast<double>(frames) / fps;
  std::string cmd = "ffmpeg -v error -y -f lavfi -i testsrc=size=" + size + ":rate=" + std::to_string(fps);
  if (audio) cmd += " -f lavfi -i sine=frequency=440:sample_rate=48000";
  const int w = std::stoi(size.substr(0, size.find('x'))), h = std::stoi(size.substr(size.find('x') + 1));
  const bool odd = w % 2 == 1 || h % 2 == 1;  // x264 needs 4:4:4 for odd sizes
  cmd += " -t " + std::to_string(seconds) + " -c:v libx264 -preset ultrafast -pix_fmt " + (odd ? "yuv444p" : "yuv420p");
  if (audio) cmd += " -c:a aac -shortest";
  cmd += " " + shell_quote(path);
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return path;
}

nlohmann::json probe(const std::string& path) {
  const std::string cmd = "ffprobe -v error -count_frames -show_entries "
                          "stream=codec_type,codec_name,nb_read_frames,r_frame_rate:format=duration -of json " +
                          shell_quote(path);
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return nlohmann::json::parse(out);
}

// Detector that reports a fixed box on the frames listed (others: nothing).
class ScriptedDetector final : public Detector {
 public:
  ScriptedDetector(std::set<std::int64_t> frames, cv::Rect box, int cadence = 1)
      : frames_(std::move(frames)), box_(box), cadence_(cadence) {}
  std::string name() const override { return "scripted"; }
  int cadence() const override { return cadence_; }
  Result<std::vector<Region>> detect(const Frame& f) override {
    if (f.index % cadence_ != 0 || !frames_.count(f.index)) return std::vector<Region>{};
    Region r;
    r.box = box_;
    r.detector = name();
    return std::vector<Region>{r};
  }

 private:
  std::set<std::int64_t> frames_;
  cv::Rect box_;
  int cadence_;
};

struct Observed {
  std::mutex mu;
  std::map<std::int64_t, std::size_t> actions;  // frame -> protected regions
};

Result<VideoSummary> run_scripted(const std::string& in, const std::string& out, std::set<std::int64_t> frames,
                                  int detect_every, int extend_back, int hold, Observed* seen) {
  VideoProtectOptions o;
  o.detect_every = detect_every;
  o.extend_back = extend_back;
  o.tracker.hold_frames = hold;
  o.writer.path = out;
  o.writer.codec = "ffv1";
  o.writer.overwrite = true;
  o.on_frame = [seen](std::int64_t i, const std::vector<Action>& a) {
    std::lock_guard<std::mutex> lock(seen->mu);
    seen->actions[i] = a.size();
  };
  Policy policy;
  policy.method = "fill";
  auto factory = [frames]() -> Result<std::unique_ptr<Detector>> {
    return std::unique_ptr<Detector>(std::make_unique<ScriptedDetector>(frames, cv::Rect(40, 30, 40, 40)));
  };
  return protect_video(in, factory, policy, o);
}

TEST(Video, KeepsFrameCountRateDurationAndAudio) {
  if (!have_ffmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  TempDir dir;
  const std::string in = make_clip(dir, "in.mp4", 50, 25, true);
  Observed seen;
  auto s = run_scripted(in, dir.file("out.mkv"), {0, 10, 20}, 1, 0, 2, &seen);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->frames, 50);
  EXPECT_EQ(s->audio_streams, 1);
  auto a = probe(in), b = probe(dir.file("out.mkv"));
  int video = 0, audio = 0;
  for (const auto& st : b["streams"]) {
    if (st["codec_type"] == "video") {
      ++video;
      EXPECT_EQ(st["nb_read_frames"], "50");
      EXPECT_EQ(st["r_frame_rate"], "25/1");
    }
    if (st["codec_type"] == "audio") {
      ++audio;
      EXPECT_EQ(st["codec_name"], "aac");
    }
  }
  EXPECT_EQ(video, 1);
  EXPECT_EQ(audio, 1);
  EXPECT_NEAR(std::stod(b["format"]["duration"].get<std::string>()),
              std::stod(a["format"]["duration"].get<std::string>()), 0.05);
}

TEST(Video, DropAudioAndMp4Output) {
  if (!have_ffmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  TempDir dir;
  const std::string in = make_clip(dir, "in.mp4", 30, 30, true, "161x121");  // odd size
  VideoProtectOptions o;
  o.drop_audio = true;
  o.writer.path = dir.file("out.mp4");
  auto factory = []() -> Result<std::unique_ptr<Detector>> {
    return std::unique_ptr<Detector>(std::make_unique<ScriptedDetector>(std::set<std::int64_t>{}, cv::Rect()));
  };
  auto s = protect_video(in, factory, Policy{}, o);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto b = probe(dir.file("out.mp4"));
  ASSERT_EQ(b["streams"].size(), 1u);
  EXPECT_EQ(b["streams"][0]["nb_read_frames"], "30");
  EXPECT_EQ(b["streams"][0]["r_frame_rate"], "30/1");
}

TEST(Video, HoldCoversMissedDetections) {
  if (!have_ffmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  TempDir dir;
  const std::string in = make_clip(dir, "in.mp4", 40, 25, false);
  // Face detected on frames 10..20 except 13-15 (missed); hold 5.
  std::set<std::int64_t> hits;
  for (int f = 10; f <= 20; ++f)
    if (f < 13 || f > 15) hits.insert(f);
  Observed seen;
  auto s = run_scripted(in, dir.file("out.mkv"), hits, 1, 0, 5, &seen);
  ASSERT_TRUE(s.ok()) << s.error().message;
  for (int f = 0; f < 40; ++f) {
    const bool expect = f >= 10 && f <= 25;  // 20 + hold 5
    EXPECT_EQ(seen.actions[f] > 0, expect) << "frame " << f;
  }
  EXPECT_EQ(s->tracks, 1);
  // The output frames really are filled there (lossless FFV1, so exact).
  cv::VideoCapture cap(dir.file("out.mkv"));
  cv::Mat frame;
  for (int f = 0; f < 40 && cap.read(frame); ++f) {
    const bool black = frame.at<cv::Vec3b>(50, 60) == cv::Vec3b(0, 0, 0);
    EXPECT_EQ(black, f >= 10 && f <= 25) << "frame " << f;
  }
}

TEST(Video, DetectEveryNWithBackwardExtensionLeavesNoGap) {
  if (!have_ffmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  TempDir dir;
  const std::string in = make_clip(dir, "in.mp4", 40, 25, false);
  // The face is visible from frame 9 on; with --detect-every 4 the detector first runs on it at
  // frame 12. The default extension (detect_every - 1 = 3) must cover frames 9..11.
  std::set<std::int64_t> visible;
  for (int f = 9; f < 40; ++f) visible.insert(f);
  Observed seen;
  auto s = run_scripted(in, dir.file("out.mkv"), visible, 4, -1, 5, &seen);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->detected_frames, 10);
  for (int f = 0; f < 40; ++f) EXPECT_EQ(seen.actions[f] > 0, f >= 9) << "frame " << f;
}

TEST(Video, DetectorCadenceExtendsBackAndHoldsBetweenRuns) {
  if (!have_ffmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  TempDir dir;
  const std::string in = make_clip(dir, "in.mp4", 40, 25, false);
  // A part that runs every 10th frame (like lpd) sees the object, visible from frame 3 on, first
  // at frame 10 and then at 20 and 30. With detect_every 2 the pipeline must extend back
  // lcm(2, 10) - 1 = 9 frames and hold the track across the 10-frame gaps although the
  // default hold here (3) is shorter.
  std::set<std::int64_t> visible;
  for (int f = 3; f < 40; ++f) visible.insert(f);
  VideoProtectOptions o;
  o.detect_every = 2;
  o.tracker.hold_frames = 3;
  o.writer.path = dir.file("out.mkv");
  o.writer.codec = "ffv1";
  Observed seen;
  o.on_frame = [&seen](std::int64_t i, const std::vector<Action>& a) {
    std::lock_guard<std::mutex> lock(seen.mu);
    seen.actions[i] = a.size();
  };
  auto factory = [visible]() -> Result<std::unique_ptr<Detector>> {
    return std::unique_ptr<Detector>(std::make_unique<ScriptedDetector>(visible, cv::Rect(40, 30, 40, 40), 10));
  };
  auto s = protect_video(in, factory, Policy{}, o);
  ASSERT_TRUE(s.ok()) << s.error().message;
  for (int f = 1; f < 40; ++f) EXPECT_GT(seen.actions[f], 0u) << "frame " << f;
  EXPECT_EQ(seen.actions[0], 0u);
}

TEST(Video, BadInputsAreClearErrorsWithoutOutput) {
  TempDir dir;
  write_text(dir.path() / "fake.mp4", "not a video at all");
  VideoProtectOptions o;
  o.writer.path = dir.file("out.mp4");
  auto factory = []() -> Result<std::unique_ptr<Detector>> {
    return std::unique_ptr<Detector>(std::make_unique<ScriptedDetector>(std::set<std::int64_t>{}, cv::Rect()));
  };
  auto s = protect_video(dir.file("fake.mp4"), factory, Policy{}, o);
  EXPECT_FALSE(s.ok());
  s = protect_video(dir.file("missing.mp4"), factory, Policy{}, o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(count_entries(dir.path()), 1);
  auto r = run_shroud({"protect", dir.file("fake.mp4"), "-o", dir.file("out.mp4")});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("fake.mp4"), std::string::npos) << r.output;
  EXPECT_EQ(count_entries(dir.path()), 1);
}

TEST(Video, CliProtectsAVideoAndWritesTrackIds) {
  if (!have_ffmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  TempDir dir;
  const std::string in = make_clip(dir, "in.mp4", 20, 10, true);
  write_text(dir.path() / "zones.json", R"({"zones": [{"kind": "face", "box": [10, 10, 30, 30]}]})");
  auto r = run_shroud({"protect", in, "-o", dir.file("out.mp4"), "--detector", "zones:" + dir.file("zones.json"),
                       "--detect-every", "2", "--regions-json", dir.file("r.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("20 frames"), std::string::npos) << r.output;
  std::istringstream lines(read_text(dir.file("r.jsonl")));
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["frame"], n);
    ASSERT_EQ(j["protected"].size(), 1u);
    EXPECT_EQ(j["protected"][0]["track"], 1);
    ++n;
  }
  EXPECT_EQ(n, 20);
  auto b = probe(dir.file("out.mp4"));
  EXPECT_EQ(b["streams"].size(), 2u);  // video + audio
}

}  // namespace video_test
}  // namespace
}  // namespace shroud

namespace shroud {
namespace {
namespace video_test {  // one namespace per file: unity builds batch the tests

using namespace shroud::testing;

// A plate detector that also reads the plate's text (as an OCR would).
class PlateWithText final : public Detector {
 public:
  std::string name() const override { return "plate-ocr"; }
  Result<std::vector<Region>> detect(const Frame&) override {
    Region r;
    r.kind = Kind::kPlate;
    r.box = {30, 40, 100, 30};
    r.text = "AB1234";
    return std::vector<Region>{r};
  }
};

TEST(Video, DpPlateIsDrawnOncePerTrack) {
  if (!have_ffmpeg()) GTEST_SKIP() << "ffmpeg not installed";
  TempDir dir;
  const std::string in = make_clip(dir, "in.mp4", 12, 12, false);
  VideoProtectOptions o;
  o.writer.path = dir.file("out.mkv");
  o.writer.codec = "ffv1";
  Policy policy;
  policy.method = "dp-plate";
  policy.mask_scale = 1.0;
  policy.params.epsilon = 0.1;  // near-uniform draws: per-frame draws would differ almost surely
  auto factory = []() -> Result<std::unique_ptr<Detector>> { return std::unique_ptr<Detector>(std::make_unique<PlateWithText>()); };
  auto s = protect_video(in, factory, policy, o);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->tracks, 1);
  cv::VideoCapture cap(dir.file("out.mkv"));
  cv::Mat first, frame;
  ASSERT_TRUE(cap.read(first));
  // The test pattern moves, so compare only the plate's inner area (blended edges follow the
  // background): it must be the same rendered text in every frame.
  const cv::Rect inner(40, 45, 80, 20);
  for (int f = 1; f < 12 && cap.read(frame); ++f) {
    EXPECT_LT(cv::norm(frame(inner), first(inner), cv::NORM_L1) / inner.area(), 12.0) << "frame " << f;
  }
}

}  // namespace video_test
}  // namespace
}  // namespace shroud
