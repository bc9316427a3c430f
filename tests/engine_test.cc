// The engine used as a library (include/shroud/engine.h): frames in place, encoded images in
// memory with a seal round trip, options JSON errors, concurrent calls on one engine.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <set>
#include <thread>

#include "shroud/engine.h"
#include "shroud/image_io.h"
#include "shroud/keys.h"
#include "test_util.h"

namespace shroud {
namespace {
namespace engine_test {  // one namespace per file: unity builds batch the tests

using testing::TempDir;
using testing::random_image;

// A manual detector file with two regions (face and plate) for every 160x120 image.
std::string write_regions(const TempDir& dir) {
  const std::string path = dir.file("regions.json");
  const std::string text =
      R"({"width": 160, "height": 120, "regions": [)"
      R"({"kind": "face", "box": [20, 30, 40, 30]}, {"kind": "plate", "box": [100, 70, 40, 20]}]})";
  Status s = write_file_atomic(path, std::vector<std::uint8_t>(text.begin(), text.end()));
  EXPECT_TRUE(s.ok());
  return path;
}

EngineOptions base_options(const std::string& regions, const std::string& method) {
  EngineOptions o;
  o.detector = "manual:" + regions;
  o.method = method;
  o.mask_scale = 1.0;
  return o;
}

cv::Mat mask_of(cv::Size size, const std::vector<cv::Rect>& rects) {
  cv::Mat m = cv::Mat::zeros(size, CV_8U);
  for (const auto& r : rects) m(r).setTo(255);
  return m;
}

TEST(EngineTest, ProtectFrameInPlaceChangesOnlyTheRegions) {
  TempDir dir;
  EngineOptions o = base_options(write_regions(dir), "fill");
  o.color = {0, 0, 255};
  auto engine = Engine::create(o);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  const cv::Mat original = random_image(120, 160, CV_8UC3, 7);
  cv::Mat image = original.clone();
  const uchar* data = image.data;
  auto rep = engine->protect_frame(image, /*with_record=*/true);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(image.data, data) << "protected in place, no reallocation";
  ASSERT_EQ(rep->regions.size(), 2u);
  ASSERT_EQ(rep->actions.size(), 2u);
  const std::vector<cv::Rect> rects = {cv::Rect(20, 30, 40, 30), cv::Rect(100, 70, 40, 20)};
  EXPECT_EQ(rep->actions[0].rect, rects[0]);
  EXPECT_EQ(rep->actions[1].rect, rects[1]);
  const cv::Mat inside = mask_of(image.size(), rects);
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x) {
      const auto p = image.at<cv::Vec3b>(y, x);
      if (inside.at<uchar>(y, x)) {
        ASSERT_EQ(p, cv::Vec3b(0, 0, 255)) << x << "," << y;
      } else {
        ASSERT_EQ(p, original.at<cv::Vec3b>(y, x)) << x << "," << y;
      }
    }
  }
  EXPECT_EQ(rep->record["protected"].size(), 2u);
  EXPECT_TRUE(rep->container.empty());
}

TEST(EngineTest, DetectLeavesTheImageAlone) {
  TempDir dir;
  auto engine = Engine::create(base_options(write_regions(dir), "blur"));
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  const cv::Mat image = random_image(120, 160, CV_8UC3, 3);
  const cv::Mat copy = image.clone();
  auto regions = engine->detect(image);
  ASSERT_TRUE(regions.ok());
  EXPECT_EQ(regions->size(), 2u);
  EXPECT_EQ(cv::norm(image, copy, cv::NORM_INF), 0.0);
}

TEST(EngineTest, SealEncodedRoundTripIsBitExact) {
  TempDir dir;
  const std::string keys = dir.file("keys.json");
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  ASSERT_TRUE(save_keyset(*ks, keys, false).ok());
  EngineOptions o = base_options(write_regions(dir), "seal");
  o.key = keys;
  auto engine = Engine::create(o);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  EXPECT_TRUE(engine->seals());

  const cv::Mat original = random_image(120, 160, CV_8UC3, 11);
  auto png = encode_image(original, "png");
  ASSERT_TRUE(png.ok());
  auto sealed = engine->protect_encoded(*png, "png", "mem.png");
  ASSERT_TRUE(sealed.ok()) << sealed.error().message;
  EXPECT_FALSE(sealed->report.container.empty());
  EXPECT_TRUE(sealed->sidecar.empty());
  auto shown = decode_image(sealed->image);
  ASSERT_TRUE(shown.ok());
  EXPECT_GT(cv::norm(shown->pixels(cv::Rect(20, 30, 40, 30)), original(cv::Rect(20, 30, 40, 30)), cv::NORM_INF), 0.0);

  EngineOptions ro;
  ro.mode = EngineOptions::Mode::kRecover;
  ro.key = keys;
  auto recoverer = Engine::create(ro);
  ASSERT_TRUE(recoverer.ok()) << recoverer.error().message;
  auto rec = recoverer->recover_encoded(sealed->image, std::nullopt, "png");
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  EXPECT_EQ(rec->restored, 2u);
  auto back = decode_image(rec->image);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(cv::norm(back->pixels, original, cv::NORM_INF), 0.0);

  // A flipped byte in the carrier: verification fails, no image.
  std::vector<std::uint8_t> bad = sealed->image;
  auto tampered_pixels = shown->pixels.clone();
  tampered_pixels.at<cv::Vec3b>(0, 0)[0] ^= 1;
  auto re = encode_image(tampered_pixels, "png");
  ASSERT_TRUE(re.ok());
  auto bad_rec = recoverer->recover_encoded(*re, sealed->report.container, "png");
  EXPECT_FALSE(bad_rec.ok());

  // The frame path: container returned, the sealed frame recovers to the original.
  cv::Mat frame = original.clone();
  auto fr = engine->protect_frame(frame);
  ASSERT_TRUE(fr.ok()) << fr.error().message;
  ASSERT_FALSE(fr->container.empty());
  auto frame_png = encode_image(frame, "png");
  ASSERT_TRUE(frame_png.ok());
  auto rec2 = recoverer->recover_encoded(*frame_png, fr->container, "png");
  ASSERT_TRUE(rec2.ok()) << rec2.error().message;
  auto back2 = decode_image(rec2->image);
  ASSERT_TRUE(back2.ok());
  EXPECT_EQ(cv::norm(back2->pixels, original, cv::NORM_INF), 0.0);
}

// Keys in memory (EngineKeys) instead of files: the same seal round trip; a wrong keyset fails;
// file and memory keys together, and a recipient key on a recover engine, are refused.
TEST(EngineTest, InMemoryKeysSealAndRecover) {
  TempDir dir;
  const std::string regions = write_regions(dir);
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  auto keyset = std::make_shared<const Keyset>(std::move(*ks));
  EngineKeys keys;
  keys.keyset = keyset;
  auto engine = Engine::create(base_options(regions, "seal"), keys);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  const cv::Mat original = random_image(120, 160, CV_8UC3, 11);
  auto png = encode_image(original, "png");
  ASSERT_TRUE(png.ok());
  auto sealed = engine->protect_encoded(*png, "png", "mem.png");
  ASSERT_TRUE(sealed.ok()) << sealed.error().message;
  EXPECT_EQ(sealed->report.actions.size(), 2u);

  EngineOptions ro;
  ro.mode = EngineOptions::Mode::kRecover;
  auto recoverer = Engine::create(ro, keys);
  ASSERT_TRUE(recoverer.ok()) << recoverer.error().message;
  auto rec = recoverer->recover_encoded(sealed->image, std::nullopt, "png");
  ASSERT_TRUE(rec.ok()) << rec.error().message;
  auto back = decode_image(rec->image);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(cv::norm(back->pixels, original, cv::NORM_INF), 0.0);

  auto other = Keyset::generate();
  ASSERT_TRUE(other.ok());
  EngineKeys wrong;
  wrong.keyset = std::make_shared<const Keyset>(std::move(*other));
  auto wrong_rec = Engine::create(ro, wrong);
  ASSERT_TRUE(wrong_rec.ok());
  EXPECT_FALSE(wrong_rec->recover_encoded(sealed->image, std::nullopt, "png").ok());

  EngineOptions both = base_options(regions, "seal");
  both.key = dir.file("k.json");
  EXPECT_FALSE(Engine::create(both, keys).ok());
  auto pair = Keyset::generate();
  ASSERT_TRUE(pair.ok());
  auto pub = pair->add_recipient();
  ASSERT_TRUE(pub.ok());
  EngineKeys recipient;
  recipient.recipient = *pub;
  EXPECT_FALSE(Engine::create(ro, recipient).ok());
  auto to_recipient = Engine::create(base_options(regions, "seal"), recipient);
  ASSERT_TRUE(to_recipient.ok()) << to_recipient.error().message;
  EXPECT_TRUE(to_recipient->protect_encoded(*png, "png", "mem.png").ok());
  EXPECT_FALSE(Engine::create(base_options(regions, "blur"), keys).ok());  // keys without a seal method
}

// A frame sealed in place and restored in place (recover_frame): bit-exact; container indices
// name the sealed actions; a tampered container leaves the frame untouched.
TEST(EngineTest, RecoverFrameInPlace) {
  TempDir dir;
  const std::string regions = write_regions(dir);
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  EngineKeys keys{std::make_shared<const Keyset>(std::move(*ks)), std::nullopt};
  auto engine = Engine::create(base_options(regions, "seal"), keys);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  const cv::Mat original = random_image(120, 160, CV_8UC3, 12);
  cv::Mat frame = original.clone();
  const uchar* buffer = frame.data;
  auto rep = engine->protect_frame(frame);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(frame.data, buffer);
  ASSERT_EQ(rep->actions.size(), 2u);
  ASSERT_EQ(rep->container_index.size(), 2u);
  EXPECT_EQ(std::set<std::int32_t>(rep->container_index.begin(), rep->container_index.end()), (std::set<std::int32_t>{0, 1}));
  EXPECT_GT(cv::norm(frame, original, cv::NORM_INF), 0.0);

  std::vector<std::uint8_t> bad = rep->container;
  bad[bad.size() / 2] ^= 1;
  const cv::Mat sealed = frame.clone();
  EXPECT_FALSE(engine->recover_frame(frame, bad).ok());
  EXPECT_EQ(cv::norm(frame, sealed, cv::NORM_INF), 0.0);
  ASSERT_TRUE(engine->recover_frame(frame, rep->container).ok());
  EXPECT_EQ(frame.data, buffer);
  EXPECT_EQ(cv::norm(frame, original, cv::NORM_INF), 0.0);

  // A recipient-key engine seals but cannot recover.
  auto pair = Keyset::generate();
  ASSERT_TRUE(pair.ok());
  auto pub = pair->add_recipient();
  ASSERT_TRUE(pub.ok());
  auto camera = Engine::create(base_options(regions, "seal"), EngineKeys{nullptr, *pub});
  ASSERT_TRUE(camera.ok());
  cv::Mat f2 = original.clone();
  auto r2 = camera->protect_frame(f2);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(camera->recover_frame(f2, r2->container).error().code, ErrorCode::kInvalidArgument);
}

void expect_field_error(const nlohmann::json& j, const std::string& field) {
  auto o = EngineOptions::from_json(j);
  ASSERT_FALSE(o.ok()) << j.dump();
  EXPECT_EQ(o.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(o.error().message.find("options." + field), std::string::npos) << o.error().message;
}

TEST(EngineTest, BadOptionsJsonNamesTheField) {
  expect_field_error({{"quality", 0}}, "quality");
  expect_field_error({{"quality", "high"}}, "quality");
  expect_field_error({{"jobs", -1}}, "jobs");
  expect_field_error({{"bogus", 1}}, "bogus");
  expect_field_error({{"kinds", "face"}}, "kinds");
  expect_field_error({{"kinds", {"face", 3}}}, "kinds");
  expect_field_error({{"codec", "vp9"}}, "codec");
  expect_field_error({{"placeholder", "glitter"}}, "placeholder");
  expect_field_error({{"color", {1, 2}}}, "color");
  expect_field_error({{"mask_scale", 20.0}}, "mask_scale");
  expect_field_error({{"feather", "soft"}}, "feather");
  expect_field_error({{"sidecar", 1}}, "sidecar");
  expect_field_error({{"mode", "destroy"}}, "mode");
  expect_field_error({{"policy", 3}}, "policy");
  expect_field_error({{"crf", 99}}, "crf");
  expect_field_error({{"threshold", 2.0}}, "threshold");
  expect_field_error({{"threshold", 1e300}}, "threshold");  // out of float range: no conversion
  expect_field_error({{"detect_size", 1LL << 40}}, "detect_size");
  EXPECT_FALSE(EngineOptions::from_json(nlohmann::json::array()).ok());
  auto text = EngineOptions::from_json_text("{\"quality\": ");
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message.find("not valid JSON"), std::string::npos);
}

TEST(EngineTest, OptionsJsonRoundTrip) {
  auto o = EngineOptions::from_json({{"method", "pixelate"}, {"kinds", {"face"}}, {"cells", 6}, {"quality", 80},
                                     {"color", {1, 2, 3}}, {"policy", {{"shape", "ellipse"}}}, {"mode", "protect"}});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->method, "pixelate");
  EXPECT_EQ(*o->cells, 6);
  EXPECT_EQ(o->quality, 80);
  auto again = EngineOptions::from_json(o->to_json());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->to_json(), o->to_json());
}

TEST(EngineTest, CreateValidatesUpFront) {
  TempDir dir;
  const std::string regions = write_regions(dir);
  auto bad_method = Engine::create(base_options(regions, "smudge"));
  ASSERT_FALSE(bad_method.ok());
  EXPECT_NE(bad_method.error().message.find("smudge"), std::string::npos);
  auto no_key = Engine::create(base_options(regions, "seal"));
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.error().message.find("exactly one of"), std::string::npos) << no_key.error().message;
  EngineOptions stray = base_options(regions, "blur");
  stray.sidecar = true;
  EXPECT_FALSE(Engine::create(stray).ok());
  EngineOptions missing = base_options(dir.file("nope.json"), "blur");
  auto bad_detector = Engine::create(missing);
  EXPECT_FALSE(bad_detector.ok());
  EngineOptions inline_policy = base_options(regions, "");
  inline_policy.policy = nlohmann::json{{"method", "wobble"}};
  auto bad_policy = Engine::create(inline_policy);
  ASSERT_FALSE(bad_policy.ok());
  EXPECT_NE(bad_policy.error().message.find("wobble"), std::string::npos) << bad_policy.error().message;
}

TEST(EngineTest, ConcurrentProtectFrameMatchesSequential) {
  TempDir dir;
  auto engine = Engine::create(base_options(write_regions(dir), "blur"));
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  constexpr int kFrames = 8;
  std::vector<cv::Mat> inputs, sequential;
  for (int i = 0; i < kFrames; ++i) {
    inputs.push_back(random_image(120, 160, CV_8UC3, 100 + static_cast<std::uint64_t>(i)));
    cv::Mat m = inputs.back().clone();
    ASSERT_TRUE(engine->protect_frame(m).ok());
    sequential.push_back(m);
  }
  std::vector<cv::Mat> parallel(kFrames);
  std::vector<int> failures(2, 0);
  auto work = [&](int t) {
    for (int i = t; i < kFrames; i += 2) {
      for (int rep = 0; rep < 5; ++rep) {
        cv::Mat m = inputs[static_cast<std::size_t>(i)].clone();
        if (!engine->protect_frame(m).ok()) ++failures[static_cast<std::size_t>(t)];
        parallel[static_cast<std::size_t>(i)] = m;
      }
    }
  };
  std::thread a(work, 0), b(work, 1);
  a.join();
  b.join();
  EXPECT_EQ(failures[0] + failures[1], 0);
  for (int i = 0; i < kFrames; ++i) {
    EXPECT_EQ(cv::norm(parallel[static_cast<std::size_t>(i)], sequential[static_cast<std::size_t>(i)], cv::NORM_INF), 0.0) << i;
    EXPECT_GT(cv::norm(sequential[static_cast<std::size_t>(i)], inputs[static_cast<std::size_t>(i)], cv::NORM_INF), 0.0);
  }
}

TEST(EngineTest, ProtectPathsCancelledWritesNothing) {
  TempDir dir;
  const std::string regions = write_regions(dir);
  std::filesystem::create_directories(dir.path() / "in");
  for (int i = 0; i < 3; ++i) {
    auto png = encode_image(random_image(120, 160, CV_8UC3, static_cast<std::uint64_t>(i)), "png");
    ASSERT_TRUE(png.ok());
    ASSERT_TRUE(write_file_atomic(dir.file("in/" + std::to_string(i) + ".png"), *png).ok());
  }
  EngineOptions o = base_options(regions, "pixelate");
  o.jobs = 2;
  auto engine = Engine::create(o);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  JobControl cancel;
  cancel.cancelled = [] { return true; };
  auto rep = engine->protect_paths({dir.file("in")}, dir.file("out"), false, cancel);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->ok, 0u);
  for (const auto& f : rep->files) {
    EXPECT_FALSE(f.status.ok());
    EXPECT_FALSE(std::filesystem::exists(f.output)) << f.output;
  }
  // Progress arrives in order from two workers: 1, 2, 3 (the last call is the total).
  std::vector<std::int64_t> seen;
  JobControl count;
  count.on_progress = [&](std::int64_t done, std::int64_t total) {
    EXPECT_EQ(total, 3);
    seen.push_back(done);
  };
  auto ok = engine->protect_paths({dir.file("in")}, dir.file("out2"), false, count);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->ok, 3u);
  EXPECT_EQ(ok->protected_count, 6u);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_TRUE(std::filesystem::exists(dir.file("out2/1.png")));
  // The output is the input: refused before any work.
  auto same = engine->protect_paths({dir.file("in/0.png")}, dir.file("in/0.png"), false);
  ASSERT_FALSE(same.ok());
  EXPECT_NE(same.error().message.find("is the input"), std::string::npos);
}

}  // namespace engine_test
}  // namespace
}  // namespace shroud
