// Async video jobs: POST /v1/jobs/video answers 202 with a job id at once; a bounded pool of
// workers runs Engine::protect_video with a JobControl (progress, cancel); GET /v1/jobs/{id}
// reports state and frames done/total; DELETE cancels. docs/service.md, "Video jobs".
//
// Records: DATA/jobs/<id>/job.json (0600, written atomically at every state change and at most
// every second while running), beside the uploaded input (deleted once the job ends: it is the
// unprotected original). A restarted server reads every record back: finished jobs stay
// queryable, jobs that were queued or running are queued again (their input is still there).
// The result video and its per-frame regions are items in the store (blobs + item rows),
// committed with one audit entry (action "protect", detail.job = id).
#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "core/json_number.h"
#include "service/audit.h"
#include "service/route_host.h"
#include "shroud/box_follower.h"
#include "shroud/image_io.h"
#include "shroud/regions_json.h"

namespace shroud::service {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr std::int64_t kMaxOutputBytes = 2LL * 1024 * 1024 * 1024;

bool terminal(const std::string& state) { return state == "done" || state == "failed" || state == "cancelled"; }

// Container formats protect_video reads, from their first bytes; empty when none.
std::string sniff_video(const ApiBody& b) {
  if (b.size() >= 12 && std::equal(b.begin() + 4, b.begin() + 8, "ftyp")) return "mp4";
  if (b.size() >= 4 && b[0] == 0x1A && b[1] == 0x45 && b[2] == 0xDF && b[3] == 0xA3) return "mkv";
  if (b.size() >= 12 && std::equal(b.begin(), b.begin() + 4, "RIFF") && std::equal(b.begin() + 8, b.begin() + 12, "AVI ")) return "avi";
  return "";
}

std::optional<int> strict_int(const std::string& s, int lo, int hi) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  std::int64_t v = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  if (v < lo || v > hi) return std::nullopt;
  return static_cast<int>(v);
}

struct Job {
  std::mutex mutex;
  json record;                         // the persisted fields (state, error, item ...)
  std::atomic<bool> cancel{false};
  std::atomic<std::int64_t> done{0}, total{0};
  std::chrono::steady_clock::time_point last_saved{};
};

class JobRunner {
 public:
  JobRunner(RouteHost& host) : host_(host), root_(host.context().paths().root + "/jobs") {
    std::error_code ec;
    fs::create_directories(root_, ec);
    fs::permissions(root_, fs::perms::owner_all, fs::perm_options::replace, ec);
    reload();
    const int n = std::max(1, host_.options().video_workers);
    for (int i = 0; i < n; ++i) workers_.emplace_back([this] { work(); });
  }

  ~JobRunner() {
    {
      std::lock_guard<std::mutex> g(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

  void routes() {
    host_.post("/v1/jobs/video", "/v1/jobs/video", "protect",
               [this](const httplib::Request& q, httplib::Response& s, const TokenRow& c, const ApiBody& b) { return submit(q, s, c, b); });
    host_.get(R"(/v1/jobs/([0-9a-f]{32}))", "/v1/jobs/{id}", "protect",
              [this](const httplib::Request& q, httplib::Response& s, const TokenRow& c, const ApiBody&) { return status(q, s, c); });
    host_.del(R"(/v1/jobs/([0-9a-f]{32}))", "/v1/jobs/{id}", "protect",
              [this](const httplib::Request& q, httplib::Response& s, const TokenRow& c, const ApiBody&) { return cancel(q, s, c); });
    host_.get(R"(/v1/jobs/([0-9a-f]{32})/result)", "/v1/jobs/{id}/result", "protect",
              [this](const httplib::Request& q, httplib::Response& s, const TokenRow& c, const ApiBody&) { return result(q, s, c, false); });
    host_.get(R"(/v1/jobs/([0-9a-f]{32})/frames)", "/v1/jobs/{id}/frames", "protect",
              [this](const httplib::Request& q, httplib::Response& s, const TokenRow& c, const ApiBody&) { return result(q, s, c, true); });
  }

 private:
  std::string dir(const std::string& id) const { return root_ + "/" + id; }

  // The record as answered: the persisted fields plus live progress.
  static json view(Job& job) {
    std::lock_guard<std::mutex> g(job.mutex);
    json j = job.record;
    j["frames_done"] = job.done.load();
    j["frames_total"] = job.total.load();
    j.erase("input");
    j.erase("actor");
    return j;
  }

  // Writes job.json atomically; force: even if saved less than a second ago.
  void save(Job& job, bool force) {
    std::lock_guard<std::mutex> g(job.mutex);
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - job.last_saved < std::chrono::seconds(1)) return;
    job.last_saved = now;
    json j = job.record;
    j["frames_done"] = job.done.load();
    j["frames_total"] = job.total.load();
    j["updated"] = unix_seconds();
    const std::string text = j.dump(1) + "\n";
    auto s = write_file_atomic(dir(j["id"].get<std::string>()) + "/job.json", std::vector<std::uint8_t>(text.begin(), text.end()),
                               WriteOptions{true, 0600});
    if (!s.ok()) host_.log("job " + j["id"].get<std::string>() + ": cannot save its record: " + s.error().message);
  }

  void set_state(Job& job, const std::string& state, const std::string& error = "") {
    {
      std::lock_guard<std::mutex> g(job.mutex);
      job.record["state"] = state;
      if (!error.empty()) job.record["error"] = error;
      if (terminal(state)) job.record["finished"] = unix_seconds();
    }
    save(job, true);
  }

  // A run that stopped early: queued again when the server is stopping (it runs after the
  // restart), else cancelled or failed with `error`; the input is removed unless queued again.
  void end_failed_run(Job& job, const std::string& id, const std::string& error) {
    if (stopping() && !job.cancel) {
      set_state(job, "queued");
      return;
    }
    if (job.cancel) {
      set_state(job, "cancelled");
      host_.log("job " + id + " cancelled");
    } else {
      set_state(job, "failed", error);
      host_.log("job " + id + " failed: " + error);
    }
    remove_input(job);
  }

  void remove_input(Job& job) {
    std::string input;
    {
      std::lock_guard<std::mutex> g(job.mutex);
      input = job.record.value("input", std::string());
    }
    std::error_code ec;
    if (!input.empty()) fs::remove(input, ec);
    if (!input.empty()) fs::remove(fs::path(input).parent_path() / "frames.json", ec);
  }

  // Records left by an earlier run of the server.
  void reload() {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(root_, ec)) {
      const std::string id = entry.path().filename().string();
      auto bytes = read_file(entry.path().string() + "/job.json", 1 << 20);
      if (!bytes.ok()) continue;
      json j = json::parse(bytes->begin(), bytes->end(), nullptr, false);
      if (j.is_discarded() || !j.is_object() || j.value("id", std::string()) != id) continue;
      auto job = std::make_shared<Job>();
      job->record = j;
      try {
        if (j.contains("frames_done")) job->done = detail::json_int64(j["frames_done"]);
        if (j.contains("frames_total")) job->total = detail::json_int64(j["frames_total"]);
        if (j.contains("options")) (void)engine_options(j["options"], id);
      } catch (const std::exception&) {
        continue;   // not a record this server wrote
      }
      jobs_[id] = job;
      const std::string state = j.value("state", std::string());
      if (terminal(state)) continue;
      if (fs::exists(j.value("input", std::string()), ec)) {
        job->done = 0;
        set_state(*job, "queued");
        queue_.push_back(id);
        host_.log("job " + id + " queued again after a restart");
      } else {
        set_state(*job, "failed", "the server stopped and the job's input is gone");
      }
    }
  }

  std::shared_ptr<Job> find(const std::string& id, const std::string& tenant) {
    std::lock_guard<std::mutex> g(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return nullptr;
    std::lock_guard<std::mutex> jg(it->second->mutex);
    if (it->second->record.value("tenant", std::string()) != tenant) return nullptr;   // other tenants: as missing
    return it->second;
  }

  // The engine options of a job from its stored "options" (validated when it was submitted).
  EngineOptions engine_options(const json& opts, const std::string& id) const {
    EngineOptions o = host_.base_options();
    o.method = opts.value("method", std::string("blur"));
    if (opts.contains("kinds")) o.kinds = opts["kinds"].get<std::vector<std::string>>();
    // Read back from job.json too: integers through json_int (throws on anything else; the
    // caller turns that into a failed job).
    if (opts.contains("cells")) o.cells = detail::json_int(opts["cells"]);
    if (opts.contains("detect_every")) o.detect_every = detail::json_int(opts["detect_every"]);
    if (opts.contains("hold")) o.hold = detail::json_int(opts["hold"]);
    o.jobs = 2;
    if (opts.value("frames", false)) {
      // A re-render of reviewed per-frame regions: exactly those boxes (no enlargement, no
      // backward extension), every kind they name; the pipeline's tracker carries each box
      // `hold` frames (default 0) past the last frame that lists it.
      o.detector = "frames:" + dir(id) + "/frames.json";
      o.detect_every = 1;
      o.mask_scale = 1.0;
      o.extend_back = 0;
      if (!opts.contains("hold")) o.hold = 0;
      if (!opts.contains("kinds")) {
        o.kinds.clear();
        for (Kind k : all_kinds()) o.kinds.emplace_back(kind_name(k));
      }
    }
    return o;
  }

  std::optional<ApiError> submit(const httplib::Request& req, httplib::Response& res, const TokenRow& caller, const ApiBody& body) {
    if (auto e = check_query(req, {"method", "kinds", "cells", "detect_every", "hold"})) return e;
    // With X-Shroud-Regions-Length: the body is reviewed per-frame regions ({"frames": [...]},
    // as GET /v1/jobs/{id}/frames answers) followed by the video, which is re-rendered with them.
    std::string frames_text;
    ApiBody video_part;
    const ApiBody* video = &body;
    if (req.has_header("X-Shroud-Regions-Length")) {
      const std::string len_text = req.get_header_value("X-Shroud-Regions-Length");
      if (len_text.empty() || len_text.size() > 8 || len_text.find_first_not_of("0123456789") != std::string::npos) {
        return api_bad_request("X-Shroud-Regions-Length must be a decimal byte count");
      }
      const std::size_t len = std::stoul(len_text);
      if (len == 0 || len > body.size()) return api_bad_request("X-Shroud-Regions-Length must be 1.. the body's size");
      frames_text.assign(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(len));
      video_part.assign(body.begin() + static_cast<std::ptrdiff_t>(len), body.end());
      video = &video_part;
    }
    if (video->empty()) return api_bad_request("the request body must be a video (got an empty body)");
    const std::string container = sniff_video(*video);
    if (container.empty()) return ApiError{415, "unsupported", "the request body is not a video this service reads (MP4/MOV, Matroska/WebM, AVI)"};
    json opts = json::object();
    const std::string method = req.has_param("method") ? req.get_param_value("method") : "blur";
    if (method == "seal" || method == "sisa") {
      return api_bad_request("video jobs use an irreversible method (blur, pixelate, fill, ...); sealing video over the API is not built yet");
    }
    opts["method"] = method;
    if (req.has_param("kinds")) {
      std::vector<std::string> kinds;
      std::string s = req.get_param_value("kinds");
      for (std::size_t start = 0;;) {
        const auto c = s.find(',', start);
        kinds.push_back(s.substr(start, c == std::string::npos ? std::string::npos : c - start));
        if (c == std::string::npos) break;
        start = c + 1;
      }
      opts["kinds"] = kinds;
    }
    struct IntParam {
      const char* name;
      int lo, hi;
    };
    for (const IntParam p : {IntParam{"cells", 1, 1000}, IntParam{"detect_every", 1, 1000}, IntParam{"hold", 0, 1000}}) {
      if (!req.has_param(p.name)) continue;
      auto v = strict_int(req.get_param_value(p.name), p.lo, p.hi);
      if (!v) return api_bad_request(std::string("query parameter '") + p.name + "' must be an integer " + std::to_string(p.lo) + ".." + std::to_string(p.hi));
      opts[p.name] = *v;
    }
    const std::string id = random_hex(16);
    if (!frames_text.empty()) opts["frames"] = true;
    auto job = std::make_shared<Job>();
    job->record = {{"id", id}, {"kind", "video"}, {"tenant", caller.tenant}, {"actor", caller.id}, {"state", "queued"},
                   {"options", opts}, {"created", unix_seconds()}, {"bytes_in", video->size()},
                   {"input_hash", hash_hex(video->data(), video->size())}, {"input", dir(id) + "/input." + container}};
    {
      std::lock_guard<std::mutex> g(mutex_);
      if (static_cast<int>(queue_.size()) >= std::max(1, host_.options().video_queue)) {
        res.set_header("Retry-After", "5");
        return ApiError{503, "overloaded", "the video job queue is full (" + std::to_string(queue_.size()) + " waiting); retry later"};
      }
    }
    std::error_code ec;
    fs::create_directory(dir(id), ec);
    if (ec) return ApiError{500, "internal", "cannot create the job folder: " + ec.message()};
    fs::permissions(dir(id), fs::perms::owner_all, fs::perm_options::replace, ec);
    if (!frames_text.empty()) {
      auto f = write_file_atomic(dir(id) + "/frames.json", std::vector<std::uint8_t>(frames_text.begin(), frames_text.end()),
                                 WriteOptions{false, 0600});
      if (!f.ok()) {
        fs::remove_all(dir(id), ec);
        return api_error(f.error());
      }
    }
    // The options are checked now (unknown method, bad kind, a malformed frames file ...): 400
    // before anything is queued.
    {
      const EngineOptions o = engine_options(opts, id);
      std::optional<Error> failed;
      if (frames_text.empty()) {
        auto eng = host_.engine("video|" + o.to_json().dump(), o, {});
        if (!eng.ok()) failed = eng.error();
      } else {
        auto eng = Engine::create(o);
        if (!eng.ok()) failed = eng.error();
      }
      if (failed) {
        fs::remove_all(dir(id), ec);
        return api_error(*failed);
      }
    }
    auto w = write_file_atomic(job->record["input"].get<std::string>(), *video, WriteOptions{false, 0600});
    if (!w.ok()) {
      fs::remove_all(dir(id), ec);
      return api_error(w.error());
    }
    save(*job, true);
    {
      std::lock_guard<std::mutex> g(mutex_);
      jobs_[id] = job;
      queue_.push_back(id);
    }
    cv_.notify_one();
    host_.log("job " + id + " (video, " + method + ") queued by " + caller.id);
    res.set_header("Location", "/v1/jobs/" + id);
    res.status = 202;
    res.set_content(view(*job).dump(2) + "\n", "application/json");
    return std::nullopt;
  }

  std::optional<ApiError> status(const httplib::Request& req, httplib::Response& res, const TokenRow& caller) {
    if (auto e = check_query(req, {})) return e;
    auto job = find(req.matches[1], caller.tenant);
    if (!job) return api_not_found("job");
    res.status = 200;
    res.set_content(view(*job).dump(2) + "\n", "application/json");
    return std::nullopt;
  }

  std::optional<ApiError> cancel(const httplib::Request& req, httplib::Response& res, const TokenRow& caller) {
    if (auto e = check_query(req, {})) return e;
    const std::string id = req.matches[1];
    auto job = find(id, caller.tenant);
    if (!job) return api_not_found("job");
    std::string state;
    {
      std::lock_guard<std::mutex> g(mutex_);
      std::lock_guard<std::mutex> jg(job->mutex);
      state = job->record.value("state", std::string());
      if (state == "queued") {
        queue_.erase(std::remove(queue_.begin(), queue_.end(), id), queue_.end());
      }
    }
    if (terminal(state)) return ApiError{409, "conflict", "job is already " + state};
    job->cancel = true;
    if (state == "queued") {
      set_state(*job, "cancelled");
      remove_input(*job);
    }
    host_.log("job " + id + " cancel requested by " + caller.id);
    res.status = 202;
    res.set_content(view(*job).dump(2) + "\n", "application/json");
    return std::nullopt;
  }

  std::optional<ApiError> result(const httplib::Request& req, httplib::Response& res, const TokenRow& caller, bool frames) {
    if (auto e = check_query(req, {})) return e;
    auto job = find(req.matches[1], caller.tenant);
    if (!job) return api_not_found("job");
    std::string item_id;
    {
      std::lock_guard<std::mutex> g(job->mutex);
      const std::string state = job->record.value("state", std::string());
      if (state != "done") return ApiError{409, "conflict", "job is " + state + ", not done"};
      item_id = job->record.value(frames ? "frames_item" : "item", std::string());
    }
    auto item = host_.context().store().find_item(item_id);
    if (!item.ok()) return api_error(item.error());
    if (!*item || (*item)->tenant != caller.tenant) return api_not_found("job result");
    auto bytes = host_.context().blobs().get((*item)->blob);
    if (!bytes.ok()) return api_error(bytes.error());
    res.status = 200;
    res.set_header("X-Shroud-Item", item_id);
    res.set_content(std::string(bytes->begin(), bytes->end()), frames ? "application/json" : "video/mp4");
    return std::nullopt;
  }

  void work() {
    while (true) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> g(mutex_);
        cv_.wait(g, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        const std::string id = queue_.front();
        queue_.pop_front();
        job = jobs_[id];
      }
      run(*job);
    }
  }

  void run(Job& job) {
    json rec;
    {
      std::lock_guard<std::mutex> g(job.mutex);
      job.record["state"] = "running";
      job.record["started"] = unix_seconds();
      rec = job.record;
    }
    save(job, true);
    const std::string id = rec["id"];
    const std::string output = dir(id) + "/output.mp4";
    std::error_code ec;
    fs::remove(output, ec);
    EngineOptions o;
    try {
      o = engine_options(rec["options"], id);
    } catch (const std::exception& e) {
      set_state(job, "failed", std::string("bad job options: ") + e.what());
      remove_input(job);
      return;
    }
    if (rec["options"].value("frames", false)) {
      auto followed = follow_boxes(job, rec);
      if (!followed.ok()) {
        end_failed_run(job, id, followed.error().message);
        return;
      }
    }
    json frames = json::array();
    JobControl control;
    control.cancelled = [&] { return job.cancel.load() || stopping(); };
    control.on_progress = [&](std::int64_t done, std::int64_t total) {
      job.done = done;
      job.total = total;
      save(job, false);
    };
    control.on_frame = [&](std::int64_t index, const std::vector<Action>& actions) {
      json list = json::array();
      for (const auto& a : actions) {
        list.push_back({{"kind", std::string(kind_name(a.region.kind))}, {"box", {a.rect.x, a.rect.y, a.rect.width, a.rect.height}},
                        {"method", a.method}, {"track", a.region.track_id}, {"score", a.region.score}});
      }
      frames.push_back({{"frame", index}, {"regions", list}});
    };
    // Re-renders name their own frames file: an engine of their own, not cached.
    auto eng = rec["options"].value("frames", false) ? [&]() -> Result<std::shared_ptr<const Engine>> {
      auto e = Engine::create(o);
      if (!e.ok()) return e.error();
      return std::shared_ptr<const Engine>(std::make_shared<const Engine>(std::move(*e)));
    }() : host_.engine("video|" + o.to_json().dump(), o, {});
    Result<VideoReport> report = eng.ok() ? (*eng)->protect_video(rec["input"].get<std::string>(), output, control)
                                          : Result<VideoReport>(eng.error());
    if (!report.ok()) {
      fs::remove(output, ec);
      end_failed_run(job, id, report.error().message);
      return;
    }
    auto s = finish(job, rec, *report, output, frames);
    fs::remove(output, ec);
    if (!s.ok()) {
      set_state(job, "failed", s.error().message);
    } else {
      set_state(job, "done");
      host_.log("job " + id + " done: " + std::to_string(report->frames) + " frames");
    }
    remove_input(job);
  }

  // A re-render's boxes marked "follow" (added by the reviewer) are followed through the clip by
  // appearance (box_follower.h) before the pipeline runs: frames.json gains the followed boxes
  // and the job record a "follow" summary per box (seed frame, track, last frame, why it ended).
  Status follow_boxes(Job& job, const json& rec) {
    const std::string path = dir(rec["id"].get<std::string>()) + "/frames.json";
    SHROUD_ASSIGN_OR_RETURN(auto bytes, read_file(path, 64LL * 1024 * 1024));
    json doc = json::parse(bytes.begin(), bytes.end(), nullptr, false);
    SHROUD_ASSIGN_OR_RETURN(auto followed, follow_marked_regions(rec["input"].get<std::string>(), doc, {},
                                                                  [&] { return job.cancel.load() || stopping(); }));
    if (followed.empty()) return {};
    json summary = json::array();
    for (const auto& f : followed) {
      summary.push_back({{"seed_frame", f.seed_frame}, {"track", f.track}, {"last_frame", f.last_frame},
                         {"end", f.end}, {"lost_frame", f.lost_frame >= 0 ? json(f.lost_frame) : json(nullptr)},
                         {"min_confidence", f.min_confidence}});
    }
    const std::string text = doc.dump() + "\n";
    SHROUD_RETURN_IF_ERROR(write_file_atomic(path, std::vector<std::uint8_t>(text.begin(), text.end()), WriteOptions{true, 0600}));
    {
      std::lock_guard<std::mutex> g(job.mutex);
      job.record["follow"] = summary;
    }
    save(job, true);
    return {};
  }

  // Stores the result video and its per-frame regions as items, with one audit entry.
  Status finish(Job& job, const json& rec, const VideoReport& report, const std::string& output, const json& frames) {
    Context& ctx = host_.context();
    SHROUD_ASSIGN_OR_RETURN(auto video, read_file(output, kMaxOutputBytes));
    // The clip's frame rate (the studio's scrubber maps frames to times with it); the report's
    // fps is the processing rate.
    double fps = 0.0;
    int width = 0, height = 0;
    {
      cv::VideoCapture cap(output, cv::CAP_FFMPEG);
      if (cap.isOpened()) {
        fps = cap.get(cv::CAP_PROP_FPS);
        width = static_cast<int>(cap.get(cv::CAP_PROP_FRAME_WIDTH));
        height = static_cast<int>(cap.get(cv::CAP_PROP_FRAME_HEIGHT));
      }
      if (!(fps > 0.0 && fps < 1000.0)) fps = 25.0;
    }
    const std::string frames_text = json({{"frames", frames}, {"fps", fps}, {"width", width}, {"height", height}}).dump() + "\n";
    SHROUD_ASSIGN_OR_RETURN(std::string video_blob, ctx.blobs().put(video));
    SHROUD_ASSIGN_OR_RETURN(std::string frames_blob, ctx.blobs().put(Bytes(frames_text.begin(), frames_text.end())));
    const std::string tenant = rec["tenant"], method = rec["options"].value("method", std::string("blur"));
    const ItemRow item{random_hex(16), tenant, video_blob, "mp4", static_cast<std::int64_t>(video.size()), method,
                       report.regions, unix_seconds()};
    const ItemRow frames_item{random_hex(16), tenant, frames_blob, "json", static_cast<std::int64_t>(frames_text.size()),
                              "regions", report.regions, unix_seconds()};
    const json detail = {{"job", rec["id"]}, {"kind", "video"}, {"method", method}, {"frames", report.frames},
                         {"regions", report.regions}, {"tracks", report.tracks}, {"bytes_in", rec["bytes_in"]},
                         {"bytes_out", video.size()}, {"input_hash", rec["input_hash"]}, {"frames_item", frames_item.id}};
    auto r = ctx.record(AuditRow{0, "", tenant, rec["actor"], "protect", item.id, detail.dump(), "", "", ""}, [&]() -> Status {
      SHROUD_RETURN_IF_ERROR(ctx.store().insert_item(item));
      return ctx.store().insert_item(frames_item);
    });
    if (!r.ok()) return r.error();
    std::lock_guard<std::mutex> g(job.mutex);
    job.record["item"] = item.id;
    job.record["frames_item"] = frames_item.id;
    job.record["frames"] = report.frames;
    job.record["regions"] = report.regions;
    job.record["tracks"] = report.tracks;
    job.record["bytes_out"] = video.size();
    job.done = report.frames;
    if (job.total < report.frames) job.total = report.frames;
    return ok_status();
  }

  bool stopping() {
    std::lock_guard<std::mutex> g(mutex_);
    return stopping_;
  }

  RouteHost& host_;
  std::string root_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::deque<std::string> queue_;
  std::vector<std::thread> workers_;
};

}  // namespace

std::shared_ptr<void> add_job_routes(RouteHost& host) {
  auto runner = std::make_shared<JobRunner>(host);
  runner->routes();
  return runner;
}

}  // namespace shroud::service
