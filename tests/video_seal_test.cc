// Reversible video (--method seal): the recovery track restores every frame's region pixels
// exactly as decoded from the input; tampering (flipped bytes, dropped, swapped, duplicated or
// truncated records, appended junk) and wrong keys fail with no output left.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>
#include <sstream>

#include "cli_util.h"
#include "shroud/engine.h"
#include "shroud/recovery_track.h"
#include "shroud/video_io.h"
#include "test_util.h"
#include "track_records.h"

namespace shroud {
namespace {
namespace video_seal_test {  // one namespace per file: unity builds batch the tests

using namespace shroud::testing;

constexpr int kW = 128, kH = 96, kFrames = 24, kFps = 12;

// A synthetic MPEG-4 clip (lossy: the decoded pixels are what recovery must reproduce).
std::string make_input(const TempDir& dir) {
  VideoWriterOptions o;
  o.path = dir.file("in.avi");
  o.size = cv::Size(kW, kH);
  o.fps = kFps;
  o.codec = "mpeg4";
  auto w = VideoWriter::open(o);
  EXPECT_TRUE(w.ok()) << w.error().message;
  for (int i = 0; i < kFrames; ++i) {
    cv::Mat f = random_image(kH, kW, CV_8UC3, 100 + i);
    cv::circle(f, cv::Point(20 + 3 * i, 40), 15, cv::Scalar(40, 200, 90), -1);
    EXPECT_TRUE((*w)->write(f).ok());
  }
  EXPECT_TRUE((*w)->finish().ok());
  return o.path;
}

std::vector<cv::Mat> decode(const std::string& path, double* fps = nullptr) {
  auto r = VideoReader::open(path);
  EXPECT_TRUE(r.ok()) << path << ": " << r.error().message;
  std::vector<cv::Mat> out;
  if (!r.ok()) return out;
  if (fps != nullptr) *fps = (*r)->info().fps;
  for (;;) {
    auto f = (*r)->read();
    if (!f.ok() || f->empty()) break;
    out.push_back(f->clone());
  }
  return out;
}

// Per frame: the rectangles that were protected (from --regions-json).
std::vector<std::vector<cv::Rect>> protected_rects(const std::string& jsonl) {
  std::vector<std::vector<cv::Rect>> out;
  std::istringstream in(read_text(jsonl));
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    std::vector<cv::Rect> rects;
    for (const auto& p : j["protected"]) {
      const auto b = p["box"].get<std::vector<int>>();
      rects.emplace_back(b[0], b[1], b[2], b[3]);
    }
    out.push_back(rects);
  }
  return out;
}

std::string slurp(const std::string& path) { return read_text(path); }

class VideoSeal : public ::testing::Test {
 protected:
  void SetUp() override {
    in_ = make_input(dir_);
    keys_ = dir_.file("keys.json");
    ASSERT_EQ(run_shroud({"-q", "keygen", keys_}).exit_code, 0);
    regions_ = dir_.file("regions.json");
    // Two overlapping regions: restoring in reverse order must still be exact.
    write_text(regions_, R"({"regions":[{"kind":"face","box":[10,8,40,36]},{"kind":"plate","box":[30,20,50,30]}]})");
  }

  RunResult protect(const std::string& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"-q", "protect", in_, "-o", out, "-d", "manual:" + regions_, "--method", "seal",
                                     "--key", keys_, "--mask-scale", "1", "--regions-json", out + ".jsonl"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_shroud(args);
  }

  TempDir dir_;
  std::string in_, keys_, regions_;

  // Protects with `extra` flags, checks the track's version byte, recovers through the CLI and
  // checks every region exact and everything else equal to the visible video.
  void round_trip(const std::string& name, std::vector<std::string> extra, int version);
};

TEST_F(VideoSeal, RoundTripRestoresRegionsExactly) { round_trip("default", {}, 3); }

// `--track-format 1|2|3` picks the track version; each recovers bit-exactly with today's reader.
TEST_F(VideoSeal, TrackFormatOptionWritesThatVersionAndRecovers) {
  round_trip("v1", {"--track-format", "1"}, 1);
  round_trip("v2", {"--track-format", "2"}, 2);
  round_trip("v3", {"--track-format", "3"}, 3);
  const std::uint64_t v1 = std::filesystem::file_size(dir_.file("v1.mp4.shroudv"));
  const std::uint64_t v3 = std::filesystem::file_size(dir_.file("v3.mp4.shroudv"));
  EXPECT_LT(v3, v1);  // random pixels with a moving disc: compressed records are smaller than raw
}

TEST_F(VideoSeal, InvalidTrackFormatFailsWithNoOutput) {
  for (const char* bad : {"0", "4", "x"}) {
    const std::string out = dir_.file(std::string("bad") + bad + ".mp4");
    auto p = protect(out, {"--track-format", bad});
    EXPECT_NE(p.exit_code, 0) << bad;
    EXPECT_NE(p.output.find("--track-format"), std::string::npos) << p.output;
    EXPECT_FALSE(std::filesystem::exists(out)) << bad;
    EXPECT_FALSE(std::filesystem::exists(out + ".shroudv")) << bad;
  }
  // The library/JSON path checks the same range.
  auto o = EngineOptions::from_json(nlohmann::json{{"track_format", 0}});
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.error().message.find("track_format"), std::string::npos) << o.error().message;
  o = EngineOptions::from_json(nlohmann::json{{"track_format", 1}});
  ASSERT_TRUE(o.ok()) << o.error().message;
  EXPECT_EQ(o->track_format, 1);
  EXPECT_EQ(o->to_json()["track_format"], 1);
}

void VideoSeal::round_trip(const std::string& name, std::vector<std::string> extra, int version) {
  SCOPED_TRACE(name);
  const std::string out = dir_.file(name + ".mp4"), rec = dir_.file(name + ".rec.mkv");
  auto p = protect(out, extra);
  ASSERT_EQ(p.exit_code, 0) << p.output;
  ASSERT_TRUE(std::filesystem::exists(out + ".shroudv"));
  const std::string track = slurp(out + ".shroudv");
  ASSERT_GT(track.size(), 8u);
  EXPECT_EQ(static_cast<int>(track[8]), version);
  auto r = run_shroud({"-q", "recover", out, "-o", rec, "--key", keys_});
  ASSERT_EQ(r.exit_code, 0) << r.output;

  double fps_in = 0, fps_rec = 0;
  const auto original = decode(in_, &fps_in), visible = decode(out), restored = decode(rec, &fps_rec);
  const auto rects = protected_rects(out + ".jsonl");
  ASSERT_EQ(original.size(), static_cast<std::size_t>(kFrames));
  ASSERT_EQ(visible.size(), original.size());
  ASSERT_EQ(restored.size(), original.size());
  ASSERT_EQ(rects.size(), original.size());
  EXPECT_DOUBLE_EQ(fps_rec, fps_in);
  for (std::size_t i = 0; i < original.size(); ++i) {
    ASSERT_EQ(rects[i].size(), 2u) << "frame " << i;
    cv::Mat mask = cv::Mat::zeros(original[i].size(), CV_8U);
    for (const cv::Rect& b : rects[i]) {
      mask(b).setTo(255);
      EXPECT_EQ(cv::norm(restored[i](b), original[i](b), cv::NORM_INF), 0.0) << "frame " << i << " region " << b;
      EXPECT_GT(cv::norm(visible[i](b), original[i](b), cv::NORM_L1) / b.area(), 20.0) << "frame " << i;
    }
    // Outside the regions: exactly what the visible video decodes to (REC is lossless).
    cv::Mat diff;
    cv::absdiff(restored[i], visible[i], diff);
    diff.setTo(0, mask);
    EXPECT_EQ(cv::norm(diff, cv::NORM_INF), 0.0) << "frame " << i;
  }
}

TEST_F(VideoSeal, PlaceholderHidesOriginalsAndTrackPathIsChosen) {
  const std::string out = dir_.file("out.mkv"), track = dir_.file("t.bin");
  auto p = protect(out, {"--codec", "ffv1", "--track", track, "--placeholder", "fill"});
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_TRUE(std::filesystem::exists(track));
  EXPECT_FALSE(std::filesystem::exists(out + ".shroudv"));
  const auto original = decode(in_), visible = decode(out);
  const auto rects = protected_rects(out + ".jsonl");
  ASSERT_EQ(visible.size(), original.size());
  for (std::size_t i = 0; i < visible.size(); ++i) {
    for (const cv::Rect& b : rects[i]) {
      EXPECT_EQ(cv::countNonZero(visible[i](b).reshape(1)), 0) << "frame " << i;  // black fill, lossless
      EXPECT_GT(cv::countNonZero(original[i](b).reshape(1)), b.area()) << "frame " << i;
    }
  }
  // Without --track the default path is looked for and missing.
  auto r = run_shroud({"-q", "recover", out, "-o", dir_.file("rec.mkv"), "--key", keys_});
  EXPECT_NE(r.exit_code, 0);
  r = run_shroud({"-q", "recover", out, "-o", dir_.file("rec.mkv"), "--key", keys_, "--track", track});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const auto restored = decode(dir_.file("rec.mkv"));
  ASSERT_EQ(restored.size(), original.size());
  for (std::size_t i = 0; i < restored.size(); ++i) {
    EXPECT_EQ(cv::norm(restored[i], original[i], cv::NORM_INF), 0.0) << "frame " << i;  // OUT was lossless too
  }
  // An existing track is not replaced without --force.
  p = protect(dir_.file("again.mkv"), {"--codec", "ffv1", "--track", track});
  EXPECT_NE(p.exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("again.mkv")));
}

TEST_F(VideoSeal, TamperedTrackFailsWithNoOutput) {
  const std::string out = dir_.file("out.mp4");
  ASSERT_EQ(protect(out).exit_code, 0);
  const std::string good = slurp(out + ".shroudv");
  const auto recs = track_records(good);
  ASSERT_EQ(recs.size(), static_cast<std::size_t>(kFrames + 1));
  ASSERT_EQ(recs.back().first + recs.back().second, good.size());
  auto rec_bytes = [&](std::size_t i) { return good.substr(recs[i].first, recs[i].second); };
  const std::string head = good.substr(0, recs[0].first);
  auto join = [&](const std::vector<std::size_t>& order) {
    std::string s = head;
    for (std::size_t i : order) s += rec_bytes(i);
    return s;
  };
  std::vector<std::size_t> all;
  for (std::size_t i = 0; i < recs.size(); ++i) all.push_back(i);
  auto flip = [&](std::size_t at) {
    std::string s = good;
    s[at] = static_cast<char>(s[at] ^ 0x01);
    return s;
  };

  std::vector<std::pair<std::string, std::string>> cases;
  cases.emplace_back("flip salt", flip(40));
  cases.emplace_back("flip header MAC", flip(recs[0].first - 1));
  cases.emplace_back("flip frame index", flip(recs[5].first + 11));
  cases.emplace_back("flip rectangle", flip(recs[5].first + kTrackRecordHeaderBytesV2 + 3));
  cases.emplace_back("flip nonce", flip(recs[5].first + 20));
  cases.emplace_back("flip body", flip(recs[5].first + recs[5].second / 2));
  cases.emplace_back("flip tag", flip(recs[5].first + recs[5].second - 1));
  cases.emplace_back("flip final count", flip(recs.back().first + 11));
  cases.emplace_back("flip final tag", flip(good.size() - 1));
  {
    auto o = all;
    o.erase(o.begin() + 5);
    cases.emplace_back("drop frame 5", join(o));
  }
  {
    auto o = all;
    std::swap(o[3], o[4]);
    cases.emplace_back("swap frames 3 and 4", join(o));
  }
  {
    auto o = all;
    o.insert(o.begin() + 4, 3);
    cases.emplace_back("duplicate frame 3", join(o));
  }
  {
    auto o = all;
    o.erase(o.end() - 2);
    cases.emplace_back("drop the last frame", join(o));
  }
  // v2 specifics: the key-frame flag and the body length are authenticated; delta records
  // (every record after 0 here: key-frames every 30) cannot be reordered across the GOP.
  cases.emplace_back("flip key-frame flag of frame 0", flip(recs[0].first + 1));
  cases.emplace_back("flip key-frame flag of frame 6", flip(recs[6].first + 1));
  {
    auto o = all;
    o.erase(o.begin());
    cases.emplace_back("drop the key-frame", join(o));
  }
  {
    auto o = all;
    std::swap(o[12], o[13]);
    cases.emplace_back("swap mid-GOP", join(o));
  }
  {
    std::string s = join(all);
    // Grow frame 8's body length by 16 (the next bucket size is larger: structure error).
    const std::size_t at = recs[8].first + 43;
    s[at] = static_cast<char>(s[at] + 16);
    cases.emplace_back("body length altered", s);
  }
  cases.emplace_back("no final record", good.substr(0, recs.back().first));
  cases.emplace_back("truncated final record", good.substr(0, good.size() - 5));
  cases.emplace_back("truncated in a frame", good.substr(0, recs[10].first + recs[10].second / 2));
  cases.emplace_back("header only", head);
  cases.emplace_back("empty", "");
  cases.emplace_back("junk appended", good + "junk");
  {
    // A record from another track sealed with the same key.
    ASSERT_EQ(protect(dir_.file("other.mp4")).exit_code, 0);
    const std::string other = slurp(dir_.file("other.mp4.shroudv"));
    const auto orecs = track_records(other);
    std::string s = head;
    for (std::size_t i = 0; i < recs.size(); ++i) {
      s += i == 7 ? other.substr(orecs[i].first, orecs[i].second) : rec_bytes(i);
    }
    cases.emplace_back("record from another track", s);
  }

  const std::string rec = dir_.file("rec.mkv");
  auto keyset = load_keyset(keys_);
  ASSERT_TRUE(keyset.ok());
  const int before = count_entries(dir_.path());
  const std::string t = dir_.file("bad.shroudv");
  for (const auto& [name, bytes] : cases) {
    write_text(t, bytes);
    VideoWriterOptions wo;
    wo.path = rec;
    auto r = recover_video(out, t, *keyset, wo);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_TRUE(r.error().code == ErrorCode::kAuthentication || r.error().code == ErrorCode::kCorrupt)
        << name << ": " << r.error().message;
    if (name.rfind("flip", 0) == 0 && name != "flip frame index") {
      EXPECT_EQ(r.error().code, ErrorCode::kAuthentication) << name << ": " << r.error().message;
    }
    EXPECT_FALSE(std::filesystem::exists(rec)) << name;
    EXPECT_EQ(count_entries(dir_.path()), before + 1) << name << ": a temporary file was left";
  }
  // Through the CLI: exit codes 6 (authentication) and 5 (corrupt), no output.
  ASSERT_EQ(cases[5].first, "flip body");
  write_text(t, cases[5].second);  // flip body
  auto r = run_shroud({"-q", "recover", out, "-o", rec, "--key", keys_, "--track", t});
  EXPECT_EQ(r.exit_code, exit_code(ErrorCode::kAuthentication)) << r.output;
  write_text(t, cases[9].second);  // drop frame 5
  ASSERT_EQ(cases[9].first, "drop frame 5");
  r = run_shroud({"-q", "recover", out, "-o", rec, "--key", keys_, "--track", t});
  EXPECT_EQ(r.exit_code, exit_code(ErrorCode::kCorrupt)) << r.output;
  EXPECT_NE(r.output.find("dropped"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(rec));
  std::filesystem::remove(t);
  // The untouched track still works.
  r = run_shroud({"-q", "recover", out, "-o", rec, "--key", keys_});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST_F(VideoSeal, WrongKeyFails) {
  const std::string out = dir_.file("out.mp4"), rec = dir_.file("rec.mkv");
  ASSERT_EQ(protect(out).exit_code, 0);
  // Another keyset: the key id is unknown.
  const std::string other = dir_.file("other.json");
  ASSERT_EQ(run_shroud({"-q", "keygen", other}).exit_code, 0);
  auto r = run_shroud({"-q", "recover", out, "-o", rec, "--key", other});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(rec));
  // Same key id, different material: authentication fails.
  auto j = nlohmann::json::parse(read_text(keys_));
  j["keys"][0]["material"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  const std::string forged = dir_.file("forged.json");
  write_text(forged, j.dump());
  ::chmod(forged.c_str(), 0600);
  r = run_shroud({"-q", "recover", out, "-o", rec, "--key", forged});
  EXPECT_EQ(r.exit_code, exit_code(ErrorCode::kAuthentication)) << r.output;
  EXPECT_FALSE(std::filesystem::exists(rec));
}

// Library level, no codec: overlapping regions, frames without regions, recipient keys,
// 1- and 4-channel frames, and scan_track().
TEST(VideoSealTrack, WriterReaderRoundTrip) {
  TempDir dir;
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  auto rk = ks->add_recipient();
  ASSERT_TRUE(rk.ok());
  for (int type : {CV_8UC3, CV_8UC1, CV_8UC4}) {
    for (bool recipient : {false, true}) {
      const std::string path = dir.file("t" + std::to_string(type) + (recipient ? "r" : "s"));
      KeySource keys;
      if (recipient) keys.recipient = &*rk;
      else keys.keyset = &*ks;
      TrackWriterOptions wo;
      wo.placeholder = Placeholder::kNoise;
      auto w = RecoveryTrackWriter::create(path, keys, wo);
      ASSERT_TRUE(w.ok()) << w.error().message;
      std::vector<cv::Mat> originals, visible;
      for (int i = 0; i < 6; ++i) {
        cv::Mat f = random_image(40, 50, type, 7 + i);
        originals.push_back(f.clone());
        std::vector<Action> actions;
        if (i != 2) {
          for (cv::Rect r : {cv::Rect(5, 5, 20, 15), cv::Rect(15, 10, 30, 25), cv::Rect(0, 0, 50, 40)}) {
            if (i % 2 == 0 && r.width == 50) continue;
            Action a;
            a.rect = r;
            a.region.box = r;
            a.method = "seal";
            actions.push_back(a);
          }
        }
        ASSERT_TRUE((*w)->protect(f, i, actions).ok());
        if (i != 2) {
          EXPECT_GT(cv::norm(f, originals.back(), cv::NORM_INF), 0.0);
        }
        visible.push_back(f);
      }
      ASSERT_TRUE((*w)->finish().ok());
      EXPECT_FALSE(std::filesystem::exists(path));  // not before commit()
      ASSERT_TRUE((*w)->commit().ok());
      EXPECT_EQ(static_cast<std::uint64_t>(std::filesystem::file_size(path)), (*w)->bytes());

      std::ifstream sin(path, std::ios::binary);
      auto scan = scan_track(sin);
      ASSERT_TRUE(scan.ok()) << scan.error().message;
      EXPECT_EQ(scan->frames, 6);
      EXPECT_EQ(scan->regions, 3u + 2 + 3 + 2 + 3);

      auto rd = RecoveryTrackReader::open(path, *ks);
      ASSERT_TRUE(rd.ok()) << rd.error().message;
      EXPECT_EQ((*rd)->info().key_mode, recipient ? KeyMode::kRecipient : KeyMode::kSymmetric);
      for (int i = 0; i < 6; ++i) {
        cv::Mat f = visible[static_cast<std::size_t>(i)].clone();
        ASSERT_TRUE((*rd)->restore_next(f).ok());
        EXPECT_EQ(cv::norm(f, originals[static_cast<std::size_t>(i)], cv::NORM_INF), 0.0) << i;
      }
      EXPECT_TRUE((*rd)->finish().ok());

      // A reader that stops early must not accept the final state.
      auto early = RecoveryTrackReader::open(path, *ks);
      ASSERT_TRUE(early.ok());
      cv::Mat f = visible[0].clone();
      ASSERT_TRUE((*early)->restore_next(f).ok());
      auto fin = (*early)->finish();
      ASSERT_FALSE(fin.ok());
      EXPECT_EQ(fin.error().code, ErrorCode::kCorrupt);
      // A frame of the wrong size is refused.
      auto wrong = RecoveryTrackReader::open(path, *ks);
      ASSERT_TRUE(wrong.ok());
      cv::Mat small(10, 10, type, cv::Scalar::all(0));
      EXPECT_FALSE((*wrong)->restore_next(small).ok());
    }
  }
}

TEST(VideoSealTrack, WriterDestroyedWithoutCommitLeavesNothing) {
  TempDir dir;
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  KeySource keys;
  keys.keyset = &*ks;
  {
    auto w = RecoveryTrackWriter::create(dir.file("t.shroudv"), keys);
    ASSERT_TRUE(w.ok());
    cv::Mat f = random_image(20, 20, CV_8UC3);
    ASSERT_TRUE((*w)->protect(f, 0, {}).ok());
    EXPECT_FALSE((*w)->protect(f, 2, {}).ok());  // out of order
  }
  EXPECT_EQ(count_entries(dir.path()), 0);
}

TEST(VideoSealTrack, ParserRejectsOversizedCounts) {
  // A header with a huge frame size, then a record claiming 2^32-1 regions: rejected before allocating.
  std::string t(kTrackHeaderFixedBytes + 32, '\0');
  std::memcpy(t.data(), "shRdVtrk", 8);
  t[8] = 1;
  t[9] = 1;
  auto put32 = [&](std::size_t o, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) t[o + i] = static_cast<char>(v >> (24 - 8 * i));
  };
  put32(64, 64);
  put32(68, 64);
  t[72] = 3;
  t[73] = 8;
  std::string rec(kTrackRecordHeaderBytes, '\0');
  rec[0] = 1;
  rec[12] = rec[13] = rec[14] = rec[15] = '\xff';
  std::istringstream in(t + rec);
  auto s = scan_track(in);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kResourceLimit);
  put32(64, 1u << 30);
  std::istringstream in2(t);
  s = scan_track(in2);
  ASSERT_FALSE(s.ok());
}

}  // namespace video_seal_test
}  // namespace
}  // namespace shroud
