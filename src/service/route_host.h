// What a route file outside server.cc (jobs.cc, studio_routes.cc) needs from the server: route
// registration through the same wrapper as every other route (timing, metrics, body limit,
// token, scope, rate limit, JSON errors), the data directory, the engine cache and the options.
//
// Contract: handlers are called from the server's worker threads, concurrently; a handler
// returns std::nullopt after filling the response, or an ApiError that the wrapper answers as
// {"error": {"code": kind, "message": message}} with its status. A handler may set headers
// (e.g. Retry-After) before returning an error; they are kept.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "service/context.h"
#include "service/server.h"
#include "service/store.h"
#include "shroud/engine.h"
#include "shroud/result.h"

namespace shroud::service {

struct ApiError {
  int status = 500;
  std::string kind;      // stable code, also the metrics label
  std::string message;
};

// The mapping of library errors to HTTP answers (the same as the server's own routes).
ApiError api_error(const Error& e);
inline ApiError api_bad_request(std::string m) { return {400, "bad_request", std::move(m)}; }
inline ApiError api_not_found(const std::string& what) { return {404, "not_found", what + " not found"}; }

using ApiBody = std::vector<std::uint8_t>;
using ApiHandler = std::function<std::optional<ApiError>(const httplib::Request&, httplib::Response&,
                                                         const TokenRow& caller, const ApiBody& body)>;

class RouteHost {
 public:
  virtual ~RouteHost() = default;
  // `scope` empty: no token needed (caller is then empty).
  virtual void get(const std::string& pattern, const std::string& route, const std::string& scope, ApiHandler fn) = 0;
  virtual void post(const std::string& pattern, const std::string& route, const std::string& scope, ApiHandler fn) = 0;
  virtual void del(const std::string& pattern, const std::string& route, const std::string& scope, ApiHandler fn) = 0;
  // The token of `req` whatever its scopes (401 answers as for any route).
  virtual std::optional<TokenRow> authenticate_any(const httplib::Request& req, ApiError* error) = 0;

  virtual Context& context() = 0;
  virtual const ServeOptions& options() const = 0;
  virtual EngineOptions base_options() const = 0;
  // The server's bounded engine cache (same key: same engine).
  virtual Result<std::shared_ptr<const Engine>> engine(const std::string& cache_key, const EngineOptions& o,
                                                       const EngineKeys& keys) = 0;
  virtual void log(const std::string& line) = 0;
};

// Checks an uploaded image as the server's routes do: non-empty (400), a format the service
// reads (415), within max_pixels from its header (413).
std::optional<ApiError> check_uploaded_image(const ApiBody& body, std::int64_t max_pixels);
// Query parameters other than `allowed` are 400.
std::optional<ApiError> check_query(const httplib::Request& req, const std::vector<std::string>& allowed);
std::int64_t unix_seconds();

// Route files. Each returns what must live as long as the server (may be null).
std::shared_ptr<void> add_job_routes(RouteHost& host);
std::shared_ptr<void> add_studio_routes(RouteHost& host);

}  // namespace shroud::service
