// A `shroud serve` process for tests: a temp data directory made with `serve --init`, the
// server on 127.0.0.1 with a free port (--port 0 --port-file), /v1/health awaited, and the
// process stopped (SIGTERM, then SIGKILL) by the destructor, so a failing test never leaks it.
// Clients: httplib::Client (client()) and the real `curl` binary (curl()).
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli_util.h"
#include "service_pg.h"
#include "test_util.h"

namespace shroud::testing {

// A w x h PNG of uniform noise (8-bit BGR), the same bytes for the same seed.
inline std::string random_png(int w, int h, int seed) {
  cv::Mat m(h, w, CV_8UC3);
  cv::RNG rng(seed);
  rng.fill(m, cv::RNG::UNIFORM, 0, 256);
  std::vector<std::uint8_t> out;
  cv::imencode(".png", m, out);
  return std::string(out.begin(), out.end());
}

// An encoded image body as pixels (empty when it does not decode).
inline cv::Mat decode_image(const std::string& bytes) {
  return cv::imdecode(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), cv::IMREAD_UNCHANGED);
}

// Same size, type and every pixel (an empty image is never the same).
inline bool same_pixels(const cv::Mat& a, const cv::Mat& b) {
  return !a.empty() && a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}
inline bool same_pixels(const std::string& a, const std::string& b) { return same_pixels(decode_image(a), decode_image(b)); }

class ServiceProcess {
 public:
  // Initialises DATA (unless already initialised) and records the admin token.
  // tls: serve HTTPS with a self-signed certificate made here with `openssl req`.
  explicit ServiceProcess(bool tls = false, std::vector<std::string> extra_args = {}) : extra_(std::move(extra_args)), tls_(tls) {
    data_ = tmp_.path() / "data";
    zones_ = tmp_.path() / "zones.json";
    write_text(zones_, R"({"zones": [{"kind": "face", "rel": [0.25, 0.25, 0.3, 0.4]}, {"kind": "plate", "rel": [0.6, 0.7, 0.3, 0.2]}]})");
    std::vector<std::string> init = {"serve", "--data", data_.string(), "--init", "--tenant", "acme"};
    if (PgCluster::wanted()) {
      // The store in a fresh database of the process's throwaway cluster.
      std::string why;
      PgCluster* pg = PgCluster::shared(&why);
      if (!pg) {
        ADD_FAILURE() << "PostgreSQL: " << why;
        return;
      }
      store_ = pg->create_database();
      if (store_.empty()) {
        ADD_FAILURE() << "createdb failed";
        return;
      }
      init.insert(init.end(), {"--store", store_});
    }
    const RunResult r = run_shroud(init);
    if (r.exit_code != 0) {
      ADD_FAILURE() << "serve --init failed: " << r.output;
      return;
    }
    for (std::size_t pos = 0; pos < r.output.size();) {
      const std::size_t nl = r.output.find('\n', pos);
      const std::string line = r.output.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      if (line.rfind("st_", 0) == 0) admin_ = line;
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    if (admin_.empty()) ADD_FAILURE() << "no admin token printed: " << r.output;
    if (tls_) {
      cert_ = tmp_.path() / "tls.crt";
      const auto key = tmp_.path() / "tls.key";
      const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
                              shell_quote(key.string()) + " -out " + shell_quote(cert_.string()) + " >/dev/null 2>&1";
      if (std::system(cmd.c_str()) != 0) {
        ADD_FAILURE() << "openssl req failed";
        return;
      }
      extra_.insert(extra_.end(), {"--tls-cert", cert_.string(), "--tls-key", key.string()});
    }
  }
  // A second server on `other`'s DATA (and store): no --init, its own port, log and process.
  struct SameData {};
  ServiceProcess(SameData, const ServiceProcess& other)
      : extra_(other.extra_), tls_(other.tls_), data_(other.data_), zones_(other.zones_), cert_(other.cert_),
        admin_(other.admin_), store_(other.store_) {}
  ~ServiceProcess() { stop(); }

  // Starts the server; false (with a test failure) if it is not healthy within 15 s.
  bool start() {
    const auto port_file = tmp_.path() / "port";
    std::filesystem::remove(port_file);
    std::vector<std::string> args = {shroud_bin(), "serve", "--data", data_.string(), "--port", "0",
                                     "--port-file", port_file.string(), "--detector", "zones:" + zones_.string()};
    // Defaults the extra arguments do not override.
    const std::vector<std::pair<std::string, std::string>> defaults = {
        {"--threads", "4"}, {"--max-body-mb", "4"}, {"--max-pixels", "4000000"}, {"--timeout", "3"}};
    for (const auto& [flag, value] : defaults) {
      if (std::find(extra_.begin(), extra_.end(), flag) == extra_.end()) args.insert(args.end(), {flag, value});
    }
    args.insert(args.end(), extra_.begin(), extra_.end());
    log_ = tmp_.path() / "server.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      FILE* f = std::fopen(log_.c_str(), "a");
      if (f) {
        ::dup2(::fileno(f), 1);
        ::dup2(::fileno(f), 2);
      }
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        ADD_FAILURE() << "server exited at start: " << read_text(log_);
        return false;
      }
      const std::string p = read_text(port_file);
      if (!p.empty()) {
        port_ = std::stoi(p);
        auto res = client().Get("/v1/health");
        if (res && res->status == 200) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "server not healthy within 15 s: " << read_text(log_);
    return false;
  }

  // SIGTERM (graceful) or SIGKILL; waits for the process.
  void stop(bool kill9 = false) {
    if (pid_ <= 0) return;
    ::kill(pid_, kill9 ? SIGKILL : SIGTERM);
    for (int i = 0; i < 100; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    return ::waitpid(pid_, &status, WNOHANG) == 0;
  }

  httplib::Client client() const {
    httplib::Client c(url(""));
    if (tls_) c.set_ca_cert_path(cert_.c_str());
    c.set_read_timeout(20, 0);
    c.set_write_timeout(20, 0);
    return c;
  }
  static httplib::Headers bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

  struct CurlResult {
    int status = 0;
    std::string body;
    std::string headers;
  };
  // curl ARGS... against PATH; the body is written to a file and read back (binary safe).
  CurlResult curl(const std::vector<std::string>& args, const std::string& path) {
    const auto body = tmp_.path() / "curl.body";
    const auto headers = tmp_.path() / "curl.headers";
    std::filesystem::remove(body);
    std::string cmd = "curl -sS --max-time 20 -o " + shell_quote(body.string()) + " -D " + shell_quote(headers.string()) +
                      " -w '%{http_code}'";
    if (tls_) cmd += " --cacert " + shell_quote(cert_.string());
    for (const auto& a : args) cmd += " " + shell_quote(a);
    cmd += " " + shell_quote(url(path)) + " 2>/dev/null";
    CurlResult r;
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[256];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    ::pclose(p);
    r.status = out.empty() ? 0 : std::atoi(out.c_str());
    r.body = read_text(body);
    r.headers = read_text(headers);
    return r;
  }

  std::string url(const std::string& path) const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  const std::string& admin() const { return admin_; }
  const std::filesystem::path& data() const { return data_; }
  // The PostgreSQL URI of the store, empty for SQLite (DATA/shroud.db).
  const std::string& store() const { return store_; }
  std::string store_location() const { return store_.empty() ? (data_ / "shroud.db").string() : store_; }
  // Copies DATA to `to` with its own copy of the store (SQLite: the file; PostgreSQL: a database
  // made from this one as a template, named in to/store.url). Stop the server first. The copy's
  // store location, empty on failure.
  std::string copy_data(const std::filesystem::path& to) {
    std::filesystem::copy(data_, to, std::filesystem::copy_options::recursive);
    if (store_.empty()) return (to / "shroud.db").string();
    std::string why;
    PgCluster* pg = PgCluster::shared(&why);
    const std::string copy = pg ? pg->copy_database(store_) : "";
    if (copy.empty()) return "";
    std::filesystem::remove(to / "store.url");
    write_text(to / "store.url", copy + "\n");
    std::filesystem::permissions(to / "store.url", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return copy;
  }
  const std::filesystem::path& dir() const { return tmp_.path(); }
  int port() const { return port_; }
  std::string log() const { return read_text(log_); }

  // Creates a token with the admin token; empty on failure (with a test failure).
  std::string token(const std::string& tenant, const std::vector<std::string>& scopes, int ttl = 0) {
    std::string body = R"({"tenant": ")" + tenant + R"(", "scopes": [)";
    for (std::size_t i = 0; i < scopes.size(); ++i) body += (i ? ", \"" : "\"") + scopes[i] + "\"";
    body += "]";
    if (ttl > 0) body += ", \"ttl_seconds\": " + std::to_string(ttl);
    body += "}";
    auto res = client().Post("/v1/tokens", bearer(admin_), body, "application/json");
    if (!res || res->status != 201) {
      ADD_FAILURE() << "token creation failed: " << (res ? res->body : "no response");
      return "";
    }
    const auto j = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("token") || !j["token"].is_string()) {
      ADD_FAILURE() << "token creation answered no token: " << res->body;
      return "";
    }
    return j["token"].get<std::string>();
  }

 private:
  TempDir tmp_;
  std::vector<std::string> extra_;
  bool tls_ = false;
  std::filesystem::path data_, zones_, log_, cert_;
  std::string admin_;
  std::string store_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace shroud::testing
