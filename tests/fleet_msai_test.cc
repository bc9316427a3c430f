// MSAI's three parties as services (src/fleet/msai_parties.h) against a real nats-server: the
// data centre and the cloud run as `shroud msai-fleet` processes, the camera as the CLI too.
// Checks: the data centre restores every frame BIT-EXACTLY for an authorised requester and
// refuses others; nothing the cloud holds contains the sensitive area's pixels (no row of it in
// the stored bytes, no 8x8 block of it in the visible image), the cloud's copy of tau in the
// bucket is sealed; a malformed message goes to the dead-letter subject and the cloud carries on.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <chrono>
#include <csignal>
#include <thread>

#include "cli_util.h"
#include "fleet/frame_box.h"
#include "fleet/kv_bucket.h"
#include "fleet/msai_parties.h"
#include "fleet/nats_client.h"
#include "fleet/wire.h"
#include "fleet_harness.h"
#include "shroud/image_io.h"
#include "shroud/keys.h"
#include "test_util.h"

namespace shroud::testing {
namespace {
namespace fleet_msai_test {  // one namespace per file: unity builds batch the tests

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const cv::Rect kArea(40, 32, 48, 40);   // 8-aligned: its 8x8 blocks are whole scramble blocks

struct Party {
  Keyset keyset;
  std::uint32_t id = 0;
  std::string keyset_path, pub_path;
};

Party make_party(const TempDir& tmp, const std::string& name) {
  auto ks = Keyset::generate();
  EXPECT_TRUE(ks.ok());
  auto pub = ks->add_recipient();
  EXPECT_TRUE(pub.ok());
  Party p{std::move(*ks), pub->id, tmp.file(name + ".keyset"), tmp.file(name + ".pub")};
  EXPECT_TRUE(save_keyset(p.keyset, p.keyset_path, false).ok());
  write_text(p.pub_path, recipient_key_to_json(*pub));
  return p;
}

bool contains(const std::vector<std::uint8_t>& hay, const std::uint8_t* needle, std::size_t n) {
  return std::search(hay.begin(), hay.end(), needle, needle + n) != hay.end();
}

class FleetMsaiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (find_nats_server().empty()) GTEST_SKIP() << "nats-server not installed (apt-get install nats-server)";
    server_ = std::make_unique<NatsServer>(tmp_.path() / "nats");
    ASSERT_TRUE(server_->start()) << "nats-server did not start; log: " << read_text(server_->log());
  }

  Child party(const std::string& tag, std::vector<std::string> args) {
    std::vector<std::string> argv = {shroud_bin(), "msai-fleet"};
    argv.insert(argv.end(), args.begin(), args.end());
    return Child(argv, tmp_.file(tag + ".log"));
  }

  std::vector<fs::path> stored_files() const {
    std::vector<fs::path> out;
    std::error_code ec;
    if (!fs::exists(tmp_.path() / "cloud", ec)) return out;
    // The cloud renames temporary files while this runs: error codes, never exceptions.
    for (auto it = fs::recursive_directory_iterator(tmp_.path() / "cloud", ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      std::error_code e2;
      if (it->is_regular_file(e2) && it->path().extension() == ".msai") out.push_back(it->path());
    }
    return out;
  }

  bool wait_stored(std::size_t n, std::chrono::milliseconds timeout) const {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (stored_files().size() < n && std::chrono::steady_clock::now() < end) std::this_thread::sleep_for(20ms);
    return stored_files().size() >= n;
  }

  TempDir tmp_;
  std::unique_ptr<NatsServer> server_;
};

TEST_F(FleetMsaiTest, CloudNeverSeesTheAreaAndTheDataCentreRestoresBitExactly) {
  const int n = 4;
  fs::create_directories(tmp_.path() / "frames");
  std::vector<cv::Mat> originals;
  for (int i = 0; i < n; ++i) {
    originals.push_back(random_image(120, 160, CV_8UC3, 500 + i));   // noise: every 8x8 block unique
    char name[32];
    std::snprintf(name, sizeof name, "f%03d.png", i);
    auto png = encode_image(originals.back(), "png");
    ASSERT_TRUE(png.ok());
    write_text(tmp_.path() / "frames" / name, std::string(png->begin(), png->end()));
  }
  Party cam = make_party(tmp_, "cam"), auditor = make_party(tmp_, "auditor"), stranger = make_party(tmp_, "stranger");
  const std::string url = server_->url();

  // The camera runs first: its frames wait in the work queue until the cloud consumes them.
  Child dc = party("dc", {"datacenter", "--nats", url, "--state", tmp_.file("dc"), "--camera", "cam1=" + cam.pub_path,
                          "--authorize", auditor.pub_path, "--idle-exit", "60"});
  Child camera = party("camera", {"camera", "--nats", url, "--camera", "cam1", "--keyset", cam.keyset_path, "--region",
                                  "40,32,48,40", tmp_.file("frames")});
  ASSERT_EQ(camera.wait(60s), 0) << read_text(tmp_.file("camera.log")) << read_text(tmp_.file("dc.log"));
  Child cloud = party("cloud", {"cloud", "--nats", url, "--store", tmp_.file("cloud"), "--idle-exit", "60"});
  ASSERT_TRUE(wait_stored(n, 30s)) << read_text(tmp_.file("cloud.log"));

  // Everything the cloud holds: no row of any frame's sensitive area in the stored bytes, no 8x8
  // block of it anywhere in the (decoded) visible image; the rest of the frame is scrambled.
  const auto files = stored_files();
  ASSERT_EQ(files.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    char name[40];
    std::snprintf(name, sizeof name, "frame-%012d.msai", i);
    auto bytes = read_file((tmp_.path() / "cloud" / "cam1" / name).string());
    ASSERT_TRUE(bytes.ok()) << name;
    auto mf = fleet::unpack_masked_frame(*bytes, i);
    ASSERT_TRUE(mf.ok()) << mf.error().message;
    auto visible = decode_image(mf->visible_png);
    ASSERT_TRUE(visible.ok());
    const cv::Mat& v = visible->pixels;
    ASSERT_TRUE(v.isContinuous());
    const std::vector<std::uint8_t> vbytes(v.data, v.data + v.total() * v.elemSize());
    const cv::Mat area = originals[i](kArea).clone();
    for (int y = 0; y < area.rows; ++y) {
      EXPECT_FALSE(contains(*bytes, area.ptr(y), area.cols * 3)) << "frame " << i << " area row " << y << " stored";
    }
    int blocks_checked = 0;
    for (int by = 0; by < area.rows; by += 8) {
      for (int bx = 0; bx < area.cols; bx += 8) {
        const cv::Mat block = area(cv::Rect(bx, by, 8, 8));
        for (int vy = 0; vy + 8 <= v.rows; vy += 8) {
          for (int vx = 0; vx + 8 <= v.cols; vx += 8) {
            ASSERT_GT(cv::norm(block, v(cv::Rect(vx, vy, 8, 8)), cv::NORM_INF), 0)
                << "frame " << i << ": area block (" << bx << "," << by << ") visible at (" << vx << "," << vy << ")";
          }
        }
        ++blocks_checked;
      }
    }
    EXPECT_EQ(blocks_checked, 30);
    EXPECT_GT(cv::norm(originals[i], v(cv::Rect(0, 0, 160, 120)), cv::NORM_INF), 0) << "frame " << i << " not scrambled";
  }

  // tau in the bucket is sealed to the camera: the stranger cannot open it, the camera can.
  {
    auto nc = fleet::NatsClient::connect(url);
    ASSERT_TRUE(nc.ok());
    auto kv = fleet::KvBucket::open(*nc, fleet::kMsaiBucket);
    ASSERT_TRUE(kv.ok());
    auto tau = kv->get("tau.cam1");
    ASSERT_TRUE(tau.ok()) << tau.error().message;
    EXPECT_FALSE(fleet::open_frame(*tau, stranger.keyset, stranger.id, "cam1", 0, "msai-tau").ok());
    EXPECT_TRUE(fleet::open_frame(*tau, cam.keyset, cam.id, "cam1", 0, "msai-tau").ok());
    // The data centre's state stays with it; the cloud's folder holds only masked frames.
    EXPECT_TRUE(fs::exists(tmp_.path() / "dc" / "msai.key"));
    EXPECT_TRUE(fs::exists(tmp_.path() / "dc" / "tau-cam1.json"));
  }

  // The authorised requester gets every original back, bit for bit.
  for (int i = 0; i < n; ++i) {
    auto png = fleet::msai_request_restore(url, "cam1", i, auditor.keyset, auditor.id);
    ASSERT_TRUE(png.ok()) << png.error().message << read_text(tmp_.file("dc.log"));
    auto img = decode_image(*png);
    ASSERT_TRUE(img.ok());
    ASSERT_EQ(img->pixels.size(), originals[i].size());
    ASSERT_EQ(img->pixels.type(), originals[i].type());
    EXPECT_EQ(cv::norm(img->pixels, originals[i], cv::NORM_INF), 0) << "frame " << i << " not bit-exact";
  }
  // Others are refused; a frame the cloud does not hold is an error, not a hang.
  auto refused = fleet::msai_request_restore(url, "cam1", 0, stranger.keyset, stranger.id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermission) << refused.error().message;
  auto missing = fleet::msai_request_restore(url, "cam1", 77, auditor.keyset, auditor.id);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound) << missing.error().message;
  // The CLI requester writes the PNG.
  auto r = run_shroud({"msai-fleet", "restore", "--nats", url, "--camera", "cam1", "--frame", "2", "--keyset",
                       auditor.keyset_path, "-o", tmp_.file("restored2.png")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto cli_img = read_image(tmp_.file("restored2.png"));
  ASSERT_TRUE(cli_img.ok());
  EXPECT_EQ(cv::norm(cli_img->pixels, originals[2], cv::NORM_INF), 0);

  // A malformed message: dead letter with its reason; the cloud keeps serving.
  {
    auto nc = fleet::NatsClient::connect(url);
    ASSERT_TRUE(nc.ok());
    const std::string junk = "SHRMSAF1 not a frame";
    auto pub = nc->publish(fleet::msai_masked_subject("cam1"), {reinterpret_cast<const std::uint8_t*>(junk.data()), junk.size()},
                           {{fleet::kHeaderCamera, "cam1"}, {fleet::kHeaderFrame, "9"}}, "junk-1");
    ASSERT_TRUE(pub.ok()) << pub.error().message;
    // A stored frame replayed under another camera's header: refused too.
    auto frame0 = read_file((tmp_.path() / "cloud" / "cam1" / "frame-000000000000.msai").string());
    ASSERT_TRUE(frame0.ok());
    pub = nc->publish(fleet::msai_masked_subject("cam1"), *frame0, {{fleet::kHeaderCamera, "cam9"}, {fleet::kHeaderFrame, "0"}},
                      "junk-2");
    ASSERT_TRUE(pub.ok()) << pub.error().message;
    const auto end = std::chrono::steady_clock::now() + 15s;
    std::uint64_t dead = 0;
    while (std::chrono::steady_clock::now() < end) {
      auto c = nc->subject_count(fleet::kMsaiDeadStream, fleet::msai_dead_subject("cam1"));
      if (c.ok() && (dead = *c) >= 2) break;
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(dead, 2u) << read_text(tmp_.file("cloud.log"));
    auto sub = nc->ordered_subscribe(fleet::kMsaiDeadStream, fleet::msai_dead_subject("cam1"));
    ASSERT_TRUE(sub.ok());
    auto msgs = sub->next(5000);
    ASSERT_TRUE(msgs.ok() && !msgs->empty());
    EXPECT_NE(msgs->front().header(fleet::kHeaderError).find("masked frame"), std::string::npos)
        << msgs->front().header(fleet::kHeaderError);
  }
  auto again = fleet::msai_request_restore(url, "cam1", 1, auditor.keyset, auditor.id);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(stored_files().size(), static_cast<std::size_t>(n));

  // Re-running the camera on the same frames stores nothing new (message ids msai-cam1-<index>).
  Child camera2 = party("camera2", {"camera", "--nats", url, "--camera", "cam1", "--keyset", cam.keyset_path, "--region",
                                    "40,32,48,40", tmp_.file("frames")});
  ASSERT_EQ(camera2.wait(60s), 0) << read_text(tmp_.file("camera2.log"));
  EXPECT_NE(read_text(tmp_.file("camera2.log")).find("(4 already stored"), std::string::npos) << read_text(tmp_.file("camera2.log"));

  // An unregistered camera gets no membrane.
  Party rogue = make_party(tmp_, "rogue");
  Child rogue_cam = party("rogue", {"camera", "--nats", url, "--camera", "cam2", "--keyset", rogue.keyset_path,
                                    "--region", "40,32,48,40", tmp_.file("frames")});
  EXPECT_NE(rogue_cam.wait(60s), 0);
  EXPECT_NE(read_text(tmp_.file("rogue.log")).find("not registered"), std::string::npos) << read_text(tmp_.file("rogue.log"));

  // A second data centre with another k on the same broker is refused (it would issue membranes
  // the first cannot unmask).
  Child dc2 = party("dc2", {"datacenter", "--nats", url, "--state", tmp_.file("dc2"), "--camera", "cam1=" + cam.pub_path,
                            "--idle-exit", "5"});
  EXPECT_NE(dc2.wait(30s), 0);
  EXPECT_NE(read_text(tmp_.file("dc2.log")).find("belongs to another data centre"), std::string::npos)
      << read_text(tmp_.file("dc2.log"));

  dc.signal(SIGTERM);
  cloud.signal(SIGTERM);
  EXPECT_EQ(dc.wait(10s), 0) << read_text(tmp_.file("dc.log"));
  EXPECT_EQ(cloud.wait(10s), 0) << read_text(tmp_.file("cloud.log"));
}

}  // namespace fleet_msai_test
}  // namespace
}  // namespace shroud::testing

namespace shroud::testing {
namespace {
namespace fleet_msai_test {  // one namespace per file: unity builds batch the tests

// The cloud acknowledges a frame only after its durable write: killed with -9 mid-stream and
// started again, it ends with every frame stored exactly once, each the camera's message.
TEST_F(FleetMsaiTest, KilledCloudLosesNothing) {
  const int n = 40;
  fs::create_directories(tmp_.path() / "frames");
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "f%03d.png", i);
    auto png = encode_image(random_image(240, 320, CV_8UC3, 900 + i), "png");
    ASSERT_TRUE(png.ok());
    write_text(tmp_.path() / "frames" / name, std::string(png->begin(), png->end()));
  }
  Party cam = make_party(tmp_, "cam"), auditor = make_party(tmp_, "auditor");
  const std::string url = server_->url();
  Child dc = party("dc", {"datacenter", "--nats", url, "--state", tmp_.file("dc"), "--camera", "cam1=" + cam.pub_path,
                          "--authorize", auditor.pub_path, "--idle-exit", "60"});
  Child camera = party("camera", {"camera", "--nats", url, "--camera", "cam1", "--keyset", cam.keyset_path, "--region",
                                  "40,32,48,40", tmp_.file("frames")});
  ASSERT_EQ(camera.wait(60s), 0) << read_text(tmp_.file("camera.log"));
  // Everything is queued; the cloud fetches batches of 8 and is killed after its first write.
  Child cloud = party("cloud", {"cloud", "--nats", url, "--store", tmp_.file("cloud"), "--ack-wait", "1000"});
  ASSERT_TRUE(wait_stored(1, 30s)) << read_text(tmp_.file("cloud.log"));
  cloud.signal(SIGKILL);
  EXPECT_EQ(cloud.wait(5s), 128 + SIGKILL);
  const std::size_t at_kill = stored_files().size();
  EXPECT_LT(at_kill, static_cast<std::size_t>(n)) << "the cloud finished before it was killed";
  Child cloud2 = party("cloud2", {"cloud", "--nats", url, "--store", tmp_.file("cloud"), "--ack-wait", "1000"});
  ASSERT_TRUE(wait_stored(n, 30s)) << read_text(tmp_.file("cloud2.log"));
  // Nothing left in the work queue once every frame is acknowledged.
  auto nc = fleet::NatsClient::connect(url);
  ASSERT_TRUE(nc.ok());
  const auto end = std::chrono::steady_clock::now() + 15s;
  std::uint64_t left = 1;
  while (std::chrono::steady_clock::now() < end) {
    auto c = nc->subject_count(fleet::kMsaiStream, fleet::msai_masked_subject("cam1"));
    if (c.ok() && (left = *c) == 0) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(left, 0u);
  const auto files = stored_files();
  EXPECT_EQ(files.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    char name[40];
    std::snprintf(name, sizeof name, "frame-%012d.msai", i);
    auto bytes = read_file((tmp_.path() / "cloud" / "cam1" / name).string());
    ASSERT_TRUE(bytes.ok()) << name;
    EXPECT_TRUE(fleet::unpack_masked_frame(*bytes, i).ok()) << name;
  }
  // And the data centre restores one that was in flight at the kill, bit-exactly.
  auto png = fleet::msai_request_restore(url, "cam1", n - 1, auditor.keyset, auditor.id);
  ASSERT_TRUE(png.ok()) << png.error().message;
  auto img = decode_image(*png);
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(cv::norm(img->pixels, random_image(240, 320, CV_8UC3, 900 + n - 1), cv::NORM_INF), 0);
  cloud2.signal(SIGTERM);
  dc.signal(SIGTERM);
  EXPECT_EQ(cloud2.wait(10s), 0);
  EXPECT_EQ(dc.wait(10s), 0);
}

}  // namespace fleet_msai_test
}  // namespace
}  // namespace shroud::testing

namespace shroud::testing {
namespace {
namespace fleet_msai_test {  // one namespace per file: unity builds batch the tests

// The masked-frame framing refuses every malformed body with kCorrupt before using it.
TEST(FleetMsaiWire, UnpackRefusesMalformedFrames) {
  const cv::Mat image = random_image(32, 48, CV_8UC3, 7);
  auto key = schemes::msai_generate_key(schemes::MsaiScheme::kLossless);
  ASSERT_TRUE(key.ok());
  auto membrane = schemes::msai_cloud_membrane(*key, 8, 16, 3);
  auto tau = schemes::msai_generate_tau();
  ASSERT_TRUE(membrane.ok() && tau.ok());
  auto out = schemes::msai_camera_protect(image, cv::Rect(8, 8, 16, 8), *membrane, *tau, 5);
  ASSERT_TRUE(out.ok()) << out.error().message;
  auto png = encode_image(out->visible, "png");
  ASSERT_TRUE(png.ok());
  const auto body = fleet::pack_masked_frame(*png, schemes::serialize_payload(out->payload));
  auto good = fleet::unpack_masked_frame(body, 5);
  ASSERT_TRUE(good.ok()) << good.error().message;
  EXPECT_EQ(good->visible_png, *png);
  auto back = schemes::msai_datacenter_recover(decode_image(good->visible_png)->pixels, good->payload, *key, *tau);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(cv::norm(*back, image, cv::NORM_INF), 0);

  auto corrupt = [](std::vector<std::uint8_t> b, std::int64_t index) {
    auto r = fleet::unpack_masked_frame(b, index);
    return !r.ok() && r.error().code == ErrorCode::kCorrupt;
  };
  EXPECT_TRUE(corrupt(body, 6));                                    // another frame's payload
  EXPECT_TRUE(corrupt({}, 5));                                      // empty
  EXPECT_TRUE(corrupt({body.begin(), body.begin() + 15}, 5));       // shorter than the header
  auto bad_magic = body;
  bad_magic[0] ^= 1;
  EXPECT_TRUE(corrupt(bad_magic, 5));
  auto huge_len = body;
  huge_len[15] = 0x7f;                                              // image length past the end
  EXPECT_TRUE(corrupt(huge_len, 5));
  auto zero_len = body;
  std::fill(zero_len.begin() + 8, zero_len.begin() + 16, 0);
  EXPECT_TRUE(corrupt(zero_len, 5));
  EXPECT_TRUE(corrupt({body.begin(), body.end() - 9}, 5));          // payload cut short
  for (std::size_t cut = 16; cut < body.size(); cut += body.size() / 40 + 1) {
    EXPECT_FALSE(fleet::unpack_masked_frame(std::span<const std::uint8_t>(body.data(), cut), 5).ok()) << cut;
  }
}

}  // namespace fleet_msai_test
}  // namespace
}  // namespace shroud::testing
