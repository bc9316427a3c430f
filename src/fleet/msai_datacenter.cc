// The MSAI data centre (msai_parties.h): holds k and tau; issues sealed membranes; puts each
// camera's sealed tau into the key-value bucket; restores frames for authorised requesters.
#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "core/json_number.h"
#include "crypto/crypto.h"
#include "fleet/frame_box.h"
#include "fleet/kv_bucket.h"
#include "fleet/msai_internal.h"
#include "fleet/msai_parties.h"
#include "fleet/streams.h"
#include "fleet/wire.h"
#include "shroud/image_io.h"

namespace fs = std::filesystem;

namespace shroud::fleet {

using namespace msai_detail;
using schemes::MsaiKey;
using schemes::MsaiTauKey;

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::int64_t kMaxKeyFile = 64 * 1024;

std::string fingerprint(const RecipientKey& k) {
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 8; ++i) {
    s += hex[k.public_key[i] >> 4];
    s += hex[k.public_key[i] & 15];
  }
  return s;
}

Result<nlohmann::json> parse_request(std::span<const std::uint8_t> d) {
  nlohmann::json j = nlohmann::json::parse(d.begin(), d.end(), nullptr, false);
  if (!j.is_object()) return make_error(ErrorCode::kInvalidArgument, "request: not a JSON object");
  return j;
}

// A JSON integer field in [lo, hi]; kInvalidArgument otherwise (never get<int>() on it).
Result<std::int64_t> int_field(const nlohmann::json& j, const char* name, std::int64_t lo, std::int64_t hi) {
  if (!j.contains(name)) return make_error(ErrorCode::kInvalidArgument, std::string("request: no ") + name);
  std::int64_t v = lo - 1;
  try {
    v = detail::json_int64(j[name]);
  } catch (const std::exception&) {
  }
  if (v < lo || v > hi) {
    return make_error(ErrorCode::kInvalidArgument, std::string("request: ") + name + " must be an integer in [" +
                                                       std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return v;
}

class Datacenter {
 public:
  Datacenter(const MsaiDatacenterOptions& o, NatsClient& nc, KvBucket& kv, MsaiKey key)
      : o_(o), nc_(nc), kv_(kv), key_(std::move(key)) {}

  void handle(const Message& req, MsaiDatacenterReport& rep) {
    const std::string subject = req.subject();
    const std::string membrane_prefix = "shroud.msai.dc.membrane.";
    Status s;
    if (subject.rfind(membrane_prefix, 0) == 0) {
      s = membrane(req, subject.substr(membrane_prefix.size()), rep);
    } else if (subject == kMsaiRestore) {
      s = restore(req, rep);
    } else {
      s = make_error(ErrorCode::kInvalidArgument, "unknown request subject " + subject);
    }
    if (!s.ok()) {
      ++rep.refused;
      log("refused " + subject + ": " + s.error().message);
      if (!req.reply().empty()) (void)respond_error(nc_, req, s.error());
    }
  }

  void log(const std::string& m) const {
    if (o_.on_event) o_.on_event(m);
  }

 private:
  // This camera's tau: loaded from the state folder, or made and saved on first use; put into
  // the bucket (sealed to the camera) once per run.
  Result<MsaiTauKey> tau_for(const std::string& camera) {
    const std::string path = (fs::path(o_.state_dir) / ("tau-" + camera + ".json")).string();
    std::error_code ec;
    MsaiTauKey tau;
    if (fs::exists(path, ec)) {
      SHROUD_ASSIGN_OR_RETURN(auto bytes, schemes::read_secret_file(path, kMaxKeyFile));
      SHROUD_ASSIGN_OR_RETURN(tau, schemes::msai_tau_from_json(std::string(bytes.begin(), bytes.end())));
      std::fill(bytes.begin(), bytes.end(), 0);
    } else {
      SHROUD_ASSIGN_OR_RETURN(tau, schemes::msai_generate_tau());
      SHROUD_RETURN_IF_ERROR(schemes::write_secret_file(path, schemes::msai_tau_to_json(tau), false));
      log("camera " + camera + ": new tau key (" + std::to_string(tau.block_size) + "x" +
          std::to_string(tau.block_size) + " blocks) saved in " + path);
    }
    if (!published_.count(camera)) {
      std::string text = schemes::msai_tau_to_json(tau);
      auto sealed = seal_frame({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, o_.cameras.at(camera),
                               camera, 0, kPurposeTau);
      std::fill(text.begin(), text.end(), '\0');
      if (!sealed.ok()) return sealed.error();
      SHROUD_RETURN_IF_ERROR(kv_.put(tau_kv_key(camera), *sealed));
      published_.insert(camera);
      log("camera " + camera + ": tau put into bucket " + kMsaiBucket + " as " + tau_kv_key(camera) +
          " (sealed to its key " + fingerprint(o_.cameras.at(camera)) + ")");
    }
    return tau;
  }

  Status membrane(const Message& req, const std::string& camera, MsaiDatacenterReport& rep) {
    SHROUD_RETURN_IF_ERROR(check_camera_id(camera));
    if (!o_.cameras.count(camera)) {
      return make_error(ErrorCode::kPermission, "camera " + camera + " is not registered with this data centre");
    }
    SHROUD_ASSIGN_OR_RETURN(nlohmann::json j, parse_request(req.data()));
    SHROUD_ASSIGN_OR_RETURN(std::int64_t frame, int_field(j, "frame", 0, std::int64_t{1} << 53));
    SHROUD_ASSIGN_OR_RETURN(std::int64_t rows, int_field(j, "rows", 1, 1 << 16));
    SHROUD_ASSIGN_OR_RETURN(std::int64_t cols, int_field(j, "cols", 1, 1 << 16));
    SHROUD_ASSIGN_OR_RETURN(std::int64_t channels, int_field(j, "channels", 1, 4));
    // Bound the work before generating: the membrane must fit a message anyway.
    if (rows * cols * channels * 8 + kHeaderRoom > nc_.max_payload()) {
      return make_error(ErrorCode::kResourceLimit,
                        "a " + std::to_string(cols) + "x" + std::to_string(rows) + "x" + std::to_string(channels) +
                            " membrane does not fit the server's max_payload of " + std::to_string(nc_.max_payload()) +
                            " bytes (raise max_payload, docs/fleet.md)");
    }
    SHROUD_RETURN_IF_ERROR(tau_for(camera));
    SHROUD_ASSIGN_OR_RETURN(auto m, schemes::msai_cloud_membrane(key_, static_cast<int>(rows), static_cast<int>(cols),
                                                                 static_cast<int>(channels)));
    auto bytes = schemes::serialize_membrane(m);
    std::fill(m.values.begin(), m.values.end(), 0);
    auto sealed = seal_frame(bytes, o_.cameras.at(camera), camera, frame, kPurposeMembrane);
    std::fill(bytes.begin(), bytes.end(), 0);
    if (!sealed.ok()) return sealed.error();
    SHROUD_RETURN_IF_ERROR(nc_.respond(req, *sealed, {}));
    ++rep.membranes;
    log("camera " + camera + " frame " + std::to_string(frame) + ": membrane " + std::to_string(cols) + "x" +
        std::to_string(rows) + "x" + std::to_string(channels) + " issued");
    return ok_status();
  }

  Status restore(const Message& req, MsaiDatacenterReport& rep) {
    SHROUD_ASSIGN_OR_RETURN(nlohmann::json j, parse_request(req.data()));
    if (!j.contains("camera") || !j["camera"].is_string() || !j.contains("requester") || !j["requester"].is_object()) {
      return make_error(ErrorCode::kInvalidArgument, "request: want {\"camera\", \"frame\", \"requester\"}");
    }
    const std::string camera = j["camera"].get<std::string>();
    SHROUD_RETURN_IF_ERROR(check_camera_id(camera));
    SHROUD_ASSIGN_OR_RETURN(std::int64_t frame, int_field(j, "frame", 0, std::int64_t{1} << 53));
    SHROUD_ASSIGN_OR_RETURN(RecipientKey requester, parse_recipient_key(j["requester"].dump()));
    const std::string who = "requester " + fingerprint(requester);
    const bool allowed = std::any_of(o_.authorized.begin(), o_.authorized.end(),
                                     [&](const RecipientKey& k) { return k.public_key == requester.public_key; });
    if (!allowed) return make_error(ErrorCode::kPermission, who + " is not authorised to restore frames");
    if (!o_.cameras.count(camera)) return make_error(ErrorCode::kNotFound, "camera " + camera + " is not registered");
    SHROUD_ASSIGN_OR_RETURN(MsaiTauKey tau, tau_for(camera));
    const std::string ask = nlohmann::json{{"camera", camera}, {"frame", frame}}.dump();
    SHROUD_ASSIGN_OR_RETURN(Message stored, request_retry(nc_, kMsaiCloudGet, {reinterpret_cast<const std::uint8_t*>(ask.data()), ask.size()},
                                                          o_.cloud_timeout_ms));
    SHROUD_RETURN_IF_ERROR(reply_status(stored, "the cloud platform"));
    SHROUD_ASSIGN_OR_RETURN(MaskedFrame mf, unpack_masked_frame(stored.data(), frame));
    SHROUD_ASSIGN_OR_RETURN(LoadedImage visible, decode_image(mf.visible_png));
    SHROUD_ASSIGN_OR_RETURN(cv::Mat original, schemes::msai_datacenter_recover(visible.pixels, mf.payload, key_, tau));
    SHROUD_ASSIGN_OR_RETURN(auto png, encode_image(original, "png"));
    original.setTo(0);
    auto sealed = seal_frame(png, requester, camera, frame, kPurposeRestored);
    std::fill(png.begin(), png.end(), 0);
    if (!sealed.ok()) return sealed.error();
    SHROUD_RETURN_IF_ERROR(check_payload_size(sealed->size(), nc_.max_payload(),
                                              "restored frame " + std::to_string(frame) + " of camera " + camera));
    SHROUD_RETURN_IF_ERROR(nc_.respond(req, *sealed, {}));
    ++rep.restored;
    log("camera " + camera + " frame " + std::to_string(frame) + ": restored for " + who);
    return ok_status();
  }

  const MsaiDatacenterOptions& o_;
  NatsClient& nc_;
  KvBucket& kv_;
  MsaiKey key_;
  std::set<std::string> published_;
};

Result<MsaiKey> load_or_create_key(const MsaiDatacenterOptions& o) {
  const std::string path = (fs::path(o.state_dir) / "msai.key").string();
  std::error_code ec;
  if (fs::exists(path, ec)) {
    SHROUD_ASSIGN_OR_RETURN(auto bytes, schemes::read_secret_file(path, kMaxKeyFile));
    auto key = schemes::msai_key_from_json(std::string(bytes.begin(), bytes.end()));
    std::fill(bytes.begin(), bytes.end(), 0);
    return key;
  }
  SHROUD_ASSIGN_OR_RETURN(MsaiKey key, schemes::msai_generate_key(schemes::MsaiScheme::kLossless));
  SHROUD_RETURN_IF_ERROR(schemes::write_secret_file(path, schemes::msai_key_to_json(key), false));
  if (o.on_event) o.on_event("new msai-l key k saved in " + path);
  return key;
}

// This data centre's instance id (random, in its state folder beside k): a second data centre
// with another k on the same broker would answer half of the membrane requests with a membrane
// this one cannot unmask. The first one to start records its id in the bucket; others refuse.
Status claim_bucket(const MsaiDatacenterOptions& o, KvBucket& kv) {
  const std::string path = (fs::path(o.state_dir) / "datacenter.id").string();
  std::error_code ec;
  std::string id;
  if (fs::exists(path, ec)) {
    SHROUD_ASSIGN_OR_RETURN(auto bytes, schemes::read_secret_file(path, kMaxKeyFile));
    id.assign(bytes.begin(), bytes.end());
  } else {
    std::array<std::uint8_t, 16> r{};
    SHROUD_RETURN_IF_ERROR(crypto::random_bytes(r));
    static const char* hex = "0123456789abcdef";
    for (auto b : r) id += std::string{hex[b >> 4], hex[b & 15]};
    SHROUD_RETURN_IF_ERROR(schemes::write_secret_file(path, id, false));
  }
  auto held = kv.get("datacenter.id");
  if (held.ok()) {
    const std::string other(held->begin(), held->end());
    if (other != id) {
      return make_error(ErrorCode::kPermission, "bucket " + std::string(kMsaiBucket) +
                                                    " belongs to another data centre (id " + other +
                                                    ", this one is " + id +
                                                    "): run every data centre of a broker from one state folder");
    }
    return ok_status();
  }
  if (held.error().code != ErrorCode::kNotFound) return held.error();
  const std::vector<std::uint8_t> value(id.begin(), id.end());
  SHROUD_RETURN_IF_ERROR(kv.put("datacenter.id", value));
  return ok_status();
}

}  // namespace

Result<MsaiDatacenterReport> run_msai_datacenter(const MsaiDatacenterOptions& o) {
  if (o.state_dir.empty()) return make_error(ErrorCode::kInvalidArgument, "the data centre needs a state folder");
  for (const auto& [camera, key] : o.cameras) SHROUD_RETURN_IF_ERROR(check_camera_id(camera));
  std::error_code ec;
  fs::create_directories(o.state_dir, ec);
  if (ec) return make_error(ErrorCode::kIo, "cannot create " + o.state_dir + ": " + ec.message());
  fs::permissions(o.state_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  SHROUD_ASSIGN_OR_RETURN(NatsClient nc, NatsClient::connect(o.url));
  SHROUD_ASSIGN_OR_RETURN(KvBucket kv, KvBucket::open(nc, kMsaiBucket));
  SHROUD_RETURN_IF_ERROR(claim_bucket(o, kv));   // before any key is made: a refused one makes none
  SHROUD_ASSIGN_OR_RETURN(MsaiKey key, load_or_create_key(o));
  const std::string params = nlohmann::json{{"scheme", "msai-l"}, {"block_size", schemes::kDefaultBlockSize}, {"version", 1}}.dump();
  SHROUD_RETURN_IF_ERROR(kv.put("params", {reinterpret_cast<const std::uint8_t*>(params.data()), params.size()}));
  SHROUD_ASSIGN_OR_RETURN(PullSubscription sub, nc.subscribe("shroud.msai.dc.>", "shroud-msai-dc"));
  Datacenter dc(o, nc, kv, std::move(key));
  dc.log("data centre ready: " + std::to_string(o.cameras.size()) + " camera(s), " + std::to_string(o.authorized.size()) +
         " authorised requester(s)");
  MsaiDatacenterReport rep;
  auto last_work = Clock::now();
  while (!(o.stop && o.stop())) {
    auto req = sub.next(200);
    if (!req.ok()) {
      dc.log("receive: " + req.error().message + "; retrying");
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    } else if (!req->empty()) {
      dc.handle(req->front(), rep);
      last_work = Clock::now();
      continue;
    }
    if (o.idle_exit_ms > 0 && Clock::now() - last_work >= std::chrono::milliseconds(o.idle_exit_ms)) break;
  }
  return rep;
}

Result<std::vector<std::uint8_t>> msai_request_restore(const std::string& url, const std::string& camera,
                                                       std::int64_t index, const Keyset& keyset, std::uint32_t key_id,
                                                       std::int64_t timeout_ms) {
  SHROUD_RETURN_IF_ERROR(check_camera_id(camera));
  SHROUD_ASSIGN_OR_RETURN(RecipientKey me, keyset.recipient(key_id));
  SHROUD_ASSIGN_OR_RETURN(NatsClient nc, NatsClient::connect(url));
  const std::string text =
      nlohmann::json{{"camera", camera}, {"frame", index}, {"requester", nlohmann::json::parse(recipient_key_to_json(me))}}
          .dump();
  SHROUD_ASSIGN_OR_RETURN(Message reply, request_retry(nc, kMsaiRestore, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()},
                                                      timeout_ms));
  SHROUD_RETURN_IF_ERROR(reply_status(reply, "the data centre refused"));
  return open_frame(reply.data(), keyset, key_id, camera, index, kPurposeRestored);
}

}  // namespace shroud::fleet
