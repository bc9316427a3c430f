// shroud serve as a client uses it: a real server process on 127.0.0.1, driven with curl and
// httplib::Client (tests/service_harness.h). Seal round trip, scopes, tenants, bad requests,
// audit tamper detection, kill -9 durability.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "service/store.h"
#include "service_harness.h"
#include "shroud/image_io.h"

namespace shroud::testing {
namespace {
namespace service_api_test {  // one namespace per file: unity builds batch the tests

using Headers = httplib::Headers;

// A hostile request's answer `status`: `expect` exactly, 0 any 4xx, -1 a 4xx or no answer (0);
// then the server must still run and answer /v1/health.
void expect_refused_and_healthy(ServiceProcess& svc, const std::string& name, int status, int expect) {
  if (expect == -1) {
    EXPECT_TRUE(status == 0 || (status >= 400 && status < 500)) << name << ": " << status;
  } else if (expect != 0) {
    EXPECT_EQ(status, expect) << name;
  } else {
    EXPECT_TRUE(status >= 400 && status < 500) << name << ": " << status;
  }
  ASSERT_TRUE(svc.running()) << "server died on: " << name << "\n" << svc.log();
  auto health = svc.client().Get("/v1/health");
  ASSERT_TRUE(health) << "no health answer after: " << name;
  ASSERT_EQ(health->status, 200) << name;
}

std::string header(const std::string& headers, const std::string& name) {
  std::string lower = headers;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string key = name + ":";
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto pos = lower.find(key);
  if (pos == std::string::npos) return "";
  auto start = pos + key.size();
  while (start < headers.size() && headers[start] == ' ') ++start;
  const auto end = headers.find_first_of("\r\n", start);
  return headers.substr(start, end - start);
}

const bool kPgEnvironment = register_pg_environment();

RunResult audit_verify(const std::filesystem::path& data) { return run_shroud({"audit", "verify", "--data", data.string()}); }

#define SERVICE_START(svc)                                               \
  ServiceProcess svc;                                                    \
  if (::testing::Test::HasFailure()) return;                             \
  ASSERT_TRUE(svc.start())

TEST(ServiceApi, SealProtectRecoverRoundTripIsBitExactOverCurl) {
  if (std::system("command -v curl >/dev/null 2>&1") != 0) GTEST_SKIP() << "curl is not installed (scripts/setup installs it)";
  SERVICE_START(svc);
  const std::string token = svc.token("acme", {"protect", "recover", "review"});
  const std::string in = random_png(200, 150, 1);
  write_text(svc.dir() / "in.png", in);

  auto sealed = svc.curl({"-X", "POST", "-H", "Authorization: Bearer " + token, "-H", "Content-Type: image/png",
                          "--data-binary", "@" + (svc.dir() / "in.png").string()},
                         "/v1/protect?method=seal&placeholder=fill&kinds=face,plate");
  ASSERT_EQ(sealed.status, 200) << sealed.body;
  const std::string item = header(sealed.headers, "X-Shroud-Item");
  ASSERT_EQ(item.size(), 32u) << sealed.headers;
  EXPECT_EQ(header(sealed.headers, "X-Shroud-Regions"), "2");
  const cv::Mat original = decode_image(in);
  const cv::Mat protected_px = decode_image(sealed.body);
  ASSERT_FALSE(protected_px.empty());
  EXPECT_FALSE(same_pixels(original, protected_px)) << "the sealed image must hide the regions";
  write_text(svc.dir() / "sealed.png", sealed.body);

  // The stored item is the sealed image, byte for byte.
  auto stored = svc.client().Get(("/v1/items/" + item).c_str(), ServiceProcess::bearer(token));
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->status, 200);
  EXPECT_EQ(stored->body, sealed.body);

  // Recover from the body (curl) and from the stored item (httplib): the original pixels.
  auto back = svc.curl({"-X", "POST", "-H", "Authorization: Bearer " + token, "--data-binary",
                        "@" + (svc.dir() / "sealed.png").string()},
                       "/v1/recover?format=png");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_TRUE(same_pixels(original, decode_image(back.body)));
  // POST without a body (curl -X POST sends no Content-Length) recovers the stored item.
  auto back_item = svc.curl({"-X", "POST", "-H", "Authorization: Bearer " + token}, "/v1/recover?item=" + item);
  ASSERT_EQ(back_item.status, 200) << back_item.body;
  EXPECT_TRUE(same_pixels(original, decode_image(back_item.body)));
  auto back2 = svc.client().Post(("/v1/recover?item=" + item).c_str(), ServiceProcess::bearer(token), "", "application/octet-stream");
  ASSERT_TRUE(back2);
  ASSERT_EQ(back2->status, 200) << back2->body;
  EXPECT_TRUE(same_pixels(original, decode_image(back2->body)));

  // A tampered sealed image is refused, not half-recovered.
  std::string tampered = sealed.body;
  tampered[tampered.size() / 2] ^= 0x40;
  auto bad = svc.client().Post("/v1/recover", ServiceProcess::bearer(token), tampered, "image/png");
  ASSERT_TRUE(bad);
  EXPECT_GE(bad->status, 400);
  EXPECT_LT(bad->status, 500);

  // Detect answers the zones as JSON regions.
  const std::string det_token = svc.token("acme", {"detect"});
  auto det = svc.client().Post("/v1/detect", ServiceProcess::bearer(det_token), in, "image/png");
  ASSERT_TRUE(det);
  ASSERT_EQ(det->status, 200) << det->body;
  const auto j = nlohmann::json::parse(det->body);
  EXPECT_EQ(j["width"], 200);
  EXPECT_EQ(j["regions"].size(), 2u);

  // Irreversible methods work too and change only the regions.
  auto blur = svc.client().Post("/v1/protect?method=pixelate&format=png", ServiceProcess::bearer(token), in, "image/png");
  ASSERT_TRUE(blur);
  ASSERT_EQ(blur->status, 200) << blur->body;
  EXPECT_FALSE(blur->has_header("X-Shroud-Item"));
  const cv::Mat pix = decode_image(blur->body);
  ASSERT_FALSE(pix.empty());
  EXPECT_TRUE(same_pixels(original(cv::Rect(0, 0, 40, 30)), pix(cv::Rect(0, 0, 40, 30))));
  EXPECT_FALSE(same_pixels(original, pix));
}

TEST(ServiceApi, ScopeByEndpointMatrix) {
  SERVICE_START(svc);
  const std::string in = random_png(120, 90, 2);
  // A sealed image and item to recover / fetch.
  const std::string all = svc.token("acme", {"detect", "protect", "recover", "review", "admin"});
  auto sealed = svc.client().Post("/v1/protect?method=seal", ServiceProcess::bearer(all), in, "image/png");
  ASSERT_TRUE(sealed);
  ASSERT_EQ(sealed->status, 200);
  const std::string item = sealed->get_header_value("X-Shroud-Item");

  struct Endpoint {
    std::string scope;
    std::function<httplib::Result(httplib::Client&, const Headers&)> call;
  };
  const std::vector<Endpoint> endpoints = {
      {"detect", [&](httplib::Client& c, const Headers& h) { return c.Post("/v1/detect", h, in, "image/png"); }},
      {"protect", [&](httplib::Client& c, const Headers& h) { return c.Post("/v1/protect?method=blur", h, in, "image/png"); }},
      {"recover", [&](httplib::Client& c, const Headers& h) { return c.Post("/v1/recover", h, sealed->body, "image/png"); }},
      {"review", [&](httplib::Client& c, const Headers& h) { return c.Get(("/v1/items/" + item).c_str(), h); }},
      {"admin", [&](httplib::Client& c, const Headers& h) { return c.Get("/metrics", h); }},
      {"admin", [&](httplib::Client& c, const Headers& h) {
         return c.Post("/v1/tokens", h, R"({"tenant": "acme", "scopes": ["detect"]})", "application/json");
       }},
  };
  for (const std::string scope : {"detect", "protect", "recover", "review", "admin"}) {
    const std::string token = svc.token("acme", {scope});
    auto c = svc.client();
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      auto res = endpoints[i].call(c, ServiceProcess::bearer(token));
      ASSERT_TRUE(res) << scope << " endpoint " << i;
      if (endpoints[i].scope == scope) {
        EXPECT_TRUE(res->status == 200 || res->status == 201) << scope << " endpoint " << i << ": " << res->status << " " << res->body;
      } else {
        EXPECT_EQ(res->status, 403) << scope << " endpoint " << i << ": " << res->body;
      }
    }
  }
  // No token: 401 everywhere but health and the OpenAPI document.
  auto c = svc.client();
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    auto res = endpoints[i].call(c, {});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << "endpoint " << i;
  }
  EXPECT_EQ(c.Get("/v1/health")->status, 200);
  auto doc = c.Get("/v1/openapi.json");
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->status, 200);
  EXPECT_EQ(nlohmann::json::parse(doc->body), nlohmann::json::parse(read_text(source_dir() / "docs" / "openapi.json")))
      << "docs/openapi.json and src/service/openapi.cc differ";
}

TEST(ServiceApi, TenantsAreIsolatedWith404) {
  SERVICE_START(svc);
  const std::string in = random_png(120, 90, 3);
  const std::string acme = svc.token("acme", {"protect", "recover", "review"});
  const std::string other = svc.token("other", {"protect", "recover", "review"});
  auto sealed = svc.client().Post("/v1/protect?method=seal", ServiceProcess::bearer(acme), in, "image/png");
  ASSERT_TRUE(sealed);
  ASSERT_EQ(sealed->status, 200);
  const std::string item = sealed->get_header_value("X-Shroud-Item");
  auto c = svc.client();
  EXPECT_EQ(c.Get(("/v1/items/" + item).c_str(), ServiceProcess::bearer(acme))->status, 200);
  auto theirs = c.Get(("/v1/items/" + item).c_str(), ServiceProcess::bearer(other));
  auto missing = c.Get("/v1/items/0123456789abcdef0123456789abcdef", ServiceProcess::bearer(other));
  EXPECT_EQ(theirs->status, 404);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(theirs->body, missing->body) << "another tenant's item must look exactly like a missing one";
  // Another tenant can neither recover the image nor the stored item, before and after it has
  // a keyset of its own.
  EXPECT_EQ(c.Post("/v1/recover", ServiceProcess::bearer(other), sealed->body, "image/png")->status, 404);
  EXPECT_EQ(c.Post(("/v1/recover?item=" + item).c_str(), ServiceProcess::bearer(other), "", "image/png")->status, 404);
  ASSERT_EQ(c.Post("/v1/protect?method=seal", ServiceProcess::bearer(other), in, "image/png")->status, 200);
  EXPECT_EQ(c.Post("/v1/recover", ServiceProcess::bearer(other), sealed->body, "image/png")->status, 404);
  EXPECT_EQ(c.Post("/v1/recover", ServiceProcess::bearer(acme), sealed->body, "image/png")->status, 200);
}

TEST(ServiceApi, BadRequestsAre4xxAndTheServerKeepsServing) {
  if (std::system("command -v curl >/dev/null 2>&1") != 0) GTEST_SKIP() << "curl is not installed (scripts/setup installs it)";
  SERVICE_START(svc);
  const std::string token = svc.token("acme", {"detect", "protect", "recover", "review"});
  const std::string expiring = svc.token("acme", {"protect"}, 1);
  const std::string in = random_png(120, 90, 4);
  const Headers auth = ServiceProcess::bearer(token);
  // A PNG header that declares 100000 x 100000 pixels (a decompression bomb's first bytes).
  std::string bomb = in.substr(0, 33);
  bomb[16] = 0, bomb[17] = 1, bomb[18] = static_cast<char>(0x86), bomb[19] = static_cast<char>(0xA0);
  bomb[20] = 0, bomb[21] = 1, bomb[22] = static_cast<char>(0x86), bomb[23] = static_cast<char>(0xA0);
  write_text(svc.dir() / "big.bin", std::string(5 * 1024 * 1024, 'x'));
  write_text(svc.dir() / "in.png", in);
  std::string wrong_secret = token;
  wrong_secret.back() = wrong_secret.back() == '0' ? '1' : '0';

  struct Case {
    std::string name;
    std::function<int()> run;
    int expect;   // exact status, or 0: any 4xx
  };
  auto post = [&](const std::string& path, const Headers& h, const std::string& body, const std::string& type) {
    auto res = svc.client().Post(path.c_str(), h, body, type.c_str());
    return res ? res->status : -1;
  };
  auto get = [&](const std::string& path, const Headers& h) {
    auto res = svc.client().Get(path.c_str(), h);
    return res ? res->status : -1;
  };
  auto curl = [&](std::vector<std::string> args, const std::string& path) { return svc.curl(args, path).status; };
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));   // let `expiring` expire
  const std::vector<Case> cases = {
      {"no token", [&] { return post("/v1/protect", {}, in, "image/png"); }, 401},
      {"garbage token", [&] { return post("/v1/protect", ServiceProcess::bearer("garbage"), in, "image/png"); }, 401},
      {"wrong secret", [&] { return post("/v1/protect", ServiceProcess::bearer(wrong_secret), in, "image/png"); }, 401},
      {"basic auth", [&] { return post("/v1/protect", {{"Authorization", "Basic dXNlcjpwYXNz"}}, in, "image/png"); }, 401},
      {"expired token", [&] { return post("/v1/protect", ServiceProcess::bearer(expiring), in, "image/png"); }, 401},
      {"empty body", [&] { return post("/v1/protect", auth, "", "image/png"); }, 400},
      {"text body", [&] { return post("/v1/protect", auth, "hello, this is not an image", "text/plain"); }, 415},
      {"truncated png", [&] { return post("/v1/protect", auth, in.substr(0, in.size() / 3), "image/png"); }, 0},
      {"truncated png detect", [&] { return post("/v1/detect", auth, in.substr(0, 60), "image/png"); }, 0},
      {"declared 100000x100000", [&] { return post("/v1/protect", auth, bomb, "image/png"); }, 413},
      {"body over limit", [&] { return curl({"-X", "POST", "-H", "Authorization: Bearer " + token, "--data-binary", "@" + (svc.dir() / "big.bin").string()}, "/v1/protect"); }, 413},
      {"chunked body over limit", [&] { return curl({"-X", "POST", "-H", "Authorization: Bearer " + token, "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + (svc.dir() / "big.bin").string()}, "/v1/detect"); }, 413},
      {"unknown parameter", [&] { return post("/v1/protect?colour=red", auth, in, "image/png"); }, 400},
      {"unknown method", [&] { return post("/v1/protect?method=melt", auth, in, "image/png"); }, 400},
      {"quality not a number", [&] { return post("/v1/protect?quality=abc", auth, in, "image/png"); }, 400},
      {"quality out of range", [&] { return post("/v1/protect?quality=0&format=jpeg", auth, in, "image/png"); }, 400},
      {"unknown format", [&] { return post("/v1/protect?format=gif", auth, in, "image/png"); }, 400},
      {"unknown kind", [&] { return post("/v1/protect?kinds=elbow", auth, in, "image/png"); }, 400},
      {"recover an unsealed image", [&] { return post("/v1/recover", auth, in, "image/png"); }, 0},
      {"recover body and item", [&] { return post("/v1/recover?item=0123456789abcdef0123456789abcdef", auth, in, "image/png"); }, 400},
      {"tokens without admin", [&] { return post("/v1/tokens", auth, R"({"tenant":"x","scopes":["detect"]})", "application/json"); }, 403},
      {"tokens bad json", [&] { return post("/v1/tokens", ServiceProcess::bearer(svc.admin()), R"({"tenant": )", "application/json"); }, 400},
      {"tokens unknown field", [&] { return post("/v1/tokens", ServiceProcess::bearer(svc.admin()), R"({"tenant":"x","scopes":["detect"],"root":true})", "application/json"); }, 400},
      {"tokens unknown scope", [&] { return post("/v1/tokens", ServiceProcess::bearer(svc.admin()), R"({"tenant":"x","scopes":["god"]})", "application/json"); }, 400},
      {"tokens tenant path", [&] { return post("/v1/tokens", ServiceProcess::bearer(svc.admin()), R"({"tenant":"../acme","scopes":["detect"]})", "application/json"); }, 400},
      {"tokens negative ttl", [&] { return post("/v1/tokens", ServiceProcess::bearer(svc.admin()), R"({"tenant":"x","scopes":["detect"],"ttl_seconds":-5})", "application/json"); }, 400},
      {"tokens json array", [&] { return post("/v1/tokens", ServiceProcess::bearer(svc.admin()), R"([1,2,3])", "application/json"); }, 400},
      {"item path traversal", [&] { return curl({"--path-as-is", "-H", "Authorization: Bearer " + token}, "/v1/items/../../etc/passwd"); }, 404},
      {"item encoded traversal", [&] { return curl({"--path-as-is", "-H", "Authorization: Bearer " + token}, "/v1/items/%2e%2e%2f%2e%2e%2fshroud.db"); }, 404},
      {"item id not hex", [&] { return get("/v1/items/ZZZZ56789abcdef0123456789abcdefZ", auth); }, 404},
      {"item id unknown", [&] { return get("/v1/items/0123456789abcdef0123456789abcdef", auth); }, 404},
      {"GET on a POST route", [&] { return get("/v1/protect", auth); }, 0},
      {"unknown route", [&] { return get("/v1/secrets", auth); }, 404},
      {"oversized header", [&] { return post("/v1/protect", {{"Authorization", "Bearer " + token}, {"X-Big", std::string(20000, 'a')}}, in, "image/png"); }, 0},
      {"token with a trailing control byte", [&] { return post("/v1/protect", ServiceProcess::bearer(token + "\x01"), in, "image/png"); }, 401},
  };
  ASSERT_GE(cases.size(), 20u);
  for (const auto& c : cases) ASSERT_NO_FATAL_FAILURE(expect_refused_and_healthy(svc, c.name, c.run(), c.expect));
  // Still fully working.
  auto ok = svc.client().Post("/v1/protect?method=seal", auth, in, "image/png");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  // Errors are JSON with a code.
  auto err = svc.client().Post("/v1/protect?colour=red", auth, in, "image/png");
  const auto j = nlohmann::json::parse(err->body);
  EXPECT_EQ(j["error"]["code"], "bad_request");
  // Metrics counted them.
  auto m = svc.client().Get("/metrics", ServiceProcess::bearer(svc.admin()));
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("shroud_errors_total{kind=\"unauthenticated\"} 6"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("shroud_request_duration_seconds_bucket{route=\"/v1/protect\",le=\"+Inf\"}"), std::string::npos);
}

// Sends raw bytes on a fresh connection (then half-closes unless `keep_open`); the status of
// the first answer, 0 when none came (connection refused or dropped). No half-close by default:
// httplib does not answer a peer that already shut its side down.
int raw_status(int port, const std::string& bytes, bool half_close = false) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return 0;
  }
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  for (std::size_t sent = 0; sent < bytes.size();) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;   // the server may close early (413): read its answer anyway
    sent += static_cast<std::size_t>(n);
  }
  if (half_close) ::shutdown(fd, SHUT_WR);
  std::string answer;
  char buf[1024];
  ssize_t n;
  while (answer.find("\r\n") == std::string::npos && (n = ::recv(fd, buf, sizeof(buf), 0)) > 0) answer.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  if (answer.rfind("HTTP/1.", 0) != 0 || answer.size() < 12) return 0;
  return std::atoi(answer.substr(9, 3).c_str());
}

TEST(ServiceApi, MoreBadRequestsWrongTypesFloodsBombsAndTricks) {
  SERVICE_START(svc);   // body limit 4 MiB, 4 Mpixel
  const std::string token = svc.token("acme", {"detect", "protect", "recover", "review", "admin"});
  const Headers auth = ServiceProcess::bearer(token);
  const std::string in = random_png(120, 90, 4);
  std::vector<std::uint8_t> jpeg_bytes;
  {
    cv::Mat m(90, 120, CV_8UC3, cv::Scalar(10, 200, 30));
    cv::imencode(".jpg", m, jpeg_bytes);
  }
  const std::string jpeg(jpeg_bytes.begin(), jpeg_bytes.end());
  // A JPEG whose SOF0 declares 60000 x 60000 (a bomb's header).
  std::string jpeg_bomb = jpeg;
  const auto sof = jpeg_bomb.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  jpeg_bomb[sof + 5] = static_cast<char>(0xEA), jpeg_bomb[sof + 6] = 0x60, jpeg_bomb[sof + 7] = static_cast<char>(0xEA), jpeg_bomb[sof + 8] = 0x60;
  // A PNG declaring 0 x 0.
  std::string png_zero = in;
  for (int i = 16; i < 24; ++i) png_zero[static_cast<std::size_t>(i)] = 0;
  const std::string admin_tok = svc.admin();
  const Headers admin = ServiceProcess::bearer(admin_tok);
  auto post = [&](const std::string& path, const Headers& h, const std::string& body, const std::string& type) {
    auto res = svc.client().Post(path.c_str(), h, body, type.c_str());
    return res ? res->status : -1;
  };
  auto get = [&](const std::string& path, const Headers& h) {
    auto res = svc.client().Get(path.c_str(), h);
    return res ? res->status : -1;
  };
  auto tokens = [&](const std::string& body) { return post("/v1/tokens", admin, body, "application/json"); };
  const std::string bearer = "Authorization: Bearer " + token + "\r\n";
  auto raw = [&](const std::string& bytes) { return raw_status(svc.port(), bytes); };
  // Chunked flood: 5 MiB in 1 KiB chunks, over the 4 MiB limit.
  std::string flood = "POST /v1/detect HTTP/1.1\r\nHost: x\r\n" + bearer + "Transfer-Encoding: chunked\r\n\r\n";
  const std::string chunk = "400\r\n" + std::string(1024, 'z') + "\r\n";
  for (int i = 0; i < 5 * 1024; ++i) flood += chunk;
  flood += "0\r\n\r\n";
  std::string deep_json(100000, '[');
  deep_json += std::string(100000, ']');

  struct Case {
    std::string name;
    std::function<int()> run;
    int expect;   // exact status; 0: any 4xx; -1: any 4xx or no answer (connection closed)
  };
  const std::vector<Case> cases = {
      // wrong types in JSON
      {"tenant is a number", [&] { return tokens(R"({"tenant": 5, "scopes": ["detect"]})"); }, 400},
      {"scopes is a string", [&] { return tokens(R"({"tenant": "x", "scopes": "detect"})"); }, 400},
      {"scope is a number", [&] { return tokens(R"({"tenant": "x", "scopes": [1]})"); }, 400},
      {"scopes empty", [&] { return tokens(R"({"tenant": "x", "scopes": []})"); }, 400},
      {"ttl is a string", [&] { return tokens(R"({"tenant": "x", "scopes": ["detect"], "ttl_seconds": "60"})"); }, 400},
      {"ttl is a fraction", [&] { return tokens(R"({"tenant": "x", "scopes": ["detect"], "ttl_seconds": 1.5})"); }, 400},
      {"ttl is 1e30", [&] { return tokens(R"({"tenant": "x", "scopes": ["detect"], "ttl_seconds": 1e30})"); }, 400},
      {"ttl over 2^64", [&] { return tokens(R"({"tenant": "x", "scopes": ["detect"], "ttl_seconds": 99999999999999999999999})"); }, 400},
      {"ttl is null", [&] { return tokens(R"({"tenant": "x", "scopes": ["detect"], "ttl_seconds": null})"); }, 400},
      {"tenant too long", [&] { return tokens(R"({"tenant": ")" + std::string(65, 'a') + R"(", "scopes": ["detect"]})"); }, 400},
      {"tenant upper case", [&] { return tokens(R"({"tenant": "ACME", "scopes": ["detect"]})"); }, 400},
      {"tenant with NUL", [&] { return tokens(std::string(R"({"tenant": "ac)") + std::string("\\u0000") + R"(me", "scopes": ["detect"]})"); }, 400},
      // bad JSON
      {"json nested 100000 deep", [&] { return tokens(deep_json); }, 400},
      {"json invalid utf-8", [&] { return tokens("{\"tenant\": \"\xff\xfe\", \"scopes\": [\"detect\"]}"); }, 400},
      {"json trailing garbage", [&] { return tokens(R"({"tenant": "x", "scopes": ["detect"]} {})"); }, 400},
      {"json empty body", [&] { return tokens(""); }, 400},
      {"json string", [&] { return tokens(R"("tenant")"); }, 400},
      // images: truncated, bombs, lies
      {"truncated jpeg", [&] { return post("/v1/protect", auth, jpeg.substr(0, jpeg.size() / 2), "image/jpeg"); }, 0},
      {"jpeg header only", [&] { return post("/v1/protect", auth, jpeg.substr(0, 4), "image/jpeg"); }, 0},
      {"jpeg declaring 60000x60000", [&] { return post("/v1/protect", auth, jpeg_bomb, "image/jpeg"); }, 413},
      {"png declaring 0x0", [&] { return post("/v1/protect", auth, png_zero, "image/png"); }, 0},
      {"png magic then zeros", [&] { return post("/v1/detect", auth, in.substr(0, 8) + std::string(4096, '\0'), "image/png"); }, 0},
      {"recover a truncated seal", [&] { return post("/v1/recover", auth, in.substr(0, in.size() - 20), "image/png"); }, 0},
      {"recover a jpeg bomb", [&] { return post("/v1/recover", auth, jpeg_bomb, "image/jpeg"); }, 413},
      // query parameters
      {"quality 1e309", [&] { return post("/v1/protect?quality=1e309&format=jpeg", auth, in, "image/png"); }, 400},
      {"quality NaN", [&] { return post("/v1/protect?quality=nan&format=jpeg", auth, in, "image/png"); }, 400},
      {"empty kinds", [&] { return post("/v1/protect?kinds=", auth, in, "image/png"); }, 400},
      {"recover unknown format", [&] { return post("/v1/recover?format=exe", auth, in, "image/png"); }, 400},
      {"recover unknown parameter", [&] { return post("/v1/recover?key=1", auth, in, "image/png"); }, 400},
      {"items with a parameter", [&] { return get("/v1/items/0123456789abcdef0123456789abcdef?x=1", auth); }, 400},
      // ids and path tricks
      {"recover item traversal", [&] { return post("/v1/recover?item=../../shroud.db", auth, "", "image/png"); }, 404},
      {"recover item absolute path", [&] { return post("/v1/recover?item=/etc/passwd", auth, "", "image/png"); }, 404},
      {"item id upper-case hex", [&] { return get("/v1/items/0123456789ABCDEF0123456789ABCDEF", auth); }, 404},
      {"item id 33 digits", [&] { return get("/v1/items/0123456789abcdef0123456789abcdef0", auth); }, 404},
      {"item id with NUL", [&] { return raw("GET /v1/items/0123456789abcdef%000123456789abcde HTTP/1.1\r\nHost: x\r\n" + bearer + "\r\n"); }, 404},
      {"key id not a number", [&] { return post("/v1/keys/abc/disable", auth, "", "application/json"); }, 404},
      {"key id zero", [&] { return post("/v1/keys/0/disable", auth, "", "application/json"); }, 404},
      {"key disable with a body", [&] { return post("/v1/keys/1/disable", auth, "{}", "application/json"); }, 400},
      {"rotate with a body", [&] { return post("/v1/keys/rotate", auth, "{}", "application/json"); }, 400},
      {"recipient is a keyset", [&] { return post("/v1/keys/recipient", auth, R"({"keys": []})", "application/json"); }, 400},
      {"revoke a token id with traversal", [&] { return raw("DELETE /v1/tokens/..%2f..%2fshroud.db HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + admin_tok + "\r\n\r\n"); }, 404},
      // auth tricks
      {"lower-case bearer", [&] { return post("/v1/protect", {{"Authorization", "bearer " + token}}, in, "image/png"); }, 401},
      {"bearer with two spaces", [&] { return post("/v1/protect", {{"Authorization", "Bearer  " + token}}, in, "image/png"); }, 401},
      {"token of another shape", [&] { return post("/v1/protect", ServiceProcess::bearer("st_" + std::string(16, 'g') + "_" + std::string(64, '0')), in, "image/png"); }, 401},
      // HTTP-level abuse
      {"chunked flood over the limit", [&] { return raw(flood); }, 413},
      {"malformed chunk size", [&] { return raw("POST /v1/detect HTTP/1.1\r\nHost: x\r\n" + bearer + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"); }, 400},
      {"chunked body cut off", [&] { return raw("POST /v1/detect HTTP/1.1\r\nHost: x\r\n" + bearer + "Transfer-Encoding: chunked\r\n\r\n1000\r\nabc"); }, 400},
      {"content-length not a number", [&] { return raw("POST /v1/detect HTTP/1.1\r\nHost: x\r\n" + bearer + "Content-Length: ten\r\n\r\n0123456789"); }, 0},
      {"content-length 2^64", [&] { return raw("POST /v1/detect HTTP/1.1\r\nHost: x\r\n" + bearer + "Content-Length: 18446744073709551617\r\n\r\nabc"); }, 413},
      {"body shorter than declared", [&] { return raw("POST /v1/detect HTTP/1.1\r\nHost: x\r\n" + bearer + "Content-Length: 5000\r\n\r\nabc"); }, 400},
      {"100-continue with 1 GiB declared", [&] { return raw("POST /v1/protect HTTP/1.1\r\nHost: x\r\n" + bearer + "Expect: 100-continue\r\nContent-Length: 1073741824\r\n\r\n"); }, 413},
      {"request line of 64 KiB", [&] { return raw("GET /v1/health?" + std::string(65536, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"); }, 0},
      {"header of 1 MiB", [&] { return raw("GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(1 << 20, 'a') + "\r\n\r\n"); }, 0},
      {"unknown HTTP method", [&] { return raw("BREW /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"); }, 0},
      {"DELETE an item", [&] { return raw("DELETE /v1/items/0123456789abcdef0123456789abcdef HTTP/1.1\r\nHost: x\r\n" + bearer + "\r\n"); }, 0},
      // A TLS ClientHello on the plain port: closed without an HTTP answer (-1: none or 4xx).
      {"TLS handshake on plain HTTP", [&] { return raw(std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11) + std::string(200, 'q')); }, -1},
  };
  ASSERT_GE(cases.size(), 50u);
  for (const auto& c : cases) ASSERT_NO_FATAL_FAILURE(expect_refused_and_healthy(svc, c.name, c.run(), c.expect));
  // Still fully working: a seal round trip.
  auto sealed = svc.client().Post("/v1/protect?method=seal", auth, in, "image/png");
  ASSERT_TRUE(sealed);
  ASSERT_EQ(sealed->status, 200);
  auto back = svc.client().Post("/v1/recover", auth, sealed->body, "image/png");
  ASSERT_EQ(back->status, 200);
  EXPECT_TRUE(same_pixels(decode_image(back->body), decode_image(in)));
}

TEST(ServiceApi, RevokedTokensAre401AndTheRevocationIsAudited) {
  SERVICE_START(svc);
  const std::string token = svc.token("acme", {"protect"});
  const std::string id = token.substr(3, 16);
  const std::string in = random_png(64, 48, 9);
  auto c = svc.client();
  EXPECT_EQ(c.Post("/v1/protect", ServiceProcess::bearer(token), in, "image/png")->status, 200);
  // Only admin may revoke; the token itself cannot.
  EXPECT_EQ(c.Delete(("/v1/tokens/" + id).c_str(), ServiceProcess::bearer(token))->status, 403);
  EXPECT_EQ(c.Delete(("/v1/tokens/" + id).c_str(), ServiceProcess::bearer(svc.admin()))->status, 204);
  EXPECT_EQ(c.Post("/v1/protect", ServiceProcess::bearer(token), in, "image/png")->status, 401);
  EXPECT_EQ(c.Delete(("/v1/tokens/" + id).c_str(), ServiceProcess::bearer(svc.admin()))->status, 404);
  EXPECT_EQ(c.Delete("/v1/tokens/not-a-token-id", ServiceProcess::bearer(svc.admin()))->status, 404);
  svc.stop();
  RunResult list = run_shroud({"audit", "list", "--data", svc.data().string(), "--action", "token.revoke"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_NE(list.output.find(id), std::string::npos) << list.output;
  EXPECT_EQ(audit_verify(svc.data()).exit_code, 0);
}

TEST(ServiceApi, RateLimitIsPerTokenWith429AndRetryAfter) {
  ServiceProcess svc(false, {"--rate-limit", "3"});
  if (HasFailure()) return;
  ASSERT_TRUE(svc.start());
  const std::string a = svc.token("acme", {"review"});
  const std::string b = svc.token("acme", {"review"});
  auto c = svc.client();
  const std::string path = "/v1/items/0123456789abcdef0123456789abcdef";
  std::vector<int> statuses;
  for (int i = 0; i < 8; ++i) statuses.push_back(c.Get(path.c_str(), ServiceProcess::bearer(a))->status);
  EXPECT_EQ(statuses[0], 404);   // within the burst: the real answer
  EXPECT_EQ(statuses[1], 404);
  EXPECT_GE(std::count(statuses.begin(), statuses.end(), 429), 3) << ::testing::PrintToString(statuses);
  auto limited = c.Get(path.c_str(), ServiceProcess::bearer(a));
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->get_header_value("Retry-After"), "1");
  // Another token has its own bucket; the limited one recovers after a second.
  EXPECT_EQ(c.Get(path.c_str(), ServiceProcess::bearer(b))->status, 404);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(c.Get(path.c_str(), ServiceProcess::bearer(a))->status, 404);
}

TEST(ServiceApi, ASlowClientIsCutOffByTheReadTimeout) {
  SERVICE_START(svc);   // --timeout 3
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(svc.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  // Declares 1000 bytes, sends 3, then stalls.
  const std::string partial = "POST /v1/detect HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc";
  ASSERT_EQ(::send(fd, partial.data(), partial.size(), 0), static_cast<ssize_t>(partial.size()));
  const auto t0 = std::chrono::steady_clock::now();
  char buf[4096];
  std::string answer;
  ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  const double answered = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (n > 0) answer.append(buf, static_cast<std::size_t>(n));
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) answer.append(buf, static_cast<std::size_t>(n));
  const double closed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::close(fd);
  // The read timeout (3 s) ends the stalled request with a 400; the idle connection is then
  // closed (keep-alive timeout 5 s), never left hanging.
  EXPECT_GE(answered, 2.0);
  EXPECT_LT(answered, 6.0);
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_EQ(n, 0) << "the server should close the connection";
  EXPECT_LT(closed, 10.0);
  std::printf("slow client answered after %.2f s, closed after %.2f s\n", answered, closed);
  auto health = svc.client().Get("/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(ServiceApi, AuditVerifyDetectsEditedDeletedAndReorderedEntries) {
  SERVICE_START(svc);
  const std::string token = svc.token("acme", {"protect", "recover"});
  const std::string in = random_png(100, 80, 5);
  for (int i = 0; i < 3; ++i) {
    auto s = svc.client().Post("/v1/protect?method=seal", ServiceProcess::bearer(token), in, "image/png");
    ASSERT_TRUE(s);
    ASSERT_EQ(s->status, 200);
    ASSERT_EQ(svc.client().Post("/v1/recover", ServiceProcess::bearer(token), s->body, "image/png")->status, 200);
  }
  svc.stop();
  RunResult ok = audit_verify(svc.data());
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  // init token, token, keyset, 3 x (protect, recover)
  EXPECT_NE(ok.output.find("9 entries"), std::string::npos) << ok.output;
  RunResult list = run_shroud({"audit", "list", "--data", svc.data().string(), "--tenant", "acme", "--action", "recover"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(std::count(list.output.begin(), list.output.end(), '\n'), 3) << list.output;

  auto tamper = [&](const std::string& name, const std::string& sql, const std::string& expect) {
    const auto copy = svc.dir() / ("tamper-" + name);
    const std::string location = svc.copy_data(copy);
    ASSERT_FALSE(location.empty());
    {
      auto store = service::Store::open(location, false);
      ASSERT_TRUE(store.ok()) << store.error().message;
      ASSERT_TRUE((*store)->exec(sql).ok()) << sql;
    }
    RunResult r = audit_verify(copy);
    EXPECT_NE(r.exit_code, 0) << name << ": " << r.output;
    EXPECT_NE(r.output.find(expect), std::string::npos) << name << ": " << r.output;
  };
  tamper("edit", "UPDATE audit SET detail = replace(detail, '\"restored\":2', '\"restored\":0') WHERE seq = 5", "entry 5 was edited");
  tamper("actor", "UPDATE audit SET actor = 'someone' WHERE seq = 4", "entry 4");
  tamper("delete-middle", "DELETE FROM audit WHERE seq = 6", "entry 6");
  tamper("delete-tail", "DELETE FROM audit WHERE seq = 9", "entry 9");
  tamper("reorder",
         "UPDATE audit SET seq = -1 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = 5; UPDATE audit SET seq = 5 WHERE seq = -1",
         "entry 4");
  tamper("forged-rehash", "UPDATE audit SET tenant = 'other', hash = 'x' WHERE seq = 7", "entry 7");
}

TEST(ServiceApi, AcknowledgedItemsSurviveKill9UnderLoad) {
  SERVICE_START(svc);
  const std::string token = svc.token("acme", {"protect", "review"});
  std::mutex mutex;
  std::map<std::string, std::string> acked;   // item id -> protected bytes, only after a 200
  std::atomic<bool> stop{false};
  std::atomic<int> failures_before_kill{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      auto c = svc.client();
      for (int i = 0; !stop; ++i) {
        auto s = c.Post(i % 2 ? "/v1/protect?method=seal" : "/v1/protect?method=blur&store=true",
                        ServiceProcess::bearer(token), random_png(96, 64, 1000 * t + i), "image/png");
        if (!s) {
          if (!stop) ++failures_before_kill;
          break;   // the server was killed mid-request: not acknowledged
        }
        if (s->status != 200) {
          ++failures_before_kill;
          continue;
        }
        std::lock_guard<std::mutex> g(mutex);
        acked[s->get_header_value("X-Shroud-Item")] = s->body;
      }
    });
  }
  // Kill -9 while the four clients are mid-flight, once some items are acknowledged.
  for (int i = 0; i < 750; ++i) {   // up to 15 s on a slow (sanitizer) build
    {
      std::lock_guard<std::mutex> g(mutex);
      if (acked.size() >= 20) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  svc.stop(/*kill9=*/true);
  for (auto& c : clients) c.join();
  ASSERT_GE(acked.size(), 20u);
  ASSERT_TRUE(svc.start());
  for (const auto& [id, bytes] : acked) {
    auto g = svc.client().Get(("/v1/items/" + id).c_str(), ServiceProcess::bearer(token));
    ASSERT_TRUE(g);
    ASSERT_EQ(g->status, 200) << id;
    EXPECT_EQ(g->body, bytes) << id;
  }
  svc.stop();
  RunResult v = audit_verify(svc.data());
  EXPECT_EQ(v.exit_code, 0) << v.output;
  // Every acknowledged item has its audit entry.
  RunResult list = run_shroud({"audit", "list", "--data", svc.data().string(), "--action", "protect"});
  for (const auto& [id, bytes] : acked) EXPECT_NE(list.output.find(id), std::string::npos) << id;
}

TEST(ServiceApi, TlsSealRoundTripWithASelfSignedCertificate) {
  if (std::system("command -v openssl >/dev/null 2>&1 && command -v curl >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "openssl or curl is not installed";
  }
  ServiceProcess svc(/*tls=*/true);
  if (HasFailure()) return;
  ASSERT_TRUE(svc.start());
  const std::string token = svc.token("acme", {"protect", "recover"});
  const std::string in = random_png(120, 90, 7);
  write_text(svc.dir() / "in.png", in);
  auto sealed = svc.curl({"-H", "Authorization: Bearer " + token, "--data-binary", "@" + (svc.dir() / "in.png").string()},
                         "/v1/protect?method=seal");
  ASSERT_EQ(sealed.status, 200) << sealed.body;
  auto back = svc.client().Post("/v1/recover", ServiceProcess::bearer(token), sealed.body, "image/png");
  ASSERT_TRUE(back) << httplib::to_string(back.error());
  ASSERT_EQ(back->status, 200);
  EXPECT_TRUE(same_pixels(decode_image(in), decode_image(back->body)));
  // Plain HTTP to the TLS port gets no answer; the server keeps serving HTTPS.
  httplib::Client plain("127.0.0.1", svc.port());
  plain.set_read_timeout(3, 0);
  auto p = plain.Get("/v1/health");
  EXPECT_TRUE(!p || p->status >= 400);
  EXPECT_EQ(svc.client().Get("/v1/health")->status, 200);
  // A certificate without its key is refused at start.
  RunResult r = run_shroud({"serve", "--data", svc.data().string(), "--port", "0", "--tls-cert", (svc.dir() / "tls.crt").string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("both --tls-cert and --tls-key"), std::string::npos) << r.output;
}

TEST(ServiceApi, InitRefusesTwiceAndKeysArePrivate) {
  ServiceProcess svc;
  if (HasFailure()) return;
  RunResult again = run_shroud({"serve", "--data", svc.data().string(), "--init"});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.output.find("already holds a store"), std::string::npos) << again.output;
  const bool sqlite = svc.store().empty();
  for (const char* f : {"master.key", "audit.key", sqlite ? "shroud.db" : "store.url"}) {
    const auto perms = std::filesystem::status(svc.data() / f).permissions();
    EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all), std::filesystem::perms::none) << f;
  }
  const std::string key = read_text(svc.data() / "master.key").substr(0, 64);
  if (sqlite) {
    // The master key never enters the database: its bytes are not in shroud.db.
    const std::string db = read_text(svc.data() / "shroud.db") + read_text(svc.data() / "shroud.db-wal");
    EXPECT_EQ(db.find(key), std::string::npos);
  } else {
    // A PostgreSQL database that already holds a store is refused by a second --init elsewhere.
    RunResult twice = run_shroud({"serve", "--data", (svc.dir() / "other-data").string(), "--init", "--store", svc.store()});
    EXPECT_NE(twice.exit_code, 0);
    EXPECT_NE(twice.output.find("already holds a store"), std::string::npos) << twice.output;
    EXPECT_FALSE(std::filesystem::exists(svc.dir() / "other-data" / "store.url"));
  }
  // A wrong master key is refused at start.
  const auto wrong = svc.dir() / "wrong.key";
  write_text(wrong, std::string(64, 'a') + "\n");
  std::filesystem::permissions(wrong, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  RunResult r = run_shroud({"serve", "--data", svc.data().string(), "--master-key", wrong.string(), "--port", "0"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("not the master key"), std::string::npos) << r.output;
  // Non-loopback plain HTTP needs --insecure.
  RunResult open = run_shroud({"serve", "--data", svc.data().string(), "--listen", "0.0.0.0", "--port", "0"});
  EXPECT_NE(open.exit_code, 0);
  EXPECT_NE(open.output.find("--insecure"), std::string::npos) << open.output;
}

}  // namespace service_api_test
}  // namespace
}  // namespace shroud::testing
