// A throwaway PostgreSQL cluster for the service tests: initdb + pg_ctl on a Unix socket in a
// temp directory (no TCP), started once per test process on first use and stopped (pg_ctl stop
// -m immediate, directory removed) when the process exits, also after failed tests.
//
// PostgreSQL refuses to run as root, and CI runs as root: then the cluster runs as the
// `postgres` user (runuser -u postgres), its directory chowned to it. Tests skip with a message
// only when the binaries are absent (Debian: postgresql; /usr/lib/postgresql/N/bin).
//
// SHROUD_TEST_STORE=postgresql makes ServiceProcess keep its store in a fresh database of this
// cluster, so the whole service API suite runs against PostgreSQL (ctest: service.postgresql).
#pragma once

#include <gtest/gtest.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "cli_util.h"
#include "test_util.h"

namespace shroud::testing {

class PgCluster {
 public:
  // The process's cluster (started on first call); nullptr with `why` set when unavailable.
  static PgCluster* shared(std::string* why) {
    static std::mutex mutex;
    static std::unique_ptr<PgCluster> cluster;
    static std::string reason;
    std::lock_guard<std::mutex> lock(mutex);
    if (!cluster && reason.empty()) {
      auto c = std::unique_ptr<PgCluster>(new PgCluster());
      reason = c->start();
      if (reason.empty()) cluster = std::move(c);
    }
    if (why) *why = reason;
    return cluster.get();
  }

  static bool wanted() {
    const char* v = std::getenv("SHROUD_TEST_STORE");
    return v && std::string(v) == "postgresql";
  }

  // A fresh, empty database; its URI (Unix socket, trust auth). Empty on failure.
  std::string create_database() {
    const std::string name = "shroud_" + std::to_string(::getpid()) + "_" + std::to_string(next_++);
    if (run(shell_quote(bin("createdb")) + " -h " + shell_quote(dir_) + " -U postgres " + name) != 0) return "";
    return uri(name);
  }
  // A copy of database `from` (CREATE DATABASE ... TEMPLATE; nobody may be connected to it).
  std::string copy_database(const std::string& from_uri) {
    const std::string from = from_uri.substr(from_uri.find(":///") + 4, from_uri.find('?') - from_uri.find(":///") - 4);
    const std::string name = "shroud_" + std::to_string(::getpid()) + "_" + std::to_string(next_++);
    if (run(shell_quote(bin("createdb")) + " -h " + shell_quote(dir_) + " -U postgres -T " + from + " " + name) != 0) return "";
    return uri(name);
  }
  std::string uri(const std::string& db) const { return "postgresql:///" + db + "?host=" + dir_ + "&user=postgres"; }

  ~PgCluster() { stop(); }

 private:
  PgCluster() = default;

  static std::string find_bindir() {
    if (const char* env = std::getenv("SHROUD_PG_BINDIR")) return env;
    std::string best;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
      const auto b = e.path() / "bin";
      if (std::filesystem::exists(b / "initdb") && std::filesystem::exists(b / "pg_ctl") && b.string() > best) best = b.string();
    }
    return best;
  }
  std::string bin(const std::string& name) const { return bindir_ + "/" + name; }

  // Runs `cmd` as the cluster's user, output to the log; its exit status.
  int run(const std::string& cmd) const {
    const std::string as = as_postgres_ ? "runuser -u postgres -- " : "";
    const std::string full = as + cmd + " >>" + shell_quote(dir_ + "/cmd.log") + " 2>&1";
    const int rc = std::system(full.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }

  std::string start() {
    bindir_ = find_bindir();
    std::error_code ec;
    if (bindir_.empty() || !std::filesystem::exists(bindir_ + "/initdb", ec)) {
      return "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or $SHROUD_PG_BINDIR; scripts/setup installs postgresql)";
    }
    char tmpl[] = "/tmp/shroud-pg-XXXXXX";
    if (!::mkdtemp(tmpl)) return "mkdtemp failed";
    dir_ = tmpl;
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      if (!pw) return "running as root and there is no 'postgres' user to run PostgreSQL as";
      if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return "cannot chown " + dir_ + " to postgres";
      as_postgres_ = true;
    }
    if (run(shell_quote(bin("initdb")) + " -D " + shell_quote(dir_ + "/data") + " -A trust -U postgres -E UTF8 --locale=C --no-sync") != 0) {
      return "initdb failed: " + read_text(dir_ + "/cmd.log");
    }
    const std::string opts = "-k " + dir_ + " -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
    if (run(shell_quote(bin("pg_ctl")) + " -D " + shell_quote(dir_ + "/data") + " -l " + shell_quote(dir_ + "/server.log") +
            " -w -t 60 -o " + shell_quote(opts) + " start") != 0) {
      return "pg_ctl start failed: " + read_text(dir_ + "/cmd.log") + read_text(dir_ + "/server.log");
    }
    started_ = true;
    return "";
  }

  void stop() {
    if (dir_.empty()) return;
    if (started_) run(shell_quote(bin("pg_ctl")) + " -D " + shell_quote(dir_ + "/data") + " -m immediate -w -t 30 stop");
    started_ = false;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }

  std::string bindir_, dir_;
  bool as_postgres_ = false;
  bool started_ = false;
  std::atomic<int> next_{0};
};

// With SHROUD_TEST_STORE=postgresql: start the cluster before the first test, or skip them all.
class PgEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    std::string why;
    if (!PgCluster::shared(&why)) GTEST_SKIP() << "SKIP: " << why;
  }
};
// Call once from a namespace-scope initialiser in one test file (service_api_test.cc).
inline bool register_pg_environment() {
  if (PgCluster::wanted()) ::testing::AddGlobalTestEnvironment(new PgEnvironment());
  return true;
}

}  // namespace shroud::testing
