// Test harness for the fleet tests: a real nats-server (JetStream, file storage) on 127.0.0.1
// with a free port, a temporary store and tests/fleet/nats.conf, and child processes (workers)
// that can be killed. Everything started here is stopped by destructors, also when a test fails.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace shroud::testing {

inline std::string find_nats_server() {
  if (const char* env = std::getenv("SHROUD_NATS_SERVER"); env != nullptr && *env != '\0') return env;
  std::vector<std::string> dirs = {"/usr/sbin", "/usr/bin", "/usr/local/bin"};
  if (const char* path = std::getenv("PATH")) {
    std::string p = path;
    for (std::size_t a = 0, b; a <= p.size(); a = b + 1) {
      b = p.find(':', a);
      if (b == std::string::npos) b = p.size();
      dirs.push_back(p.substr(a, b - a));
    }
  }
  for (const auto& d : dirs) {
    const auto f = std::filesystem::path(d) / "nats-server";
    if (!d.empty() && ::access(f.c_str(), X_OK) == 0) return f.string();
  }
  return {};
}

inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

inline bool port_open(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// A child process with stdout/stderr to `log`.
class Child {
 public:
  Child() = default;
  // fork + exec (not posix_spawn) so the child can ask to be killed when the test process dies,
  // even by a crash that skips the destructors: no nats-server or worker outlives a test run.
  Child(const std::vector<std::string>& argv, const std::string& log) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {   // only async-signal-safe calls until exec
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::close(fd);
      }
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  Child(Child&& o) noexcept : pid_(std::exchange(o.pid_, -1)) {}
  Child& operator=(Child&& o) noexcept {
    if (this != &o) {
      kill_now();
      pid_ = std::exchange(o.pid_, -1);
    }
    return *this;
  }
  ~Child() { kill_now(); }

  bool running() const { return pid_ > 0; }
  void signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  // Waits up to `timeout`; the exit code, 128+signal when killed, or -1 on timeout.
  int wait(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return -1;
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int st = 0;
      const pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      if (std::chrono::steady_clock::now() >= end) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// nats-server -js on 127.0.0.1:<free port> with its store in a temporary folder.
class NatsServer {
 public:
  explicit NatsServer(const std::filesystem::path& dir) : dir_(dir), port_(free_port()) {
    std::filesystem::create_directories(dir_ / "store");
  }
  bool start() {
    const std::string bin = find_nats_server();
    if (bin.empty() || port_ <= 0) return false;
    proc_ = Child({bin, "-c", (source_dir() / "tests/fleet/nats.conf").string(), "-js", "-a", "127.0.0.1", "-p",
                   std::to_string(port_), "-sd", (dir_ / "store").string()},
                  (dir_ / "nats-server.log").string());
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < end) {
      if (port_open(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  void kill9() { proc_.kill_now(); }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return (dir_ / "nats-server.log").string(); }

 private:
  std::filesystem::path dir_;
  int port_;
  Child proc_;
};

}  // namespace shroud::testing
