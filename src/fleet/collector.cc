#include "fleet/collector.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "fleet/nats_client.h"
#include "fleet/streams.h"
#include "fleet/wire.h"
#include "shroud/image_io.h"

namespace fs = std::filesystem;

namespace shroud::fleet {

Result<CollectReport> run_collect(const CollectOptions& o) {
  SHROUD_RETURN_IF_ERROR(check_camera_id(o.camera));
  if (o.output_dir.empty() && !o.video) return make_error(ErrorCode::kInvalidArgument, "collect needs an output folder or video");
  std::unique_ptr<VideoAssembler> video;
  if (o.video) {
    SHROUD_ASSIGN_OR_RETURN(video, VideoAssembler::create(*o.video));
  }
  SHROUD_ASSIGN_OR_RETURN(NatsClient nc, NatsClient::connect(o.url));
  SHROUD_RETURN_IF_ERROR(nc.ensure_stream(out_stream_spec()));
  if (!video) {
    std::error_code ec;   // the folder only once the broker answered
    fs::create_directories(o.output_dir, ec);
    if (!fs::is_directory(o.output_dir, ec)) {
      return make_error(ErrorCode::kPermission, "'" + o.output_dir + "': cannot create the output folder");
    }
  }
  // Two ordered consumers: a filter must lie within one of the stream's subjects (server 2.9).
  SHROUD_ASSIGN_OR_RETURN(PullSubscription prot_sub, nc.ordered_subscribe(kOutStream, protected_subject(o.camera)));
  SHROUD_ASSIGN_OR_RETURN(PullSubscription dead_sub, nc.ordered_subscribe(kOutStream, dead_subject(o.camera)));

  CollectReport rep;
  std::map<std::int64_t, std::string> written;
  std::set<std::int64_t> dead;
  std::int64_t highest = -1;
  const std::string prot = protected_subject(o.camera), dsub = dead_subject(o.camera);
  auto last = std::chrono::steady_clock::now();
  auto seen = [&] { return static_cast<std::int64_t>(written.size() + dead.size()); };
  while (!(o.frames > 0 && seen() >= o.frames) && !(o.stop && o.stop())) {
    SHROUD_ASSIGN_OR_RETURN(std::vector<Message> msgs, dead_sub.next(1));
    if (msgs.empty()) {
      SHROUD_ASSIGN_OR_RETURN(msgs, prot_sub.next(100));
    }
    if (msgs.empty()) {
      if (o.idle_exit_ms > 0 && std::chrono::steady_clock::now() - last >= std::chrono::milliseconds(o.idle_exit_ms)) break;
      continue;
    }
    last = std::chrono::steady_clock::now();
    Message& m = msgs.front();
    const auto arrived = std::chrono::system_clock::now();
    auto index = parse_frame_index(m.header(kHeaderFrame));
    if (!index.ok()) continue;   // not one of ours
    if (written.count(*index) != 0 || dead.count(*index) != 0) {
      ++rep.duplicates;
      continue;
    }
    if (*index < highest) ++rep.out_of_order;
    highest = std::max(highest, *index);
    if (m.subject() == dsub) {
      dead.insert(*index);
      rep.dead.push_back({*index, m.header(kHeaderName), m.header(kHeaderError)});
      if (video) SHROUD_RETURN_IF_ERROR(video->missing(*index));
      continue;
    }
    if (m.subject() != prot) continue;
    if (auto sent = parse_frame_index(m.header(kHeaderSent)); sent.ok()) {
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(arrived.time_since_epoch()).count();
      rep.latency_ms.push_back(static_cast<double>(us - *sent) / 1000.0);
    }
    if (video) {
      const auto data = m.data();
      SHROUD_RETURN_IF_ERROR(video->add(*index, std::vector<std::uint8_t>(data.begin(), data.end())));
      written.emplace(*index, std::string());
      continue;
    }
    const std::string format = m.header(kHeaderFormat) == "png" ? "png" : "jpeg";
    char name[64];
    std::snprintf(name, sizeof name, "frame-%06lld%s", static_cast<long long>(*index), frame_extension(format).c_str());
    const std::string path = (fs::path(o.output_dir) / name).string();
    WriteOptions wo;
    wo.overwrite = o.overwrite;
    const auto data = m.data();
    SHROUD_RETURN_IF_ERROR(write_file_atomic(path, std::vector<std::uint8_t>(data.begin(), data.end()), wo));
    written.emplace(*index, path);
  }
  const std::int64_t end = o.frames > 0 ? o.frames : highest + 1;
  for (std::int64_t i = 0; i < end; ++i) {
    if (written.count(i) == 0 && dead.count(i) == 0) rep.gaps.push_back(i);
  }
  if (video) {
    SHROUD_ASSIGN_OR_RETURN(VideoCollectReport vr, video->finish(end));
    rep.video = std::move(vr);
  } else {
    for (auto& [i, p] : written) rep.files.push_back(p);
  }
  rep.written = static_cast<std::int64_t>(written.size());
  return rep;
}

}  // namespace shroud::fleet
