// `shroud serve`: the HTTP API over the engine (cpp-httplib). docs/service.md and
// docs/openapi.json describe the routes; this header is the front end's handle on the server.
//
// Contract:
//  - Every route but /v1/health and /v1/openapi.json needs `Authorization: Bearer TOKEN` with the
//    route's scope (401 without a valid token, 403 without the scope). Another tenant's items
//    and keys answer 404, exactly as missing ones do.
//  - Bodies are read through a counting reader: over max_body_bytes is 413, chunked or not.
//    Images over max_pixels are 413 before decoding. Unknown query parameters are 400.
//  - Errors are JSON {"error": {"code": KIND, "message": TEXT}} with a 4xx/5xx status; a bad
//    request never stops the server.
//  - With rate_limit, a token over its rate gets 429 with Retry-After (a token bucket per token).
//  - Bounded queue: `threads` workers and at most `max_queued` connections waiting for one; a
//    connection beyond that is answered 503 with Retry-After (RequestQueue) and closed.
//  - HTTPS with tls_cert/tls_key (any address); plain HTTP listens on loopback only unless
//    `insecure` is set.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "shroud/result.h"

namespace shroud::service {

struct ServeOptions {
  std::string data;                  // the data directory (shroud serve --init made it)
  std::string master_key;            // default DATA/master.key
  std::string store;                 // postgresql:// URI; empty: DATA/store.url or DATA/shroud.db
  std::string listen = "127.0.0.1";
  int port = 8080;                   // 0: any free port (see Server::port())
  bool insecure = false;             // allow plain HTTP on a non-loopback address
  std::string tls_cert, tls_key;     // PEM files: serve HTTPS (OpenSSL) instead of HTTP
  std::string detector;              // engine detector spec; empty: the default
  std::string models_dir;
  std::int64_t max_body_bytes = 32LL * 1024 * 1024;
  std::int64_t max_pixels = 40'000'000;
  int timeout_seconds = 10;          // read and write timeouts per request
  int threads = 8;
  int max_queued = 64;               // connections waiting for a worker before 503
  int rate_limit = 0;                // requests/s per token (bursts of the same size); 0: none
  int video_workers = 2;             // async video jobs run at once (jobs.cc)
  int video_queue = 16;              // video jobs waiting at most; more: 503 with Retry-After
  std::function<void(const std::string&)> log;   // one line per event; may be empty
};

class Server {
 public:
  // Opens DATA, binds the socket (so port() is known), but does not serve yet.
  static Result<std::unique_ptr<Server>> create(const ServeOptions& options);
  ~Server();
  int port() const;
  // Serves until stop(); returns an error if the listener fails.
  Status run();
  void stop();   // safe from another thread

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The OpenAPI 3 document the server serves at /v1/openapi.json (also docs/openapi.json).
const char* openapi_json();

}  // namespace shroud::service
