// Async video jobs of `shroud serve` (src/service/jobs.cc) through a real server process:
// submit (202), progress to done, result and per-frame regions, cancel, the bounded queue
// (503 + Retry-After), tenant isolation, bad requests, and jobs surviving a restart.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include "service_harness.h"
#include "shroud/region.h"

namespace shroud::testing {
namespace {
namespace service_jobs_test {  // one namespace per file: unity builds batch the tests

using json = nlohmann::json;

bool have_ffmpeg() { return std::system("ffmpeg -version > /dev/null 2>&1") == 0; }

// An H.264 test clip of `frames` frames at 25 fps.
std::string make_clip(const std::filesystem::path& dir, const std::string& name, int frames, const std::string& size = "160x120") {
  const std::string path = (dir / name).string();
  const std::string cmd = "ffmpeg -v error -y -f lavfi -i testsrc=size=" + size + ":rate=25 -frames:v " + std::to_string(frames) +
                          " -c:v libx264 -preset ultrafast -pix_fmt yuv420p " + shell_quote(path);
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return read_text(path);
}

std::vector<cv::Mat> read_frames(const std::string& path) {
  std::vector<cv::Mat> out;
  cv::VideoCapture cap(path, cv::CAP_FFMPEG);
  cv::Mat f;
  while (cap.read(f)) out.push_back(f.clone());
  return out;
}

json get_json(ServiceProcess& svc, const std::string& token, const std::string& path, int* status = nullptr) {
  auto res = svc.client().Get(path, ServiceProcess::bearer(token));
  if (status) *status = res ? res->status : 0;
  if (!res) return json();
  return json::parse(res->body, nullptr, false);
}

// Polls the job until `pred` holds for its record, or `seconds` pass.
json wait_job(ServiceProcess& svc, const std::string& token, const std::string& id, const std::function<bool(const json&)>& pred,
              int seconds = 60) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  json j;
  while (std::chrono::steady_clock::now() < deadline) {
    j = get_json(svc, token, "/v1/jobs/" + id);
    if (j.is_object() && pred(j)) return j;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "job " << id << " did not reach the expected state in " << seconds << " s: " << j.dump();
  return j;
}

std::string submit(ServiceProcess& svc, const std::string& token, const std::string& clip, const std::string& query = "?method=pixelate") {
  auto res = svc.client().Post("/v1/jobs/video" + query, ServiceProcess::bearer(token), clip, "video/mp4");
  if (!res || res->status != 202) {
    ADD_FAILURE() << "submit: " << (res ? std::to_string(res->status) + " " + res->body : "no response");
    return "";
  }
  EXPECT_EQ(res->get_header_value("Location").rfind("/v1/jobs/", 0), 0u);
  return json::parse(res->body)["id"].get<std::string>();
}

#define JOBS_START(svc, ...)                                             \
  if (!have_ffmpeg()) GTEST_SKIP() << "ffmpeg is not installed (scripts/setup installs it)"; \
  ServiceProcess svc(false, {__VA_ARGS__});                              \
  if (::testing::Test::HasFailure()) return;                             \
  ASSERT_TRUE(svc.start())

TEST(ServiceJobs, AVideoJobRunsToDoneWithProgressResultFramesAndAudit) {
  JOBS_START(svc);
  const std::string token = svc.token("acme", {"protect", "review"});
  const std::string clip = make_clip(svc.dir(), "in.mp4", 40);
  const std::string id = submit(svc, token, clip, "?method=fill");
  ASSERT_EQ(id.size(), 32u);
  const json done = wait_job(svc, token, id, [](const json& j) { return j["state"] != "queued" && j["state"] != "running"; });
  ASSERT_EQ(done["state"], "done") << done.dump();
  EXPECT_EQ(done["frames_done"], 40);
  EXPECT_EQ(done["frames_total"], 40);
  EXPECT_EQ(done["frames"], 40);
  EXPECT_FALSE(done.contains("input")) << "the server-side path is not shown";
  const std::string item = done["item"];

  // The result is the protected clip: the zone (face at rel 0.25,0.25,0.3,0.4) is pixelated,
  // the rest of the frame is the source (up to the codec).
  auto res = svc.client().Get("/v1/jobs/" + id + "/result", ServiceProcess::bearer(token));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "video/mp4");
  EXPECT_EQ(res->get_header_value("X-Shroud-Item"), item);
  write_text(svc.dir() / "out.mp4", res->body);
  const auto in_frames = read_frames((svc.dir() / "in.mp4").string());
  const auto out_frames = read_frames((svc.dir() / "out.mp4").string());
  ASSERT_EQ(in_frames.size(), 40u);
  ASSERT_EQ(out_frames.size(), 40u);
  // The zone is filled black (up to the codec); outside both zones the frame is the source's.
  const cv::Rect zone(40, 30, 48, 48);      // well inside the face zone (160x120: x 40..88, y 30..78)
  const cv::Rect outside(120, 0, 40, 30);   // away from both zones
  for (int f : {5, 20, 35}) {
    EXPECT_LT(cv::mean(out_frames[f](zone))[1], 8.0) << "frame " << f;
    EXPECT_GT(cv::mean(in_frames[f](zone))[1], 40.0) << "frame " << f;
    EXPECT_LT(std::abs(cv::mean(out_frames[f](outside))[1] - cv::mean(in_frames[f](outside))[1]), 6.0) << "frame " << f;
  }

  // The same bytes are the stored item (review scope), and the per-frame regions are JSON.
  auto as_item = svc.client().Get("/v1/items/" + item, ServiceProcess::bearer(token));
  ASSERT_TRUE(as_item);
  EXPECT_EQ(as_item->body, res->body);
  int st = 0;
  const json frames = get_json(svc, token, "/v1/jobs/" + id + "/frames", &st);
  ASSERT_EQ(st, 200);
  ASSERT_EQ(frames["frames"].size(), 40u);
  EXPECT_NEAR(frames["fps"].get<double>(), 25.0, 0.01);
  EXPECT_EQ(frames["frames"][0]["frame"], 0);
  ASSERT_FALSE(frames["frames"][20]["regions"].empty());
  EXPECT_EQ(frames["frames"][20]["regions"][0]["method"], "fill");

  // One audit entry, naming the job.
  const RunResult audit = run_shroud({"audit", "list", "--data", svc.data().string(), "--item", item, "--json"});
  EXPECT_EQ(audit.exit_code, 0) << audit.output;
  EXPECT_NE(audit.output.find("\"job\":\"" + id + "\""), std::string::npos) << audit.output;
  EXPECT_EQ(run_shroud({"audit", "verify", "--data", svc.data().string()}).exit_code, 0);
  // The uploaded original is deleted once the job ends.
  EXPECT_FALSE(std::filesystem::exists(svc.data() / "jobs" / id / "input.mp4"));
  EXPECT_FALSE(std::filesystem::exists(svc.data() / "jobs" / id / "output.mp4"));
}

TEST(ServiceJobs, CancelStopsAJobAndLeavesNoResult) {
  JOBS_START(svc, "--video-workers", "1");
  const std::string token = svc.token("acme", {"protect"});
  const std::string clip = make_clip(svc.dir(), "long.mp4", 400, "320x240");
  const std::string id = submit(svc, token, clip);
  ASSERT_FALSE(id.empty());
  // Cancel once it is running (some frames done), so the running path is the one tested.
  wait_job(svc, token, id, [](const json& j) { return j["state"] == "running" && j["frames_done"].get<int>() > 0; }, 30);
  auto del = svc.client().Delete("/v1/jobs/" + id, ServiceProcess::bearer(token));
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 202) << del->body;
  const json end = wait_job(svc, token, id, [](const json& j) { return j["state"] == "cancelled" || j["state"] == "done" || j["state"] == "failed"; });
  EXPECT_EQ(end["state"], "cancelled") << end.dump();
  EXPECT_LT(end["frames_done"].get<int>(), 400);
  EXPECT_FALSE(end.contains("item"));
  auto result = svc.client().Get("/v1/jobs/" + id + "/result", ServiceProcess::bearer(token));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 409);
  auto again = svc.client().Delete("/v1/jobs/" + id, ServiceProcess::bearer(token));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409);
  EXPECT_FALSE(std::filesystem::exists(svc.data() / "jobs" / id / "input.mp4"));
  EXPECT_FALSE(std::filesystem::exists(svc.data() / "jobs" / id / "output.mp4"));
}

TEST(ServiceJobs, AFullQueueAnswers503WithRetryAfterAndQueuedJobsCancel) {
  JOBS_START(svc, "--video-workers", "1", "--video-queue", "1");
  const std::string token = svc.token("acme", {"protect"});
  const std::string clip = make_clip(svc.dir(), "long.mp4", 400, "320x240");
  const std::string running = submit(svc, token, clip);
  wait_job(svc, token, running, [](const json& j) { return j["state"] == "running"; }, 30);
  const std::string queued = submit(svc, token, clip);
  ASSERT_FALSE(queued.empty());
  auto full = svc.client().Post("/v1/jobs/video", ServiceProcess::bearer(token), clip, "video/mp4");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->status, 503) << full->body;
  EXPECT_EQ(full->get_header_value("Retry-After"), "5");
  EXPECT_NE(full->body.find("\"overloaded\""), std::string::npos) << full->body;
  // A queued job is cancelled at once; the running one when the engine next polls.
  auto del = svc.client().Delete("/v1/jobs/" + queued, ServiceProcess::bearer(token));
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 202);
  EXPECT_EQ(get_json(svc, token, "/v1/jobs/" + queued)["state"], "cancelled");
  auto del2 = svc.client().Delete("/v1/jobs/" + running, ServiceProcess::bearer(token));
  ASSERT_TRUE(del2);
  wait_job(svc, token, running, [](const json& j) { return j["state"] == "cancelled"; }, 30);
}

TEST(ServiceJobs, AReRenderProtectsExactlyTheReviewedFramesWithThePipelinesTracker) {
  JOBS_START(svc);
  const std::string token = svc.token("acme", {"protect"});
  const std::string clip = make_clip(svc.dir(), "in.mp4", 30);
  const std::string first = submit(svc, token, clip, "?method=fill");
  ASSERT_EQ(wait_job(svc, token, first, [](const json& j) { return j["state"] == "done" || j["state"] == "failed"; })["state"], "done");
  json frames = get_json(svc, token, "/v1/jobs/" + first + "/frames");
  ASSERT_EQ(frames["frames"].size(), 30u);
  ASSERT_FALSE(frames["frames"][12]["regions"].empty());
  // The reviewer deletes the zone's track everywhere and adds a box on frame 10 only; the
  // pipeline's tracker holds it `hold` = 4 more frames (10..14), not before 10, not after 14.
  const cv::Rect added(100, 8, 40, 28);
  for (auto& f : frames["frames"]) f["regions"] = json::array();
  frames["frames"][10]["regions"].push_back({{"kind", "custom"}, {"box", {added.x, added.y, added.width, added.height}}, {"track", -1}});
  const std::string text = frames.dump();
  httplib::Headers h = ServiceProcess::bearer(token);
  h.emplace("X-Shroud-Regions-Length", std::to_string(text.size()));
  auto res = svc.client().Post("/v1/jobs/video?method=fill&hold=4", h, text + clip, "application/octet-stream");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 202) << res->body;
  const std::string second = json::parse(res->body)["id"];
  ASSERT_EQ(wait_job(svc, token, second, [](const json& j) { return j["state"] == "done" || j["state"] == "failed"; })["state"], "done");
  const json out_frames = get_json(svc, token, "/v1/jobs/" + second + "/frames");
  for (int f = 0; f < 30; ++f) {
    const bool expect = f >= 10 && f <= 14;
    EXPECT_EQ(out_frames["frames"][f]["regions"].size(), expect ? 1u : 0u) << "frame " << f;
  }
  auto video = svc.client().Get("/v1/jobs/" + second + "/result", ServiceProcess::bearer(token));
  ASSERT_TRUE(video && video->status == 200);
  write_text(svc.dir() / "second.mp4", video->body);
  const auto in_frames = read_frames((svc.dir() / "in.mp4").string());
  const auto out = read_frames((svc.dir() / "second.mp4").string());
  ASSERT_EQ(out.size(), 30u);
  const cv::Rect inner(105, 12, 30, 20);
  const cv::Rect zone(40, 30, 48, 48);   // the deleted track's area: never filled now
  for (int f = 0; f < 30; ++f) {
    const double d_added = cv::norm(in_frames[f](inner), out[f](inner), cv::NORM_L1) / inner.area();
    const double d_zone = cv::norm(in_frames[f](zone), out[f](zone), cv::NORM_L1) / zone.area();
    if (f >= 10 && f <= 14) {
      EXPECT_LT(cv::mean(out[f](inner))[1], 8.0) << "frame " << f << " is filled";
    } else {
      EXPECT_LT(d_added, 30.0) << "frame " << f << " is not filled";
    }
    EXPECT_LT(d_zone, 30.0) << "frame " << f << ": the deleted track stays deleted";
  }
  // A malformed frames file is refused before anything is queued.
  for (const std::string bad : {R"({"frames": "x"})", R"({"frames": [{"frame": -1, "regions": []}]})",
                                R"({"frames": [{"frame": 1e30, "regions": []}]})",
                                R"({"frames": [{"frame": 1, "regions": []}, {"frame": 1, "regions": []}]})",
                                R"({"frames": [{"frame": 1, "regions": [{"kind": "dragon", "box": [1, 1, 2, 2]}]}]})", "not json"}) {
    httplib::Headers hb = ServiceProcess::bearer(token);
    hb.emplace("X-Shroud-Regions-Length", std::to_string(bad.size()));
    auto r = svc.client().Post("/v1/jobs/video", hb, bad + clip, "application/octet-stream");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad << ": " << r->body;
  }
  httplib::Headers hl = ServiceProcess::bearer(token);
  hl.emplace("X-Shroud-Regions-Length", "99999999");
  auto r = svc.client().Post("/v1/jobs/video", hl, text + clip, "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
}

// A 320x180 H.264 clip (near-lossless) of a smooth background and a 48x48 textured patch that
// moves 3 px right and 1 px down per frame from (40, 50).
cv::Rect patch_at(int i) { return cv::Rect(40 + 3 * i, 50 + i, 48, 48); }
std::string make_moving_clip(const std::filesystem::path& dir, int frames) {
  cv::RNG rng(11);
  cv::Mat bg(180, 320, CV_8UC3), patch(48, 48, CV_8UC3);
  rng.fill(bg, cv::RNG::UNIFORM, 0, 255);
  cv::GaussianBlur(bg, bg, cv::Size(), 5);
  cv::normalize(bg, bg, 60, 190, cv::NORM_MINMAX);
  rng.fill(patch, cv::RNG::UNIFORM, 0, 255);
  cv::GaussianBlur(patch, patch, cv::Size(), 1.5);
  std::filesystem::create_directories(dir / "moving");
  for (int i = 0; i < frames; ++i) {
    cv::Mat f = bg.clone();
    patch.copyTo(f(patch_at(i)));
    char name[32];
    std::snprintf(name, sizeof name, "%03d.png", i);
    EXPECT_TRUE(cv::imwrite((dir / "moving" / name).string(), f));
  }
  const std::string path = (dir / "moving.mp4").string();
  const std::string cmd = "ffmpeg -v error -y -framerate 25 -i " + shell_quote((dir / "moving" / "%03d.png").string()) +
                          " -c:v libx264 -preset ultrafast -crf 8 -pix_fmt yuv444p " + shell_quote(path);
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return read_text(path);
}

TEST(ServiceJobs, AReRenderFollowsABoxTheReviewerAddedAsItsContentMoves) {
  JOBS_START(svc);
  const std::string token = svc.token("acme", {"protect"});
  constexpr int kFrames = 30;
  const std::string clip = make_moving_clip(svc.dir(), kFrames);
  // The reviewer boxes the patch on frame 0 only, marked "follow" (as the studio marks an added box).
  const cv::Rect b0 = patch_at(0);
  const json doc = {{"frames", {{{"frame", 0}, {"regions", {{{"kind", "face"}, {"box", {b0.x, b0.y, b0.width, b0.height}},
                                                             {"track", -1}, {"method", "fill"}, {"follow", true}}}}}}}};
  const std::string text = doc.dump();
  httplib::Headers h = ServiceProcess::bearer(token);
  h.emplace("X-Shroud-Regions-Length", std::to_string(text.size()));
  auto res = svc.client().Post("/v1/jobs/video?method=fill", h, text + clip, "application/octet-stream");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 202) << res->body;
  const std::string id = json::parse(res->body)["id"];
  const json rec = wait_job(svc, token, id, [](const json& j) { return j["state"] == "done" || j["state"] == "failed"; });
  ASSERT_EQ(rec["state"], "done") << rec.dump();
  // The job says how far the box was followed and why it stopped (the clip ended).
  ASSERT_TRUE(rec.contains("follow")) << rec.dump();
  ASSERT_EQ(rec["follow"].size(), 1u);
  EXPECT_EQ(rec["follow"][0]["seed_frame"], 0);
  EXPECT_EQ(rec["follow"][0]["track"], -1);
  EXPECT_EQ(rec["follow"][0]["last_frame"], kFrames - 1);
  EXPECT_EQ(rec["follow"][0]["end"], "end");
  const json out_frames = get_json(svc, token, "/v1/jobs/" + id + "/frames");
  ASSERT_EQ(out_frames["frames"].size(), static_cast<std::size_t>(kFrames));
  auto video = svc.client().Get("/v1/jobs/" + id + "/result", ServiceProcess::bearer(token));
  ASSERT_TRUE(video && video->status == 200);
  write_text(svc.dir() / "followed.mp4", video->body);
  const auto in = read_frames((svc.dir() / "moving.mp4").string());
  const auto out = read_frames((svc.dir() / "followed.mp4").string());
  ASSERT_EQ(out.size(), static_cast<std::size_t>(kFrames));
  for (int f = 0; f < kFrames; ++f) {
    ASSERT_EQ(out_frames["frames"][f]["regions"].size(), 1u) << "frame " << f;
    const json& b = out_frames["frames"][f]["regions"][0]["box"];
    EXPECT_GE(iou(cv::Rect(b[0], b[1], b[2], b[3]), patch_at(f)), 0.5) << "frame " << f;
  }
  // In a late frame the patch has moved 75 px from the seed box (held in place, the seed box
  // would not even touch it): the middle of where the patch really is, is filled now.
  for (int f : {20, 25}) {
    const cv::Rect inner = patch_at(f);
    const cv::Rect core(inner.x + 8, inner.y + 8, inner.width - 16, inner.height - 16);
    EXPECT_EQ((core & b0).area(), 0) << "frame " << f;
    EXPECT_GT(cv::norm(in[f](core), out[f](core), cv::NORM_L1) / core.area(), 60.0) << "frame " << f << " differs from the original";
    EXPECT_LT(cv::mean(out[f](core))[1], 8.0) << "frame " << f << " is filled";
  }
}

TEST(ServiceJobs, BadRequestsAreRefusedAndOtherTenantsSeeNothing) {
  JOBS_START(svc);
  const std::string token = svc.token("acme", {"protect", "review"});
  const std::string other = svc.token("beta", {"protect", "review"});
  const std::string reviewer = svc.token("acme", {"review"});
  const std::string clip = make_clip(svc.dir(), "in.mp4", 10);
  struct Case {
    std::string query, body, token;
    int status;
  };
  const std::vector<Case> cases = {
      {"", "", token, 400},                                      // empty body
      {"", "this is not a video at all", token, 415},            // not a video
      {"?method=seal", clip, token, 400},                        // sealing video is not offered
      {"?method=nonsense", clip, token, 400},                    // unknown method (engine)
      {"?cells=abc", clip, token, 400},
      {"?cells=1e20", clip, token, 400},
      {"?hold=-1", clip, token, 400},
      {"?detect_every=0", clip, token, 400},
      {"?colour=red", clip, token, 400},                         // unknown parameter
      {"?kinds=dragon", clip, token, 400},                       // unknown kind
      {"", clip, reviewer, 403},                                 // no protect scope
      {"", clip, "st_0000000000000000_00", 401},
  };
  for (const auto& c : cases) {
    auto res = svc.client().Post("/v1/jobs/video" + c.query, ServiceProcess::bearer(c.token), c.body, "video/mp4");
    ASSERT_TRUE(res) << c.query;
    EXPECT_EQ(res->status, c.status) << c.query << ": " << res->body;
    EXPECT_NE(res->body.find("\"error\""), std::string::npos) << res->body;
    auto health = svc.client().Get("/v1/health");
    ASSERT_TRUE(health && health->status == 200) << "server stopped after " << c.query;
  }
  const std::string id = submit(svc, token, clip);
  wait_job(svc, token, id, [](const json& j) { return j["state"] == "done"; });
  // Another tenant: 404 exactly as an unknown id.
  int st = 0;
  const json missing = get_json(svc, other, "/v1/jobs/" + std::string(32, 'a'), &st);
  EXPECT_EQ(st, 404);
  const json hidden = get_json(svc, other, "/v1/jobs/" + id, &st);
  EXPECT_EQ(st, 404);
  EXPECT_EQ(hidden, missing);
  for (const std::string suffix : {"/result", "/frames"}) {
    get_json(svc, other, "/v1/jobs/" + id + suffix, &st);
    EXPECT_EQ(st, 404) << suffix;
  }
  auto del = svc.client().Delete("/v1/jobs/" + id, ServiceProcess::bearer(other));
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 404);
  get_json(svc, reviewer, "/v1/jobs/" + id, &st);
  EXPECT_EQ(st, 403);
}

TEST(ServiceJobs, JobsSurviveARestartAndQueuedOnesRunAfterIt) {
  JOBS_START(svc, "--video-workers", "1");
  const std::string token = svc.token("acme", {"protect"});
  const std::string small = make_clip(svc.dir(), "small.mp4", 20);
  const std::string big = make_clip(svc.dir(), "big.mp4", 400, "320x240");
  const std::string first = submit(svc, token, small);
  wait_job(svc, token, first, [](const json& j) { return j["state"] == "done"; });
  const std::string running = submit(svc, token, big);
  wait_job(svc, token, running, [](const json& j) { return j["state"] == "running"; }, 30);
  const std::string waiting = submit(svc, token, small);
  EXPECT_EQ(get_json(svc, token, "/v1/jobs/" + waiting)["state"], "queued");
  svc.stop();   // SIGTERM while one job runs and one waits
  ASSERT_TRUE(svc.start());
  const json a = get_json(svc, token, "/v1/jobs/" + first);
  EXPECT_EQ(a["state"], "done");
  EXPECT_EQ(a["frames_done"], 20);
  const json b = wait_job(svc, token, running, [](const json& j) { return j["state"] == "done" || j["state"] == "failed"; }, 120);
  EXPECT_EQ(b["state"], "done") << b.dump();
  EXPECT_EQ(b["frames_done"], 400);
  const json c = wait_job(svc, token, waiting, [](const json& j) { return j["state"] == "done" || j["state"] == "failed"; }, 60);
  EXPECT_EQ(c["state"], "done") << c.dump();
  EXPECT_EQ(run_shroud({"audit", "verify", "--data", svc.data().string()}).exit_code, 0);
}

}  // namespace service_jobs_test
}  // namespace
}  // namespace shroud::testing
