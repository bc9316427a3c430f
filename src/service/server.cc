// The HTTP routes: one handler per route that parses, checks the scope, calls the engine and
// maps Result errors to status codes in one function (http_status()).
#include "service/server.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "service/audit.h"
#include "service/context.h"
#include "service/metrics.h"
#include "service/request_queue.h"
#include "service/route_host.h"
#include "shroud/engine.h"
#include "shroud/image_io.h"
#include "shroud/regions_json.h"

namespace shroud::service {
namespace {

using json = nlohmann::json;

// An error answer: HTTP status, a stable kind (also the metrics label) and a message.
struct HttpError {
  int status = 500;
  std::string kind;
  std::string message;
};

HttpError http_error(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidArgument: return {400, "bad_request", e.message};
    case ErrorCode::kNotFound: return {404, "not_found", e.message};
    case ErrorCode::kUnsupported: return {415, "unsupported", e.message};
    case ErrorCode::kCorrupt: return {422, "corrupt_input", e.message};
    case ErrorCode::kAuthentication: return {422, "authentication_failed", e.message};
    case ErrorCode::kPermission: return {403, "forbidden", e.message};
    case ErrorCode::kResourceLimit: return {413, "too_large", e.message};
    case ErrorCode::kIo:
    case ErrorCode::kInternal: break;
  }
  return {500, "internal", e.message};
}

HttpError bad_request(std::string m) { return {400, "bad_request", std::move(m)}; }
// Missing and other tenants' objects answer the same.
HttpError not_found(const std::string& what) { return {404, "not_found", what + " not found"}; }

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

const std::set<std::string> kImageFormats = {"png", "jpeg", "webp", "bmp", "tiff"};

std::string content_type(const std::string& format) {
  if (format == "png") return "image/png";
  if (format == "jpeg") return "image/jpeg";
  if (format == "webp") return "image/webp";
  if (format == "bmp") return "image/bmp";
  if (format == "tiff") return "image/tiff";
  return "application/octet-stream";
}

bool is_loopback(const std::string& host) {
  in_addr a4{};
  if (::inet_pton(AF_INET, host.c_str(), &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
  return host == "::1" || host == "localhost";
}

std::vector<std::string> split_csv(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t c = s.find(',', start);
    out.push_back(s.substr(start, c == std::string::npos ? std::string::npos : c - start));
    if (c == std::string::npos) break;
    start = c + 1;
  }
  return out;
}

// Strict numbers from query strings: the whole text must parse.
std::optional<double> parse_double(const std::string& s) {
  if (s.empty() || s.size() > 32) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}
std::optional<int> parse_int(const std::string& s) {
  auto d = parse_double(s);
  if (!d || *d != std::floor(*d) || std::fabs(*d) > 1e9) return std::nullopt;
  return static_cast<int>(*d);
}

struct Caller {
  TokenRow token;
};

}  // namespace

struct Server::Impl {
  ServeOptions options;
  std::unique_ptr<Context> ctx;
  std::unique_ptr<httplib::Server> http;   // httplib::SSLServer with TLS
  Metrics metrics;
  int port = 0;

  // Per-token token buckets (rate_limit requests/s, bursts of the same size).
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
  };
  std::mutex rate_mutex;
  std::map<std::string, Bucket> buckets;

  // True when the token may make one more request now.
  bool take(const std::string& token_id) {
    if (options.rate_limit <= 0) return true;
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> g(rate_mutex);
    if (buckets.size() > 100000) buckets.clear();   // bounded memory
    auto [it, fresh] = buckets.try_emplace(token_id);
    Bucket& b = it->second;
    const double cap = options.rate_limit;
    if (fresh) {
      b.tokens = cap;
    } else {
      b.tokens = std::min(cap, b.tokens + std::chrono::duration<double>(now - b.last).count() * cap);
    }
    b.last = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  std::mutex engines_mutex;
  std::map<std::string, std::shared_ptr<const Engine>> engines;

  // Routes registered from other files (route_host.h): jobs, studio. Declared last so that what
  // they own (job workers) stops before the rest of the server goes away.
  void extension_routes();
  std::unique_ptr<RouteHost> host;
  std::vector<std::shared_ptr<void>> extensions;

  void log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  // ---- helpers ------------------------------------------------------------------------------

  Result<std::shared_ptr<const Engine>> engine(const std::string& cache_key, const EngineOptions& o, const EngineKeys& keys) {
    {
      std::lock_guard<std::mutex> g(engines_mutex);
      if (auto it = engines.find(cache_key); it != engines.end()) return it->second;
    }
    auto made = keys.empty() ? Engine::create(o) : Engine::create(o, keys);
    if (!made.ok()) return made.error();
    auto e = std::make_shared<const Engine>(std::move(*made));
    std::lock_guard<std::mutex> g(engines_mutex);
    if (engines.size() >= 64) engines.clear();   // bounded; engines are cheap to rebuild
    engines.emplace(cache_key, e);
    return std::shared_ptr<const Engine>(e);
  }

  EngineOptions base_options() const {
    EngineOptions o;
    o.detector = options.detector;
    o.models_dir = options.models_dir;
    o.jobs = 1;
    return o;
  }

  // 401 / 403 or the caller.
  std::variant<Caller, HttpError> authenticate(const httplib::Request& req, const std::string& scope) {
    const std::string auth = req.get_header_value("Authorization");
    static const std::string kBearer = "Bearer ";
    if (auth.empty()) return HttpError{401, "unauthenticated", "missing Authorization: Bearer TOKEN"};
    if (auth.compare(0, kBearer.size(), kBearer) != 0) {
      return HttpError{401, "unauthenticated", "Authorization must be 'Bearer TOKEN'"};
    }
    const std::string token = auth.substr(kBearer.size());
    const std::string id = token_id(token);
    const HttpError invalid{401, "unauthenticated", "invalid or expired token"};
    if (id.empty()) return invalid;
    auto row = ctx->store().find_token(id);
    if (!row.ok()) return http_error(row.error());
    if (!*row || !equal_ct(hash_hex(token), (*row)->hash)) return invalid;
    if ((*row)->expires != 0 && unix_now() >= (*row)->expires) return invalid;
    const auto& scopes = (*row)->scopes;
    if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) {
      return HttpError{403, "forbidden", "this token lacks the '" + scope + "' scope"};
    }
    return Caller{**row};
  }

  std::optional<HttpError> check_params(const httplib::Request& req, const std::set<std::string>& allowed) {
    for (const auto& [k, v] : req.params) {
      if (!allowed.count(k)) return bad_request("unknown query parameter '" + k + "'");
    }
    return std::nullopt;
  }

  static std::optional<HttpError> check_image(const std::vector<std::uint8_t>& body, std::int64_t max_pixels) {
    if (body.empty()) return bad_request("the request body must be an image (got an empty body)");
    if (sniff_format(body).empty()) return HttpError{415, "unsupported", "the request body is not an image this service reads"};
    auto size = probe_dimensions(body);
    if (!size.ok()) return http_error(size.error());
    if (static_cast<std::int64_t>(size->width) * size->height > max_pixels) {
      return HttpError{413, "too_large", "image is " + std::to_string(size->width) + "x" + std::to_string(size->height) +
                                             ", over the limit of " + std::to_string(max_pixels) + " pixels"};
    }
    return std::nullopt;
  }

  void send_error(httplib::Response& res, const HttpError& e) {
    res.status = e.status;
    if (e.status == 401) res.set_header("WWW-Authenticate", "Bearer");
    res.set_content(json({{"error", {{"code", e.kind}, {"message", e.message}}}}).dump() + "\n", "application/json");
    metrics.error(e.kind);
  }

  void send_json(httplib::Response& res, int status, const json& j) {
    res.status = status;
    res.set_content(j.dump(2) + "\n", "application/json");
  }

  // ---- route wiring -------------------------------------------------------------------------

  using Body = std::vector<std::uint8_t>;
  using Fn = std::function<std::optional<HttpError>(const httplib::Request&, httplib::Response&, const Caller&, const Body&)>;

  // The queue was full: 503 with Retry-After, the connection closed, no work done.
  void overloaded(const std::string& route, httplib::Response& res) {
    res.set_header("Retry-After", "1");
    res.set_header("Connection", "close");
    send_error(res, HttpError{503, "overloaded", "the request queue is full (" + std::to_string(options.max_queued) +
                                                     " waiting); retry after 1 s"});
    metrics.observe(route, res.status, 0, 0, res.body.size());
  }

  // Wraps a handler: timing, metrics, body limit, auth and the error answer.
  void finish(const std::string& route, const httplib::Request& req, httplib::Response& res, const std::string& scope,
              const Body& body, bool body_ok, const Fn& fn, std::chrono::steady_clock::time_point t0) {
    if (RequestQueue::overflowing()) return overloaded(route, res);
    std::optional<HttpError> err;
    if (!body_ok) {
      err = HttpError{413, "too_large", "request body over the limit of " + std::to_string(options.max_body_bytes) + " bytes"};
      res.set_header("Connection", "close");
    } else {
      Caller caller;
      if (!scope.empty()) {
        auto a = authenticate(req, scope);
        if (auto* e = std::get_if<HttpError>(&a)) err = *e;
        else caller = std::get<Caller>(a);
        if (!err && !take(caller.token.id)) {
          err = HttpError{429, "rate_limited", "over " + std::to_string(options.rate_limit) + " requests/s for this token"};
          res.set_header("Retry-After", "1");
        }
      }
      if (!err) err = fn(req, res, caller, body);
    }
    if (err) send_error(res, *err);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    metrics.observe(route, res.status, s, body.size(), res.body.size());
  }

  void get(const std::string& pattern, const std::string& route, const std::string& scope, Fn fn) {
    http->Get(pattern, [this, route, scope, fn](const httplib::Request& req, httplib::Response& res) {
      const auto t0 = std::chrono::steady_clock::now();
      finish(route, req, res, scope, {}, true, fn, t0);
    });
  }

  void post(const std::string& pattern, const std::string& route, const std::string& scope, Fn fn) {
    http->Post(pattern, [this, route, scope, fn](const httplib::Request& req, httplib::Response& res,
                                                 const httplib::ContentReader& reader) {
      const auto t0 = std::chrono::steady_clock::now();
      if (RequestQueue::overflowing()) return overloaded(route, res);   // the body is not read
      Body body;
      bool within = true;
      const auto limit = static_cast<std::size_t>(options.max_body_bytes);
      // A declared length over the limit is refused before reading anything.
      const std::string declared = req.get_header_value("Content-Length");
      if (!declared.empty() && (declared.size() > 18 || std::strtoull(declared.c_str(), nullptr, 10) > limit)) {
        finish(route, req, res, scope, body, false, fn, t0);
        return;
      }
      // No Content-Length and not chunked: an empty body (httplib's reader would fail on it).
      const bool chunked = req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos;
      if (declared.empty() && !chunked) {
        finish(route, req, res, scope, body, true, fn, t0);
        return;
      }
      // Counts every byte, chunked bodies included (httplib checks only Content-Length).
      const bool read = reader([&](const char* data, std::size_t len) {
        if (body.size() + len > limit) {
          within = false;
          return false;
        }
        body.insert(body.end(), data, data + len);
        return true;
      });
      if (!read && within) {
        res.set_header("Connection", "close");
        const HttpError e = bad_request("the request body could not be read (truncated or malformed)");
        send_error(res, e);
        metrics.observe(route, res.status, 0, body.size(), res.body.size());
        return;
      }
      finish(route, req, res, scope, body, within, fn, t0);
    });
  }

  // ---- handlers -----------------------------------------------------------------------------

  std::optional<HttpError> detect(const httplib::Request& req, httplib::Response& res, const Caller&, const Body& body) {
    if (auto e = check_params(req, {})) return e;
    if (auto e = check_image(body, options.max_pixels)) return e;
    ImageLimits limits;
    limits.max_pixels = options.max_pixels;
    auto img = decode_image(body, limits);
    if (!img.ok()) return http_error(img.error());
    auto eng = engine("detect", base_options(), {});
    if (!eng.ok()) return http_error(eng.error());
    auto regions = (*eng)->detect(img->pixels);
    if (!regions.ok()) return http_error(regions.error());
    json list = json::array();
    for (const auto& r : *regions) list.push_back(region_to_json(r));
    metrics.regions(regions->size());
    send_json(res, 200, {{"width", img->pixels.cols}, {"height", img->pixels.rows}, {"regions", list}});
    return std::nullopt;
  }

  std::optional<HttpError> protect(const httplib::Request& req, httplib::Response& res, const Caller& caller, const Body& body) {
    if (auto e = check_params(req, {"method", "kinds", "placeholder", "format", "quality", "cells", "strength", "shape",
                                    "mask_scale", "feather", "epsilon", "store"})) {
      return e;
    }
    if (auto e = check_image(body, options.max_pixels)) return e;
    EngineOptions o = base_options();
    auto param = [&](const char* k) { return req.has_param(k) ? req.get_param_value(k) : std::string(); };
    o.method = param("method");
    if (o.method.empty()) o.method = "blur";
    if (req.has_param("kinds")) o.kinds = split_csv(param("kinds"));
    if (req.has_param("placeholder")) o.placeholder = param("placeholder");
    if (req.has_param("shape")) o.shape = param("shape");
    for (const char* k : {"quality", "cells"}) {
      if (!req.has_param(k)) continue;
      auto v = parse_int(param(k));
      if (!v) return bad_request(std::string("query parameter '") + k + "' must be an integer");
      if (std::string(k) == "quality") o.quality = *v;
      else o.cells = *v;
    }
    for (const char* k : {"strength", "mask_scale", "feather", "epsilon"}) {
      if (!req.has_param(k)) continue;
      auto v = parse_double(param(k));
      if (!v) return bad_request(std::string("query parameter '") + k + "' must be a number");
      const std::string n = k;
      if (n == "strength") o.strength = *v;
      else if (n == "mask_scale") o.mask_scale = *v;
      else if (n == "feather") o.feather = *v;
      else o.epsilon = *v;
    }
    bool store = false;
    if (req.has_param("store")) {
      const std::string s = param("store");
      if (s != "true" && s != "false") return bad_request("query parameter 'store' must be true or false");
      store = s == "true";
    }
    std::string format = param("format");
    if (format == "jpg") format = "jpeg";
    if (format.empty()) format = kImageFormats.count(sniff_format(body)) ? sniff_format(body) : "png";
    if (!kImageFormats.count(format)) return bad_request("format must be png, jpeg, webp, bmp or tiff");

    const bool seals = o.method == "seal" || o.method == "sisa";
    EngineKeys keys;
    std::string cache_key = o.to_json().dump();
    if (seals) {
      auto tk = ctx->keys(caller.token.tenant, true, caller.token.id);
      if (!tk.ok()) return http_error(tk.error());
      // Zero-knowledge tenants seal to their recipient public key; custody ones with the keyset.
      keys.keyset = tk->keyset;
      keys.recipient = tk->recipient;
      cache_key = "tenant:" + caller.token.tenant + "|v" + std::to_string(tk->version) + "|" + cache_key;
      store = true;   // sealed items are always kept (their recovery is audited against the item)
    }
    auto eng = engine(cache_key, o, keys);
    if (!eng.ok()) return http_error(eng.error());
    auto out = (*eng)->protect_encoded(body, format, "upload");
    if (!out.ok()) return http_error(out.error());
    const std::size_t regions = out->report.regions.size();
    const std::size_t protected_count = out->report.actions.size();
    metrics.regions(regions);

    std::string item_id;
    ItemRow item;
    if (store) {
      auto blob = ctx->blobs().put(out->image);
      if (!blob.ok()) return http_error(blob.error());
      item_id = random_hex(16);
      item = ItemRow{item_id, caller.token.tenant, *blob, format, static_cast<std::int64_t>(out->image.size()),
                     o.method, static_cast<std::int64_t>(regions), unix_now()};
    }
    const json detail = {{"method", o.method}, {"format", format}, {"regions", regions}, {"protected", protected_count},
                         {"bytes_in", body.size()}, {"bytes_out", out->image.size()},
                         {"input_hash", hash_hex(body.data(), body.size())}};
    auto rec = ctx->record(AuditRow{0, "", caller.token.tenant, caller.token.id, "protect", item_id, detail.dump(), "", "", ""},
                           [&]() -> Status { return store ? ctx->store().insert_item(item) : ok_status(); });
    if (!rec.ok()) return http_error(rec.error());
    if (store) res.set_header("X-Shroud-Item", item_id);
    res.set_header("X-Shroud-Regions", std::to_string(regions));
    res.set_header("X-Shroud-Protected", std::to_string(protected_count));
    res.status = 200;
    res.set_content(std::string(out->image.begin(), out->image.end()), content_type(format));
    return std::nullopt;
  }

  std::optional<HttpError> recover(const httplib::Request& req, httplib::Response& res, const Caller& caller, const Body& in_body) {
    if (auto e = check_params(req, {"format", "item"})) return e;
    std::string format = req.has_param("format") ? req.get_param_value("format") : "png";
    if (format == "jpg") format = "jpeg";
    if (!kImageFormats.count(format)) return bad_request("format must be png, jpeg, webp, bmp or tiff");
    const std::string item_id = req.has_param("item") ? req.get_param_value("item") : "";
    Body stored;
    const Body* body = &in_body;
    if (!item_id.empty()) {
      if (!in_body.empty()) return bad_request("give either a body or ?item=ID, not both");
      auto item = ctx->store().find_item(item_id);
      if (!item.ok()) return http_error(item.error());
      if (!*item || (*item)->tenant != caller.token.tenant) return not_found("item");
      auto bytes = ctx->blobs().get((*item)->blob);
      if (!bytes.ok()) return http_error(bytes.error());
      stored = std::move(*bytes);
      body = &stored;
    } else if (auto e = check_image(in_body, options.max_pixels)) {
      return e;
    }
    auto tk = ctx->keys(caller.token.tenant, false, caller.token.id);
    if (!tk.ok()) {
      if (tk.error().code == ErrorCode::kNotFound) return not_found("sealing key for this image");
      return http_error(tk.error());
    }
    if (!tk->keyset) {
      return HttpError{409, "zero_knowledge",
                       "tenant '" + caller.token.tenant + "' is zero-knowledge: the service holds only its recipient public key and "
                       "cannot recover; recover offline with `shroud recover --key KEYSET`"};
    }
    EngineOptions o = base_options();
    o.mode = EngineOptions::Mode::kRecover;
    auto eng = engine("recover|tenant:" + caller.token.tenant + "|v" + std::to_string(tk->version), o, EngineKeys{tk->keyset, std::nullopt});
    if (!eng.ok()) return http_error(eng.error());
    auto back = (*eng)->recover_encoded(*body, std::nullopt, format, {}, "upload");
    if (!back.ok()) {
      // A key id this tenant does not hold looks the same as a missing one.
      if (back.error().code == ErrorCode::kNotFound) return not_found("sealing key for this image");
      return http_error(back.error());
    }
    const json detail = {{"key_id", back->key_id}, {"restored", back->restored}, {"regions", back->region_count},
                         {"format", format}, {"input_hash", hash_hex(body->data(), body->size())}};
    auto rec = ctx->record(AuditRow{0, "", caller.token.tenant, caller.token.id, "recover", item_id, detail.dump(), "", "", ""});
    if (!rec.ok()) return http_error(rec.error());
    res.set_header("X-Shroud-Restored", std::to_string(back->restored));
    res.status = 200;
    res.set_content(std::string(back->image.begin(), back->image.end()), content_type(format));
    return std::nullopt;
  }

  std::optional<HttpError> get_item(const httplib::Request& req, httplib::Response& res, const Caller& caller, const Body&) {
    if (auto e = check_params(req, {})) return e;
    const std::string id = req.matches[1];
    auto item = ctx->store().find_item(id);
    if (!item.ok()) return http_error(item.error());
    if (!*item || (*item)->tenant != caller.token.tenant) return not_found("item");
    auto bytes = ctx->blobs().get((*item)->blob);
    if (!bytes.ok()) return http_error(bytes.error());
    res.set_header("X-Shroud-Method", (*item)->method);
    res.set_header("X-Shroud-Regions", std::to_string((*item)->regions));
    res.status = 200;
    res.set_content(std::string(bytes->begin(), bytes->end()), content_type((*item)->format));
    return std::nullopt;
  }

  std::optional<HttpError> create_token(const httplib::Request& req, httplib::Response& res, const Caller& caller, const Body& body) {
    if (auto e = check_params(req, {})) return e;
    const json j = json::parse(body.begin(), body.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) return bad_request("the body must be a JSON object");
    for (const auto& [k, v] : j.items()) {
      if (k != "tenant" && k != "scopes" && k != "ttl_seconds") return bad_request("unknown field '" + k + "'");
    }
    if (!j.contains("tenant") || !j["tenant"].is_string() || !valid_tenant(j["tenant"].get<std::string>())) {
      return bad_request("'tenant' must be a string of 1-64 of a-z, 0-9, '-', '_'");
    }
    if (!j.contains("scopes") || !j["scopes"].is_array() || j["scopes"].empty()) {
      return bad_request("'scopes' must be a non-empty array of detect, protect, recover, review, admin");
    }
    std::vector<std::string> scopes;
    for (const auto& s : j["scopes"]) {
      const auto& all = all_scopes();
      if (!s.is_string() || std::find(all.begin(), all.end(), s.get<std::string>()) == all.end()) {
        return bad_request("unknown scope " + s.dump() + " (detect, protect, recover, review, admin)");
      }
      if (std::find(scopes.begin(), scopes.end(), s.get<std::string>()) == scopes.end()) scopes.push_back(s.get<std::string>());
    }
    std::int64_t expires = 0;
    if (j.contains("ttl_seconds")) {
      if (!j["ttl_seconds"].is_number_integer() || j["ttl_seconds"].get<std::int64_t>() < 1 ||
          j["ttl_seconds"].get<std::int64_t>() > 10LL * 365 * 86400) {
        return bad_request("'ttl_seconds' must be an integer 1..315360000");
      }
      expires = unix_now() + j["ttl_seconds"].get<std::int64_t>();
    }
    const Token token = new_token();
    const std::string tenant = j["tenant"].get<std::string>();
    TokenRow row{token.id, token.hash, tenant, scopes, unix_now(), expires};
    const json detail = {{"id", token.id}, {"scopes", scopes}, {"expires", expires}};
    auto rec = ctx->record(AuditRow{0, "", tenant, caller.token.id, "token.create", "", detail.dump(), "", "", ""},
                           [&]() { return ctx->store().insert_token(row); });
    if (!rec.ok()) return http_error(rec.error());
    log("token " + token.id + " created for tenant " + tenant + " by " + caller.token.id);
    send_json(res, 201, {{"token", token.secret}, {"id", token.id}, {"tenant", tenant}, {"scopes", scopes}, {"expires", expires}});
    return std::nullopt;
  }

  std::optional<HttpError> revoke_token(const httplib::Request& req, httplib::Response& res, const Caller& caller, const Body&) {
    if (auto e = check_params(req, {})) return e;
    const std::string id = req.matches[1];
    auto row = ctx->store().find_token(id);
    if (!row.ok()) return http_error(row.error());
    if (!*row) return not_found("token");
    const json detail = {{"id", id}};
    auto rec = ctx->record(AuditRow{0, "", (*row)->tenant, caller.token.id, "token.revoke", "", detail.dump(), "", "", ""},
                           [&]() { return ctx->store().delete_token(id); });
    if (!rec.ok()) return http_error(rec.error());
    log("token " + id + " of tenant " + (*row)->tenant + " revoked by " + caller.token.id);
    res.status = 204;
    return std::nullopt;
  }

  // ---- key custody (admin scope, the caller's tenant) ---------------------------------------

  static json key_listing(const std::string& tenant, const TenantKeys& keys) {
    json j = {{"tenant", tenant}, {"mode", keys.mode}, {"version", keys.version}};
    if (keys.keyset) {
      json list = json::array();
      for (const auto& k : keys.keyset->keys()) {
        list.push_back({{"id", k.id}, {"algorithm", key_algorithm_name(k.algorithm)},
                        {"status", k.status == KeyStatus::kEnabled ? "enabled" : "disabled"}, {"created", k.created}, {"primary", k.primary}});
      }
      j["keys"] = list;
    }
    if (keys.recipient) j["recipient"] = {{"id", keys.recipient->id}, {"created", keys.recipient->created}};
    return j;
  }

  std::optional<HttpError> list_keys(const httplib::Request& req, httplib::Response& res, const Caller& caller, const Body&) {
    if (auto e = check_params(req, {})) return e;
    auto tk = ctx->keys(caller.token.tenant, false, caller.token.id);
    if (!tk.ok()) return http_error(tk.error());
    send_json(res, 200, key_listing(caller.token.tenant, *tk));
    return std::nullopt;
  }

  std::optional<HttpError> rotate_keys(const httplib::Request& req, httplib::Response& res, const Caller& caller, const Body& body) {
    if (auto e = check_params(req, {})) return e;
    if (!body.empty()) return bad_request("rotate takes no body");
    // A tenant without keys gets its first keyset, then the rotation.
    auto first = ctx->keys(caller.token.tenant, true, caller.token.id);
    if (!first.ok()) return http_error(first.error());
    if (!first->keyset) return HttpError{409, "zero_knowledge", "tenant is zero-knowledge: the service holds no keyset to rotate"};
    auto id = ctx->rotate_keys(caller.token.tenant, caller.token.id);
    if (!id.ok()) return http_error(id.error());
    log("tenant " + caller.token.tenant + ": key " + std::to_string(*id) + " is primary (rotated by " + caller.token.id + ")");
    auto tk = ctx->keys(caller.token.tenant, false, caller.token.id);
    if (!tk.ok()) return http_error(tk.error());
    send_json(res, 200, key_listing(caller.token.tenant, *tk));
    return std::nullopt;
  }

  std::optional<HttpError> key_status(const httplib::Request& req, httplib::Response& res, const Caller& caller, const Body& body,
                                      KeyStatus status) {
    if (auto e = check_params(req, {})) return e;
    if (!body.empty()) return bad_request("this call takes no body");
    const std::string text = req.matches[1];
    const unsigned long long id = std::strtoull(text.c_str(), nullptr, 10);
    if (text.size() > 10 || id == 0 || id > 0xffffffffULL) return not_found("key");
    auto tk = ctx->keys(caller.token.tenant, false, caller.token.id);
    if (!tk.ok()) return tk.error().code == ErrorCode::kNotFound ? not_found("key") : http_error(tk.error());
    if (!tk->keyset) return HttpError{409, "zero_knowledge", "tenant is zero-knowledge: the service holds no keyset"};
    Status s = ctx->set_key_status(caller.token.tenant, static_cast<std::uint32_t>(id), status, caller.token.id);
    if (!s.ok()) return s.error().code == ErrorCode::kNotFound ? not_found("key") : http_error(s.error());
    auto after = ctx->keys(caller.token.tenant, false, caller.token.id);
    if (!after.ok()) return http_error(after.error());
    send_json(res, 200, key_listing(caller.token.tenant, *after));
    return std::nullopt;
  }

  std::optional<HttpError> set_recipient(const httplib::Request& req, httplib::Response& res, const Caller& caller, const Body& body) {
    if (auto e = check_params(req, {})) return e;
    if (body.empty() || body.size() > 64 * 1024) return bad_request("the body must be a recipient public key (JSON from `shroud keygen`)");
    auto recipient = parse_recipient_key(std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
    if (!recipient.ok()) return bad_request("not a recipient public key: " + recipient.error().message);
    auto existing = ctx->keys(caller.token.tenant, false, caller.token.id);
    if (existing.ok()) return HttpError{409, "conflict", "tenant already has keys (" + existing->mode + "); its mode cannot change"};
    if (existing.error().code != ErrorCode::kNotFound) return http_error(existing.error());
    Status s = ctx->set_recipient(caller.token.tenant, *recipient, caller.token.id);
    if (!s.ok()) {
      if (s.error().code == ErrorCode::kInvalidArgument) return HttpError{409, "conflict", s.error().message};
      return http_error(s.error());
    }
    log("tenant " + caller.token.tenant + " is zero-knowledge (recipient key " + std::to_string(recipient->id) + ", by " + caller.token.id + ")");
    auto tk = ctx->keys(caller.token.tenant, false, caller.token.id);
    if (!tk.ok()) return http_error(tk.error());
    send_json(res, 201, key_listing(caller.token.tenant, *tk));
    return std::nullopt;
  }

  void routes() {
    using R = const httplib::Request&;
    using W = httplib::Response&;
    get("/v1/health", "/v1/health", "", [this](R, W res, const Caller&, const Body&) {
      send_json(res, 200, {{"status", "ok"}, {"version", SHROUD_VERSION}});
      return std::optional<HttpError>();
    });
    get("/v1/openapi.json", "/v1/openapi.json", "", [](R, W res, const Caller&, const Body&) {
      res.set_content(openapi_json(), "application/json");
      return std::optional<HttpError>();
    });
    get("/metrics", "/metrics", "admin", [this](R, W res, const Caller&, const Body&) {
      res.set_content(metrics.render(), "text/plain; version=0.0.4");
      return std::optional<HttpError>();
    });
    get(R"(/v1/items/([0-9a-f]{32}))", "/v1/items/{id}", "review",
        [this](R q, W s, const Caller& c, const Body& b) { return get_item(q, s, c, b); });
    post("/v1/detect", "/v1/detect", "detect", [this](R q, W s, const Caller& c, const Body& b) { return detect(q, s, c, b); });
    post("/v1/protect", "/v1/protect", "protect", [this](R q, W s, const Caller& c, const Body& b) { return protect(q, s, c, b); });
    post("/v1/recover", "/v1/recover", "recover", [this](R q, W s, const Caller& c, const Body& b) { return recover(q, s, c, b); });
    get("/v1/keys", "/v1/keys", "admin", [this](R q, W s, const Caller& c, const Body& b) { return list_keys(q, s, c, b); });
    post("/v1/keys/rotate", "/v1/keys/rotate", "admin", [this](R q, W s, const Caller& c, const Body& b) { return rotate_keys(q, s, c, b); });
    post("/v1/keys/recipient", "/v1/keys/recipient", "admin",
         [this](R q, W s, const Caller& c, const Body& b) { return set_recipient(q, s, c, b); });
    post(R"(/v1/keys/([0-9]{1,12})/disable)", "/v1/keys/{id}/disable", "admin",
         [this](R q, W s, const Caller& c, const Body& b) { return key_status(q, s, c, b, KeyStatus::kDisabled); });
    post(R"(/v1/keys/([0-9]{1,12})/enable)", "/v1/keys/{id}/enable", "admin",
         [this](R q, W s, const Caller& c, const Body& b) { return key_status(q, s, c, b, KeyStatus::kEnabled); });
    post("/v1/tokens", "/v1/tokens", "admin", [this](R q, W s, const Caller& c, const Body& b) { return create_token(q, s, c, b); });
    http->Delete(R"(/v1/tokens/([0-9a-f]{16}))", [this](R req, W res) {
      const auto t0 = std::chrono::steady_clock::now();
      finish("/v1/tokens/{id}", req, res, "admin", {}, true,
             [this](R q, W s, const Caller& c, const Body& b) { return revoke_token(q, s, c, b); }, t0);
    });
    extension_routes();

    // Unrouted paths and httplib's own refusals (413 by Content-Length, 400 malformed) as JSON.
    http->set_error_handler([this](R req, W res) {
      if (!res.body.empty()) return;
      HttpError e{res.status, res.status == 404 ? "not_found" : res.status == 413 ? "too_large" : "bad_request",
                  res.status == 404 ? "no route " + req.method + " " + req.path : "request refused"};
      if (res.status == 405) e.kind = "method_not_allowed";
      send_error(res, e);
      metrics.observe("other", res.status, 0, 0, res.body.size());
    });
    http->set_exception_handler([this](R, W res, std::exception_ptr) {
      res.status = 500;
      send_error(res, HttpError{500, "internal", "internal error"});
    });
  }
};

// ---- RouteHost over Server::Impl (route_host.h): routes from jobs.cc and studio_routes.cc ----

ApiError api_error(const Error& e) {
  const HttpError h = http_error(e);
  return {h.status, h.kind, h.message};
}

std::optional<ApiError> check_uploaded_image(const ApiBody& body, std::int64_t max_pixels) {
  if (auto e = Server::Impl::check_image(body, max_pixels)) return ApiError{e->status, e->kind, e->message};
  return std::nullopt;
}

std::optional<ApiError> check_query(const httplib::Request& req, const std::vector<std::string>& allowed) {
  for (const auto& [k, v] : req.params) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) return api_bad_request("unknown query parameter '" + k + "'");
  }
  return std::nullopt;
}

std::int64_t unix_seconds() { return unix_now(); }

namespace {

class ImplHost final : public RouteHost {
 public:
  explicit ImplHost(Server::Impl& s) : s_(s) {}
  void get(const std::string& pattern, const std::string& route, const std::string& scope, ApiHandler fn) override {
    s_.get(pattern, route, scope, wrap(std::move(fn)));
  }
  void post(const std::string& pattern, const std::string& route, const std::string& scope, ApiHandler fn) override {
    s_.post(pattern, route, scope, wrap(std::move(fn)));
  }
  void del(const std::string& pattern, const std::string& route, const std::string& scope, ApiHandler fn) override {
    auto f = wrap(std::move(fn));
    s_.http->Delete(pattern, [this, route, scope, f](const httplib::Request& req, httplib::Response& res) {
      const auto t0 = std::chrono::steady_clock::now();
      s_.finish(route, req, res, scope, {}, true, f, t0);
    });
  }
  std::optional<TokenRow> authenticate_any(const httplib::Request& req, ApiError* error) override {
    // The one token check: a valid token holds at least one scope, so one of these succeeds.
    for (const auto& scope : all_scopes()) {
      auto a = s_.authenticate(req, scope);
      if (auto* c = std::get_if<Caller>(&a)) return c->token;
      const HttpError& e = std::get<HttpError>(a);
      if (e.status != 403) {
        if (error) *error = ApiError{e.status, e.kind, e.message};
        return std::nullopt;
      }
    }
    if (error) *error = ApiError{401, "unauthenticated", "invalid or expired token"};
    return std::nullopt;
  }
  Context& context() override { return *s_.ctx; }
  const ServeOptions& options() const override { return s_.options; }
  EngineOptions base_options() const override { return s_.base_options(); }
  Result<std::shared_ptr<const Engine>> engine(const std::string& key, const EngineOptions& o, const EngineKeys& keys) override {
    return s_.engine(key, o, keys);
  }
  void log(const std::string& line) override { s_.log(line); }

 private:
  static Server::Impl::Fn wrap(ApiHandler fn) {
    return [fn](const httplib::Request& q, httplib::Response& w, const Caller& c, const Server::Impl::Body& b) -> std::optional<HttpError> {
      auto e = fn(q, w, c.token, b);
      if (!e) return std::nullopt;
      return HttpError{e->status, e->kind, e->message};
    };
  }
  Server::Impl& s_;
};

}  // namespace

void Server::Impl::extension_routes() {
  host = std::make_unique<ImplHost>(*this);
  extensions.push_back(add_job_routes(*host));
  extensions.push_back(add_studio_routes(*host));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;
int Server::port() const { return impl_->port; }
void Server::stop() { impl_->http->stop(); }

Status Server::run() {
  if (!impl_->http->listen_after_bind()) return make_error(ErrorCode::kIo, "the HTTP listener failed");
  return ok_status();
}

Result<std::unique_ptr<Server>> Server::create(const ServeOptions& options) {
  const bool tls = !options.tls_cert.empty() || !options.tls_key.empty();
  if (tls && (options.tls_cert.empty() || options.tls_key.empty())) {
    return make_error(ErrorCode::kInvalidArgument, "TLS needs both --tls-cert and --tls-key");
  }
  if (!tls && !is_loopback(options.listen) && !options.insecure) {
    return make_error(ErrorCode::kInvalidArgument, "plain HTTP listens on loopback only; '" + options.listen +
                                                       "' needs --tls-cert/--tls-key (or --insecure)");
  }
  if (options.rate_limit < 0 || options.max_body_bytes < 1024 || options.max_pixels < 1 || options.timeout_seconds < 1 || options.threads < 1 ||
      options.threads > 256 || options.max_queued < 0 || options.max_queued > 100000 || options.port < 0 || options.port > 65535) {
    return make_error(ErrorCode::kInvalidArgument, "serve: a limit is out of range (body >= 1 KiB, pixels >= 1, timeout >= 1 s, threads 1..256, queue 0..100000, port 0..65535)");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  SHROUD_ASSIGN_OR_RETURN(impl->ctx, Context::open(options.data, options.master_key, options.store));
  set_default_max_pixels(options.max_pixels);
  // Fail at start, not at the first request, when the detector cannot be made.
  {
    auto probe = impl->engine("detect", impl->base_options(), {});
    if (!probe.ok()) return probe.error();
  }
  if (tls) {
    for (const auto* f : {&options.tls_cert, &options.tls_key}) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(*f, ec)) return make_error(ErrorCode::kNotFound, "TLS file '" + *f + "' does not exist");
    }
    auto ssl = std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
    if (!ssl->is_valid()) {
      return make_error(ErrorCode::kInvalidArgument, "cannot use TLS certificate '" + options.tls_cert + "' with key '" +
                                                         options.tls_key + "' (unreadable, malformed or not a pair)");
    }
    impl->http = std::move(ssl);
  } else {
    impl->http = std::make_unique<httplib::Server>();
  }
  impl->routes();
  auto& http = *impl->http;
  const int threads = options.threads;
  const int queued = options.max_queued;
  http.new_task_queue = [threads, queued] { return new RequestQueue(static_cast<std::size_t>(threads), static_cast<std::size_t>(queued)); };
  http.set_payload_max_length(static_cast<std::size_t>(options.max_body_bytes));
  // Expect: 100-continue with a declared length over the limit: 413 at once, before the body.
  Impl* self = impl.get();
  http.set_expect_100_continue_handler([self](const httplib::Request& req, httplib::Response& res) {
    const std::string declared = req.get_header_value("Content-Length");
    const auto limit = static_cast<unsigned long long>(self->options.max_body_bytes);
    if (!declared.empty() && (declared.size() > 18 || std::strtoull(declared.c_str(), nullptr, 10) > limit)) {
      res.set_header("Connection", "close");
      self->send_error(res, HttpError{413, "too_large", "request body over the limit of " + std::to_string(limit) + " bytes"});
      return 413;
    }
    return 100;
  });
  http.set_read_timeout(options.timeout_seconds, 0);
  http.set_write_timeout(options.timeout_seconds, 0);
  http.set_keep_alive_timeout(5);
  if (options.port == 0) {
    impl->port = http.bind_to_any_port(options.listen);
    if (impl->port <= 0) return make_error(ErrorCode::kIo, "cannot bind " + options.listen);
  } else {
    if (!http.bind_to_port(options.listen, options.port)) {
      return make_error(ErrorCode::kIo, "cannot bind " + options.listen + ":" + std::to_string(options.port) + " (in use?)");
    }
    impl->port = options.port;
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

}  // namespace shroud::service
