// The MSAI camera party (msai_parties.h): membrane per frame from the data centre, tau from the
// key-value bucket, mask + scramble in the library, publish to the work queue.
#include <nlohmann/json.hpp>

#include "fleet/frame_box.h"
#include "fleet/kv_bucket.h"
#include "fleet/msai_internal.h"
#include "fleet/msai_parties.h"
#include "fleet/streams.h"
#include "fleet/wire.h"
#include "shroud/image_io.h"

namespace shroud::fleet {

using namespace msai_detail;

namespace {

Result<schemes::MsaiMembrane> request_membrane(NatsClient& nc, const MsaiCameraOptions& o, std::int64_t index,
                                               const cv::Rect& area, int channels) {
  const nlohmann::json req = {{"frame", index}, {"rows", area.height}, {"cols", area.width}, {"channels", channels}};
  const std::string text = req.dump();
  SHROUD_ASSIGN_OR_RETURN(Message reply,
                          request_retry(nc, msai_membrane_subject(o.camera),
                                        {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()},
                                        o.request_timeout_ms));
  SHROUD_RETURN_IF_ERROR(reply_status(reply, "data centre refused a membrane for frame " + std::to_string(index)));
  SHROUD_ASSIGN_OR_RETURN(auto bytes, open_frame(reply.data(), *o.keyset, o.key_id, o.camera, index, kPurposeMembrane));
  auto m = schemes::parse_membrane(bytes);
  std::fill(bytes.begin(), bytes.end(), 0);
  if (!m.ok()) return m.error();
  if (m->rows < area.height || m->cols < area.width || m->channels != channels) {
    return make_error(ErrorCode::kCorrupt, "the data centre's membrane does not cover the area");
  }
  return m;
}

Result<schemes::MsaiTauKey> load_tau(NatsClient& nc, const MsaiCameraOptions& o) {
  SHROUD_ASSIGN_OR_RETURN(KvBucket kv, KvBucket::open(nc, kMsaiBucket));
  auto sealed = kv.get(tau_kv_key(o.camera));
  if (!sealed.ok()) return make_error(sealed.error().code, "tau for camera " + o.camera + ": " + sealed.error().message);
  SHROUD_ASSIGN_OR_RETURN(auto bytes, open_frame(*sealed, *o.keyset, o.key_id, o.camera, 0, kPurposeTau));
  auto tau = schemes::msai_tau_from_json(std::string(bytes.begin(), bytes.end()));
  std::fill(bytes.begin(), bytes.end(), 0);
  return tau;
}

}  // namespace

Result<MsaiCameraReport> run_msai_camera(const MsaiCameraOptions& o) {
  SHROUD_RETURN_IF_ERROR(check_camera_id(o.camera));
  if (o.keyset == nullptr || !o.find_area) return make_error(ErrorCode::kInvalidArgument, "MSAI camera: no keyset or area finder");
  SHROUD_ASSIGN_OR_RETURN(NatsClient nc, NatsClient::connect(o.url));
  SHROUD_RETURN_IF_ERROR(ensure_msai_streams(nc));
  MsaiCameraReport rep;
  std::optional<schemes::MsaiTauKey> tau;
  for (std::size_t i = 0; i < o.frames.size(); ++i) {
    const std::int64_t index = o.first_index + static_cast<std::int64_t>(i);
    const std::string& path = o.frames[i];
    SHROUD_ASSIGN_OR_RETURN(LoadedImage img, read_image(path));
    SHROUD_ASSIGN_OR_RETURN(cv::Rect area, o.find_area(img.pixels, path));
    schemes::MsaiMembrane membrane;
    if (area.area() > 0 || !tau) {
      // The first request also makes the data centre put this camera's tau into the bucket.
      const cv::Rect ask = area.area() > 0 ? area : cv::Rect(0, 0, 1, 1);
      SHROUD_ASSIGN_OR_RETURN(membrane, request_membrane(nc, o, index, ask, img.pixels.channels()));
    }
    if (!tau) {
      SHROUD_ASSIGN_OR_RETURN(auto t, load_tau(nc, o));
      tau = std::move(t);
    }
    SHROUD_ASSIGN_OR_RETURN(schemes::MsaiCameraOutput out,
                            schemes::msai_camera_protect(img.pixels, area, membrane, *tau, index));
    std::fill(membrane.values.begin(), membrane.values.end(), 0);
    SHROUD_ASSIGN_OR_RETURN(auto png, encode_image(out.visible, "png"));
    const auto body = pack_masked_frame(png, schemes::serialize_payload(out.payload));
    SHROUD_RETURN_IF_ERROR(check_payload_size(body.size(), nc.max_payload(),
                                              "frame " + std::to_string(index) + " ('" + path + "')"));
    const Headers h = {{kHeaderCamera, o.camera}, {kHeaderFrame, std::to_string(index)}};
    SHROUD_ASSIGN_OR_RETURN(PublishResult pr, publish_with_retry(nc, msai_masked_subject(o.camera), body, h,
                                                                 "msai-" + frame_msg_id(o.camera, index)));
    ++rep.published;
    if (pr.duplicate) ++rep.duplicates;
    rep.bytes += static_cast<std::int64_t>(body.size());
    if (o.on_event) {
      o.on_event("frame " + std::to_string(index) + ": area [" + std::to_string(area.x) + ", " + std::to_string(area.y) +
                 ", " + std::to_string(area.width) + ", " + std::to_string(area.height) + "] masked, " +
                 std::to_string(body.size()) + " bytes published" + (pr.duplicate ? " (already stored)" : ""));
    }
  }
  return rep;
}

}  // namespace shroud::fleet
