// Fleet tests against a real nats-server (JetStream, file storage): cameras publish, `shroud
// worker` processes protect, the collector reassembles. Outputs are compared BYTE FOR BYTE with
// the single-process Engine::protect_encoded result on the same bytes (pixelate on manual
// regions is deterministic). Skipped with a message when nats-server is not installed.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <chrono>
#include <csignal>
#include <thread>

#include "cli_util.h"
#include "fleet/camera.h"
#include "fleet/collector.h"
#include "fleet/kv_bucket.h"
#include "fleet/nats_client.h"
#include "fleet/video_assembler.h"
#include "fleet/wire.h"
#include "fleet_harness.h"
#include "shroud/engine.h"
#include "shroud/image_io.h"
#include "shroud/keys.h"
#include "shroud/recovery_track.h"
#include "test_util.h"

namespace shroud::testing {
namespace {
namespace fleet_test {  // one namespace per file: unity builds batch the tests

using namespace std::chrono_literals;

// libnats keeps threads and global state until it is closed: close it after the last test so
// LeakSanitizer (the ASan build) sees a clean exit.
class NatsLibrary : public ::testing::Environment {
 public:
  void TearDown() override { fleet::close_nats_library(); }
};
[[maybe_unused]] ::testing::Environment* const kNatsLibrary = ::testing::AddGlobalTestEnvironment(new NatsLibrary);

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_nats_server().empty()) GTEST_SKIP() << "nats-server not installed (apt-get install nats-server)";
    server_ = std::make_unique<NatsServer>(tmp_.path() / "nats");
    ASSERT_TRUE(server_->start()) << "nats-server did not start; log: " << read_text(server_->log());
    regions_ = tmp_.file("regions.json");
    write_text(regions_, R"({"regions": [{"kind": "face", "box": [64, 48, 200, 160]}]})");
  }

  // Runs an offloading camera over `dir` for `camera`: every frame is sealed to the worker
  // pool's recipient key, whose keyset is saved at `keyset_path` for the workers.
  Result<fleet::CameraReport> run_offload_camera(const std::string& dir, const std::string& camera,
                                                 const std::string& keyset_path) {
    auto ks = Keyset::generate();
    if (!ks.ok()) return ks.error();
    auto pool = ks->add_recipient();
    if (!pool.ok()) return pool.error();
    SHROUD_RETURN_IF_ERROR(save_keyset(*ks, keyset_path, false));
    fleet::CameraOptions c;
    c.url = server_->url();
    c.camera = camera;
    c.input = dir;
    c.mode = fleet::CameraOptions::Mode::kOffload;
    c.recipient = *pool;
    return fleet::run_camera(c);
  }

  // `n` frames 640x480 (gradient, shapes, mild noise; seeded) as JPEG files in `dir`.
  std::vector<std::string> make_frames(const std::string& dir, int n, int corrupt = -1) {
    std::filesystem::create_directories(dir);
    std::vector<std::string> files;
    for (int i = 0; i < n; ++i) {
      cv::Mat m(480, 640, CV_8UC3);
      for (int y = 0; y < m.rows; ++y) {
        for (int x = 0; x < m.cols; ++x) m.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 255 / 640, y * 255 / 480, (x + y + 7 * i) % 256);
      }
      cv::RNG rng(100 + i);
      for (int k = 0; k < 6; ++k) {
        cv::circle(m, {rng.uniform(0, 640), rng.uniform(0, 480)}, rng.uniform(10, 80),
                   cv::Scalar(rng.uniform(0, 256), rng.uniform(0, 256), rng.uniform(0, 256)), -1);
      }
      cv::Mat noise(m.size(), m.type());
      rng.fill(noise, cv::RNG::UNIFORM, 0, 12);
      m += noise;
      char name[32];
      std::snprintf(name, sizeof name, "f%03d.jpg", i);
      const std::string path = dir + "/" + name;
      std::vector<std::uint8_t> bytes;
      cv::imencode(".jpg", m, bytes, {cv::IMWRITE_JPEG_QUALITY, 90});
      if (i == corrupt) bytes.resize(600);   // a JPEG cut short: header, no scan data
      write_text(path, std::string(bytes.begin(), bytes.end()));
      files.push_back(path);
    }
    return files;
  }

  EngineOptions engine_options() const {
    EngineOptions o;
    o.detector = "manual:" + regions_;
    o.method = "pixelate";
    o.jobs = 1;
    return o;
  }

  // The single-process result for each frame file.
  std::vector<std::vector<std::uint8_t>> expected(const std::vector<std::string>& files) {
    auto engine = Engine::create(engine_options());
    EXPECT_TRUE(engine.ok()) << engine.error().message;
    std::vector<std::vector<std::uint8_t>> out;
    for (const auto& f : files) {
      auto bytes = read_file(f);
      auto r = engine->protect_encoded(*bytes, "jpeg", std::filesystem::path(f).filename().string());
      out.push_back(r.ok() ? r->image : std::vector<std::uint8_t>());
    }
    return out;
  }

  Child worker(const std::string& tag, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {shroud_bin(), "worker", "--nats", server_->url(), "-d", "manual:" + regions_,
                                     "-m", "pixelate", "--ack-wait", "2", "--idle-exit", "20"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return Child(argv, tmp_.file("worker-" + tag + ".log"));
  }

  fleet::CameraReport publish(const std::string& camera, const std::string& dir) {
    fleet::CameraOptions c;
    c.url = server_->url();
    c.camera = camera;
    c.input = dir;
    auto r = fleet::run_camera(c);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : fleet::CameraReport{};
  }

  fleet::CollectReport collect(const std::string& camera, int frames, const std::string& out) {
    fleet::CollectOptions c;
    c.url = server_->url();
    c.camera = camera;
    c.output_dir = out;
    c.frames = frames;
    c.idle_exit_ms = 25000;   // bound: a broken fleet fails the test instead of hanging it
    auto r = fleet::run_collect(c);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : fleet::CollectReport{};
  }

  std::uint64_t stored(const std::string& subject) {
    auto nc = fleet::NatsClient::connect(server_->url());
    if (!nc.ok()) return 0;
    auto n = nc->subject_count(fleet::kOutStream, subject);
    return n.ok() ? *n : 0;
  }

  // Every frame written, equal to the single-process result, and stored exactly once.
  void expect_exact(const std::string& camera, const fleet::CollectReport& rep,
                    const std::vector<std::vector<std::uint8_t>>& want, const std::string& out) {
    EXPECT_EQ(rep.written, static_cast<std::int64_t>(want.size()));
    EXPECT_EQ(rep.duplicates, 0);
    EXPECT_TRUE(rep.gaps.empty());
    EXPECT_TRUE(rep.dead.empty());
    EXPECT_EQ(stored(fleet::protected_subject(camera)), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "frame-%06zu.jpg", i);
      const std::string got = read_text(std::filesystem::path(out) / name);
      EXPECT_TRUE(!want[i].empty() && got == std::string(want[i].begin(), want[i].end())) << "frame " << i;
    }
  }

  // Waits until `n` protected frames of `camera` are stored (bounded).
  bool wait_stored(const std::string& camera, std::uint64_t n, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (stored(fleet::protected_subject(camera)) >= n) return true;
      std::this_thread::sleep_for(2ms);
    }
    return false;
  }

  TempDir tmp_;
  std::unique_ptr<NatsServer> server_;
  std::string regions_;
};

TEST_F(FleetTest, TwoWorkersGiveExactlyNFramesEqualToSingleProcess) {
  const auto files = make_frames(tmp_.file("in"), 20);
  const auto want = expected(files);
  EXPECT_EQ(publish("cam1", tmp_.file("in")).frames, 20);
  // Publishing the same frames again stores nothing new (message ids <camera>-<index>).
  EXPECT_EQ(publish("cam1", tmp_.file("in")).duplicates, 20);
  Child a = worker("a", {"--batch", "2"}), b = worker("b", {"--batch", "2"});
  const auto rep = collect("cam1", 20, tmp_.file("out"));
  expect_exact("cam1", rep, want, tmp_.file("out"));
  // Workers carry the camera's Shroud-Sent to the result: one latency per frame, none negative.
  EXPECT_EQ(rep.latency_ms.size(), 20u);
  for (double l : rep.latency_ms) EXPECT_GE(l, 0.0);
  // SIGTERM: a graceful stop, exit 0 (once both run: a worker still starting may have done no work).
  for (const char* log : {"worker-a.log", "worker-b.log"}) {
    const auto end = std::chrono::steady_clock::now() + 15s;
    while (read_text(tmp_.file(log)).find("worker ready") == std::string::npos && std::chrono::steady_clock::now() < end) {
      std::this_thread::sleep_for(10ms);
    }
  }
  a.signal(SIGTERM);
  b.signal(SIGTERM);
  EXPECT_EQ(a.wait(10s), 0) << read_text(tmp_.file("worker-a.log"));
  EXPECT_EQ(b.wait(10s), 0) << read_text(tmp_.file("worker-b.log"));
}

TEST_F(FleetTest, KilledWorkerLosesNothingAndDuplicatesNothing) {
  const int n = 40;
  const auto files = make_frames(tmp_.file("in"), n);
  const auto want = expected(files);
  publish("cam1", tmp_.file("in"));
  // Worker A takes the whole queue in one batch and is killed after its first result: the
  // rest of its batch (fetched, not acknowledged) must come back to B after the ack wait.
  Child a = worker("a", {"--batch", "40"});
  ASSERT_TRUE(wait_stored("cam1", 1, 15s));
  a.signal(SIGKILL);
  EXPECT_EQ(a.wait(5s), 128 + SIGKILL);
  const std::uint64_t at_kill = stored(fleet::protected_subject("cam1"));
  EXPECT_LT(at_kill, static_cast<std::uint64_t>(n)) << "worker A finished before it was killed";
  Child b = worker("b", {"--batch", "4"});
  const auto rep = collect("cam1", n, tmp_.file("out"));
  expect_exact("cam1", rep, want, tmp_.file("out"));
}

TEST_F(FleetTest, ServerRestartLosesNoAcknowledgedFrame) {
  const int n = 30;
  const auto files = make_frames(tmp_.file("in"), n);
  const auto want = expected(files);
  EXPECT_EQ(publish("cam1", tmp_.file("in")).frames, n);   // every frame acknowledged by JetStream
  Child a = worker("a", {"--batch", "1"});
  ASSERT_TRUE(wait_stored("cam1", 3, 15s));
  server_->kill9();                        // mid-run, no clean shutdown
  ASSERT_TRUE(server_->start()) << read_text(server_->log());
  const auto rep = collect("cam1", n, tmp_.file("out"));
  expect_exact("cam1", rep, want, tmp_.file("out"));
}

TEST_F(FleetTest, CorruptJpegGoesToDeadLetterAndTheRestFlowOn) {
  const int n = 12, bad = 5;
  const auto files = make_frames(tmp_.file("in"), n, bad);
  const auto want = expected(files);
  publish("cam1", tmp_.file("in"));
  Child a = worker("a"), b = worker("b");
  const auto rep = collect("cam1", n, tmp_.file("out"));
  EXPECT_EQ(rep.written, n - 1);
  EXPECT_TRUE(rep.gaps.empty());
  ASSERT_EQ(rep.dead.size(), 1u);
  EXPECT_EQ(rep.dead[0].index, bad);
  EXPECT_EQ(rep.dead[0].name, "f005.jpg");
  EXPECT_NE(rep.dead[0].error.find("JPEG"), std::string::npos) << rep.dead[0].error;   // the decoder's error
  EXPECT_EQ(stored(fleet::dead_subject("cam1")), 1u);
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "frame-%06d.jpg", i);
    const auto path = std::filesystem::path(tmp_.file("out")) / name;
    if (i == bad) {
      EXPECT_FALSE(std::filesystem::exists(path));
    } else {
      EXPECT_EQ(read_text(path), std::string(want[i].begin(), want[i].end())) << "frame " << i;
    }
  }
}

TEST_F(FleetTest, OffloadFramesAreSealedOnTheWireAndOpenedByTheWorkers) {
  const auto files = make_frames(tmp_.file("in"), 4);
  const auto want = expected(files);
  auto cr = run_offload_camera(tmp_.file("in"), "cam2", tmp_.file("pool.keyset"));
  ASSERT_TRUE(cr.ok()) << cr.error().message;
  // What the broker holds is not the frame: no JPEG marker, 48 bytes of box overhead + binding.
  {
    auto nc = fleet::NatsClient::connect(server_->url());
    ASSERT_TRUE(nc.ok());
    ASSERT_TRUE(nc->ensure_consumer({fleet::kFramesStream, "peek", "shroud.frames.cam2", 30000, 1, 8}).ok());
    auto sub = nc->pull_subscribe(fleet::kFramesStream, "peek", "shroud.frames.cam2");
    ASSERT_TRUE(sub.ok());
    auto msgs = sub->fetch(1, 2000);
    ASSERT_TRUE(msgs.ok());
    ASSERT_EQ(msgs->size(), 1u);
    const auto d = (*msgs)[0].data();
    const std::string raw = read_text(files[0]);
    EXPECT_GT(d.size(), raw.size() + 48);
    EXPECT_EQ(std::string(d.begin(), d.end()).find(raw.substr(0, 64)), std::string::npos);
    EXPECT_EQ((*msgs)[0].header(fleet::kHeaderSealed), "box/1");
    EXPECT_EQ((*msgs)[0].header(fleet::kHeaderName), "");   // file names stay on the camera
    ASSERT_TRUE((*msgs)[0].nak(0).ok());
    // Consumers of a work-queue stream may not overlap: remove the peek before the workers.
    msgs->clear();
    *sub = fleet::PullSubscription(nullptr, nullptr);
    ASSERT_TRUE(nc->delete_consumer(fleet::kFramesStream, "peek").ok());
  }
  Child a = worker("a", {"--open-key", tmp_.file("pool.keyset")});
  const auto rep = collect("cam2", 4, tmp_.file("out"));
  expect_exact("cam2", rep, want, tmp_.file("out"));
}

TEST_F(FleetTest, OnDeviceCameraPublishesProtectedFramesAndDeadLetters) {
  const int n = 6, bad = 2;
  const auto files = make_frames(tmp_.file("in"), n, bad);
  const auto want = expected(files);
  auto engine = Engine::create(engine_options());
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  fleet::CameraOptions c;
  c.url = server_->url();
  c.camera = "cam4";
  c.input = tmp_.file("in");
  c.mode = fleet::CameraOptions::Mode::kProtect;
  c.engine = &*engine;
  auto cr = fleet::run_camera(c);
  ASSERT_TRUE(cr.ok()) << cr.error().message;
  EXPECT_EQ(cr->failed, 1);
  // No worker: the camera's own results go straight to the output stream.
  const auto rep = collect("cam4", n, tmp_.file("out"));
  EXPECT_EQ(rep.written, n - 1);
  ASSERT_EQ(rep.dead.size(), 1u);
  EXPECT_EQ(rep.dead[0].index, bad);
  for (int i = 0; i < n; ++i) {
    if (i == bad) continue;
    char name[32];
    std::snprintf(name, sizeof name, "frame-%06d.jpg", i);
    EXPECT_EQ(read_text(std::filesystem::path(tmp_.file("out")) / name), std::string(want[i].begin(), want[i].end())) << i;
  }
}

TEST_F(FleetTest, FrameOverMaxPayloadIsRefusedWithAClearError) {
  std::filesystem::create_directories(tmp_.file("big"));
  cv::Mat noise = random_image(800, 800, CV_8UC3, 7);   // ~1.9 MB as PNG; max_payload is 1MB
  ASSERT_TRUE(cv::imwrite(tmp_.file("big/f000.png"), noise));
  fleet::CameraOptions c;
  c.url = server_->url();
  c.camera = "cam3";
  c.input = tmp_.file("big");
  auto r = fleet::run_camera(c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kResourceLimit);
  EXPECT_NE(r.error().message.find("max_payload"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("f000.png"), std::string::npos) << r.error().message;
  // The CLI: a clear error and a non-zero exit.
  const auto cli = run_shroud({"camera", "--nats", server_->url(), "--camera", "cam3", tmp_.file("big")});
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_NE(cli.output.find("max_payload"), std::string::npos) << cli.output;
}

TEST_F(FleetTest, KeyValueBucketRoundTripsBinaryValuesAcrossARestart) {
  std::vector<std::uint8_t> value(40000);
  for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<std::uint8_t>((i * 131 + 7) % 256);
  {
    auto nc = fleet::NatsClient::connect(server_->url());
    ASSERT_TRUE(nc.ok());
    auto kv = fleet::KvBucket::open(*nc, "shroud-test", 65536);
    ASSERT_TRUE(kv.ok()) << kv.error().message;
    auto r1 = kv->put("cams/gate1", value);
    ASSERT_TRUE(r1.ok()) << r1.error().message;
    value[0] ^= 1;
    auto r2 = kv->put("cams/gate1", value);
    ASSERT_TRUE(r2.ok());
    EXPECT_GT(*r2, *r1);
    auto missing = kv->get("cams/none");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(kv->put("bad key", value).error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(kv->put("big", std::vector<std::uint8_t>(70000)).error().code, ErrorCode::kResourceLimit);
  }
  server_->kill9();
  ASSERT_TRUE(server_->start());
  auto nc = fleet::NatsClient::connect(server_->url());
  ASSERT_TRUE(nc.ok());
  auto kv = fleet::KvBucket::open(*nc, "shroud-test");
  ASSERT_TRUE(kv.ok()) << kv.error().message;
  auto got = kv->get("cams/gate1");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, value);   // the latest revision, byte for byte, from file storage
}

// Every frame of a video (OpenCV/FFmpeg), BGR.
std::vector<cv::Mat> video_frames(const std::string& path) {
  std::vector<cv::Mat> out;
  cv::VideoCapture cap(path, cv::CAP_FFMPEG);
  cv::Mat m;
  while (cap.isOpened() && cap.read(m) && !m.empty()) out.push_back(m.clone());
  return out;
}

using shroud::testing::mats_equal;

// The single-process reference: what `shroud recover` restores from one protected frame.
cv::Mat recovered_reference(const Engine& recover, const std::vector<std::uint8_t>& protected_frame) {
  auto r = recover.recover_encoded(protected_frame, std::nullopt, "png");
  EXPECT_TRUE(r.ok()) << r.error().message;
  if (!r.ok()) return {};
  auto img = decode_image(r->image);
  return img.ok() ? img->pixels : cv::Mat();
}

TEST_F(FleetTest, SealedFramesThroughTwoWorkersCollectIntoAVideoThatRecoversExactly) {
  const int n = 8, bad = 5;   // frame 5 is a cut JPEG: a dead letter, a gap in the video
  const auto files = make_frames(tmp_.file("in"), n, bad);
  // The camera seals whole frames to the pool's key (offload).
  auto cr = run_offload_camera(tmp_.file("in"), "cam5", tmp_.file("k.keyset"));
  ASSERT_TRUE(cr.ok()) << cr.error().message;
  EXPECT_EQ(cr->frames, n);
  auto seal_worker = [&](const std::string& tag) {
    return Child({shroud_bin(), "worker", "--nats", server_->url(), "--open-key", tmp_.file("k.keyset"), "-d",
                  "manual:" + regions_, "-m", "seal", "--key", tmp_.file("k.keyset"), "--batch", "2", "--ack-wait", "2",
                  "--idle-exit", "20"},
                 tmp_.file("worker-" + tag + ".log"));
  };
  Child a = seal_worker("a"), b = seal_worker("b");
  fleet::CollectOptions c;
  c.url = server_->url();
  c.camera = "cam5";
  c.frames = n;
  c.idle_exit_ms = 25000;
  fleet::VideoCollectOptions v;
  v.path = tmp_.file("out.mkv");
  v.codec = "ffv1";
  auto loaded = load_keyset(tmp_.file("k.keyset"));
  ASSERT_TRUE(loaded.ok());
  v.keyset = std::make_shared<const Keyset>(std::move(*loaded));
  c.video = v;
  auto rep = fleet::run_collect(c);
  ASSERT_TRUE(rep.ok()) << rep.error().message << "\n" << read_text(tmp_.file("worker-a.log"));
  ASSERT_TRUE(rep->video.has_value());
  EXPECT_EQ(rep->written, n - 1);
  ASSERT_EQ(rep->dead.size(), 1u);
  EXPECT_EQ(rep->dead[0].index, bad);
  EXPECT_EQ(rep->video->frames, n);
  EXPECT_EQ(rep->video->repeated, std::vector<std::int64_t>{bad});
  EXPECT_EQ(rep->video->sealed_frames, n - 1);
  EXPECT_GE(rep->video->sealed_regions, static_cast<std::uint64_t>(n));
  EXPECT_TRUE(std::filesystem::exists(tmp_.file("out.mkv.shroudv")));

  // The video has n frames and shows no original pixels in the sealed rectangle.
  const auto shown = video_frames(tmp_.file("out.mkv"));
  ASSERT_EQ(shown.size(), static_cast<std::size_t>(n));
  const cv::Rect face(64, 48, 200, 160);
  // The key holder restores every frame exactly as single-process recovery of each frame does.
  const auto r = run_shroud({"recover", tmp_.file("out.mkv"), "-o", tmp_.file("rec.mkv"), "--key", tmp_.file("k.keyset")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto rec = video_frames(tmp_.file("rec.mkv"));
  ASSERT_EQ(rec.size(), static_cast<std::size_t>(n));
  EngineOptions so = engine_options();
  so.method = "seal";
  so.key = tmp_.file("k.keyset");
  auto sealer = Engine::create(so);
  ASSERT_TRUE(sealer.ok()) << sealer.error().message;
  EngineOptions ro;
  ro.mode = EngineOptions::Mode::kRecover;
  ro.key = tmp_.file("k.keyset");
  auto recoverer = Engine::create(ro);
  ASSERT_TRUE(recoverer.ok()) << recoverer.error().message;
  for (int i = 0; i < n; ++i) {
    const int src = i == bad ? bad - 1 : i;   // the gap repeats the previous frame
    auto bytes = read_file(files[src]);
    ASSERT_TRUE(bytes.ok());
    auto prot = sealer->protect_encoded(*bytes, "jpeg", std::filesystem::path(files[src]).filename().string());
    ASSERT_TRUE(prot.ok()) << prot.error().message;
    const cv::Mat want = recovered_reference(*recoverer, prot->image);
    EXPECT_TRUE(mats_equal(rec[i], want)) << "frame " << i;
    EXPECT_FALSE(mats_equal(shown[i](face), want(face))) << "frame " << i << " shows the original face";
    // Outside the sealed area the video is the protected frame itself. The area is the sealed
    // rectangles (the face box grown by the policy's mask scale), grown to whole JPEG blocks when the worker sealed JPEG coefficients (blocks and
    // chroma upsampling around the rectangle decode differently in the original).
    auto shown_prot = decode_image(prot->image);
    ASSERT_TRUE(shown_prot.ok());
    cv::Mat diff, any;
    cv::absdiff(shown[i], shown_prot->pixels, diff);
    cv::cvtColor(diff, any, cv::COLOR_BGR2GRAY);
    const cv::Rect changed = cv::boundingRect(any);
    ASSERT_FALSE(prot->report.actions.empty());
    cv::Rect sealed = prot->report.actions[0].rect;
    for (const auto& act : prot->report.actions) sealed |= act.rect;
    const cv::Rect cover(sealed.x - 16, sealed.y - 16, sealed.width + 32, sealed.height + 32);
    EXPECT_EQ(changed & cover, changed) << "frame " << i << ": " << changed;
    EXPECT_GT(changed.area(), 0);
  }
}

// Reordering without a broker: frames given out of order within the window come out in order;
// a frame missing while more than the window wait is a gap (repeat), and arrives late.
TEST(FleetVideo, ReordersWithinTheWindowAndRepeatsGaps) {
  TempDir tmp;
  std::vector<std::vector<std::uint8_t>> frames;
  for (int i = 0; i < 6; ++i) {
    cv::Mat m(64, 96, CV_8UC3, cv::Scalar(40 * i, 255 - 40 * i, 7 * i));
    auto png = encode_image(m, "png");
    ASSERT_TRUE(png.ok());
    frames.push_back(*png);
  }
  fleet::VideoCollectOptions v;
  v.path = tmp.file("o.mkv");
  v.codec = "ffv1";
  v.reorder_window = 2;
  auto as = fleet::VideoAssembler::create(v);
  ASSERT_TRUE(as.ok()) << as.error().message;
  // 1 and 2 wait for 0; 3 makes three waiting (> 2): 0 is declared missing (nothing to repeat
  // yet: skipped), then 1 2 3 are written. 0 arriving now is late. 5 waits for 4, which is dead.
  for (int i : {2, 1, 3, 0, 5}) ASSERT_TRUE((*as)->add(i, frames[i]).ok());
  ASSERT_TRUE((*as)->missing(4).ok());
  auto rep = (*as)->finish(7);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->skipped, std::vector<std::int64_t>{0});
  EXPECT_EQ(rep->late, std::vector<std::int64_t>{0});
  EXPECT_EQ(rep->repeated, (std::vector<std::int64_t>{4, 6}));
  EXPECT_EQ(rep->max_buffered, 3);
  EXPECT_TRUE(rep->track.empty());
  const auto got = video_frames(tmp.file("o.mkv"));
  ASSERT_EQ(got.size(), 6u);   // 1 2 3 3(4) 5 5(6)
  const int want[] = {1, 2, 3, 3, 5, 5};
  for (int i = 0; i < 6; ++i) {
    auto d = decode_image(frames[want[i]]);
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(mats_equal(got[i], d->pixels)) << i;
  }
  // No frame at all: an error and no file.
  fleet::VideoCollectOptions e = v;
  e.path = tmp.file("empty.mkv");
  auto none = fleet::VideoAssembler::create(e);
  ASSERT_TRUE(none.ok());
  ASSERT_TRUE((*none)->missing(0).ok());
  EXPECT_FALSE((*none)->finish(3).ok());
  EXPECT_FALSE(std::filesystem::exists(tmp.file("empty.mkv")));
  // An existing output is refused before anything is collected.
  EXPECT_FALSE(fleet::VideoAssembler::create(v).ok());
  // One frame index far ahead (a bad header) is refused, not filled with a billion repeats.
  fleet::VideoCollectOptions far = v;
  far.path = tmp.file("far.mkv");
  far.max_gap = 100;
  auto fa = fleet::VideoAssembler::create(far);
  ASSERT_TRUE(fa.ok());
  ASSERT_TRUE((*fa)->add(0, frames[0]).ok());
  ASSERT_TRUE((*fa)->add(1000000000, frames[1]).ok());
  ASSERT_TRUE((*fa)->add(1, frames[1]).ok());
  auto frep = (*fa)->finish(2);
  ASSERT_TRUE(frep.ok()) << frep.error().message;
  ASSERT_EQ(frep->unusable.size(), 1u);
  EXPECT_EQ(frep->unusable[0].index, 1000000000);
  EXPECT_NE(frep->unusable[0].error.find("--max-gap"), std::string::npos) << frep->unusable[0].error;
  EXPECT_EQ(frep->frames, 2);
  EXPECT_TRUE(frep->repeated.empty());
  far.max_gap = 0;
  EXPECT_FALSE(fleet::VideoAssembler::create(far).ok());
}

// Sealed frames without a broker: with the keyset a track is written and `shroud recover`
// restores each frame as per-frame recovery does; a frame of another size is unusable (a gap);
// without the keyset the video has no track and says so.
TEST(FleetVideo, SealedFramesGiveATrackOnlyWithTheKey) {
  TempDir tmp;
  write_text(tmp.file("regions.json"), R"({"regions": [{"kind": "face", "box": [16, 8, 40, 30]}]})");
  auto ks = Keyset::generate();
  ASSERT_TRUE(ks.ok());
  ASSERT_TRUE(save_keyset(*ks, tmp.file("k.keyset"), false).ok());
  EngineOptions so;
  so.detector = "manual:" + tmp.file("regions.json");
  so.method = "seal";
  so.key = tmp.file("k.keyset");
  so.jobs = 1;
  auto sealer = Engine::create(so);
  ASSERT_TRUE(sealer.ok()) << sealer.error().message;
  EngineOptions ro;
  ro.mode = EngineOptions::Mode::kRecover;
  ro.key = tmp.file("k.keyset");
  auto recoverer = Engine::create(ro);
  ASSERT_TRUE(recoverer.ok());
  std::vector<std::vector<std::uint8_t>> prot;
  for (int i = 0; i < 4; ++i) {
    cv::Mat m(72, 96, CV_8UC3);
    cv::randu(m, cv::Scalar::all(0), cv::Scalar::all(255));
    if (i == 2) m = cv::Mat(80, 96, CV_8UC3, cv::Scalar(1, 2, 3));   // another size: unusable
    auto png = encode_image(m, "png");
    ASSERT_TRUE(png.ok());
    auto p = sealer->protect_encoded(*png, "png", "f.png");
    ASSERT_TRUE(p.ok()) << p.error().message;
    prot.push_back(p->image);
  }
  auto loaded = load_keyset(tmp.file("k.keyset"));
  ASSERT_TRUE(loaded.ok());
  for (bool with_key : {true, false}) {
    fleet::VideoCollectOptions v;
    v.path = tmp.file(with_key ? "k.mkv" : "nok.mkv");
    v.codec = "ffv1";
    if (with_key) v.keyset = std::make_shared<const Keyset>(std::move(*loaded));
    auto as = fleet::VideoAssembler::create(v);
    ASSERT_TRUE(as.ok()) << as.error().message;
    for (int i : {1, 0, 3, 2}) ASSERT_TRUE((*as)->add(i, prot[i]).ok());
    auto rep = (*as)->finish(-1);
    ASSERT_TRUE(rep.ok()) << rep.error().message;
    EXPECT_EQ(rep->frames, 4);
    EXPECT_EQ(rep->repeated, std::vector<std::int64_t>{2});
    ASSERT_EQ(rep->unusable.size(), 1u);
    EXPECT_EQ(rep->unusable[0].index, 2);
    EXPECT_NE(rep->unusable[0].error.find("size"), std::string::npos) << rep->unusable[0].error;
    EXPECT_EQ(rep->sealed_frames, 3);
    EXPECT_EQ(rep->sealed_without_key, !with_key);
    EXPECT_EQ(std::filesystem::exists(v.path + ".shroudv"), with_key);
    if (!with_key) {
      EXPECT_TRUE(rep->track.empty());
      continue;
    }
    const auto r = run_shroud({"recover", v.path, "-o", tmp.file("rec.mkv"), "--key", tmp.file("k.keyset")});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto rec = video_frames(tmp.file("rec.mkv"));
    ASSERT_EQ(rec.size(), 4u);
    const int src[] = {0, 1, 1, 3};
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(mats_equal(rec[i], recovered_reference(*recoverer, prot[src[i]]))) << i;
  }
}

// CLI: the video options need a video output.
TEST(FleetVideo, KeyWithAFolderOutputIsRefused) {
  TempDir tmp;
  const auto r = run_shroud({"collect", "--nats", "nats://127.0.0.1:1", "--camera", "c", "-o", tmp.file("dir"), "--key", "k"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("video output"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(tmp.file("dir")));
}

TEST(FleetWire, CameraIdsAreOneSubjectToken) {
  EXPECT_TRUE(fleet::check_camera_id("gate-3_A").ok());
  for (const char* bad : {"", "a.b", "a*", "a>", "a b", "x/y"}) EXPECT_FALSE(fleet::check_camera_id(bad).ok()) << bad;
  EXPECT_FALSE(fleet::check_camera_id(std::string(65, 'a')).ok());
  EXPECT_EQ(fleet::frame_msg_id("cam1", 42), "cam1-42");
  EXPECT_FALSE(fleet::parse_frame_index("-1").ok());
  EXPECT_FALSE(fleet::parse_frame_index("12x").ok());
  EXPECT_EQ(*fleet::parse_frame_index("17"), 17);
}

}  // namespace fleet_test
}  // namespace
}  // namespace shroud::testing
