// The review studio (docs/studio.md): the page at /studio (assets built into the binary) and the
// routes it calls besides the service's own (/v1/detect, /v1/items/{id}, /v1/jobs/...):
//
//   GET  /v1/whoami                         any valid token: its id, tenant and scopes
//   POST /v1/studio/preview        protect  the image protected with the reviewer's regions (PNG)
//   POST /v1/studio/apply          protect  the same, stored as an item + its regions JSON, audited
//   POST /v1/studio/items/{id}/original recover  the original of a sealed item, given a reason
//
// Preview and apply take one body: the regions JSON (X-Shroud-Regions-Length bytes) followed by
// the image bytes, so the image travels as binary, not base64. Each region names its own method;
// regions are protected by the engine (detector manual:FILE, mask scale 1), one engine pass per
// method, irreversible methods first and the seal last, so sealed originals are never altered by
// a later pass and the seal binds the final carrier pixels.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>

#include "core/json_number.h"
#include "service/audit.h"
#include "service/route_host.h"
#include "shroud/image_io.h"
#include "shroud/regions_json.h"
#include "studio_assets.h"

namespace shroud::service {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr std::size_t kMaxRegionsJson = 1 << 20;
constexpr std::size_t kMaxRegions = 1000;
const std::vector<std::string> kStudioMethods = {"blur", "pixelate", "fill", "seal"};
const std::set<std::string> kFormats = {"png", "jpeg", "webp", "bmp", "tiff"};

std::string content_type(const std::string& format) {
  if (format == "json") return "application/json";
  if (format == "mp4") return "video/mp4";
  return "image/" + format;
}

// A folder under DATA/tmp removed when the request ends (regions files for manual:FILE).
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& data) {
    std::error_code ec;
    path_ = data + "/tmp/" + random_hex(8);
    fs::create_directories(path_, ec);
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct Planned {
  Region region;
  std::string method;
};

struct Edit {
  std::vector<Planned> regions;
  std::string format;        // output format ("" = the input's)
  std::string placeholder;   // seal placeholder
  json edits = json::object();
  cv::Size size;
  ApiBody image;
};

// Splits and validates the body: regions JSON, then the image.
std::variant<Edit, ApiError> parse_edit(const httplib::Request& req, const ApiBody& body, std::int64_t max_pixels) {
  const std::string len_text = req.get_header_value("X-Shroud-Regions-Length");
  if (len_text.empty()) return api_bad_request("missing X-Shroud-Regions-Length: the body is the regions JSON followed by the image");
  std::size_t len = 0;
  if (len_text.size() > 8 || len_text.find_first_not_of("0123456789") != std::string::npos) {
    return api_bad_request("X-Shroud-Regions-Length must be a decimal byte count");
  }
  len = std::stoul(len_text);
  if (len == 0 || len > kMaxRegionsJson || len > body.size()) {
    return api_bad_request("X-Shroud-Regions-Length must be 1.." + std::to_string(kMaxRegionsJson) + " and within the body");
  }
  Edit edit;
  edit.image.assign(body.begin() + static_cast<std::ptrdiff_t>(len), body.end());
  if (auto e = check_uploaded_image(edit.image, max_pixels)) return *e;
  auto size = probe_dimensions(edit.image);
  if (!size.ok()) return api_error(size.error());
  edit.size = *size;

  const json j = json::parse(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(len), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return api_bad_request("the regions part must be a JSON object");
  for (const auto& [k, v] : j.items()) {
    if (k != "regions" && k != "format" && k != "placeholder" && k != "edits") return api_bad_request("unknown field '" + k + "'");
  }
  if (!j.contains("regions") || !j["regions"].is_array()) return api_bad_request("'regions' must be an array");
  if (j["regions"].size() > kMaxRegions) return api_bad_request("at most " + std::to_string(kMaxRegions) + " regions");
  if (j.contains("format")) {
    if (!j["format"].is_string()) return api_bad_request("'format' must be a string");
    edit.format = j["format"].get<std::string>();
    if (edit.format == "jpg") edit.format = "jpeg";
    if (!kFormats.count(edit.format)) return api_bad_request("'format' must be png, jpeg, webp, bmp or tiff");
  }
  edit.placeholder = "blur";
  if (j.contains("placeholder")) {
    if (!j["placeholder"].is_string()) return api_bad_request("'placeholder' must be a string");
    edit.placeholder = j["placeholder"].get<std::string>();
    if (edit.placeholder != "fill" && edit.placeholder != "blur" && edit.placeholder != "pixelate" && edit.placeholder != "noise") {
      return api_bad_request("'placeholder' must be fill, blur, pixelate or noise");
    }
  }
  if (j.contains("edits")) {
    // What the reviewer changed (counts shown in the audit entry): small non-negative integers.
    if (!j["edits"].is_object() || j["edits"].size() > 8) return api_bad_request("'edits' must be an object of at most 8 counts");
    for (const auto& [k, v] : j["edits"].items()) {
      if (k != "added" && k != "removed" && k != "moved" && k != "method_changed" && k != "detected") {
        return api_bad_request("unknown edits field '" + k + "'");
      }
      try {
        const int n = detail::json_int(v);
        if (n < 0) throw std::runtime_error("negative");
        edit.edits[k] = n;
      } catch (const std::exception&) {
        return api_bad_request("edits." + k + " must be a non-negative integer");
      }
    }
  }
  const cv::Rect frame(0, 0, edit.size.width, edit.size.height);
  std::size_t i = 0;
  for (const auto& r : j["regions"]) {
    const std::string where = "regions[" + std::to_string(i++) + "]";
    if (!r.is_object()) return api_bad_request(where + " must be an object");
    Planned p;
    p.region.detector = "studio";
    p.region.score = 1.0f;
    for (const auto& [k, v] : r.items()) {
      if (k != "kind" && k != "box" && k != "method" && k != "score" && k != "detector") {
        return api_bad_request(where + ": unknown field '" + k + "'");
      }
    }
    if (!r.contains("kind") || !r["kind"].is_string()) return api_bad_request(where + ".kind must be a string");
    auto kind = parse_kind(r["kind"].get<std::string>());
    if (!kind.ok()) return api_bad_request(where + ".kind: " + kind.error().message);
    p.region.kind = *kind;
    if (!r.contains("box") || !r["box"].is_array() || r["box"].size() != 4) return api_bad_request(where + ".box must be [x, y, w, h]");
    try {
      const int x = detail::json_int(r["box"][0]), y = detail::json_int(r["box"][1]);
      const int w = detail::json_int(r["box"][2]), h = detail::json_int(r["box"][3]);
      if (w < 1 || h < 1) return api_bad_request(where + ".box: width and height must be at least 1");
      const std::int64_t x2 = static_cast<std::int64_t>(x) + w, y2 = static_cast<std::int64_t>(y) + h;
      if (x2 <= 0 || y2 <= 0 || x >= frame.width || y >= frame.height) return api_bad_request(where + ".box lies outside the image");
      // Clipped to the image in 64-bit (x + w may not fit in an int).
      const int cx = std::max(x, 0), cy = std::max(y, 0);
      const int cx2 = static_cast<int>(std::min<std::int64_t>(x2, frame.width));
      const int cy2 = static_cast<int>(std::min<std::int64_t>(y2, frame.height));
      p.region.box = cv::Rect(cx, cy, cx2 - cx, cy2 - cy);
    } catch (const std::exception&) {
      return api_bad_request(where + ".box must hold 4 integers");
    }
    if (!r.contains("method") || !r["method"].is_string() ||
        std::find(kStudioMethods.begin(), kStudioMethods.end(), r["method"].get<std::string>()) == kStudioMethods.end()) {
      return api_bad_request(where + ".method must be blur, pixelate, fill or seal");
    }
    p.method = r["method"].get<std::string>();
    if (r.contains("score")) {
      if (!r["score"].is_number() || !(r["score"].get<double>() >= 0.0 && r["score"].get<double>() <= 1.0)) {
        return api_bad_request(where + ".score must be a number 0..1");
      }
      p.region.score = static_cast<float>(r["score"].get<double>());
    }
    if (r.contains("detector")) {
      if (!r["detector"].is_string() || r["detector"].get<std::string>().size() > 64) return api_bad_request(where + ".detector must be a short string");
      p.region.detector = r["detector"].get<std::string>();
    }
    edit.regions.push_back(std::move(p));
  }
  if (edit.format.empty()) {
    const std::string in = sniff_format(edit.image);
    edit.format = kFormats.count(in) ? in : "png";
  }
  return edit;
}

struct Rendered {
  std::vector<std::uint8_t> image;
  std::vector<Action> actions;
  std::vector<std::string> methods;   // in the order applied
  std::size_t sealed = 0;
};

class Studio {
 public:
  explicit Studio(RouteHost& host) : host_(host) {}

  void routes() {
    using R = const httplib::Request&;
    using W = httplib::Response&;
    host_.get("/studio", "/studio", "", [](R, W res, const TokenRow&, const ApiBody&) {
      res.status = 302;
      res.set_header("Location", "/studio/");
      return std::optional<ApiError>();
    });
    host_.get(R"(/studio/([a-z0-9_.-]*))", "/studio/{asset}", "", [](R req, W res, const TokenRow&, const ApiBody&) -> std::optional<ApiError> {
      std::string name = req.matches[1];
      if (name.empty()) name = "index.html";
      for (std::size_t i = 0; i < kStudioAssetCount; ++i) {
        const StudioAsset& a = kStudioAssets[i];
        if (name != a.name) continue;
        res.status = 200;
        res.set_header("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; script-src 'self'; "
                       "connect-src 'self'; frame-ancestors 'none'");
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Cache-Control", "no-cache");
        res.set_content(std::string(reinterpret_cast<const char*>(a.data), a.size), a.type);
        return std::nullopt;
      }
      return api_not_found("studio file");
    });
    host_.get("/v1/whoami", "/v1/whoami", "", [this](R req, W res, const TokenRow&, const ApiBody&) -> std::optional<ApiError> {
      if (auto e = check_query(req, {})) return e;
      ApiError err;
      auto token = host_.authenticate_any(req, &err);
      if (!token) {
        if (err.status == 401) res.set_header("WWW-Authenticate", "Bearer");
        return err;
      }
      res.status = 200;
      res.set_content(json({{"id", token->id}, {"tenant", token->tenant}, {"scopes", token->scopes}, {"expires", token->expires}}).dump(2) + "\n",
                      "application/json");
      return std::nullopt;
    });
    host_.post("/v1/studio/preview", "/v1/studio/preview", "protect",
               [this](R q, W s, const TokenRow& c, const ApiBody& b) { return render(q, s, c, b, false); });
    host_.post("/v1/studio/apply", "/v1/studio/apply", "protect",
               [this](R q, W s, const TokenRow& c, const ApiBody& b) { return render(q, s, c, b, true); });
    host_.post(R"(/v1/studio/items/([0-9a-f]{32})/original)", "/v1/studio/items/{id}/original", "recover",
               [this](R q, W s, const TokenRow& c, const ApiBody& b) { return original(q, s, c, b); });
  }

 private:
  // Protects `edit` with one engine pass per method (irreversible first, seal last).
  // preview: the seal is drawn as its placeholder and no key is touched.
  Result<Rendered> protect(const Edit& edit, const TokenRow& caller, bool preview, const std::string& format) {
    std::map<std::string, std::vector<const Planned*>> by_method;
    for (const auto& p : edit.regions) {
      std::string m = p.method;
      if (preview && m == "seal") m = edit.placeholder == "noise" ? "fill" : edit.placeholder;
      by_method[m].push_back(&p);
    }
    std::vector<std::string> order;
    for (const auto& [m, list] : by_method) {
      if (m != "seal") order.push_back(m);
    }
    if (by_method.count("seal")) order.push_back("seal");
    if (order.empty()) order.push_back("");   // nothing to protect: still re-encoded (metadata dropped)

    ScratchDir scratch(host_.context().paths().root);
    Rendered out;
    std::vector<std::uint8_t> bytes = edit.image;
    for (std::size_t i = 0; i < order.size(); ++i) {
      const std::string& m = order[i];
      json list = json::array();
      std::set<std::string> kinds;
      if (!m.empty()) {
        for (const Planned* p : by_method[m]) {
          list.push_back(region_to_json(p->region));
          kinds.insert(std::string(kind_name(p->region.kind)));
        }
      }
      const std::string file = scratch.path() + "/regions-" + std::to_string(i) + ".json";
      const std::string text = json({{"regions", list}}).dump();
      SHROUD_RETURN_IF_ERROR(write_file_atomic(file, std::vector<std::uint8_t>(text.begin(), text.end()), WriteOptions{false, 0600}));
      EngineOptions o = host_.base_options();
      o.detector = "manual:" + file;
      o.allow_unlisted = true;
      o.method = m.empty() ? "blur" : m;
      o.kinds = kinds.empty() ? std::vector<std::string>{"face"} : std::vector<std::string>(kinds.begin(), kinds.end());
      o.mask_scale = 1.0;   // the reviewer's boxes are exact
      EngineKeys keys;
      if (m == "seal") {
        o.placeholder = edit.placeholder;
        // Zero-knowledge tenants seal to their recipient public key; custody ones with the keyset.
        SHROUD_ASSIGN_OR_RETURN(TenantKeys tk, host_.context().keys(caller.tenant, true, caller.id));
        keys.keyset = tk.keyset;
        keys.recipient = tk.recipient;
      }
      auto eng = keys.empty() ? Engine::create(o) : Engine::create(o, keys);
      if (!eng.ok()) return eng.error();
      const bool last = i + 1 == order.size();
      SHROUD_ASSIGN_OR_RETURN(EncodedOutput step, eng->protect_encoded(bytes, last ? format : "png", "studio"));
      for (auto& a : step.report.actions) {
        if (a.method == "seal") ++out.sealed;
        out.actions.push_back(std::move(a));
      }
      if (!m.empty()) out.methods.push_back(m);
      bytes = std::move(step.image);
    }
    out.image = std::move(bytes);
    return out;
  }

  std::optional<ApiError> render(const httplib::Request& req, httplib::Response& res, const TokenRow& caller, const ApiBody& body, bool apply) {
    if (auto e = check_query(req, {})) return e;
    auto parsed = parse_edit(req, body, host_.options().max_pixels);
    if (auto* e = std::get_if<ApiError>(&parsed)) return *e;
    const Edit& edit = std::get<Edit>(parsed);
    const std::string format = apply ? edit.format : "png";
    auto out = protect(edit, caller, !apply, format);
    if (!out.ok()) return api_error(out.error());
    if (!apply) {
      res.status = 200;
      res.set_header("Cache-Control", "no-store");
      res.set_header("X-Shroud-Protected", std::to_string(out->actions.size()));
      res.set_content(std::string(out->image.begin(), out->image.end()), content_type(format));
      return std::nullopt;
    }
    Context& ctx = host_.context();
    const std::string item_id = random_hex(16), regions_id = random_hex(16);
    json regions = json::array();
    std::map<std::string, int> per_method;
    for (const auto& p : edit.regions) {
      json r = region_to_json(p.region);
      r["method"] = p.method;
      regions.push_back(r);
      ++per_method[p.method];
    }
    json doc = {{"image", item_id}, {"width", edit.size.width}, {"height", edit.size.height}, {"format", format}, {"regions", regions}};
    add_actions_json(doc, out->actions);
    const std::string doc_text = doc.dump(2) + "\n";
    auto image_blob = ctx.blobs().put(out->image);
    if (!image_blob.ok()) return api_error(image_blob.error());
    auto regions_blob = ctx.blobs().put(Bytes(doc_text.begin(), doc_text.end()));
    if (!regions_blob.ok()) return api_error(regions_blob.error());
    std::string method;
    for (const auto& m : out->methods) method += (method.empty() ? "" : "+") + m;
    if (method.empty()) method = "none";
    const ItemRow item{item_id, caller.tenant, *image_blob, format, static_cast<std::int64_t>(out->image.size()), "studio:" + method,
                       static_cast<std::int64_t>(edit.regions.size()), unix_seconds()};
    const ItemRow regions_item{regions_id, caller.tenant, *regions_blob, "json", static_cast<std::int64_t>(doc_text.size()), "regions",
                               static_cast<std::int64_t>(edit.regions.size()), unix_seconds()};
    const json detail = {{"via", "studio"}, {"format", format}, {"regions", edit.regions.size()}, {"protected", out->actions.size()},
                         {"sealed", out->sealed}, {"methods", per_method}, {"edits", edit.edits}, {"regions_item", regions_id},
                         {"bytes_in", edit.image.size()}, {"bytes_out", out->image.size()},
                         {"input_hash", hash_hex(edit.image.data(), edit.image.size())}};
    auto rec = ctx.record(AuditRow{0, "", caller.tenant, caller.id, "studio.apply", item_id, detail.dump(), "", "", ""}, [&]() -> Status {
      SHROUD_RETURN_IF_ERROR(ctx.store().insert_item(item));
      return ctx.store().insert_item(regions_item);
    });
    if (!rec.ok()) return api_error(rec.error());
    host_.log("studio: item " + item_id + " applied by " + caller.id + " (" + std::to_string(edit.regions.size()) + " regions)");
    res.status = 201;
    res.set_header("Location", "/v1/items/" + item_id);
    res.set_content(json({{"item", item_id}, {"regions_item", regions_id}, {"format", format}, {"bytes", out->image.size()},
                          {"protected", out->actions.size()}, {"sealed", out->sealed}, {"method", item.method}})
                            .dump(2) + "\n",
                    "application/json");
    return std::nullopt;
  }

  std::optional<ApiError> original(const httplib::Request& req, httplib::Response& res, const TokenRow& caller, const ApiBody& body) {
    if (auto e = check_query(req, {})) return e;
    const std::string id = req.matches[1];
    const json j = json::parse(body.begin(), body.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return api_bad_request("the body must be a JSON object {\"reason\": TEXT}");
    for (const auto& [k, v] : j.items()) {
      if (k != "reason") return api_bad_request("unknown field '" + k + "'");
    }
    if (!j.contains("reason") || !j["reason"].is_string()) return api_bad_request("a 'reason' (text) is required to view an original");
    std::string reason = j["reason"].get<std::string>();
    const auto first = reason.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || reason.size() < 4 || reason.size() > 500) {
      return api_bad_request("'reason' must be 4..500 characters of text");
    }
    auto item = host_.context().store().find_item(id);
    if (!item.ok()) return api_error(item.error());
    if (!*item || (*item)->tenant != caller.tenant) return api_not_found("item");
    if ((*item)->method.find("seal") == std::string::npos && (*item)->method.find("sisa") == std::string::npos) {
      return ApiError{409, "conflict", "item " + id + " holds no sealed region: its original was never kept"};
    }
    auto bytes = host_.context().blobs().get((*item)->blob);
    if (!bytes.ok()) return api_error(bytes.error());
    auto tk = host_.context().keys(caller.tenant, false, caller.id);
    if (!tk.ok()) {
      if (tk.error().code == ErrorCode::kNotFound) return api_not_found("sealing key for this item");
      return api_error(tk.error());
    }
    if (!tk->keyset) {
      return ApiError{409, "zero_knowledge",
                      "tenant '" + caller.tenant + "' is zero-knowledge: the service holds only its recipient public key and "
                      "cannot show originals; recover offline with `shroud recover --key KEYSET`"};
    }
    EngineOptions o = host_.base_options();
    o.mode = EngineOptions::Mode::kRecover;
    // The key version is part of the cache key: after a rotation the engine holds the new keyset.
    auto eng = host_.engine("recover|tenant:" + caller.tenant + "|v" + std::to_string(tk->version), o,
                            EngineKeys{tk->keyset, std::nullopt});
    if (!eng.ok()) return api_error(eng.error());
    auto back = (*eng)->recover_encoded(*bytes, std::nullopt, "png", {}, "item");
    if (!back.ok()) {
      if (back.error().code == ErrorCode::kNotFound) return api_not_found("sealing key for this item");
      return api_error(back.error());
    }
    const json detail = {{"via", "studio"}, {"reason", reason}, {"key_id", back->key_id}, {"restored", back->restored},
                         {"regions", back->region_count}, {"format", "png"}};
    auto rec = host_.context().record(AuditRow{0, "", caller.tenant, caller.id, "recover", id, detail.dump(), "", "", ""});
    if (!rec.ok()) return api_error(rec.error());
    host_.log("studio: original of item " + id + " viewed by " + caller.id);
    res.status = 200;
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Shroud-Restored", std::to_string(back->restored));
    res.set_content(std::string(back->image.begin(), back->image.end()), "image/png");
    return std::nullopt;
  }

  RouteHost& host_;
};

}  // namespace

std::shared_ptr<void> add_studio_routes(RouteHost& host) {
  auto studio = std::make_shared<Studio>(host);
  studio->routes();
  return studio;
}

}  // namespace shroud::service
