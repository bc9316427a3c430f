// shroud serve --data DIR --init [--tenant NAME] [--master-key FILE] [--store postgresql://...]
// shroud serve --data DIR [--listen ADDR] [--port N] [--port-file FILE] [limits...]
//
// --init creates the data directory (store, master key, audit key) and prints the first admin
// token once. Without --init: serves the HTTP API (docs/service.md) until SIGINT/SIGTERM.
// The work is the service library's (src/service); this file parses, prints and waits.
#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <pthread.h>
#include <thread>

#include "commands.h"
#include "service/server.h"
#include "service/context.h"
#include "shroud/image_io.h"

namespace shroud::cli {
namespace {
// Named as the file, so unity builds (SHROUD_UNITY) can batch the commands together.
namespace cmd_serve {

struct Opts {
  service::ServeOptions serve;
  bool init = false;
  std::string tenant = "default";
  std::string port_file;
  bool print_openapi = false;
  double max_body_mb = 32;
};

Status run_init(const Opts& o) {
  SHROUD_ASSIGN_OR_RETURN(service::InitResult r, service::init_data_dir(o.serve.data, o.serve.master_key, o.tenant, o.serve.store));
  spdlog::info("initialised {} ({})", o.serve.data, o.serve.store.empty() ? "store shroud.db, SQLite WAL" : "store in PostgreSQL, URI in store.url");
  spdlog::info("master key: {} ({})", r.master_key_path, r.master_key_created ? "created, mode 0600; back it up apart from DATA" : "existing");
  spdlog::info("audit public key: {}", r.audit_public);
  spdlog::info("admin token {} for tenant '{}' (all scopes); it is shown only now:", r.token_id, r.tenant);
  std::fprintf(stdout, "%s\n", r.admin_token.c_str());
  std::fflush(stdout);
  return ok_status();
}

Status run_serve(Opts o) {
  o.serve.max_body_bytes = static_cast<std::int64_t>(o.max_body_mb * 1024 * 1024);
  o.serve.log = [](const std::string& line) { spdlog::info("{}", line); };
  // SIGINT/SIGTERM are taken by a waiting thread (blocked everywhere else) that stops the server.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  SHROUD_ASSIGN_OR_RETURN(auto server, service::Server::create(o.serve));
  if (!o.port_file.empty()) {
    const std::string text = std::to_string(server->port()) + "\n";
    SHROUD_RETURN_IF_ERROR(write_file_atomic(o.port_file, std::vector<std::uint8_t>(text.begin(), text.end()), WriteOptions{true, 0644}));
  }
  spdlog::info("serving {} on {}://{}:{} (body limit {} bytes, {} pixels, timeout {} s, {} threads)", o.serve.data,
               o.serve.tls_cert.empty() ? "http" : "https", o.serve.listen, server->port(), o.serve.max_body_bytes, o.serve.max_pixels, o.serve.timeout_seconds,
               o.serve.threads);
  std::thread waiter([&server, set] {
    int sig = 0;
    sigwait(&set, &sig);
    spdlog::info("signal {}: stopping", sig);
    server->stop();
  });
  Status s = server->run();
  if (waiter.joinable()) {
    // Wake the waiter if the listener ended by itself.
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
  }
  return s;
}

}  // namespace cmd_serve
}  // namespace

void add_serve(CLI::App& app, Globals& g) {
  using namespace cmd_serve;
  auto* cmd = app.add_subcommand("serve", "HTTP API over the engine: tokens, tenants, key custody, audit (docs/service.md)");
  auto o = std::make_shared<Opts>();
  cmd->add_option("--data", o->serve.data, "data directory (store, keys, items)");
  cmd->add_flag("--init", o->init, "create the data directory and print the first admin token, then exit");
  cmd->add_option("--tenant", o->tenant, "--init: the admin token's tenant")->capture_default_str();
  cmd->add_option("--master-key", o->serve.master_key, "master key file (mode 0600; default DATA/master.key)");
  cmd->add_option("--store", o->serve.store, "postgresql://... URI: keep the store in PostgreSQL (--init records it in DATA/store.url)");
  cmd->add_option("--listen", o->serve.listen, "address to listen on (plain HTTP: loopback unless --insecure)")->capture_default_str();
  cmd->add_option("--port", o->serve.port, "port (0: any free port)")->capture_default_str()->check(CLI::Range(0, 65535));
  cmd->add_option("--port-file", o->port_file, "write the bound port to this file once listening");
  cmd->add_flag("--insecure", o->serve.insecure, "allow plain HTTP on a non-loopback address");
  cmd->add_option("--tls-cert", o->serve.tls_cert, "TLS certificate chain (PEM): serve HTTPS");
  cmd->add_option("--tls-key", o->serve.tls_key, "TLS private key (PEM) for --tls-cert");
  cmd->add_option("--detector", o->serve.detector, "detector spec for detect/protect (default: the engine's)");
  cmd->add_option("--max-body-mb", o->max_body_mb, "largest request body, chunked or not (MiB)")->capture_default_str()->check(CLI::Range(0.001, 4096.0));
  cmd->add_option("--max-pixels", o->serve.max_pixels, "largest image (width x height)")->capture_default_str()->check(CLI::Range(std::int64_t{1}, std::int64_t{1000000000}));
  cmd->add_option("--timeout", o->serve.timeout_seconds, "read/write timeout per request (s)")->capture_default_str()->check(CLI::Range(1, 3600));
  cmd->add_option("--threads", o->serve.threads, "request threads")->capture_default_str()->check(CLI::Range(1, 256));
  cmd->add_option("--queue", o->serve.max_queued, "connections waiting for a thread before 503 + Retry-After")
      ->capture_default_str()->check(CLI::Range(0, 100000));
  cmd->add_option("--rate-limit", o->serve.rate_limit, "requests per second per token (bursts of the same size; 0: none)")
      ->capture_default_str()->check(CLI::Range(0, 1000000));
  cmd->add_option("--video-workers", o->serve.video_workers, "async video jobs run at once")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--video-queue", o->serve.video_queue, "video jobs waiting at most (more: 503 + Retry-After)")->capture_default_str()->check(CLI::Range(1, 10000));
  cmd->add_flag("--print-openapi", o->print_openapi, "print the OpenAPI document (docs/openapi.json) and exit");
  cmd->callback([&g, o] {
    if (o->print_openapi) {
      std::fputs(service::openapi_json(), stdout);
      return;
    }
    o->serve.models_dir = g.models_dir;
    Status s = o->serve.data.empty() ? Status(make_error(ErrorCode::kInvalidArgument, "serve needs --data DIR"))
                                     : o->init ? run_init(*o) : run_serve(*o);
    if (!s.ok()) g.exit_code = report(s.error());
  });
}

}  // namespace shroud::cli
