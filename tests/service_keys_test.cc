// Key custody and the bounded request queue, as a client sees them: rotation (old items still
// recover with the old key, new ones use the new key), disabling (a disabled key refuses), the
// zero-knowledge tenant mode (the service seals to a recipient public key and cannot recover;
// `shroud recover` with the keyset does), and 503 + Retry-After when the queue is full.
// Runs against SQLite, and against PostgreSQL in ctest's service.postgresql.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "service_harness.h"

namespace shroud::testing {
namespace {
namespace service_keys_test {  // one namespace per file: unity builds batch the tests

using json = nlohmann::json;

TEST(ServiceKeys, RotationKeepsOldItemsAndDisabledKeysRefuse) {
  ServiceProcess svc;
  if (HasFailure()) return;
  ASSERT_TRUE(svc.start());
  auto c = svc.client();
  const std::string admin = svc.token("keys1", {"admin", "protect", "recover"});
  const std::string worker = svc.token("keys1", {"protect", "recover"});
  const auto auth = ServiceProcess::bearer(admin);
  const std::string in_a = random_png(96, 64, 1), in_b = random_png(96, 64, 2);

  // No keys yet: 404 (as for a tenant that never sealed).
  EXPECT_EQ(c.Get("/v1/keys", auth)->status, 404);
  auto a = c.Post("/v1/protect?method=seal", ServiceProcess::bearer(worker), in_a, "image/png");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->status, 200) << a->body;
  auto listed = c.Get("/v1/keys", auth);
  ASSERT_EQ(listed->status, 200) << listed->body;
  const json before = json::parse(listed->body);
  EXPECT_EQ(before["mode"], "custody");
  ASSERT_EQ(before["keys"].size(), 1u);
  EXPECT_EQ(listed->body.find("material"), std::string::npos);
  const std::uint32_t old_id = before["keys"][0]["id"];

  // Only admin may rotate.
  EXPECT_EQ(c.Post("/v1/keys/rotate", ServiceProcess::bearer(worker), "", "application/json")->status, 403);
  auto rotated = c.Post("/v1/keys/rotate", auth, "", "application/json");
  ASSERT_EQ(rotated->status, 200) << rotated->body;
  const json after = json::parse(rotated->body);
  ASSERT_EQ(after["keys"].size(), 2u);
  EXPECT_GT(after["version"].get<int>(), before["version"].get<int>());
  std::uint32_t new_id = 0;
  for (const auto& k : after["keys"]) {
    if (k["primary"].get<bool>()) new_id = k["id"];
  }
  ASSERT_NE(new_id, 0u);
  ASSERT_NE(new_id, old_id);

  auto b = c.Post("/v1/protect?method=seal", ServiceProcess::bearer(worker), in_b, "image/png");
  ASSERT_EQ(b->status, 200) << b->body;
  // Both recover exactly: A with the old key, B with the new one.
  auto ra = c.Post("/v1/recover", ServiceProcess::bearer(worker), a->body, "image/png");
  ASSERT_EQ(ra->status, 200) << ra->body;
  EXPECT_TRUE(same_pixels(ra->body, in_a));
  auto rb = c.Post("/v1/recover", ServiceProcess::bearer(worker), b->body, "image/png");
  ASSERT_EQ(rb->status, 200) << rb->body;
  EXPECT_TRUE(same_pixels(rb->body, in_b));

  // The primary cannot be disabled; unknown ids are 404; another tenant cannot see these keys.
  EXPECT_EQ(c.Post(("/v1/keys/" + std::to_string(new_id) + "/disable").c_str(), auth, "", "application/json")->status, 400);
  EXPECT_EQ(c.Post("/v1/keys/12345/disable", auth, "", "application/json")->status, 404);
  EXPECT_EQ(c.Post("/v1/keys/99999999999/disable", auth, "", "application/json")->status, 404);
  const std::string other = svc.token("keys2", {"admin", "recover"});
  EXPECT_EQ(c.Post(("/v1/keys/" + std::to_string(old_id) + "/disable").c_str(), ServiceProcess::bearer(other), "", "application/json")->status, 404);

  // Disabling the old key: A is refused (403, the key named), B (new key) still recovers.
  auto dis = c.Post(("/v1/keys/" + std::to_string(old_id) + "/disable").c_str(), auth, "", "application/json");
  ASSERT_EQ(dis->status, 200) << dis->body;
  const json after_disable = json::parse(dis->body);  // a named value: ranging over a temporary's member was a use-after-free
  for (const auto& k : after_disable["keys"]) {
    EXPECT_EQ(k["status"], k["id"].get<std::uint32_t>() == old_id ? "disabled" : "enabled");
  }
  auto refused = c.Post("/v1/recover", ServiceProcess::bearer(worker), a->body, "image/png");
  ASSERT_EQ(refused->status, 403) << refused->body;
  EXPECT_NE(refused->body.find("disabled"), std::string::npos) << refused->body;
  EXPECT_EQ(c.Post("/v1/recover", ServiceProcess::bearer(worker), b->body, "image/png")->status, 200);
  // Re-enabled, A recovers again.
  ASSERT_EQ(c.Post(("/v1/keys/" + std::to_string(old_id) + "/enable").c_str(), auth, "", "application/json")->status, 200);
  auto again = c.Post("/v1/recover", ServiceProcess::bearer(worker), a->body, "image/png");
  ASSERT_EQ(again->status, 200);
  EXPECT_TRUE(same_pixels(again->body, in_a));

  // Every change is in the verified audit trail.
  svc.stop();
  RunResult v = run_shroud({"audit", "verify", "--data", svc.data().string()});
  EXPECT_EQ(v.exit_code, 0) << v.output;
  RunResult l = run_shroud({"audit", "list", "--data", svc.data().string(), "--tenant", "keys1"});
  for (const char* action : {"keyset.create", "keyset.rotate", "key.disable", "key.enable"}) {
    EXPECT_NE(l.output.find(action), std::string::npos) << action << "\n" << l.output;
  }
}

TEST(ServiceKeys, ZeroKnowledgeTenantsSealButNeverRecover) {
  ServiceProcess svc;
  if (HasFailure()) return;
  // The keyset stays offline; the service gets only the recipient public key.
  const auto keyset = svc.dir() / "dc.json";
  const auto pub = svc.dir() / "dc.pub";
  RunResult kg = run_shroud({"keygen", keyset.string(), "--recipient", pub.string()});
  ASSERT_EQ(kg.exit_code, 0) << kg.output;
  ASSERT_TRUE(svc.start());
  auto c = svc.client();
  const std::string admin = svc.token("zk", {"admin", "protect", "recover", "review"});
  const auto auth = ServiceProcess::bearer(admin);
  // Not a recipient key: 400; the real one: 201, zero-knowledge, no keys listed.
  EXPECT_EQ(c.Post("/v1/keys/recipient", auth, R"({"id": "x"})", "application/json")->status, 400);
  EXPECT_EQ(c.Post("/v1/keys/recipient", auth, "", "application/json")->status, 400);
  auto set = c.Post("/v1/keys/recipient", auth, read_text(pub), "application/json");
  ASSERT_EQ(set->status, 201) << set->body;
  const json listing = json::parse(set->body);
  EXPECT_EQ(listing["mode"], "zero-knowledge");
  EXPECT_FALSE(listing.contains("keys"));
  // The mode cannot change: a second recipient, and rotation, are 409.
  EXPECT_EQ(c.Post("/v1/keys/recipient", auth, read_text(pub), "application/json")->status, 409);
  EXPECT_EQ(c.Post("/v1/keys/rotate", auth, "", "application/json")->status, 409);

  const std::string in = random_png(96, 64, 7);
  auto sealed = c.Post("/v1/protect?method=seal", auth, in, "image/png");
  ASSERT_EQ(sealed->status, 200) << sealed->body;
  EXPECT_FALSE(same_pixels(sealed->body, in));
  const std::string item = sealed->get_header_value("X-Shroud-Item");
  // The service cannot recover: a clear 409, by body and by item.
  auto no = c.Post("/v1/recover", auth, sealed->body, "image/png");
  ASSERT_EQ(no->status, 409) << no->body;
  EXPECT_NE(no->body.find("zero-knowledge"), std::string::npos) << no->body;
  EXPECT_EQ(c.Post(("/v1/recover?item=" + item).c_str(), auth, "", "image/png")->status, 409);
  // Offline, with the keyset, the original comes back exactly.
  const auto sealed_file = svc.dir() / "sealed.png";
  const auto back_file = svc.dir() / "back.png";
  write_text(sealed_file, sealed->body);
  RunResult rec = run_shroud({"recover", sealed_file.string(), "-o", back_file.string(), "--key", keyset.string()});
  ASSERT_EQ(rec.exit_code, 0) << rec.output;
  EXPECT_TRUE(same_pixels(read_text(back_file), in));
  // A custody tenant cannot be turned zero-knowledge once it has keys.
  const std::string custody = svc.token("custody", {"admin", "protect"});
  ASSERT_EQ(c.Post("/v1/protect?method=seal", ServiceProcess::bearer(custody), in, "image/png")->status, 200);
  EXPECT_EQ(c.Post("/v1/keys/recipient", ServiceProcess::bearer(custody), read_text(pub), "application/json")->status, 409);
}

TEST(ServiceMulti, TwoInstancesShareOneStore) {
  // Two server processes on one DATA and store (SQLite file, or the PostgreSQL database in
  // service.postgresql): concurrent seals through both, a key change made through one seen at
  // once by the other, one linear audit chain.
  ServiceProcess a;
  if (HasFailure()) return;
  ASSERT_TRUE(a.start());
  ServiceProcess b(ServiceProcess::SameData{}, a);
  ASSERT_TRUE(b.start());
  const std::string admin = a.token("multi", {"admin", "protect", "recover", "review"});
  const auto auth = ServiceProcess::bearer(admin);
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> sealed;   // input, sealed bytes
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto c = (t % 2 ? b : a).client();
      for (int i = 0; i < 6; ++i) {
        const std::string in = random_png(64, 48, 100 * t + i);
        auto r = c.Post("/v1/protect?method=seal", auth, in, "image/png");
        if (!r || r->status != 200) {
          ++failures;
          continue;
        }
        std::lock_guard<std::mutex> g(mutex);
        sealed.emplace_back(in, r->body);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_EQ(sealed.size(), 24u);
  // Rotate through B; A's next seal must use the new primary: with the old key disabled
  // (through B), that seal still recovers through A, while an old one is refused by both.
  auto rotated = b.client().Post("/v1/keys/rotate", auth, "", "application/json");
  ASSERT_EQ(rotated->status, 200) << rotated->body;
  const json keys = json::parse(rotated->body);
  std::uint32_t old_id = 0;
  for (const auto& k : keys["keys"]) {
    if (!k["primary"].get<bool>()) old_id = k["id"];
  }
  ASSERT_NE(old_id, 0u);
  const std::string fresh_in = random_png(64, 48, 999);
  auto fresh = a.client().Post("/v1/protect?method=seal", auth, fresh_in, "image/png");
  ASSERT_EQ(fresh->status, 200);
  ASSERT_EQ(b.client().Post(("/v1/keys/" + std::to_string(old_id) + "/disable").c_str(), auth, "", "application/json")->status, 200);
  auto back = a.client().Post("/v1/recover", auth, fresh->body, "image/png");
  ASSERT_EQ(back->status, 200) << back->body;
  EXPECT_TRUE(same_pixels(back->body, fresh_in));
  EXPECT_EQ(a.client().Post("/v1/recover", auth, sealed[0].second, "image/png")->status, 403);
  EXPECT_EQ(b.client().Post("/v1/recover", auth, sealed[0].second, "image/png")->status, 403);
  ASSERT_EQ(a.client().Post(("/v1/keys/" + std::to_string(old_id) + "/enable").c_str(), auth, "", "application/json")->status, 200);
  // Every item recovers exactly through either instance.
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    auto r = (i % 2 ? a : b).client().Post("/v1/recover", auth, sealed[i].second, "image/png");
    ASSERT_EQ(r->status, 200) << i << ": " << r->body;
    EXPECT_TRUE(same_pixels(r->body, sealed[i].first)) << i;
  }
  a.stop();
  b.stop();
  RunResult creates = run_shroud({"audit", "list", "--data", a.data().string(), "--action", "keyset.create", "--tenant", "multi"});
  EXPECT_EQ(std::count(creates.output.begin(), creates.output.end(), '\n'), 1) << creates.output;
  // One linear chain with exactly one keyset.create although both instances sealed first at
  // once: init token, token, keyset.create, 25 protects, rotate, disable, enable, 25 recovers
  // (the two refused recovers are not recorded).
  RunResult v = run_shroud({"audit", "verify", "--data", a.data().string()});
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_NE(v.output.find("56 entries"), std::string::npos) << v.output;
}

// Connects to 127.0.0.1:port and sends `text`; the socket.
int send_raw(int port, const std::string& text) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return -1;
  timeval tv{15, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::send(fd, text.data(), text.size(), 0);
  return fd;
}
// Reads until the peer closes (or the 15 s receive timeout).
std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

TEST(ServiceQueue, AFullQueueAnswers503WithRetryAfterAndRecovers) {
  // One worker, one waiting connection: the third concurrent connection overflows.
  ServiceProcess svc(false, {"--threads", "1", "--queue", "1"});
  if (HasFailure()) return;
  ASSERT_TRUE(svc.start());
  const std::string get = "GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  // A holds the only worker: its headers never end (the 3 s read timeout frees it).
  const int a = send_raw(svc.port(), "GET /v1/health HTTP/1.1\r\nHost: x\r\n");
  ASSERT_GE(a, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int b = send_raw(svc.port(), get);   // waits in the queue
  ASSERT_GE(b, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto t0 = std::chrono::steady_clock::now();
  const std::string c = read_all(send_raw(svc.port(), get));   // overflow
  const double c_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(c.rfind("HTTP/1.1 503", 0), 0u) << c;
  EXPECT_NE(c.find("Retry-After: 1"), std::string::npos) << c;
  EXPECT_NE(c.find("\"overloaded\""), std::string::npos) << c;
  EXPECT_LT(c_seconds, 2.0) << "the overflow answer must not wait for a worker";
  // A gives up (closing frees the worker at once, no 3 s wait): B, which waited, is served.
  ::close(a);
  const std::string b_answer = read_all(b);
  EXPECT_EQ(b_answer.rfind("HTTP/1.1 200", 0), 0u) << b_answer;
  // Idle again: served, and the 503 is counted.
  auto health = svc.client().Get("/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto m = svc.client().Get("/metrics", ServiceProcess::bearer(svc.admin()));
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("overloaded"), std::string::npos) << m->body;
  std::printf("overflow answered 503 in %.3f s\n", c_seconds);
}

}  // namespace service_keys_test
}  // namespace
}  // namespace shroud::testing
