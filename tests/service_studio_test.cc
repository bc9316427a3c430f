// The review studio's API (src/service/studio_routes.cc) through a real server process: the page
// and its assets, whoami, preview, apply (item + regions JSON + audit entry), the audited view of
// a sealed original (recover scope and a reason; nobody else gets original pixels), bad bodies.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "service_harness.h"

namespace shroud::testing {
namespace {
namespace service_studio_test {  // one namespace per file: unity builds batch the tests

using json = nlohmann::json;

// Pixels outside every rectangle of `rects`.
cv::Mat outside_mask(cv::Size size, const std::vector<cv::Rect>& rects) {
  cv::Mat m(size, CV_8UC1, cv::Scalar(255));
  for (const auto& r : rects) m(r).setTo(0);
  return m;
}

httplib::Result post_edit(ServiceProcess& svc, const std::string& token, const std::string& route, const json& doc, const std::string& image) {
  const std::string text = doc.dump();
  httplib::Headers h = ServiceProcess::bearer(token);
  h.emplace("X-Shroud-Regions-Length", std::to_string(text.size()));
  return svc.client().Post(route, h, text + image, "application/octet-stream");
}

int audit_entries(const ServiceProcess& svc) {
  const RunResult r = run_shroud({"audit", "list", "--data", svc.data().string(), "--json"});
  int n = 0;
  for (char c : r.output) n += c == '\n';
  return n;
}

#define STUDIO_START(svc)                    \
  ServiceProcess svc;                        \
  if (::testing::Test::HasFailure()) return; \
  ASSERT_TRUE(svc.start())

TEST(ServiceStudio, ThePageAndItsAssetsAreServedFromTheBinary) {
  STUDIO_START(svc);
  auto c = svc.client();
  auto redirect = c.Get("/studio");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->status, 302);
  EXPECT_EQ(redirect->get_header_value("Location"), "/studio/");
  auto page = c.Get("/studio/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page->body.find("Shroud review studio"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  // Everything the page loads is local: no http(s) URL in any asset.
  for (const std::string asset : {"/studio/", "/studio/studio.js", "/studio/studio.css"}) {
    auto r = c.Get(asset);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << asset;
    EXPECT_EQ(r->body.find("http://"), std::string::npos) << asset;
    EXPECT_EQ(r->body.find("https://"), std::string::npos) << asset;
  }
  EXPECT_EQ(c.Get("/studio/studio.js")->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(c.Get("/studio/nothing.js")->status, 404);
  EXPECT_EQ(c.Get("/studio/../shroud.db")->status, 404);
}

TEST(ServiceStudio, WhoamiShowsTheTokensTenantAndScopes) {
  STUDIO_START(svc);
  const std::string token = svc.token("acme", {"review", "protect"});
  auto r = svc.client().Get("/v1/whoami", ServiceProcess::bearer(token));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json j = json::parse(r->body);
  EXPECT_EQ(j["tenant"], "acme");
  EXPECT_EQ(j["scopes"], json::array({"review", "protect"}));
  EXPECT_EQ(token.rfind("st_" + j["id"].get<std::string>() + "_", 0), 0u);
  auto none = svc.client().Get("/v1/whoami");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto bad = svc.client().Get("/v1/whoami", ServiceProcess::bearer(token + "0"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
}

TEST(ServiceStudio, ApplyProtectsExactlyTheReviewersBoxesStoresItemAndRegionsAndAudits) {
  STUDIO_START(svc);
  const std::string token = svc.token("acme", {"protect", "review"});
  const std::string in = random_png(200, 150, 7);
  const cv::Mat original = decode_image(in);
  const cv::Rect pix(10, 20, 40, 30), fill(120, 60, 50, 40);
  const json doc = {{"regions", {{{"kind", "face"}, {"box", {pix.x, pix.y, pix.width, pix.height}}, {"method", "pixelate"}, {"score", 0.8}, {"detector", "yunet"}},
                                 {{"kind", "custom"}, {"box", {fill.x, fill.y, fill.width, fill.height}}, {"method", "fill"}}}},
                    {"edits", {{"detected", 1}, {"added", 1}, {"removed", 2}}}};
  const int before = audit_entries(svc);
  auto res = post_edit(svc, token, "/v1/studio/apply", doc, in);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  const json out = json::parse(res->body);
  EXPECT_EQ(out["format"], "png");
  EXPECT_EQ(out["protected"], 2);
  EXPECT_EQ(out["sealed"], 0);
  EXPECT_EQ(out["method"], "studio:fill+pixelate");

  auto item = svc.client().Get("/v1/items/" + out["item"].get<std::string>(), ServiceProcess::bearer(token));
  ASSERT_TRUE(item);
  ASSERT_EQ(item->status, 200);
  const cv::Mat got = decode_image(item->body);
  ASSERT_EQ(got.size(), original.size());
  // Inside both boxes every pixel changed region-wide; outside them nothing changed (PNG, mask 1.0).
  cv::Mat diff;
  cv::absdiff(got, original, diff);
  EXPECT_EQ(cv::norm(diff, cv::NORM_INF, outside_mask(original.size(), {pix, fill})), 0);
  EXPECT_EQ(cv::norm(got(fill), cv::NORM_INF), 0) << "fill is black";
  EXPECT_GT(cv::norm(diff(pix), cv::NORM_L1) / pix.area(), 30.0);

  auto regions = svc.client().Get("/v1/items/" + out["regions_item"].get<std::string>(), ServiceProcess::bearer(token));
  ASSERT_TRUE(regions);
  ASSERT_EQ(regions->status, 200);
  const json rj = json::parse(regions->body);
  EXPECT_EQ(rj["image"], out["item"]);
  ASSERT_EQ(rj["regions"].size(), 2u);
  EXPECT_EQ(rj["regions"][0]["box"], json::array({10, 20, 40, 30}));
  EXPECT_EQ(rj["regions"][0]["method"], "pixelate");
  EXPECT_EQ(rj["regions"][0]["detector"], "yunet");
  EXPECT_EQ(rj["regions"][1]["method"], "fill");
  EXPECT_EQ(rj["protected"].size(), 2u);

  EXPECT_EQ(audit_entries(svc), before + 1);
  const RunResult audit = run_shroud({"audit", "list", "--data", svc.data().string(), "--action", "studio.apply", "--json"});
  EXPECT_NE(audit.output.find(out["item"].get<std::string>()), std::string::npos) << audit.output;
  EXPECT_NE(audit.output.find("\"removed\":2"), std::string::npos) << audit.output;
  EXPECT_EQ(run_shroud({"audit", "verify", "--data", svc.data().string()}).exit_code, 0);
}

TEST(ServiceStudio, PreviewRendersWithoutStoringOrTouchingKeys) {
  STUDIO_START(svc);
  const std::string token = svc.token("acme", {"protect", "review"});
  const std::string in = random_png(120, 90, 3);
  const cv::Rect box(30, 20, 40, 30);
  const json doc = {{"regions", {{{"kind", "face"}, {"box", {box.x, box.y, box.width, box.height}}, {"method", "seal"}}}}, {"placeholder", "fill"}};
  const int before = audit_entries(svc);
  auto res = post_edit(svc, token, "/v1/studio/preview", doc, in);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "image/png");
  const cv::Mat got = decode_image(res->body), original = decode_image(in);
  EXPECT_EQ(cv::norm(got(box), cv::NORM_INF), 0) << "the seal previewed as its fill placeholder";
  cv::Mat diff;
  cv::absdiff(got, original, diff);
  EXPECT_EQ(cv::norm(diff, cv::NORM_INF, outside_mask(original.size(), {box})), 0);
  EXPECT_EQ(audit_entries(svc), before) << "no keyset created, no item stored";
  EXPECT_FALSE(std::filesystem::exists(svc.data() / "tmp") && !std::filesystem::is_empty(svc.data() / "tmp"));
}

TEST(ServiceStudio, OnlyTheRecoverScopeWithAReasonGetsOriginalPixels) {
  STUDIO_START(svc);
  const std::string editor = svc.token("acme", {"protect", "review"});
  const std::string reviewer = svc.token("acme", {"review"});
  const std::string officer = svc.token("acme", {"recover", "review"});
  const std::string stranger = svc.token("beta", {"recover", "review", "protect"});
  const std::string in = random_png(160, 120, 11);
  const cv::Mat original = decode_image(in);
  const cv::Rect sealed(20, 20, 50, 40), blurred(100, 60, 40, 40);
  const json doc = {{"regions", {{{"kind", "face"}, {"box", {sealed.x, sealed.y, sealed.width, sealed.height}}, {"method", "seal"}},
                                 {{"kind", "plate"}, {"box", {blurred.x, blurred.y, blurred.width, blurred.height}}, {"method", "blur"}}}},
                    {"placeholder", "pixelate"}};
  auto res = post_edit(svc, editor, "/v1/studio/apply", doc, in);
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  const json out = json::parse(res->body);
  EXPECT_EQ(out["sealed"], 1);
  const std::string item = out["item"];

  // The stored item (what review scope gets) shows the placeholder, not the original.
  auto stored = svc.client().Get("/v1/items/" + item, ServiceProcess::bearer(reviewer));
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->status, 200);
  const cv::Mat carrier = decode_image(stored->body);
  EXPECT_GT(cv::norm(carrier(sealed), original(sealed), cv::NORM_L1) / sealed.area(), 30.0);

  const std::string path = "/v1/studio/items/" + item + "/original";
  const std::string reason = R"({"reason": "DSAR 2026-114: subject asked for their photo"})";
  // Without the recover scope: 403, from the studio route and the service's own recover route.
  for (const auto& t : {reviewer, editor}) {
    auto r = svc.client().Post(path, ServiceProcess::bearer(t), reason, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << r->body;
    EXPECT_EQ(r->body.find("\x89PNG"), std::string::npos);
    auto r2 = svc.client().Post("/v1/recover?item=" + item, ServiceProcess::bearer(t), "", "application/octet-stream");
    ASSERT_TRUE(r2);
    EXPECT_EQ(r2->status, 403);
  }
  // Another tenant, even with recover: 404 as for a missing item.
  auto foreign = svc.client().Post(path, ServiceProcess::bearer(stranger), reason, "application/json");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 404);
  // No or an empty reason: 400, nothing restored or recorded.
  const int before = audit_entries(svc);
  for (const std::string body : {"", "{}", R"({"reason": ""})", R"({"reason": "   "})", R"({"reason": 5})", R"({"reason": "ok", "x": 1})", "[1]"}) {
    auto r = svc.client().Post(path, ServiceProcess::bearer(officer), body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body << " -> " << r->body;
  }
  EXPECT_EQ(audit_entries(svc), before);

  // The officer with a reason: the sealed box comes back bit-exact; the blurred one stays blurred.
  auto back = svc.client().Post(path, ServiceProcess::bearer(officer), reason, "application/json");
  ASSERT_TRUE(back);
  ASSERT_EQ(back->status, 200) << back->body;
  EXPECT_EQ(back->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(back->get_header_value("X-Shroud-Restored"), "1");
  const cv::Mat restored = decode_image(back->body);
  EXPECT_TRUE(same_pixels(restored(sealed), original(sealed)));
  EXPECT_GT(cv::norm(restored(blurred), original(blurred), cv::NORM_L1) / blurred.area(), 1.0);
  EXPECT_EQ(audit_entries(svc), before + 1);
  const RunResult audit = run_shroud({"audit", "list", "--data", svc.data().string(), "--item", item, "--action", "recover", "--json"});
  EXPECT_NE(audit.output.find("DSAR 2026-114"), std::string::npos) << audit.output;

  // An item without sealed regions has no original to show: 409.
  const json blur_only = {{"regions", {{{"kind", "face"}, {"box", {5, 5, 20, 20}}, {"method", "blur"}}}}};
  auto b = post_edit(svc, editor, "/v1/studio/apply", blur_only, in);
  ASSERT_TRUE(b);
  ASSERT_EQ(b->status, 201);
  auto none = svc.client().Post("/v1/studio/items/" + json::parse(b->body)["item"].get<std::string>() + "/original",
                                ServiceProcess::bearer(officer), reason, "application/json");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 409) << none->body;
  EXPECT_EQ(run_shroud({"audit", "verify", "--data", svc.data().string()}).exit_code, 0);
}

TEST(ServiceStudio, MalformedEditsAreRefusedAndTheServerKeepsServing) {
  STUDIO_START(svc);
  const std::string token = svc.token("acme", {"protect"});
  const std::string in = random_png(100, 80, 5);
  auto region = [](json box, std::string method = "blur", std::string kind = "face") {
    return json{{"regions", {{{"kind", kind}, {"box", box}, {"method", method}}}}};
  };
  struct Case {
    std::string name;
    std::string regions;     // raw JSON text
    std::string length;      // X-Shroud-Regions-Length ("" = the text's size, "-" = absent)
    std::string image;
    int status;
  };
  std::vector<Case> cases = {
      {"no length header", region({1, 1, 5, 5}).dump(), "-", in, 400},
      {"length not a number", region({1, 1, 5, 5}).dump(), "12a", in, 400},
      {"length past the body", region({1, 1, 5, 5}).dump(), "99999", in, 400},
      {"length zero", region({1, 1, 5, 5}).dump(), "0", in, 400},
      {"bad JSON", "{\"regions\": [", "", in, 400},
      {"not an object", "[]", "", in, 400},
      {"regions not an array", R"({"regions": 3})", "", in, 400},
      {"unknown top-level field", R"({"regions": [], "colour": 1})", "", in, 400},
      {"unknown region field", R"({"regions": [{"kind": "face", "box": [1,1,5,5], "method": "blur", "x": 1}]})", "", in, 400},
      {"box 1e20", R"({"regions": [{"kind": "face", "box": [1e20,1,5,5], "method": "blur"}]})", "", in, 400},
      {"box float", R"({"regions": [{"kind": "face", "box": [1.5,1,5,5], "method": "blur"}]})", "", in, 400},
      {"box 3 numbers", region({1, 1, 5}).dump(), "", in, 400},
      {"box string", region({"1", 1, 5, 5}).dump(), "", in, 400},
      {"box zero width", region({1, 1, 0, 5}).dump(), "", in, 400},
      {"box outside", region({500, 500, 5, 5}).dump(), "", in, 400},
      {"box int overflow", region({2147483647, 1, 2147483647, 5}).dump(), "", in, 400},
      {"unknown method", region({1, 1, 5, 5}, "melt").dump(), "", in, 400},
      {"unknown kind", region({1, 1, 5, 5}, "blur", "dragon").dump(), "", in, 400},
      {"score 2", R"({"regions": [{"kind": "face", "box": [1,1,5,5], "method": "blur", "score": 2}]})", "", in, 400},
      {"bad format", R"({"regions": [], "format": "gif"})", "", in, 400},
      {"bad placeholder", R"({"regions": [], "placeholder": "melt"})", "", in, 400},
      {"edits negative", R"({"regions": [], "edits": {"added": -1}})", "", in, 400},
      {"edits huge", R"({"regions": [], "edits": {"added": 1e30}})", "", in, 400},
      {"no image", region({1, 1, 5, 5}).dump(), "", "", 400},
      {"not an image", region({1, 1, 5, 5}).dump(), "", "hello, not an image", 415},
      {"truncated image", region({1, 1, 5, 5}).dump(), "", in.substr(0, in.size() / 2), 422},
  };
  json many = {{"regions", json::array()}};
  for (int i = 0; i < 1001; ++i) many["regions"].push_back({{"kind", "face"}, {"box", {1, 1, 5, 5}}, {"method", "blur"}});
  cases.push_back({"1001 regions", many.dump(), "", in, 400});
  for (const std::string route : {"/v1/studio/preview", "/v1/studio/apply"}) {
    for (const auto& c : cases) {
      httplib::Headers h = ServiceProcess::bearer(token);
      if (c.length != "-") h.emplace("X-Shroud-Regions-Length", c.length.empty() ? std::to_string(c.regions.size()) : c.length);
      auto res = svc.client().Post(route, h, c.regions + c.image, "application/octet-stream");
      ASSERT_TRUE(res) << c.name;
      EXPECT_EQ(res->status, c.status) << route << " " << c.name << ": " << res->body;
      EXPECT_NE(res->body.find("\"error\""), std::string::npos) << c.name;
      auto health = svc.client().Get("/v1/health");
      ASSERT_TRUE(health && health->status == 200) << "server stopped after " << c.name;
    }
  }
  // A box reaching past the image (x + w over INT_MAX) is clipped, not refused.
  auto clipped = post_edit(svc, token, "/v1/studio/preview", region({10, 1, 2147483647, 5}), in);
  ASSERT_TRUE(clipped);
  EXPECT_EQ(clipped->status, 200) << clipped->body;
  // Scopes: preview/apply need protect.
  const std::string reviewer = svc.token("acme", {"review", "detect"});
  auto res = post_edit(svc, reviewer, "/v1/studio/apply", region({1, 1, 5, 5}), in);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
  // Nothing was stored by any of them.
  EXPECT_EQ(run_shroud({"audit", "list", "--data", svc.data().string(), "--action", "studio.apply"}).output.find("studio.apply"),
            std::string::npos);
}

}  // namespace service_studio_test
}  // namespace
}  // namespace shroud::testing
